//! Crossentropy metrics: the running mean of a crossentropy loss over the samples seen
//! (Keras's `BinaryCrossentropy`, `CategoricalCrossentropy` and
//! `SparseCategoricalCrossentropy` metrics), computed by the loss of the same name.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{BinaryCrossentropy, Metric};
//! let mut bce = BinaryCrossentropy::new();
//! bce.update(&Tensor::ones(&[1, 1]), &Tensor::full(&[1, 1], 0.5))?;
//! assert!((bce.result() - 2.0f32.ln()).abs() < 1e-6);
//! # Ok::<(), layers_core::Error>(())
//! ```

use serde_json::{Map, Value};

use super::{Batch, MeanMetric, Measure};
use crate::Tensor;
use crate::error::Result;
use crate::layer::config::f32_to_json;
use crate::loss::{self, Loss};
use crate::tensor::graph::no_grad;

/// The batch of a loss's per-sample values: the loss is their mean over the samples.
fn loss_batch(loss: &dyn Loss, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
    let value = no_grad(|| loss.compute(y_true, y_pred))?.item();
    let samples = y_pred.shape()[0];
    Ok(Batch::new(
        f64::from(value) * samples as f64,
        samples,
        samples,
    ))
}

/// `from_logits` and `label_smoothing` as config entries, both always written (as Keras's
/// metric configs do).
fn settings(from_logits: bool, label_smoothing: Option<f32>) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("from_logits".into(), from_logits.into());
    if let Some(s) = label_smoothing {
        map.insert("label_smoothing".into(), f32_to_json(s));
    }
    map
}

/// The measure of [`BinaryCrossentropy`]: each sample's binary crossentropy, as the loss
/// [`loss::BinaryCrossentropy`] computes it.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{BinaryCrossentropyValues, Measure};
/// let m = BinaryCrossentropyValues { from_logits: true, label_smoothing: 0.0 };
/// assert_eq!(m.config()["from_logits"], true);
/// assert!(m.measure(&Tensor::zeros(&[2, 1]), &Tensor::zeros(&[2, 1])).is_ok());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossentropyValues {
    /// Whether predictions are logits rather than probabilities (false by default).
    pub from_logits: bool,
    /// Keras's `label_smoothing`, in `[0, 1]` (0 by default).
    pub label_smoothing: f32,
}

impl Measure for BinaryCrossentropyValues {
    const NAME: &'static str = "binary_crossentropy";

    fn config(&self) -> Map<String, Value> {
        settings(self.from_logits, Some(self.label_smoothing))
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        let loss = loss::BinaryCrossentropy::new()
            .from_logits(self.from_logits)
            .label_smoothing(self.label_smoothing);
        loss_batch(&loss, y_true, y_pred)
    }
}

/// The running mean of the binary crossentropy (Keras's `BinaryCrossentropy` metric),
/// with Keras's `from_logits` and `label_smoothing`; probabilities are clipped to
/// `[1e-7, 1 − 1e-7]` as the loss does.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{BinaryCrossentropy, Metric};
/// let mut bce = BinaryCrossentropy::new().from_logits(true);
/// bce.update(&Tensor::zeros(&[2, 1]), &Tensor::zeros(&[2, 1]))?; // logit 0: ln 2
/// assert!((bce.result() - 2.0f32.ln()).abs() < 1e-6);
/// // a label_smoothing outside [0, 1] is refused when the metric is updated
/// let err = BinaryCrossentropy::new().label_smoothing(2.0)
///     .update(&Tensor::zeros(&[1, 1]), &Tensor::zeros(&[1, 1])).unwrap_err();
/// assert!(err.to_string().contains("label_smoothing must be in [0, 1], but it is 2"));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type BinaryCrossentropy = MeanMetric<BinaryCrossentropyValues>;

impl MeanMetric<BinaryCrossentropyValues> {
    /// Takes predictions as logits (Keras's `from_logits`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::BinaryCrossentropy;
    /// assert!(BinaryCrossentropy::new().from_logits(true).measure().from_logits);
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.measure_mut().from_logits = from_logits;
        self
    }

    /// Smooths the targets towards 1/2 (Keras's `label_smoothing`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::BinaryCrossentropy;
    /// assert_eq!(BinaryCrossentropy::new().label_smoothing(0.1).measure().label_smoothing, 0.1);
    /// ```
    pub fn label_smoothing(mut self, label_smoothing: f32) -> Self {
        self.measure_mut().label_smoothing = label_smoothing;
        self
    }
}

