//! Regression metrics: the running mean absolute and mean squared errors.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{MeanSquaredError, Metric};
//! let mut mse = MeanSquaredError::new();
//! mse.update(&Tensor::zeros(&[1, 2]), &Tensor::from_vec(vec![1.0, 3.0], &[1, 2]))?;
//! assert_eq!(mse.result(), 5.0); // (1 + 9) / 2
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::{Batch, MeanMetric, Measure};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::tensor::shape::differ_by_trailing_one;

/// The batch of `f(ŷ − y)`, after checking the shapes.
fn errors(
    op: &'static str,
    y_true: &Tensor,
    y_pred: &Tensor,
    f: impl Fn(f64) -> f64,
) -> Result<Batch> {
    let (t, p) = (y_true.shape(), y_pred.shape());
    let Some(&samples) = p.first() else {
        return Err(Error::invalid(
            op,
            "y_pred is a scalar, but it needs a batch axis: shape (batch, …)",
        ));
    };
    if t != p && !differ_by_trailing_one(t, p) {
        return Err(Error::incompatible(
            op,
            t,
            p,
            "y_true and y_pred must have the same shape",
        ));
    }
    let sum: f64 = y_true
        .data()
        .iter()
        .zip(y_pred.data().iter())
        .map(|(&t, &p)| f(f64::from(p) - f64::from(t)))
        .sum();
    Ok(Batch::new(sum, y_pred.len(), samples))
}

/// The measure of [`MeanAbsoluteError`]: `|ŷ − y|` at every position.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{AbsoluteError, Batch, Measure};
/// let batch = AbsoluteError.measure(&Tensor::zeros(&[1, 2]), &Tensor::from_vec(vec![-1.0, 3.0], &[1, 2]))?;
/// assert_eq!(batch, Batch::new(4.0, 2, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbsoluteError;

impl Measure for AbsoluteError {
    const NAME: &'static str = "mean_absolute_error";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        errors(Self::NAME, y_true, y_pred, f64::abs)
    }
}

/// The running mean of `|ŷ − y|` (Keras's `MeanAbsoluteError` metric, `mae`).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{MeanAbsoluteError, Metric};
/// let mut mae = MeanAbsoluteError::new();
/// mae.update(&Tensor::from_vec(vec![1.0, 2.0], &[2]), &Tensor::from_vec(vec![1.5, 1.0], &[2, 1]))?;
/// assert_eq!(mae.result(), 0.75);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type MeanAbsoluteError = MeanMetric<AbsoluteError>;

/// The measure of [`MeanSquaredError`]: `(ŷ − y)²` at every position.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, Measure, SquaredError};
/// let batch = SquaredError.measure(&Tensor::zeros(&[1, 2]), &Tensor::from_vec(vec![-1.0, 3.0], &[1, 2]))?;
/// assert_eq!(batch, Batch::new(10.0, 2, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredError;

impl Measure for SquaredError {
    const NAME: &'static str = "mean_squared_error";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        errors(Self::NAME, y_true, y_pred, |d| d * d)
    }
}

/// The running mean of `(ŷ − y)²` (Keras's `MeanSquaredError` metric, `mse`).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{MeanSquaredError, Metric};
/// let mut mse = MeanSquaredError::new();
/// mse.update(&Tensor::zeros(&[2, 1]), &Tensor::from_vec(vec![2.0, 0.0], &[2, 1]))?;
/// mse.update(&Tensor::zeros(&[1, 1]), &Tensor::from_vec(vec![1.0], &[1, 1]))?;
/// assert_eq!(mse.result(), 5.0 / 3.0); // (4 + 0 + 1) / 3 samples
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type MeanSquaredError = MeanMetric<SquaredError>;
