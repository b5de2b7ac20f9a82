//! Top-k accuracy metrics: how often the target class is among the `k` largest
//! predictions (Keras's `TopKCategoricalAccuracy` and `SparseTopKCategoricalAccuracy`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Metric, SparseTopKCategoricalAccuracy};
//! let mut top2 = SparseTopKCategoricalAccuracy::new().k(2);
//! let probs = Tensor::from_vec(vec![0.1, 0.3, 0.6, 0.5, 0.4, 0.1], &[2, 3]);
//! top2.update(&Tensor::from_vec(vec![1.0, 2.0], &[2]), &probs)?;
//! assert_eq!(top2.result(), 0.5); // class 1 is 2nd in the first row, class 2 last in the second
//! # Ok::<(), layers_core::Error>(())
//! ```

use ndarray::Axis;

use super::accuracy::{argmax_lanes, check_classes, same_shape};
use super::{Batch, MeanMetric, Measure};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::loss::check::sparse_labels;

/// Keras's `in_top_k`: the class is in the top `k` when fewer than `k` predictions are
/// strictly larger than its own, so ties count in its favour; a NaN prediction at the
/// class counts as the smallest value (it is in the top `k` only if `k` covers every
/// class that is a number).
fn in_top_k(lane: ndarray::ArrayView1<'_, f32>, class: usize, k: usize) -> bool {
    let own = lane[class];
    let own = if own.is_nan() { f32::NEG_INFINITY } else { own };
    lane.iter().filter(|&&p| p > own).count() < k
}

/// Refuses `k = 0` (no class could ever be in the top 0), naming the metric.
fn check_k(op: &'static str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::invalid(
            op,
            "k must be at least 1, but it is 0 (no class is ever among the top 0)",
        ));
    }
    Ok(())
}

/// The matches of `classes` (one per lane of `y_pred`'s last axis, in row-major order).
fn top_k_matches(y_pred: &Tensor, classes: impl Iterator<Item = usize>, k: usize) -> usize {
    let last = Axis(y_pred.rank() - 1);
    y_pred
        .data()
        .lanes(last)
        .into_iter()
        .zip(classes)
        .filter(|(lane, class)| in_top_k(lane.view(), *class, k))
        .count()
}

/// The measure of [`TopKCategoricalAccuracy`]: 1 where the index of the largest target
/// is among the `k` largest predictions.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, Measure, TopKMatches};
/// let one_hot = Tensor::from_vec(vec![0.0, 0.0, 1.0], &[1, 3]);
/// let probs = Tensor::from_vec(vec![0.5, 0.3, 0.2], &[1, 3]);
/// assert_eq!(TopKMatches { k: 2 }.measure(&one_hot, &probs)?, Batch::new(0.0, 1, 1));
/// assert_eq!(TopKMatches { k: 3 }.measure(&one_hot, &probs)?, Batch::new(1.0, 1, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopKMatches {
    /// How many of the largest predictions count (5 by default, as in Keras).
    pub k: usize,
}

impl Default for TopKMatches {
    fn default() -> Self {
        TopKMatches { k: 5 }
    }
}

impl Measure for TopKMatches {
    const NAME: &'static str = "top_k_categorical_accuracy";

    fn config(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("k".into(), self.k.into());
        map
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        const OP: &str = "top_k_categorical_accuracy";
        check_k(OP, self.k)?;
        same_shape(OP, y_true, y_pred, false)?;
        check_classes(OP, y_pred)?;
        let matches = top_k_matches(y_pred, argmax_lanes(y_true), self.k);
        let positions = y_pred.len() / y_pred.shape()[y_pred.rank() - 1].max(1);
        Ok(Batch::new(matches as f64, positions, y_pred.shape()[0]))
    }
}

/// How often the index of the largest target is among the `k` largest predictions
/// (Keras's `TopKCategoricalAccuracy`, `k = 5` by default, for one-hot targets). Ties
/// count in the target's favour, as in Keras's `in_top_k`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, TopKCategoricalAccuracy};
/// let mut top1 = TopKCategoricalAccuracy::new().k(1);
/// let one_hot = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]);
/// // a tie with the target's prediction counts as a match
/// top1.update(&one_hot, &Tensor::from_vec(vec![0.5, 0.5, 0.3, 0.7], &[2, 2]))?;
/// assert_eq!((top1.name(), top1.result()), ("top_k_categorical_accuracy", 0.5));
/// // k = 0 is refused when the metric is updated, naming it
/// let err = TopKCategoricalAccuracy::new().k(0).update(&one_hot, &one_hot).unwrap_err();
/// assert!(err.to_string().starts_with("`top_k_categorical_accuracy`: k must be at least 1"));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type TopKCategoricalAccuracy = MeanMetric<TopKMatches>;

