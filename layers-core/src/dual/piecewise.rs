//! Piecewise methods of `Dual`: signs, `max`/`min`/`clamp`, rounding, `mul_add` and the
//! `is_*` tests.

use super::{Dual, tangent};

impl Dual {
    /// Absolute value; derivative `signum(x)`, and 0 at x = 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-2.0).abs();
    /// assert_eq!((y.value, y.deriv), (2.0, -1.0));
    /// assert_eq!(Dual::variable(0.0).abs().deriv, 0.0);
    /// ```
    #[inline]
    pub fn abs(self) -> Dual {
        let v = self.value;
        let partial = if v > 0.0 {
            1.0
        } else if v < 0.0 {
            -1.0
        } else if v == 0.0 {
            0.0
        } else {
            f64::NAN
        };
        self.chain(v.abs(), partial)
    }

    /// Sign as `f32::signum` gives it (±1, or NaN); derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-3.0).signum();
    /// assert_eq!((y.value, y.deriv), (-1.0, 0.0));
    /// ```
    #[inline]
    pub fn signum(self) -> Dual {
        self.step(self.value.signum())
    }

    /// `|x|` with the sign of `sign`; derivative ±1 (0 at x = 0), none through `sign`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.0).copysign(-1.0);
    /// assert_eq!((y.value, y.deriv), (-2.0, -1.0));
    /// ```
    #[inline]
    pub fn copysign(self, sign: impl Into<Dual>) -> Dual {
        let (v, s) = (self.value, sign.into().value);
        let partial = if v == 0.0 {
            0.0
        } else if v.is_sign_negative() == s.is_sign_negative() {
            1.0
        } else {
            -1.0
        };
        self.chain(v.copysign(s), partial)
    }

    /// The larger of `self` and `other`, with that one's derivative; on a tie, `self`'s.
    ///
    /// NaN if either is NaN, as NumPy's `maximum` (`f32::max` would return the other one).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// // Leaky ReLU: x.max(0.1 * x).
    /// let x = Dual::variable(-2.0);
    /// let y = x.max(0.1 * x);
    /// assert_eq!((y.value, y.deriv), (-0.2, 0.1));
    /// assert_eq!(x.max(-2.0).deriv, 1.0); // tie: self
    /// assert!(x.max(f32::NAN).is_nan());
    /// ```
    #[inline]
    pub fn max(self, other: impl Into<Dual>) -> Dual {
        let other = other.into();
        let from = if other.value > self.value {
            other
        } else {
            self
        };
        self.pick(other, self.value.max(other.value), from)
    }

    /// The smaller of `self` and `other`, with that one's derivative; on a tie, `self`'s.
    ///
    /// NaN if either is NaN, as NumPy's `minimum` (`f32::min` would return the other one).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(7.0).min(6.0); // ReLU6's cap
    /// assert_eq!((y.value, y.deriv), (6.0, 0.0));
    /// assert!(Dual::variable(f32::NAN).min(6.0).is_nan());
    /// ```
    #[inline]
    pub fn min(self, other: impl Into<Dual>) -> Dual {
        let other = other.into();
        let from = if other.value < self.value {
            other
        } else {
            self
        };
        self.pick(other, self.value.min(other.value), from)
    }

    /// `value` (`f32`'s, bit for bit) with the derivative of `from` (one of `self` and
    /// `other`), or NaN with a NaN derivative if either is NaN.
    #[inline]
    fn pick(self, other: Dual, value: f32, from: Dual) -> Dual {
        if self.value.is_nan() || other.value.is_nan() {
            let varies = self.deriv != 0.0 || other.deriv != 0.0;
            Dual::result(f32::NAN, 0.0, varies)
        } else {
            Dual::new(value, from.deriv)
        }
    }

    /// A step function's result `value`: derivative 0, or NaN at a varying NaN.
    #[inline]
    fn step(self, value: f32) -> Dual {
        Dual::result(value, 0.0, self.deriv != 0.0)
    }

    /// `self` restricted to `[min, max]`, with the derivative of whichever of the three the
    /// value is (`self`'s at the bounds themselves); NaN stays NaN, with a NaN derivative.
    ///
    /// # Panics
    ///
    /// Like `f32::clamp`, if `min > max` or either bound is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// // Hard sigmoid: clip(x/6 + 0.5, 0, 1).
    /// let y = (Dual::variable(1.5) / 6.0 + 0.5).clamp(0.0, 1.0);
    /// assert_eq!((y.value, y.deriv), (0.75, 1.0 / 6.0));
    /// assert_eq!(Dual::variable(9.0).clamp(0.0, 1.0).deriv, 0.0);
    /// ```
    #[inline]
    pub fn clamp(self, min: impl Into<Dual>, max: impl Into<Dual>) -> Dual {
        let (min, max) = (min.into(), max.into());
        let value = self.value.clamp(min.value, max.value);
        let from = if self.value < min.value {
            min
        } else if self.value > max.value {
            max
        } else {
            self
        };
        let varies = self.deriv != 0.0 || from.deriv != 0.0;
        Dual::result(value, from.deriv, varies)
    }

    /// Largest integer ≤ x; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-1.5).floor();
    /// assert_eq!((y.value, y.deriv), (-2.0, 0.0));
    /// ```
    #[inline]
    pub fn floor(self) -> Dual {
        self.step(self.value.floor())
    }

