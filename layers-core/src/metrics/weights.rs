//! Sample weights for metrics (Keras's `weighted_metrics`): a weight per sample, or per
//! position, laid out over the values a metric weighs, and the per-position values of a
//! [`Measure`] that the weighted mean multiplies by them.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::metrics::{MeanAbsoluteError, Metric};
//! let mut mae = MeanAbsoluteError::new();
//! let (y, p) = (Tensor::zeros(&[2, 1]), Tensor::from_vec(vec![1.0, 4.0], &[2, 1]));
//! mae.update_weighted(&y, &p, &Tensor::from_vec(vec![3.0, 1.0], &[2]), None)?;
//! assert_eq!(mae.result(), (3.0 * 1.0 + 1.0 * 4.0) / 4.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::mean::Measure;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::loss::check_sample_weight;

/// `w`'s values laid out over `shape`: `w` has `shape`'s leading axes (one weight per
/// sample, or per position), or those and a trailing axis of 1; each value covers the
/// positions under it. Negative, NaN or infinite weights are refused, naming the sample.
pub(crate) fn spread_weights(op: &'static str, w: &Tensor, shape: &[usize]) -> Result<Vec<f64>> {
    check_sample_weight(op, w)?;
    let mut dims = w.shape();
    if dims.len() == shape.len() + 1 && dims.last() == Some(&1) {
        dims = &dims[..dims.len() - 1];
    }
    if dims.is_empty() || dims.len() > shape.len() || dims != &shape[..dims.len()] {
        return Err(Error::invalid(
            op,
            format!(
                "sample_weight of shape {:?} does not fit the metric's values of shape \
                 {shape:?} (one weight per sample, or one per position)",
                w.shape()
            ),
        ));
    }
    let repeat = shape[dims.len()..].iter().product::<usize>();
    Ok(w.data()
        .iter()
        .flat_map(|&v| std::iter::repeat_n(f64::from(v), repeat))
        .collect())
}

/// The positions a mean metric weighs: `y_pred`'s axes but the last (its samples when it
/// has one axis).
pub(crate) fn positions_shape(y_pred: &Tensor) -> &[usize] {
    match y_pred.rank() {
        0 | 1 => y_pred.shape(),
        r => &y_pred.shape()[..r - 1],
    }
}

/// The value of `measure` at each position of the batch (the mean over the position's
/// last axis, as Keras's metric functions give it), in row-major order. The batch as a
/// whole has been measured (and so checked) by the caller.
pub(crate) fn position_values<M: Measure>(
    op: &'static str,
    measure: &M,
    y_true: &Tensor,
    y_pred: &Tensor,
) -> Result<Vec<f64>> {
    let outer = positions_shape(y_pred);
    let positions: usize = outer.iter().product();
    let samples = outer.first().copied().unwrap_or(1);
    let value = |t: &Tensor, p: &Tensor| -> Result<f64> {
        let batch = measure.measure(t, p)?;
        Ok(batch.mean())
    };
    if positions == samples {
        // One position per sample: each sample as a batch of one keeps its shapes.
        return (0..samples)
            .map(|i| value(&y_true.narrow(0, i, 1), &y_pred.detach().narrow(0, i, 1)))
            .collect();
    }
    // Several positions per sample (a sequence): each position as a sample of its own,
    // as the masked update reads them.
    let per_label = y_true.len() / positions.max(1);
    if per_label * positions != y_true.len() {
        return Err(Error::incompatible(
            op,
            y_true.shape(),
            y_pred.shape(),
            "y_true must hold the same number of values at each position of y_pred",
        ));
    }
    let classes = y_pred.shape()[y_pred.rank() - 1];
    let y_true = y_true.try_reshape(&[positions, per_label])?;
    let y_pred = y_pred.detach().try_reshape(&[positions, classes])?;
    (0..positions)
        .map(|i| value(&y_true.narrow(0, i, 1), &y_pred.narrow(0, i, 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::Tensor;
    use crate::metrics::{Metric, SparseCategoricalAccuracy};

    /// A sequence of 2 samples × 3 steps: per-sample weights times the mask, by hand.
    #[test]
    fn weights_and_mask_combine_per_position() {
        // argmax per step: sample 0 → 0, 1, 0; sample 1 → 1, 1, 0
        let p = Tensor::from_vec(
            vec![0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7, 0.1, 0.9, 0.8, 0.2],
            &[2, 3, 2],
        );
        let y = Tensor::from_vec(vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0], &[2, 3]);
        // right: sample 0 steps 0 and 2; sample 1 steps 0 and 1
        let mask = Tensor::from_vec(vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0], &[2, 3]);
        let w = Tensor::from_vec(vec![2.0, 1.0], &[2]);
        let mut acc = SparseCategoricalAccuracy::new();
        acc.update_weighted(&y, &p, &w, Some(&mask)).unwrap();
        // kept: s0 steps 0 (right), 1 (wrong) at weight 2; s1 steps 0, 1 (right), 2 (wrong)
        // at weight 1: (2 + 0 + 1 + 1 + 0) / (2 + 2 + 1 + 1 + 1)
        assert!((acc.result() - 4.0 / 7.0).abs() < 1e-6);
        // one weight per position instead, no mask
        let per_step = Tensor::from_vec(vec![1.0, 0.0, 3.0, 0.0, 0.0, 2.0], &[2, 3]);
        acc.reset();
        acc.update_weighted(&y, &p, &per_step, None).unwrap();
        assert!((acc.result() - 4.0 / 6.0).abs() < 1e-6); // (1 + 3 + 0) / (1 + 3 + 2)
        // a mask of the wrong shape
        let err = acc
            .update_weighted(&y, &p, &w, Some(&Tensor::ones(&[2, 2])))
            .unwrap_err();
        assert!(err.to_string().contains("mask"), "{err}");
        // weights for another batch, or negative
        let err = acc
            .update_weighted(&y, &p, &Tensor::ones(&[3]), None)
            .unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        let err = acc
            .update_weighted(&y, &p, &Tensor::from_vec(vec![1.0, -1.0], &[2]), None)
            .unwrap_err();
        assert!(err.to_string().contains("sample 1"), "{err}");
    }
}
