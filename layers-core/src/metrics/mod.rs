//! Keras's metrics: running averages over the batches of an epoch (the loss as Keras
//! reports it, accuracies and top-k accuracies, regression errors, crossentropies) and
//! counts (precision, recall, the area under the ROC curve).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{Metric, SparseCategoricalAccuracy};
//!
//! let mut acc = SparseCategoricalAccuracy::new();
//! let labels = Tensor::from_vec(vec![0.0, 1.0], &[2]);
//! let probs = Tensor::from_vec(vec![0.9, 0.1, 0.8, 0.2], &[2, 2]);
//! acc.update(&labels, &probs)?; // 1 of 2 right
//! acc.update(&Tensor::from_vec(vec![1.0, 1.0], &[2]), &Tensor::from_vec(vec![0.0, 1.0, 0.3, 0.7], &[2, 2]))?;
//! assert_eq!(acc.result(), 0.75); // 3 of 4 over both batches
//! acc.reset();
//! assert_eq!(acc.result(), 0.0);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Like Keras's `MeanMetricWrapper`, every metric but precision and recall computes one
//! value per sample (the mean over the sample's positions) and reports the mean over all
//! samples seen since the last reset (root mean squared error: its square root); totals
//! are kept in `f64`. [`Precision`], [`Recall`] and [`Auc`] count true and false positives
//! and negatives over every position instead, as Keras's do, and so do the other
//! threshold metrics ([`TruePositives`] and the other counts, [`PrecisionAtRecall`] and
//! its kin) and the F-scores ([`FBetaScore`], [`F1Score`]).
//!
//! Some of these give several values (Keras's `result()` is then a vector): precision,
//! recall and the counts at several thresholds, an F-score without `average`.
//! [`Metric::results`] gives them all and [`Metric::result`] the first; `compile` and
//! `add_metric` refuse such a metric ([`Metric::is_scalar`]), since `fit`'s logs hold one
//! number per name.

mod accuracy;
mod at_point;
mod auc;
mod config;
mod confusion;
mod crossentropy;
mod fscore;
mod mean;
mod regression;
mod thresholds;
mod top_k;
mod weights;

pub use accuracy::{
    BinaryAccuracy, BinaryMatches, CategoricalAccuracy, CategoricalMatches,
    SparseCategoricalAccuracy, SparseCategoricalMatches,
};
pub use at_point::{
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
};
pub use auc::{Auc, AucCurve, AucSummation};
pub use config::metric_from_config;
pub use confusion::{
    FalseNegatives, FalsePositives, Precision, Recall, Thresholds, TrueNegatives, TruePositives,
};
pub use crossentropy::{
    BinaryCrossentropy, BinaryCrossentropyValues, CategoricalCrossentropy,
    CategoricalCrossentropyValues, SparseCategoricalCrossentropy,
    SparseCategoricalCrossentropyValues,
};
pub use fscore::{Average, F1Score, FBetaScore};
pub use mean::{Batch, Mean, MeanMetric, Measure, Values};
pub use regression::{
    AbsoluteError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, PercentageError, RootMeanSquaredError, SquaredError,
    SquaredLogError,
};
pub use top_k::{
    SparseTopKCategoricalAccuracy, SparseTopKMatches, TopKCategoricalAccuracy, TopKMatches,
};

use crate::Tensor;
use crate::error::{Error, Result, names_of};
use crate::loss::Loss;

