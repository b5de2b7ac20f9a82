//! Training like Keras: [`Train::compile`] with an optimizer, a loss and metrics, then
//! [`Train::fit`], [`Train::evaluate`], and `train_on_batch`/`test_on_batch` for custom
//! loops. Layers see `training = true` in `fit` and `false` in `evaluate` and `predict`.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::callbacks::Control;
use super::history::{History, HistoryParams};
use super::logs::Logs;
pub use super::options::FitOptions;
use super::progress::{EpochProgress, Verbosity};
use super::step::{train_step, with_compiled};
use crate::error::{Error, Result, batch_shape};
use crate::layer::context::with_context;
use crate::layer::{Layer, LayerExt};
use crate::loss::{Loss, loss_from_name};
use crate::metrics::{Metric, metric_from_name};
use crate::optim::{Optimizer, optimizer_from_name};
use crate::shape::ModelInput;
use crate::{Tensor, no_grad};

/// An optimizer given by value or by Keras name (`"adam"`).
///
/// # Examples
///
/// ```
/// use layers_core::model::train::IntoOptimizer;
/// assert_eq!("sgd".into_optimizer()?.name(), "SGD");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait IntoOptimizer {
    /// The optimizer, or an error for an unknown name.
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>>;
}

impl IntoOptimizer for &str {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        optimizer_from_name(self)
    }
}

impl<O: Optimizer + 'static> IntoOptimizer for O {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        Ok(Box::new(self))
    }
}

/// A loss given by value or by Keras name (`"sparse_categorical_crossentropy"`).
///
/// # Examples
///
/// ```
/// use layers_core::model::train::IntoLoss;
/// assert_eq!("mse".into_loss()?.name(), "mean_squared_error");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait IntoLoss {
    /// The loss, or an error for an unknown name.
    fn into_loss(self) -> Result<Box<dyn Loss>>;
}

impl IntoLoss for &str {
    fn into_loss(self) -> Result<Box<dyn Loss>> {
        loss_from_name(self)
    }
}

impl<L: Loss + 'static> IntoLoss for L {
    fn into_loss(self) -> Result<Box<dyn Loss>> {
        Ok(Box::new(self))
    }
}

/// What `compile` sets up.
pub(crate) struct Compiled {
    pub(super) optimizer: Box<dyn Optimizer>,
    pub(super) loss: Box<dyn Loss>,
    pub(super) metrics: Vec<Box<dyn Metric>>,
    /// Steps taken, for each step's random seed.
    pub(super) steps: u64,
}

/// A model's training state: the input shape it was built for, its seed, and what
/// `compile` set up.
pub struct TrainingState {
    pub(crate) input_shape: Option<Vec<usize>>,
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
            seed,
            compiled: None,
        }
    }
}

/// An error in the data given to `what` (`fit`, `evaluate`, …), which the message names once.
fn data_error(what: &str, message: String) -> Error {
    Error::Data {
        source_name: what.to_string(),
        message,
    }
}

/// Checks `x` and `y` before any step: sample counts, emptiness, finiteness.
fn check_data(what: &str, x: &Tensor, y: &Tensor) -> Result<()> {
    if x.rank() == 0 || y.rank() == 0 {
        return Err(data_error(
            what,
            "x and y need a sample axis, but one of them is a scalar".to_string(),
        ));
    }
    if x.shape()[0] != y.shape()[0] {
        return Err(data_error(
            what,
            format!("x has {} samples but y has {}", x.shape()[0], y.shape()[0]),
        ));
    }
    if x.shape()[0] == 0 {
        return Err(data_error(
            what,
            "x and y hold no samples; at least one is needed".to_string(),
        ));
    }
    for (name, t) in [("x", x), ("y", y)] {
        if let Some(i) = t.view().iter().position(|v| !v.is_finite()) {
            let per_sample = t.len() / t.shape()[0];
            return Err(data_error(
                what,
                format!(
                    "{name} holds a NaN or infinite value in sample {}",
                    i / per_sample.max(1)
                ),
            ));
        }
    }
    Ok(())
}

