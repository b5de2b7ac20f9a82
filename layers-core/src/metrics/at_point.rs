//! One rate at the best threshold where another reaches a value (Keras's
//! `PrecisionAtRecall`, `RecallAtPrecision`, `SensitivityAtSpecificity` and
//! `SpecificityAtSensitivity`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Metric, PrecisionAtRecall};
//! let mut m = PrecisionAtRecall::new(0.5);
//! let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0], &[5, 1]);
//! m.update(&y, &Tensor::from_vec(vec![0.0, 0.3, 0.3, 0.5, 0.8], &[5, 1]))?;
//! assert_eq!(m.result(), 1.0); // above 0.5 only the 0.8, a positive: recall 0.5, precision 1
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use super::Metric;
use super::thresholds::{Counting, Counts};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// `a / b` in `f32`, 0 when `b` is 0 (Keras's `divide_no_nan` on its float32 counts: the
/// comparison with the target value is made in `f32`, as Keras makes it).
fn rate(a: f64, b: f64) -> f32 {
    let (a, b) = (a as f32, b as f32);
    if b == 0.0 { 0.0 } else { a / b }
}

/// What is held fixed and what is reported.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Rate {
    Precision,
    Recall,
    Sensitivity,
    Specificity,
}

impl Rate {
    fn at(self, c: &Counts, j: usize) -> f32 {
        match self {
            Rate::Precision => rate(c.tp[j], c.tp[j] + c.fp[j]),
            Rate::Recall | Rate::Sensitivity => rate(c.tp[j], c.tp[j] + c.fn_[j]),
            Rate::Specificity => rate(c.tn[j], c.tn[j] + c.fp[j]),
        }
    }
}

macro_rules! at_point_metric {
    (
        $(#[$doc:meta])* $ty:ident, $name:literal, $key:literal,
        report $reported:ident at $fixed:ident
    ) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $ty {
            name: String,
            value: f32,
            num_thresholds: usize,
            class_id: Option<usize>,
            counts: Counts,
        }

        impl $ty {
            /// The name it is reported under by default, and its `metric` in configs.
            pub const NAME: &'static str = $name;

            #[doc = concat!("An empty metric at `", $key, "` (in `[0, 1]`, else refused by [`Metric::update`]), with Keras's 200 thresholds.")]
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let m = ", stringify!($ty), "::new(0.8);")]
            #[doc = concat!("assert_eq!((m.name(), m.result()), (\"", $name, "\", 0.0));")]
            #[doc = concat!("assert_eq!(m.config()[\"", $key, "\"], 0.8);")]
            /// ```
            pub fn new(value: f32) -> $ty {
                $ty {
                    name: $name.to_string(),
                    value,
                    num_thresholds: 200,
                    class_id: None,
                    counts: Counts::default(),
                }
            }

            /// Sets the number of thresholds (Keras's `num_thresholds`: evenly spaced
            /// from 0 to 1, or 0.5 alone for 1; 0 is refused by [`Metric::update`]). The
            /// counts seen so far are forgotten.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::Tensor;
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let mut m = ", stringify!($ty), "::new(0.5).num_thresholds(0);")]
            /// let err = m.update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1])).unwrap_err();
            #[doc = concat!("assert_eq!(err.to_string(), \"`", $name, "`: num_thresholds must be at least 1, but it is 0\");")]
            /// ```
            pub fn num_thresholds(mut self, num_thresholds: usize) -> $ty {
                self.num_thresholds = num_thresholds;
                self.counts = Counts::default();
                self
            }

            /// Counts only class `class_id` of predictions `(batch, classes)` (Keras's
            /// `class_id`; out of range is refused by [`Metric::update`]). The counts seen
            /// so far are forgotten.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::new(0.5).class_id(2).config()[\"class_id\"], 2);")]
            /// ```
            pub fn class_id(mut self, class_id: usize) -> $ty {
                self.class_id = Some(class_id);
                self.counts = Counts::default();
                self
            }

            /// Renames the metric (the name `fit`'s logs and the history use).
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("assert_eq!(", stringify!($ty), "::new(0.5).with_name(\"m\").name(), \"m\");")]
            /// ```
            pub fn with_name(mut self, name: impl Into<String>) -> $ty {
                self.name = name.into();
                self
            }

            fn validate(&self) -> Result<()> {
                if !(0.0..=1.0).contains(&self.value) {
                    return Err(Error::invalid(
                        $name,
                        format!(concat!($key, " must be in [0, 1], but it is {}"), self.value),
                    ));
                }
                if self.num_thresholds == 0 {
                    return Err(Error::invalid(
                        $name,
                        "num_thresholds must be at least 1, but it is 0",
                    ));
                }
                Ok(())
            }

            /// Keras's thresholds: 0.5 alone, or `0, 1/(n − 1), …, 1`.
            fn thresholds(&self) -> Vec<f32> {
                let n = self.num_thresholds;
                if n == 1 {
                    return vec![0.5];
                }
                (0..n).map(|i| (i as f64 / (n - 1) as f64) as f32).collect()
            }

            /// Adds a batch's counts, each prediction weighed by `sample_weight` if given.
            fn count(
                &mut self,
                y_true: &Tensor,
                y_pred: &Tensor,
                sample_weight: Option<&Tensor>,
            ) -> Result<()> {
                self.validate()?;
                let thresholds = self.thresholds();
                let counting = Counting {
                    evenly: thresholds.len() >= 2,
                    class_id: self.class_id,
                    sample_weight,
                    ..Counting::new($name, &thresholds)
                };
                let batch = counting.count(y_true, y_pred)?;
                self.counts.add(&batch);
                Ok(())
            }
        }

        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
                self.count(y_true, y_pred, None)
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
                self.count(y_true, y_pred, Some(sample_weight))
            }

            fn takes_sample_weight(&self) -> bool {
                true
            }

            /// The largest reported rate over the thresholds where the fixed rate is at
            /// least the value (0 where none is), as Keras's `_find_max_under_constraint`.
            fn result(&self) -> f32 {
                (0..self.counts.tp.len())
                    .filter(|&j| Rate::$fixed.at(&self.counts, j) >= self.value)
                    .map(|j| Rate::$reported.at(&self.counts, j))
                    .fold(0.0, f32::max)
            }

            fn reset(&mut self) {
                self.counts = Counts::default();
            }

            /// Keras's keys: `num_thresholds`, the value, `class_id`.
            fn config(&self) -> Value {
                json!({
                    "name": self.name,
                    "metric": $name,
                    "num_thresholds": self.num_thresholds,
                    $key: f32_to_json(self.value),
                    "class_id": self.class_id,
                })
            }
        }
    };
}

