//! The check that a recurrent layer and its cell agree on the settings they share.
//!
//! [`Lstm`](super::Lstm), [`Gru`](super::Gru) and [`SimpleRnn`](super::SimpleRnn) hold
//! their settings twice: as their own public fields (their config, Keras's keys) and in the
//! cell made from them by `new` and the builder methods, which is what computes. A field
//! assigned directly (`lstm.units = 3`, `lstm.activation = …`) or a model file edited by
//! hand changes one copy only; the layer would then compute with the cell's value while its
//! config, summary and saved file showed the other.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::layer::Layer;

/// `Err(InvalidConfig)` naming the first setting, in the cell's config order, that the
/// layer's `config` and its `cell`'s config both hold with different values.
pub(crate) fn check_cell_agrees(layer: &Value, cell: &dyn Layer) -> Result<()> {
    let cell_config = cell.config();
    let (Some(own), Some(cells)) = (layer.as_object(), cell_config.as_object()) else {
        return Ok(());
    };
    for (key, theirs) in cells {
        if let Some(mine) = own.get(key)
            && mine != theirs
        {
            return Err(Error::InvalidConfig {
                field: key.clone(),
                message: format!(
                    "is {mine}, but the layer's cell (`cell`, {}) has {theirs}, and the cell is \
                     what computes: set it with the builder method, which sets both, or \
                     assign both fields",
                    cell.type_name()
                ),
            });
        }
    }
    Ok(())
}
