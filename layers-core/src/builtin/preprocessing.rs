//! Keras's preprocessing layer [`Normalization`]: a mean and variance given or adapted to
//! data (its sibling [`Rescaling`](super::Rescaling) has a file of its own).

use crate::builtin::axes::Axes;
use crate::builtin::statistic::Statistic;
use crate::error::{Error, Result};
use crate::layer::context::is_dry_run;
use crate::layer::{LayerExt, TryCall};
use crate::tensor::Tensor;
use crate::{Layer, Weight};

/// Keras's `backend.epsilon()`, the least standard deviation `Normalization` divides by.
pub const EPSILON: f32 = 1e-7;

/// Keras 3's `Normalization` layer: `(x − mean) / max(√variance, 1e-7)`, or with `invert`
/// `mean + x · max(√variance, 1e-7)`, with a mean and variance for each position of the
/// `axis` axes (Keras's default `-1`, one per feature) and shared along the others.
///
/// The statistics are either given (`.mean(…)` and `.variance(…)` together: a number, or
/// values broadcast to the kept axes from the right, as in Keras; they are then config,
/// and the layer has no weights) or computed from data by [`adapt`](Normalization::adapt),
/// over every axis but the kept ones (the batch axis included), as Keras's `adapt` does.
/// An adapted layer keeps them as the non-trainable weights `adapt_mean` and
/// `adapt_variance` (Keras's `mean` and `variance`, of the kept axes' shape) and `count`
/// (a scalar), which the summary counts as Keras's does (7 parameters for 3 features),
/// `save`/`load` and `save_weights`/`load_weights` keep, and no optimizer changes. `count`
/// is the number of values each statistic was computed from (Keras 3 leaves it 0); a layer
/// with a `count` of 0 has not been adapted. No gradient reaches the statistics; the
/// input's is `1 / max(√variance, 1e-7)` (or its inverse). The mask, if any, is passed on.
///
/// # Errors
///
/// Building refuses: a `mean` without a `variance` or the other way round, of different
/// shapes, or of more axes than `axis` has (as Keras does); values that are NaN or
/// infinite, or a negative variance (Keras would output NaN); an axis out of range for the
/// input, the batch axis (Keras refuses it too: its size is not known), or an axis twice;
/// given statistics that do not broadcast to the kept axes. Calling an adapted-mode layer
/// on data before `adapt` is an error saying so (Keras would silently use mean 0 and
/// variance 1); building it is not. `adapt` refuses: no data, an empty batch, NaN or
/// infinite values (Keras would adapt to NaN), a batch whose kept axes differ from the
/// layer's, and a layer given its statistics.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Normalization;
/// use layers_core::prelude::*;
/// let mut norm = Normalization::new();
/// norm.adapt(&Tensor::from_vec(vec![0.0, 7.0, 2.0, 9.0], &[2, 2]))?;
/// // per feature: means 1 and 8, variances 1
/// let y = norm.try_apply(&Tensor::from_vec(vec![0.0, 7.0], &[1, 2]))?;
/// assert_eq!(y.to_vec(), vec![-1.0, -1.0]);
///
/// let given = Normalization::new().axis(Axes::none()).mean(3.0).variance(4.0);
/// assert_eq!(given.try_apply(&Tensor::from_vec(vec![5.0], &[1, 1]))?.to_vec(), vec![1.0]);
///
/// let err = Normalization::new().mean(1.0).build([2]).unwrap_err();
/// assert!(err.to_string().contains("`variance`"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct Normalization {
    /// The axes with a mean and variance of their own (batch axis 0, negative from the
    /// end); Keras's `-1` by default, `Axes::none()` for one of each overall.
    #[config(default = Axes::from(-1))]
    pub axis: Axes,
    /// The mean, given by value; none by default (the layer is adapted).
    #[config(default)]
    pub mean: Statistic,
    /// The variance, given by value with `mean`; none by default.
    #[config(default)]
    pub variance: Statistic,
    /// Whether to undo the normalization instead: `mean + x · √variance`.
    #[config(default = false)]
    pub invert: bool,
    /// The adapted mean, of the kept axes' shape (Keras's weight `mean`).
    #[weight(
        shape = Self::statistic_shape,
        init = "zeros",
        trainable = false,
        enabled = mean.is_none()
    )]
    pub adapt_mean: Weight,
    /// The adapted variance, of the kept axes' shape (Keras's weight `variance`).
    #[weight(
        shape = Self::statistic_shape,
        init = "ones",
        trainable = false,
        enabled = mean.is_none()
    )]
    pub adapt_variance: Weight,
    /// How many values each adapted statistic was computed from; 0 before `adapt`.
    #[weight(shape = [], init = "zeros", trainable = false, enabled = mean.is_none())]
    pub count: Weight,
}

