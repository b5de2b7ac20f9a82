//! Losses as data: [`loss_from_config`], the inverse of [`Loss::config`], and the reader
//! of configs written as JSON data that losses, metrics, optimizers and schedules share:
//! an object whose keys must all be known and whose values must have the right type, every
//! problem an [`Error::InvalidConfig`] naming the key.
//!
//! ```
//! use layers_core::loss::{loss_from_config, CategoricalCrossentropy, Loss};
//! let loss = CategoricalCrossentropy::new().from_logits(true);
//! assert_eq!(loss_from_config(&loss.config())?.config(), loss.config());
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! The reader lives with the losses, the lowest of the areas that read configs (metrics
//! and optimizers sit above them), so that all of them share it.

use serde_json::{Map, Value};

use super::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss, SparseCategoricalCrossentropy,
    loss_from_name,
};
use crate::error::{Error, Result};

/// The built-in loss a config describes, the inverse of [`Loss::config`]: `name` is any
/// name [`loss_from_name`] accepts; `from_logits` (crossentropies), `label_smoothing`
/// (binary and categorical crossentropy) and `delta` (Huber) may follow, and default as in
/// Keras when left out.
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown `name`, listing the known ones;
/// [`Error::InvalidConfig`] naming the key for a config that is not an object, a missing
/// or non-string `name`, a key the loss does not know (listing the known ones) or a value
/// of the wrong type; [`Error::InvalidArgument`] for a Huber `delta` below 0 or a
/// `label_smoothing` outside `[0, 1]`.
///
/// # Examples
///
/// ```
/// use layers_core::loss::loss_from_config;
/// use serde_json::json;
/// let loss = loss_from_config(&json!({"name": "sparse_categorical_crossentropy", "from_logits": true}))?;
/// assert_eq!(loss.config()["from_logits"], true);
/// assert_eq!(loss_from_config(&json!({"name": "mse"}))?.name(), "mean_squared_error");
///
/// let err = loss_from_config(&json!({"name": "mse", "from_logits": true})).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "`from_logits` is not a config key of loss `mean_squared_error`; known keys: name"
/// );
/// let err = loss_from_config(&json!({"name": "huber", "delta": "big"})).err().unwrap();
/// assert_eq!(err.to_string(), "`delta` of loss `huber_loss` must be a number, but it is \"big\"");
/// assert!(loss_from_config(&json!({"name": "dice"})).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn loss_from_config(config: &Value) -> Result<Box<dyn Loss>> {
    let loss = loss_from_name(config_name(config, "loss")?)?;
    let name = loss.name();
    let what = format!("loss `{name}`");
    let from_logits = |config| -> Result<bool> {
        let r = ConfigReader::new(config, what.clone(), "", &["name", "from_logits"])?;
        Ok(r.bool("from_logits")?.unwrap_or(false))
    };
    // `from_logits` and `label_smoothing` (binary and categorical crossentropy).
    let smoothed = |config| -> Result<(bool, f32)> {
        let keys = ["name", "from_logits", "label_smoothing"];
        let r = ConfigReader::new(config, what.clone(), "", &keys)?;
        let from_logits = r.bool("from_logits")?.unwrap_or(false);
        Ok((from_logits, r.f32("label_smoothing")?.unwrap_or(0.0)))
    };
    // The loss with its settings checked, as `compile` checks them.
    fn checked(loss: impl Loss + 'static) -> Result<Box<dyn Loss>> {
        loss.check_settings()?;
        Ok(Box::new(loss))
    }
    Ok(match name {
        "binary_crossentropy" => {
            let (logits, s) = smoothed(config)?;
            checked(
                BinaryCrossentropy::new()
                    .from_logits(logits)
                    .label_smoothing(s),
            )?
        }
        "categorical_crossentropy" => {
            let (logits, s) = smoothed(config)?;
            checked(
                CategoricalCrossentropy::new()
                    .from_logits(logits)
                    .label_smoothing(s),
            )?
        }
        "sparse_categorical_crossentropy" => {
            Box::new(SparseCategoricalCrossentropy::new().from_logits(from_logits(config)?))
        }
        "huber_loss" => {
            let r = ConfigReader::new(config, what, "", &["name", "delta"])?;
            let mut huber = Huber::new();
            if let Some(delta) = r.f32("delta")? {
                huber = huber.delta(delta);
            }
            checked(huber)?
        }
        _ => {
            ConfigReader::new(config, what, "", &["name"])?;
            loss
        }
    })
}

/// One config object, checked for unknown keys when it is made; the typed getters give
/// `None` for a key that is absent (the caller keeps its default) and an error naming the
/// key for a value of the wrong type.
pub(crate) struct ConfigReader<'a> {
    map: &'a Map<String, Value>,
    /// What the config describes, for messages: "optimizer `adam`".
    what: String,
    /// Where the object sits in a larger config ("learning_rate.config"), or empty.
    path: String,
}

