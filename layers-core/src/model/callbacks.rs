//! Callbacks: hooks into `fit` at epoch and batch boundaries, with Keras's
//! [`EarlyStopping`], [`ModelCheckpoint`], [`ReduceLROnPlateau`], a
//! [`LearningRateScheduler`] and closure callbacks.
//!
//! ```
//! use layers_core::model::callbacks::EarlyStopping;
//! let stop = EarlyStopping::new("val_loss").patience(3).restore_best_weights(true);
//! assert_eq!(stop.monitor(), "val_loss");
//! ```

pub use super::checkpoint::{ModelCheckpoint, SaveFreq, SaveRequest};
pub use super::history::EarlyStoppingReport;
use super::history::History;
use super::logs::Logs;
pub use super::plateau::ReduceLROnPlateau;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::{Layer, LayerExt};

/// What a callback may change in the running `fit`.
///
/// `fit` fills in the optimizer's current learning rate; a callback that changes it makes
/// `fit` set it on the optimizer, which is refused (an error naming the conflict, as Keras
/// refuses it) when a learning-rate schedule computes the optimizer's rate. `fit` never
/// touches the rate when no callback changed it.
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
/// `logs` hold the named values: at an epoch's end the epoch's `loss`, metrics and `val_`
/// metrics; at a batch's end the running values.
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// use layers_core::model::callbacks::Callback;
///
/// struct Count(usize);
/// impl Callback for Count {
///     fn on_batch_end(&mut self, _batch: usize, _logs: &Logs) { self.0 += 1; }
/// }
/// let mut c = Count(0);
/// c.on_batch_end(0, &Logs::new());
/// assert_eq!(c.0, 1);
/// ```
pub trait Callback: Send {
    /// Before the first epoch. An error ends `fit` before any training.
    ///
    /// # Errors
    ///
    /// What the callback returns; `fit` returns it unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::Callback;
    /// struct NeedsWeights;
    /// impl Callback for NeedsWeights {
    ///     fn on_train_begin(&mut self, model: &dyn Layer) -> layers_core::Result<()> {
    ///         assert!(model.count_params()? > 0); // the model is built by now
    ///         Ok(())
    ///     }
    /// }
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// model.fit(&x, &y, FitOptions::new().verbose(0).callback(NeedsWeights))?;
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        Ok(())
    }
    /// Before each epoch; may change the learning rate.
    ///
    /// # Errors
    ///
    /// What the callback returns; `fit` stops there and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, Control};
    /// struct Halve;
    /// impl Callback for Halve {
    ///     fn on_epoch_begin(&mut self, _epoch: usize, c: &mut Control) -> layers_core::Result<()> {
    ///         c.learning_rate *= 0.5;
    ///         Ok(())
    ///     }
    /// }
    /// let mut control = Control::new(0.1);
    /// Halve.on_epoch_begin(0, &mut control)?;
    /// assert_eq!(control.learning_rate, 0.05);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn on_epoch_begin(&mut self, _epoch: usize, _control: &mut Control) -> Result<()> {
        Ok(())
    }
    /// After each training batch, with the running logs of the epoch so far.
    ///
    /// # Examples
    ///
    /// See [`Callback`].
    fn on_batch_end(&mut self, _batch: usize, _logs: &Logs) {}
    /// After each epoch, with its logs; may stop training or change the learning rate.
    ///
    /// # Errors
    ///
    /// What the callback returns; `fit` stops there and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::{Callback, Control};
    /// use layers_core::Logs;
    /// /// Stops once the loss is below a bound.
    /// struct Below(f32);
    /// impl Callback for Below {
    ///     fn on_epoch_end(
    ///         &mut self, _epoch: usize, logs: &Logs, _model: &dyn Layer, c: &mut Control,
    ///     ) -> layers_core::Result<()> {
    ///         c.stop_training |= logs.get("loss").is_some_and(|l| l < self.0);
    ///         Ok(())
    ///     }
    /// }
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let options = FitOptions::new().with_epochs(100).verbose(0).callback(Below(f32::INFINITY));
    /// assert_eq!(model.fit(&x, &y, options)?.epoch.len(), 1);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        _logs: &Logs,
        _model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        Ok(())
    }
    /// After the last epoch, also when a callback stopped training early.
    ///
    /// # Errors
    ///
    /// What the callback returns; `fit` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::Callback;
    /// /// Keeps the final weights.
    /// #[derive(Default)]
    /// struct Keep(std::sync::Arc<std::sync::Mutex<Vec<Tensor>>>);
    /// impl Callback for Keep {
    ///     fn on_train_end(&mut self, model: &dyn Layer) -> layers_core::Result<()> {
    ///         *self.0.lock().unwrap() = model.get_weights()?;
    ///         Ok(())
    ///     }
    /// }
    /// let kept = Keep::default();
    /// let seen = kept.0.clone();
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// model.fit(&x, &y, FitOptions::new().verbose(0).callback(kept))?;
    /// assert_eq!(seen.lock().unwrap().len(), 2); // kernel and bias
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn on_train_end(&mut self, _model: &dyn Layer) -> Result<()> {
        Ok(())
    }

    /// Asked after each [`on_epoch_end`](Callback::on_epoch_end): a path to save the whole
    /// model to (architecture, weights and optimizer state, as `Train::save` writes it),
    /// which only `fit` can do, since it holds the optimizer. `None` by default;
    /// [`ModelCheckpoint`] asks this way.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, EarlyStopping};
    /// assert_eq!(EarlyStopping::new("loss").take_model_save(), None);
    /// ```
    fn take_model_save(&mut self) -> Option<std::path::PathBuf> {
        None
    }

    /// Asked after each [`on_batch_end`](Callback::on_batch_end): a file to write now, the
    /// whole model or its weights (which only `fit` can do, since `on_batch_end` sees no
    /// model), or an error that ends `fit` (the logs lacked what the callback needed).
    /// `Ok(None)` by default; [`ModelCheckpoint`] with
    /// [`save_freq`](ModelCheckpoint::save_freq) counting batches asks this way.
    ///
    /// # Errors
    ///
    /// Whatever the callback found wrong at the batch's end; `fit` returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, EarlyStopping};
    /// assert_eq!(EarlyStopping::new("loss").take_batch_save()?, None);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn take_batch_save(&mut self) -> Result<Option<SaveRequest>> {
        Ok(None)
    }
    /// After training, adds what the callback found to the [`History`] that `fit` returns
    /// (the callback itself is gone with the `FitOptions`); [`EarlyStopping`] adds an
    /// [`EarlyStoppingReport`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, EarlyStopping};
    /// use layers_core::model::{History, HistoryParams};
    /// let mut history = History::new(HistoryParams { verbose: 0, epochs: 1, steps: 1 });
    /// EarlyStopping::new("val_loss").record(&mut history);
    /// assert_eq!(history.early_stopping[0].monitor, "val_loss");
    /// assert_eq!(history.stopped_epoch(), None);
    /// ```
    fn record(&self, _history: &mut History) {}

    /// Whether the epoch's logs (and so the history and the progress line) hold the
    /// optimizer's `learning_rate` at the epoch's end, as Keras 3's `LearningRateScheduler`
    /// writes it. False by default; true for [`LearningRateScheduler`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::{Callback, LearningRateScheduler};
    /// use layers_core::prelude::*;
    /// let halve = LearningRateScheduler::new(|epoch, _| 0.1 / (1 << epoch) as f32);
    /// assert!(halve.logs_learning_rate());
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let history = model.fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0).callback(halve))?;
    /// assert_eq!(history.history["learning_rate"], [0.1, 0.05, 0.025]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn logs_learning_rate(&self) -> bool {
        false
    }
}

