//! [`Scalar`]: the numbers an activation computes with — `f32` for its value, [`Dual`] for
//! its derivative — so that a helper written once against `Scalar` serves both.
//!
//! [`Dual`]: crate::dual::Dual

use std::fmt;
use std::iter::{Product, Sum};
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, Sub, SubAssign};

use super::{Erf, erfc_f64};

/// A number an `#[activation]` body computes with: `f32` (for the value) or
/// [`Dual`](crate::dual::Dual) (for the value with its derivative).
///
/// `#[activation]` runs its body twice, once on `f32` and once on `Dual`, so a helper the
/// body calls must accept both: write it generic over `Scalar`. Every number it takes is then
/// an `S` (hyperparameters too), it combines them with `+ - * / %` and compares them with
/// `<`, `==`, …, and it may mix in `f32` constants on the right (`x * 0.5`, `x + 1.0`,
/// `x > 0.0`, `x.max(0.0)`; write `S::from(0.5) * x` to put one on the left).
///
/// Besides the `f32` methods helpers need most, `Scalar` has numerically stable
/// [`sigmoid`](Scalar::sigmoid), [`softplus`](Scalar::softplus),
/// [`log_sigmoid`](Scalar::log_sigmoid) and [`normal_cdf`](Scalar::normal_cdf), whose
/// derivatives on `Dual` are computed in `f64` from closed forms: a helper built on them has
/// no overflow and no cancellation to avoid. [`max`](Scalar::max) and [`min`](Scalar::min)
/// return NaN when an operand is NaN, on `f32` as on `Dual` (unlike `f32::max`), so that a NaN
/// is never hidden.
///
/// With `Scalar` in scope (it is in the prelude), `x.sigmoid()` also works on a plain `f32`;
/// `f32`'s own methods of the same names (`x.max(y)`, `x.exp()`) take precedence there.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::activation::ActivationFn;
///
/// // Swish with a sharpness β, as a helper any activation can call.
/// fn swish<S: Scalar>(x: S, beta: S) -> S {
///     x * (x * beta).sigmoid()
/// }
///
/// #[activation(beta = 10.0)]
/// fn sharp_swish(x: f32, beta: f32) -> f32 {
///     swish(x, beta)
/// }
///
/// assert_eq!(swish(2.0_f32, 1.0), 2.0 * 2.0.sigmoid());
/// // d/dx x·σ(βx) = σ(βx) + βx·σ(βx)·σ(−βx): at 0 that is ½. A naive 1/(1 + e^(−βx))
/// // would give NaN far out at x = −100, where e^(1000) overflows.
/// assert_eq!(SharpSwish::default().value_and_derivative(0.0), (0.0, 0.5));
/// let (v, d) = SharpSwish::default().value_and_derivative(-100.0);
/// assert!(v == 0.0 && d == 0.0);
/// ```
pub trait Scalar:
    Copy
    + Default
    + fmt::Debug
    + fmt::Display
    + Send
    + Sync
    + 'static
    + PartialEq
    + PartialOrd
    + PartialEq<f32>
    + PartialOrd<f32>
    + From<f32>
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Rem<Output = Self>
    + Neg<Output = Self>
    + Add<f32, Output = Self>
    + Sub<f32, Output = Self>
    + Mul<f32, Output = Self>
    + Div<f32, Output = Self>
    + Rem<f32, Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + AddAssign<f32>
    + SubAssign<f32>
    + MulAssign<f32>
    + DivAssign<f32>
    + Sum
    + Product
    + Erf
{
    /// The `f32` value (a `Dual`'s value part; an `f32` itself).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dual::variable(2.5).to_f32(), 2.5);
    /// assert_eq!(Scalar::to_f32(2.5_f32), 2.5);
    /// ```
    fn to_f32(self) -> f32;

    /// Whether the value is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// fn nan_to_zero<S: Scalar>(x: S) -> S {
    ///     if x.is_nan() { S::from(0.0) } else { x }
    /// }
    /// assert_eq!(nan_to_zero(f32::NAN), 0.0);
    /// ```
    fn is_nan(self) -> bool;

    /// Absolute value; derivative `signum(x)`, 0 at 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// fn abs<S: Scalar>(x: S) -> S { x.abs() }
    /// assert_eq!(abs(-2.0_f32), 2.0);
    /// assert_eq!(abs(Dual::variable(-2.0)).deriv, -1.0);
    /// ```
    fn abs(self) -> Self;

    /// The larger of the two, NaN if either is NaN; on a tie, `self` (with its derivative).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// fn relu<S: Scalar>(x: S) -> S { x.max(0.0) }
    /// assert_eq!(relu(-3.0_f32), 0.0);
    /// assert!(relu(f32::NAN).is_nan()); // f32::max would say 0
    /// ```
    fn max(self, other: impl Into<Self>) -> Self;

    /// The smaller of the two, NaN if either is NaN; on a tie, `self` (with its derivative).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// fn cap<S: Scalar>(x: S) -> S { x.min(6.0) }
    /// assert_eq!(cap(7.0_f32), 6.0);
    /// assert!(cap(f32::NAN).is_nan());
    /// ```
    fn min(self, other: impl Into<Self>) -> Self;

    /// `self` restricted to `[min, max]`, with the derivative of whichever the value is
    /// (`self`'s at the bounds themselves); NaN stays NaN.
    ///
    /// # Panics
    ///
    /// Like `f32::clamp`, if `min > max` or either bound is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// fn hard_sigmoid<S: Scalar>(x: S) -> S {
    ///     (x / 6.0 + 0.5).clamp(0.0, 1.0)
    /// }
    /// assert_eq!(hard_sigmoid(0.0_f32), 0.5);
    /// assert_eq!(hard_sigmoid(Dual::variable(9.0)).deriv, 0.0);
    /// ```
    fn clamp(self, min: impl Into<Self>, max: impl Into<Self>) -> Self;

    /// Square root; derivative `1/(2√x)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::sqrt(Dual::variable(4.0)).deriv, 0.25);
    /// ```
    fn sqrt(self) -> Self;

    /// `eˣ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::exp(Dual::variable(0.0)).deriv, 1.0);
    /// ```
    fn exp(self) -> Self;

    /// `eˣ − 1`, accurate near 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::exp_m1(1e-10_f32), 1e-10);
    /// ```
    fn exp_m1(self) -> Self;

    /// Natural logarithm.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::ln(Dual::variable(4.0)).deriv, 0.25);
    /// ```
    fn ln(self) -> Self;

    /// `ln(1 + x)`, accurate near 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::ln_1p(1e-10_f32), 1e-10);
    /// ```
    fn ln_1p(self) -> Self;

    /// `xⁿ` for an integer `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::powi(Dual::variable(2.0), 3).deriv, 12.0);
    /// ```
    fn powi(self, n: i32) -> Self;

    /// `xʸ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::powf(Dual::variable(4.0), 1.5).deriv, 3.0);
    /// ```
    fn powf(self, y: impl Into<Self>) -> Self;

    /// `1/x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::recip(Dual::variable(2.0)).deriv, -0.25);
    /// ```
    fn recip(self) -> Self;

    /// Sine.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::sin(Dual::variable(0.0)).deriv, 1.0);
    /// ```
    fn sin(self) -> Self;

    /// Cosine.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Scalar::cos(0.0_f32), 1.0);
    /// ```
    fn cos(self) -> Self;

    /// Hyperbolic tangent; on `Dual` its derivative stays accurate for large |x|.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(Scalar::tanh(Dual::variable(10.0)).deriv > 8e-9);
    /// ```
    fn tanh(self) -> Self;

    /// The logistic sigmoid `1 / (1 + e⁻ˣ)`, without overflow for any x; on `Dual` its
    /// derivative `σ(x)·σ(−x)` is computed in `f64`, so it is exact (and never NaN) far into
    /// both tails.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(0.0_f32.sigmoid(), 0.5);
    /// assert_eq!((-200.0_f32).sigmoid(), 0.0);
    /// let s = Dual::variable(-80.0).sigmoid(); // σ(−80) = e^(−80)/(1 + e^(−80))
    /// assert!((s.deriv / 1.804_851_4e-35 - 1.0).abs() < 1e-6);
    /// ```
    fn sigmoid(self) -> Self;

    /// `ln(1 + eˣ)`, computed stably (`x + ln(1 + e⁻ˣ)` for positive x); its derivative is
    /// [`sigmoid`](Scalar::sigmoid).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(100.0_f32.softplus(), 100.0); // ln(1 + e¹⁰⁰) without overflow
    /// assert_eq!(Dual::variable(0.0).softplus().deriv, 0.5);
    /// ```
    fn softplus(self) -> Self;

    /// `ln σ(x) = −softplus(−x)`, accurate where σ(x) rounds to 0 or 1; derivative `σ(−x)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!((-100.0_f32).log_sigmoid(), -100.0); // ln σ(−100), where σ(−100) ≈ 3.7e-44
    /// assert_eq!(Dual::variable(0.0).log_sigmoid().deriv, 0.5);
    /// ```
    fn log_sigmoid(self) -> Self;

    /// Φ(x), the standard normal distribution function `½·erfc(−x/√2)`, computed in `f64` so
    /// that it keeps its relative precision far into the lower tail (Φ(−12) = 1.78e-33), where
    /// `½·(1 + erf(x/√2))` rounds to 0; derivative φ(x) = e^(−x²/2)/√(2π).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(0.0_f32.normal_cdf(), 0.5);
    /// assert!(((-6.0_f32).normal_cdf() / 9.865_876_5e-10 - 1.0).abs() < 1e-6);
    /// ```
    fn normal_cdf(self) -> Self;
}

