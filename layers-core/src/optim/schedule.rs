//! Learning-rate schedules: the learning rate as a function of the optimizer's step count.
//!
//! ```
//! use layers_core::optim::{ExponentialDecay, LearningRateSchedule};
//! let decay = ExponentialDecay::new(0.1, 10, 0.5)?;
//! assert_eq!(decay.rate(0), 0.1);
//! assert_eq!(decay.rate(10), 0.05);
//! // closures are schedules too
//! let halving = |step: u64| if step < 100 { 0.1 } else { 0.05 };
//! assert_eq!(halving.rate(150), 0.05);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::loss::config::ConfigReader;

use super::decays::{CosineDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay};
use super::restarts::CosineDecayRestarts;

/// A learning rate that depends on the step: the optimizer asks for `rate(iterations)`
/// before each update, so the first update uses `rate(0)` (as Keras does).
///
/// Any `Fn(u64) -> f32 + Send + Sync` closure is a schedule.
///
/// # Examples
///
/// ```
/// use layers_core::optim::LearningRateSchedule;
/// let warmup = |step: u64| if step < 10 { 0.001 } else { 0.01 };
/// assert_eq!(warmup.rate(0), 0.001);
/// assert_eq!(warmup.rate(50), 0.01);
/// ```
pub trait LearningRateSchedule: Send + Sync {
    /// The learning rate for the update that follows `step` completed updates.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, LearningRateSchedule};
    /// let s = ExponentialDecay::new(1.0, 1, 0.5)?;
    /// assert_eq!(s.rate(3), 0.125);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn rate(&self, step: u64) -> f32;

    /// The schedule as data, as Keras serializes it inside an optimizer's config:
    /// `{"class_name": "ExponentialDecay", "config": {…}}`; [`schedule_from_config`] reads
    /// it back.
    ///
    /// # Errors
    ///
    /// By default, and so for every closure, [`Error::InvalidArgument`]: a closure is code,
    /// not data, and cannot be saved.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, LearningRateSchedule};
    /// use serde_json::json;
    /// let decay = ExponentialDecay::new(0.1, 1000, 0.96)?.staircase(true);
    /// assert_eq!(
    ///     decay.config()?,
    ///     json!({"class_name": "ExponentialDecay", "config": {
    ///         "initial_learning_rate": 0.1, "decay_steps": 1000, "decay_rate": 0.96, "staircase": true,
    ///         "name": "ExponentialDecay"
    ///     }})
    /// );
    /// let closure = |step: u64| 1.0 / (step + 1) as f32;
    /// assert!(closure.config().unwrap_err().to_string().contains("closure"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn config(&self) -> Result<Value> {
        Err(Error::invalid(
            "LearningRateSchedule",
            "the learning rate is computed by a schedule given as a closure (or by a schedule \
             type without `LearningRateSchedule::config`), which is code, not data, and cannot \
             be saved; use a built-in schedule such as `ExponentialDecay`",
        ))
    }
}

impl<F: Fn(u64) -> f32 + Send + Sync> LearningRateSchedule for F {
    fn rate(&self, step: u64) -> f32 {
        self(step)
    }
}

/// Keras's `ExponentialDecay`: `initial · decay_rate^(step / decay_steps)`, with the
/// exponent rounded down when `staircase` is set.
///
/// # Examples
///
/// ```
/// use layers_core::optim::{ExponentialDecay, LearningRateSchedule};
/// let smooth = ExponentialDecay::new(0.1, 4, 0.25)?;
/// assert!((smooth.rate(2) - 0.05).abs() < 1e-8); // 0.1 · 0.25^0.5
/// let stairs = ExponentialDecay::new(0.1, 4, 0.25)?.staircase(true);
/// assert_eq!(stairs.rate(2), 0.1);
/// assert_eq!(stairs.rate(4), 0.025);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExponentialDecay {
    initial: f32,
    decay_steps: u64,
    decay_rate: f32,
    staircase: bool,
    /// Keras's `name` (`ExponentialDecay` unless a config named it otherwise).
    name: String,
}

