//! Elementwise functions (`exp`, `ln`, `sqrt`, `powf`, `abs`, `clamp`) and the fused map
//! that activations use: one pass computes the value and, when a gradient is wanted, the
//! derivative, with the scalar function inlined into the loop.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![-2.0, 3.0], &[2]).into_variable();
//! // relu with its derivative, in one pass
//! let y = x.map_with_derivative(|v| v.max(0.0), |v| if v > 0.0 { 1.0 } else { 0.0 });
//! assert_eq!(y.to_vec(), vec![0.0, 3.0]);
//! let g = y.sum_all().backward();
//! assert_eq!(g.get(&x).unwrap().to_vec(), vec![0.0, 1.0]);
//! ```

use ndarray::{ArrayD, IxDyn, Zip};

use super::graph;
use super::op::Op;
use crate::Tensor;
use crate::dual::Dual;
use crate::error::{Error, Result};
use crate::tensor::Data;
use crate::unwind::OrRaise;

/// Arrays with at least this many elements are processed on all cores.
pub(crate) const PARALLEL_LEN: usize = 1 << 16;

/// `f` applied to every value, in parallel for large arrays.
pub(crate) fn map_values(x: &Data, f: impl Fn(f32) -> f32 + Sync + Send) -> ArrayD<f32> {
    let zip = Zip::from(x);
    if x.len() >= PARALLEL_LEN {
        zip.par_map_collect(|&v| f(v))
    } else {
        zip.map_collect(|&v| f(v))
    }
}

impl Tensor {
    fn unary(&self, f: impl Fn(f32) -> f32 + Sync + Send, record: impl FnOnce() -> Op) -> Tensor {
        Tensor::from_op(map_values(self.data(), f), record, &[self])
    }

    /// Elementwise `eˣ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, 1.0], &[2]).exp();
    /// assert_eq!(y.to_vec(), vec![1.0, std::f32::consts::E]);
    /// ```
    pub fn exp(&self) -> Tensor {
        self.unary(f32::exp, || Op::Exp(self.clone()))
    }

    /// Elementwise natural logarithm (`-inf` at 0, NaN below).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![1.0, 0.25], &[2]).ln();
    /// assert_eq!(y.to_vec(), vec![0.0, -2.0 * std::f32::consts::LN_2]);
    /// ```
    pub fn ln(&self) -> Tensor {
        self.unary(f32::ln, || Op::Ln(self.clone()))
    }

    /// Elementwise square root.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![4.0, 9.0], &[2]).sqrt().to_vec(), vec![2.0, 3.0]);
    /// ```
    pub fn sqrt(&self) -> Tensor {
        self.unary(f32::sqrt, || Op::Sqrt(self.clone()))
    }

    /// Elementwise `xᵖ` for a constant exponent.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![2.0, 3.0], &[2]).powf(2.0).to_vec(), vec![4.0, 9.0]);
    /// ```
    pub fn powf(&self, exponent: f32) -> Tensor {
        self.unary(|x| x.powf(exponent), || Op::Powf(self.clone(), exponent))
    }

    /// Elementwise `x²`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![-3.0], &[1]).square().to_vec(), vec![9.0]);
    /// ```
    pub fn square(&self) -> Tensor {
        self.mul(self)
    }

    /// Elementwise absolute value (the gradient at 0 is 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![-1.5, 2.0], &[2]).abs().to_vec(), vec![1.5, 2.0]);
    /// ```
    pub fn abs(&self) -> Tensor {
        self.unary(f32::abs, || Op::Abs(self.clone()))
    }

    /// Elementwise clamp into `[min, max]`; the gradient passes where `min ≤ x ≤ max`.
    ///
    /// # Panics
    ///
    /// If `min > max` or either is NaN; see [`Tensor::try_clamp`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![-2.0, 0.5, 3.0], &[3]).clamp(0.0, 1.0);
    /// assert_eq!(y.to_vec(), vec![0.0, 0.5, 1.0]);
    /// ```
    #[track_caller]
    pub fn clamp(&self, min: f32, max: f32) -> Tensor {
        self.try_clamp(min, max).or_raise()
    }

    /// Like [`Tensor::clamp`], returning an error for an empty or NaN range.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `min > max` or either bound is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[1]).try_clamp(1.0, 0.0).is_err());
    /// ```
    pub fn try_clamp(&self, min: f32, max: f32) -> Result<Tensor> {
        self.clamp_as("clamp", min, max)
    }