    /// Smallest integer ≥ x; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-1.5).ceil();
    /// assert_eq!((y.value, y.deriv), (-1.0, 0.0));
    /// ```
    #[inline]
    pub fn ceil(self) -> Dual {
        self.step(self.value.ceil())
    }

    /// Nearest integer, halves away from zero; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.5).round();
    /// assert_eq!((y.value, y.deriv), (3.0, 0.0));
    /// ```
    #[inline]
    pub fn round(self) -> Dual {
        self.step(self.value.round())
    }

    /// Nearest integer, halves to even; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.5).round_ties_even();
    /// assert_eq!((y.value, y.deriv), (2.0, 0.0));
    /// ```
    #[inline]
    pub fn round_ties_even(self) -> Dual {
        self.step(self.value.round_ties_even())
    }

    /// Integer part, towards zero; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-1.5).trunc();
    /// assert_eq!((y.value, y.deriv), (-1.0, 0.0));
    /// ```
    #[inline]
    pub fn trunc(self) -> Dual {
        self.step(self.value.trunc())
    }

    /// Fractional part `x − trunc(x)`; derivative 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-1.25).fract();
    /// assert_eq!((y.value, y.deriv), (-0.25, 1.0));
    /// ```
    #[inline]
    pub fn fract(self) -> Dual {
        self.chain(self.value.fract(), 1.0)
    }

    /// Euclidean quotient `(x − x.rem_euclid(rhs)) / rhs`, an integer; derivative 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-7.0).div_euclid(2.0);
    /// assert_eq!((y.value, y.deriv), (-4.0, 0.0));
    /// ```
    #[inline]
    pub fn div_euclid(self, rhs: impl Into<Dual>) -> Dual {
        let rhs = rhs.into();
        let varies = self.deriv != 0.0 || rhs.deriv != 0.0;
        Dual::result(self.value.div_euclid(rhs.value), 0.0, varies)
    }

    /// Least non-negative remainder `x − rhs·x.div_euclid(rhs)`; partials 1 and
    /// `−x.div_euclid(rhs)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(-7.0).rem_euclid(2.0);
    /// assert_eq!((y.value, y.deriv), (1.0, 1.0));
    /// let z = Dual::constant(-7.0).rem_euclid(Dual::variable(2.0));
    /// assert_eq!(z.deriv, 4.0);
    /// ```
    #[inline]
    pub fn rem_euclid(self, rhs: impl Into<Dual>) -> Dual {
        let rhs = rhs.into();
        let quotient = self.value.div_euclid(rhs.value);
        let value = self.value.rem_euclid(rhs.value);
        self.chain2(rhs, value, 1.0, -f64::from(quotient))
    }

    /// The average `(x + other) / 2`, without overflow; partials ½ and ½.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).midpoint(4.0);
    /// assert_eq!((y.value, y.deriv), (2.5, 0.5));
    /// ```
    #[inline]
    pub fn midpoint(self, other: impl Into<Dual>) -> Dual {
        let other = other.into();
        self.chain2(other, self.value.midpoint(other.value), 0.5, 0.5)
    }

    /// Fused `x · a + b` with one rounding; partials `a`, `x` and 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(2.0).mul_add(3.0, 1.0);
    /// assert_eq!((y.value, y.deriv), (7.0, 3.0));
    /// ```
    #[inline]
    pub fn mul_add(self, a: impl Into<Dual>, b: impl Into<Dual>) -> Dual {
        let (a, b) = (a.into(), b.into());
        let deriv = tangent(self.deriv, f64::from(a.value))
            + tangent(a.deriv, f64::from(self.value))
            + f64::from(b.deriv);
        let varies = self.deriv != 0.0 || a.deriv != 0.0 || b.deriv != 0.0;
        Dual::result(self.value.mul_add(a.value, b.value), deriv as f32, varies)
    }

    /// Whether the value is NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(-1.0).sqrt().is_nan());
    /// ```
    #[inline]
    pub fn is_nan(self) -> bool {
        self.value.is_nan()
    }

    /// Whether the value is neither infinite nor NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(1.0).is_finite());
    /// assert!(!Dual::variable(100.0).exp().is_finite());
    /// ```
    #[inline]
    pub fn is_finite(self) -> bool {
        self.value.is_finite()
    }

    /// Whether the value is +∞ or −∞.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(0.0).recip().is_infinite());
    /// ```
    #[inline]
    pub fn is_infinite(self) -> bool {
        self.value.is_infinite()
    }

    /// Whether the value is neither zero, infinite, subnormal nor NaN.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(1.0).is_normal());
    /// assert!(!Dual::variable(0.0).is_normal());
    /// ```
    #[inline]
    pub fn is_normal(self) -> bool {
        self.value.is_normal()
    }

    /// Whether the value is subnormal.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(1e-40).is_subnormal());
    /// ```
    #[inline]
    pub fn is_subnormal(self) -> bool {
        self.value.is_subnormal()
    }

    /// Whether the value's sign bit is clear (true for +0.0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(0.0).is_sign_positive());
    /// ```
    #[inline]
    pub fn is_sign_positive(self) -> bool {
        self.value.is_sign_positive()
    }

    /// Whether the value's sign bit is set (true for −0.0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// assert!(Dual::variable(-0.0).is_sign_negative());
    /// ```
    #[inline]
    pub fn is_sign_negative(self) -> bool {
        self.value.is_sign_negative()
    }
}
