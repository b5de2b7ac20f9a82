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

/// Compiled metrics, in the order they log.
pub(super) type MetricList = Vec<Box<dyn Metric>>;

/// What `compile` sets up.
pub(crate) struct Compiled {
    pub(super) optimizer: Box<dyn Optimizer>,
    pub(super) loss: Box<dyn Loss>,
    pub(super) metrics: Vec<Box<dyn Metric>>,
    /// Keras's `weighted_metrics`: updated with the samples' weights when there are some.
    pub(super) weighted_metrics: Vec<Box<dyn Metric>>,
    /// The names the weighted metrics log under ([`weighted_log_names`]), kept so that
    /// logs written at every batch allocate nothing.
    weighted_names: Vec<String>,
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
    /// The optimizer (its settings checked, since its builders cannot fail), the loss,
    /// the metrics named in `metrics` and the weighted ones named in `weighted` (Keras
    /// names such as `"accuracy"`).
    pub(super) fn new(
        optimizer: Box<dyn Optimizer>,
        loss: Box<dyn Loss>,
        metrics: &[&str],
        weighted: &[&str],
    ) -> Result<Compiled> {
        let by_name = |names: &[&str]| {
            names
                .iter()
                .map(|name| metric_from_name(name, loss.as_ref()))
                .collect::<Result<Vec<_>>>()
        };
        let (metrics, weighted) = (by_name(metrics)?, by_name(weighted)?);
        Compiled::checked("compile", optimizer, loss, (metrics, weighted), (0, 0))
    }

    /// The compiled state a model file gives: checked as `compile` checks it, with the
    /// steps and epochs done.
    pub(super) fn restored(
        optimizer: Box<dyn Optimizer>,
        loss: Box<dyn Loss>,
        (metrics, weighted_metrics): (MetricList, MetricList),
        steps: u64,
        epochs: u64,
    ) -> Result<Compiled> {
        let metrics = (metrics, weighted_metrics);
        Compiled::checked("load", optimizer, loss, metrics, (steps, epochs))
    }

    /// The compiled state, checked: the optimizer's settings, then the metrics' names
    /// (errors naming `what`).
    fn checked(
        what: &'static str,
        optimizer: Box<dyn Optimizer>,
        loss: Box<dyn Loss>,
        (metrics, weighted_metrics): (MetricList, MetricList),
        (steps, epochs): (u64, u64),
    ) -> Result<Compiled> {
        optimizer.validate()?;
        let weighted_names = checked_names(what, &metrics, &weighted_metrics)?;
        Ok(Compiled {
            optimizer,
            loss,
            metrics,
            weighted_metrics,
            weighted_names,
            steps,
            epochs,
        })
    }

    /// Adds a metric, unless one (or the loss) already logs under its name. A weighted
    /// metric of the same name then logs as `weighted_…`, as in Keras.
    pub(super) fn add_metric(&mut self, metric: Box<dyn Metric>) -> Result<()> {
        self.metrics.push(metric);
        match checked_names("add_metric", &self.metrics, &self.weighted_metrics) {
            Ok(names) => {
                self.weighted_names = names;
                Ok(())
            }
            Err(e) => {
                self.metrics.pop();
                Err(e)
            }
        }
    }

    /// Adds a weighted metric, unless it cannot take weights or its log name is taken.
    pub(super) fn add_weighted_metric(&mut self, metric: Box<dyn Metric>) -> Result<()> {
        self.weighted_metrics.push(metric);
        match checked_names("add_weighted_metric", &self.metrics, &self.weighted_metrics) {
            Ok(names) => {
                self.weighted_names = names;
                Ok(())
            }
            Err(e) => {
                self.weighted_metrics.pop();
                Err(e)
            }
        }
    }

    /// Starts the metrics afresh (at each epoch, each `train_on_batch`, each evaluation).
    pub(super) fn reset_metrics(&mut self) {
        for m in self.metrics.iter_mut().chain(&mut self.weighted_metrics) {
            m.reset();
        }
    }

    /// Writes `loss`, the metrics and the weighted metrics as they stand into `logs`, in
    /// that order (as Keras orders them), each name
    /// with `prefix` (`""`, or `"val_"` for validation). A name already in `logs` keeps its
    /// place and gets the new value, so that a log updated at every batch allocates nothing.
    pub(super) fn write_logs(&self, loss: f32, prefix: &str, logs: &mut Logs) {
        let names = std::iter::once(("loss", loss))
            .chain(self.metrics.iter().map(|m| (m.name(), m.result())))
            .chain(
                (self.weighted_names.iter())
                    .zip(&self.weighted_metrics)
                    .map(|(name, m)| (name.as_str(), m.result())),
            );
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

/// The names the weighted metrics log under, as Keras 3's `CompileMetrics.result` gives
/// them: its own name, or `weighted_` and its name when an (unweighted) metric has that
/// name (`accuracy` in both lists logs `accuracy` and `weighted_accuracy`).
fn weighted_log_names(metrics: &[Box<dyn Metric>], weighted: &[Box<dyn Metric>]) -> Vec<String> {
    weighted
        .iter()
        .map(|w| {
            if metrics.iter().any(|m| m.name() == w.name()) {
                format!("weighted_{}", w.name())
            } else {
                w.name().to_string()
            }
        })
        .collect()
}

/// Checks what `compile` and `add_metric` check (every name its own, every metric one
/// number, every weighted metric able to take weights) and gives the weighted metrics'
/// log names. Where Keras would number a second `weighted_accuracy` (`weighted_accuracy_1`),
/// this refuses it, as it refuses two metrics of one name.
fn checked_names(
    what: &'static str,
    metrics: &[Box<dyn Metric>],
    weighted: &[Box<dyn Metric>],
) -> Result<Vec<String>> {
    let names = weighted_log_names(metrics, weighted);
    let all = metrics.iter().map(|m| m.name());
    check_metric_names(what, all.chain(names.iter().map(String::as_str)))?;
    if let Some(m) = weighted.iter().find(|m| !m.takes_sample_weight()) {
        return Err(Error::invalid(
            what,
            format!(
                "weighted metric `{}` cannot take sample weights (`takes_sample_weight` is \
                 false): give it among the unweighted metrics",
                m.name()
            ),
        ));
    }
    for m in metrics.iter().chain(weighted) {
        check_scalar(what, m.as_ref())?;
    }
    Ok(names)
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