/// A quantity accumulated over batches: update it with each batch, read the running
/// result, reset it at the start of an epoch.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, MeanAbsoluteError};
/// let mut m: Box<dyn Metric> = Box::new(MeanAbsoluteError::new());
/// m.update(&Tensor::zeros(&[2, 1]), &Tensor::from_vec(vec![1.0, -3.0], &[2, 1]))?;
/// assert_eq!((m.name(), m.result()), ("mean_absolute_error", 2.0));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Metric: Send + Sync {
    /// The name the metric is reported under (`accuracy`, `loss`, `mae`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{BinaryAccuracy, Metric};
    /// assert_eq!(BinaryAccuracy::new().name(), "binary_accuracy");
    /// ```
    fn name(&self) -> &str;

    /// Adds a batch of targets and predictions.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] naming both shapes when the targets do not fit the
    /// predictions; [`Error::InvalidArgument`] for predictions without a batch axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{CategoricalAccuracy, Metric};
    /// let mut acc = CategoricalAccuracy::new();
    /// let err = acc.update(&Tensor::zeros(&[2, 3]), &Tensor::zeros(&[2, 4])).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`categorical_accuracy` cannot combine shapes [2, 3] and [2, 4]: y_true and y_pred must have the same shape"
    /// );
    /// ```
    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()>;

    /// Adds a batch whose output carries a mask (`Embedding(mask_zero)` →
    /// `Lstm(return_sequences)` → `Dense`): `mask` has `y_pred`'s shape without its last
    /// axis, 1 at the positions that count. The built-in mean metrics (accuracies, errors,
    /// crossentropies) leave the masked positions out, as Keras's `MeanMetricWrapper`
    /// does; the default, as Keras's `Metric`, ignores the mask (so do `Precision`,
    /// `Recall`, `AUC` and `RootMeanSquaredError`, as in Keras).
    ///
    /// # Errors
    ///
    /// As [`update`](Metric::update); a mask of the wrong shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, SparseCategoricalAccuracy};
    /// let mut acc = SparseCategoricalAccuracy::new();
    /// // One sample of 3 steps, 2 classes; the last step is padding.
    /// let probs = Tensor::from_vec(vec![0.9, 0.1, 0.2, 0.8, 0.7, 0.3], &[1, 3, 2]);
    /// let labels = Tensor::from_vec(vec![0.0, 1.0, 1.0], &[1, 3]);
    /// acc.update_masked(&labels, &probs, &Tensor::from_vec(vec![1.0, 1.0, 0.0], &[1, 3]))?;
    /// assert_eq!(acc.result(), 1.0); // both unmasked steps right (2 of 3 without the mask)
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn update_masked(&mut self, y_true: &Tensor, y_pred: &Tensor, mask: &Tensor) -> Result<()> {
        let _ = mask;
        self.update(y_true, y_pred)
    }

    /// Adds a batch with each sample weighed (Keras's `update_state(y_true, y_pred,
    /// sample_weight)`, what `compile`'s weighted metrics receive): `sample_weight` holds one
    /// finite weight ≥ 0 per sample (shape `(batch,)`), or one per position (`(batch,
    /// time)` for a sequence output). `mask` is the output's mask, if it has one; the
    /// metrics that take it (see [`update_masked`](Metric::update_masked)) multiply it into
    /// the weights, as Keras's `MeanMetricWrapper` does. A `(batch,)` weight with a
    /// `(batch, time)` mask weighs every unmasked position of its sample alike, where Keras
    /// 3.15.1 fails to broadcast the two (give `(batch, time)` weights there to match it).
    ///
    /// The mean metrics give `Σ value · weight / Σ weight` over the positions seen;
    /// [`Precision`], [`Recall`], the counts, [`Auc`] and the metrics at a point count each
    /// prediction with its weight, and the F-scores each sample's counts, as Keras's do. By
    /// default (a metric of your own that does not implement it) a metric cannot take
    /// weights: [`Metric::takes_sample_weight`] is false and this is an error.
    ///
    /// # Errors
    ///
    /// As [`update`](Metric::update); [`Error::InvalidArgument`] naming the metric for
    /// weights that do not fit the batch or are negative, NaN or infinite, or for a metric
    /// that cannot take weights.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, SparseCategoricalAccuracy};
    /// let mut acc = SparseCategoricalAccuracy::new();
    /// let probs = Tensor::from_vec(vec![0.9, 0.1, 0.8, 0.2, 0.3, 0.7], &[3, 2]);
    /// let labels = Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3]); // right, wrong, right
    /// acc.update_weighted(&labels, &probs, &Tensor::from_vec(vec![1.0, 3.0, 0.0], &[3]), None)?;
    /// assert_eq!(acc.result(), 0.25); // (1·1 + 3·0 + 0·1) / (1 + 3 + 0)
    /// let err = acc.update_weighted(&labels, &probs, &Tensor::ones(&[2]), None).unwrap_err();
    /// assert!(err.to_string().contains("does not fit"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<()> {
        let _ = (y_true, y_pred, sample_weight, mask);
        Err(Error::invalid(
            "update_weighted",
            format!("metric `{}` cannot take sample weights", self.name()),
        ))
    }

    /// Whether [`update_weighted`](Metric::update_weighted) works, so that the metric can
    /// be one of `compile`'s weighted metrics: true for every built-in metric, false by
    /// default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{F1Score, Metric, Precision, RootMeanSquaredError};
    /// assert!(Precision::new().takes_sample_weight());
    /// assert!(RootMeanSquaredError::new().takes_sample_weight());
    /// assert!(F1Score::new().takes_sample_weight());
    /// ```
    fn takes_sample_weight(&self) -> bool {
        false
    }

    /// The mean over all samples since the last reset (0 before any).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// let mut m = Mean::new();
    /// assert_eq!(m.result(), 0.0);
    /// m.update_state(3.0, 1.0);
    /// assert_eq!(m.result(), 3.0);
    /// ```
    fn result(&self) -> f32;

    /// Every value of the result: one, unless the metric gives several (Keras's
    /// `result()` as a vector: precision at several thresholds, an F-score per class), in
    /// which case [`Metric::result`] is the first of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::metrics::{Metric, Precision};
    /// let mut p = Precision::new().thresholds([0.1, 0.5]);
    /// p.update(&Tensor::from_vec(vec![1.0, 0.0], &[2, 1]), &Tensor::from_vec(vec![0.9, 0.3], &[2, 1]))?;
    /// assert_eq!(p.results(), [0.5, 1.0]);
    /// assert_eq!(p.result(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn results(&self) -> Vec<f32> {
        vec![self.result()]
    }

    /// Whether the result is one number, as `fit`'s logs need (true unless the metric was
    /// set up to give several; `compile` and `add_metric` refuse such a metric).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Metric, Recall};
    /// assert!(Recall::new().thresholds([0.5]).is_scalar());
    /// assert!(!Recall::new().thresholds([0.2, 0.5]).is_scalar());
    /// ```
    fn is_scalar(&self) -> bool {
        true
    }

    /// Forgets every batch seen (the start of an epoch).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// let mut m = Mean::new();
    /// m.update_state(3.0, 1.0);
    /// m.reset();
    /// assert_eq!(m.result(), 0.0);
    /// ```
    fn reset(&mut self);

    /// The metric as data (Keras's `get_config`): `{"name": …}` plus the settings of the
    /// built-in metrics; [`metric_from_config`] reads it back. By default
    /// `{"name": self.name()}`, which [`metric_from_config`] can read back only when the name
    /// is one [`metric_from_name`] knows (it then makes that built-in metric).
    ///
    /// A built-in metric (a [`MeanMetric`]) also writes which one it is under `metric`, so
    /// that a renamed one comes back as itself: `{"name": "acc", "metric":
    /// "binary_accuracy", "threshold": 0.5}`. The running totals are not part of it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{BinaryAccuracy, Metric, MeanAbsoluteError};
    /// use serde_json::json;
    /// assert_eq!(
    ///     BinaryAccuracy::new().threshold(0.7).config(),
    ///     json!({"name": "binary_accuracy", "metric": "binary_accuracy", "threshold": 0.7})
    /// );
    /// assert_eq!(
    ///     MeanAbsoluteError::new().with_name("mae").config(),
    ///     json!({"name": "mae", "metric": "mean_absolute_error"})
    /// );
    /// ```
    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name() })
    }
}

