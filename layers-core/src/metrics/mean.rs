//! The one running mean behind every built-in metric: [`MeanMetric`] averages a
//! [`Measure`]'s per-sample values over the samples seen since the last reset (Keras's
//! `MeanMetricWrapper`); [`Mean`] is the weighted mean of a value, which is how Keras
//! reports the loss (each batch's loss weighted by its number of samples).
//!
//! ```
//! use layers_core::metrics::{Mean, Metric};
//! let mut loss = Mean::new().with_name("loss");
//! loss.update_state(1.0, 32.0); // a batch of 32 with loss 1
//! loss.update_state(4.0, 16.0); // a last, smaller batch
//! assert_eq!(loss.result(), 2.0); // (32 + 64) / 48
//! ```

use std::fmt;

use serde_json::Value;

use super::Metric;
use super::weights::{position_values, positions_shape, spread_weights};
use crate::Tensor;
use crate::error::{Error, Result};

/// What a metric measures on one batch: the per-sample values it averages. Implement it to
/// make a metric of your own with [`MeanMetric`].
///
/// # Examples
///
/// ```
/// use layers_core::{Result, Tensor};
/// use layers_core::metrics::{Batch, Measure, MeanMetric, Metric};
///
/// /// How often the prediction is within 0.5 of the target.
/// #[derive(Clone, Debug, Default)]
/// struct Close;
///
/// impl Measure for Close {
///     const NAME: &'static str = "close";
///     fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
///         let hits = y_true.to_vec().iter().zip(y_pred.to_vec())
///             .filter(|&(t, p)| (t - p).abs() < 0.5).count();
///         Ok(Batch::new(hits as f64, y_pred.len(), y_pred.shape()[0]))
///     }
/// }
///
/// let mut close = MeanMetric::<Close>::new();
/// close.update(&Tensor::from_vec(vec![1.0, 2.0], &[2, 1]), &Tensor::from_vec(vec![1.2, 3.0], &[2, 1]))?;
/// assert_eq!((close.name(), close.result()), ("close", 0.5));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Measure: fmt::Debug + Send + Sync {
    /// The metric's name unless renamed with [`MeanMetric::with_name`].
    const NAME: &'static str;

    /// Checks the batch and measures it.
    ///
    /// # Errors
    ///
    /// Whatever the measure refuses (shapes that do not fit, say), naming the metric.
    fn measure(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Batch>;

    /// The measure's settings as config entries (`threshold` for [`BinaryMatches`](super::BinaryMatches)), which
    /// [`MeanMetric`]'s [`Metric::config`] adds to its own; none by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{BinaryMatches, Measure, SquaredError};
    /// assert!(SquaredError.config().is_empty());
    /// assert_eq!(BinaryMatches { threshold: 0.25 }.config()["threshold"], 0.25);
    /// ```
    fn config(&self) -> serde_json::Map<String, serde_json::Value> {
        serde_json::Map::new()
    }

    /// Whether the mask of a masked output weighs this measure, as it weighs Keras's
    /// `MeanMetricWrapper` metrics (every built-in measure, and yours by default); `false`
    /// for a mean that ignores it, as Keras's `Mean` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Measure, SquaredError, Values};
    /// assert!(SquaredError::MASKED && !Values::MASKED);
    /// ```
    const MASKED: bool = true;
}

/// The values one batch adds to a running mean: their `sum` over `values` positions in
/// `samples` samples. Each sample counts once, with the mean of its positions, as in Keras.
///
/// # Examples
///
/// ```
/// use layers_core::metrics::Batch;
/// // 4 matches over 2 samples of 3 positions each
/// let batch = Batch::new(4.0, 6, 2);
/// assert_eq!(batch, Batch::new(4.0, 6, 2));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Batch {
    sum: f64,
    values: usize,
    samples: usize,
}

impl Batch {
    /// A batch whose `values` per-position values sum to `sum`, over `samples` samples.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::Batch;
    /// let empty = Batch::new(0.0, 0, 0); // adds nothing to a running mean
    /// # let _ = empty;
    /// ```
    pub fn new(sum: f64, values: usize, samples: usize) -> Batch {
        Batch {
            sum,
            values,
            samples,
        }
    }

    /// The mean of the batch's values (0 for none): one sample's value when the batch
    /// holds one.
    pub(crate) fn mean(&self) -> f64 {
        if self.values == 0 {
            0.0
        } else {
            self.sum / self.values as f64
        }
    }
}

/// A running mean kept in `f64`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Running {
    total: f64,
    count: f64,
}

impl Running {
    fn add(&mut self, value: f64, weight: f64) {
        self.total += value * weight;
        self.count += weight;
    }