fn batch_of(t: &Tensor, indices: &[usize]) -> Tensor {
    t.index_select(0, indices)
}

/// The loss and the metrics, in that order, as they stand.
fn current_logs(loss: f32, metrics: &[Box<dyn Metric>]) -> Logs {
    let mut logs = Logs::new();
    logs.insert("loss", loss);
    for m in metrics {
        logs.insert(m.name(), m.result());
    }
    logs
}

/// Runs `x`, `y` through `net` in inference mode, `batch_size` samples at a time: the mean
/// loss and the metrics over all of them.
fn evaluate_batches(
    net: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    x: &Tensor,
    y: &Tensor,
    batch_size: usize,
) -> Result<Logs> {
    for m in &mut compiled.metrics {
        m.reset();
    }
    let samples = x.shape()[0];
    let mut loss_sum = 0.0f64;
    with_context(false, seed, || -> Result<()> {
        no_grad(|| {
            for start in (0..samples).step_by(batch_size) {
                let len = batch_size.min(samples - start);
                let xb = x.narrow(0, start, len);
                let yb = y.narrow(0, start, len);
                let pred = net.forward(&xb)?;
                let loss = compiled.loss.compute(&yb, &pred)?;
                loss_sum += f64::from(loss.item()) * len as f64;
                for m in &mut compiled.metrics {
                    m.update(&yb, &pred)?;
                }
            }
            Ok(())
        })
    })?;
    Ok(current_logs(
        (loss_sum / samples as f64) as f32,
        &compiled.metrics,
    ))
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

/// Keras's training API, for any model that keeps a [`TrainingState`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::model::FitOptions;
///
/// // y = 2x − 1, learned by one Dense unit.
/// let x = Tensor::from_vec((0..64).map(|i| i as f32 / 32.0 - 1.0).collect(), &[64, 1]);
/// let y = &x * 2.0 - 1.0;
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.compile(layers_core::optim::Sgd::new().with_learning_rate(0.1), "mse", &[])?;
/// let history = model.fit(&x, &y, FitOptions::new().epochs(60).batch_size(16).verbose(0))?;
/// assert!(history.last("loss").unwrap() < 1e-3);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Train: Layer + Sized {
    /// The model's training state.
    fn state(&self) -> &TrainingState;

    /// The model's training state, mutably.
    fn state_mut(&mut self) -> &mut TrainingState;

    /// Builds the model for a per-sample input shape (what `fit` does on first use).
    ///
    /// # Errors
    ///
    /// As the model's `build`.
    fn build_model(&mut self, input_shape: &[usize]) -> Result<Vec<usize>>;

    /// Sets the optimizer, the loss and the metrics (Keras names such as `"accuracy"`,
    /// `"mae"`), replacing any earlier compile. The optimizer's settings are checked here
    /// ([`Optimizer::validate`]), since its builders cannot fail.
    ///
    /// # Errors
    ///
    /// For an unknown optimizer, loss or metric name; [`Error::InvalidArgument`] naming the
    /// optimizer setting that is out of range (a negative or NaN learning rate, say) or a
    /// metric name given twice. An earlier compile stays in place on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::optim::Sgd;
    /// let mut m = Sequential::new().add(Dense::new(3));
    /// m.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    /// assert!(m.compile("adamm", "mse", &[]).is_err());
    /// let err = m.compile(Sgd::new().with_learning_rate(-0.01), "mse", &[]).unwrap_err();
    /// assert_eq!(err.to_string(), "`SGD`: `learning_rate` must be a finite number ≥ 0, but it is -0.01");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn compile(
        &mut self,
        optimizer: impl IntoOptimizer,
        loss: impl IntoLoss,
        metrics: &[&str],
    ) -> Result<()> {
        let optimizer = optimizer.into_optimizer()?;
        optimizer.validate()?;
        let loss = loss.into_loss()?;
        let metrics = metrics
            .iter()
            .map(|name| metric_from_name(name, loss.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        check_metric_names("compile", metrics.iter().map(|m| m.name()))?;
        self.state_mut().compiled = Some(Compiled {
            optimizer,
            loss,
            metrics,
            steps: 0,
        });
        Ok(())
    }

    /// Adds a metric given by value (after `compile`, which takes metrics by name), e.g. a
    /// binary accuracy with another threshold.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] before `compile`; [`Error::InvalidArgument`] if a compiled metric
    /// (or the loss) already has the metric's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::metrics::BinaryAccuracy;
    /// let mut m = Sequential::new().add(Dense::new(1).activation(Sigmoid));
    /// assert!(m.add_metric(BinaryAccuracy::new()).is_err());
    /// m.compile("adam", "binary_crossentropy", &[])?;
    /// m.add_metric(BinaryAccuracy::new().threshold(0.3))?;
    /// assert!(m.add_metric(BinaryAccuracy::new()).is_err()); // a second `binary_accuracy`
    /// let logs = m.evaluate(&Tensor::zeros(&[2, 3]), &Tensor::ones(&[2, 1]), 2)?;
    /// assert_eq!(logs["binary_accuracy"], 1.0); // σ(0) = 0.5 > 0.3
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn add_metric(&mut self, metric: impl Metric + 'static) -> Result<()> {
        let name = self.display_name();
        let compiled = self
            .state_mut()
            .compiled
            .as_mut()
            .ok_or_else(|| Error::Config {
                layer: name,
                message: "call `compile` before `add_metric`".to_string(),
            })?;
        let names = compiled.metrics.iter().map(|m| m.name());
        check_metric_names("add_metric", names.chain([metric.name()]))?;
        compiled.metrics.push(Box::new(metric));
        Ok(())
    }

    /// Checks `x` against the model (building it from `x` if needed) and `y` against the
    /// loss, before any training happens.
    #[doc(hidden)]
    fn prepare(&mut self, what: &str, x: &Tensor, y: &Tensor) -> Result<()> {
        check_data(what, x, y)?;
        let per_sample = x.shape()[1..].to_vec();
        match self.state().input_shape.clone() {
            None => {
                self.build_model(&per_sample)?;
            }
            Some(expected) if expected != per_sample => {
                return Err(Error::InputShape {
                    layer: self.display_name(),
                    expected: batch_shape(&expected),
                    found: batch_shape(&per_sample),
                });
            }
            Some(_) => {}
        }
        let output = with_context(false, self.state().seed, || {
            no_grad(|| self.forward(&x.narrow(0, 0, 1)))
        })?;
        let compiled = self
            .state()
            .compiled
            .as_ref()
            .ok_or_else(|| Error::Config {
                layer: self.display_name(),
                message: format!("call `compile` before `{what}`"),
            })?;
        compiled.loss.validate(y, &output.shape()[1..])
    }

    /// One gradient step on one batch; returns the batch's loss and metrics.
    ///
    /// The step is all or nothing: when it fails, for whatever reason, no weight, layer
    /// state (batch normalization's moving statistics, say), optimizer slot or step count
    /// has changed.
    ///
    /// # Errors
    ///
    /// As [`Train::evaluate`]; [`Error::InvalidArgument`] from `train_on_batch` naming the
    /// step (counted from 1 over the model's training) when the loss, a gradient, a layer's
    /// state or the update becomes NaN or infinite.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// m.compile("sgd", "mse", &["mae"])?;
    /// let logs = m.train_on_batch(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]))?;
    /// assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "mae"]);
    /// // predictions are the same for all four samples, so |p − 0| averages to |p| and mse to p²
    /// let mae = logs["mae"];
    /// assert!((logs["loss"] - mae * mae).abs() < 1e-6);
    ///
    /// // targets so large that the squared error overflows: the step is refused
    /// let err = m.train_on_batch(&Tensor::ones(&[4, 2]), &Tensor::full(&[4, 1], 3e38)).unwrap_err();
    /// assert!(err.to_string().starts_with("`train_on_batch`: the loss became inf"), "{err}");
    /// assert!(err.to_string().ends_with("at step 2; the update was not applied"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn train_on_batch<X: ModelInput<Self>>(&mut self, x: &X, y: &Tensor) -> Result<Logs> {
        let x = x.tensor();
        self.prepare("train_on_batch", x, y)?;
        let compiled = self
            .state_mut()
            .compiled
            .as_mut()
            .expect("checked by prepare");
        for m in &mut compiled.metrics {
            m.reset();
        }
        let step = compiled.optimizer.iterations() + 1;
        let loss = train_step(self, x, y).map_err(|e| e.at_step(step))?;
        let compiled = self.state().compiled.as_ref().expect("checked by prepare");
        Ok(current_logs(loss, &compiled.metrics))
    }

    /// The loss and metrics on one batch, in inference mode.
    ///
    /// # Errors
    ///
    /// As [`Train::evaluate`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// m.compile("sgd", "mse", &[])?;
    /// let logs = m.test_on_batch(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]))?;
    /// assert_eq!(logs.len(), 1);
    /// assert!(logs["loss"] >= 0.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn test_on_batch<X: ModelInput<Self>>(&mut self, x: &X, y: &Tensor) -> Result<Logs> {
        let x = x.tensor();
        self.evaluate(x, y, x.shape().first().copied().unwrap_or(1).max(1))
    }

    /// The loss and metrics over `x`, `y` in inference mode, `batch_size` samples at a time:
    /// `loss` first, then the metrics in the order they were compiled (Keras's
    /// `return_dict=True`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] before `compile`; [`Error::Data`] for mismatched sample counts,
    /// empty data or NaN/infinite values; [`Error::InputShape`] for the wrong feature
    /// width; the loss's error for labels out of range; [`Error::InvalidArgument`] for a
    /// batch size of 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
    /// m.compile("sgd", "mse", &[])?;
    /// m.build([1])?;
    /// m.set_weights(&[Tensor::ones(&[1, 1])])?;
    /// // predictions equal x, targets 0: mse = mean(x²) = (1 + 4) / 2
    /// let logs = m.evaluate(&Tensor::from_vec(vec![1.0, 2.0], &[2, 1]), &Tensor::zeros(&[2, 1]), 32)?;
    /// assert_eq!(logs["loss"], 2.5);
    /// assert_eq!(logs.len(), 1);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn evaluate<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
        batch_size: usize,
    ) -> Result<Logs> {
        let x = x.tensor();
        if batch_size == 0 {
            return Err(Error::invalid(
                "evaluate",
                "the batch size must be at least 1, but it is 0",
            ));
        }
        self.prepare("evaluate", x, y)?;
        let seed = self.state().seed;
        with_compiled(self, |model, compiled| {
            evaluate_batches(model, compiled, seed, x, y, batch_size)
        })
    }

    /// Trains the model on `x`, `y` (Keras's `fit`).
    ///
    /// Each epoch shuffles the training samples (with the model's seed, so the same seed
    /// gives the same history), runs one gradient step per batch with layers in training
    /// mode, then validates in inference mode when asked. Callbacks may stop training early
    /// or change the learning rate; the optimizer's own learning-rate schedule, if it has
    /// one, keeps counting steps across epochs exactly as when the optimizer is used alone,
    /// and `fit` never sets the rate unless a callback changed it.
    ///
    /// Every step is all or nothing (see [`Train::train_on_batch`]); when `fit` fails, the
    /// model keeps the weights and state of its last accepted step and stays compiled.
    ///
    /// `x` is a [`Tensor`] or a [`TypedTensor`](crate::shape::TypedTensor) whose shape the
    /// compiler checks against the model's input signature (as for `evaluate`,
    /// `train_on_batch` and `test_on_batch`).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] before `compile`; [`Error::Data`] for mismatched sample counts,
    /// empty data, or NaN/infinite values; [`Error::InputShape`] for the wrong feature width;
    /// the loss's error for labels out of range; [`Error::InvalidArgument`] for a batch size
    /// of 0, 0 epochs or a validation split outside [0, 1), and for a callback that sets an
    /// invalid learning rate or sets one on an optimizer driven by a schedule (Keras refuses
    /// that too); [`Error::Training`] naming the epoch and batch where the loss, a gradient,
    /// a layer's state or the update became NaN or infinite (that step is not applied).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::FitOptions;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// let err = m.fit(&Tensor::ones(&[4, 2]), &Tensor::ones(&[4, 1]), FitOptions::new()).unwrap_err();
    /// assert!(err.to_string().contains("call `compile` before `fit`"), "{err}");
    /// ```
    fn fit<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
        mut options: FitOptions,
    ) -> Result<History> {
        let x = x.tensor();
        if options.batch_size == 0 {
            return Err(Error::invalid(
                "fit",
                "the batch size must be at least 1, but it is 0",
            ));
        }
        if options.epochs == 0 {
            return Err(Error::invalid(
                "fit",
                "the number of epochs must be at least 1, but it is 0",
            ));
        }
        if !(0.0..1.0).contains(&options.validation_split) {
            return Err(Error::invalid(
                "fit",
                format!(
                    "the validation split must be in [0, 1), got {}",
                    options.validation_split
                ),
            ));
        }
        self.prepare("fit", x, y)?;
        let samples = x.shape()[0];
        let (train_x, train_y, validation) = if let Some((vx, vy)) = options.validation_data.take()
        {
            self.prepare("fit (validation data)", &vx, &vy)?;
            (x.clone(), y.clone(), Some((vx, vy)))
        } else if options.validation_split > 0.0 {
            let n_val = ((samples as f32) * options.validation_split) as usize;
            if n_val == 0 || n_val == samples {
                return Err(data_error(
                    "fit",
                    format!(
                        "a validation split of {} leaves no samples on one side of {samples}",
                        options.validation_split
                    ),
                ));
            }
            let n_train = samples - n_val;
            (
                x.narrow(0, 0, n_train),
                y.narrow(0, 0, n_train),
                Some((x.narrow(0, n_train, n_val), y.narrow(0, n_train, n_val))),
            )
        } else {
            (x.clone(), y.clone(), None)
        };
        let n = train_x.shape()[0];
        let steps = n.div_ceil(options.batch_size);
        let seed = self.state().seed;
        let verbose = match options.verbosity {
            Verbosity::Silent => 0,
            Verbosity::Bar => 1,
            Verbosity::Line => 2,
        };
        let mut history = History::new(HistoryParams {
            verbose,
            epochs: options.epochs,
            steps,
        });
        let mut callbacks = std::mem::take(&mut options.callbacks);
        for cb in &mut callbacks {
            cb.on_train_begin(self)?;
        }
        let mut shuffle_rng = StdRng::seed_from_u64(seed ^ 0x5DEE_CE66_D1CE_4E5B);
        let mut order: Vec<usize> = (0..n).collect();
        for epoch in 0..options.epochs {
            let rate = compiled(self).optimizer.learning_rate();
            let mut control = Control::new(rate);
            for cb in &mut callbacks {
                cb.on_epoch_begin(epoch, &mut control)?;
            }
            let state = compiled_mut(self);
            set_callback_rate(&mut *state.optimizer, rate, &control, "start", epoch)?;
            for m in &mut state.metrics {
                m.reset();
            }
            if options.shuffle {
                order.shuffle(&mut shuffle_rng);
            }
            let progress = EpochProgress::start(options.verbosity, epoch, options.epochs, steps);
            let mut loss_sum = 0.0f64;
            let mut seen = 0usize;
            let mut logs = Logs::new();
            for (batch, indices) in order.chunks(options.batch_size).enumerate() {
                let xb = batch_of(&train_x, indices);
                let yb = batch_of(&train_y, indices);
                let loss = train_step(self, &xb, &yb).map_err(|e| e.at_batch(epoch, batch))?;
                loss_sum += f64::from(loss) * indices.len() as f64;
                seen += indices.len();
                // The names stay the same from batch to batch: only the values are replaced.
                logs.insert("loss", (loss_sum / seen as f64) as f32);
                for m in &compiled(self).metrics {
                    logs.insert(m.name(), m.result());
                }
                progress.step(batch + 1, logs.as_slice());
                for cb in &mut callbacks {
                    cb.on_batch_end(batch, &logs);
                }
            }
            if let Some((vx, vy)) = &validation {
                let val = with_compiled(self, |model, compiled| {
                    evaluate_batches(model, compiled, seed, vx, vy, options.batch_size)
                })?;
                for (name, value) in &val {
                    logs.insert(format!("val_{name}"), value);
                }
            }
            progress.finish(logs.as_slice());
            history.record(epoch, &logs);
            let rate = compiled(self).optimizer.learning_rate();
            let mut control = Control::new(rate);
            for cb in &mut callbacks {
                cb.on_epoch_end(epoch, &logs, self, &mut control)?;
            }
            let optimizer = &mut *compiled_mut(self).optimizer;
            set_callback_rate(optimizer, rate, &control, "end", epoch)?;
            if control.stop_training {
                break;
            }
        }
        for cb in &mut callbacks {
            cb.on_train_end(self)?;
        }
        for cb in &callbacks {
            cb.record(&mut history);
        }
        Ok(history)
    }

    /// The optimizer's number of state values (Keras's "Optimizer params"), once the
    /// model is compiled and has taken a training step (before that the optimizer has
    /// created no state, and Keras's summary shows no such line either).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// m.compile("sgd", "mse", &[])?;
    /// assert_eq!(m.optimizer_params(), None);
    /// m.train_on_batch(&Tensor::ones(&[2, 3]), &Tensor::ones(&[2, 1]))?;
    /// assert!(m.optimizer_params().is_some());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn optimizer_params(&self) -> Option<usize> {
        self.state()
            .compiled
            .as_ref()
            .filter(|c| c.optimizer.iterations() > 0)
            .map(|c| c.optimizer.state_size())
    }
}

