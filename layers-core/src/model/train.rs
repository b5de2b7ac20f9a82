//! Training like Keras: [`Train::compile`] with an optimizer, a loss and metrics, then
//! [`Train::fit`], [`Train::evaluate`], and `train_on_batch`/`test_on_batch` for custom
//! loops. Layers see `training = true` in `fit` and `false` in `evaluate` and `predict`.

use crate::shape::ModelInput;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::callbacks::{Callback, Control};
use super::history::{History, HistoryParams};
use super::progress::{EpochProgress, Verbosity};
use crate::error::{Error, Result, batch_shape};
use crate::layer::context::with_context;
use crate::layer::{Layer, LayerExt, trainable_weight_refs};
use crate::loss::{Loss, loss_from_name};
use crate::metrics::{Metric, metric_from_name};
use crate::optim::{Optimizer, optimizer_from_name};
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
    optimizer: Box<dyn Optimizer>,
    loss: Box<dyn Loss>,
    metrics: Vec<Box<dyn Metric>>,
    steps: u64,
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

/// How `fit` runs: Keras's keyword arguments as a builder.
///
/// # Examples
///
/// ```
/// use layers_core::model::FitOptions;
/// let fit = FitOptions::new().epochs(10).batch_size(64).validation_split(0.1).verbose(2);
/// assert_eq!(fit.get_epochs(), 10);
/// ```
pub struct FitOptions {
    epochs: usize,
    batch_size: usize,
    shuffle: bool,
    validation_split: f32,
    validation_data: Option<(Tensor, Tensor)>,
    verbosity: Verbosity,
    callbacks: Vec<Box<dyn Callback>>,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions::new()
    }
}

impl FitOptions {
    /// Keras's defaults: 1 epoch, batch size 32, shuffled, no validation, a progress bar.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// assert_eq!(FitOptions::new().get_epochs(), 1);
    /// ```
    pub fn new() -> FitOptions {
        FitOptions {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            validation_split: 0.0,
            validation_data: None,
            verbosity: Verbosity::Bar,
            callbacks: Vec::new(),
        }
    }

    /// The number of passes over the data.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// assert_eq!(FitOptions::new().epochs(5).get_epochs(), 5);
    /// ```
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// The number of epochs set.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// assert_eq!(FitOptions::new().get_epochs(), 1);
    /// ```
    pub fn get_epochs(&self) -> usize {
        self.epochs
    }

    /// Samples per gradient step (the last batch may be smaller).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// let _ = FitOptions::new().batch_size(128);
    /// ```
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Whether to shuffle the training samples each epoch (with the model's seed).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// let _ = FitOptions::new().shuffle(false);
    /// ```
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Holds out the last `fraction` of the samples (before shuffling) for validation, as
    /// Keras does.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// let _ = FitOptions::new().validation_split(0.2);
    /// ```
    pub fn validation_split(mut self, fraction: f32) -> Self {
        self.validation_split = fraction;
        self
    }

    /// Validates on these samples at the end of each epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, model::FitOptions};
    /// let _ = FitOptions::new().validation_data(Tensor::zeros(&[2, 3]), Tensor::zeros(&[2]));
    /// ```
    pub fn validation_data(mut self, x: Tensor, y: Tensor) -> Self {
        self.validation_data = Some((x, y));
        self
    }

    /// 0: silent, 1: a progress bar per epoch, 2: one line per epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// let _ = FitOptions::new().verbose(0);
    /// ```
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbosity = Verbosity::from(verbose);
        self
    }

