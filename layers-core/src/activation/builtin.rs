//! The built-in activations with Keras 3's formulas, written with `#[activation]` exactly as
//! a user would write their own: each is a plain function, a layer type and a registered
//! name, and its derivative comes from dual numbers over the same body.
//!
//! At the kinks of the piecewise functions (relu at 0, relu6 at 0 and 6, hard_sigmoid at
//! ±3) the derivative is that of the flat side, 0, as in TensorFlow's kernels; hence explicit
//! comparisons rather than `clamp`, whose derivative at a bound is the inner side's. Each
//! comparison is asked so that NaN (for which every comparison is false) falls into a branch
//! that keeps it, and `#[activation]` answers NaN for a NaN input in any case.
//!
//! The smooth ones call the stable forms of [`Scalar`] (`sigmoid`, `softplus`, `normal_cdf`)
//! rather than repeating them, as a user's helper would: their derivatives are closed forms
//! evaluated in `f64`, exact far into the tails.
#![allow(clippy::manual_clamp)]

use crate::math::Scalar;

/// Scale of `selu` (Keras's constant).
pub const SELU_SCALE: f32 = 1.050_701; // 1.0507009873554804934… rounded to f32
/// Alpha of `selu` (Keras's constant).
pub const SELU_ALPHA: f32 = 1.673_263_2; // 1.6732632423543772848… rounded to f32

/// The identity, `x`: Keras's `"linear"`, Dense's default. (Its layer is [`Identity`]:
/// in Rust ML, `Linear` names the dense layer.)
///
/// ```
/// use layers_core::activation::Identity;
/// use layers_core::prelude::*;
/// assert_eq!(layers_core::activation::identity(-3.0), -3.0);
/// assert_eq!(Activation::new(Identity).name(), "linear");
/// ```
#[crate::activation(name = "linear")]
pub fn identity(x: f32) -> f32 {
    x
}

/// `max(x, 0)`; the derivative at 0 is 0, and NaN stays NaN (as NumPy's `maximum`).
///
/// ```
/// assert_eq!(layers_core::activation::relu(-3.0), 0.0);
/// assert!(layers_core::activation::relu(f32::NAN).is_nan());
/// ```
#[crate::activation]
pub fn relu(x: f32) -> f32 {
    // NaN fails every comparison: asked this way round, it takes the identity branch.
    if x <= 0.0 { 0.0 } else { x }
}

/// `x` for `x > 0`, `negative_slope · x` otherwise (Keras's function default 0.2).
///
/// ```
/// assert_eq!(layers_core::activation::leaky_relu(-1.0, 0.2), -0.2);
/// ```
#[crate::activation(negative_slope = 0.2)]
pub fn leaky_relu(x: f32, negative_slope: f32) -> f32 {
    if x > 0.0 { x } else { negative_slope * x }
}

/// `min(max(x, 0), 6)`.
///
/// ```
/// assert_eq!(layers_core::activation::relu6(7.0), 6.0);
/// ```
#[crate::activation]
pub fn relu6(x: f32) -> f32 {
    if x <= 0.0 {
        0.0
    } else if x >= 6.0 {
        6.0
    } else {
        x
    }
}

/// `x` for `x ≥ 0`, `alpha · (eˣ − 1)` otherwise (alpha 1).
///
/// ```
/// assert!((layers_core::activation::elu(-1.0, 1.0) + 0.632_120_6).abs() < 1e-6);
/// ```
#[crate::activation(alpha = 1.0)]
pub fn elu(x: f32, alpha: f32) -> f32 {
    if x >= 0.0 { x } else { alpha * x.exp_m1() }
}

/// `scale · elu(x, alpha)` with Keras's constants, self-normalising.
///
/// ```
/// assert_eq!(layers_core::activation::selu(1.0), layers_core::activation::SELU_SCALE);
/// ```
#[crate::activation]
pub fn selu(x: f32) -> f32 {
    if x >= 0.0 {
        SELU_SCALE * x
    } else {
        SELU_SCALE * SELU_ALPHA * x.exp_m1()
    }
}

/// The exact Gaussian error linear unit, `x · Φ(x) = 0.5 · x · (1 + erf(x / √2))` (Keras's
/// default).
///
/// Φ is computed as `½·erfc(−x/√2)` in `f64` ([`Scalar::normal_cdf`]): `1 + erf(x/√2)`
/// cancels to 0 in the negative tail, which made gelu(−6) −0.0 instead of −5.92e-9.
///
/// ```
/// use layers_core::activation::gelu;
/// assert!((gelu(1.0) - 0.841_344_74).abs() < 1e-6);
/// // −6·Φ(−6) = −5.9195258702e-9 (mpmath)
/// assert!((gelu(-6.0) / -5.919_525_9e-9 - 1.0).abs() < 1e-6);
/// ```
#[crate::activation]
pub fn gelu(x: f32) -> f32 {
    x * x.normal_cdf()
}

