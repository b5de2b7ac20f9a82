//! Keras's losses: each turns targets and predictions into one scalar that can be
//! differentiated with respect to the predictions.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Loss, MeanSquaredError};
//!
//! let y_true = Tensor::from_vec(vec![0.0, 1.0, 1.0, 0.0], &[2, 2]);
//! let y_pred = Tensor::from_vec(vec![0.0, 0.5, 1.0, 1.0], &[2, 2]).into_variable();
//! // per sample: (0 + 0.25) / 2 = 0.125 and (0 + 1) / 2 = 0.5; their mean is 0.3125
//! let loss = MeanSquaredError::new().compute(&y_true, &y_pred)?;
//! assert_eq!(loss.item(), 0.3125);
//! // d/dŷ = 2 (ŷ − y) / 4
//! let grads = loss.backward();
//! assert_eq!(grads.get(&y_pred).unwrap().to_vec(), vec![0.0, -0.25, 0.0, 0.5]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Every loss reduces as Keras's default `sum_over_batch_size` does: the per-element (or,
//! for the crossentropies, per-position) values are averaged over the last axis of each
//! sample, then over the batch.

pub(crate) mod check;
pub(crate) mod config;
mod crossentropy;
mod hinge;
mod probabilistic;
mod regression;
mod scaled;
mod sparse;
mod weighted;

pub use config::loss_from_config;
pub use crossentropy::{BinaryCrossentropy, CategoricalCrossentropy};
pub use hinge::{CategoricalHinge, Hinge, SquaredHinge};
pub use probabilistic::{CosineSimilarity, KLDivergence, Poisson};
pub use regression::{Huber, MeanAbsoluteError, MeanSquaredError};
pub use scaled::{LogCosh, MeanAbsolutePercentageError, MeanSquaredLogarithmicError};
pub use sparse::SparseCategoricalCrossentropy;
pub(crate) use weighted::check_sample_weight;
pub use weighted::weighted_loss;

use crate::Tensor;
use crate::error::{Error, Result, names_of};

