//! Sparse categorical crossentropy: categorical crossentropy with integer class labels
//! instead of one-hot rows.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Loss, SparseCategoricalCrossentropy};
//! let labels = Tensor::from_vec(vec![1.0], &[1]);
//! let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
//! let l = SparseCategoricalCrossentropy::new().compute(&labels, &p)?;
//! assert!((l.item() - 2f32.ln()).abs() < 1e-6);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::check::{check_prediction, sparse_labels};
use super::{EPSILON, Loss};
use crate::Tensor;
use crate::error::{Error, Result};

/// Crossentropy between integer class labels and predicted class probabilities over the
/// last axis (Keras's `SparseCategoricalCrossentropy`).
///
/// Labels are class indices stored as `f32`, of shape `(batch,)` or `(batch, 1)` for
/// predictions `(batch, classes)` (generally: the prediction's shape without, or with a
/// size-1, last axis). Each position costs `−ln p[label]`, where `p` is the prediction
/// divided by its sum over the last axis and clipped to `[1e-7, 1 − 1e-7]`; with
/// [`from_logits`](SparseCategoricalCrossentropy::from_logits) it is `−log_softmax(x)[label]`,
/// the fused, overflow-free softmax and crossentropy. Only the labelled entries are
/// gathered, so no one-hot matrix is built.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{Loss, SparseCategoricalCrossentropy};
/// let labels = Tensor::from_vec(vec![0.0, 2.0], &[2, 1]);
/// let logits = Tensor::from_vec(vec![1000.0, 0.0, -1000.0, 0.0, 0.0, 0.0], &[2, 3]).into_variable();
/// let loss = SparseCategoricalCrossentropy::new().from_logits(true).compute(&labels, &logits)?;
/// // sample 0 costs 0, sample 1 costs ln 3
/// assert!((loss.item() - 3f32.ln() / 2.0).abs() < 1e-6);
/// // the gradient is (softmax − one_hot) / batch
/// let g = loss.backward().get(&logits).unwrap().to_vec();
/// assert!((g[5] - (1.0 / 3.0 - 1.0) / 2.0).abs() < 1e-6);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseCategoricalCrossentropy {
    from_logits: bool,
}

impl SparseCategoricalCrossentropy {
    /// The loss on probabilities (Keras's default `from_logits=False`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{Loss, SparseCategoricalCrossentropy};
    /// assert_eq!(SparseCategoricalCrossentropy::new().name(), "sparse_categorical_crossentropy");
    /// ```
    pub fn new() -> SparseCategoricalCrossentropy {
        SparseCategoricalCrossentropy { from_logits: false }
    }

    /// Whether predictions are logits (no softmax applied) rather than probabilities.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, SparseCategoricalCrossentropy};
    /// let labels = Tensor::from_vec(vec![1.0], &[1]);
    /// let x = Tensor::from_vec(vec![0.0, 0.0], &[1, 2]);
    /// let l = SparseCategoricalCrossentropy::new().from_logits(true).compute(&labels, &x)?;
    /// assert!((l.item() - 2f32.ln()).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> SparseCategoricalCrossentropy {
        self.from_logits = from_logits;
        self
    }
}

impl Loss for SparseCategoricalCrossentropy {
    fn name(&self) -> &'static str {
        "sparse_categorical_crossentropy"
    }

    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name(), "from_logits": self.from_logits })
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.picked_log_p(y_true, y_pred)?.mean_all().neg())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let shape = &y_pred.shape()[..y_pred.rank().saturating_sub(1)];
        self.picked_log_p(y_true, y_pred)?.neg().try_reshape(shape)
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        let Some(&samples) = y_true.shape().first() else {
            return Err(Error::invalid(
                self.name(),
                "y_true is a scalar, but it needs a batch axis: shape (samples,)",
            ));
        };
        let mut pred_shape = vec![samples];
        pred_shape.extend_from_slice(output_shape);
        sparse_labels(self.name(), y_true, &pred_shape).map(drop)
    }
}

impl SparseCategoricalCrossentropy {
    /// The log-probability of each position's label, flat in row-major order.
    fn picked_log_p(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        check_prediction(self.name(), y_pred)?;
        let mut picks = sparse_labels(self.name(), y_true, y_pred.shape())?;
        let classes = y_pred.shape()[y_pred.rank() - 1];
        // Row-major flat index of each labelled entry.
        for (i, pick) in picks.iter_mut().enumerate() {
            *pick += i * classes;
        }
        let flat = [y_pred.len()];
        let picked_log_p = if self.from_logits {
            y_pred
                .log_softmax(-1)
                .reshape(&flat)
                .index_select(0, &picks)
        } else {
            // Clipping commutes with gathering, so only the picked entries are clipped.
            (y_pred / y_pred.sum(&[-1], true))
                .reshape(&flat)
                .index_select(0, &picks)
                .clamp(EPSILON, 1.0 - EPSILON)
                .ln()
        };
        Ok(picked_log_p)
    }
}
