//! Training like Keras: [`Train::compile`] with an optimizer, a loss and metrics, then
//! [`Train::fit`], [`Train::evaluate`], and `train_on_batch`/`test_on_batch` for custom
//! loops. Layers see `training = true` in `fit` and `false` in `evaluate` and `predict`.
//!
//! This file holds the trait and what needs it: taking the compiled state out of a model
//! while it runs (`with_compiled`) and the checks before any of it runs (`prepare`). The
//! loops live in `fit.rs`, `evaluate.rs` and `step.rs`, the compiled state in `state.rs`.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut m = Sequential::new().add(Dense::new(1));
//! m.compile("sgd", "mse", &[])?;
//! let before = m.evaluate(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]), 4)?["loss"];
//! m.train_on_batch(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]))?;
//! assert!(m.evaluate(&Tensor::ones(&[4, 2]), &Tensor::zeros(&[4, 1]), 4)?["loss"] < before);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

use super::build::unbuilt_on_failure;
use super::evaluate::evaluate_batches;
use super::fit;
use super::history::History;
use super::logs::Logs;
use super::options::check_batch_size;
use super::sample_weights::checked_weights;
use super::state::Compiled;
use super::step::train_step;
use crate::data::check::{check_paired, data_error, non_finite_sample};
use crate::error::{Error, Result};
use crate::layer::context::with_context;
use crate::layer::{Layer, LayerExt, dry_run};
use crate::metrics::Metric;
use crate::tensor::Tensor;
use crate::typed::ModelInput;

