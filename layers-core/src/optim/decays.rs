//! Keras 3's other learning-rate schedules: [`PiecewiseConstantDecay`],
//! [`InverseTimeDecay`], [`PolynomialDecay`] and [`CosineDecay`], computed in `f32` with
//! Keras's order of operations, so their rates match Keras's to the last bits.
//!
//! ```
//! use layers_core::optim::{CosineDecay, LearningRateSchedule, PiecewiseConstantDecay};
//! let steps = PiecewiseConstantDecay::new([100, 200], [0.1, 0.01, 0.001])?;
//! assert_eq!([steps.rate(100), steps.rate(101), steps.rate(500)], [0.1, 0.01, 0.001]);
//! let cosine = CosineDecay::new(0.1, 1000)?;
//! assert_eq!(cosine.rate(1000), 0.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::loss::config::ConfigReader;

use super::schedule::LearningRateSchedule;

/// `Ok` when `value`, the setting `key` of schedule `op`, is a finite number ≥ 0.
pub(super) fn rate_setting(op: &'static str, key: &str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid(
            op,
            format!("{key} must be a finite number ≥ 0, but it is {value:?}"),
        ))
    }
}

/// `Ok` when `decay_steps` of schedule `op` is above 0 (Keras: "must be > 0").
fn decay_steps_setting(op: &'static str, decay_steps: u64) -> Result<()> {
    if decay_steps == 0 {
        Err(Error::invalid(op, "decay_steps must be > 0, but it is 0"))
    } else {
        Ok(())
    }
}

/// The error for a required `key` left out of the config of schedule `class`.
pub(super) fn missing(r: &ConfigReader<'_>, class: &str, key: &str) -> Error {
    Error::InvalidConfig {
        field: r.field(key),
        message: format!("is missing from the config of schedule `{class}`"),
    }
}

/// The schedule's `name` (Keras writes one; any string is kept), or `default`.
pub(super) fn read_name(r: &ConfigReader<'_>, default: &str) -> Result<String> {
    Ok(r.string("name")?.unwrap_or(default).to_string())
}

/// Keras's `PiecewiseConstantDecay`: `values[0]` while `step ≤ boundaries[0]`, `values[i]`
/// while `boundaries[i-1] < step ≤ boundaries[i]`, and the last value after the last
/// boundary.
///
/// # Examples
///
/// ```
/// use layers_core::optim::{LearningRateSchedule, PiecewiseConstantDecay};
/// let s = PiecewiseConstantDecay::new([10, 20], [1.0, 0.5, 0.1])?;
/// let rates: Vec<f32> = [0, 10, 11, 20, 21].iter().map(|&step| s.rate(step)).collect();
/// assert_eq!(rates, [1.0, 1.0, 0.5, 0.5, 0.1]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PiecewiseConstantDecay {
    boundaries: Vec<u64>,
    values: Vec<f32>,
    name: String,
}

