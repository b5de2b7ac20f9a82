//! The evaluation loop that `evaluate`, `test_on_batch` and `fit`'s validation share: the
//! model in inference mode over the data, a batch at a time, recording no graph; the mean
//! loss, with the metrics updated over every sample (the weighted ones with the samples'
//! weights, if any).
//!
//! ```
//! use layers_core::prelude::*;
//! let mut m = Sequential::new().add(Dense::new(1).use_bias(false));
//! m.compile("sgd", "mae", &["mse"])?;
//! m.build([1])?;
//! m.set_weights(&[Tensor::ones(&[1, 1])])?;
//! // predictions equal x, targets 0: the batches of 2 and 1 weigh by their samples
//! let x = Tensor::from_vec(vec![1.0, 2.0, 6.0], &[3, 1]);
//! let logs = m.evaluate(&x, &Tensor::zeros(&[3, 1]), 2)?;
//! assert_eq!(logs["loss"], 3.0); // (1 + 2 + 6) / 3
//! assert_eq!(logs["mse"], 41.0 / 3.0); // (1 + 4 + 36) / 3
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::penalties::with_regularization;
use super::state::Compiled;
use super::step::update_metrics;
use crate::autograd::no_grad;
use crate::error::Result;
use crate::layer::Layer;
use crate::layer::context::{BatchSamples, collect_losses, with_batch_samples, with_context};
use crate::loss::weighted_loss;
use crate::tensor::Tensor;

/// Runs `x`, `y` through `model` in inference mode, `batch_size` samples at a time: the
/// mean loss over all samples, with the metrics reset first and updated on every batch.
/// `first` is the row of the user's data that `x` starts at (`fit`'s validation split is
/// its last rows), for the errors that name a sample.
pub(super) fn evaluate_batches(
    model: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    (x, y, first, weights): (&Tensor, &Tensor, usize, Option<&Tensor>),
    batch_size: usize,
) -> Result<f32> {
    compiled.reset_metrics();
    let samples = x.shape()[0];
    let mut loss_sum = 0.0f64;
    with_context(false, seed, || -> Result<()> {
        no_grad(|| {
            for start in (0..samples).step_by(batch_size) {
                let len = batch_size.min(samples - start);
                let xb = x.narrow(0, start, len);
                let yb = y.narrow(0, start, len);
                let wb = weights.map(|w| w.narrow(0, start, len));
                let (out, added) = collect_losses(|| {
                    with_batch_samples(BatchSamples::From(first + start), || {
                        model.forward_masked(&xb, None)
                    })
                });
                let (pred, mask) = out?;
                let loss = weighted_loss(
                    compiled.loss.as_ref(),
                    &yb,
                    &pred,
                    wb.as_ref(),
                    mask.as_ref(),
                )?;
                let loss = with_regularization(model, loss, added)?;
                loss_sum += f64::from(loss.item()) * len as f64;
                let metrics = (&mut compiled.metrics, &mut compiled.weighted_metrics);
                update_metrics(metrics, &yb, &pred, mask.as_ref(), wb.as_ref())?;
            }
            Ok(())
        })
    })?;
    Ok((loss_sum / samples as f64) as f32)
}