    /// `clamp` under the name `op` (`clip` is the same op), for the error message.
    pub(crate) fn clamp_as(&self, op: &'static str, min: f32, max: f32) -> Result<Tensor> {
        if min.is_nan() || max.is_nan() || min > max {
            return Err(Error::invalid(
                op,
                format!("the range [{min}, {max}] is empty"),
            ));
        }
        Ok(self.unary(|x| x.clamp(min, max), || Op::Clamp(self.clone(), min, max)))
    }

    /// Applies `f` to every element; `df` is its derivative, for the backward pass.
    ///
    /// When no gradient is wanted (in [`no_grad`](crate::no_grad), or for a
    /// tensor that does not require one) only `f` runs; otherwise `f` and `df` run in the
    /// same pass and the derivative is kept for backward. Both closures are inlined into one
    /// loop over the data, in parallel for large tensors, with no allocation per element.
    /// For a function whose derivative you would rather not write, see
    /// [`map_dual`](Tensor::map_dual).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).into_variable();
    /// let y = x.map_with_derivative(|v| v * v * v, |v| 3.0 * v * v);
    /// assert_eq!(y.to_vec(), vec![1.0, 8.0]);
    /// assert_eq!(y.sum_all().backward().get(&x).unwrap().to_vec(), vec![3.0, 12.0]);
    /// ```
    pub fn map_with_derivative<F, D>(&self, f: F, df: D) -> Tensor
    where
        F: Fn(f32) -> f32 + Sync + Send,
        D: Fn(f32) -> f32 + Sync + Send,
    {
        self.map_fused(&f, |x| (f(x), df(x)))
    }

    /// Applies `f` to every element, differentiated by dual numbers: `f_dual` is the same
    /// function written for [`Dual`], whose result carries the derivative (as the body of an
    /// `#[activation]` is run twice, once on `f32` and once on `Dual`).
    ///
    /// When no gradient is wanted only `f` runs; otherwise `f_dual` runs once per element, on
    /// [`Dual::variable`], and its derivative is kept for backward. Both closures are inlined
    /// into one loop over the data, in parallel for large tensors.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Dual, Tensor, no_grad};
    /// let x = Tensor::from_vec(vec![0.0, 1.0], &[2]).into_variable();
    /// let y = x.map_dual(f32::tanh, Dual::tanh);
    /// assert_eq!(y.to_vec(), vec![0.0, 1f32.tanh()]);
    /// let slope = 1.0 - 1f32.tanh().powi(2);
    /// let dx = y.sum_all().backward().get(&x).unwrap().to_vec();
    /// assert_eq!(dx[0], 1.0);
    /// assert!((dx[1] - slope).abs() < 1e-6);
    /// // In inference only the `f32` function runs and nothing is recorded.
    /// assert!(!no_grad(|| x.map_dual(|v| v * v, |v| v * v)).requires_grad());
    /// ```
    pub fn map_dual<F, G>(&self, f: F, f_dual: G) -> Tensor
    where
        F: Fn(f32) -> f32 + Sync + Send,
        G: Fn(Dual) -> Dual + Sync + Send,
    {
        self.map_fused(f, |x| {
            let y = f_dual(Dual::variable(x));
            (y.value, y.deriv)
        })
    }

    /// The kernel behind both maps and every activation: `f` alone when no gradient is
    /// wanted, `fdf` (value and derivative together) in one pass when one is.
    pub(crate) fn map_fused<F, G>(&self, f: F, fdf: G) -> Tensor
    where
        F: Fn(f32) -> f32 + Sync + Send,
        G: Fn(f32) -> (f32, f32) + Sync + Send,
    {
        if !(graph::is_recording() && self.requires_grad()) {
            return Tensor::from_array(map_values(self.data(), f));
        }
        let shape = IxDyn(self.shape());
        let mut value = ArrayD::<f32>::zeros(shape.clone());
        let mut derivative = ArrayD::<f32>::zeros(shape);
        let zip = Zip::from(&mut value).and(&mut derivative).and(self.data());
        let kernel = |v: &mut f32, d: &mut f32, &x: &f32| {
            let (fx, dx) = fdf(x);
            *v = fx;
            *d = dx;
        };
        if self.len() >= PARALLEL_LEN {
            zip.par_for_each(kernel);
        } else {
            zip.for_each(kernel);
        }
        let derivative = derivative.into_shared();
        Tensor::from_op(
            value,
            || Op::Map {
                input: self.clone(),
                derivative,
            },
            &[self],
        )
    }
}
