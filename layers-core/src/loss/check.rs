//! Shape and label checks shared by the losses and the metrics, so that both report a bad
//! target the same way.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Loss, MeanSquaredError};
//! // (batch,) targets against (batch, 1) predictions are aligned, as in Keras
//! let l = MeanSquaredError::new().compute(&Tensor::ones(&[2]), &Tensor::zeros(&[2, 1]))?;
//! assert_eq!(l.item(), 1.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::tensor::shape::differ_by_trailing_one;

/// Checks that `y_pred` has a batch axis and at least one element.
pub(crate) fn check_prediction(op: &'static str, y_pred: &Tensor) -> Result<()> {
    if y_pred.rank() == 0 {
        return Err(Error::invalid(
            op,
            "y_pred is a scalar, but it needs a batch axis: shape (batch, …)",
        ));
    }
    if y_pred.is_empty() {
        return Err(Error::invalid(
            op,
            format!(
                "y_pred of shape {:?} has no elements, so there is nothing to average",
                y_pred.shape()
            ),
        ));
    }
    Ok(())
}

/// `y_true` with `y_pred`'s shape: the same tensor when the shapes agree, reshaped when
/// they only differ by a trailing axis of size 1.
pub(crate) fn align(op: &'static str, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
    check_prediction(op, y_pred)?;
    if y_true.shape() == y_pred.shape() {
        Ok(y_true.clone())
    } else if differ_by_trailing_one(y_true.shape(), y_pred.shape()) {
        y_true.try_reshape(y_pred.shape())
    } else {
        Err(Error::incompatible(
            op,
            y_true.shape(),
            y_pred.shape(),
            "y_true and y_pred must have the same shape",
        ))
    }
}

/// Keras's per-position loss values from per-element ones: the mean over the last axis
/// (a rank-1 prediction has one element per sample).
pub(crate) fn last_axis_mean(per_element: Tensor) -> Tensor {
    if per_element.rank() >= 2 {
        per_element.mean(&[-1], false)
    } else {
        per_element
    }
}

/// Checks targets of all samples against a per-sample output shape, for the losses whose
/// targets have the prediction's shape.
pub(crate) fn validate_dense(
    op: &'static str,
    y_true: &Tensor,
    output_shape: &[usize],
) -> Result<()> {
    let Some(&samples) = y_true.shape().first() else {
        return Err(Error::invalid(
            op,
            "y_true is a scalar, but it needs a batch axis: shape (samples, …)",
        ));
    };
    let mut expected = Vec::with_capacity(output_shape.len() + 1);
    expected.push(samples);
    expected.extend_from_slice(output_shape);
    if y_true.shape() == expected.as_slice() || differ_by_trailing_one(y_true.shape(), &expected) {
        Ok(())
    } else {
        Err(Error::incompatible(
            op,
            y_true.shape(),
            &expected,
            "y_true must have the shape of the model's output",
        ))
    }
}

/// Where the `flat`-th value of a tensor of `shape` sits, for messages: `sample 3`, or
/// `sample 3, index [3, 1]` when samples hold several values.
pub(crate) fn position(shape: &[usize], flat: usize) -> String {
    let per_sample: usize = shape.iter().skip(1).product();
    let sample = flat / per_sample.max(1);
    if shape.len() <= 1 || per_sample == 1 {
        return format!("sample {sample}");
    }
    let mut index = vec![0; shape.len()];
    let mut rest = flat;
    for (i, &d) in shape.iter().enumerate().rev() {
        index[i] = rest % d.max(1);
        rest /= d.max(1);
    }
    format!("sample {sample}, index {index:?}")
}

/// The class indices of integer labels `y_true` for predictions of shape `pred_shape`
/// (`(batch, …, classes)`): labels have shape `(batch, …)` or `(batch, …, 1)` and each is
/// an integer in `[0, classes)`.
pub(crate) fn sparse_labels(
    op: &'static str,
    y_true: &Tensor,
    pred_shape: &[usize],
) -> Result<Vec<usize>> {
    let Some((&classes, outer)) = pred_shape
        .split_last()
        .filter(|(_, outer)| !outer.is_empty())
    else {
        return Err(Error::invalid(
            op,
            format!(
                "y_pred of shape {pred_shape:?} needs a batch axis and a class axis: shape (batch, classes)"
            ),
        ));
    };
    let fits = y_true.shape() == outer
        || (y_true.shape().len() == pred_shape.len()
            && y_true.shape().last() == Some(&1)
            && &y_true.shape()[..outer.len()] == outer);
    if !fits {
        let mut with_one = outer.to_vec();
        with_one.push(1);
        let mut reason = format!(
            "integer labels must have shape {outer:?} or {with_one:?} for predictions of shape {pred_shape:?}"
        );
        if y_true.shape() == pred_shape && classes > 1 {
            reason.push_str("; one-hot labels need `categorical_crossentropy`");
        }
        return Err(Error::incompatible(op, y_true.shape(), pred_shape, reason));
    }
    let mut labels = Vec::with_capacity(y_true.len());
    for (i, &v) in y_true.data().iter().enumerate() {
        if !v.is_finite() || v.fract() != 0.0 {
            return Err(Error::invalid(
                op,
                format!(
                    "label {v} at {} is not an integer",
                    position(y_true.shape(), i)
                ),
            ));
        }
        if v < 0.0 || v >= classes as f32 {
            return Err(Error::invalid(
                op,
                format!(
                    "label {v} at {} is out of range for {classes} classes",
                    position(y_true.shape(), i)
                ),
            ));
        }
        labels.push(v as usize);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_the_sample_and_the_index() {
        assert_eq!(position(&[5], 3), "sample 3");
        assert_eq!(position(&[5, 1], 3), "sample 3");
        assert_eq!(position(&[2, 3], 4), "sample 1, index [1, 1]");
    }

    #[test]
    fn labels_of_several_positions_per_sample() {
        let y = Tensor::from_vec(vec![0.0, 1.0, 2.0, 1.0], &[2, 2, 1]);
        assert_eq!(
            sparse_labels("t", &y, &[2, 2, 3]).unwrap(),
            vec![0, 1, 2, 1]
        );
        let err = sparse_labels("t", &y, &[2, 2, 2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`t`: label 2 at sample 1, index [1, 0, 0] is out of range for 2 classes"
        );
    }
}