/// The measure of [`CategoricalCrossentropy`]: each sample's categorical crossentropy, as
/// the loss [`loss::CategoricalCrossentropy`] computes it.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Batch, CategoricalCrossentropyValues, Measure};
/// let one_hot = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
/// let batch = CategoricalCrossentropyValues::default().measure(&one_hot, &Tensor::full(&[1, 2], 0.5))?;
/// assert_eq!(batch, Batch::new(f64::from(0.5f32.ln().abs()), 1, 1));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CategoricalCrossentropyValues {
    /// Whether predictions are logits rather than probabilities (false by default).
    pub from_logits: bool,
    /// Keras's `label_smoothing`, in `[0, 1]` (0 by default).
    pub label_smoothing: f32,
}

impl Measure for CategoricalCrossentropyValues {
    const NAME: &'static str = "categorical_crossentropy";

    fn config(&self) -> Map<String, Value> {
        settings(self.from_logits, Some(self.label_smoothing))
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        let loss = loss::CategoricalCrossentropy::new()
            .from_logits(self.from_logits)
            .label_smoothing(self.label_smoothing);
        loss_batch(&loss, y_true, y_pred)
    }
}

/// The running mean of the categorical crossentropy (Keras's `CategoricalCrossentropy`
/// metric, for one-hot targets), with Keras's `from_logits` and `label_smoothing`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{CategoricalCrossentropy, Metric};
/// let mut cce = CategoricalCrossentropy::new();
/// let one_hot = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
/// cce.update(&one_hot, &Tensor::from_vec(vec![0.5, 0.5], &[1, 2]))?;
/// assert!((cce.result() - 2.0f32.ln()).abs() < 1e-6);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type CategoricalCrossentropy = MeanMetric<CategoricalCrossentropyValues>;

impl MeanMetric<CategoricalCrossentropyValues> {
    /// Takes predictions as logits (Keras's `from_logits`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::CategoricalCrossentropy;
    /// assert!(CategoricalCrossentropy::new().from_logits(true).measure().from_logits);
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.measure_mut().from_logits = from_logits;
        self
    }

    /// Smooths the targets towards the uniform distribution (Keras's `label_smoothing`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::CategoricalCrossentropy;
    /// assert_eq!(CategoricalCrossentropy::new().label_smoothing(0.2).measure().label_smoothing, 0.2);
    /// ```
    pub fn label_smoothing(mut self, label_smoothing: f32) -> Self {
        self.measure_mut().label_smoothing = label_smoothing;
        self
    }
}

/// The measure of [`SparseCategoricalCrossentropy`]: each sample's crossentropy against
/// an integer label, as the loss [`loss::SparseCategoricalCrossentropy`] computes it.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Measure, SparseCategoricalCrossentropyValues};
/// let m = SparseCategoricalCrossentropyValues::default();
/// assert!(m.measure(&Tensor::from_vec(vec![2.0], &[1]), &Tensor::full(&[1, 2], 0.5)).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SparseCategoricalCrossentropyValues {
    /// Whether predictions are logits rather than probabilities (false by default).
    pub from_logits: bool,
}

impl Measure for SparseCategoricalCrossentropyValues {
    const NAME: &'static str = "sparse_categorical_crossentropy";

    fn config(&self) -> Map<String, Value> {
        settings(self.from_logits, None)
    }

    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        let loss = loss::SparseCategoricalCrossentropy::new().from_logits(self.from_logits);
        loss_batch(&loss, y_true, y_pred)
    }
}

/// The running mean of the crossentropy against integer labels (Keras's
/// `SparseCategoricalCrossentropy` metric), with Keras's `from_logits`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Metric, SparseCategoricalCrossentropy};
/// let mut scce = SparseCategoricalCrossentropy::new();
/// scce.update(&Tensor::from_vec(vec![1.0], &[1]), &Tensor::from_vec(vec![0.5, 0.5], &[1, 2]))?;
/// assert!((scce.result() - 2.0f32.ln()).abs() < 1e-6);
/// let err = scce.update(&Tensor::from_vec(vec![2.0], &[1]), &Tensor::full(&[1, 2], 0.5)).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "`sparse_categorical_crossentropy`: label 2 at sample 0 is out of range for 2 classes"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type SparseCategoricalCrossentropy = MeanMetric<SparseCategoricalCrossentropyValues>;

impl MeanMetric<SparseCategoricalCrossentropyValues> {
    /// Takes predictions as logits (Keras's `from_logits`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::SparseCategoricalCrossentropy;
    /// assert!(SparseCategoricalCrossentropy::new().from_logits(true).measure().from_logits);
    /// ```
    pub fn from_logits(mut self, from_logits: bool) -> Self {
        self.measure_mut().from_logits = from_logits;
        self
    }
}