/// The tanh approximation of GELU (Keras's `gelu(x, approximate=True)`):
/// `0.5 · x · (1 + tanh(u))` with `u = √(2/π) · (x + 0.044715 · x³)`.
///
/// Computed as `x · σ(2u)`, the same function (`1 + tanh(u) = 2σ(2u)`) without the
/// cancellation of `1 + tanh(u)` in the negative tail, where it rounds to 0.
///
/// ```
/// use layers_core::activation::gelu_approximate;
/// assert!((gelu_approximate(1.0) - 0.841_191_97).abs() < 1e-6);
/// assert!(gelu_approximate(-6.0) < -8.4e-11); // −8.4396e-11, not −0.0
/// ```
#[crate::activation]
pub fn gelu_approximate(x: f32) -> f32 {
    // Beyond |x| = 10, σ(2u) is 1 or below f32's normal range (2u passes ±87), while x³
    // would overflow for huge |x| and turn the derivative into 0 · ∞ = NaN: use the limits.
    if x > 10.0 {
        x
    } else if x < -10.0 {
        0.0
    } else {
        // 2·√(2/π) = 1.5957691216…, to f32
        let two_u = 1.595_769 * (x + 0.044_715 * x * x * x);
        x * two_u.sigmoid()
    }
}

/// `1 / (1 + e⁻ˣ)`, computed without overflow for large |x|.
///
/// ```
/// assert_eq!(layers_core::activation::sigmoid(0.0), 0.5);
/// ```
#[crate::activation]
pub fn sigmoid(x: f32) -> f32 {
    x.sigmoid()
}

/// `clip(x / 6 + 0.5, 0, 1)` (Keras 3's definition).
///
/// ```
/// assert_eq!(layers_core::activation::hard_sigmoid(0.0), 0.5);
/// ```
#[crate::activation]
pub fn hard_sigmoid(x: f32) -> f32 {
    if x <= -3.0 {
        0.0
    } else if x >= 3.0 {
        1.0
    } else {
        x / 6.0 + 0.5
    }
}

/// The hyperbolic tangent.
///
/// ```
/// assert_eq!(layers_core::activation::tanh(0.0), 0.0);
/// ```
#[crate::activation]
pub fn tanh(x: f32) -> f32 {
    x.tanh()
}

/// `ln(1 + eˣ)`, computed stably (`x + ln(1 + e⁻ˣ)` for positive `x`).
///
/// ```
/// assert!((layers_core::activation::softplus(0.0) - 2f32.ln()).abs() < 1e-7);
/// ```
#[crate::activation]
pub fn softplus(x: f32) -> f32 {
    x.softplus()
}

/// `x / (1 + |x|)`.
///
/// ```
/// assert_eq!(layers_core::activation::softsign(1.0), 0.5);
/// ```
#[crate::activation]
pub fn softsign(x: f32) -> f32 {
    x / (1.0 + x.abs())
}

/// `x · sigmoid(x)` (also called swish).
///
/// ```
/// assert_eq!(layers_core::activation::silu(0.0), 0.0);
/// ```
#[crate::activation]
pub fn silu(x: f32) -> f32 {
    x * x.sigmoid()
}

/// The same function as [`silu`], under Keras's other name.
///
/// ```
/// assert_eq!(layers_core::activation::swish(2.0), layers_core::activation::silu(2.0));
/// ```
#[crate::activation]
pub fn swish(x: f32) -> f32 {
    x * x.sigmoid()
}

/// `x · tanh(softplus(x))`.
///
/// ```
/// assert_eq!(layers_core::activation::mish(0.0), 0.0);
/// ```
#[crate::activation]
pub fn mish(x: f32) -> f32 {
    x * x.softplus().tanh()
}

/// `eˣ`.
///
/// ```
/// assert_eq!(layers_core::activation::exponential(0.0), 1.0);
/// ```
#[crate::activation]
pub fn exponential(x: f32) -> f32 {
    x.exp()
}

/// `x · hard_sigmoid(x)`.
///
/// ```
/// assert_eq!(layers_core::activation::hard_silu(6.0), 6.0);
/// ```
#[crate::activation]
pub fn hard_silu(x: f32) -> f32 {
    if x <= -3.0 {
        0.0
    } else if x >= 3.0 {
        x
    } else {
        x * (x / 6.0 + 0.5)
    }
}