    /// Adds a callback.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{FitOptions, callbacks::EarlyStopping};
    /// let _ = FitOptions::new().callback(EarlyStopping::new("val_loss").patience(2));
    /// ```
    pub fn callback(mut self, callback: impl Callback + 'static) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }
}

fn data_error(message: String) -> Error {
    Error::Data {
        source_name: "fit".to_string(),
        message,
    }
}

/// Checks `x` and `y` before any step: sample counts, emptiness, finiteness.
fn check_data(what: &str, x: &Tensor, y: &Tensor) -> Result<()> {
    if x.rank() == 0 || y.rank() == 0 {
        return Err(data_error(format!("{what}: x and y need a sample axis")));
    }
    if x.shape()[0] != y.shape()[0] {
        return Err(data_error(format!(
            "{what}: x has {} samples but y has {}",
            x.shape()[0],
            y.shape()[0]
        )));
    }
    if x.shape()[0] == 0 {
        return Err(data_error(format!("{what}: there are no samples")));
    }
    for (name, t) in [("x", x), ("y", y)] {
        if let Some(i) = t.view().iter().position(|v| !v.is_finite()) {
            let per_sample = t.len() / t.shape()[0];
            return Err(data_error(format!(
                "{what}: {name} holds a NaN or infinite value in sample {}",
                i / per_sample.max(1)
            )));
        }
    }
    Ok(())
}

fn batch_of(t: &Tensor, indices: &[usize]) -> Tensor {
    t.index_select(0, indices)
}

/// Runs one batch through `net` in inference mode and updates `loss_sum` and the metrics.
fn evaluate_batches(
    net: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    x: &Tensor,
    y: &Tensor,
    batch_size: usize,
) -> Result<Vec<(String, f32)>> {
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
    let mut logs = vec![("loss".to_string(), (loss_sum / samples as f64) as f32)];
    logs.extend(
        compiled
            .metrics
            .iter()
            .map(|m| (m.name().to_string(), m.result())),
    );
    Ok(logs)
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
    /// `"mae"`), replacing any earlier compile.
    ///
    /// # Errors
    ///
    /// For an unknown optimizer, loss or metric name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(3));
    /// m.compile("adam", "sparse_categorical_crossentropy", &["accuracy"])?;
    /// assert!(m.compile("adamm", "mse", &[]).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn compile(
        &mut self,
        optimizer: impl IntoOptimizer,
        loss: impl IntoLoss,
        metrics: &[&str],
    ) -> Result<()> {
        let optimizer = optimizer.into_optimizer()?;
        let loss = loss.into_loss()?;
        let metrics = metrics
            .iter()
            .map(|name| metric_from_name(name, loss.as_ref()))
            .collect::<Result<Vec<_>>>()?;
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
    /// [`Error::Config`] before `compile`.
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
    /// let logs = m.evaluate(&Tensor::zeros(&[2, 3]), &Tensor::ones(&[2, 1]), 2)?;
    /// assert_eq!(logs[1], ("binary_accuracy".to_string(), 1.0)); // σ(0) = 0.5 > 0.3
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
    /// # Errors
    ///
    /// As [`Train::fit`]; a NaN or infinite loss is an error and no update is applied.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1));
    /// m.compile("sgd", "mse", &["mae"])?;
    /// let logs = m.train_on_batch(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]))?;
    /// assert_eq!(logs[0].0, "loss");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn train_on_batch<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
    ) -> Result<Vec<(String, f32)>> {
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
        let loss = train_step(self, x, y, 0, 0)?;
        let compiled = self.state().compiled.as_ref().expect("checked by prepare");
        let mut logs = vec![("loss".to_string(), loss)];
        logs.extend(
            compiled
                .metrics
                .iter()
                .map(|m| (m.name().to_string(), m.result())),
        );
        Ok(logs)
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
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn test_on_batch<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
    ) -> Result<Vec<(String, f32)>> {
        let x = x.tensor();
        self.evaluate(x, y, x.shape().first().copied().unwrap_or(1).max(1))
    }

