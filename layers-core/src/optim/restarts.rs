//! [`CosineDecayRestarts`]: Keras 3's cosine decay with warm restarts (SGDR, Loshchilov and
//! Hutter), computed in `f32` in Keras's order of operations.

use serde_json::{Value, json};

use super::decays::{missing, rate_setting, read_name};
use super::schedule::LearningRateSchedule;
use crate::error::{Error, Result};
use crate::layer::config::f32_to_json;
use crate::loss::config::ConfigReader;

/// Keras's `CosineDecayRestarts`: half a cosine from `initial` down to `alpha · initial`
/// over `first_decay_steps`, then again from the top ("a warm restart") over a period
/// `t_mul` times longer, starting `m_mul` times lower, and so on.
///
/// # Examples
///
/// ```
/// use layers_core::optim::{CosineDecayRestarts, LearningRateSchedule};
/// // periods of 10, 20, 40 steps; each restart at the full rate
/// let s = CosineDecayRestarts::new(1.0, 10)?;
/// assert_eq!([s.rate(0), s.rate(10), s.rate(30)], [1.0, 1.0, 1.0]);
/// assert!((s.rate(5) - 0.5).abs() < 1e-6); // half way through the first period
/// assert!((s.rate(20) - 0.5).abs() < 1e-6); // half way through the second
/// // equal periods, each restart at half the last one's rate
/// let halving = CosineDecayRestarts::new(1.0, 10)?.t_mul(1.0)?.m_mul(0.5)?;
/// assert_eq!([halving.rate(10), halving.rate(20)], [0.5, 0.25]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CosineDecayRestarts {
    initial: f32,
    first_decay_steps: u64,
    t_mul: f32,
    m_mul: f32,
    alpha: f32,
    name: String,
}

impl CosineDecayRestarts {
    /// Restarts from `initial` whose first period is `first_decay_steps` steps, with
    /// Keras's defaults: each period twice the last (`t_mul` 2), each restart at the full
    /// rate (`m_mul` 1), decaying to 0 (`alpha` 0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `first_decay_steps` is 0 (Keras: "must be > 0") or
    /// `initial` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::CosineDecayRestarts;
    /// let err = CosineDecayRestarts::new(0.1, 0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`CosineDecayRestarts`: first_decay_steps must be > 0, but it is 0"
    /// );
    /// ```
    pub fn new(initial: f32, first_decay_steps: u64) -> Result<CosineDecayRestarts> {
        let op = "CosineDecayRestarts";
        if first_decay_steps == 0 {
            return Err(Error::invalid(
                op,
                "first_decay_steps must be > 0, but it is 0",
            ));
        }
        rate_setting(op, "initial_learning_rate", initial)?;
        Ok(CosineDecayRestarts {
            initial,
            first_decay_steps,
            t_mul: 2.0,
            m_mul: 1.0,
            alpha: 0.0,
            name: "SGDRDecay".to_string(),
        })
    }

