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
