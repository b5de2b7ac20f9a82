//! The dense layer's arithmetic as one op: `activation(x · kernel + bias)`.
//!
//! Written as three ops (`matmul`, `+`, an activation) the layer makes three arrays and
//! three passes over its output, and their backward rules three more (the bias gradient
//! out of a full copy of the output's). Fused, the output starts as the bias rows, the
//! product is accumulated onto it, and the activation runs in place, keeping its
//! derivative for backward; backward scales the gradient by that derivative once and
//! derives the three gradients from it. A batch of one or a few rows streams the kernel
//! once instead of packing it for a matrix product.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
//! let w = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
//! let b = Tensor::from_vec(vec![0.5, -20.0, 0.0], &[3]);
//! // [1·1+2·4, 1·2+2·5, 1·3+2·6] + b
//! assert_eq!(x.linear(&w, Some(&b)).to_vec(), vec![9.5, -8.0, 15.0]);
//! ```

use ndarray::{ArrayD, ArrayView2, ArrayViewMut2, IxDyn};
use rayon::prelude::*;

use super::gemm::gemm;
use super::gemv::{streamed_product, streamed_slices};
use super::op::Op;
use super::unary::PARALLEL_LEN;
use super::{Data, Tensor, graph};
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

/// Products with at most this many rows stream the kernel row by row (a matrix-vector
/// product per row) instead of calling the packed GEMM, whose packing of the whole kernel
/// costs more than the product for so few rows.
pub(crate) const STREAMED_ROWS: usize = 4;

/// An elementwise function applied in place to a layer's output, for the fused pass of
/// `Tensor::linear_with`: the built-in and `#[activation]` activations implement it
/// (monomorphised, so the loops inline the function). Crate-internal: users reach it through
/// `Dense`'s activation.
pub(crate) trait InPlace: Sync {
    /// Replaces each value `x` by `f(x)`.
    fn values(&self, v: &mut [f32]);
    /// Replaces each value `x` by `f(x)`, and writes `f'(x)` into `d` (as long as `v`).
    fn values_and_derivatives(&self, v: &mut [f32], d: &mut [f32]);
}

impl Tensor {
    /// `x · kernel + bias` over the last axis of `x` (rank 2 or more; `kernel` is
    /// `(features, units)`, `bias` `(units,)`), as one op: what [`Dense`] computes before
    /// its activation. The same values as `x.matmul(kernel) + bias` up to rounding.
    ///
    /// [`Dense`]: crate::builtin::Dense
    ///
    /// # Panics
    ///
    /// If the shapes do not fit; see [`Tensor::try_linear`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[4, 3]);
    /// let w = Tensor::full(&[3, 2], 2.0);
    /// assert_eq!(x.linear(&w, None).to_vec(), vec![6.0; 8]);
    /// ```
    #[track_caller]
    pub fn linear(&self, kernel: &Tensor, bias: Option<&Tensor>) -> Tensor {
        self.try_linear(kernel, bias).or_raise()
    }

    /// Like [`Tensor::linear`], returning an error when the shapes do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] if `x` has fewer than two axes, `kernel` is not a
    /// matrix whose rows match `x`'s last axis, or `bias` is not a vector of `kernel`'s
    /// column count.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[4, 3]);
    /// assert!(x.try_linear(&Tensor::ones(&[2, 2]), None).is_err());
    /// let b = Tensor::ones(&[5]);
    /// assert!(x.try_linear(&Tensor::ones(&[3, 2]), Some(&b)).is_err());
    /// ```
    pub fn try_linear(&self, kernel: &Tensor, bias: Option<&Tensor>) -> Result<Tensor> {
        self.linear_with(kernel, bias, None)
    }

