//! The check that a recurrent layer and its cell agree on the settings they share.
//!
//! [`Lstm`](super::Lstm), [`Gru`](super::Gru) and [`SimpleRnn`](super::SimpleRnn) hold
//! their settings twice: as their own public fields (their config, Keras's keys) and in the
//! cell made from them by `new` and the builder methods, which is what computes. A field
//! assigned directly (`lstm.units = 3`, `lstm.activation = …`) or a model file edited by
//! hand changes one copy only; the layer would then compute with the cell's value while its
//! config, summary and saved file showed the other.
//!
//! The check runs on every forward pass, so it compares the typed fields (`PartialEq`);
//! only a pair that differs is written as config, which decides as the configs always did
//! (a NaN, unequal to itself, writes `null` on both sides and is left to the setting's own
//! check), and gives the values for the error.

use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::layer::config::ConfigValue;

/// `Ok(())` when `layer` and `cell` agree on every field named, else `Err(InvalidConfig)`
/// naming the first that differs (see [`agree`]). Name the shared fields in the order of
/// their config keys (alphabetical, as a config is a sorted map), so that the first
/// difference named is the first in the cell's config.
macro_rules! check_cell_agrees {
    ($layer:expr, $cell:expr, [$($field:ident),+ $(,)?]) => {{
        let (layer, cell) = (&$layer, &$cell);
        let all = || -> $crate::error::Result<()> {
            $(
                $crate::builtin::recurrent::agree::agree(
                    stringify!($field),
                    &layer.$field,
                    &cell.$field,
                    cell,
                )?;
            )+
            ::core::result::Result::Ok(())
        };
        all()
    }};
}
pub(crate) use check_cell_agrees;

/// Whether the layer's value `mine` of the setting `field` agrees with its `cell`'s
/// `theirs`: equal, or written the same in a config.
///
/// # Errors
///
/// `InvalidConfig` naming `field` and both values as their configs write them.
pub(crate) fn agree<T: PartialEq + ConfigValue>(
    field: &str,
    mine: &T,
    theirs: &T,
    cell: &dyn Layer,
) -> Result<()> {
    if mine == theirs {
        return Ok(());
    }
    let (mine, theirs) = (mine.to_config(), theirs.to_config());
    if mine == theirs {
        return Ok(());
    }
    Err(Error::InvalidConfig {
        field: field.to_string(),
        message: format!(
            "is {mine}, but the layer's cell (`cell`, {}) has {theirs}, and the cell is what \
             computes: set it with the builder method, which sets both, or assign both fields",
            cell.type_name(),
        ),
    })
}
