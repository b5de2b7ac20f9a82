//! What `compile` and `fit` take: [`FitOptions`], Keras's keyword arguments of `fit`
//! (`epochs`, `batch_size`, `validation_split`, `callbacks`, …) as a builder, and the
//! optimizer and loss given by value or by name ([`IntoOptimizer`], [`IntoLoss`]).
//!
//! A builder method takes Keras's keyword (`batch_size(64)`); where the value can also be
//! read back, the reader takes the bare noun and the builder `with_` (as
//! `Optimizer::learning_rate` and `with_learning_rate`): `with_epochs(3)` and `epochs()`.
//!
//! ```
//! use layers_core::model::FitOptions;
//! assert_eq!(FitOptions::new().with_epochs(3).epochs(), 3);
//! ```

use super::callbacks::Callback;
use super::progress::Verbosity;
use crate::error::{Error, Result};
use crate::loss::{Loss, loss_from_name};
use crate::optim::{Optimizer, optimizer_from_name};
use crate::tensor::Tensor;

/// How `fit` runs: Keras's keyword arguments as a builder.
///
/// # Examples
///
/// ```
/// use layers_core::model::FitOptions;
/// let fit = FitOptions::new().with_epochs(10).batch_size(64).validation_split(0.1).verbose(2);
/// assert_eq!(fit.epochs(), 10);
/// ```
pub struct FitOptions {
    pub(super) epochs: usize,
    pub(super) batch_size: usize,
    pub(super) shuffle: bool,
    pub(super) validation_split: f32,
    pub(super) validation_data: Option<(Tensor, Tensor)>,
    pub(super) verbosity: Verbosity,
    pub(super) callbacks: Vec<Box<dyn Callback>>,
    pub(super) sample_weight: Option<Tensor>,
    pub(super) class_weight: Option<Vec<(usize, f32)>>,
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
    /// assert_eq!(FitOptions::new().epochs(), 1);
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
            sample_weight: None,
            class_weight: None,
        }
    }

    /// Sets the number of passes over the data (Keras's `epochs`; [`FitOptions::epochs`]
    /// reads it).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// assert_eq!(FitOptions::new().with_epochs(5).epochs(), 5);
    /// ```
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// The number of passes over the data that `fit` makes (unless a callback stops it).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::FitOptions;
    /// assert_eq!(FitOptions::new().epochs(), 1);
    /// ```
    pub fn epochs(&self) -> usize {
        self.epochs
    }

    /// Samples per gradient step (the last batch may be smaller).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[300, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let history = model.fit(&x, &x, FitOptions::new().batch_size(128).verbose(0))?;
    /// assert_eq!(history.params.steps, 3); // 128 + 128 + 44 samples
    /// # Ok::<(), layers_core::Error>(())
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
    /// use layers_core::prelude::*;
    /// use std::sync::{Arc, Mutex};
    /// // A layer that notes the batches of 2 it is called on (not the runs that build the
    /// // model) shows the order `fit` feeds the samples in.
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&seen);
    /// let note = Lambda::new(move |x: &Tensor| {
    ///     if x.shape()[0] == 2 {
    ///         sink.lock().unwrap().extend(x.to_vec());
    ///     }
    ///     x.clone()
    /// });
    /// let mut model = Sequential::new().add(note).add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let x = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0], &[4, 1]);
    /// model.fit(&x, &x, FitOptions::new().shuffle(false).batch_size(2).verbose(0))?;
    /// assert_eq!(*seen.lock().unwrap(), [0.0, 1.0, 2.0, 3.0]);
    /// # Ok::<(), layers_core::Error>(())
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
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[10, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let options = FitOptions::new().validation_split(0.2).batch_size(4).verbose(0);
    /// let history = model.fit(&x, &x, options)?;
    /// assert_eq!(history.params.steps, 2); // 8 samples train, 2 validate
    /// assert_eq!(history.history["val_loss"].len(), 1);
    /// # Ok::<(), layers_core::Error>(())
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
    /// use layers_core::prelude::*;
    /// let (x, x_val) = (Tensor::ones(&[8, 1]), Tensor::zeros(&[2, 1]));
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let options = FitOptions::new().validation_data(x_val.clone(), x_val.clone()).verbose(0);
    /// let history = model.fit(&x, &x, options)?;
    /// // the loss on the validation data after the epoch
    /// assert_eq!(history.history["val_loss"], vec![model.evaluate(&x_val, &x_val, 32)?["loss"]]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn validation_data(mut self, x: Tensor, y: Tensor) -> Self {
        self.validation_data = Some((x, y));
        self
    }

    /// Weighs each training sample's loss (Keras's `sample_weight`): one non-negative
    /// weight per sample, shape `(samples,)` (or one per output position,
    /// `(samples, time)`). The loss of a batch is `Σ loss · weight / count`, Keras's
    /// `sum_over_batch_size`; a validation split takes the weights of its samples, and
    /// `val_loss` is weighed by them as in Keras. The metrics of `compile` are not weighed
    /// (Keras's `metrics`); those of [`compile_weighted`](crate::model::Train::compile_weighted)
    /// are, in training and validation (Keras's `weighted_metrics`).
    ///
    /// `fit` refuses, before training, weights whose count is not the number of samples,
    /// negative, NaN or infinite weights, and `sample_weight` with
    /// [`class_weight`](FitOptions::class_weight).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1).use_bias(false));
    /// model.compile("sgd", "mse", &[])?;
    /// model.build([1])?;
    /// model.set_weights(&[Tensor::zeros(&[1, 1])])?;
    /// // errors 1 and 2 against the targets x: (3·1 + 0·4) / 2
    /// let weights = Tensor::from_vec(vec![3.0, 0.0], &[2]);
    /// let options = FitOptions::new().sample_weight(weights).verbose(0);
    /// assert_eq!(model.fit(&x, &x, options)?.history["loss"], vec![1.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn sample_weight(mut self, weights: Tensor) -> Self {
        self.sample_weight = Some(weights);
        self
    }

    /// Weighs each training sample's loss by the weight of its class (Keras's
    /// `class_weight`): `(class, weight)` pairs; a class not listed weighs 1. A sample's
    /// class is its integer label, or the index of the largest value of a one-hot target,
    /// as Keras reads it. Only the training samples are weighed (their loss and weighted
    /// metrics), not the validation ones.
    ///
    /// `fit` refuses a negative, NaN or infinite weight, a class listed twice, and
    /// `class_weight` with [`sample_weight`](FitOptions::sample_weight), before training.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[4, 2]);
    /// let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0], &[4]); // class 1 is rare
    /// let mut model = Sequential::new().add(Dense::new(2));
    /// model.compile("adam", "sparse_categorical_crossentropy", &[])?;
    /// let options = FitOptions::new().class_weight([(1, 3.0)]).verbose(0);
    /// model.fit(&x, &y, options)?;
    ///
    /// let twice = FitOptions::new().class_weight([(1, 3.0), (1, 2.0)]).verbose(0);
    /// assert!(model.fit(&x, &y, twice).unwrap_err().to_string().contains("class 1"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn class_weight(mut self, weights: impl IntoIterator<Item = (usize, f32)>) -> Self {
        self.class_weight = Some(weights.into_iter().collect());
        self
    }

    /// 0: silent, 1: a progress bar per epoch, 2: one line per epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[4, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let history = model.fit(&x, &x, FitOptions::new().verbose(0))?; // prints nothing
    /// assert_eq!(history.params.verbose, 0);
    /// # Ok::<(), layers_core::Error>(())
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
    /// use layers_core::model::callbacks::EarlyStopping;
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[4, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let options = FitOptions::new().with_epochs(2).verbose(0).callback(EarlyStopping::new("loss"));
    /// let history = model.fit(&x, &x, options)?;
    /// assert_eq!(history.early_stopping[0].monitor, "loss");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn callback(mut self, callback: impl Callback + 'static) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }
}