    /// [`Tensor::try_linear`] with an elementwise activation applied in the same pass, its
    /// derivative kept for backward when a gradient is wanted.
    pub(crate) fn linear_with(
        &self,
        kernel: &Tensor,
        bias: Option<&Tensor>,
        activation: Option<&dyn InPlace>,
    ) -> Result<Tensor> {
        let (x, w) = (self.shape(), kernel.shape());
        let fits = x.len() >= 2 && w.len() == 2 && x[x.len() - 1] == w[0];
        if !fits {
            return Err(Error::incompatible(
                "linear",
                x,
                w,
                "x needs at least two axes and its last must match the kernel's rows",
            ));
        }
        let units = w[1];
        if let Some(b) = bias
            && b.shape() != [units]
        {
            return Err(Error::incompatible(
                "linear",
                w,
                b.shape(),
                format!("the bias must be a vector of the kernel's {units} columns"),
            ));
        }
        let mut out_shape = Vec::with_capacity(x.len());
        out_shape.extend_from_slice(&x[..x.len() - 1]);
        out_shape.push(units);
        let mut out = affine(
            self.data(),
            kernel.data(),
            bias.map(Tensor::data),
            &out_shape,
        );
        let with_bias;
        let inputs: &[&Tensor] = match bias {
            Some(b) => {
                with_bias = [self, kernel, b];
                &with_bias
            }
            None => &[self, kernel],
        };
        let recording = graph::is_recording() && inputs.iter().any(|t| t.requires_grad());
        let derivative = match activation {
            None => None,
            Some(f) if !recording => {
                each_chunk(out.as_slice_mut().expect("fresh"), |v| f.values(v));
                None
            }
            Some(f) => {
                let mut d = ArrayD::<f32>::zeros(out.raw_dim());
                let (v, dv) = (
                    out.as_slice_mut().expect("fresh"),
                    d.as_slice_mut().expect("fresh"),
                );
                if v.len() >= PARALLEL_LEN {
                    v.par_chunks_mut(PARALLEL_LEN / 4)
                        .zip(dv.par_chunks_mut(PARALLEL_LEN / 4))
                        .for_each(|(v, d)| f.values_and_derivatives(v, d));
                } else {
                    f.values_and_derivatives(v, dv);
                }
                Some(d.into_shared())
            }
        };
        Ok(Tensor::from_op(
            out,
            || Op::Linear {
                input: self.clone(),
                kernel: kernel.clone(),
                bias: bias.cloned(),
                derivative,
            },
            inputs,
        ))
    }
}

/// Runs `f` over `v`, in parallel chunks when `v` is long.
fn each_chunk(v: &mut [f32], f: impl Fn(&mut [f32]) + Sync + Send) {
    if v.len() >= PARALLEL_LEN {
        v.par_chunks_mut(PARALLEL_LEN / 4).for_each(f);
    } else {
        f(v);
    }
}

/// `x · w + b` for `x` of any rank ≥ 2 (its leading axes are rows), into a fresh array of
/// `out_shape`.
fn affine(x: &Data, w: &Data, b: Option<&Data>, out_shape: &[usize]) -> ArrayD<f32> {
    let (k, n) = (w.shape()[0], w.shape()[1]);
    // The leading axes' product: also right when `k` is 0 and `x` holds no values.
    let rows: usize = x.shape()[..x.ndim() - 1].iter().product();
    let start = |rows: usize| {
        b.map(|b| match b.as_slice() {
            Some(b) => bias_rows(b, rows),
            None => bias_rows(&b.iter().copied().collect::<Vec<_>>(), rows),
        })
    };
    if rows <= STREAMED_ROWS
        && let (Some(xs), Some(ws)) = (x.as_slice(), w.as_slice())
        && let Some(b) = b.map_or(Some(None), |b| b.as_slice().map(Some))
        && let Some(v) = affine_rows(xs, rows, ws, n, b)
    {
        // A few rows, everything contiguous (a batch-1 `predict`): straight on the slices,
        // without the array views below, which cost more than a small layer's product.
        return ArrayD::from_shape_vec(IxDyn(out_shape), v).expect("rows × units values");
    }
    let mut out = match start(rows) {
        Some(v) => ArrayD::from_shape_vec(IxDyn(out_shape), v).expect("rows × units values"),
        None => super::buffers::zeros(out_shape),
    };
    if rows == 0 || n == 0 {
        return out;
    }
    let x = x.as_standard_layout();
    let x2 = x
        .view()
        .into_shape_with_order((rows, k))
        .expect("standard layout");
    let w2 = w.view().into_dimensionality().expect("a matrix");
    let o2 = out
        .view_mut()
        .into_shape_with_order((rows, n))
        .expect("fresh");
    product_into(o2, x2, w2, w);
    out
}

/// `x · w + b` for at most [`STREAMED_ROWS`] rows of `x` (`rows × k` values) and a
/// row-major `k × n` kernel `w`, straight on the slices: the few-row path of [`affine`] and
/// of a layer's [`forward_rows`](crate::Layer::forward_rows), so both give the same bits.
/// `None` when the sizes do not fit together or there are more rows than that.
pub(crate) fn affine_rows(
    x: &[f32],
    rows: usize,
    w: &[f32],
    n: usize,
    b: Option<&[f32]>,
) -> Option<Vec<f32>> {
    let k = x.len().checked_div(rows)?;
    let fits = rows <= STREAMED_ROWS
        && x.len() == rows * k
        && w.len() == k * n
        && b.is_none_or(|b| b.len() == n);
    if !fits {
        return None;
    }
    let mut v = match b {
        Some(b) => bias_rows(b, rows),
        None => super::buffers::take_zeroed(rows * n),
    };
    streamed_slices(&mut v, x, w, n);
    Some(v)
}