/// σ(x) in `f64`, without overflow.
pub(crate) fn sigmoid_f64(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Φ(x) in `f64`, from erfc so that the lower tail keeps its relative precision.
pub(crate) fn normal_cdf_f64(x: f64) -> f64 {
    0.5 * erfc_f64(-x * std::f64::consts::FRAC_1_SQRT_2)
}

/// φ(x) = e^(−x²/2)/√(2π) in `f64`.
pub(crate) fn normal_pdf_f64(x: f64) -> f64 {
    // 1/√(2π)
    const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
    (-0.5 * x * x).exp() * FRAC_1_SQRT_2PI
}

impl Scalar for f32 {
    fn to_f32(self) -> f32 {
        self
    }

    fn is_nan(self) -> bool {
        f32::is_nan(self)
    }

    fn abs(self) -> f32 {
        f32::abs(self)
    }

    fn max(self, other: impl Into<f32>) -> f32 {
        let other = other.into();
        if f32::is_nan(self) || f32::is_nan(other) {
            f32::NAN
        } else {
            f32::max(self, other)
        }
    }

    fn min(self, other: impl Into<f32>) -> f32 {
        let other = other.into();
        if f32::is_nan(self) || f32::is_nan(other) {
            f32::NAN
        } else {
            f32::min(self, other)
        }
    }

    fn clamp(self, min: impl Into<f32>, max: impl Into<f32>) -> f32 {
        f32::clamp(self, min.into(), max.into())
    }

    fn sqrt(self) -> f32 {
        f32::sqrt(self)
    }

    fn exp(self) -> f32 {
        f32::exp(self)
    }

    fn exp_m1(self) -> f32 {
        f32::exp_m1(self)
    }

    fn ln(self) -> f32 {
        f32::ln(self)
    }

    fn ln_1p(self) -> f32 {
        f32::ln_1p(self)
    }

    fn powi(self, n: i32) -> f32 {
        f32::powi(self, n)
    }

    fn powf(self, y: impl Into<f32>) -> f32 {
        f32::powf(self, y.into())
    }

    fn recip(self) -> f32 {
        f32::recip(self)
    }

    fn sin(self) -> f32 {
        f32::sin(self)
    }

    fn cos(self) -> f32 {
        f32::cos(self)
    }

    fn tanh(self) -> f32 {
        f32::tanh(self)
    }

    fn sigmoid(self) -> f32 {
        // e⁻ˣ for x ≥ 0 and eˣ below never overflow; NaN takes the second branch.
        if self >= 0.0 {
            1.0 / (1.0 + f32::exp(-self))
        } else {
            let e = f32::exp(self);
            e / (1.0 + e)
        }
    }

    fn softplus(self) -> f32 {
        if self > 0.0 {
            self + f32::ln_1p(f32::exp(-self))
        } else {
            f32::ln_1p(f32::exp(self))
        }
    }

    fn log_sigmoid(self) -> f32 {
        -Scalar::softplus(-self)
    }

    fn normal_cdf(self) -> f32 {
        normal_cdf_f64(f64::from(self)) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_forms_in_the_tails() {
        // σ(−80) = e^(−80)/(1 + e^(−80)) = 1.8048513878454153e-35 (f64 by hand: e^(−80)).
        assert!(((-80.0_f32).sigmoid() / 1.804_851_4e-35 - 1.0).abs() < 1e-6);
        assert_eq!(80.0_f32.sigmoid(), 1.0);
        // softplus(x) = x + ln(1 + e⁻ˣ) = x in f32 for x ≥ 17.
        assert_eq!(1e30_f32.softplus(), 1e30);
        assert_eq!((-1e30_f32).softplus(), 0.0);
        assert_eq!((-1e30_f32).log_sigmoid(), -1e30);
        // Φ(−12) = 1.7764821120776e-33 (mpmath).
        assert!(((-12.0_f32).normal_cdf() / 1.776_482_1e-33 - 1.0).abs() < 1e-6);
        assert_eq!(40.0_f32.normal_cdf(), 1.0);
        for f in [
            <f32 as Scalar>::sigmoid,
            <f32 as Scalar>::softplus,
            <f32 as Scalar>::log_sigmoid,
            <f32 as Scalar>::normal_cdf,
        ] {
            assert!(f(f32::NAN).is_nan());
        }
    }

    #[test]
    fn max_and_min_propagate_nan() {
        assert!(Scalar::max(f32::NAN, 0.0_f32).is_nan());
        assert!(Scalar::max(0.0, f32::NAN).is_nan());
        assert!(Scalar::min(f32::NAN, 0.0_f32).is_nan());
        assert!(Scalar::min(0.0_f32, f32::NAN).is_nan());
        assert_eq!(Scalar::max(1.0_f32, 2.0_f32), 2.0);
        assert_eq!(Scalar::min(1.0_f32, 2.0_f32), 1.0);
    }
}
