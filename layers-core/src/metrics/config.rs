//! Metrics as data: [`metric_from_config`], the inverse of [`Metric::config`].
//!
//! ```
//! use layers_core::loss::MeanSquaredError;
//! use layers_core::metrics::{metric_from_config, BinaryAccuracy, Metric};
//! let acc = BinaryAccuracy::new().threshold(0.3).with_name("acc");
//! let copy = metric_from_config(&acc.config(), &MeanSquaredError::new())?;
//! assert_eq!(copy.config(), acc.config());
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::Value;

use super::auc::auc_from_config;
use super::{
    BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy, CategoricalCrossentropy, Mean,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
    Metric, RootMeanSquaredError, SparseCategoricalAccuracy, SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, at_point, confusion, fscore,
    metric_from_name,
};
use crate::error::{Error, Result, names_of};
use crate::loss::Loss;
use crate::loss::config::{ConfigReader, config_name};

type MakeMetric = fn(&str, &ConfigReader<'_>) -> Result<Box<dyn Metric>>;

/// Every built-in metric by the name its config writes under `metric` (its measure's
/// name), with the settings it reads besides `name` and `metric`.
const MEASURES: [(&str, (&[&str], MakeMetric)); 27] = [
    (
        "sparse_categorical_accuracy",
        (&[], |name, _| {
            Ok(Box::new(SparseCategoricalAccuracy::new().with_name(name)))
        }),
    ),
    (
        "categorical_accuracy",
        (&[], |name, _| {
            Ok(Box::new(CategoricalAccuracy::new().with_name(name)))
        }),
    ),
    (
        "binary_accuracy",
        (&["threshold"], |name, r| {
            let mut acc = BinaryAccuracy::new().with_name(name);
            if let Some(threshold) = r.f32("threshold")? {
                acc = acc.threshold(threshold);
            }
            Ok(Box::new(acc))
        }),
    ),
    (
        "mean_absolute_error",
        (&[], |name, _| {
            Ok(Box::new(MeanAbsoluteError::new().with_name(name)))
        }),
    ),
    (
        "mean_squared_error",
        (&[], |name, _| {
            Ok(Box::new(MeanSquaredError::new().with_name(name)))
        }),
    ),
    (
        "mean",
        (&[], |name, _| Ok(Box::new(Mean::new().with_name(name)))),
    ),
    (
        "top_k_categorical_accuracy",
        (&["k"], |name, r| {
            let k = top_k(r)?;
            Ok(Box::new(
                TopKCategoricalAccuracy::new().k(k).with_name(name),
            ))
        }),
    ),
    (
        "sparse_top_k_categorical_accuracy",
        (&["k", "from_sorted_ids"], |name, r| {
            if r.bool("from_sorted_ids")? == Some(true) {
                return Err(r.wrong(
                    "from_sorted_ids",
                    "false (sorted class ids are not supported)",
                    &Value::Bool(true),
                ));
            }
            let k = top_k(r)?;
            Ok(Box::new(
                SparseTopKCategoricalAccuracy::new().k(k).with_name(name),
            ))
        }),
    ),
    (
        "root_mean_squared_error",
        (&[], |name, _| {
            Ok(Box::new(RootMeanSquaredError::new().with_name(name)))
        }),
    ),
    (
        "mean_absolute_percentage_error",
        (&[], |name, _| {
            Ok(Box::new(MeanAbsolutePercentageError::new().with_name(name)))
        }),
    ),
    (
        "mean_squared_logarithmic_error",
        (&[], |name, _| {
            Ok(Box::new(MeanSquaredLogarithmicError::new().with_name(name)))
        }),
    ),
    (
        "binary_crossentropy",
        (&["from_logits", "label_smoothing"], |name, r| {
            let (logits, s) = crossentropy_settings(r)?;
            Ok(Box::new(
                BinaryCrossentropy::new()
                    .from_logits(logits)
                    .label_smoothing(s)
                    .with_name(name),
            ))
        }),
    ),
    (
        "categorical_crossentropy",
        (&["from_logits", "label_smoothing", "axis"], |name, r| {
            last_axis(r)?;
            let (logits, s) = crossentropy_settings(r)?;
            Ok(Box::new(
                CategoricalCrossentropy::new()
                    .from_logits(logits)
                    .label_smoothing(s)
                    .with_name(name),
            ))
        }),
    ),
    (
        "sparse_categorical_crossentropy",
        (&["from_logits", "ignore_class", "axis"], |name, r| {
            last_axis(r)?;
            if let Some(v) = r.get("ignore_class").filter(|v| !v.is_null()) {
                return Err(r.wrong("ignore_class", "null (ignore_class is not supported)", v));
            }
            let logits = r.bool("from_logits")?.unwrap_or(false);
            Ok(Box::new(
                SparseCategoricalCrossentropy::new()
                    .from_logits(logits)
                    .with_name(name),
            ))
        }),
    ),
    (
        "precision",
        (&["thresholds", "top_k", "class_id"], |n, r| {
            confusion::from_config("precision", n, r)
        }),
    ),
    (
        "recall",
        (&["thresholds", "top_k", "class_id"], |n, r| {
            confusion::from_config("recall", n, r)
        }),
    ),
    (
        "true_positives",
        (&["thresholds"], |n, r| {
            confusion::from_config("true_positives", n, r)
        }),
    ),
    (
        "false_positives",
        (&["thresholds"], |n, r| {
            confusion::from_config("false_positives", n, r)
        }),
    ),
    (
        "true_negatives",
        (&["thresholds"], |n, r| {
            confusion::from_config("true_negatives", n, r)
        }),
    ),
    (
        "false_negatives",
        (&["thresholds"], |n, r| {
            confusion::from_config("false_negatives", n, r)
        }),
    ),
    (
        "precision_at_recall",
        (&["recall", "num_thresholds", "class_id"], |n, r| {
            at_point::from_config("precision_at_recall", n, r)
        }),
    ),
    (
        "recall_at_precision",
        (&["precision", "num_thresholds", "class_id"], |n, r| {
            at_point::from_config("recall_at_precision", n, r)
        }),
    ),
    (
        "sensitivity_at_specificity",
        (&["specificity", "num_thresholds", "class_id"], |n, r| {
            at_point::from_config("sensitivity_at_specificity", n, r)
        }),
    ),
    (
        "specificity_at_sensitivity",
        (&["sensitivity", "num_thresholds", "class_id"], |n, r| {
            at_point::from_config("specificity_at_sensitivity", n, r)
        }),
    ),
    (
        "f1_score",
        (&["average", "threshold"], |n, r| {
            fscore::from_config("f1_score", n, r)
        }),
    ),
    (
        "fbeta_score",
        (&["average", "beta", "threshold"], |n, r| {
            fscore::from_config("fbeta_score", n, r)
        }),
    ),
    (
        "auc",
        (
            &[
                "num_thresholds",
                "curve",
                "summation_method",
                "multi_label",
                "num_labels",
                "label_weights",
                "from_logits",
                "thresholds",
            ],
            auc_from_config,
        ),
    ),
];

/// The names `metric` may hold.
const MEASURE_NAMES: [&str; 27] = names_of(&MEASURES);

/// A top-k metric's `k` (5 when left out), refused when 0.
fn top_k(r: &ConfigReader<'_>) -> Result<usize> {
    match r.u64("k")? {
        None => Ok(5),
        Some(0) => Err(r.wrong("k", "a whole number ≥ 1", &Value::from(0))),
        Some(k) => usize::try_from(k)
            .map_err(|_| r.wrong("k", "a whole number this machine can count to", &k.into())),
    }
}

/// A crossentropy metric's `from_logits` and `label_smoothing` (false and 0 when left out).
fn crossentropy_settings(r: &ConfigReader<'_>) -> Result<(bool, f32)> {
    let s = r.f32("label_smoothing")?.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&s) {
        return Err(r.wrong("label_smoothing", "a number in [0, 1]", &Value::from(s)));
    }
    Ok((r.bool("from_logits")?.unwrap_or(false), s))
}

