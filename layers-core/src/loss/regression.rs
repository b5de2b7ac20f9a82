//! The regression losses: mean squared error, mean absolute error and Huber.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Huber, Loss};
//! let y = Tensor::zeros(&[1, 2]);
//! let p = Tensor::from_vec(vec![0.5, 3.0], &[1, 2]);
//! // 0.5·0.5² = 0.125 (quadratic) and 1·3 − 0.5 = 2.5 (linear); mean 1.3125
//! assert_eq!(Huber::new().compute(&y, &p)?.item(), 1.3125);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::Loss;
use super::check::{align, last_axis_mean, validate_dense};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// Mean of the squared differences, `mean((ŷ − y)²)` (Keras's `MeanSquaredError`, `mse`).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{Loss, MeanSquaredError};
/// let y = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
/// let p = Tensor::from_vec(vec![2.0, 0.0], &[2, 1]);
/// assert_eq!(MeanSquaredError::new().compute(&y, &p)?.item(), 2.5); // (1 + 4) / 2
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

impl MeanSquaredError {
    /// The loss (it has no parameters).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{Loss, MeanSquaredError};
    /// assert_eq!(MeanSquaredError::new().name(), "mean_squared_error");
    /// ```
    pub fn new() -> MeanSquaredError {
        MeanSquaredError
    }
}

impl Loss for MeanSquaredError {
    fn name(&self) -> &'static str {
        "mean_squared_error"
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let y_true = align(self.name(), y_true, y_pred)?;
        // With equally long lanes, the mean over the last axis then over the batch is the
        // mean over everything.
        Ok((y_pred - &y_true).square().mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let y_true = align(self.name(), y_true, y_pred)?;
        Ok(last_axis_mean((y_pred - &y_true).square()))
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        validate_dense(self.name(), y_true, output_shape)
    }
}

/// Mean of the absolute differences, `mean(|ŷ − y|)` (Keras's `MeanAbsoluteError`, `mae`);
/// the gradient at a zero difference is 0.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{Loss, MeanAbsoluteError};
/// let y = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
/// let p = Tensor::from_vec(vec![2.0, 0.0], &[1, 2]);
/// assert_eq!(MeanAbsoluteError::new().compute(&y, &p)?.item(), 1.5); // (1 + 2) / 2
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanAbsoluteError;

impl MeanAbsoluteError {
    /// The loss (it has no parameters).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{Loss, MeanAbsoluteError};
    /// assert_eq!(MeanAbsoluteError::new().name(), "mean_absolute_error");
    /// ```
    pub fn new() -> MeanAbsoluteError {
        MeanAbsoluteError
    }
}

impl Loss for MeanAbsoluteError {
    fn name(&self) -> &'static str {
        "mean_absolute_error"
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let y_true = align(self.name(), y_true, y_pred)?;
        Ok((y_pred - &y_true).abs().mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let y_true = align(self.name(), y_true, y_pred)?;
        Ok(last_axis_mean((y_pred - &y_true).abs()))
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        validate_dense(self.name(), y_true, output_shape)
    }
}

/// The Huber loss: quadratic for small errors, linear for large ones (Keras's `Huber`,
/// default `delta = 1`).
///
/// With `e = ŷ − y`, each element costs `e²/2` where `|e| ≤ delta` and
/// `delta·|e| − delta²/2` elsewhere.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{Huber, Loss};
/// let y = Tensor::zeros(&[2, 1]);
/// let p = Tensor::from_vec(vec![1.0, -4.0], &[2, 1]);
/// // delta 2: 1²/2 = 0.5 and 2·4 − 2 = 6, mean 3.25
/// assert_eq!(Huber::new().delta(2.0).compute(&y, &p)?.item(), 3.25);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber {
    delta: f32,
}

impl Default for Huber {
    fn default() -> Self {
        Huber::new()
    }
}

impl Huber {
    /// The loss with Keras's default `delta = 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::Huber;
    /// assert_eq!(Huber::new(), Huber::new().delta(1.0));
    /// ```
    pub fn new() -> Huber {
        Huber { delta: 1.0 }
    }

    /// Sets the error size where the loss turns from quadratic to linear.
    ///
    /// A negative or non-finite `delta` is reported by [`Loss::compute`] and
    /// [`Loss::validate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Huber, Loss};
    /// let (y, p) = (Tensor::zeros(&[1, 1]), Tensor::full(&[1, 1], 3.0));
    /// assert_eq!(Huber::new().delta(0.5).compute(&y, &p)?.item(), 1.375); // 0.5·3 − 0.125
    /// assert!(Huber::new().delta(-1.0).compute(&y, &p).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn delta(mut self, delta: f32) -> Huber {
        self.delta = delta;
        self
    }

    /// Refuses a `delta` that is not a finite number ≥ 0.
    pub(crate) fn check(&self) -> Result<()> {
        if self.delta.is_finite() && self.delta >= 0.0 {
            Ok(())
        } else {
            Err(Error::invalid(
                self.name(),
                format!(
                    "delta must be a finite number ≥ 0, but it is {}",
                    self.delta
                ),
            ))
        }
    }
}

impl Loss for Huber {
    fn name(&self) -> &'static str {
        "huber_loss"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name(), "delta": f32_to_json(self.delta) })
    }

    fn check_settings(&self) -> Result<()> {
        self.check()
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.per_element(y_true, y_pred)?.mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(last_axis_mean(self.per_element(y_true, y_pred)?))
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        self.check()?;
        validate_dense(self.name(), y_true, output_shape)
    }
}

impl Huber {
    /// Each element's cost, before any reduction.
    fn per_element(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        self.check()?;
        let y_true = align(self.name(), y_true, y_pred)?;
        let delta = self.delta;
        // One fused pass with the exact derivative: e inside the quadratic zone, ±delta
        // outside (the zone includes its border, as Keras's `abs_error <= delta`).
        let per_element = (y_pred - &y_true).map_with_derivative(
            move |e| {
                if e.abs() <= delta {
                    0.5 * e * e
                } else {
                    delta * e.abs() - 0.5 * delta * delta
                }
            },
            move |e| {
                if e.abs() <= delta {
                    e
                } else {
                    delta * e.signum()
                }
            },
        );
        Ok(per_element)
    }
}
