//! More elementwise functions: `log1p`, `tanh`, `sigmoid`, `sin`, `cos`, `pow` with a tensor
//! exponent (broadcasting) and `clip` (Keras's name for [`clamp`](Tensor::clamp)). NaN in,
//! NaN out.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![0.0, 2.0], &[2]);
//! assert_eq!(x.sigmoid().to_vec(), vec![0.5, 1.0 / (1.0 + (-2f32).exp())]);
//! assert_eq!(x.pow(&Tensor::from_vec(vec![3.0, 3.0], &[2])).to_vec(), vec![0.0, 8.0]);
//! ```

use super::Tensor;
use super::binary::{Operand, broadcast_binary};
use super::op::Op;
use crate::error::Result;
use crate::math::Scalar;
use crate::unwind::OrRaise;

impl Tensor {
    /// Elementwise `ln(1 + x)`, accurate for small `x` (where `(1 + x).ln()` loses digits);
    /// `-inf` at −1, NaN below.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, 1e-10, 1.0], &[3]).log1p();
    /// assert_eq!(y.to_vec(), vec![0.0, 1e-10, std::f32::consts::LN_2]);
    /// ```
    pub fn log1p(&self) -> Tensor {
        self.map_fused(f32::ln_1p, |x| (x.ln_1p(), 1.0 / (1.0 + x)))
    }

    /// Elementwise hyperbolic tangent (the tensor op; [`Tanh`](crate::activation::Tanh) is
    /// the activation).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, 1.0], &[2]).tanh();
    /// assert_eq!(y.to_vec(), vec![0.0, 1f32.tanh()]);
    /// ```
    pub fn tanh(&self) -> Tensor {
        self.map_fused(f32::tanh, |x| {
            let y = x.tanh();
            (y, 1.0 - y * y)
        })
    }

    /// Elementwise logistic sigmoid `1 / (1 + e⁻ˣ)`, computed without overflow for large
    /// `|x|` (the tensor op; [`Sigmoid`](crate::activation::Sigmoid) is the activation).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, -200.0, 200.0], &[3]).sigmoid();
    /// assert_eq!(y.to_vec(), vec![0.5, 0.0, 1.0]);
    /// ```
    pub fn sigmoid(&self) -> Tensor {
        self.map_fused(<f32 as Scalar>::sigmoid, |x| {
            let y = x.sigmoid();
            (y, y * (1.0 - y))
        })
    }

    /// Elementwise sine (radians).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, std::f32::consts::FRAC_PI_2], &[2]).sin();
    /// assert_eq!(y.to_vec(), vec![0.0, 1.0]);
    /// ```
    pub fn sin(&self) -> Tensor {
        self.map_fused(f32::sin, |x| x.sin_cos())
    }

    /// Elementwise cosine (radians).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, std::f32::consts::PI], &[2]).cos();
    /// assert_eq!(y.to_vec(), vec![1.0, -1.0]);
    /// ```
    pub fn cos(&self) -> Tensor {
        self.map_fused(f32::cos, |x| {
            let (s, c) = x.sin_cos();
            (c, -s)
        })
    }

    /// Elementwise `selfᵉˣᵖᵒⁿᵉⁿᵗ` with NumPy broadcasting; the exponent is a tensor or an
    /// `f32` (for a constant exponent [`powf`](Tensor::powf) records less).
    ///
    /// Both operands get a gradient: `e·xᵉ⁻¹` for the base (0 where the exponent is 0) and
    /// `xᵉ·ln x` for the exponent (0 where `x` is 0 and `e ≥ 0`, NaN for a negative base,
    /// as in PyTorch). A negative base with a fractional exponent gives NaN, as `f32::powf` does.
    ///
    /// # Panics
    ///
    /// If the shapes do not broadcast; see [`Tensor::try_pow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let base = Tensor::from_vec(vec![2.0, 3.0, 4.0, 5.0], &[2, 2]);
    /// let exponent = Tensor::from_vec(vec![2.0, 0.5], &[2, 1]);
    /// assert_eq!(base.pow(&exponent).to_vec(), vec![4.0, 9.0, 2.0, 5f32.sqrt()]);
    /// ```
    #[track_caller]
    pub fn pow(&self, exponent: impl Operand) -> Tensor {
        self.try_pow(exponent).or_raise()
    }

    /// Like [`Tensor::pow`], returning an error when the shapes do not broadcast.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`](crate::Error::IncompatibleShapes) naming `pow` and both
    /// shapes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 3]).try_pow(&Tensor::ones(&[2])).unwrap_err();
    /// assert!(err.to_string().starts_with("`pow` cannot combine shapes [2, 3] and [2]"));
    /// assert_eq!(Tensor::ones(&[2]).try_pow(3.0)?.to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_pow(&self, exponent: impl Operand) -> Result<Tensor> {
        broadcast_binary(
            "pow",
            self,
            &exponent.into_tensor(),
            |o, x, e| *o = x.powf(e),
            Op::Pow,
        )
    }

    /// Elementwise clip into `[min, max]`: Keras's name for [`clamp`](Tensor::clamp), with
    /// the same gradient (it passes where `min ≤ x ≤ max`). NaN stays NaN.
    ///
    /// # Panics
    ///
    /// If `min > max` or either is NaN; see [`Tensor::try_clip`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![-2.0, 0.5, f32::NAN], &[3]).clip(0.0, 1.0);
    /// assert_eq!(y.to_vec()[..2], [0.0, 0.5]);
    /// assert!(y.to_vec()[2].is_nan());
    /// ```
    #[track_caller]
    pub fn clip(&self, min: f32, max: f32) -> Tensor {
        self.try_clip(min, max).or_raise()
    }

    /// Like [`Tensor::clip`], returning an error for an empty or NaN range.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming `clip` if
    /// `min > max` or either bound is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[1]).try_clip(1.0, 0.0).unwrap_err();
    /// assert_eq!(err.to_string(), "`clip`: the range [1, 0] is empty");
    /// ```
    pub fn try_clip(&self, min: f32, max: f32) -> Result<Tensor> {
        self.clamp_as("clip", min, max)
    }
}