/// Stops training when a monitored value stops improving (Keras's `EarlyStopping`).
///
/// A value improves when it beats the best so far by more than `min_delta`, in the
/// direction [`mode`](EarlyStopping::mode) gives (by default from the name: lower is better
/// for a loss, higher for an accuracy). After `patience` epochs without improvement training
/// stops; a [`baseline`](EarlyStopping::baseline) must be beaten too, and
/// [`start_from_epoch`](EarlyStopping::start_from_epoch) delays monitoring. With
/// `restore_best_weights` the weights of the best epoch are put back when training ends,
/// whether it stopped early or ran all its epochs (as Keras 3 does).
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
/// use layers_core::prelude::*;
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.build([1])?;
/// let mut stop = EarlyStopping::new("loss").patience(1);
/// let mut c = Control::new(0.1);
/// for (epoch, loss) in [1.0, 0.5, 0.6, 0.55].into_iter().enumerate() {
///     stop.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut c)?;
///     if c.stop_training {
///         break;
///     }
/// }
/// // 0.6 at epoch 2 is no improvement on 0.5: patience 1 is used up
/// assert_eq!((stop.best(), stop.stopped_epoch()), (Some(0.5), Some(2)));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct EarlyStopping {
    monitor: String,
    min_delta: f32,
    patience: usize,
    mode: String,
    baseline: Option<f32>,
    start_from_epoch: usize,
    restore_best_weights: bool,
    best: Option<f32>,
    best_epoch: Option<usize>,
    wait: usize,
    best_weights: Option<Vec<Tensor>>,
    stopped_epoch: Option<usize>,
}

