//! Matrix products: 2-D, batched over broadcast leading axes, N-d times 2-D (what Dense does
//! on rank-3 input), and vectors, with NumPy's `matmul` semantics.

use ndarray::{ArrayD, ArrayView2, ArrayViewD, Axis, Dimension, Ix2, IxDyn};

use super::binary::Operand;
use super::gemm::{gemm, product_new};
use super::op::Op;
use super::shape::broadcast_shapes;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

impl Tensor {
    /// Matrix product with NumPy's `matmul` rules.
    ///
    /// - `(m, k) · (k, n) → (m, n)`;
    /// - `(…, m, k) · (k, n) → (…, m, n)`: one large product over all leading axes;
    /// - `(…a, m, k) · (…b, k, n) → (…, m, n)` with the leading axes broadcast;
    /// - a 1-D left operand is a row vector, a 1-D right operand a column vector, and that
    ///   axis is removed from the result (two vectors give their dot product, a scalar).
    ///
    /// Large products use both cores.
    ///
    /// # Panics
    ///
    /// If the inner dimensions differ or the leading axes do not broadcast; see
    /// [`Tensor::try_matmul`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let b = Tensor::from_vec(vec![5.0, 6.0, 7.0, 8.0], &[2, 2]);
    /// // [[1·5+2·7, 1·6+2·8], [3·5+4·7, 3·6+4·8]]
    /// assert_eq!(a.matmul(&b).to_vec(), vec![19.0, 22.0, 43.0, 50.0]);
    /// ```
    #[track_caller]
    pub fn matmul(&self, rhs: impl Operand) -> Tensor {
        self.try_matmul(rhs).or_raise()
    }

    /// Like [`Tensor::matmul`], returning an error on incompatible shapes.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] if an operand is a scalar, the inner dimensions differ
    /// or the leading (batch) axes do not broadcast.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[8, 5, 3]);
    /// let w = Tensor::ones(&[3, 4]);
    /// assert_eq!(x.try_matmul(&w).unwrap().shape(), &[8, 5, 4]);
    /// assert!(w.try_matmul(&x).is_err());
    /// let v = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
    /// let dot = v.try_matmul(&v).unwrap();
    /// assert_eq!((dot.shape(), dot.to_vec()), (&[][..], vec![14.0]));
    /// ```
    pub fn try_matmul(&self, rhs: impl Operand) -> Result<Tensor> {
        let rhs = &rhs.into_tensor();
        let (a, b) = (self.shape(), rhs.shape());
        if a.is_empty() || b.is_empty() {
            return Err(Error::incompatible(
                "matmul",
                a,
                b,
                "both operands need at least one axis",
            ));
        }
        if a.len() == 1 {
            let row = self.try_reshape(&[1, a[0]])?;
            let out = row.try_matmul(rhs)?;
            let mut shape = out.shape().to_vec();
            // The row axis: last but one, or last when a 1-D right operand's column axis
            // is already gone (a dot product of two vectors is a scalar).
            let row_axis = shape.len() - if b.len() == 1 { 1 } else { 2 };
            shape.remove(row_axis);
            return out.try_reshape(&shape);
        }
        if b.len() == 1 {
            let col = rhs.try_reshape(&[b[0], 1])?;
            let out = self.try_matmul(&col)?;
            let shape = &out.shape()[..out.rank() - 1];
            return out.try_reshape(shape);
        }
        let (k, k2) = (a[a.len() - 1], b[b.len() - 2]);
        if k != k2 {
            return Err(Error::incompatible(
                "matmul",
                a,
                b,
                format!("inner dimensions {k} and {k2} differ"),
            ));
        }
        let batch =
            broadcast_shapes("matmul", &a[..a.len() - 2], &b[..b.len() - 2]).map_err(|_| {
                Error::incompatible("matmul", a, b, "the leading (batch) axes do not broadcast")
            })?;
        let out = product(self.view(), rhs.view(), &batch, false, false);
        Ok(Tensor::from_op(
            out,
            || Op::MatMul(self.clone(), rhs.clone()),
            &[self, rhs],
        ))
    }

    /// Swaps the last two axes (the matrix transpose for 2-D tensors).
    ///
    /// # Panics
    ///
    /// If the tensor has fewer than two axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// let t = a.transpose();
    /// assert_eq!(t.shape(), &[3, 2]);
    /// assert_eq!(t.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn transpose(&self) -> Tensor {
        let r = self.rank();
        if r < 2 {
            crate::unwind::raise(Error::mismatch(
                "transpose",
                "at least 2 axes",
                self.shape(),
            ));
        }
        let mut axes: Vec<usize> = (0..r).collect();
        axes.swap(r - 2, r - 1);
        self.permute(&axes)
    }
}

/// Views the last two axes of `x` as a matrix, optionally transposed.
fn matrix<'a>(x: ArrayViewD<'a, f32>, transpose: bool) -> ArrayView2<'a, f32> {
    let m = x.into_dimensionality::<Ix2>().expect("a rank-2 view");
    if transpose { m.reversed_axes() } else { m }
}

/// `op(a) · op(b)` over broadcast leading axes `batch`, where `op` optionally transposes the
/// last two axes. Ranks are at least 2 and inner dimensions match.
pub(crate) fn product(
    a: ArrayViewD<'_, f32>,
    b: ArrayViewD<'_, f32>,
    batch: &[usize],
    transpose_a: bool,
    transpose_b: bool,
) -> ArrayD<f32> {
    let (ra, rb) = (a.ndim(), b.ndim());
    let m = if transpose_a {
        a.shape()[ra - 1]
    } else {
        a.shape()[ra - 2]
    };
    let n = if transpose_b {
        b.shape()[rb - 2]
    } else {
        b.shape()[rb - 1]
    };
    // Fast path: a right matrix with no batch axes turns the whole left operand into one
    // tall matrix, so a rank-3 Dense input costs one product.
    if rb == 2 && !transpose_a {
        let k = a.shape()[ra - 1];
        let rows: usize = a.shape()[..ra - 1].iter().product();
        let a_std = a.as_standard_layout();
        let a2 = a_std
            .view()
            .into_shape_with_order((rows, k))
            .expect("standard layout reshapes without copying");
        let mut out_shape = a.shape()[..ra - 1].to_vec();
        out_shape.push(n);
        return product_new(a2, matrix(b, transpose_b))
            .into_shape_with_order(IxDyn(&out_shape))
            .expect("rows × n values");
    }
    let mut out_shape = batch.to_vec();
    out_shape.extend([m, n]);
    let mut out = ArrayD::<f32>::zeros(IxDyn(&out_shape));

    let mut a_full = a.shape()[..0].to_vec();
    a_full.extend(batch);
    a_full.extend(&a.shape()[ra - 2..]);
    let mut b_full = batch.to_vec();
    b_full.extend(&b.shape()[rb - 2..]);
    let a_b = a.broadcast(IxDyn(&a_full)).expect("batch axes broadcast");
    let b_b = b.broadcast(IxDyn(&b_full)).expect("batch axes broadcast");
    for index in ndarray::indices(IxDyn(batch)) {
        let mut av = a_b.view();
        let mut bv = b_b.view();
        let mut ov = out.view_mut();
        for &i in index.slice() {
            av = av.index_axis_move(Axis(0), i);
            bv = bv.index_axis_move(Axis(0), i);
            ov = ov.index_axis_move(Axis(0), i);
        }
        let ov = ov.into_dimensionality::<Ix2>().expect("a rank-2 view");
        gemm(ov, matrix(av, transpose_a), matrix(bv, transpose_b), false);
    }
    out
}
