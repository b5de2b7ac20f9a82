//! Regression losses on a rescaled error: the mean absolute percentage error, the mean
//! squared logarithmic error and log-cosh (Keras's `MeanAbsolutePercentageError`,
//! `MeanSquaredLogarithmicError` and `LogCosh`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Loss, MeanAbsolutePercentageError};
//! let y = Tensor::from_vec(vec![2.0, 4.0], &[1, 2]);
//! let p = Tensor::from_vec(vec![3.0, 3.0], &[1, 2]);
//! assert_eq!(MeanAbsolutePercentageError::new().compute(&y, &p)?.item(), 37.5); // 50 % and 25 %
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::check::{align, last_axis_mean, validate_dense};
use super::crossentropy::softplus;
use super::{EPSILON, Loss};
use crate::Tensor;
use crate::error::Result;

/// A loss with no settings whose targets have the predictions' shape; `$body` gives its
/// per-position values ([`Loss::values`]), whose mean is the loss.
macro_rules! dense_loss {
    ($(#[$doc:meta])* $ty:ident, $name:literal, |$y:ident, $p:ident| $body:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq)]
        pub struct $ty;

        impl $ty {
            /// The loss (it has no parameters).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::loss::{Loss, ", stringify!($ty), "};")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::new().name(), \"", $name, "\");")]
            /// ```
            pub fn new() -> $ty {
                $ty
            }
        }

        impl Loss for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
                Ok(self.values(y_true, y_pred)?.mean_all())
            }

            fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
                let $y = align(self.name(), y_true, y_pred)?;
                let $p = y_pred;
                Ok($body)
            }

            fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
                validate_dense(self.name(), y_true, output_shape)
            }
        }
    };
}
pub(super) use dense_loss;

dense_loss!(
    /// `100·mean(|(y − ŷ) / max(|y|, ε)|)` (Keras's `MeanAbsolutePercentageError`, `mape`),
    /// `ε = 1e-7`: a target of 0 divides by `ε`. The gradient at a zero error is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, MeanAbsolutePercentageError};
    /// let y = Tensor::from_vec(vec![4.0, -2.0], &[2, 1]);
    /// let p = Tensor::from_vec(vec![5.0, -1.0], &[2, 1]);
    /// assert_eq!(MeanAbsolutePercentageError::new().compute(&y, &p)?.item(), 37.5); // 25 % and 50 %
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    MeanAbsolutePercentageError,
    "mean_absolute_percentage_error",
    |y, p| {
        let denominator = y.abs().maximum(EPSILON);
        last_axis_mean((&y - p).div(&denominator).abs()).scale(100.0)
    }
);

dense_loss!(
    /// `mean((ln(max(ŷ, ε) + 1) − ln(max(y, ε) + 1))²)` (Keras's
    /// `MeanSquaredLogarithmicError`, `msle`): values below `ε = 1e-7` count as `ε`, and
    /// a prediction below `ε` gets no gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, MeanSquaredLogarithmicError};
    /// let y = Tensor::from_vec(vec![3.0], &[1, 1]);
    /// let l = MeanSquaredLogarithmicError::new().compute(&y, &Tensor::from_vec(vec![3.0], &[1, 1]))?;
    /// assert_eq!(l.item(), 0.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    MeanSquaredLogarithmicError,
    "mean_squared_logarithmic_error",
    |y, p| {
        let first = p.maximum(EPSILON).shift(1.0).ln();
        let second = y.maximum(EPSILON).shift(1.0).ln();
        last_axis_mean((first - second).square())
    }
);

/// `ln 2` in `f32`, as Keras's `ops.log(2.0)`.
const LN_2: f32 = std::f32::consts::LN_2;

dense_loss!(
    /// `mean(ln(cosh(ŷ − y)))` (Keras's `LogCosh`, `log_cosh`), computed as Keras does,
    /// `x + softplus(−2x) − ln 2`, so that it does not overflow for large errors; the
    /// gradient is `tanh(ŷ − y)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{LogCosh, Loss};
    /// let l = LogCosh::new().compute(&Tensor::zeros(&[1, 2]), &Tensor::from_vec(vec![0.0, 100.0], &[1, 2]))?;
    /// assert!((l.item() - (100.0 - 2f32.ln()) / 2.0).abs() < 1e-4); // ln cosh 100 ≈ 100 − ln 2
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    LogCosh,
    "log_cosh",
    |y, p| {
        last_axis_mean(
            (p - &y).map_with_derivative(|x| x + softplus(x * -2.0) - LN_2, f32::tanh),
        )
    }
);