impl MeanMetric<TopKMatches> {
    /// Sets how many of the largest predictions count (Keras's `k`); 0 is refused by
    /// [`Metric::update`](super::Metric::update) and by
    /// [`metric_from_config`](super::metric_from_config).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::TopKCategoricalAccuracy;
    /// assert_eq!(TopKCategoricalAccuracy::new().k(3).measure().k, 3);
    /// assert_eq!(TopKCategoricalAccuracy::new().measure().k, 5);
    /// ```
    pub fn k(mut self, k: usize) -> Self {
        self.measure_mut().k = k;
        self
    }
}

/// The measure of [`SparseTopKCategoricalAccuracy`]: 1 where the integer label is among
/// the `k` largest predictions.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, Measure, SparseTopKMatches};
/// let probs = Tensor::from_vec(vec![0.5, 0.3, 0.2], &[1, 3]);
/// let label = Tensor::from_vec(vec![1.0], &[1]);
/// assert_eq!(SparseTopKMatches { k: 2 }.measure(&label, &probs)?, Batch::new(1.0, 1, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SparseTopKMatches {
    /// How many of the largest predictions count (5 by default, as in Keras).
    pub k: usize,
}

impl Default for SparseTopKMatches {
    fn default() -> Self {
        SparseTopKMatches { k: 5 }
    }
}

impl Measure for SparseTopKMatches {
    const NAME: &'static str = "sparse_top_k_categorical_accuracy";

    fn config(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("k".into(), self.k.into());
        map
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        const OP: &str = "sparse_top_k_categorical_accuracy";
        check_k(OP, self.k)?;
        check_classes(OP, y_pred)?;
        // The shared label check's hint for one-hot targets names the loss; here it is
        // the one-hot form of this metric.
        if y_true.shape() == y_pred.shape() && y_pred.shape()[y_pred.rank() - 1] > 1 {
            return Err(Error::incompatible(
                OP,
                y_true.shape(),
                y_pred.shape(),
                "integer labels have one axis fewer than the predictions; one-hot labels \
                 need `top_k_categorical_accuracy`",
            ));
        }
        let labels = sparse_labels(OP, y_true, y_pred.shape())?;
        let matches = top_k_matches(y_pred, labels.iter().copied(), self.k);
        Ok(Batch::new(matches as f64, labels.len(), y_pred.shape()[0]))
    }
}

/// How often the integer label is among the `k` largest predictions (Keras's
/// `SparseTopKCategoricalAccuracy`, `k = 5` by default). Labels are class indices stored
/// as `f32`, of shape `(batch,)` or `(batch, 1)` for predictions `(batch, classes)`; ties
/// count in the label's favour, as in Keras's `in_top_k`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, SparseTopKCategoricalAccuracy};
/// let mut top2 = SparseTopKCategoricalAccuracy::new().k(2);
/// let probs = Tensor::from_vec(vec![0.2, 0.3, 0.5], &[1, 3]);
/// top2.update(&Tensor::from_vec(vec![1.0], &[1]), &probs)?;
/// assert_eq!(top2.result(), 1.0);
/// // a label that is no class index is refused, the state unchanged
/// let err = top2.update(&Tensor::from_vec(vec![3.0], &[1]), &probs).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "`sparse_top_k_categorical_accuracy`: label 3 at sample 0 is out of range for 3 classes"
/// );
/// assert_eq!(top2.result(), 1.0);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type SparseTopKCategoricalAccuracy = MeanMetric<SparseTopKMatches>;

impl MeanMetric<SparseTopKMatches> {
    /// Sets how many of the largest predictions count (Keras's `k`); 0 is refused by
    /// [`Metric::update`](super::Metric::update) and by
    /// [`metric_from_config`](super::metric_from_config).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::SparseTopKCategoricalAccuracy;
    /// assert_eq!(SparseTopKCategoricalAccuracy::new().k(1).measure().k, 1);
    /// ```
    pub fn k(mut self, k: usize) -> Self {
        self.measure_mut().k = k;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_and_nan_follow_keras_in_top_k() {
        let lane = ndarray::arr1(&[0.5f32, 0.5, 0.5, 0.1]);
        // three-way tie for first: each tied class is in the top 1
        assert!(in_top_k(lane.view(), 2, 1));
        assert!(!in_top_k(lane.view(), 3, 3));
        assert!(in_top_k(lane.view(), 3, 4));
        let nan = ndarray::arr1(&[f32::NAN, 0.2, 0.1]);
        // NaN at the class is the smallest value; NaN elsewhere is never larger
        assert!(!in_top_k(nan.view(), 0, 2));
        assert!(in_top_k(nan.view(), 0, 3));
        assert!(in_top_k(nan.view(), 2, 2));
    }
}