impl EarlyStopping {
    /// Monitors `monitor` (`"val_loss"`, `"accuracy"`, …) with Keras's defaults: min_delta
    /// 0, patience 0, mode `"auto"`, no baseline, monitoring from the first epoch, no
    /// restoring.
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
            mode: "auto".into(),
            baseline: None,
            start_from_epoch: 0,
            restore_best_weights: false,
            best: None,
            best_epoch: None,
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
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("loss").min_delta(0.1);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [1.0, 0.95].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    /// }
    /// // 0.95 is less than 0.1 below 1.0: no improvement, so training stops after epoch 1
    /// assert_eq!((stop.best(), stop.stopped_epoch()), (Some(1.0), Some(1)));
    /// // A min_delta that is not a number is refused when training begins.
    /// assert!(EarlyStopping::new("loss").min_delta(f32::NAN).on_train_begin(&model).is_err());
    /// # Ok::<(), layers_core::Error>(())
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
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("loss").patience(2);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [0.5, 0.6, 0.7].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    ///     assert_eq!(control.stop_training, epoch == 2); // the second epoch without improvement
    /// }
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn patience(mut self, patience: usize) -> EarlyStopping {
        self.patience = patience;
        self
    }

    /// Which way the monitored value improves (Keras's `mode`): `"min"` (lower is better),
    /// `"max"` (higher is better) or `"auto"`, the default, which decides from the name as
    /// Keras 3 decides from the metric: higher is better for accuracies (any name holding
    /// `acc`), `auc`, `precision`, `recall`, `iou`, F-scores, `r2_score`, cosine
    /// similarity and correlations, lower for `loss` and every other name. A `val_` prefix
    /// is ignored.
    ///
    /// A mode other than these three is refused when training begins (Keras warns and falls
    /// back to `"auto"`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("score").mode("max");
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// stop.on_train_begin(&model)?;
    /// for (epoch, score) in [0.5, 0.7, 0.6].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("score", score)]), &model, &mut control)?;
    /// }
    /// assert_eq!((stop.best(), stop.stopped_epoch()), (Some(0.7), Some(2)));
    /// let err = EarlyStopping::new("loss").mode("lowest").on_train_begin(&model).unwrap_err();
    /// assert!(err.to_string().contains("`mode` must be one of auto, min, max"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn mode(mut self, mode: impl Into<String>) -> EarlyStopping {
        self.mode = mode.into();
        self
    }

    /// A value the monitored quantity must beat (Keras's `baseline`): as in Keras, an epoch
    /// that improves on the best so far but not on the baseline still counts towards
    /// `patience`, so training stops `patience` epochs in unless the baseline is beaten
    /// (it keeps going while every epoch improves on the one before). The best epoch is
    /// restored whether or not it beat the baseline. A NaN baseline is refused when
    /// training begins.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("val_loss").patience(2).baseline(0.5);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// stop.on_train_begin(&model)?;
    /// for (epoch, loss) in [1.0, 0.9, 0.95].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("val_loss", loss)]), &model, &mut control)?;
    /// }
    /// // 0.9 improved on 1.0 but never beat 0.5: three epochs without beating it
    /// assert_eq!((stop.best(), stop.stopped_epoch()), (Some(0.9), Some(2)));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn baseline(mut self, baseline: f32) -> EarlyStopping {
        self.baseline = Some(baseline);
        self
    }

    /// Epochs (counted from 0) to train before monitoring starts (Keras's
    /// `start_from_epoch`): a warm-up in which nothing is compared, no best value or
    /// weights are kept and training is never stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("loss").start_from_epoch(2);
    /// let (model, mut control) = (Sequential::new(), Control::new(0.1));
    /// for (epoch, loss) in [0.5, 0.9, 1.0, 0.8, 0.85].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut control)?;
    /// }
    /// // epochs 0 and 1 are not looked at: the best is 0.8, and 0.85 ends training
    /// assert_eq!((stop.best(), stop.best_epoch(), stop.stopped_epoch()), (Some(0.8), Some(3), Some(4)));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn start_from_epoch(mut self, start_from_epoch: usize) -> EarlyStopping {
        self.start_from_epoch = start_from_epoch;
        self
    }

    /// Whether to restore the best epoch's weights when training ends.
    ///
    /// As in Keras 3, they are restored at the end of training whether or not it stopped
    /// early: a `fit` that runs all its epochs, with a last epoch worse than an earlier
    /// one, ends with the best epoch's weights too.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.build([1])?;
    /// let best = model.get_weights()?;
    /// let mut stop = EarlyStopping::new("loss").patience(5).restore_best_weights(true);
    /// let mut control = Control::new(0.1);
    /// stop.on_epoch_end(0, &Logs::from([("loss", 0.5)]), &model, &mut control)?;
    /// model.set_weights(&[Tensor::full(&[1, 1], 7.0), Tensor::zeros(&[1])])?; // epoch 1 trains
    /// stop.on_epoch_end(1, &Logs::from([("loss", 0.9)]), &model, &mut control)?; // and is worse
    /// assert!(!control.stop_training); // patience 5 is not used up: `fit` ends after epoch 1
    /// stop.on_train_end(&model)?;
    /// assert_eq!(model.get_weights()?[0].to_vec(), best[0].to_vec()); // epoch 0's weights
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn restore_best_weights(mut self, restore: bool) -> EarlyStopping {
        self.restore_best_weights = restore;
        self
    }

    /// The best monitored value so far (Keras's `best`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::{Callback, Control, EarlyStopping};
    /// use layers_core::prelude::*;
    /// let mut stop = EarlyStopping::new("loss");
    /// let model = Sequential::new();
    /// for (epoch, loss) in [0.5, 0.25, 0.375].into_iter().enumerate() {
    ///     stop.on_epoch_end(epoch, &Logs::from([("loss", loss)]), &model, &mut Control::new(0.1))?;
    /// }
    /// assert_eq!((stop.best(), stop.best_epoch(), stop.stopped_epoch()), (Some(0.25), Some(1), Some(2)));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn best(&self) -> Option<f32> {
        self.best
    }

    /// The epoch (counted from 0) that gave the best value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// assert_eq!(EarlyStopping::new("loss").best_epoch(), None);
    /// ```
    pub fn best_epoch(&self) -> Option<usize> {
        self.best_epoch
    }

    /// The epoch (counted from 0) after which it stopped training, if it did (Keras's
    /// `stopped_epoch`). After `fit`, read it from
    /// [`History::early_stopping`](crate::model::History::early_stopping).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::EarlyStopping;
    /// assert_eq!(EarlyStopping::new("loss").stopped_epoch(), None);
    /// ```
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stopped_epoch
    }
}

