//! Precision, recall and the four confusion counts, at one threshold or several, counted
//! over every batch since the last reset (Keras's `Precision`, `Recall`, `TruePositives`,
//! `FalsePositives`, `TrueNegatives` and `FalseNegatives`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Metric, Precision, Recall};
//! let y = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[4, 1]);
//! let p = Tensor::from_vec(vec![0.9, 0.8, 0.3, 0.6], &[4, 1]);
//! let (mut precision, mut recall) = (Precision::new(), Recall::new());
//! precision.update(&y, &p)?;
//! recall.update(&y, &p)?;
//! assert_eq!(precision.result(), 2.0 / 3.0); // 2 of the 3 predicted positives
//! assert_eq!(recall.result(), 2.0 / 3.0); // 2 of the 3 actual positives
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! With several thresholds Keras's `result()` is a vector, one value per threshold:
//! [`Metric::results`] gives it, [`Metric::result`] the value at the first threshold, and
//! `compile`/`add_metric` refuse such a metric, since `fit`'s logs hold one number per name.

use serde_json::{Value, json};

use super::Metric;
use super::thresholds::{Counting, Counts, NEG_INF, check_thresholds, check_top_k, divide_no_nan};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// The thresholds of a confusion metric as given: one number or a list (Keras's
/// `thresholds`, written back into the config as given).
///
/// # Examples
///
/// ```
/// use layers_core::metrics::Thresholds;
/// assert_eq!(Thresholds::from(0.3).values(), [0.3]);
/// assert_eq!(Thresholds::from([0.2, 0.8]).values(), [0.2, 0.8]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Thresholds {
    /// One threshold, given as a number.
    One(f32),
    /// A list of thresholds (a list of one is one threshold too).
    List(Vec<f32>),
}

impl Thresholds {
    /// The thresholds, in the order given.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(layers_core::metrics::Thresholds::List(vec![0.9, 0.1]).values(), [0.9, 0.1]);
    /// ```
    pub fn values(&self) -> Vec<f32> {
        match self {
            Thresholds::One(t) => vec![*t],
            Thresholds::List(t) => t.clone(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Thresholds::One(t) => f32_to_json(*t),
            Thresholds::List(t) => t.iter().map(|&v| f32_to_json(v)).collect(),
        }
    }
}

impl From<f32> for Thresholds {
    fn from(t: f32) -> Thresholds {
        Thresholds::One(t)
    }
}

impl From<Vec<f32>> for Thresholds {
    fn from(t: Vec<f32>) -> Thresholds {
        Thresholds::List(t)
    }
}

impl From<&[f32]> for Thresholds {
    fn from(t: &[f32]) -> Thresholds {
        Thresholds::List(t.to_vec())
    }
}

impl<const N: usize> From<[f32; N]> for Thresholds {
    fn from(t: [f32; N]) -> Thresholds {
        Thresholds::List(t.to_vec())
    }
}

/// Which ratio or count a confusion metric reports.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Report {
    Precision,
    Recall,
    Tp,
    Fp,
    Tn,
    Fn,
}

/// What every confusion metric holds: its settings and its counts.
#[derive(Clone, Debug, PartialEq)]
struct State {
    name: String,
    thresholds: Option<Thresholds>,
    top_k: Option<usize>,
    class_id: Option<usize>,
    counts: Counts,
}

impl State {
    fn new(name: &str) -> State {
        State {
            name: name.to_string(),
            thresholds: None,
            top_k: None,
            class_id: None,
            counts: Counts::default(),
        }
    }

    /// The thresholds in use: those given, else 0.5 (or Keras's `NEG_INF` with `top_k`,
    /// so that every kept prediction counts as positive).
    fn values(&self) -> Vec<f32> {
        match &self.thresholds {
            Some(t) => t.values(),
            None if self.top_k.is_some() => vec![NEG_INF],
            None => vec![0.5],
        }
    }

