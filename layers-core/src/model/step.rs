//! One training step, all or nothing: forward in training mode, loss, backward, checks,
//! metrics, update. A step that fails (an error, a panic, or a loss, gradient, layer state
//! or update that is NaN or infinite) changes no weight, layer state, optimizer slot or step
//! count; the callers (`fit`, `train_on_batch`) say where it failed.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new().add(BatchNormalization::new()).add(Dense::new(1));
//! model.compile("sgd", "mse", &[])?;
//! model.build([2])?;
//! let before = model.get_weights()?;
//! // targets so large that the squared error overflows: the step is refused
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 5.0], &[2, 2]);
//! assert!(model.train_on_batch(&x, &Tensor::full(&[2, 1], 3e38)).is_err());
//! // nothing moved: gamma, beta, the moving mean and variance, the kernel, the bias
//! let after = model.get_weights()?;
//! assert!(before.iter().zip(&after).all(|(a, b)| a.to_vec() == b.to_vec()));
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::penalties::with_regularization;
use super::state::{Compiled, MetricList};
use crate::autograd::VarId;
use crate::error::{Error, Result, TrainingStep};
use crate::layer::context::{collect_losses, with_context};
use crate::layer::{Layer, LayerExt, trainable_weight_refs};
use crate::loss::weighted_loss;
use crate::tensor::Tensor;
use crate::weight::Weight;

/// Why a training step failed. Either way nothing changed; the callers add where it
/// happened (`fit`: the epoch and batch; `train_on_batch`: the step).
pub(super) enum StepError {
    /// An error from a layer, the loss, a metric or the optimizer, passed on as it is.
    Failed(Error),
    /// A value became NaN or infinite; the message says which (the loss, a gradient, a
    /// layer's state, the update).
    Refused(String),
}

impl From<Error> for StepError {
    fn from(e: Error) -> StepError {
        StepError::Failed(e)
    }
}

impl StepError {
    /// The error `fit` reports, with the epoch and batch counted from 1.
    pub(super) fn at_batch(self, epoch: usize, batch: usize) -> Error {
        self.at(TrainingStep::Batch {
            epoch: epoch + 1,
            batch: batch + 1,
        })
    }

    /// The error `train_on_batch` reports for its `step` (counted from 1).
    pub(super) fn at_step(self, step: u64) -> Error {
        self.at(TrainingStep::Step(step))
    }

    fn at(self, at: TrainingStep) -> Error {
        match self {
            StepError::Failed(e) => e,
            StepError::Refused(what) => Error::Training {
                at,
                message: format!("{what}; the update was not applied"),
            },
        }
    }
}

/// The layer state (every weight that is not trainable: batch normalization's moving
/// statistics, a user layer's counters, frozen weights) as it was before a step, put back
/// unless the step is accepted, also when the step panics.
///
/// Saving costs one reference-count increment per such weight (values are shared, never
/// copied); a layer that writes its state replaces the weight's value (or copies it on
/// write), so the saved value stays as it was.
struct StateRollback<'a> {
    saved: Vec<(&'a Weight, Tensor)>,
    accepted: bool,
}

impl<'a> StateRollback<'a> {
    fn save(model: &'a dyn Layer) -> StateRollback<'a> {
        fn walk<'a>(layer: &'a dyn Layer, out: &mut Vec<(&'a Weight, Tensor)>) {
            for w in layer.weights() {
                if !w.is_trainable()
                    && let Ok(value) = w.try_value()
                {
                    out.push((w, value));
                }
            }
            for (_, sub) in layer.sublayers() {
                walk(sub, out);
            }
        }
        let mut saved = Vec::new();
        walk(model, &mut saved);
        StateRollback {
            saved,
            accepted: false,
        }
    }

    /// The first state weight that the step gave a NaN or infinite value. Only weights whose
    /// value was replaced are read, so unchanged (frozen) weights cost nothing.
    fn non_finite(&self) -> Option<&'a Weight> {
        self.saved.iter().find_map(|(w, before)| {
            let now = w.try_value().ok()?;
            let replaced = now.data().as_ptr() != before.data().as_ptr();
            (replaced && !now.all_finite()).then_some(*w)
        })
    }

    fn accept(mut self) {
        self.accepted = true;
    }
}

impl Drop for StateRollback<'_> {
    fn drop(&mut self) {
        if self.accepted {
            return;
        }
        for (w, before) in self.saved.drain(..) {
            // `before` is this weight's own earlier value, so its shape fits and setting it
            // cannot fail.
            let _ = w.set_value(before);
        }
    }
}

