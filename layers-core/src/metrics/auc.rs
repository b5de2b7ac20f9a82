//! The area under the ROC or precision-recall curve (Keras's `AUC`: its curves, summation
//! methods, thresholds, multi-label form and `from_logits`).
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
use super::thresholds::{Counting, Counts, EPSILON, divide_no_nan, evenly_distributed};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// Keras's default number of thresholds.
const DEFAULT_THRESHOLDS: usize = 200;

/// The curve whose area [`Auc`] measures (Keras's `curve`).
///
/// # Examples
///
/// ```
/// use layers_core::metrics::{Auc, AucCurve, Metric};
/// assert_eq!(Auc::new().curve(AucCurve::Pr).config()["curve"], "PR");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AucCurve {
    /// True positive rate against false positive rate (`"ROC"`, the default).
    #[default]
    Roc,
    /// Precision against recall (`"PR"`).
    Pr,
    /// Precision gain against recall gain (`"PRGAIN"`, Flach and Kull's PR-gain curve).
    PrGain,
}

impl AucCurve {
    /// Keras's name: `ROC`, `PR` or `PRGAIN`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(layers_core::metrics::AucCurve::PrGain.keras_name(), "PRGAIN");
    /// ```
    pub fn keras_name(self) -> &'static str {
        match self {
            AucCurve::Roc => "ROC",
            AucCurve::Pr => "PR",
            AucCurve::PrGain => "PRGAIN",
        }
    }

    /// The curve Keras's name (or its lower-case form) gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::AucCurve;
    /// assert_eq!(AucCurve::from_keras_name("pr"), Some(AucCurve::Pr));
    /// assert_eq!(AucCurve::from_keras_name("PRC"), None);
    /// ```
    pub fn from_keras_name(name: &str) -> Option<AucCurve> {
        match name {
            "ROC" | "roc" => Some(AucCurve::Roc),
            "PR" | "pr" => Some(AucCurve::Pr),
            "PRGAIN" | "prgain" => Some(AucCurve::PrGain),
            _ => None,
        }
    }
}

/// How [`Auc`] sums the area between two thresholds (Keras's `summation_method`).
///
/// # Examples
///
/// ```
/// use layers_core::metrics::{Auc, AucSummation, Metric};
/// assert_eq!(Auc::new().summation_method(AucSummation::Minoring).config()["summation_method"], "minoring");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AucSummation {
    /// Trapezoids for ROC; for PR, Davis and Goadrich's interpolation of the true and
    /// false positives (not of precision), as Keras's `interpolate_pr_auc`.
    #[default]
    Interpolation,
    /// The lower of the two heights.
    Minoring,
    /// The higher of the two heights.
    Majoring,
}

impl AucSummation {
    /// Keras's name: `interpolation`, `minoring` or `majoring`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(layers_core::metrics::AucSummation::Majoring.keras_name(), "majoring");
    /// ```
    pub fn keras_name(self) -> &'static str {
        match self {
            AucSummation::Interpolation => "interpolation",
            AucSummation::Minoring => "minoring",
            AucSummation::Majoring => "majoring",
        }
    }

    /// The method Keras's name (or its capitalised form) gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::AucSummation;
    /// assert_eq!(AucSummation::from_keras_name("Minoring"), Some(AucSummation::Minoring));
    /// ```
    pub fn from_keras_name(name: &str) -> Option<AucSummation> {
        match name {
            "interpolation" | "Interpolation" => Some(AucSummation::Interpolation),
            "minoring" | "Minoring" => Some(AucSummation::Minoring),
            "majoring" | "Majoring" => Some(AucSummation::Majoring),
            _ => None,
        }
    }
}