pub use super::options::{FitOptions, IntoLoss, IntoOptimizer};
pub use super::state::TrainingState;

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
/// let history = model.fit(&x, &y, FitOptions::new().with_epochs(60).batch_size(16).verbose(0))?;
/// assert!(history.last("loss").unwrap() < 1e-3);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Train: Layer + Sized {
    /// The model's training state: the compiled optimizer, loss and metrics, and the seed.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::train::TrainingState;
    /// let model = Sequential::new().seed(7).add(Dense::new(1));
    /// let state: &TrainingState = model.state();
    /// # let _ = state;
    /// ```
    fn state(&self) -> &TrainingState;

    /// The model's training state, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// use layers_core::model::train::TrainingState;
    /// *model.state_mut() = TrainingState::new(7); // as if never compiled
    /// let (x, y) = (Tensor::ones(&[2, 1]), Tensor::zeros(&[2, 1]));
    /// assert!(model.train_on_batch(&x, &y).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn state_mut(&mut self) -> &mut TrainingState;

    /// Builds the model for a per-sample input shape (what `fit` does on first use), and
    /// returns the per-sample output shape.
    ///
    /// # Errors
    ///
    /// As the model's `build`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(4)).add(Dense::new(2));
    /// assert_eq!(model.build_model(&[3])?, vec![2]);
    /// assert_eq!(model.count_params()?, 3 * 4 + 4 + 4 * 2 + 2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn build_model(&mut self, input_shape: &[usize]) -> Result<Vec<usize>>;

    /// Forgets the per-layer output shapes a build recorded, when a failed call undoes the
    /// build it made; a model that records none has nothing to forget (the default).
    #[doc(hidden)]
    fn forget_layer_shapes(&mut self) {}

    /// Sets the optimizer, the loss and the metrics (Keras names such as `"accuracy"`,
    /// `"mae"`), replacing any earlier compile. The optimizer's settings are checked here
    /// ([`Optimizer::validate`](crate::optim::Optimizer::validate)), since its builders cannot fail.
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
        self.compile_weighted(optimizer, loss, metrics, &[])
    }

    /// [`compile`](Train::compile) with Keras's `weighted_metrics` as well: metrics (by
    /// Keras name) updated with the samples' weights wherever some are given
    /// ([`FitOptions::sample_weight`] or [`FitOptions::class_weight`] in `fit` and its
    /// validation split, [`evaluate_weighted`](Train::evaluate_weighted),
    /// [`train_on_batch_weighted`](Train::train_on_batch_weighted)), and like the others
    /// where none are. They log after the unweighted metrics under their own names, or, for
    /// a name an unweighted metric already has, under `weighted_` and the name, as Keras 3
    /// names them: `accuracy` in both lists logs `accuracy` and `weighted_accuracy` (and
    /// `val_weighted_accuracy` in validation).
    ///
    /// # Errors
    ///
    /// Those of `compile`; [`Error::InvalidArgument`] for a weighted metric that cannot
    /// take sample weights ([`Metric::takes_sample_weight`]: a metric of your own without
    /// `update_weighted`), or for two
    /// values that would log under one name (a second weighted `accuracy`, which Keras would
    /// log as `weighted_accuracy_1`). An earlier compile stays in place on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
    /// m.compile_weighted("sgd", "mse", &["mae"], &["mae", "mse"])?;
    /// m.build([1])?;
    /// m.set_weights(&[Tensor::ones(&[1, 1])])?;
    /// let (x, y) = (Tensor::from_vec(vec![1.0, 2.0], &[2, 1]), Tensor::zeros(&[2, 1]));
    /// let logs = m.evaluate_weighted(&x, &y, &Tensor::from_vec(vec![3.0, 1.0], &[2]), 2)?;
    /// assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "mae", "weighted_mae", "mse"]);
    /// assert_eq!(logs["mae"], 1.5); // (1 + 2) / 2
    /// assert_eq!(logs["weighted_mae"], 1.25); // (3·1 + 1·2) / (3 + 1)
    /// assert_eq!(logs["mse"], 1.75); // (3·1 + 1·4) / 4
    /// assert_eq!(logs["loss"], 3.5); // the loss: Σ w·e² / samples = (3 + 4) / 2
    ///
    /// // a second weighted `mae` would log as `weighted_mae` too
    /// let err = m.compile_weighted("sgd", "mse", &["mae"], &["mae", "mae"]).unwrap_err();
    /// assert!(err.to_string().contains("two values would be logged as `weighted_mae`"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn compile_weighted(
        &mut self,
        optimizer: impl IntoOptimizer,
        loss: impl IntoLoss,
        metrics: &[&str],
        weighted_metrics: &[&str],
    ) -> Result<()> {
        let (optimizer, loss) = (optimizer.into_optimizer()?, loss.into_loss()?);
        let compiled = Compiled::new(optimizer, loss, metrics, weighted_metrics)?;
        self.state_mut().compiled = Some(compiled);
        Ok(())
    }

    /// Adds a metric given by value (after `compile`, which takes metrics by name), e.g. a
    /// binary accuracy with another threshold.
    ///
    /// # Errors
    ///
    /// [`Error::NotCompiled`] before `compile`; [`Error::InvalidArgument`] if a compiled metric
    /// (or the loss) already has the metric's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::activation::Sigmoid;
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
        // Named up front: the name borrows the model, which the compiled state borrows too.
        let not_compiled = not_compiled(self, "add_metric");
        let compiled = self.state_mut().compiled.as_mut().ok_or(not_compiled)?;
        compiled.add_metric(Box::new(metric))
    }

    /// Adds a weighted metric given by value (after `compile`), as
    /// [`compile_weighted`](Train::compile_weighted) adds those given by name; it logs as
    /// they do (`weighted_…` when an unweighted metric has its name).
    ///
    /// # Errors
    ///
    /// [`Error::NotCompiled`] before `compile`; [`Error::InvalidArgument`] for a metric that
    /// cannot take sample weights, or whose log name is taken. Nothing changes on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::metrics::{BinaryAccuracy, F1Score};
    /// let mut m = Sequential::new().add(Dense::new(1).activation("sigmoid"));
    /// m.compile("adam", "binary_crossentropy", &["binary_accuracy"])?;
    /// m.add_weighted_metric(BinaryAccuracy::new().threshold(0.3))?;
    /// assert!(m.add_weighted_metric(F1Score::new()).is_err()); // one score per class
    /// let (x, y) = (Tensor::zeros(&[2, 3]), Tensor::from_vec(vec![1.0, 0.0], &[2, 1]));
    /// let logs = m.evaluate_weighted(&x, &y, &Tensor::from_vec(vec![3.0, 1.0], &[2]), 2)?;
    /// assert_eq!(logs["binary_accuracy"], 0.5); // σ(0) = 0.5 > 0.5 is false: 1 of 2 right
    /// assert_eq!(logs["weighted_binary_accuracy"], 0.75); // 0.5 > 0.3: the first, weighing 3 of 4
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn add_weighted_metric(&mut self, metric: impl Metric + 'static) -> Result<()> {
        let not_compiled = not_compiled(self, "add_weighted_metric");
        let compiled = self.state_mut().compiled.as_mut().ok_or(not_compiled)?;
        compiled.add_weighted_metric(Box::new(metric))
    }

    /// One gradient step on one batch; returns the batch's loss and metrics.
    ///
    /// The step is all or nothing: when it fails, for whatever reason, no weight, layer
    /// state (batch normalization's moving statistics, say), optimizer slot or step count
    /// has changed.
    ///
    /// # Errors
    ///
    /// As [`Train::evaluate`]; [`Error::Training`] naming the step (counted from 1 over the
    /// model's training) when the loss, a gradient, a layer's state or the update becomes
    /// NaN or infinite, as `fit` names the epoch and batch.
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
    /// assert!(err.to_string().starts_with("training stopped at `train_on_batch` step 2: the loss became inf"), "{err}");
    /// assert!(err.to_string().ends_with("; the update was not applied"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn train_on_batch<X: ModelInput<Self>>(&mut self, x: &X, y: &Tensor) -> Result<Logs> {
        train_one_batch(self, x.tensor(), y, None)
    }

    /// [`train_on_batch`](Train::train_on_batch) with each sample's loss weighed (Keras's
    /// `train_on_batch(…, sample_weight=…)`), as [`FitOptions::sample_weight`] weighs them;
    /// the weighted metrics ([`compile_weighted`](Train::compile_weighted)) too.
    ///
    /// # Errors
    ///
    /// Those of `train_on_batch`; weights whose count is not the number of samples, or that
    /// are negative, NaN or infinite (naming the sample), before the step: nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
    /// m.compile("sgd", "mse", &[])?;
    /// m.build([1])?;
    /// m.set_weights(&[Tensor::zeros(&[1, 1])])?;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
    /// // errors 1 and 2 against the targets x, the second weighed 0: (1·1 + 0·4) / 2
    /// let w = Tensor::from_vec(vec![1.0, 0.0], &[2]);
    /// assert_eq!(m.train_on_batch_weighted(&x, &x, &w)?["loss"], 0.5);
    /// // the gradient 2·(0 − 1)·1 / 2 = −1 moved the kernel by lr 0.01
    /// assert_eq!(m.get_weights()?[0].to_vec(), vec![0.01]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn train_on_batch_weighted<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
        sample_weight: &Tensor,
    ) -> Result<Logs> {
        let w = checked_weights("train_on_batch", y, sample_weight)?;
        train_one_batch(self, x.tensor(), y, Some(&w))
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
    /// [`Error::NotCompiled`] before `compile`; [`Error::Data`] for mismatched sample counts,
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
        check_batch_size("evaluate", batch_size)?;
        unbuilt_on_failure(self, |model| {
            prepare(model, "evaluate", x, y)?;
            let seed = model.state().seed;
            with_compiled(model, |model, compiled| {
                let loss = evaluate_batches(model, compiled, seed, (x, y, 0, None), batch_size)?;
                Ok(compiled.logs(loss))
            })
        })
    }

    /// [`evaluate`](Train::evaluate) with each sample's loss weighed (Keras's
    /// `evaluate(…, sample_weight=…)`): one non-negative weight per sample (or per output
    /// position), each batch's loss `Σ loss · weight / count` as in
    /// [`FitOptions::sample_weight`]. The weighted metrics
    /// ([`compile_weighted`](Train::compile_weighted)) are weighed the same way; the others
    /// are not.
    ///
    /// # Errors
    ///
    /// Those of `evaluate`; weights whose count is not the number of samples, or that are
    /// negative, NaN or infinite (naming the sample).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
    /// m.compile("sgd", "mse", &[])?;
    /// m.build([1])?;
    /// m.set_weights(&[Tensor::ones(&[1, 1])])?;
    /// let (x, y) = (Tensor::from_vec(vec![1.0, 2.0], &[2, 1]), Tensor::zeros(&[2, 1]));
    /// // squared errors 1 and 4, weighed 2 and 0.5: (2 + 2) / 2
    /// let w = Tensor::from_vec(vec![2.0, 0.5], &[2]);
    /// assert_eq!(m.evaluate_weighted(&x, &y, &w, 32)?["loss"], 2.0);
    /// assert!(m.evaluate_weighted(&x, &y, &Tensor::ones(&[3]), 32).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn evaluate_weighted<X: ModelInput<Self>>(
        &mut self,
        x: &X,
        y: &Tensor,
        sample_weight: &Tensor,
        batch_size: usize,
    ) -> Result<Logs> {
        let x = x.tensor();
        check_batch_size("evaluate", batch_size)?;
        let w = checked_weights("evaluate", y, sample_weight)?;
        unbuilt_on_failure(self, |model| {
            prepare(model, "evaluate", x, y)?;
            let seed = model.state().seed;
            with_compiled(model, |model, compiled| {
                let loss =
                    evaluate_batches(model, compiled, seed, (x, y, 0, Some(&w)), batch_size)?;
                Ok(compiled.logs(loss))
            })
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
    /// `x` is a [`Tensor`] or a [`TypedTensor`](crate::typed::TypedTensor) whose shape the
    /// compiler checks against the model's input signature (as for `evaluate`,
    /// `train_on_batch` and `test_on_batch`).
    ///
    /// # Errors
    ///
    /// [`Error::NotCompiled`] before `compile`; [`Error::Data`] for mismatched sample counts,
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
        options: FitOptions,
    ) -> Result<History> {
        let x = x.tensor();
        options.check()?;
        unbuilt_on_failure(self, |model| {
            prepare(model, "fit", x, y)?;
            if let Some((vx, vy)) = &options.validation_data {
                // A width error says which data it is about.
                prepare(model, "fit (validation data)", vx, vy).map_err(|e| match e {
                    e @ Error::InputShape { .. } => {
                        data_error("fit (validation data)", e.to_string())
                    }
                    e => e,
                })?;
            }
            let seed = model.state().seed;
            let input_shape = model.state().input_shape.clone();
            with_compiled(model, |model, compiled| {
                fit::run(model, compiled, seed, input_shape.as_deref(), x, y, options)
            })
        })
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

    /// Saves the whole model to one file, atomically: its architecture (every layer's
    /// class and config), its weights, which are trainable, and what `compile` set up with
    /// the optimizer's state and the steps and epochs done, so that [`Train::load`] then
    /// `fit` goes on exactly as if training had not stopped. The file is safetensors: the
    /// weights under their paths, as [`LayerExt::save_weights`] writes them, the optimizer
    /// state under `optimizer/`, the rest as JSON metadata; nothing in it is code.
    ///
    /// # Errors
    ///
    /// [`Error::ModelFile`] naming the file, when a layer cannot be written as data (a
    /// `Lambda` around an unnamed closure) or the optimizer cannot (a schedule given as a
    /// closure); [`Error::Io`] when the file cannot be written, the old file left intact.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model.safetensors");
    /// let mut model = Sequential::new().add(Dense::new(4).activation("relu")).add(Dense::new(1));
    /// model.compile("adam", "mse", &["mae"])?;
    /// let (x, y) = (Tensor::ones(&[8, 3]), Tensor::zeros(&[8, 1]));
    /// model.fit(&x, &y, FitOptions::new().verbose(0))?;
    /// model.save(&path)?;
    ///
    /// let mut loaded = Sequential::load(&path)?;
    /// assert_eq!(loaded.predict(&x)?.to_vec(), model.predict(&x)?.to_vec());
    /// // training goes on from the same optimizer state
    /// let a = model.train_on_batch(&x, &y)?["loss"];
    /// assert_eq!(loaded.train_on_batch(&x, &y)?["loss"], a);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        super::saving::save(self, path.as_ref())
    }

    /// Loads a model that [`Train::save`] wrote: each layer made by the class registered
    /// under its name (every `#[derive(Layer)]` and `#[activation]` type registers itself),
    /// built, given its weights, and compiled as it was. NaN and infinite values are
    /// refused ([`Train::load_with`] can allow them).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read; [`Error::WeightsFile`] when it is not a
    /// valid safetensors file; [`Error::ModelFile`] naming the file for anything else: a
    /// weights file (read those with `load_weights`), an unknown layer class (the error
    /// lists the registered ones), a config with an unknown key or a bad value, a missing
    /// or unexpected tensor. Nothing in the file is run.
    ///
    /// # Examples
    ///
    /// See [`Train::save`].
    fn load(path: impl AsRef<std::path::Path>) -> Result<Self>
    where
        Self: crate::layer::spec::FromConfig,
    {
        Self::load_with(path, crate::save::LoadOptions::new())
    }

    /// [`Train::load`], with options (to accept NaN or infinite values).
    ///
    /// # Errors
    ///
    /// As [`Train::load`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::save::LoadOptions;
    /// let err = Sequential::load_with("missing.safetensors", LoadOptions::new()).err().unwrap();
    /// assert!(matches!(err, Error::Io { .. }));
    /// ```
    fn load_with(
        path: impl AsRef<std::path::Path>,
        options: crate::save::LoadOptions,
    ) -> Result<Self>
    where
        Self: crate::layer::spec::FromConfig,
    {
        super::saving::load(path.as_ref(), options)
    }
}

/// The compiled state of `model`, or [`Error::NotCompiled`] naming the `method` called.
/// `train_on_batch`'s step, with the samples' weights if any.
fn train_one_batch<M: Train>(
    model: &mut M,
    x: &Tensor,
    y: &Tensor,
    sample_weight: Option<&Tensor>,
) -> Result<Logs> {
    unbuilt_on_failure(model, |model| {
        prepare(model, "train_on_batch", x, y)?;
        let seed = model.state().seed;
        with_compiled(model, |model, compiled| {
            compiled.reset_metrics();
            let step = compiled.optimizer.iterations() + 1;
            let loss = train_step(model, compiled, seed, (x, y, sample_weight))
                .map_err(|e| e.at_step(step))?;
            Ok(compiled.logs(loss))
        })
    })
}

fn compiled<'a, M: Train>(model: &'a M, method: &'static str) -> Result<&'a Compiled> {
    model
        .state()
        .compiled
        .as_ref()
        .ok_or_else(|| not_compiled(model, method))
}

fn not_compiled(model: &dyn Layer, method: &'static str) -> Error {
    Error::NotCompiled {
        model: model.display_name(),
        method,
    }
}

/// Runs `f` with the compiled state taken out of the model (so that the model can run while
/// the optimizer and the metrics change), putting it back afterwards, also when `f` fails
/// or panics. The one place where the compiled state leaves the model.
///
/// # Panics
///
/// When the model is not compiled: every caller runs [`prepare`] first, which refuses that.
fn with_compiled<M: Train, R>(
    model: &mut M,
    f: impl FnOnce(&dyn Layer, &mut Compiled) -> Result<R>,
) -> Result<R> {
    let mut compiled = model
        .state_mut()
        .compiled
        .take()
        .expect("`prepare` refuses a model that is not compiled");
    let result = catch_unwind(AssertUnwindSafe(|| f(&*model, &mut compiled)));
    model.state_mut().compiled = Some(compiled);
    match result {
        Ok(r) => r,
        Err(panic) => resume_unwind(panic),
    }
}

/// What every entry point (`fit`, `evaluate`, `train_on_batch`, …) checks before it runs:
/// that the model is compiled (first, so that an uncompiled model is not built either); that
/// `x` and `y` hold samples, as many each, all finite; that `x` fits the model (building it
/// from `x` on first use) and `y` the loss.
fn prepare<M: Train>(model: &mut M, what: &'static str, x: &Tensor, y: &Tensor) -> Result<()> {
    compiled(model, what)?;
    check_paired(what, x, y)?;
    if x.shape()[0] == 0 {
        return Err(data_error(
            what,
            "x and y hold no samples; at least one is needed",
        ));
    }
    for (name, t) in [("x", x), ("y", y)] {
        if let Some(sample) = non_finite_sample(t) {
            return Err(data_error(
                what,
                format!("{name} holds a NaN or infinite value in sample {sample}"),
            ));
        }
    }
    let output_shape = output_shape(model, &x.shape()[1..])?;
    compiled(model, what)?.loss.validate(y, &output_shape)
}

/// The model's per-sample output for inputs of per-sample shape `input_shape`: built from it
/// on first use, refused if built for another shape. Found once (at build, or by one dry run
/// after the model changed) and kept, so that repeated calls run the model no extra time.
fn output_shape<M: Train>(model: &mut M, input_shape: &[usize]) -> Result<Vec<usize>> {
    match &model.state().input_shape {
        None => {
            model.build_model(input_shape)?;
        }
        Some(built) if built != input_shape => {
            return Err(Error::InputShape {
                model: model.display_name(),
                expected: built.as_slice().into(),
                found: input_shape.into(),
            });
        }
        Some(_) => {}
    }
    if let Some(shape) = &model.state().output_shape {
        return Ok(shape.clone());
    }
    let seed = model.state().seed;
    let shape = with_context(false, seed, || dry_run(&*model, input_shape))?;
    model.state_mut().output_shape = Some(shape.clone());
    Ok(shape)
}
