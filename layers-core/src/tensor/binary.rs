//! Elementwise arithmetic between tensors with NumPy broadcasting, scalar arithmetic, and
//! the operators (`+ - * /` and unary `-`) on owned tensors, references and `f32`.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0], &[2]);
//! let y = &x * 2.0 + 1.0; // [3, 5]
//! let z = 10.0 - &y;      // [7, 5]
//! assert_eq!(z.to_vec(), vec![7.0, 5.0]);
//! ```

use std::ops::{Add, Div, Mul, Neg, Sub};

use ndarray::{ArrayD, IxDyn, Zip};

use super::op::Op;
use super::shape::broadcast_shapes;
use crate::Tensor;
use crate::error::Result;
use crate::unwind::OrRaise;

/// Anything that can stand as the right operand of a tensor op: a tensor (owned or
/// borrowed) or an `f32` (a rank-0 tensor).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// let x = Tensor::from_vec(vec![-1.0, 2.0], &[2]);
/// assert_eq!(x.maximum(0.0).to_vec(), vec![0.0, 2.0]);
/// assert_eq!(x.maximum(&Tensor::from_vec(vec![5.0, 1.0], &[2])).to_vec(), vec![5.0, 2.0]);
/// ```
pub trait Operand {
    /// The operand as a tensor: a scalar becomes a 0-D tensor.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Operand;
    /// assert_eq!(2.5f32.into_tensor().shape(), &[] as &[usize]);
    /// assert_eq!(2.5f32.into_tensor().to_vec(), vec![2.5]);
    /// ```
    fn into_tensor(self) -> Tensor;
}

impl Operand for Tensor {
    fn into_tensor(self) -> Tensor {
        self
    }
}

impl Operand for &Tensor {
    fn into_tensor(self) -> Tensor {
        self.clone()
    }
}

impl Operand for f32 {
    fn into_tensor(self) -> Tensor {
        Tensor::scalar(self)
    }
}

pub(super) type Kernel = fn(&mut f32, f32, f32);

pub(super) fn broadcast_binary(
    op: &'static str,
    a: &Tensor,
    b: &Tensor,
    kernel: Kernel,
    record: fn(Tensor, Tensor) -> Op,
) -> Result<Tensor> {
    let shape = broadcast_shapes(op, a.shape(), b.shape())?;
    let out = if a.shape() == shape.as_slice() && b.shape() == shape.as_slice() {
        let mut out = ArrayD::<f32>::zeros(IxDyn(&shape));
        let zip = Zip::from(&mut out).and(a.data()).and(b.data());
        if out_len(&shape) >= super::unary::PARALLEL_LEN {
            zip.par_for_each(|o, &x, &y| kernel(o, x, y));
        } else {
            zip.for_each(|o, &x, &y| kernel(o, x, y));
        }
        out
    } else {
        let av = a
            .data()
            .broadcast(IxDyn(&shape))
            .expect("shapes were checked to broadcast");
        let bv = b
            .data()
            .broadcast(IxDyn(&shape))
            .expect("shapes were checked to broadcast");
        let mut out = ArrayD::<f32>::zeros(IxDyn(&shape));
        Zip::from(&mut out)
            .and(&av)
            .and(&bv)
            .for_each(|o, &x, &y| kernel(o, x, y));
        out
    };
    Ok(Tensor::from_op(
        out,
        || record(a.clone(), b.clone()),
        &[a, b],
    ))
}

fn out_len(shape: &[usize]) -> usize {
    shape.iter().product()
}