impl PiecewiseConstantDecay {
    /// The schedule with these step `boundaries` and the `values` between them (one more
    /// value than boundaries).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the setting if there is no boundary, the number of
    /// values is not one more than the number of boundaries (Keras refuses it too), the
    /// boundaries are not strictly increasing, or a value is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::PiecewiseConstantDecay;
    /// let err = PiecewiseConstantDecay::new([10, 20], [1.0, 0.5]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`PiecewiseConstantDecay`: values must have one more entry than boundaries (2), \
    ///      but it has 2"
    /// );
    /// let err = PiecewiseConstantDecay::new([20, 10], [1.0, 0.5, 0.1]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`PiecewiseConstantDecay`: boundaries must be strictly increasing, but \
    ///      boundaries[1] = 10 follows boundaries[0] = 20"
    /// );
    /// ```
    pub fn new(
        boundaries: impl Into<Vec<u64>>,
        values: impl Into<Vec<f32>>,
    ) -> Result<PiecewiseConstantDecay> {
        let op = "PiecewiseConstantDecay";
        let (boundaries, values) = (boundaries.into(), values.into());
        if boundaries.is_empty() {
            return Err(Error::invalid(
                op,
                "boundaries must have at least one entry, but it is empty (a constant \
                 learning rate is a number, not a schedule)",
            ));
        }
        if values.len() != boundaries.len() + 1 {
            return Err(Error::invalid(
                op,
                format!(
                    "values must have one more entry than boundaries ({}), but it has {}",
                    boundaries.len(),
                    values.len()
                ),
            ));
        }
        if let Some(i) = (1..boundaries.len()).find(|&i| boundaries[i] <= boundaries[i - 1]) {
            return Err(Error::invalid(
                op,
                format!(
                    "boundaries must be strictly increasing, but boundaries[{i}] = {} follows \
                     boundaries[{}] = {}",
                    boundaries[i],
                    i - 1,
                    boundaries[i - 1]
                ),
            ));
        }
        for (i, &v) in values.iter().enumerate() {
            rate_setting(op, &format!("values[{i}]"), v)?;
        }
        Ok(PiecewiseConstantDecay {
            boundaries,
            values,
            name: "PiecewiseConstant".to_string(),
        })
    }

    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    pub(crate) fn from_config(config: &Value, path: &str) -> Result<PiecewiseConstantDecay> {
        let class = "PiecewiseConstantDecay";
        let what = format!("schedule `{class}`");
        let r = ConfigReader::new(config, what, path, &["boundaries", "values", "name"])?;
        let list = |key: &str| -> Result<&Vec<Value>> {
            match r.get(key) {
                None => Err(missing(&r, class, key)),
                Some(Value::Array(items)) => Ok(items),
                Some(other) => Err(r.wrong(key, "a list", other)),
            }
        };
        let boundaries = list("boundaries")?
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_u64()
                    .ok_or_else(|| r.wrong(&format!("boundaries[{i}]"), "a whole number ≥ 0", v))
            })
            .collect::<Result<Vec<u64>>>()?;
        let values = list("values")?
            .iter()
            .enumerate()
            .map(|(i, v)| r.to_f32(&format!("values[{i}]"), v))
            .collect::<Result<Vec<f32>>>()?;
        let mut decay = PiecewiseConstantDecay::new(boundaries, values)?;
        decay.name = read_name(&r, "PiecewiseConstant")?;
        Ok(decay)
    }
}

impl LearningRateSchedule for PiecewiseConstantDecay {
    fn rate(&self, step: u64) -> f32 {
        self.values[self.boundaries.partition_point(|&b| b < step)]
    }
    fn config(&self) -> Result<Value> {
        let values: Vec<Value> = self.values.iter().map(|&v| f32_to_json(v)).collect();
        Ok(json!({
            "class_name": "PiecewiseConstantDecay",
            "config": {"boundaries": self.boundaries, "values": values, "name": self.name}
        }))
    }
}

/// Keras's `InverseTimeDecay`: `initial / (1 + decay_rate · step / decay_steps)`, with
/// `step / decay_steps` rounded down when `staircase` is set.
///
/// # Examples
///
/// ```
/// use layers_core::optim::{InverseTimeDecay, LearningRateSchedule};
/// let smooth = InverseTimeDecay::new(0.1, 10, 1.0)?;
/// assert_eq!(smooth.rate(10), 0.05); // 0.1 / (1 + 1 · 10 / 10)
/// let stairs = smooth.staircase(true);
/// assert_eq!([stairs.rate(9), stairs.rate(30)], [0.1, 0.025]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct InverseTimeDecay {
    initial: f32,
    decay_steps: u64,
    decay_rate: f32,
    staircase: bool,
    name: String,
}

