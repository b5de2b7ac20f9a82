//! The losses that training and evaluation add to the compiled loss, as Keras 3's
//! `compute_loss` adds `model.losses`: those layers added in the forward pass (activity
//! regularization), then the penalty of every trainable weight that has a regularizer, in
//! the order of the model's trainable weights.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut m = Sequential::new()
//!     .add(Dense::new(1).use_bias(false).kernel_regularizer(Regularizer::l2(0.5)));
//! m.compile("sgd", "mae", &[])?;
//! m.build([2])?;
//! m.set_weights(&[Tensor::from_vec(vec![1.0, 2.0], &[2, 1])])?;
//! // mae of predictions 3 against targets 3 is 0; the penalty is 0.5 · (1 + 4)
//! let x = Tensor::ones(&[1, 2]);
//! assert_eq!(m.evaluate(&x, &Tensor::full(&[1, 1], 3.0), 1)?["loss"], 2.5);
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::layer::{Layer, trainable_weight_refs};
use crate::tensor::Tensor;

/// `loss + a₁ + a₂ + … + r₁ + r₂ + …`: the losses layers added in the forward pass
/// (`added`, activity regularization) in call order, then one term per trainable weight
/// with a regularizer (a weight listed twice counts once), recorded on the graph when the
/// terms are.
///
/// # Errors
///
/// [`Error::InvalidArgument`] for a regularizer with a negative, NaN or infinite factor,
/// naming the weight (one set with [`Weight::with_regularizer`](crate::weight::Weight::with_regularizer)
/// on a built weight, which no build checked).
pub(super) fn with_regularization(
    model: &dyn Layer,
    loss: Tensor,
    added: Vec<Tensor>,
) -> Result<Tensor> {
    let weights = trainable_weight_refs(model);
    let mut total = loss;
    for a in added {
        total = total + a;
    }
    for (i, w) in weights.iter().enumerate() {
        if weights[..i].iter().any(|earlier| earlier.id() == w.id()) {
            continue;
        }
        if let Some(r) = w.regularizer() {
            r.check()
                .and_then(|()| r.check_shape(w.value().shape()))
                .map_err(|e| {
                    Error::invalid(
                        "fit",
                        format!("the regularizer of weight `{}` is unusable: {e}", w.name()),
                    )
                })?;
            total = total + r.penalty(&w.value());
        }
    }
    Ok(total)
}
