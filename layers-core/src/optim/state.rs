//! An optimizer's per-weight state as data: the slot arrays of one weight by Keras's slot
//! names, read out and restored, so that a saved optimizer continues exactly where it
//! stopped.
//!
//! ```
//! use layers_core::{Tensor, Weight};
//! use layers_core::optim::{Optimizer, Sgd};
//! let w = Weight::from_tensor("w", Tensor::ones(&[2]));
//! let mut a = Sgd::new().momentum(0.5);
//! a.apply(&[&w], &(&w * 2.0).sum_all().backward())?;
//! let mut b = Sgd::new().momentum(0.5);
//! let saved: Vec<(String, Tensor)> =
//!     a.slots(&w).into_iter().map(|(n, t)| (n.to_string(), t)).collect();
//! b.set_slots(&w, &saved)?;
//! assert_eq!(b.slots(&w)[0].1.to_vec(), vec![-0.02, -0.02]); // the velocity −lr·g
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::collections::HashMap;

use ndarray::ArrayD;

use super::base::{Slot, SlotState};
use crate::autograd::VarId;
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::weight::Weight;

/// The slot arrays `slots` holds for `weight`, by name, in the order of
/// [`SlotState::NAMES`]; empty when the weight has no state yet.
pub(crate) fn slots_of<S: SlotState>(
    slots: &HashMap<VarId, Slot<S>>,
    weight: &Weight,
) -> Vec<(&'static str, Tensor)> {
    let Some(slot) = slots.get(&weight.id()) else {
        return Vec::new();
    };
    S::NAMES
        .iter()
        .zip(slot.state.arrays())
        .filter_map(|(n, a)| a.map(|a| (n.name, Tensor::from_array(a.clone()))))
        .collect()
}

/// The names in `S::NAMES`, for messages: "`momentum`, `velocity`".
fn names<S: SlotState>() -> String {
    let names: Vec<String> = S::NAMES.iter().map(|n| format!("`{}`", n.name)).collect();
    names.join(", ")
}

/// Replaces the state of `weight` in `slots` with `given` (no state at all when `given` is
/// empty), after checking every name, shape and value; on error nothing changes.
pub(crate) fn set_slots_of<S: SlotState>(
    op: &'static str,
    slots: &mut HashMap<VarId, Slot<S>>,
    weight: &Weight,
    given: &[(String, Tensor)],
) -> Result<()> {
    if given.is_empty() {
        slots.remove(&weight.id());
        return Ok(());
    }
    let Some(shape) = weight.shape() else {
        return Err(Error::UnbuiltWeight {
            weight: weight.name().to_string(),
        });
    };
    let w = weight.name();
    let mut arrays: Vec<Option<ArrayD<f32>>> = vec![None; S::NAMES.len()];
    for (name, tensor) in given {
        let Some(i) = S::NAMES.iter().position(|n| n.name == name) else {
            return Err(Error::invalid(
                op,
                format!(
                    "weight `{w}` has no slot `{name}`; the slots of `{op}` are {}",
                    names::<S>()
                ),
            ));
        };
        if arrays[i].is_some() {
            return Err(Error::invalid(
                op,
                format!("slot `{name}` of weight `{w}` is given twice"),
            ));
        }
        if tensor.shape() != shape.as_slice() {
            return Err(Error::incompatible(
                op,
                &shape,
                tensor.shape(),
                format!("slot `{name}` of weight `{w}` must have the weight's shape"),
            ));
        }
        let values = tensor.data().as_standard_layout().into_owned();
        let non_negative = S::NAMES[i].non_negative;
        let bad = values
            .iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite() || (non_negative && **v < 0.0));
        if let Some((at, value)) = bad {
            let expected = if non_negative {
                "finite numbers ≥ 0"
            } else {
                "finite numbers"
            };
            return Err(Error::invalid(
                op,
                format!(
                    "slot `{name}` of weight `{w}` holds {value:?} at flat index {at}; its values \
                     must be {expected}"
                ),
            ));
        }
        arrays[i] = Some(values);
    }
    let missing = S::NAMES
        .iter()
        .zip(&arrays)
        .find(|(n, a)| n.required && a.is_none());
    if let Some((n, _)) = missing {
        return Err(Error::invalid(
            op,
            format!(
                "slot `{}` of weight `{w}` is missing; `{op}` keeps {} for every weight",
                n.name,
                required_names::<S>()
            ),
        ));
    }
    let next = S::from_arrays(arrays.clone());
    let state = S::from_arrays(arrays);
    slots.insert(weight.id(), Slot::restored(shape, state, next));
    Ok(())
}

/// The names of the required slots, for messages.
fn required_names<S: SlotState>() -> String {
    let names: Vec<String> = S::NAMES
        .iter()
        .filter(|n| n.required)
        .map(|n| format!("`{}`", n.name))
        .collect();
    names.join(" and ")
}