    /// How much longer each period is than the last (Keras's default: 2; 1 keeps them
    /// equal).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `t_mul` is not a finite number > 0: a period of no
    /// length, or a negative one, has no rate.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{CosineDecayRestarts, LearningRateSchedule};
    /// let s = CosineDecayRestarts::new(1.0, 10)?.t_mul(3.0)?;
    /// assert_eq!(s.rate(40), 1.0); // periods of 10 and 30 steps
    /// assert!(CosineDecayRestarts::new(1.0, 10)?.t_mul(0.0).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn t_mul(mut self, t_mul: f32) -> Result<CosineDecayRestarts> {
        if !(t_mul.is_finite() && t_mul > 0.0) {
            return Err(Error::invalid(
                "CosineDecayRestarts",
                format!("t_mul must be a finite number > 0, but it is {t_mul:?}"),
            ));
        }
        self.t_mul = t_mul;
        Ok(self)
    }

    /// The factor each restart's rate is of the last one's (Keras's default: 1).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `m_mul` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{CosineDecayRestarts, LearningRateSchedule};
    /// let s = CosineDecayRestarts::new(1.0, 10)?.m_mul(0.5)?;
    /// assert_eq!(s.rate(10), 0.5);
    /// assert!(CosineDecayRestarts::new(1.0, 10)?.m_mul(f32::NAN).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn m_mul(mut self, m_mul: f32) -> Result<CosineDecayRestarts> {
        rate_setting("CosineDecayRestarts", "m_mul", m_mul)?;
        self.m_mul = m_mul;
        Ok(self)
    }

    /// The floor each period decays to, as a fraction of the initial rate (Keras's
    /// default: 0).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `alpha` is not a finite number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{CosineDecayRestarts, LearningRateSchedule};
    /// let s = CosineDecayRestarts::new(1.0, 10)?.t_mul(1.0)?.alpha(0.1)?;
    /// assert!((s.rate(9) - 0.1).abs() < 0.03);
    /// assert!(CosineDecayRestarts::new(1.0, 10)?.alpha(-1.0).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn alpha(mut self, alpha: f32) -> Result<CosineDecayRestarts> {
        rate_setting("CosineDecayRestarts", "alpha", alpha)?;
        self.alpha = alpha;
        Ok(self)
    }

    /// The schedule `config` (the object under `"config"`, found at `path`) describes.
    pub(crate) fn from_config(config: &Value, path: &str) -> Result<CosineDecayRestarts> {
        let class = "CosineDecayRestarts";
        let known = [
            "initial_learning_rate",
            "first_decay_steps",
            "t_mul",
            "m_mul",
            "alpha",
            "name",
        ];
        let r = ConfigReader::new(config, format!("schedule `{class}`"), path, &known)?;
        let initial = r.f32("initial_learning_rate")?;
        let first = r.u64("first_decay_steps")?;
        let mut decay = CosineDecayRestarts::new(
            initial.ok_or_else(|| missing(&r, class, "initial_learning_rate"))?,
            first.ok_or_else(|| missing(&r, class, "first_decay_steps"))?,
        )?;
        if let Some(t_mul) = r.f32("t_mul")? {
            decay = decay.t_mul(t_mul)?;
        }
        if let Some(m_mul) = r.f32("m_mul")? {
            decay = decay.m_mul(m_mul)?;
        }
        if let Some(alpha) = r.f32("alpha")? {
            decay = decay.alpha(alpha)?;
        }
        decay.name = read_name(&r, "SGDRDecay")?;
        Ok(decay)
    }
}

impl LearningRateSchedule for CosineDecayRestarts {
    /// Keras's `__call__`, op by op in `f32`: the restart `i` the step falls in and the
    /// fraction of its period completed, then `initial · ((1 − α) · ½ · m_mulⁱ · (1 +
    /// cos(π · fraction)) + α)`.
    fn rate(&self, step: u64) -> f32 {
        let completed = step as f32 / self.first_decay_steps as f32;
        let (restart, fraction) = if self.t_mul == 1.0 {
            let restart = completed.floor();
            (restart, completed - restart)
        } else {
            let t_mul = self.t_mul;
            let restart = ((1.0 - completed * (1.0 - t_mul)).ln() / t_mul.ln()).floor();
            let sum = (1.0 - t_mul.powf(restart)) / (1.0 - t_mul);
            (restart, (completed - sum) / t_mul.powf(restart))
        };
        let m_fac = self.m_mul.powf(restart);
        let cosine = 0.5 * m_fac * (1.0 + (std::f32::consts::PI * fraction).cos());
        let decayed = (1.0 - self.alpha) * cosine + self.alpha;
        self.initial * decayed
    }
    fn config(&self) -> Result<Value> {
        Ok(json!({
            "class_name": "CosineDecayRestarts",
            "config": {
                "initial_learning_rate": f32_to_json(self.initial),
                "first_decay_steps": self.first_decay_steps,
                "t_mul": f32_to_json(self.t_mul),
                "m_mul": f32_to_json(self.m_mul),
                "alpha": f32_to_json(self.alpha),
                "name": self.name,
            }
        }))
    }
}