    fn update(
        &mut self,
        op: &'static str,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: Option<&Tensor>,
    ) -> Result<()> {
        let thresholds = self.values();
        if thresholds.is_empty() {
            return Err(Error::invalid(
                op,
                "thresholds must hold at least one value, but it is empty",
            ));
        }
        if self.thresholds.is_some() {
            check_thresholds(op, &thresholds)?;
        }
        if let Some(k) = self.top_k {
            check_top_k(op, k)?;
        }
        let counting = Counting {
            top_k: self.top_k,
            class_id: self.class_id,
            sample_weight,
            ..Counting::new(op, &thresholds)
        };
        let batch = counting.count(y_true, y_pred)?;
        self.counts.add(&batch);
        Ok(())
    }

    fn results(&self, report: Report) -> Vec<f32> {
        let c = &self.counts;
        if c.tp.is_empty() {
            return vec![0.0; self.values().len()];
        }
        (0..c.tp.len())
            .map(|j| {
                let value = match report {
                    Report::Precision => divide_no_nan(c.tp[j], c.tp[j] + c.fp[j]),
                    Report::Recall => divide_no_nan(c.tp[j], c.tp[j] + c.fn_[j]),
                    Report::Tp => c.tp[j],
                    Report::Fp => c.fp[j],
                    Report::Tn => c.tn[j],
                    Report::Fn => c.fn_[j],
                };
                value as f32
            })
            .collect()
    }

    fn config(&self, metric: &str, filters: bool) -> Value {
        let mut config = json!({
            "name": self.name,
            "metric": metric,
            "thresholds": self.thresholds.as_ref().map_or(Value::Null, Thresholds::to_json),
        });
        if filters {
            config["top_k"] = json!(self.top_k);
            config["class_id"] = json!(self.class_id);
        }
        config
    }
}

macro_rules! confusion_metric {
    (
        $(#[$doc:meta])* $ty:ident, $name:literal, $report:ident, filters: $filters:tt
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $ty {
            state: State,
        }

        impl Default for $ty {
            fn default() -> Self {
                $ty::new()
            }
        }

        impl $ty {
            /// The name it is reported under by default, and its `metric` in configs.
            pub const NAME: &'static str = $name;

            #[doc = concat!("An empty `", $name, "` at Keras's default threshold 0.5.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::new().result(), 0.0);")]
            /// ```
            pub fn new() -> Self {
                $ty { state: State::new($name) }
            }

            /// Sets the threshold, or thresholds, above which a prediction counts as
            /// positive (Keras's `thresholds`: a number or a list). A threshold outside
            /// `[0, 1]` or an empty list is refused by [`Metric::update`] and by
            /// [`metric_from_config`](super::metric_from_config). The counts seen so far
            /// are forgotten.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::Tensor;
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let mut m = ", stringify!($ty), "::new().thresholds(1.5);")]
            /// let err = m.update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1])).unwrap_err();
            #[doc = concat!("assert_eq!(err.to_string(), \"`", $name, "`: thresholds must be in [0, 1], but it is 1.5\");")]
            #[doc = concat!("let several = ", stringify!($ty), "::new().thresholds([0.2, 0.6]);")]
            /// assert_eq!(several.results().len(), 2);
            /// ```
            pub fn thresholds(mut self, thresholds: impl Into<Thresholds>) -> Self {
                self.state.thresholds = Some(thresholds.into());
                self.state.counts = Counts::default();
                self
            }

            /// Renames the metric (the name `fit`'s logs and the history use).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::new().with_name(\"p\").name(), \"p\");")]
            /// ```
            pub fn with_name(mut self, name: impl Into<String>) -> Self {
                self.state.name = name.into();
                self
            }
        }

        confusion_metric!(@filters $filters $ty, $name);

        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.state.name
            }

            fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
                self.state.update($name, y_true, y_pred, None)
            }

            /// Each prediction counted with its sample's weight, as Keras counts it; the
            /// mask is ignored, as Keras ignores it here.
            fn update_weighted(
                &mut self,
                y_true: &Tensor,
                y_pred: &Tensor,
                sample_weight: &Tensor,
                _mask: Option<&Tensor>,
            ) -> Result<()> {
                self.state.update($name, y_true, y_pred, Some(sample_weight))
            }

            fn takes_sample_weight(&self) -> bool {
                true
            }

            /// The value at the first threshold (the only one, unless several were given).
            fn result(&self) -> f32 {
                self.state.results(Report::$report).first().copied().unwrap_or(0.0)
            }

            fn results(&self) -> Vec<f32> {
                self.state.results(Report::$report)
            }

            fn is_scalar(&self) -> bool {
                self.state.values().len() == 1
            }

            fn reset(&mut self) {
                self.state.counts = Counts::default();
            }

            fn config(&self) -> Value {
                self.state.config($name, $filters)
            }
        }
    };
    (@filters false $ty:ident, $name:literal) => {};
    (@filters true $ty:ident, $name:literal) => {
        impl $ty {
            /// Counts only the `k` largest predictions of each sample as candidates for
            /// positive (Keras's `top_k`, over the last axis; the others count as
            /// negative). With `top_k` and no threshold, every kept prediction is positive.
            /// A `k` of 0, or more than the predictions of a sample, is refused by
            /// [`Metric::update`]. The counts seen so far are forgotten.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::Tensor;
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let mut m = ", stringify!($ty), "::new().top_k(0);")]
            /// let err = m.update(&Tensor::ones(&[1, 3]), &Tensor::ones(&[1, 3])).unwrap_err();
            #[doc = concat!("assert_eq!(err.to_string(), \"`", $name, "`: top_k must be at least 1, but it is 0\");")]
            /// ```
            pub fn top_k(mut self, k: usize) -> Self {
                self.state.top_k = Some(k);
                self.state.counts = Counts::default();
                self
            }

            /// Counts only class `class_id` (an index into the last axis of predictions
            /// `(batch, classes)`; Keras's `class_id`). A class out of range is refused by
            /// [`Metric::update`]. The counts seen so far are forgotten.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::Tensor;
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let mut m = ", stringify!($ty), "::new().class_id(3);")]
            /// let err = m.update(&Tensor::ones(&[1, 3]), &Tensor::ones(&[1, 3])).unwrap_err();
            #[doc = concat!("assert!(err.to_string().starts_with(\"`", $name, "`: class_id 3 is out of range for y_pred of shape [1, 3]\"));")]
            /// ```
            pub fn class_id(mut self, class_id: usize) -> Self {
                self.state.class_id = Some(class_id);
                self.state.counts = Counts::default();
                self
            }
        }
    };
}