impl Callback for EarlyStopping {
    /// Starts afresh, as Keras does: no best value, no waiting, not stopped. Refuses a
    /// `min_delta` that is not a finite number (nothing would ever count as an improvement),
    /// a NaN `baseline` and an unknown `mode`.
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        if !self.min_delta.is_finite() {
            return Err(Error::invalid(
                "EarlyStopping",
                format!(
                    "min_delta must be a finite number, but it is {}",
                    self.min_delta
                ),
            ));
        }
        if let Some(baseline) = self.baseline.filter(|b| b.is_nan()) {
            return Err(Error::invalid(
                "EarlyStopping",
                format!("`baseline` must be a number, but it is {baseline}"),
            ));
        }
        check_mode("EarlyStopping", &self.mode)?;
        self.best = None;
        self.best_epoch = None;
        self.wait = 0;
        self.best_weights = None;
        self.stopped_epoch = None;
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        model: &dyn Layer,
        control: &mut Control,
    ) -> Result<()> {
        let value = monitored(logs, &self.monitor, epoch, "EarlyStopping")?;
        if epoch < self.start_from_epoch {
            return Ok(());
        }
        // Keras 3's order: the wait counts every monitored epoch, and restarts only at one
        // that improves on both the best so far and the baseline.
        self.wait += 1;
        let higher = higher_is_better(&self.mode, &self.monitor);
        if improves(value, self.best, self.min_delta, higher) {
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights()?);
            }
            self.best = Some(value);
            self.best_epoch = Some(epoch);
            if self.baseline.is_none() || improves(value, self.baseline, self.min_delta, higher) {
                self.wait = 0;
            }
            return Ok(());
        }
        // As Keras: stop once `patience` epochs (at least one) went by without improvement.
        if self.wait >= self.patience.max(1) {
            control.stop_training = true;
            self.stopped_epoch = Some(epoch);
        }
        Ok(())
    }

    /// Puts the best epoch's weights back, with `restore_best_weights`, whether training
    /// stopped early or not (Keras 3's `on_train_end`).
    fn on_train_end(&mut self, model: &dyn Layer) -> Result<()> {
        if let Some(best) = &self.best_weights {
            model.set_weights(best)?;
        }
        Ok(())
    }

    fn record(&self, history: &mut History) {
        history.early_stopping.push(EarlyStoppingReport {
            monitor: self.monitor.clone(),
            best: self.best,
            best_epoch: self.best_epoch,
            stopped_epoch: self.stopped_epoch,
        });
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
    /// use layers_core::model::callbacks::{Callback, Control, LearningRateScheduler};
    /// let mut decay = LearningRateScheduler::new(|_, lr| lr * 0.5);
    /// let mut control = Control::new(0.1);
    /// decay.on_epoch_begin(0, &mut control)?;
    /// decay.on_epoch_begin(1, &mut control)?;
    /// assert_eq!(control.learning_rate, 0.025);
    /// # Ok::<(), layers_core::Error>(())
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
                format!(
                    "the schedule gave {rate:?} for epoch index {epoch} (epoch {}); a learning \
                     rate must be a finite number ≥ 0",
                    epoch + 1
                ),
            ));
        }
        control.learning_rate = rate;
        Ok(())
    }

    /// Keras 3's `LearningRateScheduler` logs the rate at each epoch's end.
    fn logs_learning_rate(&self) -> bool {
        true
    }
}

