//! The confusion-matrix counts at several thresholds that Keras's threshold metrics share
//! (its `metrics_utils.update_confusion_matrix_variables`): true and false positives and
//! negatives at each threshold, after Keras's `top_k` and `class_id` filters, flattened or
//! per label (`multi_label`), weighted by `label_weights`.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Metric, TruePositives};
//! let mut tp = TruePositives::new().thresholds([0.25, 0.75]);
//! tp.update(&Tensor::from_vec(vec![1.0, 1.0, 0.0], &[3, 1]), &Tensor::from_vec(vec![0.5, 0.9, 0.8], &[3, 1]))?;
//! assert_eq!(tp.results(), [2.0, 1.0]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::accuracy::same_shape;
use super::weights::spread_weights;
use crate::Tensor;
use crate::error::{Error, Result};

/// Keras's `NEG_INF`: the value `top_k` gives the predictions it drops, and the default
/// threshold with `top_k`.
pub(super) const NEG_INF: f32 = -1e10;

/// Keras's `backend.epsilon()`.
pub(super) const EPSILON: f64 = 1e-7;

/// True and false positives and negatives, one per threshold and label (threshold-major:
/// `[t * labels + l]`; one label unless multi-label).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Counts {
    pub tp: Vec<f64>,
    pub fp: Vec<f64>,
    pub tn: Vec<f64>,
    pub fn_: Vec<f64>,
}

impl Counts {
    /// Zero counts for `thresholds` × `labels`.
    pub fn zeros(thresholds: usize, labels: usize) -> Counts {
        let z = vec![0.0; thresholds * labels];
        Counts {
            tp: z.clone(),
            fp: z.clone(),
            tn: z.clone(),
            fn_: z,
        }
    }

    /// Adds `other` (of the same size; an empty `self` takes it as it is).
    pub fn add(&mut self, other: &Counts) {
        if self.tp.len() != other.tp.len() {
            *self = other.clone();
            return;
        }
        for (mine, theirs) in [
            (&mut self.tp, &other.tp),
            (&mut self.fp, &other.fp),
            (&mut self.tn, &other.tn),
            (&mut self.fn_, &other.fn_),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }
}

/// How a batch is counted: the thresholds and Keras's filters.
#[derive(Clone, Copy, Debug)]
pub(super) struct Counting<'a> {
    /// The metric's name, for errors.
    pub op: &'static str,
    pub thresholds: &'a [f32],
    /// Keras's bucketed update (`thresholds_distributed_evenly`): predictions clipped to
    /// `[0, 1]` and counted by bucket, rather than compared with each threshold.
    pub evenly: bool,
    pub top_k: Option<usize>,
    pub class_id: Option<usize>,
    pub multi_label: bool,
    /// Weights by the index along the last axis (flattened counting only).
    pub label_weights: Option<&'a [f32]>,
    /// Keras's `sample_weight`: one weight per sample (or per position), spread over the
    /// predictions under it.
    pub sample_weight: Option<&'a Tensor>,
}

