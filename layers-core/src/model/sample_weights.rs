//! `fit`'s sample weights: given per sample, or made from class weights and the labels as
//! Keras's `class_weight_to_sample_weights` makes them.

use super::options::FitOptions;
use crate::error::{Error, Result};
use crate::loss::check_sample_weight;
use crate::tensor::Tensor;

/// The training samples' weights `options` ask for (taken out of `options`), checked
/// against the `samples` of `y`; `None` when none are asked for.
pub(super) fn training_weights(y: &Tensor, options: &mut FitOptions) -> Result<Option<Tensor>> {
    match (options.sample_weight.take(), options.class_weight.take()) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(Error::invalid(
            "fit",
            "`sample_weight` and `class_weight` cannot both be given (as in Keras): \
             fold the class weights into the sample weights",
        )),
        (Some(w), None) => checked_weights("fit", y, &w).map(Some),
        (None, Some(classes)) => from_classes(y, &classes).map(Some),
    }
}

/// `w`, checked to give one finite, non-negative weight per sample of `y` (or per position),
/// as a constant; errors name `op` and the sample.
pub(super) fn checked_weights(op: &'static str, y: &Tensor, w: &Tensor) -> Result<Tensor> {
    let samples = y.shape().first().copied().unwrap_or(0);
    if w.rank() == 0 || w.shape()[0] != samples {
        return Err(Error::invalid(
            op,
            format!(
                "`sample_weight` of shape {:?} does not give one weight per sample: y holds \
                 {samples} samples",
                w.shape()
            ),
        ));
    }
    check_sample_weight(op, w)?;
    Ok(w.detach())
}

/// One weight per sample from its class: the integer label (rounded, as Keras rounds), or
/// the index of the largest value of a one-hot target; a class without a weight weighs 1.
fn from_classes(y: &Tensor, classes: &[(usize, f32)]) -> Result<Tensor> {
    for (i, &(class, w)) in classes.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(Error::invalid(
                "fit",
                format!("`class_weight` of class {class} is {w}; it must be finite and ≥ 0"),
            ));
        }
        if classes[..i].iter().any(|&(c, _)| c == class) {
            return Err(Error::invalid(
                "fit",
                format!("`class_weight` gives class {class} twice"),
            ));
        }
    }
    let samples = y.shape().first().copied().unwrap_or(0);
    let per_sample = y.len() / samples.max(1);
    let values = y.to_vec();
    let weights = values
        .chunks(per_sample.max(1))
        .map(|target| {
            let class = if per_sample > 1 {
                // Keras's `argmax`: the first of equal largest values.
                let mut best = 0;
                for (j, &v) in target.iter().enumerate() {
                    if v > target[best] {
                        best = j;
                    }
                }
                best as f64
            } else {
                f64::from(target[0]).round_ties_even()
            };
            classes
                .iter()
                .find(|&&(c, _)| c as f64 == class)
                .map_or(1.0, |&(_, w)| w)
        })
        .collect();
    Ok(Tensor::from_vec(weights, &[samples]))
}