/// A callback from a closure called at each epoch's end with `(epoch, logs)`.
///
/// # Examples
///
/// ```
/// use layers_core::model::Logs;
/// use layers_core::model::callbacks::{Callback, Control, OnEpochEnd};
/// use layers_core::prelude::*;
/// let mut seen = Vec::new();
/// {
///     let mut cb = OnEpochEnd::new(|epoch, _logs: &Logs| seen.push(epoch));
///     cb.on_epoch_end(3, &Logs::new(), &Sequential::new(), &mut Control::new(0.1))?;
/// }
/// assert_eq!(seen, vec![3]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct OnEpochEnd<F> {
    f: F,
}

impl<F: FnMut(usize, &Logs) + Send> OnEpochEnd<F> {
    /// Wraps the closure.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::Logs;
    /// use layers_core::model::callbacks::OnEpochEnd;
    /// use layers_core::prelude::*;
    /// use std::sync::{Arc, Mutex};
    /// let losses = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&losses);
    /// let record = OnEpochEnd::new(move |_epoch, logs: &Logs| sink.lock().unwrap().push(logs["loss"]));
    /// let x = Tensor::ones(&[4, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let history = model.fit(&x, &x, FitOptions::new().with_epochs(3).verbose(0).callback(record))?;
    /// assert_eq!(*losses.lock().unwrap(), history.history["loss"]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn new(f: F) -> Self {
        OnEpochEnd { f }
    }
}

