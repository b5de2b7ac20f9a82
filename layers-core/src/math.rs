//! Scalar special functions that `std` lacks, for `f32` and, with exact derivatives, for
//! [`Dual`]; and [`Scalar`], the trait both implement, for helpers that activations call.
//!
//! ```
//! use layers_core::dual::Dual;
//! use layers_core::math::erf;
//!
//! // The same call compiles for `f32` and for `Dual`, as `#[activation]` bodies need.
//! assert!((erf(1.0_f32) - 0.842_700_8).abs() < 1e-6);
//! let y = erf(Dual::variable(0.0));
//! assert_eq!(y.value, 0.0);
//! assert_eq!(y.deriv, std::f32::consts::FRAC_2_SQRT_PI); // erf'(0) = 2/√π
//! ```
//!
//! [`Dual`]: crate::dual::Dual

mod scalar;

pub use scalar::Scalar;
pub(crate) use scalar::{normal_pdf_f64, sigmoid_f64};

use std::f64::consts::FRAC_2_SQRT_PI;

/// The error function and its complement, for every scalar type an activation body may use.
///
/// Implemented for `f32` and [`Dual`](crate::dual::Dual), and a supertrait of [`Scalar`].
/// The free functions [`erf`] and [`erfc`] call it, so a body written as `erf(x)` compiles
/// whichever of the two `x` is: prefer that form. `Dual` also has `x.erf()` and `x.erfc()` as
/// inherent methods. On an `f32`, `x.erf()` resolves to this trait when it is in scope, but
/// rustc warns (`unstable_name_collisions`) because `std` has an unstable `f32::erf` of its
/// own, which such calls will switch to once it is stable.
///
/// # Examples
///
/// ```
/// use layers_core::dual::Dual;
/// use layers_core::math::Erf;
///
/// // Generic code can bound on `Erf`.
/// fn erf_pair<T: Erf + Copy>(x: T) -> (T, T) {
///     (Erf::erf(x), Erf::erfc(x))
/// }
/// assert_eq!(erf_pair(0.0_f32), (0.0, 1.0));
/// let (e, c) = erf_pair(Dual::variable(0.0));
/// assert_eq!((e.value, c.value), (0.0, 1.0));
/// assert_eq!(e.deriv, -c.deriv);
/// ```
pub trait Erf: Sized {
    /// The error function `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::math::Erf;
    ///
    /// assert!((Erf::erf(0.5_f32) - 0.520_499_9).abs() < 1e-6);
    /// ```
    fn erf(self) -> Self;

    /// The complementary error function `erfc(x) = 1 − erf(x)`, accurate where `erf(x)` is
    /// close to 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::math::Erf;
    ///
    /// // 1 − erf(5) is below f32 precision, erfc(5) = 1.5374597944280349e-12 is not.
    /// assert!((Erf::erfc(5.0_f32) / 1.537_459_8e-12 - 1.0).abs() < 1e-6);
    /// ```
    fn erfc(self) -> Self;
}

impl Erf for f32 {
    fn erf(self) -> f32 {
        erf_f64(f64::from(self)) as f32
    }

    fn erfc(self) -> f32 {
        erfc_f64(f64::from(self)) as f32
    }
}

/// The error function `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`, for `f32` or
/// [`Dual`](crate::dual::Dual).
///
/// For `f32` the result is computed in `f64` and rounded once, so it is the exact value
/// correctly rounded except in rare halfway cases: for all 2³² inputs it was checked to equal
/// an independent `f64` erf (musl's, via the `libm` crate) rounded to `f32`, an absolute error
/// below 3e-8. It is exactly ±1 for |x| ≥ 4, ±0 at ±0, and NaN for NaN. For `Dual` the
/// derivative is `2/√π · e^(−x²)`.
///
/// # Examples
///
/// ```
/// use layers_core::math::erf;
///
/// assert!((erf(0.5_f32) - 0.520_499_9).abs() < 1e-6);
/// assert_eq!(erf(-4.0_f32), -1.0);
/// assert!(erf(f32::NAN).is_nan());
/// ```
pub fn erf<T: Erf>(x: T) -> T {
    x.erf()
}

/// The complementary error function `erfc(x) = 1 − erf(x)`, for `f32` or
/// [`Dual`](crate::dual::Dual).
///
/// For `f32` the result has a small relative error also in the tail, where `1 − erf(x)`
/// would round to 0: it underflows to 0 only past x ≈ 10.05. Like [`erf`], it was checked on
/// all 2³² inputs against musl's `f64` erfc rounded to `f32`, and equals it on every one. For
/// `Dual` the derivative is `−2/√π · e^(−x²)`.
///
/// # Examples
///
/// ```
/// use layers_core::math::erfc;
///
/// assert_eq!(erfc(0.0_f32), 1.0);
/// assert!((erfc(3.0_f32) / 2.209_049_7e-5 - 1.0).abs() < 1e-6);
/// assert_eq!(erfc(-10.0_f32), 2.0);
/// ```
pub fn erfc<T: Erf>(x: T) -> T {
    x.erfc()
}