/// Every name [`metric_from_name`] accepts.
///
/// # Examples
///
/// ```
/// assert!(layers_core::metrics::METRIC_NAMES.contains(&"accuracy"));
/// ```
pub const METRIC_NAMES: &[&str] = &names_of(&METRICS);

/// Every metric [`metric_from_name`] makes, by name, given the name and the model's loss.
const METRICS: [(&str, MakeMetric); 49] = [
    ("accuracy", accuracy_for),
    ("acc", accuracy_for),
    ("sparse_categorical_accuracy", |_, _| {
        Box::new(SparseCategoricalAccuracy::new())
    }),
    ("categorical_accuracy", |_, _| {
        Box::new(CategoricalAccuracy::new())
    }),
    ("binary_accuracy", |_, _| Box::new(BinaryAccuracy::new())),
    ("mean_absolute_error", |name, _| {
        Box::new(MeanAbsoluteError::new().with_name(name))
    }),
    ("mae", |name, _| {
        Box::new(MeanAbsoluteError::new().with_name(name))
    }),
    ("mean_squared_error", |name, _| {
        Box::new(MeanSquaredError::new().with_name(name))
    }),
    ("mse", |name, _| {
        Box::new(MeanSquaredError::new().with_name(name))
    }),
    ("top_k_categorical_accuracy", top_k),
    ("TopKCategoricalAccuracy", top_k),
    ("sparse_top_k_categorical_accuracy", sparse_top_k),
    ("SparseTopKCategoricalAccuracy", sparse_top_k),
    ("root_mean_squared_error", rmse),
    ("RootMeanSquaredError", rmse),
    ("binary_crossentropy", bce),
    ("BinaryCrossentropy", bce),
    ("bce", bce),
    ("BCE", bce),
    ("categorical_crossentropy", cce),
    ("CategoricalCrossentropy", cce),
    ("sparse_categorical_crossentropy", scce),
    ("SparseCategoricalCrossentropy", scce),
    ("mean_absolute_percentage_error", mape),
    ("MeanAbsolutePercentageError", mape),
    ("mape", mape),
    ("MAPE", mape),
    ("mean_squared_logarithmic_error", msle),
    ("MeanSquaredLogarithmicError", msle),
    ("msle", msle),
    ("MSLE", msle),
    ("precision", |name, _| {
        Box::new(Precision::new().with_name(name))
    }),
    ("Precision", |name, _| {
        Box::new(Precision::new().with_name(name))
    }),
    ("recall", |name, _| Box::new(Recall::new().with_name(name))),
    ("Recall", |name, _| Box::new(Recall::new().with_name(name))),
    ("auc", |name, _| Box::new(Auc::new().with_name(name))),
    ("AUC", |name, _| Box::new(Auc::new().with_name(name))),
    ("true_positives", |name, _| {
        Box::new(TruePositives::new().with_name(name))
    }),
    ("TruePositives", |name, _| {
        Box::new(TruePositives::new().with_name(name))
    }),
    ("false_positives", |name, _| {
        Box::new(FalsePositives::new().with_name(name))
    }),
    ("FalsePositives", |name, _| {
        Box::new(FalsePositives::new().with_name(name))
    }),
    ("true_negatives", |name, _| {
        Box::new(TrueNegatives::new().with_name(name))
    }),
    ("TrueNegatives", |name, _| {
        Box::new(TrueNegatives::new().with_name(name))
    }),
    ("false_negatives", |name, _| {
        Box::new(FalseNegatives::new().with_name(name))
    }),
    ("FalseNegatives", |name, _| {
        Box::new(FalseNegatives::new().with_name(name))
    }),
    // Keras's defaults: no average, so one score per class, which `compile` refuses
    // (it names the metric and says why).
    ("f1_score", |name, _| {
        Box::new(F1Score::new().with_name(name))
    }),
    ("F1Score", |name, _| {
        Box::new(F1Score::new().with_name(name))
    }),
    ("fbeta_score", |name, _| {
        Box::new(FBetaScore::new(1.0).with_name(name))
    }),
    ("FBetaScore", |name, _| {
        Box::new(FBetaScore::new(1.0).with_name(name))
    }),
];