impl<'a> Counting<'a> {
    /// Plain counting at `thresholds`: no filter, no label weights, flattened.
    pub fn new(op: &'static str, thresholds: &'a [f32]) -> Counting<'a> {
        Counting {
            op,
            thresholds,
            evenly: evenly_distributed(thresholds),
            top_k: None,
            class_id: None,
            multi_label: false,
            label_weights: None,
            sample_weight: None,
        }
    }

    /// The number of labels counted apart: the last axis of `y_pred` when multi-label.
    pub fn labels(&self, y_pred: &Tensor) -> usize {
        if self.multi_label {
            y_pred.shape().last().copied().unwrap_or(1)
        } else {
            1
        }
    }

    /// The counts of one batch.
    pub fn count(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Counts> {
        let op = self.op;
        same_shape(op, y_true, y_pred, true)?;
        let width = if y_pred.rank() >= 2 {
            y_pred.shape()[y_pred.rank() - 1]
        } else {
            1
        };
        // Keras squeezes a trailing axis of 1 away before filtering, so that top_k or
        // class_id would then act across the batch (or fail): both need the same shape
        // (batch, classes) for targets and predictions.
        if (self.top_k.is_some() || self.class_id.is_some())
            && (y_pred.rank() < 2 || y_true.shape() != y_pred.shape())
        {
            return Err(Error::incompatible(
                op,
                y_true.shape(),
                y_pred.shape(),
                "top_k and class_id need y_true and y_pred of the same shape (batch, classes)",
            ));
        }
        let mut sample_weight = match self.sample_weight {
            Some(w) => Some(spread_weights(op, w, y_pred.shape())?),
            None => None,
        };
        let mut preds: Vec<f32> = y_pred.data().iter().copied().collect();
        let mut truth: Vec<f32> = y_true.data().iter().copied().collect();
        if let Some(k) = self.top_k {
            check_top_k(op, k)?;
            if k > width {
                return Err(Error::invalid(
                    op,
                    format!(
                        "top_k {k} is more than the {width} predictions of each sample (y_pred {:?})",
                        y_pred.shape()
                    ),
                ));
            }
            for lane in preds.chunks_mut(width.max(1)) {
                keep_top_k(lane, k);
            }
        }
        let mut width = width;
        if let Some(class) = self.class_id {
            if y_pred.rank() < 2 || class >= width {
                return Err(Error::invalid(
                    op,
                    format!(
                        "class_id {class} is out of range for y_pred of shape {:?}: \
                         it needs shape (batch, classes) with more than {class} classes",
                        y_pred.shape()
                    ),
                ));
            }
            preds = preds.iter().skip(class).step_by(width).copied().collect();
            truth = truth.iter().skip(class).step_by(width).copied().collect();
            if let Some(w) = &mut sample_weight {
                *w = w.iter().skip(class).step_by(width).copied().collect();
            }
            width = 1;
        }
        if self.multi_label && y_pred.rank() != 2 {
            return Err(Error::invalid(
                op,
                format!(
                    "multi_label needs y_pred of shape (batch, labels), but it has shape {:?}",
                    y_pred.shape()
                ),
            ));
        }
        if let Some(w) = self.label_weights.filter(|w| w.len() != width) {
            return Err(Error::invalid(
                op,
                format!(
                    "label_weights has {} values, but y_pred has {width} labels (shape {:?})",
                    w.len(),
                    y_pred.shape()
                ),
            ));
        }
        let labels = if self.multi_label { width } else { 1 };
        let n = self.thresholds.len();
        let mut counts = Counts::zeros(n, labels);
        let (mut positives, mut negatives) = (vec![0.0f64; labels], vec![0.0f64; labels]);
        let with_epsilon = self.thresholds.first().is_some_and(|&t| t < 0.0)
            || self.thresholds.last().is_some_and(|&t| t > 1.0);
        let (mut tp_bucket, mut fp_bucket) = (vec![0.0f64; n * labels], vec![0.0f64; n * labels]);
        for (i, (&t, &p)) in truth.iter().zip(&preds).enumerate() {
            let label = if self.multi_label { i % width } else { 0 };
            let weight = self.label_weights.map_or(1.0, |w| f64::from(w[i % width]))
                * sample_weight.as_ref().map_or(1.0, |w| w[i]);
            // Keras casts the targets to bool: anything but 0 (NaN too) is a positive.
            let positive = t != 0.0;
            if positive {
                positives[label] += weight;
            } else {
                negatives[label] += weight;
            }
            if self.evenly {
                // As Keras: clip, ⌈p·(n − 1)⌉ − 1 (relu'd when the end thresholds sit
                // outside [0, 1]); NaN lands in bucket 0, as XLA converts NaN to 0, and a
                // bucket of −1 (a prediction of 0 without relu) is dropped as segment_sum
                // drops it.
                let bucket = (p.clamp(0.0, 1.0) * (n - 1) as f32).ceil() - 1.0;
                let bucket = if with_epsilon {
                    bucket.max(0.0)
                } else {
                    bucket
                };
                let bucket = if bucket.is_nan() { 0.0 } else { bucket };
                if bucket < 0.0 {
                    continue;
                }
                let slot = (bucket as usize).min(n - 1) * labels + label;
                if positive {
                    tp_bucket[slot] += weight;
                } else {
                    fp_bucket[slot] += weight;
                }
            } else {
                for (j, &threshold) in self.thresholds.iter().enumerate() {
                    if p > threshold {
                        let slot = j * labels + label;
                        if positive {
                            counts.tp[slot] += weight;
                        } else {
                            counts.fp[slot] += weight;
                        }
                    }
                }
            }
        }
        if self.evenly {
            // The count at threshold j is that of every bucket ≥ j.
            for label in 0..labels {
                let (mut tp, mut fp) = (0.0, 0.0);
                for j in (0..n).rev() {
                    tp += tp_bucket[j * labels + label];
                    fp += fp_bucket[j * labels + label];
                    counts.tp[j * labels + label] = tp;
                    counts.fp[j * labels + label] = fp;
                }
            }
        }
        for j in 0..n {
            for label in 0..labels {
                let slot = j * labels + label;
                counts.fn_[slot] = positives[label] - counts.tp[slot];
                counts.tn[slot] = negatives[label] - counts.fp[slot];
            }
        }
        Ok(counts)
    }
}

