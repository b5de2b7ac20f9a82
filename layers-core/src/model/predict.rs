//! Inference on data: the checks and the batched, graph-free forward pass that every model's
//! `predict` shares. A prediction uses one set of weights from start to end, even while
//! another thread sets them (see [`LayerExt::set_weights`]).

use super::options::check_batch_size;
use super::train::Train;
use crate::autograd::no_grad;
use crate::data::check::non_finite_sample;
use crate::error::{BatchShape, Error, Result};
use crate::layer::context::{BatchSamples, with_batch_samples, with_context};
use crate::layer::{LayerExt, read_consistent};
use crate::tensor::Tensor;

/// Checks `x` against the model's built input shape: a sample axis, the per-sample shape,
/// at least one sample, and only finite values.
pub(crate) fn check_input<M: Train>(model: &M, x: &Tensor) -> Result<()> {
    let expected = model
        .state()
        .input_shape
        .as_deref()
        .ok_or_else(|| Error::Unbuilt {
            layer: model.display_name(),
        })?;
    let Some((_, found)) = x.shape().split_first() else {
        // No sample axis, so no per-sample shape to report as `InputShape`'s `found`.
        return Err(Error::invalid(
            "predict",
            format!(
                "`{}` expects input of shape {} but got a scalar",
                model.display_name(),
                BatchShape::from(expected)
            ),
        ));
    };
    if found != expected {
        return Err(Error::InputShape {
            model: model.display_name(),
            expected: expected.into(),
            found: found.into(),
        });
    }
    if x.shape()[0] == 0 {
        return Err(Error::invalid(
            "predict",
            format!("`{}` got no samples", model.display_name()),
        ));
    }
    if let Some(sample) = non_finite_sample(x) {
        return Err(Error::invalid(
            "predict",
            format!("the input holds a NaN or infinite value (sample {sample})"),
        ));
    }
    Ok(())
}

/// Runs `model` on `x` in inference mode, `batch_size` samples at a time, recording nothing;
/// again if another thread set the model's weights meanwhile.
pub(crate) fn predict_batched<M: Train>(
    model: &M,
    x: &Tensor,
    batch_size: usize,
) -> Result<Tensor> {
    check_input(model, x)?;
    check_batch_size("predict", batch_size)?;
    let samples = x.shape()[0];
    if samples <= batch_size
        && let Some(y) = predict_rows(model, x)
    {
        return Ok(y);
    }
    read_consistent(|| {
        with_context(false, model.state().seed, || {
            no_grad(|| {
                if samples <= batch_size {
                    return model.forward(&x.detach());
                }
                let outputs = (0..samples)
                    .step_by(batch_size)
                    .map(|start| {
                        let rows = x.rows_shared(start, batch_size.min(samples - start));
                        with_batch_samples(BatchSamples::From(start), || model.forward(&rows))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Tensor::try_concat(&outputs, 0)
            })
        })
    })
}

/// The most samples [`predict_rows`] takes: the rows the batch-1 kernels stream (more go
/// through the packed GEMM in `forward`).
const ROWS_PATH: usize = crate::tensor::linear::STREAMED_ROWS;

/// The fast path of a few-sample prediction: where every layer of the model has a
/// [`forward_rows`](crate::Layer::forward_rows) (a chain of `Dense` layers), the values go
/// from one layer's slice kernel to the next with no tensors, graph or per-layer checks;
/// the same bits as the model's `forward`. `None` (the caller runs `forward`) where a layer
/// has none, `x` is not a contiguous `(samples, features)` matrix, or a kernel panicked.
fn predict_rows<M: Train>(model: &M, x: &Tensor) -> Option<Tensor> {
    let &[samples, _] = x.shape() else {
        return None;
    };
    if samples > ROWS_PATH {
        return None;
    }
    let data = x.data();
    let values = data.as_slice()?;
    let y = read_consistent(|| {
        crate::unwind::catch(|| model.forward_rows(values, samples))
            .ok()
            .flatten()
    })?;
    if y.len() % samples != 0 {
        return None;
    }
    let width = y.len() / samples;
    Some(Tensor::from_vec(y, &[samples, width]))
}
