//! Exponentials, logarithms, powers and roots of `Dual`.

use super::Dual;
use std::f64::consts::{LN_2, LN_10};

/// 1/x, but +∞ at both zeros: the one-sided derivative of ln, √, … at 0 is +∞ also when the
/// zero is −0.0.
#[inline]
fn recip_at_least_zero(x: f64) -> f64 {
    if x == 0.0 { f64::INFINITY } else { 1.0 / x }
}

impl Dual {
    /// `eˣ`; derivative `eˣ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).exp();
    /// assert_eq!((y.value, y.deriv), (1.0, 1.0));
    /// ```
    #[inline]
    pub fn exp(self) -> Dual {
        let value = self.value.exp();
        self.chain(value, f64::from(value))
    }

    /// `2ˣ`; derivative `2ˣ·ln 2`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(3.0).exp2();
    /// assert_eq!((y.value, y.deriv), (8.0, 8.0 * std::f32::consts::LN_2));
    /// ```
    #[inline]
    pub fn exp2(self) -> Dual {
        let value = self.value.exp2();
        self.chain(value, f64::from(value) * LN_2)
    }

    /// `eˣ − 1`, accurate near 0; derivative `eˣ`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).exp_m1();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn exp_m1(self) -> Dual {
        self.chain(self.value.exp_m1(), f64::from(self.value).exp())
    }

    /// Natural logarithm; derivative `1/x` (+∞ at 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).ln();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// assert_eq!(Dual::variable(4.0).ln().deriv, 0.25);
    /// ```
    #[inline]
    pub fn ln(self) -> Dual {
        self.chain(self.value.ln(), recip_at_least_zero(f64::from(self.value)))
    }

    /// `ln(1 + x)`, accurate near 0; derivative `1/(1 + x)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).ln_1p();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// assert_eq!(Dual::variable(3.0).ln_1p().deriv, 0.25);
    /// ```
    #[inline]
    pub fn ln_1p(self) -> Dual {
        let partial = recip_at_least_zero(1.0 + f64::from(self.value));
        self.chain(self.value.ln_1p(), partial)
    }

    /// Logarithm in base `base`; partials `1/(x·ln b)` and `−ln x/(b·ln² b)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(8.0).log(2.0);
    /// assert_eq!(y.value, 3.0);
    /// assert!((y.deriv - 1.0 / (8.0 * std::f32::consts::LN_2)).abs() < 1e-7);
    /// ```
    #[inline]
    pub fn log(self, base: impl Into<Dual>) -> Dual {
        let base = base.into();
        let (x, b) = (f64::from(self.value), f64::from(base.value));
        let ln_b = b.ln();
        let partial_x = recip_at_least_zero(x) / ln_b;
        let partial_b = -x.ln() / (b * ln_b * ln_b);
        self.chain2(base, self.value.log(base.value), partial_x, partial_b)
    }

    /// Base-2 logarithm; derivative `1/(x·ln 2)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).log2();
    /// assert_eq!((y.value, y.deriv), (0.0, std::f32::consts::LOG2_E));
    /// ```
    #[inline]
    pub fn log2(self) -> Dual {
        let partial = recip_at_least_zero(f64::from(self.value)) / LN_2;
        self.chain(self.value.log2(), partial)
    }

    /// Base-10 logarithm; derivative `1/(x·ln 10)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).log10();
    /// assert_eq!((y.value, y.deriv), (0.0, std::f32::consts::LOG10_E));
    /// ```
    #[inline]
    pub fn log10(self) -> Dual {
        let partial = recip_at_least_zero(f64::from(self.value)) / LN_10;
        self.chain(self.value.log10(), partial)
    }

    /// Square root; derivative `1/(2√x)` (+∞ at 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(4.0).sqrt();
    /// assert_eq!((y.value, y.deriv), (2.0, 0.25));
    /// assert_eq!(Dual::variable(0.0).sqrt().deriv, f32::INFINITY);
    /// assert_eq!(Dual::constant(0.0).sqrt().deriv, 0.0);
    /// ```
    #[inline]
    pub fn sqrt(self) -> Dual {
        let partial = 0.5 * recip_at_least_zero(f64::from(self.value).sqrt());
        self.chain(self.value.sqrt(), partial)
    }

    /// Cube root; derivative `1/(3·∛x²)` (+∞ at 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-8.0).cbrt();
    /// assert_eq!((y.value, y.deriv), (-2.0, 1.0 / 12.0));
    /// ```
    #[inline]
    pub fn cbrt(self) -> Dual {
        let r = f64::from(self.value).cbrt();
        self.chain(self.value.cbrt(), 1.0 / (3.0 * r * r))
    }

    /// `xⁿ` for an integer `n`; derivative `n·xⁿ⁻¹` (0 for n = 0, also at x = 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.0).powi(3);
    /// assert_eq!((y.value, y.deriv), (8.0, 12.0));
    /// assert_eq!(Dual::variable(0.0).powi(0).deriv, 0.0);
    /// ```
    #[inline]
    pub fn powi(self, n: i32) -> Dual {
        let partial = if n == 0 {
            0.0
        } else {
            // powf rather than powi: n − 1 may not fit in an i32, and powf is exact for
            // integral exponents of any sign.
            f64::from(n) * f64::from(self.value).powf(f64::from(n) - 1.0)
        };
        self.chain(self.value.powi(n), partial)
    }

    /// `xʸ`; partials `y·xʸ⁻¹` and `xʸ·ln x`.
    ///
    /// With a constant exponent (an `f32`, or a `Dual` with `deriv` 0) only the first is used,
    /// so `x.powf(2.0)` at x = 0 has derivative 0 and `x.powf(0.0)` has derivative 0
    /// everywhere; an exponent that varies at x = 0 with y > 0 contributes 0, the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(4.0).powf(1.5);
    /// assert_eq!((y.value, y.deriv), (8.0, 3.0));
    /// assert_eq!(Dual::variable(0.0).powf(2.0).deriv, 0.0);
    /// let z = Dual::constant(2.0).powf(Dual::variable(3.0)); // d/dy 2ʸ = 2ʸ·ln 2
    /// assert_eq!((z.value, z.deriv), (8.0, 8.0 * std::f32::consts::LN_2));
    /// ```
    #[inline]
    pub fn powf(self, n: impl Into<Dual>) -> Dual {
        let n = n.into();
        let (x, y) = (f64::from(self.value), f64::from(n.value));
        let partial_x = if y == 0.0 { 0.0 } else { y * x.powf(y - 1.0) };
        let partial_y = if x == 0.0 && y > 0.0 {
            0.0
        } else {
            x.powf(y) * x.ln()
        };
        self.chain2(n, self.value.powf(n.value), partial_x, partial_y)
    }

    /// `1/x`; derivative `−1/x²`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.0).recip();
    /// assert_eq!((y.value, y.deriv), (0.5, -0.25));
    /// ```
    #[inline]
    pub fn recip(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.recip(), -1.0 / (x * x))
    }
}
