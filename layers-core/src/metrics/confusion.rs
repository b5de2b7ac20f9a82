//! Precision and recall: ratios of true positives, counted over every batch since the
//! last reset at one threshold (Keras's `Precision` and `Recall`).
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

use serde_json::{Value, json};

use super::Metric;
use super::accuracy::same_shape;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;

/// Keras's threshold when none is given.
const DEFAULT_THRESHOLD: f32 = 0.5;

/// Refuses a threshold outside `[0, 1]` (or NaN), naming the metric, as Keras does.
pub(super) fn check_threshold(op: &'static str, threshold: f32) -> Result<()> {
    if (0.0..=1.0).contains(&threshold) {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("thresholds must be in [0, 1], but it is {threshold}"),
        ))
    }
}

/// True positives, false positives and false negatives at one threshold: a prediction
/// above the threshold is positive, a target that is not 0 is positive (Keras casts the
/// targets to `bool`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counts {
    tp: f64,
    fp: f64,
    fn_: f64,
}

impl Counts {
    fn of(op: &'static str, threshold: f32, y_true: &Tensor, y_pred: &Tensor) -> Result<Counts> {
        check_threshold(op, threshold)?;
        same_shape(op, y_true, y_pred, true)?;
        let mut counts = Counts::default();
        for (&t, &p) in y_true.data().iter().zip(y_pred.data().iter()) {
            match (t != 0.0, p > threshold) {
                (true, true) => counts.tp += 1.0,
                (false, true) => counts.fp += 1.0,
                (true, false) => counts.fn_ += 1.0,
                (false, false) => {}
            }
        }
        Ok(counts)
    }

    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// `tp / (tp + other)` in `f32` as Keras's `divide_no_nan`: 0 when nothing was counted.
fn ratio(tp: f64, other: f64) -> f32 {
    let (tp, total) = (tp as f32, (tp + other) as f32);
    if total == 0.0 { 0.0 } else { tp / total }
}

/// The config Keras writes for both: `thresholds` (null for the default), `top_k` and
/// `class_id` (always null here).
fn config(name: &str, metric: &str, thresholds: Option<f32>) -> Value {
    json!({
        "name": name,
        "metric": metric,
        "thresholds": thresholds.map_or(Value::Null, f32_to_json),
        "top_k": null,
        "class_id": null,
    })
}

macro_rules! confusion_metric {
    ($(#[$doc:meta])* $ty:ident, $name:literal, $other:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $ty {
            name: String,
            thresholds: Option<f32>,
            counts: Counts,
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
                $ty {
                    name: $name.to_string(),
                    thresholds: None,
                    counts: Counts::default(),
                }
            }

            /// Sets the threshold above which a prediction counts as positive (Keras's
            /// `thresholds` with one value). A threshold outside `[0, 1]` is refused by
            /// [`Metric::update`] and by [`metric_from_config`](super::metric_from_config).
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::Tensor;
            #[doc = concat!("use layers_core::metrics::{Metric, ", stringify!($ty), "};")]
            #[doc = concat!("let mut m = ", stringify!($ty), "::new().thresholds(1.5);")]
            /// let err = m.update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1])).unwrap_err();
            #[doc = concat!("assert_eq!(err.to_string(), \"`", $name, "`: thresholds must be in [0, 1], but it is 1.5\");")]
            /// ```
            pub fn thresholds(mut self, threshold: f32) -> Self {
                self.thresholds = Some(threshold);
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
                self.name = name.into();
                self
            }

            /// The threshold in use: the one set, or 0.5.
            fn threshold(&self) -> f32 {
                self.thresholds.unwrap_or(DEFAULT_THRESHOLD)
            }
        }

        impl Metric for $ty {
            fn name(&self) -> &str {
                &self.name
            }

            fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
                let batch = Counts::of($name, self.threshold(), y_true, y_pred)?;
                self.counts.add(batch);
                Ok(())
            }

            fn result(&self) -> f32 {
                ratio(self.counts.tp, self.counts.$other)
            }

            fn reset(&mut self) {
                self.counts = Counts::default();
            }

            fn config(&self) -> Value {
                config(&self.name, $name, self.thresholds)
            }
        }
    };
}

confusion_metric!(
    /// The fraction of predicted positives that are positive, `tp / (tp + fp)`, counted
    /// over every batch since the last reset (Keras's `Precision` with one threshold,
    /// 0.5 by default): a prediction above the threshold is positive, a target that is
    /// not 0 is positive. 0 while nothing was predicted positive.
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
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Precision,
    "precision",
    fp
);

confusion_metric!(
    /// The fraction of positives predicted positive, `tp / (tp + fn)`, counted over every
    /// batch since the last reset (Keras's `Recall` with one threshold, 0.5 by default):
    /// a prediction above the threshold is positive, a target that is not 0 is positive.
    /// 0 while no positive was seen.
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
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Recall,
    "recall",
    fn_
);