/// Keras's `axis` of the crossentropy metrics: only the last axis (-1) is supported.
fn last_axis(r: &ConfigReader<'_>) -> Result<()> {
    match r.get("axis") {
        None => Ok(()),
        Some(v) if v.as_i64() == Some(-1) => Ok(()),
        Some(v) => Err(r.wrong("axis", "-1 (the class axis is the last one)", v)),
    }
}

/// The metric a config describes, the inverse of [`Metric::config`], for a model whose loss
/// is `loss`.
///
/// With a `metric` key (which every built-in [`MeanMetric`](super::MeanMetric) writes),
/// that built-in metric is made, reported under `name`, with the settings that follow
/// (`threshold` for `binary_accuracy`). Without one, `name` is the metric's kind too: a
/// built-in metric's name (`binary_accuracy`, with its settings) or any name
/// [`metric_from_name`] knows, which it resolves as it does, `accuracy` by `loss`.
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown `metric`, or a `name` that names no metric when
/// there is no `metric`; [`Error::InvalidConfig`] naming the key for a config that is not
/// an object, a missing or non-string `name` or `metric`, a key the metric does not know
/// (listing the known ones) or a value of the wrong type.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{BinaryCrossentropy, MeanSquaredError};
/// use layers_core::metrics::metric_from_config;
/// use serde_json::json;
///
/// let mut acc = metric_from_config(&json!({"name": "accuracy"}), &BinaryCrossentropy::new())?;
/// acc.update(&Tensor::from_vec(vec![1.0], &[1, 1]), &Tensor::from_vec(vec![0.9], &[1, 1]))?;
/// assert_eq!((acc.name(), acc.result()), ("accuracy", 1.0));
/// assert_eq!(acc.config()["metric"], "binary_accuracy"); // resolved by the shapes
///
/// let loss = MeanSquaredError::new();
/// let strict = metric_from_config(&json!({"name": "binary_accuracy", "threshold": 0.95}), &loss)?;
/// assert_eq!(strict.config()["threshold"], 0.95);
///
/// let err = metric_from_config(&json!({"name": "mae", "metric": "mean_absolute_error", "threshold": 1}), &loss)
///     .err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "`threshold` is not a config key of metric `mae`; known keys: name, metric"
/// );
/// assert!(metric_from_config(&json!({"name": "iou"}), &loss).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn metric_from_config(config: &Value, loss: &dyn Loss) -> Result<Box<dyn Metric>> {
    let name = config_name(config, "metric")?;
    let what = format!("metric `{name}`");
    let kind = match config.get("metric") {
        Some(Value::String(kind)) => Some(kind.as_str()),
        Some(other) => {
            let r = ConfigReader::new(config, what, "", &["name", "metric"])?;
            return Err(r.wrong("metric", "a string", other));
        }
        None => MEASURE_NAMES.contains(&name).then_some(name),
    };
    let Some(kind) = kind else {
        ConfigReader::new(config, what, "", &["name", "metric"])?;
        return metric_from_name(name, loss);
    };
    let Some((_, (settings, make))) = MEASURES.iter().find(|(known, _)| *known == kind) else {
        return Err(Error::unknown_name("metric", kind, MEASURE_NAMES));
    };
    let known = [&["name", "metric"][..], settings].concat();
    let r = ConfigReader::new(config, what, "", &known)?;
    make(name, &r)
}
