//! Regression metrics: the running mean absolute, squared, absolute percentage and squared
//! logarithmic errors, and the root of the mean squared error.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{MeanSquaredError, Metric};
//! let mut mse = MeanSquaredError::new();
//! mse.update(&Tensor::zeros(&[1, 2]), &Tensor::from_vec(vec![1.0, 3.0], &[1, 2]))?;
//! assert_eq!(mse.result(), 5.0); // (1 + 9) / 2
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::{Batch, MeanMetric, Measure, Metric};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::loss::EPSILON;
use crate::tensor::shape::differ_by_trailing_one;

/// The batch of `f(y, ŷ)` at every position, after checking the shapes.
fn errors(
    op: &'static str,
    y_true: &Tensor,
    y_pred: &Tensor,
    f: impl Fn(f32, f32) -> f64,
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
        .map(|(&t, &p)| f(t, p))
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
        errors(Self::NAME, y_true, y_pred, |t, p| {
            (f64::from(p) - f64::from(t)).abs()
        })
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
        errors(Self::NAME, y_true, y_pred, |t, p| {
            (f64::from(p) - f64::from(t)).powi(2)
        })
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

/// The measure of [`MeanAbsolutePercentageError`]: `100·|(y − ŷ) / max(|y|, ε)|` at every
/// position, in `f32` in Keras's order (`ε = 1e-7`, Keras's `backend.epsilon()`).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, Measure, PercentageError};
/// let y = Tensor::from_vec(vec![2.0, 4.0], &[1, 2]);
/// let batch = PercentageError.measure(&y, &Tensor::from_vec(vec![3.0, 3.0], &[1, 2]))?;
/// assert_eq!(batch, Batch::new(75.0, 2, 1)); // 50 % and 25 %
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PercentageError;

impl Measure for PercentageError {
    const NAME: &'static str = "mean_absolute_percentage_error";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        errors(Self::NAME, y_true, y_pred, |t, p| {
            f64::from(100.0 * ((t - p) / t.abs().max(EPSILON)).abs())
        })
    }
}

/// The running mean of `100·|(y − ŷ) / max(|y|, ε)|` (Keras's
/// `MeanAbsolutePercentageError` metric, `mape`).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{MeanAbsolutePercentageError, Metric};
/// let mut mape = MeanAbsolutePercentageError::new();
/// mape.update(&Tensor::from_vec(vec![2.0, 4.0], &[2, 1]), &Tensor::from_vec(vec![1.0, 5.0], &[2, 1]))?;
/// assert_eq!(mape.result(), 37.5); // (50 + 25) / 2
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type MeanAbsolutePercentageError = MeanMetric<PercentageError>;

/// The measure of [`MeanSquaredLogarithmicError`]: `(ln(max(ŷ, ε) + 1) − ln(max(y, ε) +
/// 1))²` at every position, in `f32` in Keras's order.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Measure, SquaredLogError};
/// let batch = SquaredLogError.measure(&Tensor::ones(&[1, 1]), &Tensor::full(&[1, 1], 3.0))?;
/// let d = 4f32.ln() - 2f32.ln(); // ln(3 + 1) − ln(1 + 1) = ln 2
/// assert_eq!(batch, layers_core::metrics::Batch::new(f64::from(d * d), 1, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredLogError;

impl Measure for SquaredLogError {
    const NAME: &'static str = "mean_squared_logarithmic_error";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        errors(Self::NAME, y_true, y_pred, |t, p| {
            let d = (p.max(EPSILON) + 1.0).ln() - (t.max(EPSILON) + 1.0).ln();
            f64::from(d * d)
        })
    }
}

/// The running mean of `(ln(max(ŷ, ε) + 1) − ln(max(y, ε) + 1))²` (Keras's
/// `MeanSquaredLogarithmicError` metric, `msle`): values below `ε = 1e-7` count as `ε`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{MeanSquaredLogarithmicError, Metric};
/// let mut msle = MeanSquaredLogarithmicError::new();
/// msle.update(&Tensor::full(&[1, 1], 3.0), &Tensor::full(&[1, 1], 3.0))?;
/// assert_eq!(msle.result(), 0.0);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type MeanSquaredLogarithmicError = MeanMetric<SquaredLogError>;

/// The square root of the running mean of `(ŷ − y)²` (Keras's `RootMeanSquaredError`):
/// the root is taken of the mean over every sample seen, not averaged over batches.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, RootMeanSquaredError};
/// let mut rmse = RootMeanSquaredError::new();
/// rmse.update(&Tensor::zeros(&[1, 1]), &Tensor::full(&[1, 1], 4.0))?;
/// rmse.update(&Tensor::zeros(&[1, 1]), &Tensor::full(&[1, 1], 2.0))?;
/// // √((16 + 4) / 2) = √10, not (4 + 2) / 2
/// assert_eq!((rmse.name(), rmse.result()), ("root_mean_squared_error", 10.0f32.sqrt()));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RootMeanSquaredError {
    squared: MeanMetric<RootSquared>,
}

/// `(ŷ − y)²` under the name of [`RootMeanSquaredError`], so that its errors and its
/// config's `metric` name it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct RootSquared;

impl Measure for RootSquared {
    const NAME: &'static str = "root_mean_squared_error";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        errors(Self::NAME, y_true, y_pred, |t, p| {
            (f64::from(p) - f64::from(t)).powi(2)
        })
    }
}

impl Default for RootMeanSquaredError {
    fn default() -> Self {
        RootMeanSquaredError::new()
    }
}

impl RootMeanSquaredError {
    /// The name it is reported under by default, and its `metric` in configs.
    pub const NAME: &'static str = "root_mean_squared_error";

    /// An empty metric named `root_mean_squared_error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Metric, RootMeanSquaredError};
    /// assert_eq!(RootMeanSquaredError::new().result(), 0.0);
    /// ```
    pub fn new() -> RootMeanSquaredError {
        RootMeanSquaredError {
            squared: MeanMetric::new(),
        }
    }

    /// Renames the metric (the name `fit`'s logs and the history use).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Metric, RootMeanSquaredError};
    /// assert_eq!(RootMeanSquaredError::new().with_name("rmse").name(), "rmse");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.squared = self.squared.with_name(name);
        self
    }
}

impl Metric for RootMeanSquaredError {
    fn name(&self) -> &str {
        self.squared.name()
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        self.squared.update(y_true, y_pred)
    }

    /// Keras's `RootMeanSquaredError` weighs the squared errors and ignores the mask.
    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        _mask: Option<&Tensor>,
    ) -> Result<()> {
        self.squared
            .update_weighted(y_true, y_pred, sample_weight, None)
    }

    fn takes_sample_weight(&self) -> bool {
        true
    }

    fn result(&self) -> f32 {
        self.squared.result().sqrt()
    }

    fn reset(&mut self) {
        self.squared.reset();
    }

    fn config(&self) -> serde_json::Value {
        self.squared.config()
    }
}