impl InverseTimeDecay {
    /// A smooth (not staircase) inverse time decay from `initial`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `decay_steps` is 0 (Keras: "must be > 0") or the
    /// initial rate or the decay rate is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::InverseTimeDecay;
    /// let err = InverseTimeDecay::new(0.1, 10, -0.5).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`InverseTimeDecay`: decay_rate must be a finite number ≥ 0, but it is -0.5"
    /// );
    /// assert!(InverseTimeDecay::new(0.1, 0, 0.5).is_err());
    /// ```
    pub fn new(initial: f32, decay_steps: u64, decay_rate: f32) -> Result<InverseTimeDecay> {
        let op = "InverseTimeDecay";
        decay_steps_setting(op, decay_steps)?;
        rate_setting(op, "initial_learning_rate", initial)?;
        rate_setting(op, "decay_rate", decay_rate)?;
        Ok(InverseTimeDecay {
            initial,
            decay_steps,
            decay_rate,
            staircase: false,
            name: op.to_string(),
        })
    }

    /// Whether `step / decay_steps` is rounded down, so the rate changes every
    /// `decay_steps` steps rather than at every step.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{InverseTimeDecay, LearningRateSchedule};
    /// let s = InverseTimeDecay::new(1.0, 2, 1.0)?.staircase(true);
    /// assert_eq!([s.rate(0), s.rate(1), s.rate(2), s.rate(4)], [1.0, 1.0, 0.5, 1.0 / 3.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn staircase(mut self, staircase: bool) -> InverseTimeDecay {
        self.staircase = staircase;
        self
    }

    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    pub(crate) fn from_config(config: &Value, path: &str) -> Result<InverseTimeDecay> {
        let class = "InverseTimeDecay";
        let known = [
            "initial_learning_rate",
            "decay_steps",
            "decay_rate",
            "staircase",
            "name",
        ];
        let r = ConfigReader::new(config, format!("schedule `{class}`"), path, &known)?;
        let initial = r.f32("initial_learning_rate")?;
        let decay_steps = r.u64("decay_steps")?;
        let decay_rate = r.f32("decay_rate")?;
        let mut decay = InverseTimeDecay::new(
            initial.ok_or_else(|| missing(&r, class, "initial_learning_rate"))?,
            decay_steps.ok_or_else(|| missing(&r, class, "decay_steps"))?,
            decay_rate.ok_or_else(|| missing(&r, class, "decay_rate"))?,
        )?
        .staircase(r.bool("staircase")?.unwrap_or(false));
        decay.name = read_name(&r, class)?;
        Ok(decay)
    }
}

