//! [`ReduceLROnPlateau`]: Keras's callback that lowers the learning rate when a monitored
//! value stops improving.

use super::callbacks::{Callback, Control, check_mode, higher_is_better, improves, monitored};
use super::logs::Logs;
use crate::error::{Error, Result};
use crate::layer::Layer;

/// Lowers the learning rate when a monitored value stops improving (Keras's
/// `ReduceLROnPlateau`), following Keras 3's rules exactly:
///
/// - a value improves when it beats the best so far by more than `min_delta`, in the
///   direction `mode` gives (`"auto"` decides from the name as
///   [`EarlyStopping::mode`](super::callbacks::EarlyStopping::mode) does);
/// - each epoch without improvement adds one to a wait counter (not during a cooldown);
///   when it reaches `patience`, the rate becomes `max(rate × factor, min_lr)` — only if the
///   rate is above `min_lr` — and the counter restarts, followed by `cooldown` epochs in
///   which the counter stays at 0;
/// - an improvement restarts the counter.
///
/// The rate changes at the end of the epoch, through [`Control`], so the next epoch trains
/// with it; each epoch's logs (and so the history) hold `learning_rate`, the rate the
/// epoch trained with, as in Keras 3. An optimizer whose rate is a schedule cannot have it
/// changed: `fit` refuses that with an error, as Keras does. A monitored name missing from
/// the logs is an error naming it (as for [`EarlyStopping`](super::callbacks::EarlyStopping);
/// Keras only warns).
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
/// use layers_core::prelude::*;
/// let mut reduce = ReduceLROnPlateau::new("val_loss").factor(0.5).patience(1);
/// let (model, mut control) = (Sequential::new(), Control::new(0.1));
/// reduce.on_train_begin(&model)?;
/// let mut rates = Vec::new();
/// for (epoch, loss) in [1.0, 0.8, 0.9, 0.85, 0.7].into_iter().enumerate() {
///     reduce.on_epoch_end(epoch, &Logs::from([("val_loss", loss)]), &model, &mut control)?;
///     rates.push(control.learning_rate);
/// }
/// // 0.9 and 0.85 are no improvement on 0.8: the rate is halved after each
/// assert_eq!(rates, [0.1, 0.1, 0.05, 0.025, 0.025]);
///
/// // In `fit`, the history holds the rate each epoch trained with.
/// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.compile("sgd", "mse", &[])?;
/// // no later epoch improves by 10 on the first: the rate is halved after epochs 1 and 2
/// let reduce = ReduceLROnPlateau::new("loss").factor(0.5).patience(0).min_delta(10.0);
/// let history = model.fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0).callback(reduce))?;
/// assert_eq!(history.history["learning_rate"], [0.01, 0.01, 0.005]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct ReduceLROnPlateau {
    monitor: String,
    factor: f32,
    patience: usize,
    mode: String,
    min_delta: f32,
    cooldown: usize,
    min_lr: f32,
    best: Option<f32>,
    wait: usize,
    cooldown_counter: usize,
}

impl ReduceLROnPlateau {
    /// Monitors `monitor` with Keras's defaults: factor 0.1, patience 10, mode `"auto"`,
    /// min_delta 1e-4, cooldown 0, min_lr 0. (Keras's default monitor is `"val_loss"`.)
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ReduceLROnPlateau;
    /// assert_eq!(ReduceLROnPlateau::new("val_loss").monitor(), "val_loss");
    /// ```
    pub fn new(monitor: impl Into<String>) -> ReduceLROnPlateau {
        ReduceLROnPlateau {
            monitor: monitor.into(),
            factor: 0.1,
            patience: 10,
            mode: "auto".into(),
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            best: None,
            wait: 0,
            cooldown_counter: 0,
        }
    }

    /// The monitored name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ReduceLROnPlateau;
    /// assert_eq!(ReduceLROnPlateau::new("loss").monitor(), "loss");
    /// ```
    pub fn monitor(&self) -> &str {
        &self.monitor
    }

    /// What the rate is multiplied by: `new_rate = rate × factor`. It must be above 0 and
    /// below 1 (Keras refuses a factor ≥ 1; 0, a negative one or NaN would not lower the
    /// rate to a usable value): refused when training begins otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let err = ReduceLROnPlateau::new("loss").factor(1.5).on_train_begin(&Sequential::new()).unwrap_err();
    /// assert!(err.to_string().contains("`factor` must be above 0 and below 1, but it is 1.5"));
    /// ```
    pub fn factor(mut self, factor: f32) -> ReduceLROnPlateau {
        self.factor = factor;
        self
    }

    /// Epochs without improvement after which the rate is lowered.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let mut reduce = ReduceLROnPlateau::new("loss").patience(2);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [0.5, 0.6, 0.7].into_iter().enumerate() {
    ///     reduce.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    /// }
    /// assert_eq!(control.learning_rate, 0.01); // two epochs without improvement: × 0.1
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn patience(mut self, patience: usize) -> ReduceLROnPlateau {
        self.patience = patience;
        self
    }

