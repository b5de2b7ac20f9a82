//! The area under the ROC curve (Keras's `AUC` with its defaults: 200 evenly spaced
//! thresholds, the curve `ROC`, interpolated by trapezoids).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Auc, Metric};
//! let mut auc = Auc::new();
//! // every positive scored above every negative: an area of 1
//! auc.update(&Tensor::from_vec(vec![0.0, 1.0, 0.0, 1.0], &[4]), &Tensor::from_vec(vec![0.1, 0.9, 0.3, 0.7], &[4, 1]))?;
//! assert_eq!(auc.result(), 1.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use super::Metric;
use super::accuracy::same_shape;
use crate::Tensor;
use crate::error::{Error, Result};

/// Keras's default number of thresholds.
const DEFAULT_THRESHOLDS: usize = 200;

/// The area under the ROC curve (true positive rate against false positive rate) over
/// every batch since the last reset, as Keras's `AUC()` computes it: `num_thresholds`
/// (200 by default) evenly spaced thresholds from just below 0 to just above 1, the
/// counts at each accumulated as Keras's bucketed update does (predictions clipped to
/// `[0, 1]`, a prediction `p` counted at the thresholds below `⌈p·(n − 1)⌉`), and the
/// curve summed by trapezoids (Keras's `summation_method="interpolation"`). Targets that
/// are not 0 are positives.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Auc, Metric};
/// let mut auc = Auc::new().num_thresholds(3);
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4]);
/// auc.update(&y, &Tensor::from_vec(vec![0.0, 0.5, 0.3, 0.8], &[4]))?;
/// assert_eq!(auc.result(), 0.75); // Keras's documented example
/// // fewer than 2 thresholds are refused, naming the metric and the value
/// let err = Auc::new().num_thresholds(1).update(&y, &y).unwrap_err();
/// assert_eq!(err.to_string(), "`auc`: num_thresholds must be at least 2, but it is 1");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Auc {
    name: String,
    num_thresholds: usize,
    /// True positives and false positives at each threshold, and the totals of positive
    /// and negative positions.
    tp: Vec<f64>,
    fp: Vec<f64>,
    positives: f64,
    negatives: f64,
}

impl Default for Auc {
    fn default() -> Self {
        Auc::new()
    }
}

impl Auc {
    /// The name it is reported under by default, and its `metric` in configs.
    pub const NAME: &'static str = "auc";

    /// An empty metric with Keras's 200 thresholds.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, Metric};
    /// assert_eq!((Auc::new().name(), Auc::new().result()), ("auc", 0.0));
    /// ```
    pub fn new() -> Auc {
        Auc {
            name: Self::NAME.to_string(),
            num_thresholds: DEFAULT_THRESHOLDS,
            tp: Vec::new(),
            fp: Vec::new(),
            positives: 0.0,
            negatives: 0.0,
        }
    }

    /// Sets the number of thresholds (Keras's `num_thresholds`, at least 2; fewer are
    /// refused by [`Metric::update`] and by [`metric_from_config`](super::metric_from_config)).
    /// The counts seen so far are forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, Metric};
    /// assert_eq!(Auc::new().num_thresholds(50).config()["num_thresholds"], 50);
    /// ```
    pub fn num_thresholds(mut self, num_thresholds: usize) -> Auc {
        self.num_thresholds = num_thresholds;
        self.reset();
        self
    }

    /// Renames the metric (the name `fit`'s logs and the history use).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, Metric};
    /// assert_eq!(Auc::new().with_name("AUC").name(), "AUC");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Auc {
        self.name = name.into();
        self
    }
}

/// Refuses fewer than 2 thresholds, naming the metric.
pub(super) fn check_num_thresholds(num_thresholds: usize) -> Result<()> {
    if num_thresholds < 2 {
        return Err(Error::invalid(
            Auc::NAME,
            format!("num_thresholds must be at least 2, but it is {num_thresholds}"),
        ));
    }
    Ok(())
}

/// `a / b`, or 0 when `b` is 0 (Keras's `divide_no_nan`), in `f32`.
fn rate(a: f64, b: f64) -> f32 {
    let (a, b) = (a as f32, b as f32);
    if b == 0.0 { 0.0 } else { a / b }
}

impl Metric for Auc {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        let n = self.num_thresholds;
        check_num_thresholds(n)?;
        same_shape(Self::NAME, y_true, y_pred, true)?;
        // Per bucket, then a reversed running sum: the count at threshold i is that of
        // every bucket ≥ i.
        let mut tp_bucket = vec![0.0f64; n];
        let mut fp_bucket = vec![0.0f64; n];
        let scale = (n - 1) as f32;
        let (mut positives, mut negatives) = (0.0, 0.0);
        for (&t, &p) in y_true.data().iter().zip(y_pred.data().iter()) {
            // As Keras: clip, ceil(p·(n − 1)) − 1, relu; NaN lands in bucket 0 (as XLA
            // converts NaN to the integer 0).
            let bucket = ((p.clamp(0.0, 1.0) * scale).ceil() - 1.0).max(0.0);
            let bucket = if bucket.is_nan() {
                0
            } else {
                (bucket as usize).min(n - 1)
            };
            if t != 0.0 {
                tp_bucket[bucket] += 1.0;
                positives += 1.0;
            } else {
                fp_bucket[bucket] += 1.0;
                negatives += 1.0;
            }
        }
        if self.tp.len() != n {
            self.tp = vec![0.0; n];
            self.fp = vec![0.0; n];
        }
        let (mut tp, mut fp) = (0.0, 0.0);
        for i in (0..n).rev() {
            tp += tp_bucket[i];
            fp += fp_bucket[i];
            self.tp[i] += tp;
            self.fp[i] += fp;
        }
        self.positives += positives;
        self.negatives += negatives;
        Ok(())
    }

    fn result(&self) -> f32 {
        if self.tp.len() < 2 {
            return 0.0;
        }
        let point = |i: usize| {
            let (tp, fp) = (self.tp[i], self.fp[i]);
            let (fn_, tn) = (self.positives - tp, self.negatives - fp);
            (rate(fp, fp + tn), rate(tp, tp + fn_))
        };
        (0..self.tp.len() - 1)
            .map(|i| {
                let ((x0, y0), (x1, y1)) = (point(i), point(i + 1));
                (x0 - x1) * ((y0 + y1) / 2.0)
            })
            .sum()
    }

    fn reset(&mut self) {
        self.tp.clear();
        self.fp.clear();
        self.positives = 0.0;
        self.negatives = 0.0;
    }

    /// Keras's keys for the settings it has: `num_thresholds`, `curve` (`ROC`),
    /// `summation_method` (`interpolation`), `multi_label` (false), `num_labels` and
    /// `label_weights` (null), `from_logits` (false).
    fn config(&self) -> Value {
        json!({
            "name": self.name,
            "metric": Self::NAME,
            "num_thresholds": self.num_thresholds,
            "curve": "ROC",
            "summation_method": "interpolation",
            "multi_label": false,
            "num_labels": null,
            "label_weights": null,
            "from_logits": false,
        })
    }
}
