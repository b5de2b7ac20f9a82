//! The check that a recurrent layer and its cell agree on the settings they share.
//!
//! [`Lstm`](super::Lstm), [`Gru`](super::Gru) and [`SimpleRnn`](super::SimpleRnn) hold
//! their settings twice: as their own public fields (their config, Keras's keys) and in the
//! cell made from them by `new` and the builder methods, which is what computes. A field
//! assigned directly (`lstm.units = 3`, `lstm.activation = …`) or a model file edited by
//! hand changes one copy only; the layer would then compute with the cell's value while its
//! config, summary and saved file showed the other.
//!
//! The check runs on every forward pass, so it compares the typed fields (`PartialEq`)
//! and writes a value as its config only for the error.

use crate::error::Error;
use crate::layer::Layer;
use crate::layer::config::ConfigValue;

/// `Ok(())` when `layer` and `cell` hold equal values in every field named, else
/// `Err(InvalidConfig)` naming the first that differs, with both values as their configs
/// write them. Name the shared fields in the order of their config keys (alphabetical, as
/// a config is a sorted map), so that the first difference named is the first in the
/// cell's config.
macro_rules! check_cell_agrees {
    ($layer:expr, $cell:expr, [$($field:ident),+ $(,)?]) => {{
        let (layer, cell) = (&$layer, &$cell);
        let mut agree = ::core::result::Result::Ok(());
        $(
            if agree.is_ok() && layer.$field != cell.$field {
                agree = ::core::result::Result::Err($crate::builtin::recurrent::agree::disagree(
                    stringify!($field),
                    &layer.$field,
                    &cell.$field,
                    cell,
                ));
            }
        )+
        agree
    }};
}
pub(crate) use check_cell_agrees;

/// The error for the setting `field`, `mine` on the layer and `theirs` on its `cell`.
pub(crate) fn disagree<T: ConfigValue>(
    field: &str,
    mine: &T,
    theirs: &T,
    cell: &dyn Layer,
) -> Error {
    Error::InvalidConfig {
        field: field.to_string(),
        message: format!(
            "is {}, but the layer's cell (`cell`, {}) has {}, and the cell is what computes: \
             set it with the builder method, which sets both, or assign both fields",
            mine.to_config(),
            cell.type_name(),
            theirs.to_config(),
        ),
    }
}
