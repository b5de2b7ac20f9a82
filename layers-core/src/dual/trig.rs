//! Trigonometric, hyperbolic and error functions of `Dual`.

use super::Dual;
use crate::math::Erf;
use std::f64::consts::{FRAC_2_SQRT_PI, PI};

impl Dual {
    /// Sine; derivative `cos x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).sin();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn sin(self) -> Dual {
        self.chain(self.value.sin(), f64::from(self.value).cos())
    }

    /// Cosine; derivative `−sin x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(std::f32::consts::FRAC_PI_2).cos();
    /// assert!(y.value.abs() < 1e-7);
    /// assert_eq!(y.deriv, -1.0);
    /// ```
    #[inline]
    pub fn cos(self) -> Dual {
        self.chain(self.value.cos(), -f64::from(self.value).sin())
    }

    /// `(sin x, cos x)`, as `f32::sin_cos`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let (s, c) = Dual::variable(0.0).sin_cos();
    /// assert_eq!((s.value, s.deriv, c.value, c.deriv), (0.0, 1.0, 1.0, 0.0));
    /// ```
    #[inline]
    pub fn sin_cos(self) -> (Dual, Dual) {
        (self.sin(), self.cos())
    }

    /// Tangent; derivative `1/cos² x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).tan();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn tan(self) -> Dual {
        let c = f64::from(self.value).cos();
        self.chain(self.value.tan(), 1.0 / (c * c))
    }

    /// Arcsine; derivative `1/√(1 − x²)` (+∞ at ±1).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).asin();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn asin(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.asin(), 1.0 / ((1.0 - x) * (1.0 + x)).sqrt())
    }

    /// Arccosine; derivative `−1/√(1 − x²)` (−∞ at ±1).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).acos();
    /// assert_eq!((y.value, y.deriv), (std::f32::consts::FRAC_PI_2, -1.0));
    /// ```
    #[inline]
    pub fn acos(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.acos(), -1.0 / ((1.0 - x) * (1.0 + x)).sqrt())
    }

    /// Arctangent; derivative `1/(1 + x²)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).atan();
    /// assert_eq!((y.value, y.deriv), (std::f32::consts::FRAC_PI_4, 0.5));
    /// ```
    #[inline]
    pub fn atan(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.atan(), 1.0 / (1.0 + x * x))
    }

    /// Four-quadrant arctangent of `self / other` (`self` is y, `other` is x); partials
    /// `x/(x² + y²)` and `−y/(x² + y²)`, taken as 0 at the origin and at infinity.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.0).atan2(1.0);
    /// assert_eq!((y.value, y.deriv), (std::f32::consts::FRAC_PI_4, 0.5));
    /// let z = Dual::constant(1.0).atan2(Dual::variable(1.0));
    /// assert_eq!(z.deriv, -0.5);
    /// ```
    #[inline]
    pub fn atan2(self, other: impl Into<Dual>) -> Dual {
        let other = other.into();
        let (y, x) = (f64::from(self.value), f64::from(other.value));
        let r2 = x * x + y * y;
        let (partial_y, partial_x) = if r2 == 0.0 || r2.is_infinite() {
            (0.0, 0.0)
        } else {
            (x / r2, -y / r2)
        };
        self.chain2(other, self.value.atan2(other.value), partial_y, partial_x)
    }

    /// Hyperbolic sine; derivative `cosh x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).sinh();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn sinh(self) -> Dual {
        self.chain(self.value.sinh(), f64::from(self.value).cosh())
    }

    /// Hyperbolic cosine; derivative `sinh x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).cosh();
    /// assert_eq!((y.value, y.deriv), (1.0, 0.0));
    /// ```
    #[inline]
    pub fn cosh(self) -> Dual {
        self.chain(self.value.cosh(), f64::from(self.value).sinh())
    }

    /// Hyperbolic tangent; derivative `1/cosh² x`, computed so that it stays accurate (and
    /// nonzero while representable) for large |x|, where `1 − tanh² x` would round to 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).tanh();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// let far = Dual::variable(10.0).tanh();
    /// assert_eq!(far.value, 1.0);
    /// assert!((far.deriv / 8.244_614e-9 - 1.0).abs() < 1e-6);
    /// ```
    #[inline]
    pub fn tanh(self) -> Dual {
        let c = f64::from(self.value).cosh();
        self.chain(self.value.tanh(), 1.0 / (c * c))
    }

    /// Inverse hyperbolic sine; derivative `1/√(x² + 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).asinh();
    /// assert_eq!((y.value, y.deriv), (0.0, 1.0));
    /// ```
    #[inline]
    pub fn asinh(self) -> Dual {
        self.chain(self.value.asinh(), 1.0 / f64::from(self.value).hypot(1.0))
    }

    /// Inverse hyperbolic cosine; derivative `1/√(x² − 1)` (+∞ at 1).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(1.25).acosh();
    /// assert_eq!(y.deriv, 1.0 / 0.75);
    /// ```
    #[inline]
    pub fn acosh(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.acosh(), 1.0 / ((x - 1.0) * (x + 1.0)).sqrt())
    }

    /// Inverse hyperbolic tangent; derivative `1/(1 − x²)` (+∞ at ±1).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.5).atanh();
    /// assert_eq!(y.deriv, 1.0 / 0.75);
    /// ```
    #[inline]
    pub fn atanh(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.atanh(), 1.0 / ((1.0 - x) * (1.0 + x)))
    }

    /// `√(x² + y²)` without overflow; partials `x/h` and `y/h`, taken as 0 at the origin.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let h = Dual::variable(3.0).hypot(4.0);
    /// assert_eq!((h.value, h.deriv), (5.0, 0.6));
    /// ```
    #[inline]
    pub fn hypot(self, other: impl Into<Dual>) -> Dual {
        let other = other.into();
        let (x, y) = (f64::from(self.value), f64::from(other.value));
        let h = x.hypot(y);
        let (partial_x, partial_y) = if h == 0.0 { (0.0, 0.0) } else { (x / h, y / h) };
        self.chain2(other, self.value.hypot(other.value), partial_x, partial_y)
    }

    /// Radians to degrees; derivative `180/π`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(std::f32::consts::PI).to_degrees();
    /// assert_eq!(y.value, 180.0);
    /// assert!((y.deriv - 57.295_78).abs() < 1e-4);
    /// ```
    #[inline]
    pub fn to_degrees(self) -> Dual {
        self.chain(self.value.to_degrees(), 180.0 / PI)
    }

    /// Degrees to radians; derivative `π/180`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(180.0).to_radians();
    /// assert_eq!(y.value, std::f32::consts::PI);
    /// assert!((y.deriv - 0.017_453_292).abs() < 1e-9);
    /// ```
    #[inline]
    pub fn to_radians(self) -> Dual {
        self.chain(self.value.to_radians(), PI / 180.0)
    }

    /// The error function, as [`crate::math::erf`]; derivative `2/√π · e^(−x²)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).erf();
    /// assert_eq!((y.value, y.deriv), (0.0, std::f32::consts::FRAC_2_SQRT_PI));
    /// ```
    #[inline]
    pub fn erf(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(Erf::erf(self.value), FRAC_2_SQRT_PI * (-x * x).exp())
    }

    /// The complementary error function, as [`crate::math::erfc`]; derivative
    /// `−2/√π · e^(−x²)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::dual::Dual;
    ///
    /// let y = Dual::variable(0.0).erfc();
    /// assert_eq!((y.value, y.deriv), (1.0, -std::f32::consts::FRAC_2_SQRT_PI));
    /// ```
    #[inline]
    pub fn erfc(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(Erf::erfc(self.value), -FRAC_2_SQRT_PI * (-x * x).exp())
    }
}