confusion_metric!(
    /// The fraction of predicted positives that are positive, `tp / (tp + fp)`, counted
    /// over every batch since the last reset (Keras's `Precision`; threshold 0.5 by
    /// default): a prediction above the threshold is positive, a target that is not 0 is
    /// positive. 0 while nothing was predicted positive.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, Precision};
    /// let mut precision = Precision::new().thresholds(0.7);
    /// let y = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]);
    /// precision.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.6], &[3, 1]))?;
    /// assert_eq!(precision.result(), 0.5);
    /// // of class 1 among the top 1 of 2 classes: sample 0 right, sample 1 wrong
    /// let mut top = Precision::new().top_k(1).class_id(1);
    /// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]);
    /// top.update(&y, &Tensor::from_vec(vec![0.2, 0.8, 0.4, 0.6], &[2, 2]))?;
    /// assert_eq!(top.result(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Precision,
    "precision",
    Precision,
    filters: true
);

confusion_metric!(
    /// The fraction of positives predicted positive, `tp / (tp + fn)`, counted over every
    /// batch since the last reset (Keras's `Recall`; threshold 0.5 by default): a
    /// prediction above the threshold is positive, a target that is not 0 is positive. 0
    /// while no positive was seen.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, Recall};
    /// let mut recall = Recall::new();
    /// let y = Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3]);
    /// recall.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(recall.result(), 0.5);
    /// let mut several = Recall::new().thresholds([0.3, 0.5]);
    /// several.update(&y, &Tensor::from_vec(vec![0.9, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(several.results(), [1.0, 0.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Recall,
    "recall",
    Recall,
    filters: true
);

confusion_metric!(
    /// The number of true positives (positive targets predicted above the threshold)
    /// since the last reset (Keras's `TruePositives`; threshold 0.5 by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, TruePositives};
    /// let mut m = TruePositives::new();
    /// m.update(&Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3, 1]), &Tensor::from_vec(vec![0.9, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(m.result(), 1.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    TruePositives,
    "true_positives",
    Tp,
    filters: false
);

