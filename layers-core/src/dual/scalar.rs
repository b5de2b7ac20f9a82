//! `Dual` as a [`Scalar`] (and an [`Erf`]), so that helpers generic over `Scalar` carry the
//! derivative; and the conversion through which `#[activation]` passes dual numbers to the
//! functions its body calls, whose error message says how to write such a helper.

use super::Dual;
use crate::math::{Erf, Scalar, normal_pdf_f64, sigmoid_f64};

impl Erf for Dual {
    fn erf(self) -> Dual {
        Dual::erf(self)
    }

    fn erfc(self) -> Dual {
        Dual::erfc(self)
    }
}

impl Scalar for Dual {
    fn to_f32(self) -> f32 {
        self.value
    }

    fn is_nan(self) -> bool {
        Dual::is_nan(self)
    }

    fn abs(self) -> Dual {
        Dual::abs(self)
    }

    fn max(self, other: impl Into<Dual>) -> Dual {
        Dual::max(self, other)
    }

    fn min(self, other: impl Into<Dual>) -> Dual {
        Dual::min(self, other)
    }

    fn clamp(self, min: impl Into<Dual>, max: impl Into<Dual>) -> Dual {
        Dual::clamp(self, min, max)
    }

    fn sqrt(self) -> Dual {
        Dual::sqrt(self)
    }

    fn exp(self) -> Dual {
        Dual::exp(self)
    }

    fn exp_m1(self) -> Dual {
        Dual::exp_m1(self)
    }

    fn ln(self) -> Dual {
        Dual::ln(self)
    }

    fn ln_1p(self) -> Dual {
        Dual::ln_1p(self)
    }

    fn powi(self, n: i32) -> Dual {
        Dual::powi(self, n)
    }

    fn powf(self, y: impl Into<Dual>) -> Dual {
        Dual::powf(self, y)
    }

    fn recip(self) -> Dual {
        Dual::recip(self)
    }

    fn sin(self) -> Dual {
        Dual::sin(self)
    }

    fn cos(self) -> Dual {
        Dual::cos(self)
    }

    fn tanh(self) -> Dual {
        Dual::tanh(self)
    }

    // The values are the `f32` ones bit for bit; the derivatives come from closed forms in
    // `f64`, where σ(x)·σ(−x) neither overflows nor cancels.

    fn sigmoid(self) -> Dual {
        let x = f64::from(self.value);
        self.chain(self.value.sigmoid(), sigmoid_f64(x) * sigmoid_f64(-x))
    }

    fn softplus(self) -> Dual {
        self.chain(self.value.softplus(), sigmoid_f64(f64::from(self.value)))
    }

    fn log_sigmoid(self) -> Dual {
        self.chain(self.value.log_sigmoid(), sigmoid_f64(-f64::from(self.value)))
    }

    fn normal_cdf(self) -> Dual {
        self.chain(self.value.normal_cdf(), normal_pdf_f64(f64::from(self.value)))
    }
}

/// How `#[activation]` hands a dual number to a function its body calls: the identity into a
/// `Dual` parameter (also a generic `S: Scalar` one, which it infers as `Dual`). A function
/// that takes `f32` there would drop the derivative; the compiler then reports this trait's
/// message, which shows how to write the helper. Not a public API.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `#[activation]` body passes a dual number to a function that takes `{T}`",
    label = "this carries the derivative (a `Dual` here), but the function takes `{T}`",
    note = "the body also runs on `Dual` to compute the derivative, so the functions it calls \
            must accept both: make the helper generic over `Scalar` (in the prelude), taking \
            every number as `S`: `fn helper<S: Scalar>(x: S) -> S`",
    note = "`Scalar` has `x.sigmoid()`, `x.softplus()`, `x.log_sigmoid()`, `x.exp()`, \
            `x.max(0.0)`, … and mixes with `f32` constants: `x * 0.5 + 1.0`"
)]
pub trait ScalarArg<T> {
    /// The argument as the parameter's type.
    fn scalar_arg(self) -> T;
}

impl ScalarArg<Dual> for Dual {
    #[inline]
    fn scalar_arg(self) -> Dual {
        self
    }
}
