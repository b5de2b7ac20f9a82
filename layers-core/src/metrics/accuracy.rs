//! Accuracy metrics: how often the predicted class (or thresholded probability) equals the
//! target.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{BinaryAccuracy, Metric};
//! let mut acc = BinaryAccuracy::new();
//! acc.update(&Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[4, 1]), &Tensor::from_vec(vec![0.9, 0.2, 0.4, 0.6], &[4, 1]))?;
//! assert_eq!(acc.result(), 0.75);
//! # Ok::<(), layers_core::Error>(())
//! ```

use ndarray::{ArrayView1, Axis};

use super::{Batch, MeanMetric, Measure, Metric};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::tensor::shape::differ_by_trailing_one;

/// The index of the largest value, the first one on ties (as NumPy's `argmax`).
fn argmax(lane: ArrayView1<'_, f32>) -> usize {
    let mut best = 0;
    for (i, &v) in lane.iter().enumerate() {
        if v > lane[best] {
            best = i;
        }
    }
    best
}

/// The argmax over the last axis of every lane, in row-major order.
pub(super) fn argmax_lanes(t: &Tensor) -> impl Iterator<Item = usize> + '_ {
    let last = Axis(t.rank().saturating_sub(1));
    t.data().lanes(last).into_iter().map(argmax)
}

/// Checks that predictions have a batch axis and a class axis.
pub(super) fn check_classes(op: &'static str, y_pred: &Tensor) -> Result<()> {
    if y_pred.rank() < 2 {
        return Err(Error::invalid(
            op,
            format!(
                "y_pred of shape {:?} needs a batch axis and a class axis: shape (batch, classes)",
                y_pred.shape()
            ),
        ));
    }
    Ok(())
}

pub(super) fn same_shape(
    op: &'static str,
    y_true: &Tensor,
    y_pred: &Tensor,
    allow_trailing_one: bool,
) -> Result<()> {
    if y_pred.rank() == 0 {
        return Err(Error::invalid(
            op,
            "y_pred is a scalar, but it needs a batch axis: shape (batch, …)",
        ));
    }
    let (t, p) = (y_true.shape(), y_pred.shape());
    if t == p || (allow_trailing_one && differ_by_trailing_one(t, p)) {
        Ok(())
    } else {
        Err(Error::incompatible(
            op,
            t,
            p,
            "y_true and y_pred must have the same shape",
        ))
    }
}

/// The measure of [`SparseCategoricalAccuracy`]: 1 where the integer label equals the index
/// of the largest prediction.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Measure, SparseCategoricalMatches};
/// let probs = Tensor::from_vec(vec![0.1, 0.9, 0.8, 0.2], &[2, 2]);
/// let batch = SparseCategoricalMatches.measure(&Tensor::from_vec(vec![1.0, 1.0], &[2]), &probs)?;
/// assert_eq!(batch, layers_core::metrics::Batch::new(1.0, 2, 2));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseCategoricalMatches;

impl Measure for SparseCategoricalMatches {
    const NAME: &'static str = "sparse_categorical_accuracy";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        const OP: &str = "sparse_categorical_accuracy";
        check_classes(OP, y_pred)?;
        let outer = &y_pred.shape()[..y_pred.rank() - 1];
        let t = y_true.shape();
        let fits = t == outer
            || (t.len() == outer.len() + 1 && t.last() == Some(&1) && &t[..outer.len()] == outer);
        if !fits {
            return Err(Error::incompatible(
                OP,
                t,
                y_pred.shape(),
                format!(
                    "integer labels must have shape {outer:?} or {:?}",
                    [outer, &[1]].concat()
                ),
            ));
        }
        let classes = y_pred.shape()[y_pred.rank() - 1];
        if let Some((i, label)) = y_true
            .data()
            .iter()
            .enumerate()
            .find(|&(_, &l)| !(l >= 0.0 && l < classes as f32 && l.fract() == 0.0))
        {
            return Err(Error::invalid(
                OP,
                format!(
                    "label {label} at position {i} is not a class index in 0..{classes} \
                     (integer labels count from 0)"
                ),
            ));
        }
        let matches = y_true
            .data()
            .iter()
            .zip(argmax_lanes(y_pred))
            .filter(|&(&label, class)| label == class as f32)
            .count();
        Ok(Batch::new(matches as f64, y_true.len(), y_pred.shape()[0]))
    }
}

/// How often the integer label equals the index of the largest prediction (Keras's
/// `SparseCategoricalAccuracy`).
///
/// Labels are class indices stored as `f32`, of shape `(batch,)` or `(batch, 1)` for
/// predictions `(batch, classes)`; ties go to the first class.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, SparseCategoricalAccuracy};
/// let mut acc = SparseCategoricalAccuracy::new();
/// let labels = Tensor::from_vec(vec![2.0, 0.0, 1.0], &[3, 1]);
/// let probs = Tensor::from_vec(vec![0.1, 0.2, 0.7, 0.3, 0.6, 0.1, 0.2, 0.5, 0.3], &[3, 3]);
/// acc.update(&labels, &probs)?;
/// assert!((acc.result() - 2.0 / 3.0).abs() < 1e-7);
/// // A label that is no class index is refused, the state unchanged.
/// let err = acc.update(&Tensor::from_vec(vec![3.0, 0.0, -1.0], &[3, 1]), &probs).unwrap_err();
/// assert!(err.to_string().contains("label 3 at position 0 is not a class index in 0..3"));
/// assert!((acc.result() - 2.0 / 3.0).abs() < 1e-7);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type SparseCategoricalAccuracy = MeanMetric<SparseCategoricalMatches>;

