//! Keras's weighted `sum_over_batch_size` reduction: per-position loss values weighed by
//! sample weights and by the mask of a masked output.

use super::Loss;
use crate::Tensor;
use crate::error::{Error, Result};

/// The loss of a batch with sample weights and an output mask, as Keras 3's
/// `Loss.__call__` reduces it (`reduce_weighted_values` with `sum_over_batch_size`):
/// `Σ values · weight / count(values)`, where `values` are [`Loss::values`] (one per
/// position), `weight` is the sample weight (one per sample, or one per position) times,
/// where `mask` is given, `count / unmasked` at unmasked positions and 0 at masked ones.
/// So with a mask and no sample weights the loss is the mean over the unmasked positions;
/// a fully masked batch gives 0. Without either it is [`Loss::compute`].
///
/// A `(batch,)` sample weight against `(batch, time)` values weighs every position of a
/// sample alike (where Keras 3.15.1 fails to broadcast); a `(batch, 1)` weight or a
/// `(batch, time, 1)` mask is read as `(batch,)` and `(batch, time)`, as Keras squeezes
/// them.
///
/// # Errors
///
/// What [`Loss::values`] refuses; a weight or mask whose shape does not fit the values;
/// a sample weight that is negative, NaN or infinite (naming the sample).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{MeanSquaredError, weighted_loss};
/// let mse = MeanSquaredError::new();
/// let y = Tensor::zeros(&[2, 1]);
/// let p = Tensor::from_vec(vec![1.0, 2.0], &[2, 1]); // values 1 and 4
/// let w = Tensor::from_vec(vec![3.0, 0.5], &[2]);
/// assert_eq!(weighted_loss(&mse, &y, &p, Some(&w), None)?.item(), (3.0 + 2.0) / 2.0);
///
/// // A (batch, time) mask: the mean over the unmasked positions only.
/// let y = Tensor::zeros(&[1, 3, 1]);
/// let p = Tensor::from_vec(vec![1.0, 2.0, 9.0], &[1, 3, 1]);
/// let mask = Tensor::from_vec(vec![1.0, 1.0, 0.0], &[1, 3]);
/// assert_eq!(weighted_loss(&mse, &y, &p, None, Some(&mask))?.item(), 2.5);
///
/// let bad = Tensor::from_vec(vec![1.0, -1.0], &[2]);
/// let err = weighted_loss(&mse, &Tensor::zeros(&[2, 1]), &Tensor::ones(&[2, 1]), Some(&bad), None);
/// assert!(err.unwrap_err().to_string().contains("sample 1"));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn weighted_loss(
    loss: &dyn Loss,
    y_true: &Tensor,
    y_pred: &Tensor,
    sample_weight: Option<&Tensor>,
    mask: Option<&Tensor>,
) -> Result<Tensor> {
    if sample_weight.is_none() && mask.is_none() {
        return loss.compute(y_true, y_pred);
    }
    let values = loss.values(y_true, y_pred)?;
    let shape = values.shape().to_vec();
    let mut weight: Option<Vec<f32>> = None;
    if let Some(w) = sample_weight {
        check_sample_weight(loss.name(), w)?;
        weight = Some(spread(loss.name(), "sample_weight", w, &shape)?);
    }
    if let Some(m) = mask {
        let m = spread(loss.name(), "mask", m, &shape)?;
        let valid = m.iter().filter(|&&v| v != 0.0).count();
        // Keras's `divide_no_nan(total, valid)`: a fully masked batch weighs nothing.
        let scale = if valid == 0 {
            0.0
        } else {
            m.len() as f32 / valid as f32
        };
        let m = m.iter().map(|&v| if v != 0.0 { scale } else { 0.0 });
        weight = Some(match weight {
            Some(w) => w.iter().zip(m).map(|(a, b)| a * b).collect(),
            None => m.collect(),
        });
    }
    let weight = Tensor::from_vec(weight.unwrap_or_default(), &shape);
    let count = values.len();
    let total = (&values * &weight).sum_all();
    // `divide_no_nan(sum, size)`: no values give 0.
    Ok(if count == 0 {
        total.scale(0.0)
    } else {
        total.scale(1.0 / count as f32)
    })
}

/// Refuses a sample weight that is negative, NaN or infinite, naming the sample.
pub(crate) fn check_sample_weight(op: &'static str, w: &Tensor) -> Result<()> {
    let per_sample = w.len() / w.shape().first().copied().unwrap_or(1).max(1);
    match w.data().iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        None => Ok(()),
        Some(i) => Err(Error::invalid(
            op,
            format!(
                "sample_weight {} of sample {} is not a finite number ≥ 0",
                w.to_vec()[i],
                i / per_sample.max(1)
            ),
        )),
    }
}

/// `w`'s values laid out over `shape` (the loss values'): the same shape, or a trailing
/// axis of 1 more, or fewer trailing axes (each value then covers the positions under it).
fn spread(op: &'static str, what: &str, w: &Tensor, shape: &[usize]) -> Result<Vec<f32>> {
    let mut dims = w.shape();
    if dims.len() == shape.len() + 1 && dims.last() == Some(&1) {
        dims = &dims[..dims.len() - 1];
    }
    if dims.len() > shape.len() || dims != &shape[..dims.len()] {
        return Err(Error::invalid(
            op,
            format!(
                "{what} of shape {:?} does not fit the loss values of shape {shape:?} \
                 (one per sample, or one per position)",
                w.shape()
            ),
        ));
    }
    let repeat = shape[dims.len()..].iter().product::<usize>();
    let values = w.to_vec();
    Ok(values
        .iter()
        .flat_map(|&v| std::iter::repeat_n(v, repeat))
        .collect())
}