impl LearningRateSchedule for InverseTimeDecay {
    fn rate(&self, step: u64) -> f32 {
        // as Keras, in f32: initial / (1 + decay_rate * p), p = step / decay_steps
        let mut p = step as f32 / self.decay_steps as f32;
        if self.staircase {
            p = p.floor();
        }
        self.initial / (1.0 + self.decay_rate * p)
    }
    fn config(&self) -> Result<Value> {
        Ok(json!({
            "class_name": "InverseTimeDecay",
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

/// Keras's `PolynomialDecay`: from `initial` to `end_learning_rate` over `decay_steps`
/// steps, `(initial − end) · (1 − step / decay_steps)^power + end`, then `end` (or, with
/// `cycle`, again from `initial` over the next multiple of `decay_steps`).
///
/// # Examples
///
/// ```
/// use layers_core::optim::{LearningRateSchedule, PolynomialDecay};
/// let linear = PolynomialDecay::new(0.1, 10)?.end_learning_rate(0.0)?;
/// assert_eq!([linear.rate(0), linear.rate(5), linear.rate(10), linear.rate(50)], [0.1, 0.05, 0.0, 0.0]);
/// let cycling = PolynomialDecay::new(1.0, 10)?.end_learning_rate(0.0)?.cycle(true);
/// assert_eq!([cycling.rate(10), cycling.rate(15)], [0.0, 0.25]); // 15 of 20 steps done
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct PolynomialDecay {
    initial: f32,
    decay_steps: u64,
    end: f32,
    power: f32,
    cycle: bool,
    name: String,
}

impl PolynomialDecay {
    /// A linear decay (power 1) from `initial` to Keras's default end rate, 0.0001, over
    /// `decay_steps` steps, without cycling.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `decay_steps` is 0 (Keras: "must be > 0") or `initial`
    /// is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{LearningRateSchedule, PolynomialDecay};
    /// let s = PolynomialDecay::new(0.1, 100)?;
    /// assert_eq!(s.rate(100), 0.0001);
    /// assert!(PolynomialDecay::new(0.1, 0).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn new(initial: f32, decay_steps: u64) -> Result<PolynomialDecay> {
        let op = "PolynomialDecay";
        decay_steps_setting(op, decay_steps)?;
        rate_setting(op, "initial_learning_rate", initial)?;
        Ok(PolynomialDecay {
            initial,
            decay_steps,
            end: 0.0001,
            power: 1.0,
            cycle: false,
            name: op.to_string(),
        })
    }

    /// The rate reached after `decay_steps` steps (Keras's default: 0.0001); it may be above
    /// the initial rate, for a rate that grows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `end` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{LearningRateSchedule, PolynomialDecay};
    /// let s = PolynomialDecay::new(0.1, 10)?.end_learning_rate(0.01)?;
    /// assert_eq!(s.rate(10), 0.01);
    /// assert!(PolynomialDecay::new(0.1, 10)?.end_learning_rate(f32::NAN).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn end_learning_rate(mut self, end: f32) -> Result<PolynomialDecay> {
        rate_setting("PolynomialDecay", "end_learning_rate", end)?;
        self.end = end;
        Ok(self)
    }

    /// The power of the polynomial (Keras's default: 1, a straight line).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `power` is not a finite number ≥ 0 (a negative power
    /// makes the rate infinite at `decay_steps`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{LearningRateSchedule, PolynomialDecay};
    /// let s = PolynomialDecay::new(1.0, 4)?.end_learning_rate(0.0)?.power(2.0)?;
    /// assert_eq!(s.rate(2), 0.25); // (1 − 2/4)²
    /// let err = PolynomialDecay::new(1.0, 4)?.power(f32::NAN).unwrap_err();
    /// assert_eq!(err.to_string(), "`PolynomialDecay`: power must be a finite number ≥ 0, but it is NaN");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn power(mut self, power: f32) -> Result<PolynomialDecay> {
        rate_setting("PolynomialDecay", "power", power)?;
        self.power = power;
        Ok(self)
    }

    /// Whether, past `decay_steps`, the decay starts again from the initial rate, stretched
    /// over the first multiple of `decay_steps` that is ≥ the step.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{LearningRateSchedule, PolynomialDecay};
    /// let s = PolynomialDecay::new(1.0, 10)?.end_learning_rate(0.0)?.cycle(true);
    /// // 35 steps: the decay runs over 40, 5 of them left
    /// assert_eq!([s.rate(5), s.rate(10), s.rate(20), s.rate(35)], [0.5, 0.0, 0.0, 0.125]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn cycle(mut self, cycle: bool) -> PolynomialDecay {
        self.cycle = cycle;
        self
    }

    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    pub(crate) fn from_config(config: &Value, path: &str) -> Result<PolynomialDecay> {
        let class = "PolynomialDecay";
        let known = [
            "initial_learning_rate",
            "decay_steps",
            "end_learning_rate",
            "power",
            "cycle",
            "name",
        ];
        let r = ConfigReader::new(config, format!("schedule `{class}`"), path, &known)?;
        let initial = r.f32("initial_learning_rate")?;
        let decay_steps = r.u64("decay_steps")?;
        let mut decay = PolynomialDecay::new(
            initial.ok_or_else(|| missing(&r, class, "initial_learning_rate"))?,
            decay_steps.ok_or_else(|| missing(&r, class, "decay_steps"))?,
        )?;
        if let Some(end) = r.f32("end_learning_rate")? {
            decay = decay.end_learning_rate(end)?;
        }
        if let Some(power) = r.f32("power")? {
            decay = decay.power(power)?;
        }
        decay = decay.cycle(r.bool("cycle")?.unwrap_or(false));
        decay.name = read_name(&r, class)?;
        Ok(decay)
    }
}

impl LearningRateSchedule for PolynomialDecay {
    fn rate(&self, step: u64) -> f32 {
        // as Keras, in f32
        let mut step = step as f32;
        let mut decay_steps = self.decay_steps as f32;
        if self.cycle {
            let multiplier = if step == 0.0 {
                1.0
            } else {
                (step / decay_steps).ceil()
            };
            decay_steps *= multiplier;
        } else {
            step = step.min(decay_steps);
        }
        let p = step / decay_steps;
        (self.initial - self.end) * (1.0 - p).powf(self.power) + self.end
    }
    fn config(&self) -> Result<Value> {
        Ok(json!({
            "class_name": "PolynomialDecay",
            "config": {
                "initial_learning_rate": f32_to_json(self.initial),
                "decay_steps": self.decay_steps,
                "end_learning_rate": f32_to_json(self.end),
                "power": f32_to_json(self.power),
                "cycle": self.cycle,
                "name": self.name,
            }
        }))
    }
}

/// Keras's `CosineDecay`: optionally a linear warmup from `initial` to a target over
/// `warmup_steps`, then half a cosine from the target (or from `initial` without warmup) to
/// `alpha` times it over `decay_steps`, then that floor.
///
/// # Examples
///
/// ```
/// use layers_core::optim::{CosineDecay, LearningRateSchedule};
/// let s = CosineDecay::new(1.0, 10)?;
/// assert_eq!([s.rate(0), s.rate(10), s.rate(99)], [1.0, 0.0, 0.0]);
/// assert!((s.rate(5) - 0.5).abs() < 1e-7); // half way: 0.5 · (1 + cos(π/2))
/// let warm = CosineDecay::new(0.0, 10)?.warmup(1.0, 4)?;
/// assert_eq!([warm.rate(2), warm.rate(4)], [0.5, 1.0]);
/// assert!((warm.rate(9) - 0.5).abs() < 1e-7);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CosineDecay {
    initial: f32,
    decay_steps: u64,
    alpha: f32,
    warmup_target: Option<f32>,
    warmup_steps: u64,
    name: String,
}