/// The measure of [`CategoricalAccuracy`]: 1 where the index of the largest target equals
/// the index of the largest prediction.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, CategoricalMatches, Measure};
/// let one_hot = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
/// let batch = CategoricalMatches.measure(&one_hot, &Tensor::from_vec(vec![0.3, 0.7], &[1, 2]))?;
/// assert_eq!(batch, Batch::new(1.0, 1, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoricalMatches;

impl Measure for CategoricalMatches {
    const NAME: &'static str = "categorical_accuracy";

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        const OP: &str = "categorical_accuracy";
        same_shape(OP, y_true, y_pred, false)?;
        check_classes(OP, y_pred)?;
        let matches = argmax_lanes(y_true)
            .zip(argmax_lanes(y_pred))
            .filter(|(a, b)| a == b)
            .count();
        let positions = y_pred.len() / y_pred.shape()[y_pred.rank() - 1].max(1);
        Ok(Batch::new(matches as f64, positions, y_pred.shape()[0]))
    }
}

/// How often the index of the largest target equals the index of the largest prediction
/// (Keras's `CategoricalAccuracy`, for one-hot targets).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{CategoricalAccuracy, Metric};
/// let mut acc = CategoricalAccuracy::new();
/// let one_hot = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]);
/// let probs = Tensor::from_vec(vec![0.4, 0.6, 0.3, 0.7], &[2, 2]);
/// acc.update(&one_hot, &probs)?;
/// assert_eq!(acc.result(), 0.5);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type CategoricalAccuracy = MeanMetric<CategoricalMatches>;

/// The measure of [`BinaryAccuracy`]: 1 where the thresholded prediction (`ŷ > threshold`
/// as 1, else 0) equals the target.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, BinaryMatches, Measure};
/// let m = BinaryMatches { threshold: 0.5 };
/// let batch = m.measure(&Tensor::from_vec(vec![1.0, 0.0], &[2, 1]), &Tensor::from_vec(vec![0.9, 0.6], &[2, 1]))?;
/// assert_eq!(batch, Batch::new(1.0, 2, 2));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BinaryMatches {
    /// Predictions above it count as 1 (0.5 by default).
    pub threshold: f32,
}

impl Default for BinaryMatches {
    fn default() -> Self {
        BinaryMatches { threshold: 0.5 }
    }
}

impl Measure for BinaryMatches {
    const NAME: &'static str = "binary_accuracy";

    fn config(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut map = serde_json::Map::new();
        map.insert("threshold".into(), f32_to_json(self.threshold));
        map
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        same_shape("binary_accuracy", y_true, y_pred, true)?;
        let threshold = self.threshold;
        if !threshold.is_finite() {
            return Err(Error::invalid(
                "binary_accuracy",
                format!("the threshold must be a finite number, but it is {threshold}"),
            ));
        }
        let matches = y_true
            .data()
            .iter()
            .zip(y_pred.data().iter())
            .filter(|&(&t, &p)| t == if p > threshold { 1.0 } else { 0.0 })
            .count();
        Ok(Batch::new(matches as f64, y_pred.len(), y_pred.shape()[0]))
    }
}

/// How often the thresholded prediction (`ŷ > threshold` as 1, else 0) equals the target
/// (Keras's `BinaryAccuracy`, threshold 0.5). Targets are compared as they are, so they
/// should be 0 or 1.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{BinaryAccuracy, Metric};
/// let mut acc = BinaryAccuracy::new();
/// // (batch,) targets against (batch, 1) predictions
/// acc.update(&Tensor::from_vec(vec![1.0, 0.0], &[2]), &Tensor::from_vec(vec![0.5, 0.3], &[2, 1]))?;
/// assert_eq!(acc.result(), 0.5); // 0.5 is not above the threshold
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type BinaryAccuracy = MeanMetric<BinaryMatches>;

impl MeanMetric<BinaryMatches> {
    /// Sets the threshold above which a prediction counts as 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{BinaryAccuracy, Metric};
    /// let mut acc = BinaryAccuracy::new().threshold(0.8);
    /// acc.update(&Tensor::from_vec(vec![1.0], &[1, 1]), &Tensor::from_vec(vec![0.7], &[1, 1]))?;
    /// assert_eq!(acc.result(), 0.0);
    /// // A threshold that is not a number is refused when the metric is updated.
    /// let mut nan = BinaryAccuracy::new().threshold(f32::NAN);
    /// assert!(nan.update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1])).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn threshold(mut self, threshold: f32) -> Self {
        self.measure_mut().threshold = threshold;
        self
    }
}

