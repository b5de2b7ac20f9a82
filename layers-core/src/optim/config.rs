//! Optimizers as data: the settings every optimizer shares written as Keras's `get_config`
//! does, and [`optimizer_from_config`], which makes a built-in optimizer from such a config.
//!
//! ```
//! use layers_core::optim::{optimizer_from_config, Optimizer, RmsProp};
//! let opt = RmsProp::new().centered(true).clipvalue(0.5);
//! let copy = optimizer_from_config(&opt.config()?)?;
//! assert_eq!(copy.config()?, opt.config()?);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Map, Value};

use super::base::Base;
use super::schedule::read_schedule;
use super::{Optimizer, find_optimizer};
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::loss::config::{ConfigReader, config_name};

/// The keys of the settings every optimizer shares, in the order `config` writes them.
const BASE_KEYS: [&str; 6] = [
    "name",
    "learning_rate",
    "weight_decay",
    "clipnorm",
    "global_clipnorm",
    "clipvalue",
];

/// An optional setting as Keras writes it: the number, or `null` when not set.
fn optional(value: Option<f32>) -> Value {
    value.map_or(Value::Null, f32_to_json)
}

/// The config of optimizer `name`: the shared settings of `base`, then the optimizer's
/// `own` entries. The caller has validated the settings, so every number is finite.
pub(crate) fn optimizer_config<const N: usize>(
    name: &'static str,
    base: &Base,
    own: [(&str, Value); N],
) -> Result<Value> {
    let learning_rate = match &base.schedule {
        Some(schedule) => schedule.config().map_err(|e| match e {
            Error::InvalidArgument { message, .. } => {
                Error::invalid(name, format!("`learning_rate`: {message}"))
            }
            other => other,
        })?,
        None => f32_to_json(base.learning_rate),
    };
    let mut map = Map::new();
    map.insert("name".into(), Value::from(name));
    map.insert("learning_rate".into(), learning_rate);
    map.insert("weight_decay".into(), optional(base.weight_decay));
    map.insert("clipnorm".into(), optional(base.clipnorm));
    map.insert("global_clipnorm".into(), optional(base.global_clipnorm));
    map.insert("clipvalue".into(), optional(base.clipvalue));
    for (key, value) in own {
        map.insert(key.into(), value);
    }
    Ok(Value::Object(map))
}

/// A reader for the config of optimizer `name`, which knows the shared keys and `own`.
///
/// # Errors
///
/// [`Error::InvalidConfig`] for a key it does not know, listing the known ones.
pub(crate) fn optimizer_reader<'a>(
    config: &'a Value,
    name: &'static str,
    own: &[&str],
) -> Result<ConfigReader<'a>> {
    let known = [&BASE_KEYS[..], own].concat();
    ConfigReader::new(config, format!("optimizer `{name}`"), "", &known)
}

/// Reads the shared settings into `base`, over its defaults: a key that is absent keeps the
/// default; `null` unsets an optional setting, as Keras's `None`.
pub(crate) fn read_base(r: &ConfigReader<'_>, base: &mut Base) -> Result<()> {
    match r.get("learning_rate") {
        None => {}
        Some(Value::Object(_)) => {
            let config = r.get("learning_rate").expect("matched above");
            base.schedule = Some(read_schedule(config, &r.field("learning_rate"))?);
        }
        Some(Value::Number(_)) => {
            let rate = r.f32("learning_rate")?.expect("matched above");
            base.set_rate(rate);
        }
        Some(other) => {
            return Err(r.wrong(
                "learning_rate",
                "a number or a schedule's config (`{\"class_name\": …, \"config\": {…}}`)",
                other,
            ));
        }
    }
    for (key, setting) in [
        ("weight_decay", &mut base.weight_decay),
        ("clipnorm", &mut base.clipnorm),
        ("global_clipnorm", &mut base.global_clipnorm),
        ("clipvalue", &mut base.clipvalue),
    ] {
        if let Some(value) = r.optional_f32(key)? {
            *setting = value;
        }
    }
    Ok(())
}

/// The built-in optimizer a config describes, the inverse of [`Optimizer::config`]: its
/// `name` (any letter case, as [`optimizer_from_name`](super::optimizer_from_name)) picks
/// the optimizer, whose Keras defaults the other keys override; a key that is absent keeps
/// its default. `learning_rate` is a number or a schedule's config (see
/// [`schedule_from_config`](super::schedule_from_config)); `null` unsets `weight_decay`,
/// `clipnorm`, `global_clipnorm` or `clipvalue`. The step count and slots are restored
/// apart, with [`Optimizer::set_iterations`] and [`Optimizer::set_slots`].
///
/// A config is data only: nothing in it names code to run.
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown `name`, listing the known ones;
/// [`Error::InvalidConfig`] naming the key for a config that is not an object, a missing
/// or non-string `name`, a key the optimizer does not know (listing the known ones), a
/// value of the wrong type or a number beyond `f32`'s range; then what
/// [`Optimizer::validate`] refuses (a negative learning rate, a `beta_1` of 1, …) as
/// [`Error::InvalidArgument`] naming the setting.
///
/// # Examples
///
/// ```
/// use layers_core::optim::optimizer_from_config;
/// use serde_json::json;
///
/// let opt = optimizer_from_config(&json!({"name": "Adam", "learning_rate": 0.01, "amsgrad": true}))?;
/// assert_eq!((opt.name(), opt.learning_rate()), ("adam", 0.01));
/// assert_eq!(opt.config()?["amsgrad"], true);
///
/// let err = optimizer_from_config(&json!({"name": "adam", "learning_rat": 0.01})).err().unwrap();
/// assert!(err.to_string().starts_with(
///     "`learning_rat` is not a config key of optimizer `adam`; known keys: name, learning_rate,"
/// ));
/// let err = optimizer_from_config(&json!({"name": "sgd", "momentum": "high"})).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "`momentum` of optimizer `SGD` must be a number, but it is \"high\""
/// );
/// let err = optimizer_from_config(&json!({"name": "sgd", "learning_rate": -1})).err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "`SGD`: `learning_rate` must be a finite number ≥ 0, but it is -1.0"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn optimizer_from_config(config: &Value) -> Result<Box<dyn Optimizer>> {
    let make = find_optimizer(config_name(config, "optimizer")?)?;
    let optimizer = (make.from_config)(config)?;
    optimizer.validate()?;
    Ok(optimizer)
}
