//! `Mean`: the weighted running mean of a value, which is how Keras reports the loss
//! (each batch's loss weighted by its number of samples).
//!
//! ```
//! use layers_core::metrics::{Mean, Metric};
//! let mut loss = Mean::new().with_name("loss");
//! loss.update_state(1.0, 32.0); // a batch of 32 with loss 1
//! loss.update_state(4.0, 16.0); // a last, smaller batch
//! assert_eq!(loss.result(), 2.0); // (32 + 64) / 48
//! ```

use super::{Metric, Running};
use crate::Tensor;
use crate::error::Result;

/// The weighted running mean of the values it is given (Keras's `keras.metrics.Mean`).
///
/// The training loop feeds it each batch's loss with the batch size as weight, so the
/// epoch's loss is the mean over samples, as Keras reports it. Through [`Metric::update`]
/// it takes the values in `y_pred` (ignoring `y_true`): each sample's mean counts once.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Mean, Metric};
/// let mut m = Mean::new();
/// m.update(&Tensor::zeros(&[0]), &Tensor::from_vec(vec![1.0, 2.0, 6.0], &[3]))?;
/// assert_eq!((m.name(), m.result()), ("mean", 3.0));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mean {
    name: String,
    running: Running,
}

impl Default for Mean {
    fn default() -> Self {
        Mean::new()
    }
}

impl Mean {
    /// An empty mean named `mean`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// assert_eq!(Mean::new().result(), 0.0);
    /// ```
    pub fn new() -> Mean {
        Mean {
            name: "mean".to_string(),
            running: Running::default(),
        }
    }

    /// Renames the metric (`loss`, `val_loss`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// assert_eq!(Mean::new().with_name("loss").name(), "loss");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Mean {
        self.name = name.into();
        self
    }

    /// Adds `value` with weight `sample_weight` (Keras's `update_state(value,
    /// sample_weight)`); the result is `Σ value·weight / Σ weight`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// let mut m = Mean::new();
    /// m.update_state(0.5, 3.0);
    /// m.update_state(1.5, 1.0);
    /// assert_eq!(m.result(), 0.75);
    /// ```
    pub fn update_state(&mut self, value: f32, sample_weight: f32) {
        self.running.add(f64::from(value), f64::from(sample_weight));
    }
}

impl Metric for Mean {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, _y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        let sum: f64 = y_pred.data().iter().map(|&v| f64::from(v)).sum();
        let samples = y_pred.shape().first().copied().unwrap_or(1);
        self.running.add_samples(sum, y_pred.len(), samples);
        Ok(())
    }

    fn result(&self) -> f32 {
        self.running.result()
    }

    fn reset(&mut self) {
        self.running = Running::default();
    }
}