confusion_metric!(
    /// The number of false positives (negative targets predicted above the threshold)
    /// since the last reset (Keras's `FalsePositives`; threshold 0.5 by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, FalsePositives};
    /// let mut m = FalsePositives::new();
    /// m.update(&Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3, 1]), &Tensor::from_vec(vec![0.9, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(m.result(), 1.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    FalsePositives,
    "false_positives",
    Fp,
    filters: false
);

confusion_metric!(
    /// The number of true negatives (negative targets predicted at or below the
    /// threshold) since the last reset (Keras's `TrueNegatives`; threshold 0.5 by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, TrueNegatives};
    /// let mut m = TrueNegatives::new();
    /// m.update(&Tensor::from_vec(vec![0.0, 0.0, 1.0], &[3, 1]), &Tensor::from_vec(vec![0.5, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(m.result(), 1.0); // 0.5 is not above 0.5
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    TrueNegatives,
    "true_negatives",
    Tn,
    filters: false
);

confusion_metric!(
    /// The number of false negatives (positive targets predicted at or below the
    /// threshold) since the last reset (Keras's `FalseNegatives`; threshold 0.5 by
    /// default).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, FalseNegatives};
    /// let mut m = FalseNegatives::new().thresholds([0.3, 0.5]);
    /// m.update(&Tensor::from_vec(vec![1.0, 0.0, 1.0], &[3, 1]), &Tensor::from_vec(vec![0.9, 0.8, 0.4], &[3, 1]))?;
    /// assert_eq!(m.results(), [0.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    FalseNegatives,
    "false_negatives",
    Fn,
    filters: false
);

/// Reads `thresholds` (a number, a list or null), and with `filters` `top_k` and
/// `class_id` (a whole number or null) from a Keras config, refusing what `update` would.
fn settings_from_config(
    r: &crate::loss::config::ConfigReader<'_>,
    filters: bool,
) -> Result<(Option<Thresholds>, Option<usize>, Option<usize>)> {
    let thresholds = match r.get("thresholds") {
        None | Some(Value::Null) => None,
        Some(Value::Array(list)) => {
            let t = list
                .iter()
                .map(|v| r.to_f32("thresholds", v))
                .collect::<Result<Vec<_>>>()?;
            if t.is_empty() || check_thresholds("thresholds", &t).is_err() {
                return Err(r.wrong(
                    "thresholds",
                    "numbers in [0, 1] (at least one)",
                    &Value::Array(list.clone()),
                ));
            }
            Some(Thresholds::List(t))
        }
        Some(v) => {
            let t = r.to_f32("thresholds", v)?;
            if check_thresholds("thresholds", &[t]).is_err() {
                return Err(r.wrong("thresholds", "a number in [0, 1]", v));
            }
            Some(Thresholds::One(t))
        }
    };
    let whole = |key: &str, min: u64| -> Result<Option<usize>> {
        if !filters {
            return Ok(None);
        }
        match r.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|&n| n >= min)
                .and_then(|n| usize::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| r.wrong(key, &format!("a whole number ≥ {min} or null"), v)),
        }
    };
    let top_k = whole("top_k", 1)?;
    let class_id = whole("class_id", 0)?;
    Ok((thresholds, top_k, class_id))
}

/// The makers of these metrics from their Keras configs, for `metric_from_config`.
pub(super) fn from_config(
    kind: &str,
    name: &str,
    r: &crate::loss::config::ConfigReader<'_>,
) -> Result<Box<dyn Metric>> {
    let filters = matches!(kind, "precision" | "recall");
    let (thresholds, top_k, class_id) = settings_from_config(r, filters)?;
    let mut state = State::new(name);
    state.thresholds = thresholds;
    state.top_k = top_k;
    state.class_id = class_id;
    Ok(match kind {
        "precision" => Box::new(Precision { state }),
        "recall" => Box::new(Recall { state }),
        "true_positives" => Box::new(TruePositives { state }),
        "false_positives" => Box::new(FalsePositives { state }),
        "true_negatives" => Box::new(TrueNegatives { state }),
        _ => Box::new(FalseNegatives { state }),
    })
}