impl ExponentialDecay {
    /// A smooth (not staircase) exponential decay from `initial`, multiplying the rate by
    /// `decay_rate` every `decay_steps` steps.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `decay_steps` is 0 (Keras: "must be > 0"), the initial
    /// rate is not a finite number ≥ 0, or the decay rate is not a finite number > 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::ExponentialDecay;
    /// let err = ExponentialDecay::new(0.1, 0, 0.9).unwrap_err();
    /// assert_eq!(err.to_string(), "`ExponentialDecay`: decay_steps must be > 0, but it is 0");
    /// let err = ExponentialDecay::new(-0.1, 10, 0.9).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`ExponentialDecay`: initial_learning_rate must be a finite number ≥ 0, but it is -0.1"
    /// );
    /// ```
    pub fn new(initial: f32, decay_steps: u64, decay_rate: f32) -> Result<ExponentialDecay> {
        let op = "ExponentialDecay";
        if decay_steps == 0 {
            return Err(Error::invalid(op, "decay_steps must be > 0, but it is 0"));
        }
        if !(initial.is_finite() && initial >= 0.0) {
            return Err(Error::invalid(
                op,
                format!("initial_learning_rate must be a finite number ≥ 0, but it is {initial:?}"),
            ));
        }
        if !(decay_rate.is_finite() && decay_rate > 0.0) {
            return Err(Error::invalid(
                op,
                format!("decay_rate must be a finite number > 0, but it is {decay_rate:?}"),
            ));
        }
        Ok(ExponentialDecay {
            initial,
            decay_steps,
            decay_rate,
            staircase: false,
            name: op.to_string(),
        })
    }

    /// Whether the rate changes in steps, every `decay_steps`, rather than smoothly.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, LearningRateSchedule};
    /// let s = ExponentialDecay::new(1.0, 2, 0.5)?.staircase(true);
    /// assert_eq!([s.rate(0), s.rate(1), s.rate(2), s.rate(3)], [1.0, 1.0, 0.5, 0.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn staircase(mut self, staircase: bool) -> ExponentialDecay {
        self.staircase = staircase;
        self
    }
}

impl LearningRateSchedule for ExponentialDecay {
    fn rate(&self, step: u64) -> f32 {
        // In f32, in Keras's order: `initial · decay_rate ^ (step / decay_steps)`.
        let mut p = step as f32 / self.decay_steps as f32;
        if self.staircase {
            p = p.floor();
        }
        self.initial * self.decay_rate.powf(p)
    }
    fn config(&self) -> Result<Value> {
        Ok(json!({
            "class_name": "ExponentialDecay",
            "config": {
                "initial_learning_rate": f32_to_json(self.initial),
                "decay_steps": self.decay_steps,
                "decay_rate": f32_to_json(self.decay_rate),
                "staircase": self.staircase,
                "name": self.name,
            }
        }))
    }
}

impl ExponentialDecay {
    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    fn from_config(config: &Value, path: &str) -> Result<ExponentialDecay> {
        let known = [
            "initial_learning_rate",
            "decay_steps",
            "decay_rate",
            "staircase",
            "name",
        ];
        let r = ConfigReader::new(config, "schedule `ExponentialDecay`", path, &known)?;
        let missing = |key: &str| Error::InvalidConfig {
            field: r.field(key),
            message: "is missing from the config of schedule `ExponentialDecay`".to_string(),
        };
        let initial = r.f32("initial_learning_rate")?;
        let decay_steps = r.u64("decay_steps")?;
        let decay_rate = r.f32("decay_rate")?;
        let decay = ExponentialDecay::new(
            initial.ok_or_else(|| missing("initial_learning_rate"))?,
            decay_steps.ok_or_else(|| missing("decay_steps"))?,
            decay_rate.ok_or_else(|| missing("decay_rate"))?,
        )?;
        let mut decay = decay.staircase(r.bool("staircase")?.unwrap_or(false));
        if let Some(name) = r.string("name")? {
            decay.name = name.to_string();
        }
        Ok(decay)
    }
}