macro_rules! binary_methods {
    ($( $(#[$doc:meta])* $name:ident, $try_name:ident, $op:literal, $kernel:expr, $variant:ident; )*) => {
        impl Tensor {
            $(
                $(#[$doc])*
                ///
                /// # Panics
                ///
                /// If the shapes do not broadcast; the `try_` form returns the error instead.
                #[allow(clippy::should_implement_trait)]
                #[track_caller]
                pub fn $name(&self, rhs: impl Operand) -> Tensor {
                    self.$try_name(rhs).or_raise()
                }

                #[doc = concat!("Like [`Tensor::", stringify!($name), "`], returning an error when the shapes do not broadcast.")]
                ///
                /// # Errors
                ///
                /// [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes) naming
                /// the op and both shapes.
                ///
                /// # Examples
                ///
                /// ```
                /// use layers_core::Tensor;
                #[doc = concat!("assert!(Tensor::ones(&[2, 3]).", stringify!($try_name), "(&Tensor::ones(&[2])).is_err());")]
                #[doc = concat!("assert!(Tensor::ones(&[2, 3]).", stringify!($try_name), "(&Tensor::ones(&[3])).is_ok());")]
                /// ```
                pub fn $try_name(&self, rhs: impl Operand) -> Result<Tensor> {
                    broadcast_binary($op, self, &rhs.into_tensor(), $kernel, Op::$variant)
                }
            )*
        }
    };
}

binary_methods! {
    /// Elementwise sum with broadcasting (also the `+` operator).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let b = Tensor::from_vec(vec![10.0, 20.0], &[2, 1]);
    /// assert_eq!(a.add(&b).to_vec(), vec![11.0, 12.0, 23.0, 24.0]);
    /// ```
    add, try_add, "add", |o, x, y| *o = x + y, Add;
    /// Elementwise difference with broadcasting (also the `-` operator).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![5.0, 7.0], &[2]);
    /// assert_eq!(a.sub(&Tensor::from_vec(vec![1.0, 2.0], &[2])).to_vec(), vec![4.0, 5.0]);
    /// ```
    sub, try_sub, "sub", |o, x, y| *o = x - y, Sub;
    /// Elementwise product with broadcasting (also the `*` operator).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let col = Tensor::from_vec(vec![2.0, 3.0], &[2, 1]);
    /// assert_eq!(a.mul(&col).to_vec(), vec![2.0, 4.0, 9.0, 12.0]);
    /// ```
    mul, try_mul, "mul", |o, x, y| *o = x * y, Mul;
    /// Elementwise quotient with broadcasting (also the `/` operator).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 6.0], &[2]);
    /// assert_eq!(a.div(&Tensor::from_vec(vec![4.0, 3.0], &[2])).to_vec(), vec![0.25, 2.0]);
    /// ```
    div, try_div, "div", |o, x, y| *o = x / y, Div;
    /// Elementwise maximum with broadcasting; where equal, the gradient goes to `self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 6.0], &[2]);
    /// assert_eq!(a.maximum(&Tensor::from_vec(vec![4.0, 3.0], &[2])).to_vec(), vec![4.0, 6.0]);
    /// ```
    maximum, try_maximum, "maximum", |o, x, y| *o = if x >= y || x.is_nan() { x } else { y }, Maximum;
    /// Elementwise minimum with broadcasting; where equal, the gradient goes to `self`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 6.0], &[2]);
    /// assert_eq!(a.minimum(3.0).to_vec(), vec![1.0, 3.0]);
    /// ```
    minimum, try_minimum, "minimum", |o, x, y| *o = if x <= y || x.is_nan() { x } else { y }, Minimum;
}

impl Tensor {
    /// `self * factor`, recorded as one cheap op.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![1.0, -2.0], &[2]).scale(3.0).to_vec(), vec![3.0, -6.0]);
    /// ```
    pub fn scale(&self, factor: f32) -> Tensor {
        let out = super::unary::map_values(self.data(), |x| x * factor);
        Tensor::from_op(out, || Op::Scale(self.clone(), factor), &[self])
    }

    /// `self + offset`, recorded as one cheap op.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![1.0, -2.0], &[2]).shift(0.5).to_vec(), vec![1.5, -1.5]);
    /// ```
    pub fn shift(&self, offset: f32) -> Tensor {
        let out = super::unary::map_values(self.data(), |x| x + offset);
        Tensor::from_op(out, || Op::Shift(self.clone()), &[self])
    }

    /// Elementwise negation (also the unary `-` operator).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![1.0, -2.0], &[2]).neg().to_vec(), vec![-1.0, 2.0]);
    /// ```
    #[allow(clippy::should_implement_trait)]
    pub fn neg(&self) -> Tensor {
        let out = super::unary::map_values(self.data(), |x| -x);
        Tensor::from_op(out, || Op::Neg(self.clone()), &[self])
    }
}

macro_rules! tensor_operator {
    ($trait:ident, $method:ident, $tensor_fn:ident) => {
        impl $trait<&Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$tensor_fn(self, rhs)
            }
        }
        impl $trait<Tensor> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$tensor_fn(self, &rhs)
            }
        }
        impl $trait<&Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$tensor_fn(&self, rhs)
            }
        }
        impl $trait<Tensor> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$tensor_fn(&self, &rhs)
            }
        }
    };
}

tensor_operator!(Add, add, add);
tensor_operator!(Sub, sub, sub);
tensor_operator!(Mul, mul, mul);
tensor_operator!(Div, div, div);

macro_rules! scalar_operator {
    ($trait:ident, $method:ident, |$t:ident, $s:ident| $tensor_rhs:expr, |$s2:ident, $t2:ident| $scalar_lhs:expr) => {
        impl $trait<f32> for &Tensor {
            type Output = Tensor;
            fn $method(self, $s: f32) -> Tensor {
                let $t = self;
                $tensor_rhs
            }
        }
        impl $trait<f32> for Tensor {
            type Output = Tensor;
            fn $method(self, $s: f32) -> Tensor {
                let $t = &self;
                $tensor_rhs
            }
        }
        impl $trait<&Tensor> for f32 {
            type Output = Tensor;
            fn $method(self, $t2: &Tensor) -> Tensor {
                let $s2 = self;
                $scalar_lhs
            }
        }
        impl $trait<Tensor> for f32 {
            type Output = Tensor;
            fn $method(self, $t2: Tensor) -> Tensor {
                let $s2 = self;
                let $t2 = &$t2;
                $scalar_lhs
            }
        }
    };
}

scalar_operator!(Add, add, |t, s| t.shift(s), |s, t| t.shift(s));
scalar_operator!(Sub, sub, |t, s| t.shift(-s), |s, t| t.scale(-1.0).shift(s));
scalar_operator!(Mul, mul, |t, s| t.scale(s), |s, t| t.scale(s));
scalar_operator!(Div, div, |t, s| t.scale(1.0 / s), |s, t| Tensor::scalar(s)
    .div(t));

impl Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}

impl Neg for Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}