at_point_metric!(
    /// The best precision among the thresholds whose recall is at least `recall`
    /// (Keras's `PrecisionAtRecall`), counted over every batch since the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, PrecisionAtRecall};
    /// let mut m = PrecisionAtRecall::new(1.0).num_thresholds(3);
    /// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3, 1]);
    /// // thresholds 0, 0.5, 1: all of recall 1 only at 0, where 2 of 3 are positives
    /// m.update(&y, &Tensor::from_vec(vec![0.6, 0.2, 0.9], &[3, 1]))?;
    /// assert_eq!(m.result(), 2.0 / 3.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    PrecisionAtRecall, "precision_at_recall", "recall",
    report Precision at Recall
);

at_point_metric!(
    /// The best recall among the thresholds whose precision is at least `precision`
    /// (Keras's `RecallAtPrecision`), counted over every batch since the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, RecallAtPrecision};
    /// let mut m = RecallAtPrecision::new(1.0).num_thresholds(3);
    /// let y = Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3, 1]);
    /// // at 0.5 only the 0.9, a positive: precision 1, recall 1/2
    /// m.update(&y, &Tensor::from_vec(vec![0.3, 0.2, 0.9], &[3, 1]))?;
    /// assert_eq!(m.result(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    RecallAtPrecision, "recall_at_precision", "precision",
    report Recall at Precision
);

at_point_metric!(
    /// The best sensitivity (recall) among the thresholds whose specificity
    /// `tn / (tn + fp)` is at least `specificity` (Keras's `SensitivityAtSpecificity`),
    /// counted over every batch since the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, SensitivityAtSpecificity};
    /// let mut m = SensitivityAtSpecificity::new(0.5).num_thresholds(3);
    /// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4, 1]);
    /// // at 0.5: specificity 1/2 (the 0.2), sensitivity 1/2 (the 0.9)
    /// m.update(&y, &Tensor::from_vec(vec![0.2, 0.7, 0.4, 0.9], &[4, 1]))?;
    /// assert_eq!(m.result(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    SensitivityAtSpecificity, "sensitivity_at_specificity", "specificity",
    report Sensitivity at Specificity
);

at_point_metric!(
    /// The best specificity `tn / (tn + fp)` among the thresholds whose sensitivity
    /// (recall) is at least `sensitivity` (Keras's `SpecificityAtSensitivity`), counted
    /// over every batch since the last reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, SpecificityAtSensitivity};
    /// let mut m = SpecificityAtSensitivity::new(1.0).num_thresholds(3);
    /// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[4, 1]);
    /// // sensitivity 1 only at 0, where every negative is predicted positive
    /// m.update(&y, &Tensor::from_vec(vec![0.2, 0.7, 0.4, 0.9], &[4, 1]))?;
    /// assert_eq!(m.result(), 0.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    SpecificityAtSensitivity, "specificity_at_sensitivity", "sensitivity",
    report Specificity at Sensitivity
);

/// The maker of these metrics from their Keras configs, for `metric_from_config`; the
/// value key is required (Keras has no default for it).
pub(super) fn from_config(
    kind: &str,
    name: &str,
    r: &crate::loss::config::ConfigReader<'_>,
) -> Result<Box<dyn Metric>> {
    let key = value_key(kind);
    let value = r
        .f32(key)?
        .ok_or_else(|| r.wrong(key, "a number in [0, 1]", &Value::Null))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(r.wrong(
            key,
            "a number in [0, 1]",
            &r.get(key).cloned().unwrap_or_default(),
        ));
    }
    let n = match r.u64("num_thresholds")? {
        None => 200,
        Some(n) => usize::try_from(n).ok().filter(|&n| n >= 1).ok_or_else(|| {
            r.wrong(
                "num_thresholds",
                "a whole number ≥ 1",
                &r.get("num_thresholds").cloned().unwrap_or_default(),
            )
        })?,
    };
    let class_id = match r.get("class_id") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| r.wrong("class_id", "a whole number ≥ 0 or null", v))?,
        ),
    };
    macro_rules! make {
        ($ty:ident) => {{
            let mut m = $ty::new(value).num_thresholds(n).with_name(name);
            if let Some(c) = class_id {
                m = m.class_id(c);
            }
            Box::new(m) as Box<dyn Metric>
        }};
    }
    Ok(match kind {
        "precision_at_recall" => make!(PrecisionAtRecall),
        "recall_at_precision" => make!(RecallAtPrecision),
        "sensitivity_at_specificity" => make!(SensitivityAtSpecificity),
        _ => make!(SpecificityAtSensitivity),
    })
}

/// The config key of the value each kind holds fixed.
pub(super) fn value_key(kind: &str) -> &'static str {
    match kind {
        "precision_at_recall" => "recall",
        "recall_at_precision" => "precision",
        "sensitivity_at_specificity" => "specificity",
        _ => "sensitivity",
    }
}