    /// Adds a batch whose samples each weigh `weight`.
    fn add_batch(&mut self, batch: Batch, weight: f64) {
        if batch.values == 0 || batch.samples == 0 {
            return;
        }
        let samples = batch.samples as f64;
        self.total += batch.sum * samples / batch.values as f64 * weight;
        self.count += samples * weight;
    }

    fn result(&self) -> f32 {
        if self.count == 0.0 {
            0.0
        } else {
            (self.total / self.count) as f32
        }
    }
}

/// A [`Measure`] averaged over every sample since the last reset (Keras's
/// `MeanMetricWrapper`). Every built-in metric is one:
/// [`SparseCategoricalAccuracy`](super::SparseCategoricalAccuracy) is
/// `MeanMetric<SparseCategoricalMatches>`, and so on.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{MeanMetric, Metric, SquaredError};
/// let mut mse = MeanMetric::<SquaredError>::new().with_name("mse");
/// mse.update(&Tensor::zeros(&[2, 1]), &Tensor::from_vec(vec![2.0, 0.0], &[2, 1]))?;
/// assert_eq!((mse.name(), mse.result()), ("mse", 2.0));
/// mse.reset();
/// assert_eq!(mse.result(), 0.0);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MeanMetric<M> {
    name: String,
    measure: M,
    running: Running,
}

impl<M: Measure + Default> MeanMetric<M> {
    /// An empty metric with the measure's defaults, named [`Measure::NAME`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{CategoricalAccuracy, Metric};
    /// assert_eq!(CategoricalAccuracy::new().name(), "categorical_accuracy");
    /// ```
    pub fn new() -> Self {
        MeanMetric::from_measure(M::default())
    }
}

impl<M: Measure + Default> Default for MeanMetric<M> {
    fn default() -> Self {
        MeanMetric::new()
    }
}

impl<M: Measure> MeanMetric<M> {
    /// An empty metric averaging `measure`, named [`Measure::NAME`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{BinaryMatches, MeanMetric, Metric};
    /// let acc = MeanMetric::from_measure(BinaryMatches::default());
    /// assert_eq!(acc.name(), "binary_accuracy");
    /// ```
    pub fn from_measure(measure: M) -> Self {
        MeanMetric {
            name: M::NAME.to_string(),
            measure,
            running: Running::default(),
        }
    }

    /// Renames the metric (the name `fit`'s logs and the history use).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{MeanAbsoluteError, Metric};
    /// assert_eq!(MeanAbsoluteError::new().with_name("mae").name(), "mae");
    /// ```
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The measure this metric averages.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::BinaryAccuracy;
    /// assert_eq!(BinaryAccuracy::new().threshold(0.7).measure().threshold, 0.7);
    /// ```
    pub fn measure(&self) -> &M {
        &self.measure
    }

    pub(crate) fn measure_mut(&mut self) -> &mut M {
        &mut self.measure
    }
}

impl<M: Measure> Metric for MeanMetric<M> {
    fn name(&self) -> &str {
        &self.name
    }

    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        let batch = self.measure.measure(y_true, y_pred)?;
        self.running.add_batch(batch, 1.0);
        Ok(())
    }

    fn update_masked(&mut self, y_true: &Tensor, y_pred: &Tensor, mask: &Tensor) -> Result<()> {
        if !M::MASKED {
            return self.update(y_true, y_pred);
        }
        // The whole batch first: its shape errors are the measure's own.
        self.measure.measure(y_true, y_pred)?;
        let (kept, per_sample) = masked_positions(M::NAME, y_true, y_pred, mask)?;
        let Some((y_true, y_pred)) = kept else {
            return Ok(()); // every position masked: nothing to add
        };
        // Keras weighs each sample by the mean of its mask, and its value by the mean of
        // its masked values: so each unmasked position adds its value / positions.
        let batch = self.measure.measure(&y_true, &y_pred)?;
        self.running.add_batch(batch, 1.0 / per_sample as f64);
        Ok(())
    }

    /// Keras's `MeanMetricWrapper.update_state(y_true, y_pred, sample_weight)`: each
    /// position's value (the mean over its last axis) weighed by its sample's weight (or
    /// its own), times the mask where the output has one; the result is
    /// `Σ value · weight / Σ weight` over every position since the last reset.
    fn update_weighted(
        &mut self,
        y_true: &Tensor,
        y_pred: &Tensor,
        sample_weight: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<()> {
        // The whole batch first: its shape errors are the measure's own.
        self.measure.measure(y_true, y_pred)?;
        let outer = positions_shape(y_pred);
        let mut weights = spread_weights(M::NAME, sample_weight, outer)?;
        if let Some(mask) = mask.filter(|_| M::MASKED) {
            let m = spread_weights(M::NAME, mask, outer).map_err(|_| {
                Error::mismatch(
                    M::NAME,
                    format!("a mask of the output's shape without its last axis, {outer:?}"),
                    mask.shape(),
                )
            })?;
            for (w, m) in weights.iter_mut().zip(m) {
                *w *= m;
            }
        }
        let values = position_values(M::NAME, &self.measure, y_true, y_pred)?;
        // Keras adds each sample's mean over its positions of value · weight, and of the
        // weight: so each position adds its share of 1 / positions.
        let per_sample = (values.len() / outer.first().copied().unwrap_or(1).max(1)).max(1);
        for (v, w) in values.iter().zip(&weights) {
            self.running.add(*v, w / per_sample as f64);
        }
        Ok(())
    }

    fn takes_sample_weight(&self) -> bool {
        true
    }

    fn result(&self) -> f32 {
        self.running.result()
    }

    fn reset(&mut self) {
        self.running = Running::default();
    }

    fn config(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("name".into(), Value::from(self.name.as_str()));
        map.insert("metric".into(), Value::from(M::NAME));
        map.extend(self.measure.config());
        Value::Object(map)
    }
}

