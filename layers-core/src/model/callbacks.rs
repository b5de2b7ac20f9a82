//! Callbacks: hooks into `fit` at epoch and batch boundaries, with Keras's
//! [`EarlyStopping`], a [`LearningRateScheduler`] and closure callbacks.
//!
//! ```
//! use layers_core::model::callbacks::EarlyStopping;
//! let stop = EarlyStopping::new("val_loss").patience(3).restore_best_weights(true);
//! assert_eq!(stop.monitor(), "val_loss");
//! ```

use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::{Layer, LayerExt};

/// What a callback may change in the running `fit`.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::Control;
/// let mut c = Control::new(0.01);
/// c.stop_training = true;
/// assert_eq!(c.learning_rate, 0.01);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Control {
    /// Set to end training after this epoch.
    pub stop_training: bool,
    /// The optimizer's learning rate; a callback may change it.
    pub learning_rate: f32,
}

impl Control {
    /// A control with the given learning rate, not stopping.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::Control;
    /// assert!(!Control::new(0.1).stop_training);
    /// ```
    pub fn new(learning_rate: f32) -> Control {
        Control {
            stop_training: false,
            learning_rate,
        }
    }
}

/// Hooks into `fit`. Every method has an empty default.
///
/// `logs` are `(name, value)` pairs: at an epoch's end the epoch's `loss`, metrics and
/// `val_` metrics; at a batch's end the running values.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::Callback;
///
/// struct Count(usize);
/// impl Callback for Count {
///     fn on_batch_end(&mut self, _batch: usize, _logs: &[(String, f32)]) { self.0 += 1; }
/// }
/// let mut c = Count(0);
/// c.on_batch_end(0, &[]);
/// assert_eq!(c.0, 1);
/// ```
pub trait Callback: Send {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        Ok(())
    }
    /// Before each epoch; may change the learning rate.
    fn on_epoch_begin(&mut self, _epoch: usize, _control: &mut Control) -> Result<()> {
        Ok(())
    }
    /// After each training batch.
    fn on_batch_end(&mut self, _batch: usize, _logs: &[(String, f32)]) {}
    /// After each epoch, with its logs; may stop training or change the learning rate.
    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        _logs: &[(String, f32)],
        _model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        Ok(())
    }
    /// After the last epoch.
    fn on_train_end(&mut self, _model: &dyn Layer) -> Result<()> {
        Ok(())
    }
}

/// Stops training when a monitored value stops improving (Keras's `EarlyStopping`).
///
/// A value improves when it beats the best so far by more than `min_delta` (lower is better
/// unless the name contains `acc`, as Keras's `mode="auto"` decides). After `patience`
/// epochs without improvement training stops; with `restore_best_weights` the weights of the
/// best epoch are put back.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
/// use layers_core::prelude::*;
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.build([1])?;
/// let mut stop = EarlyStopping::new("loss").patience(1);
/// let mut c = Control::new(0.1);
/// for (epoch, loss) in [1.0, 0.5, 0.6, 0.55].into_iter().enumerate() {
///     stop.on_epoch_end(epoch, &[("loss".into(), loss)], &model, &mut c)?;
/// }
/// assert!(c.stop_training);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct EarlyStopping {
    monitor: String,
    min_delta: f32,
    patience: usize,
    restore_best_weights: bool,
    best: Option<f32>,
    wait: usize,
    best_weights: Option<Vec<Tensor>>,
    /// The epoch at which training was stopped, if it was.
    pub stopped_epoch: Option<usize>,
}

impl EarlyStopping {
    /// Monitors `monitor` (`"val_loss"`, `"accuracy"`, …) with Keras's defaults: min_delta
    /// 0, patience 0, no restoring.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// assert_eq!(EarlyStopping::new("loss").monitor(), "loss");
    /// ```
    pub fn new(monitor: impl Into<String>) -> EarlyStopping {
        EarlyStopping {
            monitor: monitor.into(),
            min_delta: 0.0,
            patience: 0,
            restore_best_weights: false,
            best: None,
            wait: 0,
            best_weights: None,
            stopped_epoch: None,
        }
    }

    /// The monitored name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// assert_eq!(EarlyStopping::new("val_accuracy").monitor(), "val_accuracy");
    /// ```
    pub fn monitor(&self) -> &str {
        &self.monitor
    }

    /// The smallest change that counts as an improvement.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// let _ = EarlyStopping::new("loss").min_delta(1e-3);
    /// ```
    pub fn min_delta(mut self, min_delta: f32) -> EarlyStopping {
        self.min_delta = min_delta.abs();
        self
    }

