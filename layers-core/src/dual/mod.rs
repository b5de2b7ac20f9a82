//! Forward-mode dual numbers `value + deriv·ε` (with ε² = 0), which carry an exact derivative
//! through `f32` code so that `#[activation]` can differentiate a plain `f32` function.
//!
//! ```
//! use layers_core::dual::Dual;
//!
//! // d/dx (x² + 3x) at x = 2 is 2·2 + 3 = 7.
//! let x = Dual::variable(2.0);
//! let y = x * x + 3.0 * x;
//! assert_eq!((y.value, y.deriv), (10.0, 7.0));
//! ```

mod exp_log;
mod ops;
mod piecewise;
pub(crate) mod scalar;
mod trig;

#[cfg(test)]
mod tests;

use std::fmt;

/// A dual number `value + deriv·ε` (ε² = 0): a value together with its derivative with
/// respect to one input.
///
/// `Dual` mirrors the `f32` API, so that an `f32` function body with its argument's type
/// changed to `Dual` (and its float literals wrapped in [`Dual::constant`]) compiles unchanged
/// and computes the derivative alongside the value:
///
/// - the operators `+ - * / %` and their `…=` forms take `Dual` or `f32` on either side;
/// - `==`, `<`, `>`, … compare the **value** only, against a `Dual` or an `f32`, so that
///   `if x > 0.0 { … }` chooses the same branch as the `f32` code did;
/// - the methods have the names and arguments of `f32`'s, and every argument that is an
///   `f32` there accepts a `Dual` or an `f32` here (`x.max(0.1 * x)`, `x.powf(2.0)`).
///
/// The value part of every result is bit for bit what the `f32` operation returns. The
/// derivative is exact up to rounding; it is computed in `f64` where that avoids overflow or
/// cancellation (so `tanh'(10)` is 8.2e-9, not 0). Where a function has a kink, the derivative
/// is that of the branch the value came from (`max` and `min` pick `self` on a tie, `abs` has
/// derivative 0 at 0); step functions (`floor`, `signum`, …) have derivative 0. A constant
/// stays a constant: an operand whose `deriv` is 0 adds nothing to the result's derivative,
/// even where its partial derivative is infinite (`Dual::constant(0.0).sqrt()` has `deriv` 0).
///
/// NaN propagates: a NaN value has a NaN derivative (unless every operand is a constant),
/// and `max`, `min` and `clamp` return NaN when an operand is NaN, as NumPy's `maximum` and
/// PyTorch do — the one place where the value differs from `f32`'s, whose `max` returns the
/// other operand and so would hide the NaN.
///
/// # Examples
///
/// ```
/// use layers_core::dual::Dual;
///
/// // ELU with α = 1.5 at x = -1: α·(eˣ − 1), derivative α·eˣ.
/// let alpha: f32 = 1.5;
/// let x = Dual::variable(-1.0);
/// let y = if x > 0.0 { x } else { alpha * (x.exp() - Dual::constant(1.0)) };
/// assert!((y.value - 1.5 * ((-1.0f32).exp() - 1.0)).abs() < 1e-7);
/// assert!((y.deriv - 1.5 * (-1.0f32).exp()).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Dual {
    /// The value, identical to what the `f32` computation gives.
    pub value: f32,
    /// The derivative of `value` with respect to the input that was made a
    /// [`variable`](Dual::variable).
    pub deriv: f32,
}

impl Dual {
    /// A dual number with the given value and derivative.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let x = Dual::new(3.0, 2.0);
    /// let y = x * x; // derivative 2·x·x' = 2·3·2
    /// assert_eq!((y.value, y.deriv), (9.0, 12.0));
    /// ```
    #[inline]
    pub const fn new(value: f32, deriv: f32) -> Dual {
        Dual { value, deriv }
    }

    /// The input to differentiate with respect to: derivative 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let x = Dual::variable(4.0);
    /// assert_eq!((x.value, x.deriv), (4.0, 1.0));
    /// assert_eq!(x.sqrt().deriv, 0.25); // 1/(2√4)
    /// ```
    #[inline]
    pub const fn variable(value: f32) -> Dual {
        Dual { value, deriv: 1.0 }
    }

    /// A constant: derivative 0. Literals in a rewritten `#[activation]` body become these.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let c = Dual::constant(0.5);
    /// assert_eq!((c.value, c.deriv), (0.5, 0.0));
    /// let y = c * Dual::variable(3.0);
    /// assert_eq!((y.value, y.deriv), (1.5, 0.5));
    /// ```
    #[inline]
    pub const fn constant(value: f32) -> Dual {
        Dual { value, deriv: 0.0 }
    }

    /// The result `value` of a function of `self` whose derivative there is `partial`.
    #[inline]
    fn chain(self, value: f32, partial: f64) -> Dual {
        Dual::result(
            value,
            tangent(self.deriv, partial) as f32,
            self.deriv != 0.0,
        )
    }

    /// The result `value` of a function of `self` and `other` with the given partials.
    #[inline]
    fn chain2(self, other: Dual, value: f32, partial_self: f64, partial_other: f64) -> Dual {
        let deriv = tangent(self.deriv, partial_self) + tangent(other.deriv, partial_other);
        Dual::result(value, deriv as f32, self.deriv != 0.0 || other.deriv != 0.0)
    }

    /// A result with derivative `deriv`, except that a NaN value has a NaN derivative when
    /// an operand `varies` (a constant NaN stays a constant): a NaN has no slope, and a
    /// finite one would let training step on from a NaN as if nothing had happened.
    #[inline]
    fn result(value: f32, deriv: f32, varies: bool) -> Dual {
        let deriv = if varies && value.is_nan() {
            f32::NAN
        } else {
            deriv
        };
        Dual { value, deriv }
    }
}

/// `deriv · partial`, except that a zero `deriv` gives 0 even where `partial` is infinite or
/// NaN: a constant must stay a constant (√ of a constant 0 has derivative 0, not NaN).
#[inline]
fn tangent(deriv: f32, partial: f64) -> f64 {
    if deriv == 0.0 {
        0.0
    } else {
        f64::from(deriv) * partial
    }
}

/// A constant: `Dual::from(x)` is [`Dual::constant(x)`](Dual::constant).
///
/// # Examples
///
/// ```
/// use layers_core::dual::Dual;
///
/// let c: Dual = 2.5.into();
/// assert_eq!((c.value, c.deriv), (2.5, 0.0));
/// ```
impl From<f32> for Dual {
    #[inline]
    fn from(value: f32) -> Dual {
        Dual::constant(value)
    }
}

/// Formats as `value + derivε`, passing the format options (precision, …) to both numbers.
///
/// # Examples
///
/// ```
/// use layers_core::dual::Dual;
///
/// assert_eq!(Dual::variable(2.0).to_string(), "2 + 1ε");
/// assert_eq!(format!("{:.2}", Dual::new(0.5, -0.25)), "0.50 + -0.25ε");
/// ```
impl fmt::Display for Dual {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)?;
        f.write_str(" + ")?;
        fmt::Display::fmt(&self.deriv, f)?;
        f.write_str("ε")
    }
}