/// The values of `y_pred` themselves: the measure of [`Mean`] when it is updated as a
/// metric (each sample's mean counts once).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::metrics::{Mean, Metric};
/// let mut mean = Mean::new();
/// mean.update(&Tensor::zeros(&[0]), &Tensor::from_vec(vec![1.0, 3.0, 5.0, 7.0], &[2, 2]))?;
/// assert_eq!(mean.result(), 4.0); // samples (1, 3) and (5, 7): means 2 and 6
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Values;

impl Measure for Values {
    const NAME: &'static str = "mean";
    const MASKED: bool = false;

    fn measure(&self, _y_true: &Tensor, y_pred: &Tensor) -> Result<Batch> {
        let sum: f64 = y_pred.data().iter().map(|&v| f64::from(v)).sum();
        let samples = y_pred.shape().first().copied().unwrap_or(1);
        Ok(Batch::new(sum, y_pred.len(), samples))
    }
}

/// The weighted running mean of a value (Keras's `Mean`), named `mean` by default.
///
/// # Examples
///
/// ```
/// use layers_core::metrics::{Mean, Metric};
/// let mut m = Mean::new();
/// m.update_state(3.0, 1.0);
/// m.update_state(6.0, 2.0);
/// assert_eq!((m.name(), m.result()), ("mean", 5.0)); // (3 + 12) / 3
/// ```
pub type Mean = MeanMetric<Values>;

impl MeanMetric<Values> {
    /// Adds `value` with weight `sample_weight` (the batch's number of samples, for a loss).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::metrics::{Mean, Metric};
    /// let mut m = Mean::new();
    /// m.update_state(2.0, 3.0);
    /// assert_eq!(m.result(), 2.0);
    /// ```
    pub fn update_state(&mut self, value: f32, sample_weight: f32) {
        self.running.add(f64::from(value), f64::from(sample_weight));
    }
}

/// The unmasked positions of a batch as a batch of one-position samples, `(y_true,
/// y_pred)` (`None` when every position is masked), and the number of positions per
/// sample. The positions are `y_pred`'s axes but the last; `mask` has their shape.
pub(crate) fn masked_positions(
    op: &'static str,
    y_true: &Tensor,
    y_pred: &Tensor,
    mask: &Tensor,
) -> Result<(Option<(Tensor, Tensor)>, usize)> {
    let rank = y_pred.rank();
    let outer = &y_pred.shape()[..rank.saturating_sub(1)];
    if rank < 2 || mask.shape() != outer {
        return Err(Error::mismatch(
            op,
            format!("a mask of the output's shape without its last axis, {outer:?}"),
            mask.shape(),
        ));
    }
    let positions: usize = outer.iter().product();
    let per_sample = positions / outer[0].max(1);
    let keep: Vec<usize> = (mask.data().iter().enumerate())
        .filter(|&(_, &m)| m != 0.0)
        .map(|(i, _)| i)
        .collect();
    if keep.is_empty() {
        return Ok((None, per_sample.max(1)));
    }
    let classes = y_pred.shape()[rank - 1];
    let per_label = y_true.len() / positions.max(1);
    if per_label * positions != y_true.len() {
        return Err(Error::incompatible(
            op,
            y_true.shape(),
            y_pred.shape(),
            "y_true must hold the same number of values at each position of y_pred",
        ));
    }
    let y_true = y_true
        .try_reshape(&[positions, per_label])?
        .index_select(0, &keep);
    let y_pred = y_pred
        .detach()
        .try_reshape(&[positions, classes])?
        .index_select(0, &keep);
    Ok((Some((y_true, y_pred)), per_sample.max(1)))
}