/// Keras's `is_evenly_distributed_thresholds`: at least 3 thresholds, each within
/// `np.allclose` (1e-7 absolute, 1e-5 relative) of `i / (n − 1)`.
pub(super) fn evenly_distributed(thresholds: &[f32]) -> bool {
    let n = thresholds.len();
    n >= 3
        && thresholds.iter().enumerate().all(|(i, &t)| {
            let even = f64::from(i as f32 / (n - 1) as f32);
            (f64::from(t) - even).abs() <= EPSILON + 1e-5 * even.abs()
        })
}

/// Keras's `_filter_top_k` on one lane: the `k` largest values stay (the first on ties),
/// the others become [`NEG_INF`].
fn keep_top_k(lane: &mut [f32], k: usize) {
    let mut order: Vec<usize> = (0..lane.len()).collect();
    // Stable: equal values keep their order, so the lower index wins a tie (as
    // `lax.top_k`); NaN counts as the largest, as in XLA's sort.
    order.sort_by(|&a, &b| {
        let (x, y) = (lane[a], lane[b]);
        match (x.is_nan(), y.is_nan()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        }
    });
    for &i in &order[k.min(lane.len())..] {
        lane[i] = NEG_INF;
    }
}

/// Refuses a `top_k` of 0, naming the metric.
pub(super) fn check_top_k(op: &'static str, k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::invalid(op, "top_k must be at least 1, but it is 0"));
    }
    Ok(())
}

/// Refuses a threshold outside `[0, 1]` (or NaN), naming the metric, as Keras does.
pub(super) fn check_thresholds(op: &'static str, thresholds: &[f32]) -> Result<()> {
    match thresholds.iter().find(|t| !(0.0..=1.0).contains(*t)) {
        None => Ok(()),
        Some(t) => Err(Error::invalid(
            op,
            format!("thresholds must be in [0, 1], but it is {t}"),
        )),
    }
}

/// `a / b`, or 0 when `b` is 0 (Keras's `divide_no_nan`).
pub(super) fn divide_no_nan(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_keeps_the_first_of_ties() {
        let mut lane = [0.3, 0.5, 0.3, 0.1];
        keep_top_k(&mut lane, 2);
        assert_eq!(lane, [0.3, 0.5, NEG_INF, NEG_INF]);
    }

    #[test]
    fn evenly_distributed_as_numpy_allclose() {
        assert!(evenly_distributed(&[0.0, 0.5, 1.0]));
        assert!(!evenly_distributed(&[0.0, 1.0]));
        assert!(!evenly_distributed(&[0.0, 0.4, 1.0]));
        assert!(evenly_distributed(&[0.0, 0.25, 0.5, 0.75, 1.0]));
    }

    #[test]
    fn bucketed_and_compared_counts_agree_away_from_ties() {
        let y = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.0, 1.0], &[5, 1]);
        let p = Tensor::from_vec(vec![0.1, 0.3, 0.6, 0.8, 0.95], &[5, 1]);
        let t = [0.0, 0.5, 1.0];
        let even = Counting::new("m", &t).count(&y, &p).unwrap();
        let plain = Counting {
            evenly: false,
            ..Counting::new("m", &t)
        }
        .count(&y, &p)
        .unwrap();
        assert_eq!(even, plain);
        assert_eq!(even.tp, [3.0, 2.0, 0.0]);
        assert_eq!(even.tn, [0.0, 1.0, 2.0]);
    }

    /// Each prediction counts with its sample's weight, worked out by hand: samples of 2
    /// classes weighing 2 and 0.5; with `class_id` 1 only the second column counts.
    #[test]
    fn sample_weights_weigh_each_prediction_of_their_sample() {
        let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]);
        let p = Tensor::from_vec(vec![0.9, 0.7, 0.2, 0.4], &[2, 2]);
        let w = Tensor::from_vec(vec![2.0, 0.5], &[2]);
        let t = [0.5];
        let all = Counting {
            sample_weight: Some(&w),
            ..Counting::new("m", &t)
        }
        .count(&y, &p)
        .unwrap();
        // 0.9 (y 1, w 2): tp 2; 0.7 (y 0, w 2): fp 2; 0.2 (y 0, w 0.5): tn 0.5;
        // 0.4 (y 1, w 0.5): fn 0.5
        assert_eq!(
            (all.tp[0], all.fp[0], all.tn[0], all.fn_[0]),
            (2.0, 2.0, 0.5, 0.5)
        );
        let second = Counting {
            sample_weight: Some(&w),
            class_id: Some(1),
            ..Counting::new("m", &t)
        }
        .count(&y, &p)
        .unwrap();
        assert_eq!(
            (second.tp[0], second.fp[0], second.tn[0], second.fn_[0]),
            (0.0, 2.0, 0.0, 0.5)
        );
        let bad = Tensor::ones(&[3]);
        let err = Counting {
            sample_weight: Some(&bad),
            ..Counting::new("m", &t)
        }
        .count(&y, &p)
        .unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
    }
}