/// A training objective: a differentiable scalar from targets `y_true` and predictions
/// `y_pred`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{Loss, MeanAbsoluteError};
///
/// let loss: Box<dyn Loss> = Box::new(MeanAbsoluteError::new());
/// let y_true = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]);
/// let y_pred = Tensor::from_vec(vec![1.5, 1.0], &[2, 1]);
/// assert_eq!(loss.name(), "mean_absolute_error");
/// assert_eq!(loss.compute(&y_true, &y_pred)?.item(), 0.75); // (0.5 + 1) / 2
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Loss: Send + Sync {
    /// The Keras name of the loss, as reported in logs (`mean_squared_error`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{Huber, Loss};
    /// assert_eq!(Huber::new().name(), "huber_loss");
    /// ```
    fn name(&self) -> &'static str;

    /// The loss of a batch: a scalar tensor, differentiable with respect to `y_pred`.
    ///
    /// Values are averaged over the last axis of each sample, then over the batch (Keras's
    /// `sum_over_batch_size`). `y_true` must have the shape of `y_pred`, except that a
    /// trailing axis of size 1 may be missing on either side (`(batch,)` against
    /// `(batch, 1)`), as Keras allows; the sparse crossentropy takes integer labels instead.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] naming both shapes when they do not fit;
    /// [`Error::InvalidArgument`] for an empty batch, a prediction without a batch axis, a
    /// bad parameter or (sparse crossentropy) a label that is not a class index.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, MeanSquaredError};
    ///
    /// let mse = MeanSquaredError::new();
    /// let y = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
    /// let p = Tensor::from_vec(vec![1.0, 2.0, 5.0], &[3, 1]); // (3,) against (3, 1) is fine
    /// assert_eq!(mse.compute(&y, &p)?.item(), 4.0 / 3.0);
    /// let err = mse.compute(&Tensor::zeros(&[3, 2]), &p).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`mean_squared_error` cannot combine shapes [3, 2] and [3, 1]: \
    ///      y_true and y_pred must have the same shape"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor>;

    /// Checks training targets once, before training: that `y_true` (all samples, batch
    /// axis first) fits a model whose per-sample output shape is `output_shape`, and that
    /// its values are valid labels for this loss.
    ///
    /// # Errors
    ///
    /// As [`Loss::compute`]: [`Error::IncompatibleShapes`] naming `y_true`'s shape and the
    /// shape it should have, [`Error::InvalidArgument`] naming the first bad label and its
    /// sample.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, SparseCategoricalCrossentropy};
    ///
    /// let loss = SparseCategoricalCrossentropy::new();
    /// let labels = Tensor::from_vec(vec![0.0, 9.0, 3.0, 12.0], &[4]);
    /// let err = loss.validate(&labels, &[10]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`sparse_categorical_crossentropy`: label 12 at sample 3 is out of range for 10 classes"
    /// );
    /// assert!(loss.validate(&labels.clamp(0.0, 9.0), &[10]).is_ok());
    /// ```
    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()>;

    /// Checks the loss's own settings (`compile` calls it, so that a bad setting is refused
    /// there rather than at the first step); by default there are none to check.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidArgument`] naming the setting out of
    /// range, e.g. a negative Huber `delta` or a `label_smoothing` outside `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{Huber, Loss, MeanSquaredError};
    /// assert!(MeanSquaredError::new().check_settings().is_ok());
    /// assert!(Huber::new().delta(f32::NAN).check_settings().is_err());
    /// ```
    fn check_settings(&self) -> Result<()> {
        Ok(())
    }

    /// The loss as data (Keras's `get_config`): `{"name": …}` plus the built-in losses'
    /// settings, `from_logits` for the crossentropies (and `label_smoothing` when set) and
    /// `delta` for Huber;
    /// [`loss_from_config`] reads it back. By default `{"name": self.name()}`, which
    /// [`loss_from_config`] can read back only when the name is a built-in loss's (it then
    /// makes that built-in).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{BinaryCrossentropy, Huber, Loss, MeanSquaredError};
    /// use serde_json::json;
    /// assert_eq!(MeanSquaredError::new().config(), json!({"name": "mean_squared_error"}));
    /// assert_eq!(
    ///     BinaryCrossentropy::new().from_logits(true).config(),
    ///     json!({"name": "binary_crossentropy", "from_logits": true})
    /// );
    /// assert_eq!(Huber::new().delta(0.5).config(), json!({"name": "huber_loss", "delta": 0.5}));
    /// ```
    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name() })
    }

    /// The loss of each position before the reduction (Keras's `Loss.call`): `y_pred`'s
    /// shape without its last axis, `(batch,)` for `(batch, classes)`, `(batch, time)` for
    /// a sequence. [`weighted_loss`] weighs these by sample weights and by the mask of a
    /// masked output (`Embedding(mask_zero)` → `Lstm(return_sequences)` → `Dense`), as
    /// Keras's `sum_over_batch_size` does; `compute` is their mean.
    ///
    /// Every built-in loss has it. The default refuses, naming the loss: a loss written by
    /// the user implements it to train with sample weights or a masked output.
    ///
    /// # Errors
    ///
    /// As [`compute`](Loss::compute); the default always errs.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, MeanSquaredError};
    /// let y = Tensor::zeros(&[2, 2]);
    /// let p = Tensor::from_vec(vec![1.0, 1.0, 2.0, 0.0], &[2, 2]);
    /// assert_eq!(MeanSquaredError::new().values(&y, &p)?.to_vec(), vec![1.0, 2.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let _ = (y_true, y_pred);
        Err(Error::invalid(
            self.name(),
            "this loss has no per-sample values (`Loss::values`), which sample weights and \
             a masked output need: implement `values` for it",
        ))
    }
}

/// Every name [`loss_from_name`] accepts, Keras's function names and aliases first.
///
/// # Examples
///
/// ```
/// assert!(layers_core::loss::LOSS_NAMES.contains(&"mse"));
/// ```
pub const LOSS_NAMES: &[&str] = &names_of(&LOSSES);

type MakeLoss = fn() -> Box<dyn Loss>;

