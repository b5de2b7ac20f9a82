//! The built-in activations with Keras 3's formulas, written with `#[activation]` exactly as
//! a user would write their own: each is a plain function, a layer type and a registered
//! name, and its derivative comes from dual numbers over the same body.
//!
//! At the kinks of the piecewise functions (relu at 0, relu6 at 0 and 6, hard_sigmoid at
//! ±3) the derivative is that of the flat side, 0, as in TensorFlow's kernels; hence explicit
//! comparisons rather than `clamp`, whose derivative at a bound is the inner side's.
#![allow(clippy::manual_clamp)]

use crate::math::erf;

/// Scale of `selu` (Keras's constant).
pub const SELU_SCALE: f32 = 1.050_701; // 1.0507009873554804934… rounded to f32
/// Alpha of `selu` (Keras's constant).
pub const SELU_ALPHA: f32 = 1.673_263_2; // 1.6732632423543772848… rounded to f32

/// The identity, `x` (Keras's `"linear"`, Dense's default).
///
/// ```
/// assert_eq!(layers_core::activation::linear(-3.0), -3.0);
/// ```
#[crate::activation]
pub fn linear(x: f32) -> f32 {
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

/// The exact Gaussian error linear unit, `0.5 · x · (1 + erf(x / √2))` (Keras's default).
///
/// ```
/// assert!((layers_core::activation::gelu(1.0) - 0.841_344_74).abs() < 1e-6);
/// ```
#[crate::activation]
pub fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x / std::f32::consts::SQRT_2))
}

/// The tanh approximation of GELU (Keras's `gelu(x, approximate=True)`):
/// `0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))`.
///
/// ```
/// assert!((layers_core::activation::gelu_approximate(1.0) - 0.841_191_97).abs() < 1e-6);
/// ```
#[crate::activation]
pub fn gelu_approximate(x: f32) -> f32 {
    // Beyond |x| = 10 the tanh has saturated in f32 (its argument exceeds 43), while x³
    // would overflow for huge |x| and turn the derivative into 0 · ∞ = NaN: use the limits.
    if x > 10.0 {
        x
    } else if x < -10.0 {
        0.0
    } else {
        let inner = 0.797_884_6 * (x + 0.044_715 * x * x * x);
        0.5 * x * (1.0 + inner.tanh())
    }
}

/// `1 / (1 + e⁻ˣ)`, computed without overflow for large |x|.
///
/// ```
/// assert_eq!(layers_core::activation::sigmoid(0.0), 0.5);
/// ```
#[crate::activation]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
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
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
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
    let s = if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    };
    x * s
}

/// The same function as [`silu`], under Keras's other name.
///
/// ```
/// assert_eq!(layers_core::activation::swish(2.0), layers_core::activation::silu(2.0));
/// ```
#[crate::activation]
pub fn swish(x: f32) -> f32 {
    let s = if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    };
    x * s
}

/// `x · tanh(softplus(x))`.
///
/// ```
/// assert_eq!(layers_core::activation::mish(0.0), 0.0);
/// ```
#[crate::activation]
pub fn mish(x: f32) -> f32 {
    let softplus = if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    };
    x * softplus.tanh()
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