    /// Which way the monitored value improves: `"auto"` (the default), `"min"` or `"max"`,
    /// as for [`EarlyStopping::mode`](super::callbacks::EarlyStopping::mode). Another mode
    /// is refused when training begins (Keras warns and falls back to `"auto"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let mut reduce = ReduceLROnPlateau::new("score").mode("max").patience(1);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, score) in [0.5, 0.7].into_iter().enumerate() {
    ///     reduce.on_epoch_end(epoch, &Logs::from([("score", score)]), &model, &mut control)?;
    /// }
    /// assert_eq!(control.learning_rate, 0.1); // 0.7 improves on 0.5
    /// assert!(ReduceLROnPlateau::new("loss").mode("down").on_train_begin(&model).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn mode(mut self, mode: impl Into<String>) -> ReduceLROnPlateau {
        self.mode = mode.into();
        self
    }

    /// The smallest change that counts as an improvement (its absolute value, as in Keras);
    /// one that is not a finite number is refused when training begins.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let mut reduce = ReduceLROnPlateau::new("loss").patience(1).min_delta(0.1);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [1.0, 0.95].into_iter().enumerate() {
    ///     reduce.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    /// }
    /// assert_eq!(control.learning_rate, 0.01); // 0.95 is not 0.1 below 1.0
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn min_delta(mut self, min_delta: f32) -> ReduceLROnPlateau {
        self.min_delta = min_delta.abs();
        self
    }

    /// Epochs after a reduction during which epochs without improvement are not counted,
    /// counted as Keras 3 counts them: the counter goes down at the start of each epoch's
    /// check, so `cooldown(n)` skips the `n - 1` epochs after the reduction (`cooldown(1)`
    /// skips none).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let mut reduce = ReduceLROnPlateau::new("loss").factor(0.5).patience(1).cooldown(2);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// let mut rates = Vec::new();
    /// for (epoch, loss) in [1.0, 1.1, 1.2, 1.3].into_iter().enumerate() {
    ///     reduce.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    ///     rates.push(control.learning_rate);
    /// }
    /// assert_eq!(rates, [0.1, 0.05, 0.05, 0.025]); // epoch 2 is in the cooldown
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn cooldown(mut self, cooldown: usize) -> ReduceLROnPlateau {
        self.cooldown = cooldown;
        self
    }

    /// The lowest rate a reduction gives; a rate at or below it is left alone. A negative
    /// or non-finite `min_lr` is refused when training begins.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, ReduceLROnPlateau};
    /// use layers_core::prelude::*;
    /// let mut reduce = ReduceLROnPlateau::new("loss").patience(1).min_lr(0.05);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [1.0, 1.1, 1.2].into_iter().enumerate() {
    ///     reduce.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    /// }
    /// assert_eq!(control.learning_rate, 0.05); // 0.1 × 0.1 is below min_lr
    /// assert!(ReduceLROnPlateau::new("loss").min_lr(-1.0).on_train_begin(&model).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn min_lr(mut self, min_lr: f32) -> ReduceLROnPlateau {
        self.min_lr = min_lr;
        self
    }

    /// The best monitored value so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ReduceLROnPlateau;
    /// assert_eq!(ReduceLROnPlateau::new("loss").best(), None);
    /// ```
    pub fn best(&self) -> Option<f32> {
        self.best
    }

    /// The settings that cannot be used, as an error naming the first.
    fn check(&self) -> Result<()> {
        let refuse = |message: String| Err(Error::invalid("ReduceLROnPlateau", message));
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return refuse(format!(
                "`factor` must be above 0 and below 1, but it is {}",
                self.factor
            ));
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0) {
            return refuse(format!(
                "`min_lr` must be a finite number ≥ 0, but it is {}",
                self.min_lr
            ));
        }
        if !self.min_delta.is_finite() {
            return refuse(format!(
                "`min_delta` must be a finite number, but it is {}",
                self.min_delta
            ));
        }
        check_mode("ReduceLROnPlateau", &self.mode)
    }

    /// The rate after a reduction from `rate`, if there is one (Keras's
    /// `_reduce_optimizer_lr`: computed in `f64` from the settings as written, e.g. 0.1 and
    /// not its nearest `f32`, then stored as the optimizer's `f32`).
    fn reduced(&self, rate: f32) -> Option<f32> {
        if rate <= self.min_lr {
            return None;
        }
        let new = (f64::from(rate) * as_written(self.factor)).max(as_written(self.min_lr));
        Some(new as f32)
    }
}

/// The `f64` a user wrote as this `f32`: its shortest decimal form read as `f64` (0.1, not
/// 0.100000001490116), the Python float Keras computes with.
fn as_written(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

impl Callback for ReduceLROnPlateau {
    /// Checks the settings (see [`factor`](ReduceLROnPlateau::factor),
    /// [`min_lr`](ReduceLROnPlateau::min_lr), [`mode`](ReduceLROnPlateau::mode)) and starts
    /// afresh, as Keras does: no best value, no waiting, no cooldown.
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        self.check()?;
        self.best = None;
        self.wait = 0;
        self.cooldown_counter = 0;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        _model: &dyn Layer,
        control: &mut Control,
    ) -> Result<()> {
        let value = monitored(logs, &self.monitor, epoch, "ReduceLROnPlateau")?;
        // Keras 3's `on_epoch_end`, step by step.
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        let higher = higher_is_better(&self.mode, &self.monitor);
        if improves(value, self.best, self.min_delta, higher) {
            self.best = Some(value);
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience
                && let Some(rate) = self.reduced(control.learning_rate)
            {
                control.learning_rate = rate;
                self.cooldown_counter = self.cooldown;
                self.wait = 0;
            }
        }
        Ok(())
    }

    /// Keras 3's `ReduceLROnPlateau` logs the rate at each epoch's end.
    fn logs_learning_rate(&self) -> bool {
        true
    }
}