/// A JSON value as a message shows it: compact, and cut short if long (a hostile config
/// may hold a huge value).
fn show(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// The `name` of a config object: a string, required.
///
/// # Errors
///
/// [`Error::InvalidConfig`] if `config` is not an object, has no `name`, or its `name` is
/// not a string; `kind` says what the config is of ("optimizer").
pub(crate) fn config_name<'a>(config: &'a Value, kind: &str) -> Result<&'a str> {
    let Some(map) = config.as_object() else {
        return Err(Error::InvalidConfig {
            field: format!("{kind} config"),
            message: format!("must be a JSON object, but it is {}", show(config)),
        });
    };
    match map.get("name") {
        Some(Value::String(name)) => Ok(name),
        Some(other) => Err(Error::InvalidConfig {
            field: "name".to_string(),
            message: format!(
                "of the {kind} config must be a string, but it is {}",
                show(other)
            ),
        }),
        None => Err(Error::InvalidConfig {
            field: "name".to_string(),
            message: format!("is missing from the {kind} config"),
        }),
    }
}

impl<'a> ConfigReader<'a> {
    /// Reads `config`, the config of `what` found at `path` (empty at the top), refusing a
    /// value that is not an object and any key not in `known`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the first unknown key and listing the known ones.
    pub(crate) fn new(
        config: &'a Value,
        what: impl Into<String>,
        path: &str,
        known: &[&str],
    ) -> Result<ConfigReader<'a>> {
        let what = what.into();
        let Some(map) = config.as_object() else {
            return Err(Error::InvalidConfig {
                field: if path.is_empty() {
                    format!("{what} config")
                } else {
                    path.to_string()
                },
                message: format!("must be a JSON object, but it is {}", show(config)),
            });
        };
        let reader = ConfigReader {
            map,
            what,
            path: path.to_string(),
        };
        if let Some(key) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(Error::InvalidConfig {
                field: reader.field(key),
                message: format!(
                    "is not a config key of {}; known keys: {}",
                    reader.what,
                    known.join(", ")
                ),
            });
        }
        Ok(reader)
    }

    /// The full name of `key` for messages: `learning_rate.config.decay_steps`.
    pub(crate) fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The raw value of `key`, if present.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// The error for `key` holding `value` where `expected` was needed.
    pub(crate) fn wrong(&self, key: &str, expected: &str, value: &Value) -> Error {
        Error::InvalidConfig {
            field: self.field(key),
            message: format!(
                "of {} must be {expected}, but it is {}",
                self.what,
                show(value)
            ),
        }
    }

    /// An `f32` number (JSON has no NaN or infinity; a number beyond `f32`'s range is
    /// refused rather than made infinite).
    pub(crate) fn f32(&self, key: &str) -> Result<Option<f32>> {
        self.get(key).map(|v| self.to_f32(key, v)).transpose()
    }

    /// An `f32` number or `null` (Keras's `None`): `Some(None)` for `null`.
    pub(crate) fn optional_f32(&self, key: &str) -> Result<Option<Option<f32>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => self.to_f32(key, v).map(|x| Some(Some(x))),
        }
    }

    /// `value`, the value of `key`, as an `f32`.
    pub(crate) fn to_f32(&self, key: &str, value: &Value) -> Result<f32> {
        let Some(x) = value.as_f64() else {
            return Err(self.wrong(key, "a number", value));
        };
        let single = x as f32;
        if single.is_finite() {
            Ok(single)
        } else {
            Err(self.wrong(key, "a number within the range of `f32`", value))
        }
    }

    /// A boolean.
    pub(crate) fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(key, "true or false", v)),
        }
    }

    /// A whole number ≥ 0.
    pub(crate) fn u64(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "a whole number ≥ 0", v)),
        }
    }

    /// A string.
    pub(crate) fn string(&self, key: &str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(key, "a string", v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn unknown_keys_and_wrong_types_name_the_key() {
        let config = json!({"a": 1.5, "b": "x", "c": 1e39, "d": 3, "e": null});
        let known = ["a", "b", "c", "d", "e"];
        let r = ConfigReader::new(&config, "thing `t`", "outer", &known).unwrap();
        assert_eq!(r.f32("a").unwrap(), Some(1.5));
        assert_eq!(r.f32("missing").unwrap(), None);
        assert_eq!(
            r.f32("b").unwrap_err().to_string(),
            "`outer.b` of thing `t` must be a number, but it is \"x\""
        );
        assert!(
            r.f32("c")
                .unwrap_err()
                .to_string()
                .contains("range of `f32`")
        );
        assert_eq!(r.u64("d").unwrap(), Some(3));
        assert!(r.u64("a").is_err());
        assert_eq!(r.optional_f32("e").unwrap(), Some(None));
        assert!(r.bool("a").is_err());
        assert_eq!(r.string("b").unwrap(), Some("x"));

        let err = ConfigReader::new(&config, "thing `t`", "", &["a"])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "`b` is not a config key of thing `t`; known keys: a"
        );
        let err = ConfigReader::new(&json!([1]), "thing", "", &[])
            .err()
            .unwrap();
        assert_eq!(
            err.to_string(),
            "`thing config` must be a JSON object, but it is [1]"
        );
    }

    #[test]
    fn long_values_are_cut_short() {
        let long = Value::String("x".repeat(1000));
        assert_eq!(show(&long).chars().count(), 41);
    }

    #[test]
    fn the_name_is_required_and_a_string() {
        assert_eq!(
            config_name(&json!({"name": "adam"}), "optimizer").unwrap(),
            "adam"
        );
        assert_eq!(
            config_name(&json!({}), "optimizer")
                .unwrap_err()
                .to_string(),
            "`name` is missing from the optimizer config"
        );
        assert!(config_name(&json!({"name": 3}), "loss").is_err());
        assert!(config_name(&json!("adam"), "loss").is_err());
    }
}
