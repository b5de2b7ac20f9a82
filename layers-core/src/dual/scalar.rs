//! `Dual` as a [`Scalar`] (and an [`Erf`]), so that helpers generic over `Scalar` carry the
//! derivative; and the conversion through which `#[activation]` passes dual numbers to the
//! functions its body calls, whose error message says how to write such a helper.

use super::Dual;
use crate::math::{Erf, Scalar, normal_pdf_f64, sigmoid_f64};

impl Erf for Dual {
    #[inline]
    fn erf(self) -> Dual {
        Dual::erf(self)
    }

    #[inline]
    fn erfc(self) -> Dual {
        Dual::erfc(self)
    }
}

impl Scalar for Dual {
    #[inline]
    fn to_f32(self) -> f32 {
        self.value
    }

    #[inline]
    fn is_nan(self) -> bool {
        Dual::is_nan(self)
    }

    #[inline]
    fn abs(self) -> Dual {
        Dual::abs(self)
    }

    #[inline]
    fn max(self, other: impl Into<Dual>) -> Dual {
        Dual::max(self, other)
    }

    #[inline]
    fn min(self, other: impl Into<Dual>) -> Dual {
        Dual::min(self, other)
    }

    #[inline]
    fn clamp(self, min: impl Into<Dual>, max: impl Into<Dual>) -> Dual {
        Dual::clamp(self, min, max)
    }

    #[inline]
    fn sqrt(self) -> Dual {
        Dual::sqrt(self)
    }

    #[inline]
    fn exp(self) -> Dual {
        Dual::exp(self)
    }

    #[inline]
    fn exp_m1(self) -> Dual {
        Dual::exp_m1(self)
    }

    #[inline]
    fn ln(self) -> Dual {
        Dual::ln(self)
    }

    #[inline]
    fn ln_1p(self) -> Dual {
        Dual::ln_1p(self)
    }

    #[inline]
    fn powi(self, n: i32) -> Dual {
        Dual::powi(self, n)
    }

    #[inline]
    fn powf(self, y: impl Into<Dual>) -> Dual {
        Dual::powf(self, y)
    }

    #[inline]
    fn recip(self) -> Dual {
        Dual::recip(self)
    }

    #[inline]
    fn sin(self) -> Dual {
        Dual::sin(self)
    }

    #[inline]
    fn cos(self) -> Dual {
        Dual::cos(self)
    }

    #[inline]
    fn tanh(self) -> Dual {
        Dual::tanh(self)
    }

    // The values are the `f32` ones bit for bit; the derivatives come from closed forms in
    // `f64`, where σ(x)·σ(−x) neither overflows nor cancels.

    #[inline]
    fn sigmoid(self) -> Dual {
        // σ(x)·σ(−x) = e/(1 + e)² with e = e^(−|x|) ≤ 1: one exponential, no overflow.
        let e = (-f64::from(self.value).abs()).exp();
        self.chain(self.value.sigmoid(), e / ((1.0 + e) * (1.0 + e)))
    }

    #[inline]
    fn softplus(self) -> Dual {
        self.chain(self.value.softplus(), sigmoid_f64(f64::from(self.value)))
    }

    #[inline]
    fn log_sigmoid(self) -> Dual {
        self.chain(
            self.value.log_sigmoid(),
            sigmoid_f64(-f64::from(self.value)),
        )
    }

    #[inline]
    fn normal_cdf(self) -> Dual {
        self.chain(
            self.value.normal_cdf(),
            normal_pdf_f64(f64::from(self.value)),
        )
    }
}

/// A call `helper(a, b, …)` in the dual-number copy of an `#[activation]` body, some of
/// whose arguments are dual numbers: `#[activation]` writes it as
/// `DualCall { f: &helper, args: (a, b, …) }.__layers_call()`. When `helper` accepts the
/// arguments (its parameters are `Dual`, or a generic `S: Scalar`, which becomes `Dual`), the
/// call is made ([`DualCallScalar`]); otherwise the method found is [`DualCallF32`]'s, whose
/// bound `TakesScalar` fails with a message that shows how to write the helper, instead of
/// a bare "expected `f32`, found `Dual`". Not a public API.
pub struct DualCall<F, Args> {
    /// The function called.
    pub f: F,
    /// The arguments, as a tuple.
    pub args: Args,
}

/// The call, when the function accepts the arguments. Not a public API.
pub trait DualCallScalar {
    /// What the function returns.
    type Output;
    /// Makes the call.
    fn __layers_call(self) -> Self::Output;
}

macro_rules! dual_call_arities {
    ($(($($A:ident $i:tt),+))*) => {$(
        impl<F: ?Sized + Fn($($A),+) -> R, $($A,)+ R> DualCallScalar for DualCall<&F, ($($A,)+)> {
            type Output = R;
            #[inline(always)]
            fn __layers_call(self) -> R {
                (self.f)($(self.args.$i),+)
            }
        }
    )*};
}

dual_call_arities! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, G 5)
    (A 0, B 1, C 2, D 3, E 4, G 5, H 6)
    (A 0, B 1, C 2, D 3, E 4, G 5, H 6, I 7)
}

/// What method lookup falls back to (one reference further) when the function does not
/// accept the arguments: its bound reports the mistake. Not a public API.
pub trait DualCallF32<F: ?Sized> {
    /// Never callable: no type implements `TakesScalar`.
    fn __layers_call(self) -> Dual
    where
        F: TakesScalar;
}

impl<F: ?Sized, Args> DualCallF32<F> for &DualCall<&F, Args> {
    #[inline]
    fn __layers_call(self) -> Dual
    where
        F: TakesScalar,
    {
        unreachable!("no type implements `TakesScalar`")
    }
}

/// Implemented by no type: its message is the error for a function that an `#[activation]`
/// body passes dual numbers to and that cannot take them. Not a public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take the dual numbers that `#[activation]` passes it",
    label = "the body also runs on `Dual` (value and derivative), so this is called with `Dual`",
    note = "make the helper generic over `Scalar` (in the prelude), which `f32` and `Dual` both \
            implement, and take every number as `S`: `fn helper<S: Scalar>(x: S) -> S`",
    note = "`Scalar` has stable `x.sigmoid()`, `x.softplus()`, `x.log_sigmoid()`, \
            `x.normal_cdf()`, and `x.exp()`, `x.max(0.0)`, `x * 0.5 + 1.0`, …"
)]
pub trait TakesScalar {}