impl CosineDecay {
    /// A cosine decay from `initial` to 0 over `decay_steps` steps, without warmup.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `decay_steps` is 0 (Keras: "must be > 0") or `initial`
    /// is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::CosineDecay;
    /// let err = CosineDecay::new(f32::INFINITY, 10).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`CosineDecay`: initial_learning_rate must be a finite number ≥ 0, but it is inf"
    /// );
    /// ```
    pub fn new(initial: f32, decay_steps: u64) -> Result<CosineDecay> {
        let op = "CosineDecay";
        decay_steps_setting(op, decay_steps)?;
        rate_setting(op, "initial_learning_rate", initial)?;
        Ok(CosineDecay {
            initial,
            decay_steps,
            alpha: 0.0,
            warmup_target: None,
            warmup_steps: 0,
            name: op.to_string(),
        })
    }

    /// The floor the decay ends on, as a fraction of the rate it starts from (Keras's
    /// default: 0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `alpha` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{CosineDecay, LearningRateSchedule};
    /// let s = CosineDecay::new(0.5, 10)?.alpha(0.1)?;
    /// assert_eq!(s.rate(10), 0.05);
    /// assert!(CosineDecay::new(0.5, 10)?.alpha(-0.1).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Result<CosineDecay> {
        rate_setting("CosineDecay", "alpha", alpha)?;
        self.alpha = alpha;
        Ok(self)
    }

    /// A linear warmup from the initial rate to `target` over `steps` steps, before the
    /// decay (which then starts from `target`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `target` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{CosineDecay, LearningRateSchedule};
    /// let s = CosineDecay::new(0.0, 100)?.warmup(0.1, 10)?;
    /// assert_eq!([s.rate(0), s.rate(5), s.rate(10), s.rate(110)], [0.0, 0.05, 0.1, 0.0]);
    /// assert!(CosineDecay::new(0.0, 100)?.warmup(f32::NAN, 10).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn warmup(mut self, target: f32, steps: u64) -> Result<CosineDecay> {
        rate_setting("CosineDecay", "warmup_target", target)?;
        self.warmup_target = Some(target);
        self.warmup_steps = steps;
        Ok(self)
    }

    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    pub(crate) fn from_config(config: &Value, path: &str) -> Result<CosineDecay> {
        let class = "CosineDecay";
        let known = [
            "initial_learning_rate",
            "decay_steps",
            "alpha",
            "name",
            "warmup_target",
            "warmup_steps",
        ];
        let r = ConfigReader::new(config, format!("schedule `{class}`"), path, &known)?;
        let initial = r.f32("initial_learning_rate")?;
        let decay_steps = r.u64("decay_steps")?;
        let mut decay = CosineDecay::new(
            initial.ok_or_else(|| missing(&r, class, "initial_learning_rate"))?,
            decay_steps.ok_or_else(|| missing(&r, class, "decay_steps"))?,
        )?;
        if let Some(alpha) = r.f32("alpha")? {
            decay = decay.alpha(alpha)?;
        }
        let steps = r.u64("warmup_steps")?.unwrap_or(0);
        match r.optional_f32("warmup_target")?.flatten() {
            Some(target) => decay = decay.warmup(target, steps)?,
            // Keras keeps (and ignores) the warmup steps without a target
            None => decay.warmup_steps = steps,
        }
        decay.name = read_name(&r, class)?;
        Ok(decay)
    }

    /// Keras's `_decay_function`: from `from` to `alpha · from` as `step` goes to
    /// `decay_steps` (in f32, in Keras's order). `fused`: Keras computes the warmup form
    /// inside `ops.cond`, compiled as a whole, where XLA fuses `a · b + c` into one
    /// rounding; the form without warmup runs op by op, each rounded.
    fn decay(&self, step: f32, decay_steps: f32, from: f32, fused: bool) -> f32 {
        let completed = step / decay_steps;
        let cosine = 0.5 * (1.0 + (std::f32::consts::PI * completed).cos());
        // Keras: `(1 - self.alpha) * cosine + self.alpha`, 1 - alpha in Python's f64
        let one_minus_alpha = (1.0 - f64::from(self.alpha)) as f32;
        let decayed = if fused {
            one_minus_alpha.mul_add(cosine, self.alpha)
        } else {
            one_minus_alpha * cosine + self.alpha
        };
        from * decayed
    }
}

impl LearningRateSchedule for CosineDecay {
    fn rate(&self, step: u64) -> f32 {
        let decay_steps = self.decay_steps as f32;
        let step = step as f32;
        let Some(target) = self.warmup_target else {
            return self.decay(step.min(decay_steps), decay_steps, self.initial, false);
        };
        let warmup_steps = self.warmup_steps as f32;
        let step = step.min(decay_steps + warmup_steps);
        if step < warmup_steps {
            // fused, as XLA compiles Keras's `delta * fraction + initial` (see `decay`)
            (target - self.initial).mul_add(step / warmup_steps, self.initial)
        } else {
            self.decay(step - warmup_steps, decay_steps, target, true)
        }
    }
    fn config(&self) -> Result<Value> {
        Ok(json!({
            "class_name": "CosineDecay",
            "config": {
                "initial_learning_rate": f32_to_json(self.initial),
                "decay_steps": self.decay_steps,
                "alpha": f32_to_json(self.alpha),
                "name": self.name,
                "warmup_target": self.warmup_target.map(f32_to_json),
                "warmup_steps": self.warmup_steps,
            }
        }))
    }
}