impl FitOptions {
    /// Checks the settings `fit` cannot run with, before anything happens.
    pub(super) fn check(&self) -> Result<()> {
        check_batch_size("fit", self.batch_size)?;
        if self.epochs == 0 {
            return Err(Error::invalid(
                "fit",
                "the number of epochs must be at least 1, but it is 0",
            ));
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return Err(Error::invalid(
                "fit",
                format!(
                    "the validation split must be in [0, 1), got {}",
                    self.validation_split
                ),
            ));
        }
        Ok(())
    }
}

/// Refuses a batch size of 0 given to `op` (`fit`, `evaluate`, `predict`).
pub(super) fn check_batch_size(op: &'static str, batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::invalid(
            op,
            "the batch size must be at least 1, but it is 0",
        ));
    }
    Ok(())
}

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

/// The boxed optimizer [`optimizer_from_name`] and
/// [`optimizer_from_config`](crate::optim::optimizer_from_config) return.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.compile(layers_core::optimizer_from_name("adam")?, "mse", &[])?;
/// # Ok::<(), layers_core::Error>(())
/// ```
impl IntoOptimizer for Box<dyn Optimizer> {
    fn into_optimizer(self) -> Result<Box<dyn Optimizer>> {
        Ok(self)
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
    /// The loss, its settings checked ([`Loss::check_settings`]).
    fn into_loss(self) -> Result<Box<dyn Loss>> {
        self.check_settings()?;
        Ok(Box::new(self))
    }
}

/// The boxed loss [`loss_from_name`] and [`loss_from_config`](crate::loss::loss_from_config)
/// return, its settings checked ([`Loss::check_settings`]).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.compile("sgd", layers_core::loss_from_name("mae")?, &[])?;
/// # Ok::<(), layers_core::Error>(())
/// ```
impl IntoLoss for Box<dyn Loss> {
    fn into_loss(self) -> Result<Box<dyn Loss>> {
        self.check_settings()?;
        Ok(self)
    }
}