/// Keras's `accuracy`, resolved by the shapes of the first batch: binary for one output,
/// sparse for integer labels, categorical for one-hot targets.
pub(crate) struct ByShapeAccuracy {
    name: String,
    inner: Option<Box<dyn Metric>>,
}

impl ByShapeAccuracy {
    pub(crate) fn new(name: &str) -> ByShapeAccuracy {
        ByShapeAccuracy {
            name: name.to_string(),
            inner: None,
        }
    }

    /// The accuracy this one is, chosen by the shapes of the first batch.
    fn resolve(&mut self, y_true: &Tensor, y_pred: &Tensor) -> &mut Box<dyn Metric> {
        let name = &self.name;
        self.inner.get_or_insert_with(|| {
            let (t_last, p_last) = (
                y_true.shape().last().copied(),
                y_pred.shape().last().copied(),
            );
            let is_binary = p_last == Some(1);
            let is_sparse = y_true.rank() < y_pred.rank()
                || (t_last == Some(1) && p_last.is_some_and(|p| p > 1));
            if is_binary {
                Box::new(BinaryAccuracy::new().with_name(name.clone()))
            } else if is_sparse {
                Box::new(SparseCategoricalAccuracy::new().with_name(name.clone()))
            } else {
                Box::new(CategoricalAccuracy::new().with_name(name.clone()))
            }
        })
    }
}

impl Metric for ByShapeAccuracy {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        self.resolve(y_true, y_pred).update(y_true, y_pred)
    }

    fn update_masked(&mut self, y_true: &Tensor, y_pred: &Tensor, mask: &Tensor) -> Result<()> {
        self.resolve(y_true, y_pred)
            .update_masked(y_true, y_pred, mask)
    }

    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<()> {
        self.resolve(y_true, y_pred)
            .update_weighted(y_true, y_pred, sample_weight, mask)
    }

    fn takes_sample_weight(&self) -> bool {
        true
    }

    fn result(&self) -> f32 {
        self.inner.as_ref().map_or(0.0, |m| m.result())
    }

    fn reset(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.reset();
        }
    }

    /// Once resolved, the accuracy it became (so that a saved model keeps it); before,
    /// `{"name": …}`, which resolves by the shapes again.
    fn config(&self) -> serde_json::Value {
        match &self.inner {
            Some(inner) => inner.config(),
            None => serde_json::json!({ "name": self.name }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_of_ties() {
        let t = Tensor::from_vec(vec![1.0, 3.0, 3.0, 0.0, 0.0, 0.0], &[2, 3]);
        assert_eq!(argmax_lanes(&t).collect::<Vec<_>>(), vec![1, 0]);
    }

    #[test]
    fn accuracy_with_binary_crossentropy_on_several_outputs_is_categorical_as_in_keras() {
        // Keras 3.15.1, `compile(loss="binary_crossentropy", metrics=["accuracy",
        // "binary_accuracy"])` on a multi-label model: `accuracy` follows the shapes alone
        // (`is_binary_or_sparse_categorical`), so with 3 outputs it is categorical accuracy:
        // 0.6 here, where binary accuracy is 0.6667 (the values Keras printed).
        let loss = crate::loss::BinaryCrossentropy::new();
        let mut acc = super::super::metric_from_name("accuracy", &loss).unwrap();
        let pred = Tensor::from_vec(
            vec![
                0.5, 0.5, 0.0, 0.2, 0.3, 0.5, 0.1, 0.6, 0.3, 0.3, 0.3, 0.4, 0.7, 0.2, 0.1,
            ],
            &[5, 3],
        );
        let multi_hot = Tensor::from_vec(
            vec![
                1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0,
            ],
            &[5, 3],
        );
        acc.update(&multi_hot, &pred).unwrap();
        assert_eq!((acc.name(), acc.result()), ("accuracy", 0.6));
        assert_eq!(acc.config()["metric"], "categorical_accuracy");
        let mut binary = BinaryAccuracy::new();
        binary.update(&multi_hot, &pred).unwrap();
        assert!((binary.result() - 0.666_666_7).abs() < 1e-6);
    }

    #[test]
    fn accuracy_by_shape_follows_keras_rule() {
        let mut sparse = ByShapeAccuracy::new("accuracy");
        let probs = Tensor::from_vec(vec![0.2, 0.8, 0.6, 0.4], &[2, 2]);
        sparse
            .update(&Tensor::from_vec(vec![1.0, 1.0], &[2]), &probs)
            .unwrap();
        // argmax 1 and 0 against the labels 1 and 1; read as one-hot rows, [1, 1] would not
        // even fit the predictions' shape
        assert_eq!(sparse.result(), 0.5);

        let mut categorical = ByShapeAccuracy::new("accuracy");
        categorical
            .update(&Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]), &probs)
            .unwrap();
        // one-hot rows [0, 1] and [1, 0] match the argmaxes 1 and 0
        assert_eq!(categorical.result(), 1.0);
        categorical.reset();
        assert_eq!(categorical.result(), 0.0);
    }
}