/// The compiled state of a model that `prepare` checked.
fn compiled<M: Train>(model: &M) -> &Compiled {
    model
        .state()
        .compiled
        .as_ref()
        .expect("fit checked that the model is compiled")
}

/// The compiled state of a model that `prepare` checked, mutably.
fn compiled_mut<M: Train>(model: &mut M) -> &mut Compiled {
    model
        .state_mut()
        .compiled
        .as_mut()
        .expect("fit checked that the model is compiled")
}

/// Sets the learning rate the callbacks left in `control` at the `edge` ("start" or "end")
/// of `epoch`, if they changed it from `before`; the rate is never touched otherwise.
fn set_callback_rate(
    optimizer: &mut dyn Optimizer,
    before: f32,
    control: &Control,
    edge: &str,
    epoch: usize,
) -> Result<()> {
    let rate = control.learning_rate;
    if rate.to_bits() == before.to_bits() {
        return Ok(());
    }
    let when = format!("at the {edge} of epoch {}", epoch + 1);
    if optimizer.has_schedule() {
        return Err(Error::invalid(
            "fit",
            format!(
                "a callback set the learning rate to {rate:?} {when}, but `{}` computes its \
                 learning rate with a schedule, which cannot be overridden (Keras refuses this \
                 too); use either the schedule or the callback",
                optimizer.name()
            ),
        ));
    }
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Error::invalid(
            "fit",
            format!(
                "a callback set the learning rate to {rate:?} {when}; a learning rate must be a \
                 finite number ≥ 0"
            ),
        ));
    }
    optimizer.set_learning_rate(rate)
}