/// The area under the ROC curve (or the PR or PR-gain curve) over every batch since the
/// last reset, as Keras's `AUC` computes it.
///
/// The counts are taken at `num_thresholds` (200 by default) evenly spaced thresholds from
/// just below 0 to just above 1, or at the `thresholds` given (plus those two ends), as
/// Keras does: with evenly spaced thresholds by its bucketed update (predictions clipped
/// to `[0, 1]`, a prediction `p` counted at the thresholds below `⌈p·(n − 1)⌉`), else by
/// comparing each prediction with each threshold (`p > t`). Targets that are not 0 are
/// positives. `from_logits` applies a sigmoid to the predictions first.
///
/// Flattened (the default), every position of every sample counts alike, each weighted by
/// `label_weights` by its index along the last axis; `multi_label` takes one curve per
/// label (the last axis of predictions `(batch, labels)`) and reports their mean, weighted
/// by `label_weights` when given.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Auc, AucCurve, Metric};
/// let mut auc = Auc::new().num_thresholds(3);
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4]);
/// auc.update(&y, &Tensor::from_vec(vec![0.0, 0.5, 0.3, 0.8], &[4]))?;
/// assert_eq!(auc.result(), 0.75); // Keras's documented example
/// // the PR curve at thresholds 0.3 and 0.7, interpolated (Keras 3.15.1 gives 0.75)
/// let mut pr = Auc::new().curve(AucCurve::Pr).thresholds(vec![0.3, 0.7]);
/// pr.update(&y, &Tensor::from_vec(vec![0.0, 0.5, 0.3, 0.8], &[4]))?;
/// assert!((pr.result() - 0.75).abs() < 1e-6);
/// // fewer than 2 thresholds are refused, naming the metric and the value
/// let err = Auc::new().num_thresholds(1).update(&y, &y).unwrap_err();
/// assert_eq!(err.to_string(), "`auc`: num_thresholds must be at least 2, but it is 1");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Auc {
    name: String,
    num_thresholds: usize,
    /// The thresholds given (sorted), when given.
    thresholds: Option<Vec<f32>>,
    curve: AucCurve,
    summation: AucSummation,
    multi_label: bool,
    num_labels: Option<usize>,
    label_weights: Option<Vec<f32>>,
    from_logits: bool,
    /// The counts since the last reset, and the number of labels they are for.
    counts: Counts,
    labels: usize,
}

impl Default for Auc {
    fn default() -> Self {
        Auc::new()
    }
}

impl Auc {
    /// The name it is reported under by default, and its `metric` in configs.
    pub const NAME: &'static str = "auc";