/// The error for a given statistic, naming its field.
fn invalid(field: &str, message: String) -> Error {
    Error::InvalidConfig {
        field: field.into(),
        message,
    }
}

impl Normalization {
    fn validate_config(&self) -> Result<()> {
        let (mean, variance) = match (self.mean.shape(), self.variance.shape()) {
            (None, None) => return Ok(()),
            (Some(_), None) => {
                return Err(invalid(
                    "variance",
                    "must be given with `mean` (Keras needs both or neither)".into(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "mean",
                    "must be given with `variance` (Keras needs both or neither)".into(),
                ));
            }
            (Some(m), Some(v)) => (m, v),
        };
        if mean != variance {
            return Err(invalid(
                "variance",
                format!("must have the shape of `mean`, {mean:?}, found {variance:?}"),
            ));
        }
        if mean.len() > self.axis.as_slice().len() {
            return Err(invalid(
                "mean",
                format!(
                    "has {} axes (shape {mean:?}) but `axis` keeps only {} ({:?})",
                    mean.len(),
                    self.axis.as_slice().len(),
                    self.axis.as_slice()
                ),
            ));
        }
        for (field, stat) in [("mean", &self.mean), ("variance", &self.variance)] {
            for &v in stat.values().unwrap_or_default() {
                if !v.is_finite() || (field == "variance" && v < 0.0) {
                    let need = if field == "variance" {
                        "finite and ≥ 0"
                    } else {
                        "finite"
                    };
                    return Err(invalid(
                        field,
                        format!("values must be {need}, found {v:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Keras's `_keep_axis` for an input of `rank` axes (batch included): sorted, from 1.
    fn keep_axes(&self, rank: usize) -> Result<Vec<usize>> {
        let mut keep = Vec::new();
        for &axis in self.axis.as_slice() {
            let index = if axis < 0 { axis + rank as isize } else { axis };
            let problem = if index < 0 || index >= rank as isize {
                format!("axis {axis} is out of range for an input of {rank} axes (batch included)")
            } else if index == 0 {
                format!(
                    "axis {axis} is the batch axis, whose size is not known (Keras refuses it \
                     too); use `Axes::none()` for one mean and variance over everything"
                )
            } else if keep.contains(&(index as usize)) {
                format!("axis {axis} is given twice")
            } else {
                keep.push(index as usize);
                continue;
            };
            return Err(invalid("axis", problem));
        }
        keep.sort_unstable();
        Ok(keep)
    }

    /// The shape of the adapted statistics for a per-sample input shape: the kept axes'.
    fn statistic_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        let keep = self.keep_axes(input.len() + 1)?;
        Ok(keep.iter().map(|&d| input[d - 1]).collect())
    }

    /// The given statistic `field` broadcast to `target` (size 1 on the reduced axes), as
    /// Keras's `build` aligns it: its axes matched to the kept ones from the right.
    fn broadcast_given(
        &self,
        field: &str,
        stat: &Statistic,
        keep: &[usize],
        target: &[usize],
    ) -> Result<Tensor> {
        let value = stat.to_tensor().expect("only called with given statistics");
        let shape = value.shape().to_vec();
        let mut expanded = vec![1; target.len()];
        for (i, &size) in shape.iter().rev().enumerate() {
            expanded[keep[keep.len() - 1 - i]] = size;
        }
        let fits = expanded.iter().zip(target).all(|(&e, &t)| e == 1 || e == t);
        if !fits {
            return Err(invalid(
                field,
                format!(
                    "of shape {shape:?} does not broadcast to the kept axes {keep:?} of an input \
                     whose sizes there are {:?} (aligned from the right, as Keras does)",
                    keep.iter().map(|&d| target[d]).collect::<Vec<_>>()
                ),
            ));
        }
        value.try_reshape(&expanded)?.try_broadcast_to(target)
    }

    /// The mean and the divisor `max(√variance, ε)`, each shaped to broadcast against an
    /// input of shape `input` (batch included).
    fn statistics(&self, input: &[usize]) -> Result<(Tensor, Tensor)> {
        let keep = self.keep_axes(input.len())?;
        let target: Vec<usize> = (0..input.len())
            .map(|d| if keep.contains(&d) { input[d] } else { 1 })
            .collect();
        let (mean, variance) = if self.mean.is_none() {
            let count = self.count.value().to_vec().first().copied().unwrap_or(0.0);
            if count == 0.0 && !is_dry_run() {
                return Err(Error::InvalidArgument {
                    op: "Normalization",
                    message: "the layer has no mean and variance yet: call `adapt` on data \
                              first, or give `mean` and `variance` (Keras would silently use \
                              mean 0 and variance 1)"
                        .into(),
                });
            }
            (
                self.adapt_mean.value().detach().try_reshape(&target)?,
                self.adapt_variance.value().detach().try_reshape(&target)?,
            )
        } else {
            (
                self.broadcast_given("mean", &self.mean, &keep, &target)?,
                self.broadcast_given("variance", &self.variance, &keep, &target)?,
            )
        };
        let divisor: Vec<f32> = variance
            .to_vec()
            .iter()
            .map(|v| v.sqrt().max(EPSILON))
            .collect();
        Ok((mean, Tensor::from_vec(divisor, &target)))
    }
}

impl TryCall for Normalization {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let (mean, divisor) = self.statistics(x.shape())?;
        if self.invert {
            x.try_mul(&divisor)?.try_add(&mean)
        } else {
            x.try_sub(&mean)?.try_div(&divisor)
        }
    }
}

impl Normalization {
    /// Computes the mean and variance of `data` (`(batch, …)`) over every axis but the
    /// kept ones, and keeps them as the layer's statistics, as Keras's `adapt(data)`;
    /// builds the layer for `data`'s per-sample shape first if it is not built.
    ///
    /// # Errors
    ///
    /// As [`adapt_batches`](Normalization::adapt_batches).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Normalization;
    /// use layers_core::prelude::*;
    /// let mut norm = Normalization::new().axis(Axes::none());
    /// norm.adapt(&Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0], &[5, 1]))?;
    /// assert_eq!(norm.adapt_mean.value().to_vec(), vec![3.0]);
    /// assert_eq!(norm.adapt_variance.value().to_vec(), vec![2.0]);
    /// assert!(norm.adapt(&Tensor::from_vec(vec![f32::NAN], &[1, 1])).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn adapt(&mut self, data: &Tensor) -> Result<()> {
        self.adapt_batches(std::slice::from_ref(data))
    }

    /// [`adapt`](Normalization::adapt) over several batches together, as Keras's `adapt`
    /// over a dataset or a list of batches: the statistics of all their values. The
    /// batches may differ in size and in the reduced axes, not in the kept ones.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming the layer around: `InvalidArgument` for no batches, a
    /// batch without a batch axis, no values to average (an empty batch), a batch whose
    /// kept axes differ from the layer's (or another batch's), or a layer whose `mean` and
    /// `variance` were given; `Data` naming the batch and position of a NaN or infinite
    /// value. The statistics are unchanged after an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Normalization;
    /// use layers_core::prelude::*;
    /// let mut norm = Normalization::new();
    /// let (a, b) = (Tensor::from_vec(vec![1.0, 3.0], &[2, 1]), Tensor::from_vec(vec![8.0], &[1, 1]));
    /// norm.adapt_batches(&[a, b])?;
    /// assert_eq!(norm.adapt_mean.value().to_vec(), vec![4.0]);
    /// assert_eq!(norm.count.value().to_vec(), vec![3.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn adapt_batches(&mut self, batches: &[Tensor]) -> Result<()> {
        self.adapt_inner(batches).map_err(|e| match e {
            e @ Error::Layer { .. } => e,
            e => e.in_layer(self.display_name(), "Normalization"),
        })
    }

    fn adapt_inner(&mut self, batches: &[Tensor]) -> Result<()> {
        let refuse = |message: String| Error::InvalidArgument {
            op: "Normalization::adapt",
            message,
        };
        if !self.mean.is_none() {
            return Err(refuse(
                "`mean` and `variance` were given, so there is nothing to adapt".into(),
            ));
        }
        let Some(first) = batches.first() else {
            return Err(refuse(
                "no batches to compute a mean and variance from".into(),
            ));
        };
        if first.rank() == 0 {
            return Err(refuse(
                "the data has no batch axis: give it as (batch, …), a scalar as shape [n, 1] \
                 with `Axes::none()`"
                    .into(),
            ));
        }
        if !self.adapt_mean.is_built() {
            self.build(&first.shape()[1..])?;
        }
        let stat_shape = self.adapt_mean.shape().expect("the layer was built above");
        let (keep, sums) = self.sums(batches, &stat_shape, &refuse)?;
        let (count, sum) = sums;
        if count == 0 {
            return Err(refuse(
                "the data holds no values to compute a mean and variance from (an empty \
                 batch, or an axis of size 0)"
                    .into(),
            ));
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / count as f64).collect();
        let mut squares = vec![0.0f64; mean.len()];
        for batch in batches {
            for_each_value(batch, &keep, |k, v| {
                let d = f64::from(v) - mean[k];
                squares[k] += d * d;
            });
        }
        let variance: Vec<f32> = squares.iter().map(|s| (s / count as f64) as f32).collect();
        let mean: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        self.adapt_mean
            .set_value(Tensor::from_vec(mean, &stat_shape))?;
        self.adapt_variance
            .set_value(Tensor::from_vec(variance, &stat_shape))?;
        self.count
            .set_value(Tensor::from_vec(vec![count as f32], &[]))
    }

    /// Checks every batch and sums its values per kept position: the kept axes, and the
    /// number of values each sum holds with the sums.
    #[allow(clippy::type_complexity)]
    fn sums(
        &self,
        batches: &[Tensor],
        stat_shape: &[usize],
        refuse: &dyn Fn(String) -> Error,
    ) -> Result<(Vec<usize>, (usize, Vec<f64>))> {
        let rank = batches[0].rank();
        let keep = self.keep_axes(rank)?;
        let mut sum = vec![0.0f64; stat_shape.iter().product()];
        let mut count = 0;
        for (b, batch) in batches.iter().enumerate() {
            let kept: Vec<usize> = if batch.rank() == rank {
                keep.iter().map(|&d| batch.shape()[d]).collect()
            } else {
                Vec::new()
            };
            if batch.rank() != rank || kept != stat_shape {
                return Err(refuse(format!(
                    "batch {b} has shape {:?}, but the layer keeps axes {keep:?} of sizes \
                     {stat_shape:?} (an input of {rank} axes, batch included)",
                    batch.shape()
                )));
            }
            let values = batch.to_vec();
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Data {
                    source_name: "`Normalization::adapt` data".into(),
                    message: format!(
                        "batch {b} holds {:?} at flat position {i}; the statistics need \
                         finite values",
                        values[i]
                    ),
                });
            }
            count += batch.len() / sum.len().max(1);
            for_each_value(batch, &keep, |k, v| sum[k] += f64::from(v));
        }
        Ok((keep, (count, sum)))
    }
}

/// Calls `f(kept index, value)` for every value of `batch`, the kept index the row-major
/// position of its coordinates on the `keep` axes.
fn for_each_value(batch: &Tensor, keep: &[usize], mut f: impl FnMut(usize, f32)) {
    let shape = batch.shape().to_vec();
    let values = batch.to_vec();
    // The stride of each axis in the kept index (0 for a reduced axis).
    let mut strides = vec![0; shape.len()];
    let mut stride = 1;
    for &d in keep.iter().rev() {
        strides[d] = stride;
        stride *= shape[d];
    }
    let mut coords = vec![0usize; shape.len()];
    for v in values {
        let k = coords.iter().zip(&strides).map(|(c, s)| c * s).sum();
        f(k, v);
        for d in (0..shape.len()).rev() {
            coords[d] += 1;
            if coords[d] < shape[d] {
                break;
            }
            coords[d] = 0;
        }
    }
}
