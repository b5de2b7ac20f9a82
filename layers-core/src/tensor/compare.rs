//! Comparisons that give masks (1.0 where true, 0.0 where false) and `select`, which picks
//! between two tensors by a mask; masks carry no gradient.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![-1.0, 0.0, 2.0], &[3]);
//! let mask = x.greater(0.0);
//! assert_eq!(mask.to_vec(), vec![0.0, 0.0, 1.0]);
//! assert_eq!(mask.select(&x, 0.0).to_vec(), vec![0.0, 0.0, 2.0]);
//! ```

use ndarray::{ArrayD, IxDyn, Zip};

use super::binary::Operand;
use super::op::Op;
use super::shape::broadcast_shapes;
use crate::Tensor;
use crate::error::Result;
use crate::unwind::OrRaise;

fn compare(op: &'static str, a: &Tensor, b: &Tensor, test: fn(f32, f32) -> bool) -> Result<Tensor> {
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let av = a
        .data()
        .broadcast(IxDyn(&shape))
        .expect("checked to broadcast");
    let bv = b
        .data()
        .broadcast(IxDyn(&shape))
        .expect("checked to broadcast");
    let out = Zip::from(&av)
        .and(&bv)
        .map_collect(|&x, &y| if test(x, y) { 1.0 } else { 0.0 });
    Ok(Tensor::from_array(out))
}

macro_rules! comparisons {
    ($( $name:ident, $try_name:ident, $sym:literal, $test:expr, $example:literal; )*) => {
        impl Tensor {
            $(
                #[doc = concat!("Mask of `self ", $sym, " rhs` (1.0 or 0.0) with broadcasting; NaN compares false except in `not_equal`.")]
                ///
                /// # Panics
                ///
                /// If the shapes do not broadcast; the `try_` form returns the error instead.
                ///
                /// # Examples
                ///
                /// ```
                /// use layers_core::Tensor;
                /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
                #[doc = concat!("assert_eq!(x.", stringify!($name), "(2.0).to_vec(), vec!", $example, ");")]
                /// ```
                #[track_caller]
                pub fn $name(&self, rhs: impl Operand) -> Tensor {
                    self.$try_name(rhs).or_raise()
                }

                #[doc = concat!("Like [`Tensor::", stringify!($name), "`], returning an error when the shapes do not broadcast.")]
                ///
                /// # Errors
                ///
                /// [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes).
                ///
                /// # Examples
                ///
                /// ```
                /// use layers_core::Tensor;
                #[doc = concat!("assert!(Tensor::ones(&[2]).", stringify!($try_name), "(&Tensor::ones(&[3])).is_err());")]
                /// ```
                pub fn $try_name(&self, rhs: impl Operand) -> Result<Tensor> {
                    compare(stringify!($name), self, &rhs.into_tensor(), $test)
                }
            )*
        }
    };
}

comparisons! {
    greater, try_greater, ">", |x, y| x > y, "[0.0, 0.0, 1.0]";
    greater_equal, try_greater_equal, ">=", |x, y| x >= y, "[0.0, 1.0, 1.0]";
    less, try_less, "<", |x, y| x < y, "[1.0, 0.0, 0.0]";
    less_equal, try_less_equal, "<=", |x, y| x <= y, "[1.0, 1.0, 0.0]";
    equal, try_equal, "==", |x, y| x == y, "[0.0, 1.0, 0.0]";
    not_equal, try_not_equal, "!=", |x, y| x != y, "[1.0, 0.0, 1.0]";
}

impl Tensor {
    /// Uses `self` as a mask: where it is non-zero take `on_true`, elsewhere `on_false`
    /// (NumPy's `where`), with all three broadcast together. The gradient flows to the
    /// chosen operand only; the mask gets none.
    ///
    /// # Panics
    ///
    /// If the shapes do not broadcast; see [`Tensor::try_select`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let mask = Tensor::from_vec(vec![1.0, 0.0], &[2]);
    /// let a = Tensor::from_vec(vec![10.0, 20.0], &[2]);
    /// assert_eq!(mask.select(&a, -1.0).to_vec(), vec![10.0, -1.0]);
    /// ```
    #[track_caller]
    pub fn select(&self, on_true: impl Operand, on_false: impl Operand) -> Tensor {
        self.try_select(on_true, on_false).or_raise()
    }

    /// Like [`Tensor::select`], returning an error when the shapes do not broadcast.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2]).try_select(&Tensor::ones(&[3]), 0.0).is_err());
    /// ```
    pub fn try_select(&self, on_true: impl Operand, on_false: impl Operand) -> Result<Tensor> {
        let (t, f) = (on_true.into_tensor(), on_false.into_tensor());
        let tf = broadcast_shapes("select", t.shape(), f.shape())?;
        let shape = broadcast_shapes("select", self.shape(), &tf)?;
        let m = self
            .data()
            .broadcast(IxDyn(&shape))
            .expect("checked to broadcast");
        let tv = t
            .data()
            .broadcast(IxDyn(&shape))
            .expect("checked to broadcast");
        let fv = f
            .data()
            .broadcast(IxDyn(&shape))
            .expect("checked to broadcast");
        let out: ArrayD<f32> = Zip::from(&m)
            .and(&tv)
            .and(&fv)
            .map_collect(|&m, &a, &b| if m != 0.0 { a } else { b });
        let mask = self
            .data()
            .map(|&m| if m != 0.0 { 1.0 } else { 0.0 })
            .into_shared();
        Ok(Tensor::from_op(
            out,
            || Op::Select {
                mask,
                on_true: t.clone(),
                on_false: f.clone(),
            },
            &[&t, &f],
        ))
    }
}