    /// An empty metric with Keras's defaults: 200 thresholds, ROC, interpolation.
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
            thresholds: None,
            curve: AucCurve::Roc,
            summation: AucSummation::Interpolation,
            multi_label: false,
            num_labels: None,
            label_weights: None,
            from_logits: false,
            counts: Counts::default(),
            labels: 0,
        }
    }

    /// Sets the number of evenly spaced thresholds (Keras's `num_thresholds`, at least 2;
    /// fewer are refused by [`Metric::update`] and by
    /// [`metric_from_config`](super::metric_from_config)). Ignored when
    /// [`thresholds`](Auc::thresholds) are given. The counts seen so far are forgotten.
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

    /// Sets the thresholds (Keras's `thresholds`): they are sorted, and Keras's two ends
    /// (just below 0 and just above 1) added, so `num_thresholds` becomes their number plus
    /// 2. Each must be in `[0, 1]` (stricter than Keras, which takes any number), or
    /// [`Metric::update`] refuses it. The counts seen so far are forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, Metric};
    /// let auc = Auc::new().thresholds(vec![0.7, 0.2]);
    /// assert_eq!(auc.config()["thresholds"], serde_json::json!([0.2, 0.7]));
    /// assert_eq!(auc.config()["num_thresholds"], 4);
    /// ```
    pub fn thresholds(mut self, mut thresholds: Vec<f32>) -> Auc {
        thresholds.sort_by(|a, b| a.total_cmp(b));
        self.num_thresholds = thresholds.len() + 2;
        self.thresholds = Some(thresholds);
        self.reset();
        self
    }

    /// Sets the curve (Keras's `curve`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, AucCurve, Metric};
    /// assert_eq!(Auc::new().curve(AucCurve::PrGain).config()["curve"], "PRGAIN");
    /// ```
    pub fn curve(mut self, curve: AucCurve) -> Auc {
        self.curve = curve;
        self
    }

    /// Sets how the area is summed (Keras's `summation_method`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Auc, AucSummation, Metric};
    /// let auc = Auc::new().summation_method(AucSummation::Majoring);
    /// assert_eq!(auc.config()["summation_method"], "majoring");
    /// ```
    pub fn summation_method(mut self, summation: AucSummation) -> Auc {
        self.summation = summation;
        self
    }

    /// One curve per label (the last axis of predictions `(batch, labels)`), their areas
    /// averaged (Keras's `multi_label`). The counts seen so far are forgotten.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Auc, Metric};
    /// let mut auc = Auc::new().multi_label(true);
    /// let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]);
    /// // label 0 ranked right (area 1), label 1 ranked wrong (area 0)
    /// auc.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.1, 0.2], &[2, 2]))?;
    /// assert_eq!(auc.result(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn multi_label(mut self, multi_label: bool) -> Auc {
        self.multi_label = multi_label;
        self.reset();
        self
    }

    /// The number of labels with `multi_label` (Keras's `num_labels`; without it, the first
    /// batch sets it). A batch with another number is refused; so is `num_labels` without
    /// `multi_label`, as Keras refuses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Auc, Metric};
    /// let mut auc = Auc::new().multi_label(true).num_labels(3);
    /// let err = auc.update(&Tensor::zeros(&[2, 2]), &Tensor::zeros(&[2, 2])).unwrap_err();
    /// assert_eq!(err.to_string(), "`auc`: y_pred has 2 labels (shape [2, 2]), but the metric counts 3");
    /// ```
    pub fn num_labels(mut self, num_labels: usize) -> Auc {
        self.num_labels = Some(num_labels);
        self.reset();
        self
    }

    /// Weights of the labels (Keras's `label_weights`, one per label, none negative): with
    /// `multi_label`, of each label's area in the mean; flattened, of each position's
    /// counts by its index along the last axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Auc, Metric};
    /// let mut auc = Auc::new().multi_label(true).label_weights(vec![3.0, 1.0]);
    /// let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]);
    /// auc.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.1, 0.2], &[2, 2]))?;
    /// assert_eq!(auc.result(), 0.75); // (3·1 + 1·0) / 4
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn label_weights(mut self, label_weights: Vec<f32>) -> Auc {
        self.label_weights = Some(label_weights);
        self.reset();
        self
    }

    /// Takes predictions as logits: a sigmoid makes them probabilities first (Keras's
    /// `from_logits`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Auc, Metric};
    /// let mut auc = Auc::new().from_logits(true);
    /// auc.update(&Tensor::from_vec(vec![0.0, 1.0], &[2, 1]), &Tensor::from_vec(vec![-3.0, 2.0], &[2, 1]))?;
    /// assert_eq!(auc.result(), 1.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> Auc {
        self.from_logits = from_logits;
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

    /// Refuses settings Keras refuses (and thresholds outside `[0, 1]`, label weights
    /// that are negative or NaN), naming the setting and the value.
    fn validate(&self) -> Result<()> {
        let bad = |message: String| Err(Error::invalid(Self::NAME, message));
        match &self.thresholds {
            None => check_num_thresholds(self.num_thresholds)?,
            Some(t) => {
                if let Some(v) = t.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                    return bad(format!("thresholds must be in [0, 1], but one is {v}"));
                }
            }
        }
        if !self.multi_label && self.num_labels.is_some() {
            return bad("num_labels is needed only when multi_label is true".to_string());
        }
        if self.num_labels == Some(0) {
            return bad("num_labels must be at least 1, but it is 0".to_string());
        }
        if let Some(v) = self
            .label_weights
            .iter()
            .flatten()
            .find(|v| !(v.is_finite() && **v >= 0.0))
        {
            return bad(format!(
                "label_weights must be finite and ≥ 0, but one is {v}"
            ));
        }
        Ok(())
    }

    /// Keras's thresholds: the inner ones with `-ε` and `1 + ε` at the ends, in `f32`.
    fn all_thresholds(&self) -> Vec<f32> {
        let inner: Vec<f64> = match &self.thresholds {
            Some(t) => t.iter().map(|&v| f64::from(v)).collect(),
            None => {
                let n = self.num_thresholds;
                (0..n - 2)
                    .map(|i| (i + 1) as f64 / (n - 1) as f64)
                    .collect()
            }
        };
        std::iter::once(-EPSILON)
            .chain(inner)
            .chain(std::iter::once(1.0 + EPSILON))
            .map(|v| v as f32)
            .collect()
    }

    /// Whether Keras takes its bucketed update: always for `num_thresholds`; for given
    /// thresholds, when `[0] + thresholds + [1]` are evenly spaced.
    fn evenly(&self) -> bool {
        match &self.thresholds {
            None => true,
            Some(t) => {
                let ends: Vec<f32> = [0.0].iter().chain(t).chain(&[1.0]).copied().collect();
                evenly_distributed(&ends)
            }
        }
    }

    /// The area of each label's curve (one, flattened).
    fn areas(&self) -> Vec<f64> {
        let labels = self.labels.max(1);
        let n = self.counts.tp.len() / labels;
        let c = &self.counts;
        (0..labels)
            .map(|l| {
                let at = |v: &Vec<f64>, j: usize| v[j * labels + l];
                if self.curve == AucCurve::Pr && self.summation == AucSummation::Interpolation {
                    return (0..n - 1)
                        .map(|j| {
                            let (tp0, tp1) = (at(&c.tp, j), at(&c.tp, j + 1));
                            let (p0, p1) = (tp0 + at(&c.fp, j), tp1 + at(&c.fp, j + 1));
                            let dtp = tp0 - tp1;
                            let slope = divide_no_nan(dtp, (p0 - p1).max(0.0));
                            let intercept = tp1 - slope * p1;
                            let ratio = if p0 > 0.0 && p1 > 0.0 {
                                divide_no_nan(p0, p1.max(0.0))
                            } else {
                                1.0
                            };
                            divide_no_nan(
                                slope * (dtp + intercept * ratio.ln()),
                                (tp1 + at(&c.fn_, j + 1)).max(0.0),
                            )
                        })
                        .sum();
                }
                let point = |j: usize| {
                    let (tp, fp, tn, fn_) =
                        (at(&c.tp, j), at(&c.fp, j), at(&c.tn, j), at(&c.fn_, j));
                    let recall = divide_no_nan(tp, tp + fn_);
                    match self.curve {
                        AucCurve::Roc => (divide_no_nan(fp, fp + tn), recall),
                        AucCurve::Pr => (recall, divide_no_nan(tp, tp + fp)),
                        AucCurve::PrGain => {
                            let scale = divide_no_nan(tp + fn_, tn + fp);
                            if tp == 0.0 {
                                (0.0, 1.0)
                            } else {
                                let rg = 1.0 - scale * divide_no_nan(fn_, tp);
                                (rg.max(0.0), 1.0 - scale * divide_no_nan(fp, tp))
                            }
                        }
                    }
                };
                (0..n - 1)
                    .map(|j| {
                        let ((x0, y0), (x1, y1)) = (point(j), point(j + 1));
                        let height = match self.summation {
                            AucSummation::Interpolation => (y0 + y1) / 2.0,
                            AucSummation::Minoring => y0.min(y1),
                            AucSummation::Majoring => y0.max(y1),
                        };
                        (x0 - x1) * height
                    })
                    .sum()
            })
            .collect()
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

impl Auc {
    /// Adds a batch's counts, each prediction weighed by `sample_weight` if given.
    fn count(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<()> {
        self.validate()?;
        let probs;
        let y_pred = if self.from_logits {
            probs = Tensor::from_vec(
                y_pred
                    .data()
                    .iter()
                    .map(|&x| 1.0 / (1.0 + (-x).exp()))
                    .collect(),
                y_pred.shape(),
            );
            &probs
        } else {
            y_pred
        };
        let thresholds = self.all_thresholds();
        let counting = Counting {
            evenly: self.evenly(),
            multi_label: self.multi_label,
            label_weights: if self.multi_label {
                None
            } else {
                self.label_weights.as_deref()
            },
            sample_weight,
            ..Counting::new(Self::NAME, &thresholds)
        };
        let labels = counting.labels(y_pred);
        if self.multi_label {
            let expected = self.num_labels.or((self.labels > 0).then_some(self.labels));
            if let Some(expected) = expected.filter(|&e| e != labels && y_pred.rank() == 2) {
                return Err(Error::invalid(
                    Self::NAME,
                    format!(
                        "y_pred has {labels} labels (shape {:?}), but the metric counts {expected}",
                        y_pred.shape()
                    ),
                ));
            }
            if let Some(w) = self.label_weights.as_ref().filter(|w| w.len() != labels) {
                return Err(Error::invalid(
                    Self::NAME,
                    format!(
                        "label_weights has {} values, but y_pred has {labels} labels (shape {:?})",
                        w.len(),
                        y_pred.shape()
                    ),
                ));
            }
        }
        let batch = counting.count(y_true, y_pred)?;
        self.counts.add(&batch);
        self.labels = labels;
        Ok(())
    }
}

impl Metric for Auc {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        self.count(y_true, y_pred, None)
    }

    /// Each prediction counted with its sample's weight, as Keras counts it; the mask is
    /// ignored, as Keras ignores it here.
    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        _mask: Option<&Tensor>,
    ) -> Result<()> {
        self.count(y_true, y_pred, Some(sample_weight))
    }

    fn takes_sample_weight(&self) -> bool {
        true
    }

    fn result(&self) -> f32 {
        if self.counts.tp.is_empty() {
            return 0.0;
        }
        let areas = self.areas();
        let area = if !self.multi_label {
            areas[0]
        } else if let Some(w) = &self.label_weights {
            let weighted: f64 = areas.iter().zip(w).map(|(a, &w)| a * f64::from(w)).sum();
            divide_no_nan(weighted, w.iter().map(|&w| f64::from(w)).sum())
        } else {
            areas.iter().sum::<f64>() / areas.len() as f64
        };
        area as f32
    }

    fn reset(&mut self) {
        self.counts = Counts::default();
        self.labels = 0;
    }

    /// Keras's keys: `num_thresholds`, `curve`, `summation_method`, `multi_label`,
    /// `num_labels`, `label_weights`, `from_logits`, and `thresholds` when given.
    fn config(&self) -> Value {
        let mut config = json!({
            "name": self.name,
            "metric": Self::NAME,
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.keras_name(),
            "summation_method": self.summation.keras_name(),
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": self.label_weights.as_ref().map(|w| w.iter().map(|&v| f32_to_json(v)).collect::<Vec<_>>()),
            "from_logits": self.from_logits,
        });
        if let Some(t) = &self.thresholds {
            config["thresholds"] = t.iter().map(|&v| f32_to_json(v)).collect();
        }
        config
    }
}

