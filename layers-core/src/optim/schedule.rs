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

use crate::error::{Error, Result};

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
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialDecay {
    initial: f32,
    decay_steps: u64,
    decay_rate: f32,
    staircase: bool,
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
        let mut p = step as f64 / self.decay_steps as f64;
        if self.staircase {
            p = p.floor();
        }
        (f64::from(self.initial) * f64::from(self.decay_rate).powf(p)) as f32
    }
}
