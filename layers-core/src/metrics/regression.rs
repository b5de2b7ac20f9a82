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

use super::{Metric, Running};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::tensor::shape::differ_by_trailing_one;

/// Adds a batch of `f(ŷ − y)` to `running`, after checking the shapes.
fn add_errors(
    op: &'static str,
    running: &mut Running,
    y_true: &Tensor,
    y_pred: &Tensor,
    f: impl Fn(f64) -> f64,
) -> Result<()> {
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
    running.add_samples(sum, y_pred.len(), samples);
    Ok(())
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
#[derive(Clone, Debug, PartialEq)]
pub struct MeanAbsoluteError {
    name: String,
    running: Running,
}

impl Default for MeanAbsoluteError {
    fn default() -> Self {
        MeanAbsoluteError::new()
    }
}

impl MeanAbsoluteError {
    /// An empty metric named `mean_absolute_error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{MeanAbsoluteError, Metric};
    /// assert_eq!(MeanAbsoluteError::new().name(), "mean_absolute_error");
    /// ```
    pub fn new() -> MeanAbsoluteError {
        MeanAbsoluteError {
            name: "mean_absolute_error".to_string(),
            running: Running::default(),
        }
    }

    /// Renames the metric.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{MeanAbsoluteError, Metric};
    /// assert_eq!(MeanAbsoluteError::new().with_name("mae").name(), "mae");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> MeanAbsoluteError {
        self.name = name.into();
        self
    }
}

impl Metric for MeanAbsoluteError {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        add_errors(
            "mean_absolute_error",
            &mut self.running,
            y_true,
            y_pred,
            f64::abs,
        )
    }

    fn result(&self) -> f32 {
        self.running.result()
    }

    fn reset(&mut self) {
        self.running = Running::default();
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
#[derive(Clone, Debug, PartialEq)]
pub struct MeanSquaredError {
    name: String,
    running: Running,
}

impl Default for MeanSquaredError {
    fn default() -> Self {
        MeanSquaredError::new()
    }
}

impl MeanSquaredError {
    /// An empty metric named `mean_squared_error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{MeanSquaredError, Metric};
    /// assert_eq!(MeanSquaredError::new().name(), "mean_squared_error");
    /// ```
    pub fn new() -> MeanSquaredError {
        MeanSquaredError {
            name: "mean_squared_error".to_string(),
            running: Running::default(),
        }
    }

    /// Renames the metric.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{MeanSquaredError, Metric};
    /// assert_eq!(MeanSquaredError::new().with_name("mse").name(), "mse");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> MeanSquaredError {
        self.name = name.into();
        self
    }
}

impl Metric for MeanSquaredError {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        add_errors(
            "mean_squared_error",
            &mut self.running,
            y_true,
            y_pred,
            |d| d * d,
        )
    }

    fn result(&self) -> f32 {
        self.running.result()
    }

    fn reset(&mut self) {
        self.running = Running::default();
    }
}
