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

use super::{
    BinaryAccuracy, CategoricalAccuracy, Mean, MeanAbsoluteError, MeanSquaredError, Metric,
    SparseCategoricalAccuracy, metric_from_name,
};
use crate::error::{Error, Result, names_of};
use crate::loss::Loss;
use crate::loss::config::{ConfigReader, config_name};

type MakeMetric = fn(&str, &ConfigReader<'_>) -> Result<Box<dyn Metric>>;

/// Every built-in metric by the name its config writes under `metric` (its measure's
/// name), with the settings it reads besides `name` and `metric`.
const MEASURES: [(&str, (&[&str], MakeMetric)); 6] = [
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
];

/// The names `metric` may hold.
const MEASURE_NAMES: [&str; 6] = names_of(&MEASURES);

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
/// assert!(metric_from_config(&json!({"name": "precision"}), &loss).is_err());
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