/// The path of the weight `id` in `model` (`dense_1.kernel`), for messages.
fn weight_path(model: &dyn Layer, id: VarId) -> String {
    model
        .all_weights()
        .into_iter()
        .find(|(_, w)| w.id() == id)
        .map_or_else(|| "?".to_string(), |(path, _)| path)
}

/// Updates the compiled metrics with a batch, through the output's mask where it has one
/// (Keras's metrics see the mask of `y_pred`), and the weighted metrics with the batch's
/// sample weights where it has some (without, they are updated as the others are).
pub(super) fn update_metrics(
    (metrics, weighted): (&mut MetricList, &mut MetricList),
    y: &Tensor,
    pred: &Tensor,
    mask: Option<&Tensor>,
    sample_weight: Option<&Tensor>,
) -> Result<()> {
    for m in metrics.iter_mut() {
        match mask {
            Some(mask) => m.update_masked(y, pred, mask)?,
            None => m.update(y, pred)?,
        }
    }
    for m in weighted.iter_mut() {
        match (sample_weight, mask) {
            (Some(w), mask) => m.update_weighted(y, pred, w, mask)?,
            (None, Some(mask)) => m.update_masked(y, pred, mask)?,
            (None, None) => m.update(y, pred)?,
        }
    }
    Ok(())
}

/// One training step of `model` on a batch, all or nothing: forward in training mode, loss,
/// backward, checks, metrics, update.
pub(super) fn train_step(
    model: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    (x, y, sample_weight): (&Tensor, &Tensor, Option<&Tensor>),
) -> Result<f32, StepError> {
    let step_seed = seed ^ compiled.steps.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    // Whatever the forward pass writes into layer state is undone unless the step is
    // accepted at the end.
    let state = StateRollback::save(model);
    let (loss_value, grads, pred) = with_context(true, step_seed, || -> Result<_> {
        let (out, added) = collect_losses(|| model.forward_masked(x, None));
        let (pred, mask) = out?;
        let loss = weighted_loss(
            compiled.loss.as_ref(),
            y,
            &pred,
            sample_weight,
            mask.as_ref(),
        )?;
        let loss = with_regularization(model, loss, added)?;
        let value = loss.item();
        if !value.is_finite() {
            return Ok((value, None, (pred.detach(), mask)));
        }
        let grads = loss.backward();
        Ok((value, Some(grads), (pred.detach(), mask)))
    })?;
    let (pred, mask) = pred;
    let optimizer = &mut compiled.optimizer;
    let lr = optimizer.learning_rate();
    let Some(grads) = grads else {
        return Err(StepError::Refused(format!(
            "the loss became {loss_value:?} (learning rate {lr:?})"
        )));
    };
    if let Some(w) = state.non_finite() {
        return Err(StepError::Refused(format!(
            "the layer state `{}` became NaN or infinite in the forward pass",
            weight_path(model, w.id())
        )));
    }
    // Collected without building path strings: the paths are only needed for messages.
    let weights = trainable_weight_refs(model);
    // The built-in optimizers refuse a non-finite gradient in their own pass over it.
    if !optimizer.refuses_non_finite()
        && let Some(w) = weights
            .iter()
            .find(|w| w.grad(&grads).is_some_and(|g| !g.all_finite()))
    {
        return Err(StepError::Refused(format!(
            "the gradient of `{}` holds NaN or infinite values",
            weight_path(model, w.id())
        )));
    }
    // Metrics before the update, so that a metric's error cannot follow a written update.
    // (On a refused update they hold this batch; `fit` and `train_on_batch` reset them
    // before they are read again.)
    let metrics = (&mut compiled.metrics, &mut compiled.weighted_metrics);
    update_metrics(metrics, y, &pred, mask.as_ref(), sample_weight)?;
    match optimizer.apply(&weights, &grads) {
        Ok(()) => {}
        Err(Error::NonFiniteUpdate {
            index,
            gradient: true,
            ..
        }) => {
            return Err(StepError::Refused(format!(
                "the gradient of `{}` holds NaN or infinite values",
                weight_path(model, weights[index].id())
            )));
        }
        Err(Error::NonFiniteUpdate { index, .. }) => {
            return Err(StepError::Refused(format!(
                "the update of `{}` by `{}` (learning rate {lr:?}) would make it or the \
                 optimizer's state NaN or infinite",
                weight_path(model, weights[index].id()),
                optimizer.name()
            )));
        }
        Err(e) => return Err(StepError::Failed(e)),
    }
    state.accept();
    compiled.steps += 1;
    Ok(loss_value)
}