    /// Epochs to wait without improvement before stopping.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// let _ = EarlyStopping::new("loss").patience(5);
    /// ```
    pub fn patience(mut self, patience: usize) -> EarlyStopping {
        self.patience = patience;
        self
    }

    /// Whether to restore the best epoch's weights when stopping.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// let _ = EarlyStopping::new("loss").restore_best_weights(true);
    /// ```
    pub fn restore_best_weights(mut self, restore: bool) -> EarlyStopping {
        self.restore_best_weights = restore;
        self
    }

    fn higher_is_better(&self) -> bool {
        self.monitor.contains("acc")
    }
}

impl Callback for EarlyStopping {
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &[(String, f32)],
        model: &dyn Layer,
        control: &mut Control,
    ) -> Result<()> {
        let value = logs
            .iter()
            .find(|(k, _)| *k == self.monitor)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let known: Vec<&str> = logs.iter().map(|(k, _)| k.as_str()).collect();
                Error::invalid(
                    "EarlyStopping",
                    format!(
                        "monitor `{}` is not among the logs: {}",
                        self.monitor,
                        known.join(", ")
                    ),
                )
            })?;
        let improved = match self.best {
            None => true,
            Some(best) if self.higher_is_better() => value > best + self.min_delta,
            Some(best) => value < best - self.min_delta,
        };
        if improved {
            self.best = Some(value);
            self.wait = 0;
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights()?);
            }
            return Ok(());
        }
        self.wait += 1;
        // As Keras: stop once `patience` epochs (at least one) went by without improvement.
        if self.wait >= self.patience.max(1) {
            control.stop_training = true;
            self.stopped_epoch = Some(epoch);
            if let Some(best) = &self.best_weights {
                model.set_weights(best)?;
            }
        }
        Ok(())
    }
}

/// Sets the learning rate at the start of each epoch from `f(epoch, current_rate)`
/// (Keras's `LearningRateScheduler`).
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::{Callback, Control, LearningRateScheduler};
/// let mut s = LearningRateScheduler::new(|epoch, lr| if epoch < 2 { lr } else { lr * 0.5 });
/// let mut c = Control::new(0.1);
/// s.on_epoch_begin(2, &mut c)?;
/// assert_eq!(c.learning_rate, 0.05);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct LearningRateScheduler<F> {
    schedule: F,
}

impl<F: FnMut(usize, f32) -> f32 + Send> LearningRateScheduler<F> {
    /// A scheduler from `schedule(epoch, current_rate) -> new_rate`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::LearningRateScheduler;
    /// let _ = LearningRateScheduler::new(|_, lr| lr * 0.9);
    /// ```
    pub fn new(schedule: F) -> Self {
        LearningRateScheduler { schedule }
    }
}

impl<F: FnMut(usize, f32) -> f32 + Send> Callback for LearningRateScheduler<F> {
    fn on_epoch_begin(&mut self, epoch: usize, control: &mut Control) -> Result<()> {
        let rate = (self.schedule)(epoch, control.learning_rate);
        if !(rate.is_finite() && rate >= 0.0) {
            return Err(Error::invalid(
                "LearningRateScheduler",
                format!("the schedule gave learning rate {rate} for epoch {epoch}"),
            ));
        }
        control.learning_rate = rate;
        Ok(())
    }
}

/// A callback from a closure called at each epoch's end with `(epoch, logs)`.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::{Callback, Control, OnEpochEnd};
/// use layers_core::prelude::*;
/// let mut seen = Vec::new();
/// {
///     let mut cb = OnEpochEnd::new(|epoch, _logs: &[(String, f32)]| seen.push(epoch));
///     cb.on_epoch_end(3, &[], &Sequential::new(), &mut Control::new(0.1))?;
/// }
/// assert_eq!(seen, vec![3]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct OnEpochEnd<F> {
    f: F,
}

impl<F: FnMut(usize, &[(String, f32)]) + Send> OnEpochEnd<F> {
    /// Wraps the closure.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::OnEpochEnd;
    /// let _ = OnEpochEnd::new(|epoch, logs: &[(String, f32)]| println!("{epoch}: {logs:?}"));
    /// ```
    pub fn new(f: F) -> Self {
        OnEpochEnd { f }
    }
}

impl<F: FnMut(usize, &[(String, f32)]) + Send> Callback for OnEpochEnd<F> {
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &[(String, f32)],
        _model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        (self.f)(epoch, logs);
        Ok(())
    }
}