impl<F: FnMut(usize, &Logs) + Send> Callback for OnEpochEnd<F> {
    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        _model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        (self.f)(epoch, logs);
        Ok(())
    }
}

/// The modes of Keras's monitoring callbacks.
const MODES: [&str; 3] = ["auto", "min", "max"];

/// Names whose higher values are better under `mode="auto"`: Keras 3 asks the metric for
/// its direction, and these are the metrics whose direction is "up".
const HIGHER_IS_BETTER: [&str; 11] = [
    "acc",
    "auc",
    "precision",
    "recall",
    "iou",
    "f1_score",
    "fbeta_score",
    "r2_score",
    "cosine_similarity",
    "correlation",
    "specificity",
];

/// Refuses a `mode` that is not `auto`, `min` or `max`, for callback `who`.
pub(super) fn check_mode(who: &'static str, mode: &str) -> Result<()> {
    if MODES.contains(&mode) {
        return Ok(());
    }
    Err(Error::invalid(
        who,
        format!(
            "`mode` must be one of {}, but it is {mode:?}",
            MODES.join(", ")
        ),
    ))
}

/// Whether higher values of `monitor` are better under `mode` (`auto`, `min` or `max`):
/// `auto` decides from the name, without its `val_` prefix (see [`EarlyStopping::mode`]).
pub(super) fn higher_is_better(mode: &str, monitor: &str) -> bool {
    match mode {
        "max" => true,
        "min" => false,
        _ => {
            let name = monitor.strip_prefix("val_").unwrap_or(monitor);
            name != "loss" && HIGHER_IS_BETTER.iter().any(|up| name.contains(up))
        }
    }
}

/// Whether `value` improves on `reference` by more than `min_delta` (Keras's
/// `_is_improvement`: the shifted value is computed in `f64` and compared in `f32`, as
/// Keras compares Python floats with its backend's `less` or `greater`). Everything
/// improves on no reference.
pub(super) fn improves(value: f32, reference: Option<f32>, min_delta: f32, higher: bool) -> bool {
    let Some(reference) = reference else {
        return true;
    };
    let delta = f64::from(min_delta.abs());
    if higher {
        ((f64::from(value) - delta) as f32) > reference
    } else {
        ((f64::from(value) + delta) as f32) < reference
    }
}

/// The value of `monitor` in the logs of `epoch` (from 0), for callback `who`.
///
/// # Errors
///
/// [`Error::InvalidArgument`] naming the monitor, the epoch (from 1) and every logged name,
/// when the logs do not hold it.
pub(super) fn monitored(
    logs: &Logs,
    monitor: &str,
    epoch: usize,
    who: &'static str,
) -> Result<f32> {
    logs.get(monitor).ok_or_else(|| {
        let known: Vec<&str> = logs.names().collect();
        Error::invalid(
            who,
            format!(
                "monitor `{monitor}` is not among the logs of epoch {}; the logs hold: {}",
                epoch + 1,
                known.join(", ")
            ),
        )
    })
}
