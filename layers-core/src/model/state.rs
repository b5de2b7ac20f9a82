//! A model's training state ([`TrainingState`]: the shapes it was built for, its seed) and
//! what `compile` set up ([`Compiled`]: the optimizer, the loss, the metrics, and the logs
//! they give).
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new().add(Dense::new(1));
//! let err = model.evaluate(&Tensor::ones(&[2, 3]), &Tensor::ones(&[2, 1]), 2).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "model `sequential` is not compiled: call `compile` before `evaluate`"
//! );
//! model.compile("sgd", "mse", &["mae"])?;
//! let logs = model.evaluate(&Tensor::ones(&[2, 3]), &Tensor::ones(&[2, 1]), 2)?;
//! assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "mae"]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::logs::Logs;
use crate::error::{Error, Result};
use crate::loss::Loss;
use crate::metrics::{Metric, metric_from_name};
use crate::optim::Optimizer;

/// A model's training state: the input shape it was built for, its seed, and what
/// `compile` set up.
pub struct TrainingState {
    pub(crate) input_shape: Option<Vec<usize>>,
    /// The per-sample output shape for `input_shape`, found when the model was built (or by
    /// one dry run after a change to the model), so that training checks labels against it
    /// without running the model on every call. Cleared where the model's layers can change
    /// (`Sequential::push`, `Model`'s mutable access to its layer).
    pub(crate) output_shape: Option<Vec<usize>>,
    pub(crate) seed: u64,
    pub(crate) compiled: Option<Compiled>,
}

impl TrainingState {
    /// An unbuilt, uncompiled state with a seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::train::TrainingState;
    /// let _ = TrainingState::new(42);
    /// ```
    pub fn new(seed: u64) -> TrainingState {
        TrainingState {
            input_shape: None,
            output_shape: None,
            seed,
            compiled: None,
        }
    }
}

/// What `compile` sets up.
pub(crate) struct Compiled {
    pub(super) optimizer: Box<dyn Optimizer>,
    pub(super) loss: Box<dyn Loss>,
    pub(super) metrics: Vec<Box<dyn Metric>>,
    /// Steps taken, for each step's random seed.
    pub(super) steps: u64,
    /// Epochs completed by `fit`, over every call: the next epoch shuffles as the
    /// `epochs`-th of one long run would, so a run split over calls (or saved and loaded)
    /// trains as one run.
    pub(super) epochs: u64,
}

/// Refuses a metric whose result is several numbers (precision at several thresholds, an
/// F-score per class): `fit`'s logs hold one number per name.
fn check_scalar(op: &'static str, metric: &dyn Metric) -> Result<()> {
    if metric.is_scalar() {
        return Ok(());
    }
    Err(Error::invalid(
        op,
        format!(
            "metric `{}` gives several values (one per threshold or class), but the logs hold \
             one number per metric: give it one threshold (or an `average`), or update it \
             outside `fit`",
            metric.name()
        ),
    ))
}

impl Compiled {
    /// The optimizer (its settings checked, since its builders cannot fail), the loss and
    /// the metrics named in `metrics` (Keras names such as `"accuracy"`).
    pub(super) fn new(
        optimizer: Box<dyn Optimizer>,
        loss: Box<dyn Loss>,
        metrics: &[&str],
    ) -> Result<Compiled> {
        optimizer.validate()?;
        let metrics = metrics
            .iter()
            .map(|name| metric_from_name(name, loss.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        check_metric_names("compile", metrics.iter().map(|m| m.name()))?;
        metrics
            .iter()
            .try_for_each(|m| check_scalar("compile", m.as_ref()))?;
        Ok(Compiled {
            optimizer,
            loss,
            metrics,
            steps: 0,
            epochs: 0,
        })
    }

    /// The compiled state a model file gives: checked as `compile` checks it, with the
    /// steps and epochs done.
    pub(super) fn restored(
        optimizer: Box<dyn Optimizer>,
        loss: Box<dyn Loss>,
        metrics: Vec<Box<dyn Metric>>,
        steps: u64,
        epochs: u64,
    ) -> Result<Compiled> {
        optimizer.validate()?;
        check_metric_names("load", metrics.iter().map(|m| m.name()))?;
        metrics
            .iter()
            .try_for_each(|m| check_scalar("load", m.as_ref()))?;
        Ok(Compiled {
            optimizer,
            loss,
            metrics,
            steps,
            epochs,
        })
    }

    /// Adds a metric, unless one (or the loss) already logs under its name.
    pub(super) fn add_metric(&mut self, metric: Box<dyn Metric>) -> Result<()> {
        let names = self.metrics.iter().map(|m| m.name());
        check_metric_names("add_metric", names.chain([metric.name()]))?;
        check_scalar("add_metric", metric.as_ref())?;
        self.metrics.push(metric);
        Ok(())
    }

    /// Starts the metrics afresh (at each epoch, each `train_on_batch`, each evaluation).
    pub(super) fn reset_metrics(&mut self) {
        for m in &mut self.metrics {
            m.reset();
        }
    }

    /// Writes `loss` and the metrics as they stand into `logs`, in that order, each name
    /// with `prefix` (`""`, or `"val_"` for validation). A name already in `logs` keeps its
    /// place and gets the new value, so that a log updated at every batch allocates nothing.
    pub(super) fn write_logs(&self, loss: f32, prefix: &str, logs: &mut Logs) {
        let names = std::iter::once(("loss", loss))
            .chain(self.metrics.iter().map(|m| (m.name(), m.result())));
        for (name, value) in names {
            if prefix.is_empty() {
                logs.insert(name, value);
            } else {
                logs.insert(format!("{prefix}{name}"), value);
            }
        }
    }

    /// `loss` and the metrics as they stand, as fresh logs.
    pub(super) fn logs(&self, loss: f32) -> Logs {
        let mut logs = Logs::new();
        self.write_logs(loss, "", &mut logs);
        logs
    }
}

/// Refuses metric names that repeat (or repeat `loss`): the logs hold one value per name.
fn check_metric_names<'a>(
    what: &'static str,
    names: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let mut seen = vec!["loss"];
    for name in names {
        if seen.contains(&name) {
            return Err(Error::invalid(
                what,
                format!(
                    "two values would be logged as `{name}`; every metric needs a name of its \
                     own, other than `loss` (metrics have `with_name`)"
                ),
            ));
        }
        seen.push(name);
    }
    Ok(())
}