fn top_k(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(TopKCategoricalAccuracy::new().with_name(name))
}

fn sparse_top_k(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(SparseTopKCategoricalAccuracy::new().with_name(name))
}

fn rmse(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(RootMeanSquaredError::new().with_name(name))
}

fn bce(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(BinaryCrossentropy::new().with_name(name))
}

fn cce(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(CategoricalCrossentropy::new().with_name(name))
}

fn scce(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(SparseCategoricalCrossentropy::new().with_name(name))
}

fn mape(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(MeanAbsolutePercentageError::new().with_name(name))
}

fn msle(name: &str, _: &dyn Loss) -> Box<dyn Metric> {
    Box::new(MeanSquaredLogarithmicError::new().with_name(name))
}

type MakeMetric = fn(&str, &dyn Loss) -> Box<dyn Metric>;

/// Keras 3's `accuracy`: the one the first batch's shapes call for, whatever the loss
/// (Keras 3's `get_metric` looks at the shapes only: binary crossentropy on several
/// outputs gets categorical accuracy).
fn accuracy_for(name: &str, _loss: &dyn Loss) -> Box<dyn Metric> {
    Box::new(accuracy::ByShapeAccuracy::new(name))
}

/// The metric Keras's `metrics=["…"]` names, reported under that name, as Keras 3 does.
///
/// `"accuracy"` (or `"acc"`) is chosen from the shapes of the first batch, whatever the
/// loss, by Keras 3's rule: binary when predictions have a last axis of size 1, sparse when
/// the targets have a lower rank (or a last axis of 1 against several classes), categorical
/// otherwise. So, as in Keras 3, binary crossentropy on several outputs (multi-label) gets
/// categorical accuracy; ask for `"binary_accuracy"` by name for the other.
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown name, listing the known ones.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{loss_from_name, MeanSquaredError};
/// use layers_core::metrics::metric_from_name;
///
/// let loss = loss_from_name("sparse_categorical_crossentropy")?;
/// let mut acc = metric_from_name("accuracy", loss.as_ref())?;
/// acc.update(&Tensor::from_vec(vec![2.0], &[1]), &Tensor::from_vec(vec![0.1, 0.2, 0.7], &[1, 3]))?;
/// assert_eq!((acc.name(), acc.result()), ("accuracy", 1.0));
///
/// // with a regression loss, accuracy follows the shapes: here one output, so binary
/// let mut acc = metric_from_name("acc", &MeanSquaredError::new())?;
/// acc.update(&Tensor::from_vec(vec![1.0, 0.0], &[2, 1]), &Tensor::from_vec(vec![0.8, 0.6], &[2, 1]))?;
/// assert_eq!((acc.name(), acc.result()), ("acc", 0.5));
///
/// // binary crossentropy on 2 outputs (multi-label): categorical accuracy, as in Keras 3
/// let bce = loss_from_name("binary_crossentropy")?;
/// let mut acc = metric_from_name("accuracy", bce.as_ref())?;
/// let multi_hot = Tensor::from_vec(vec![1.0, 1.0, 0.0, 1.0], &[2, 2]);
/// acc.update(&multi_hot, &Tensor::from_vec(vec![0.9, 0.8, 0.6, 0.7], &[2, 2]))?;
/// assert_eq!(acc.result(), 1.0); // argmax 0 is a 1, argmax 1 is a 1 (binary accuracy: 0.75)
/// assert_eq!(acc.config()["metric"], "categorical_accuracy");
///
/// // other Keras names: its class names, snake-case names and aliases, reported as given
/// let top = metric_from_name("TopKCategoricalAccuracy", loss.as_ref())?;
/// assert_eq!(top.name(), "TopKCategoricalAccuracy");
/// assert_eq!(top.config()["metric"], "top_k_categorical_accuracy");
/// assert!(metric_from_name("iou", loss.as_ref()).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn metric_from_name(name: &str, loss: &dyn Loss) -> Result<Box<dyn Metric>> {
    METRICS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, make)| make(name, loss))
        .ok_or_else(|| Error::unknown_name("metric", name, METRIC_NAMES.iter().copied()))
}
