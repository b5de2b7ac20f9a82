//! What every model ([`Sequential`](super::Sequential), [`Model`](super::Model)) does the
//! same way around its own layers: it is built once, for one input shape, with its seed;
//! its summary ends with the optimizer's state size once it has trained.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut m = Sequential::new().add(Dense::new(2));
//! assert_eq!(m.build([3])?, vec![2]);
//! assert_eq!(m.build([3])?, vec![2]); // again for the same shape: nothing new
//! let err = m.build([4]).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "model `sequential` was built for input shape (None, 3) and cannot be rebuilt for (None, 4)"
//! );
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::train::Train;
use crate::error::{Error, Result};
use crate::layer::LayerExt;
use crate::layer::context::with_context;
use crate::layer::summary::{Summary, readable_size, thousands};
use crate::weight::journal::journal;

/// Builds `model` for the per-sample `input_shape` with `build_layers` (which runs its layers
/// once on a zero sample), drawing weights from the model's seed, and records the input and
/// the output shape. Refuses a model already built for another shape.
pub(super) fn build<M: Train>(
    model: &mut M,
    input_shape: &[usize],
    build_layers: impl FnOnce(&mut M) -> Result<Vec<usize>>,
) -> Result<Vec<usize>> {
    if let Some(built) = &model.state().input_shape
        && built != input_shape
    {
        return Err(Error::ModelRebuild {
            model: model.display_name(),
            built: built.as_slice().into(),
            requested: input_shape.into(),
        });
    }
    let seed = model.state().seed;
    let output_shape = with_context(false, seed, || build_layers(model))?;
    let state = model.state_mut();
    state.input_shape = Some(input_shape.to_vec());
    state.output_shape = Some(output_shape.clone());
    Ok(output_shape)
}

/// Runs `call`, the work of an entry point (`fit`, `evaluate`, `train_on_batch`) on `model`.
/// When it fails on a model it found unbuilt, before any training step was applied (the
/// targets did not fit the loss, say, after `x` had built the model), the build it made is
/// undone: the weights it built are unbuilt and the input and output shapes forgotten, so
/// the model is as it was and a later call may build it for another input shape.
pub(super) fn unbuilt_on_failure<M: Train, R>(
    model: &mut M,
    call: impl FnOnce(&mut M) -> Result<R>,
) -> Result<R> {
    if model.state().input_shape.is_some() {
        return call(model);
    }
    let steps = |m: &M| {
        m.state()
            .compiled
            .as_ref()
            .map(|c| c.optimizer.iterations())
    };
    let before = steps(model);
    let mut built = Vec::new();
    let result = journal(|| call(&mut *model), |ids| built = ids.to_vec());
    if result.is_err() && steps(model) == before && model.state().input_shape.is_some() {
        for (_, w) in model.all_weights() {
            if built.contains(&w.id()) {
                w.unbuild();
            }
        }
        model.forget_layer_shapes();
        let state = model.state_mut();
        state.input_shape = None;
        state.output_shape = None;
    }
    result
}

/// Keras's summary table of `model`, with the optimizer's state size once compiled and
/// trained.
pub(super) fn summary<M: Train>(model: &M) -> Summary {
    let mut summary = Summary::of(model);
    if let Some(n) = model.optimizer_params().filter(|&n| n > 0) {
        summary.extra.push(format!(
            " Optimizer params: {} ({})",
            thousands(n),
            readable_size(n)
        ));
    }
    summary
}