    /// The loss and metrics over `x`, `y` in inference mode, `batch_size` samples at a time.
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
    /// assert_eq!(logs, vec![("loss".to_string(), 2.5)]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn evaluate<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
        batch_size: usize,
    ) -> Result<Vec<(String, f32)>> {
        let x = x.tensor();
        if batch_size == 0 {
            return Err(Error::invalid(
                "evaluate",
                "the batch size must be at least 1",
            ));
        }
        self.prepare("evaluate", x, y)?;
        let seed = self.state().seed;
        // The compiled state lives inside the model: take it out while the model runs.
        let mut compiled = self
            .state_mut()
            .compiled
            .take()
            .expect("checked by prepare");
        let logs = evaluate_batches(&*self, &mut compiled, seed, x, y, batch_size);
        self.state_mut().compiled = Some(compiled);
        logs
    }

    /// Trains the model on `x`, `y` (Keras's `fit`).
    ///
    /// Each epoch shuffles the training samples (with the model's seed, so the same seed
    /// gives the same history), runs one gradient step per batch with layers in training
    /// mode, then validates in inference mode when asked. Callbacks may stop training early
    /// or change the learning rate.
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
    /// of 0, 0 epochs or a validation split outside [0, 1); [`Error::Training`] naming the
    /// epoch and batch where the loss became NaN or infinite (that update is not applied).
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
            return Err(Error::invalid("fit", "the batch size must be at least 1"));
        }
        if options.epochs == 0 {
            return Err(Error::invalid(
                "fit",
                "the number of epochs must be at least 1",
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
                return Err(data_error(format!(
                    "a validation split of {} leaves no samples on one side of {samples}",
                    options.validation_split
                )));
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
            let lr = self
                .state()
                .compiled
                .as_ref()
                .expect("prepared")
                .optimizer
                .learning_rate();
            let mut control = Control::new(lr);
            for cb in &mut callbacks {
                cb.on_epoch_begin(epoch, &mut control)?;
            }
            let compiled = self.state_mut().compiled.as_mut().expect("prepared");
            compiled.optimizer.set_learning_rate(control.learning_rate);
            for m in &mut compiled.metrics {
                m.reset();
            }
            if options.shuffle {
                order.shuffle(&mut shuffle_rng);
            }
            let progress = EpochProgress::start(options.verbosity, epoch, options.epochs, steps);
            let mut loss_sum = 0.0f64;
            let mut seen = 0usize;
            let mut logs = Vec::new();
            for (batch, indices) in order.chunks(options.batch_size).enumerate() {
                let xb = batch_of(&train_x, indices);
                let yb = batch_of(&train_y, indices);
                let loss = train_step(self, &xb, &yb, epoch, batch)?;
                loss_sum += f64::from(loss) * indices.len() as f64;
                seen += indices.len();
                let compiled = self.state().compiled.as_ref().expect("prepared");
                logs = vec![("loss".to_string(), (loss_sum / seen as f64) as f32)];
                logs.extend(
                    compiled
                        .metrics
                        .iter()
                        .map(|m| (m.name().to_string(), m.result())),
                );
                progress.step(batch + 1, &logs);
                for cb in &mut callbacks {
                    cb.on_batch_end(batch, &logs);
                }
            }
            if let Some((vx, vy)) = &validation {
                let mut compiled = self.state_mut().compiled.take().expect("prepared");
                let val = evaluate_batches(&*self, &mut compiled, seed, vx, vy, options.batch_size);
                self.state_mut().compiled = Some(compiled);
                logs.extend(val?.into_iter().map(|(k, v)| (format!("val_{k}"), v)));
            }
            progress.finish(&logs);
            history.record(epoch, &logs);
            let lr = self
                .state()
                .compiled
                .as_ref()
                .expect("prepared")
                .optimizer
                .learning_rate();
            let mut control = Control::new(lr);
            for cb in &mut callbacks {
                cb.on_epoch_end(epoch, &logs, self, &mut control)?;
            }
            self.state_mut()
                .compiled
                .as_mut()
                .expect("prepared")
                .optimizer
                .set_learning_rate(control.learning_rate);
            if control.stop_training {
                break;
            }
        }
        for cb in &mut callbacks {
            cb.on_train_end(self)?;
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

/// One training step: forward in training mode, loss, backward, NaN check, update.
fn train_step<M: Train>(
    model: &mut M,
    x: &Tensor,
    y: &Tensor,
    epoch: usize,
    batch: usize,
) -> Result<f32> {
    let seed = model.state().seed;
    let mut compiled = model
        .state_mut()
        .compiled
        .take()
        .expect("checked by prepare");
    let result = step_with(model, &mut compiled, seed, x, y, epoch, batch);
    model.state_mut().compiled = Some(compiled);
    result
}

fn step_with<M: Train>(
    model: &M,
    compiled: &mut Compiled,
    seed: u64,
    x: &Tensor,
    y: &Tensor,
    epoch: usize,
    batch: usize,
) -> Result<f32> {
    let step_seed = seed ^ compiled.steps.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    compiled.steps += 1;
    let (loss_value, grads, pred) = with_context(true, step_seed, || -> Result<_> {
        let pred = model.forward(x)?;
        let loss = compiled.loss.compute(y, &pred)?;
        let value = loss.item();
        if !value.is_finite() {
            return Ok((value, None, pred.detach()));
        }
        let grads = loss.backward();
        Ok((value, Some(grads), pred.detach()))
    })?;
    let Some(grads) = grads else {
        return Err(Error::Training {
            epoch: epoch + 1,
            batch: batch + 1,
            message: format!("the loss became {loss_value}; the update was not applied"),
        });
    };
    // Collected without building path strings: the paths are only needed for the message.
    let weights = trainable_weight_refs(model);
    if weights
        .iter()
        .any(|w| w.grad(&grads).is_some_and(|g| !g.all_finite()))
    {
        let path = model
            .trainable_weights()
            .into_iter()
            .find(|(_, w)| w.grad(&grads).is_some_and(|g| !g.all_finite()))
            .map_or_else(String::new, |(path, _)| path);
        return Err(Error::Training {
            epoch: epoch + 1,
            batch: batch + 1,
            message: format!(
                "the gradient of `{path}` holds NaN or infinite values; the update was not applied"
            ),
        });
    }
    compiled.optimizer.apply(&weights, &grads)?;
    for m in &mut compiled.metrics {
        m.update(y, &pred)?;
    }
    Ok(loss_value)
}