/// `rows` copies of the bias `b`, one after the other: the output's starting values. A small
/// output is written straight into a fresh vector (one allocation, no zeroing), a large one
/// into a cached buffer.
fn bias_rows(b: &[f32], rows: usize) -> Vec<f32> {
    let len = rows * b.len();
    if len < super::buffers::MIN_LEN {
        return b.repeat(rows);
    }
    let mut v = super::buffers::take_any(len);
    for row in v.chunks_exact_mut(b.len()) {
        row.copy_from_slice(b);
    }
    v
}

/// `out += x · w`: streamed row by row for a few rows (on both cores for a large kernel,
/// see [`streamed_product`]), the packed GEMM otherwise. `shared` is `w`'s buffer.
fn product_into(
    out: ArrayViewMut2<'_, f32>,
    x: ArrayView2<'_, f32>,
    w: ArrayView2<'_, f32>,
    shared: &Data,
) {
    if x.nrows() <= STREAMED_ROWS && shared.is_standard_layout() {
        streamed_product(out, x, shared);
    } else {
        gemm(out, x, w, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::check_gradients;

    /// `tanh`, in place, with its derivative `1 − tanh²`.
    struct Tanh;
    impl InPlace for Tanh {
        fn values(&self, v: &mut [f32]) {
            v.iter_mut().for_each(|x| *x = x.tanh());
        }
        fn values_and_derivatives(&self, v: &mut [f32], d: &mut [f32]) {
            for (x, d) in v.iter_mut().zip(d) {
                *x = x.tanh();
                *d = 1.0 - *x * *x;
            }
        }
    }

    fn filled(shape: &[usize], seed: u32) -> Tensor {
        let n: usize = shape.iter().product();
        let values = (0..n)
            .map(|i| {
                let h = (i as u32 ^ seed).wrapping_mul(2_654_435_761) >> 8;
                // about a quarter exact zeros, as after a ReLU
                if h.is_multiple_of(4) {
                    0.0
                } else {
                    (h % 2001) as f32 / 1000.0 - 1.0
                }
            })
            .collect();
        Tensor::from_vec(values, shape)
    }

    fn close(a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= tol * (1.0 + y.abs()), "at {i}: {x} vs {y}");
        }
    }

    #[test]
    fn values_match_the_product_plus_bias_for_streamed_and_packed_rows() {
        // 1..=4 rows stream the kernel, more use the GEMM; rank 3 folds its leading axes.
        for shape in [
            vec![1, 37],
            vec![2, 37],
            vec![4, 37],
            vec![5, 37],
            vec![130, 37],
            vec![3, 2, 37],
        ] {
            let x = filled(&shape, 1);
            let w = filled(&[37, 19], 2);
            let b = filled(&[19], 3);
            let plain = &x.matmul(&w) + &b;
            close(&x.linear(&w, Some(&b)).to_vec(), &plain.to_vec(), 1e-5);
            close(&x.linear(&w, None).to_vec(), &x.matmul(&w).to_vec(), 1e-5);
            assert_eq!(x.linear(&w, None).shape(), plain.shape());
        }
    }

    #[test]
    fn few_strided_rows_and_a_transposed_kernel_take_the_array_path_with_the_same_values() {
        // The slice path needs `x` and the kernel contiguous; a transposed `x` of 3 rows or
        // a transposed kernel goes through the array views instead, with the same values.
        let xt = filled(&[37, 3], 4);
        let x = Tensor::from_data(xt.data().clone().reversed_axes(), None);
        assert!(x.data().as_slice().is_none(), "a strided x");
        let x_plain = Tensor::from_vec(x.to_vec(), &[3, 37]);
        let wt = filled(&[300, 37], 5);
        let w = Tensor::from_data(wt.data().clone().reversed_axes(), None);
        let w_plain = Tensor::from_vec(w.to_vec(), &[37, 300]);
        let b = filled(&[300], 6);
        for (xa, wa) in [(&x, &w_plain), (&x_plain, &w), (&x, &w)] {
            let got = xa.linear(wa, Some(&b)).to_vec();
            let want = x_plain.linear(&w_plain, Some(&b)).to_vec();
            close(&got, &want, 1e-5);
        }
    }

    #[test]
    fn few_rows_equal_the_bias_plus_the_plain_row_kernel_bit_for_bit() {
        // 1–4 rows, odd sizes, a kernel large enough to be split between two threads, an
        // output large enough for the buffer cache, a strided bias; zeros (a quarter of x),
        // NaN and infinities in x.
        for (k, n) in [(37, 19), (784, 256), (513, 130), (3, 8200)] {
            let w = filled(&[k, n], 21);
            let pairs = filled(&[n, 2], 22);
            let column = pairs
                .data()
                .clone()
                .into_dimensionality::<ndarray::Ix2>()
                .expect("a matrix")
                .slice_move(ndarray::s![.., 1]);
            let strided = Tensor::from_data(column.into_dyn(), None);
            assert!(strided.data().as_slice().is_none(), "a strided bias");
            for rows in 1..=STREAMED_ROWS {
                for special in [
                    None,
                    Some(f32::NAN),
                    Some(f32::INFINITY),
                    Some(f32::NEG_INFINITY),
                ] {
                    let mut xv = filled(&[rows, k], 23 + rows as u32).to_vec();
                    if let Some(v) = special {
                        xv[(rows - 1) * k + k / 2] = v;
                    }
                    let x = Tensor::from_vec(xv.clone(), &[rows, k]);
                    let ws = w.data().as_slice().expect("standard").to_vec();
                    for bias in [filled(&[n], 24), strided.clone()] {
                        let got = x.linear(&w, Some(&bias)).to_vec();
                        let b = bias.to_vec();
                        for r in 0..rows {
                            let mut want = b.clone();
                            super::super::gemv_kernel::gemv_columns(
                                &mut want,
                                &xv[r * k..(r + 1) * k],
                                &ws,
                                0,
                            );
                            for (j, (&g, &e)) in
                                got[r * n..(r + 1) * n].iter().zip(&want).enumerate()
                            {
                                assert!(
                                    g.to_bits() == e.to_bits() || (g.is_nan() && e.is_nan()),
                                    "k {k}, n {n}, rows {rows}, {special:?}, [{r}, {j}]: {g} vs {e}"
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn a_fused_activation_matches_the_ops_one_by_one() {
        for rows in [1, 9] {
            let x = filled(&[rows, 6], 4).into_variable();
            let w = filled(&[6, 5], 5).into_variable();
            let b = filled(&[5], 6).into_variable();
            let fused = x.linear_with(&w, Some(&b), Some(&Tanh)).unwrap();
            let plain = (&x.matmul(&w) + &b).tanh();
            close(&fused.to_vec(), &plain.to_vec(), 1e-6);
            let c = filled(&[rows, 5], 7);
            let gf = (&fused * &c).sum_all().backward();
            let gp = (&plain * &c).sum_all().backward();
            for t in [&x, &w, &b] {
                close(
                    &gf.get(t).unwrap().to_vec(),
                    &gp.get(t).unwrap().to_vec(),
                    1e-5,
                );
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for (shape, bias) in [
            (vec![1, 4], true),
            (vec![6, 4], true),
            (vec![2, 3, 4], false),
        ] {
            let x = filled(&shape, 8);
            let w = filled(&[4, 3], 9);
            let b = filled(&[3], 10);
            let r = if bias {
                check_gradients(&[x, w, b], |v| v[0].linear(&v[1], Some(&v[2])), 1e-2)
            } else {
                check_gradients(&[x, w], |v| v[0].linear(&v[1], None), 1e-2)
            };
            assert!(r.worst() < 1e-2, "{r}");
            let x = filled(&shape, 11);
            let w = filled(&[4, 3], 12);
            let r = check_gradients(
                &[x, w],
                |v| v[0].linear_with(&v[1], None, Some(&Tanh)).unwrap(),
                1e-2,
            );
            assert!(r.worst() < 1e-2, "{r}");
        }
    }

    #[test]
    fn misfit_shapes_are_errors_naming_the_op() {
        let x = Tensor::ones(&[2, 3]);
        let err = x.try_linear(&Tensor::ones(&[4, 2]), None).unwrap_err();
        assert!(err.to_string().contains("linear"), "{err}");
        assert!(
            Tensor::ones(&[3])
                .try_linear(&Tensor::ones(&[3, 2]), None)
                .is_err()
        );
        assert!(x.try_linear(&Tensor::ones(&[3]), None).is_err());
        let bias = Tensor::ones(&[3]);
        assert!(x.try_linear(&Tensor::ones(&[3, 2]), Some(&bias)).is_err());
    }

    #[test]
    fn nothing_is_recorded_without_a_gradient() {
        let x = filled(&[3, 4], 13);
        let w = filled(&[4, 2], 14);
        let y = x.linear_with(&w, None, Some(&Tanh)).unwrap();
        assert!(!y.requires_grad());
        let want = x.matmul(&w).tanh();
        close(&y.to_vec(), &want.to_vec(), 1e-6);
    }
}