/// Below this |x| the Taylor series is used, above it the continued fraction for erfc.
const SERIES_CUTOFF: f64 = 1.5;
/// Taylor terms: at |x| = 1.5 the series has converged to a relative 2e-15.
const SERIES_TERMS: usize = 22;
/// Continued-fraction steps: at x = 1.5 it has converged to a relative 2e-13, and faster
/// further out; both errors are far below the 6e-8 of an f32 rounding.
const CONTFRAC_TERMS: u32 = 30;
/// From here on erf(x) = 1 − 2e-17 or closer, which is 1 in f64.
const ERF_ONE: f64 = 6.0;
/// From here on erfc(x) < 1e-318 (f32 results are 0 from x ≈ 10.05 on).
const ERFC_ZERO: f64 = 27.0;

/// Taylor coefficients of erf(x)/x in powers of x²: (−1)ⁿ · 2/√π / (n!·(2n+1)).
const SERIES: [f64; SERIES_TERMS] = {
    let mut c = [0.0; SERIES_TERMS];
    let mut factorial = 1.0;
    let mut n = 0;
    while n < SERIES_TERMS {
        if n > 0 {
            factorial *= n as f64;
        }
        let sign = if n % 2 == 0 { 1.0 } else { -1.0 };
        c[n] = sign * FRAC_2_SQRT_PI / (factorial * (2 * n + 1) as f64);
        n += 1;
    }
    c
};

/// erf in f64 with a relative error of a few 1e-15: ample to round to a correct f32.
pub(crate) fn erf_f64(x: f64) -> f64 {
    let a = x.abs();
    if a < SERIES_CUTOFF {
        erf_series(x)
    } else if a < ERF_ONE {
        (1.0 - erfc_contfrac(a)).copysign(x)
    } else {
        // ±1, and NaN stays NaN.
        x.signum()
    }
}

/// erfc in f64 with a small relative error, also far in the tail.
pub(crate) fn erfc_f64(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x.abs() < SERIES_CUTOFF {
        1.0 - erf_series(x)
    } else if x > 0.0 {
        erfc_contfrac(x)
    } else {
        2.0 - erfc_contfrac(-x)
    }
}

/// The Taylor series of erf at 0, for |x| < 1.5, where its terms are too small to cancel
/// much.
fn erf_series(x: f64) -> f64 {
    let x2 = x * x;
    SERIES.iter().rev().fold(0.0, |acc, &c| acc * x2 + c) * x
}

/// erfc(x) for x ≥ 1.5 from Laplace's continued fraction
/// erfc(x) = e^(−x²)/√π · x / (x² + ½ − 1·½ / (x² + 5/2 − 2·3/2 / (x² + 9/2 − …))),
/// evaluated forwards through its convergents p/q, as CPython's `math.erfc` once did.
fn erfc_contfrac(x: f64) -> f64 {
    if x >= ERFC_ZERO {
        return 0.0;
    }
    let x2 = x * x;
    let mut a = 0.0;
    let mut da = 0.5;
    let (mut p, mut p_last) = (1.0, 0.0);
    let (mut q, mut q_last) = (da + x2, 1.0);
    for _ in 0..CONTFRAC_TERMS {
        a += da;
        da += 2.0;
        let b = da + x2;
        (p, p_last) = (b * p - a * p_last, p);
        (q, q_last) = (b * q - a * q_last, q);
    }
    p / q * x * (-x2).exp() * (0.5 * FRAC_2_SQRT_PI)
}

/// `1 − x` as Keras computes `1 - beta` for a hyperparameter: from the decimal value the user
/// wrote (Python holds `0.999` as a double), subtracted in f64 and rounded once to f32.
///
/// The f32 nearest 0.999 is 0.99900001287…, so `1.0 - 0.999f32` is 0.00099998713, 1.3e-5
/// away (relative) from the 0.001 Keras multiplies by; Adam's second moment, RMSprop's
/// average of squares and BatchNormalization's moving statistics would differ from Keras's
/// by that much at every step. The decimal is `x`'s shortest round-tripping form (what
/// configs store), so `one_minus(0.999)` is exactly `0.001f32`. Nothing is allocated.
pub(crate) fn one_minus(x: f32) -> f32 {
    (1.0 - decimal(x)) as f32
}

/// The f64 nearest the decimal the user wrote for `x`: its shortest round-tripping form, as
/// Python holds a hyperparameter such as `validation_split=0.2` (where `f64::from(0.2f32)`
/// is 0.20000000298…, which moves a floor or a comparison made in f64). Nothing is
/// allocated.
pub(crate) fn decimal(x: f32) -> f64 {
    use std::io::Write;
    // `{:e}` is the shortest form that reads back as `x`: at most 15 bytes for an f32.
    let mut buf = [0u8; 32];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    let decimal = match write!(cursor, "{x:e}") {
        Ok(()) => {
            let len = usize::try_from(cursor.position()).unwrap_or(0);
            std::str::from_utf8(&buf[..len])
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
        }
        Err(_) => None,
    };
    decimal.unwrap_or(f64::from(x))
}

#[cfg(test)]
mod tests;