/// Every schedule [`schedule_from_config`] makes, by its Keras class name.
const SCHEDULES: [&str; 6] = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
];

/// The built-in schedule a config describes, the inverse of
/// [`LearningRateSchedule::config`]: `{"class_name": "ExponentialDecay", "config":
/// {"initial_learning_rate": …, "decay_steps": …, "decay_rate": …, "staircase": …}}`
/// (`staircase` may be left out; it is false by default), and the same for Keras's
/// `PiecewiseConstantDecay`, `InverseTimeDecay`, `PolynomialDecay`, `CosineDecay` and
/// `CosineDecayRestarts`, with
/// the keys of their Keras `get_config` (Keras's defaults for keys left out).
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown `class_name`; [`Error::InvalidConfig`] naming the
/// key for a missing or unknown key or a value of the wrong type; what the schedule's
/// constructor refuses (`decay_steps` of 0, a negative rate, boundaries out of order).
///
/// # Examples
///
/// ```
/// use layers_core::optim::{schedule_from_config, ExponentialDecay, LearningRateSchedule};
/// use serde_json::json;
/// let decay = ExponentialDecay::new(0.5, 10, 0.5)?;
/// let copy = schedule_from_config(&decay.config()?)?;
/// assert_eq!(copy.rate(20), 0.125);
/// let cosine = json!({"class_name": "CosineDecay", "config": {
///     "initial_learning_rate": 0.0, "decay_steps": 100, "alpha": 0.0, "name": "CosineDecay",
///     "warmup_target": 0.1, "warmup_steps": 10}});
/// assert_eq!(schedule_from_config(&cosine)?.rate(5), 0.05);
///
/// let config = json!({"class_name": "ExponentialDecay",
///                     "config": {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}});
/// assert!(schedule_from_config(&config).is_err());
/// let config = json!({"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1}});
/// assert_eq!(
///     schedule_from_config(&config).err().unwrap().to_string(),
///     "`config.decay_steps` is missing from the config of schedule `ExponentialDecay`"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn schedule_from_config(config: &Value) -> Result<Box<dyn LearningRateSchedule>> {
    read_schedule(config, "")
}

/// [`schedule_from_config`] for a config found at `path` in a larger one
/// (`learning_rate`), which error messages name.
pub(crate) fn read_schedule(config: &Value, path: &str) -> Result<Box<dyn LearningRateSchedule>> {
    let r = ConfigReader::new(
        config,
        "a learning-rate schedule",
        path,
        &["class_name", "config"],
    )?;
    let Some(class) = r.string("class_name")? else {
        return Err(Error::InvalidConfig {
            field: r.field("class_name"),
            message: "is missing from the schedule's config".to_string(),
        });
    };
    let inner = r.get("config").unwrap_or(&Value::Null);
    match class {
        "ExponentialDecay" => Ok(Box::new(ExponentialDecay::from_config(
            inner,
            &r.field("config"),
        )?)),
        "InverseTimeDecay" => Ok(Box::new(InverseTimeDecay::from_config(
            inner,
            &r.field("config"),
        )?)),
        "PiecewiseConstantDecay" => Ok(Box::new(PiecewiseConstantDecay::from_config(
            inner,
            &r.field("config"),
        )?)),
        "PolynomialDecay" => Ok(Box::new(PolynomialDecay::from_config(
            inner,
            &r.field("config"),
        )?)),
        "CosineDecay" => Ok(Box::new(CosineDecay::from_config(
            inner,
            &r.field("config"),
        )?)),
        "CosineDecayRestarts" => Ok(Box::new(CosineDecayRestarts::from_config(
            inner,
            &r.field("config"),
        )?)),
        _ => Err(Error::unknown_name(
            "learning-rate schedule",
            class,
            SCHEDULES,
        )),
    }
}