/// Every loss [`loss_from_name`] makes, by name.
const LOSSES: [(&str, MakeLoss); 39] = [
    ("mean_squared_error", || Box::new(MeanSquaredError::new())),
    ("mse", || Box::new(MeanSquaredError::new())),
    ("mean_absolute_error", || Box::new(MeanAbsoluteError::new())),
    ("mae", || Box::new(MeanAbsoluteError::new())),
    ("huber", || Box::new(Huber::new())),
    ("huber_loss", || Box::new(Huber::new())),
    (
        "binary_crossentropy",
        || Box::new(BinaryCrossentropy::new()),
    ),
    ("categorical_crossentropy", || {
        Box::new(CategoricalCrossentropy::new())
    }),
    ("sparse_categorical_crossentropy", || {
        Box::new(SparseCategoricalCrossentropy::new())
    }),
    ("MeanSquaredError", || Box::new(MeanSquaredError::new())),
    ("MeanAbsoluteError", || Box::new(MeanAbsoluteError::new())),
    ("Huber", || Box::new(Huber::new())),
    ("BinaryCrossentropy", || Box::new(BinaryCrossentropy::new())),
    ("CategoricalCrossentropy", || {
        Box::new(CategoricalCrossentropy::new())
    }),
    ("SparseCategoricalCrossentropy", || {
        Box::new(SparseCategoricalCrossentropy::new())
    }),
    ("mean_absolute_percentage_error", || {
        Box::new(MeanAbsolutePercentageError::new())
    }),
    ("mape", || Box::new(MeanAbsolutePercentageError::new())),
    ("MAPE", || Box::new(MeanAbsolutePercentageError::new())),
    ("MeanAbsolutePercentageError", || {
        Box::new(MeanAbsolutePercentageError::new())
    }),
    ("mean_squared_logarithmic_error", || {
        Box::new(MeanSquaredLogarithmicError::new())
    }),
    ("msle", || Box::new(MeanSquaredLogarithmicError::new())),
    ("MSLE", || Box::new(MeanSquaredLogarithmicError::new())),
    ("MeanSquaredLogarithmicError", || {
        Box::new(MeanSquaredLogarithmicError::new())
    }),
    ("log_cosh", || Box::new(LogCosh::new())),
    ("LogCosh", || Box::new(LogCosh::new())),
    ("poisson", || Box::new(Poisson::new())),
    ("Poisson", || Box::new(Poisson::new())),
    ("kl_divergence", || Box::new(KLDivergence::new())),
    ("kld", || Box::new(KLDivergence::new())),
    ("KLD", || Box::new(KLDivergence::new())),
    ("KLDivergence", || Box::new(KLDivergence::new())),
    ("cosine_similarity", || Box::new(CosineSimilarity::new())),
    ("CosineSimilarity", || Box::new(CosineSimilarity::new())),
    ("hinge", || Box::new(Hinge::new())),
    ("Hinge", || Box::new(Hinge::new())),
    ("squared_hinge", || Box::new(SquaredHinge::new())),
    ("SquaredHinge", || Box::new(SquaredHinge::new())),
    ("categorical_hinge", || Box::new(CategoricalHinge::new())),
    ("CategoricalHinge", || Box::new(CategoricalHinge::new())),
];

/// The loss Keras's `loss="…"` names, with Keras's defaults (probabilities, not logits).
///
/// Accepts the function names and their aliases (`mse`, `mean_squared_error`, `mae`,
/// `mean_absolute_error`, `huber`, `binary_crossentropy`, `categorical_crossentropy`,
/// `sparse_categorical_crossentropy`, `mape`, `msle`, `log_cosh`, `poisson`, `kld`,
/// `kl_divergence`, `cosine_similarity`, `hinge`, `squared_hinge`, `categorical_hinge`) and
/// the class names (`MeanSquaredError`, `KLDivergence`, …).
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown name, listing the known ones.
///
/// # Examples
///
/// ```
/// use layers_core::loss::loss_from_name;
///
/// assert_eq!(loss_from_name("mse")?.name(), "mean_squared_error");
/// assert_eq!(loss_from_name("SparseCategoricalCrossentropy")?.name(), "sparse_categorical_crossentropy");
/// let err = loss_from_name("msee").err().unwrap();
/// assert!(err.to_string().starts_with("unknown loss `msee`; known losses: mean_squared_error, mse,"));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn loss_from_name(name: &str) -> Result<Box<dyn Loss>> {
    LOSSES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, make)| make())
        .ok_or_else(|| Error::unknown_name("loss", name, LOSS_NAMES.iter().copied()))
}

/// The smallest probability the crossentropies take the logarithm of (Keras's
/// `backend.epsilon()`); probabilities are clipped to `[EPSILON, 1 − EPSILON]`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{BinaryCrossentropy, Loss, EPSILON};
/// // a confident wrong prediction costs −ln(ε) rather than infinity
/// let l = BinaryCrossentropy::new().compute(&Tensor::ones(&[1, 1]), &Tensor::zeros(&[1, 1]))?;
/// assert!((l.item() + EPSILON.ln()).abs() < 1e-5);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub const EPSILON: f32 = 1e-7;