/// Keras's `AUC` config: every key Keras writes, `num_thresholds` 200 when left out,
/// `thresholds` (when present) over `num_thresholds`.
pub(super) fn auc_from_config(
    name: &str,
    r: &crate::loss::config::ConfigReader<'_>,
) -> Result<Box<dyn Metric>> {
    let mut auc = Auc::new().with_name(name);
    if let Some(n) = r.u64("num_thresholds")? {
        let n = usize::try_from(n).ok().filter(|&n| n >= 2);
        let n = n.ok_or_else(|| {
            r.wrong(
                "num_thresholds",
                "a whole number ≥ 2",
                &r.get("num_thresholds").cloned().unwrap_or_default(),
            )
        })?;
        auc = auc.num_thresholds(n);
    }
    if let Some(curve) = r.string("curve")? {
        let c = AucCurve::from_keras_name(curve);
        auc = auc.curve(
            c.ok_or_else(|| r.wrong("curve", "\"ROC\", \"PR\" or \"PRGAIN\"", &json!(curve)))?,
        );
    }
    if let Some(method) = r.string("summation_method")? {
        let m = AucSummation::from_keras_name(method);
        auc = auc.summation_method(m.ok_or_else(|| {
            r.wrong(
                "summation_method",
                "\"interpolation\", \"minoring\" or \"majoring\"",
                &json!(method),
            )
        })?);
    }
    auc = auc.multi_label(r.bool("multi_label")?.unwrap_or(false));
    auc = auc.from_logits(r.bool("from_logits")?.unwrap_or(false));
    match r.get("num_labels") {
        None | Some(Value::Null) => {}
        Some(v) => match v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n >= 1)
        {
            Some(n) => auc = auc.num_labels(n),
            None => return Err(r.wrong("num_labels", "a whole number ≥ 1 or null", v)),
        },
    }
    if let Some(w) = list(r, "label_weights")? {
        auc = auc.label_weights(w);
    }
    if let Some(t) = list(r, "thresholds")? {
        auc = auc.thresholds(t);
    }
    if let Err(Error::InvalidArgument { message, .. }) = auc.validate() {
        let (key, expected) = [
            ("thresholds", "numbers in [0, 1]"),
            ("num_labels", "null unless multi_label is true"),
            ("label_weights", "finite numbers ≥ 0"),
        ]
        .into_iter()
        .find(|(k, _)| message.starts_with(k))
        .unwrap_or(("num_labels", "a whole number ≥ 1 or null"));
        let value = r.get(key).cloned().unwrap_or_default();
        return Err(r.wrong(key, expected, &value));
    }
    Ok(Box::new(auc))
}

/// A list of numbers under `key` (null or absent: none).
pub(super) fn list(
    r: &crate::loss::config::ConfigReader<'_>,
    key: &str,
) -> Result<Option<Vec<f32>>> {
    match r.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| r.to_f32(key, v))
            .collect::<Result<Vec<_>>>()
            .map(Some),
        Some(v) => Err(r.wrong(key, "a list of numbers or null", v)),
    }
}
