//! `Bidirectional`: a recurrent layer run forwards and backwards, the two results merged.

use super::state::{Recurrent, renamed};
use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::config::ConfigValue;
use crate::layer::spec::FromConfig;
use crate::layer::{LayerExt, TryCall};
use crate::tensor::Tensor;

/// How [`Bidirectional`] combines the forward and backward outputs (Keras's `merge_mode`):
/// `"concat"` along the last axis (the default), `"sum"`, `"mul"` or `"ave"`.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::MergeMode;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(MergeMode::Concat.to_config(), "concat");
/// assert_eq!(MergeMode::from_config(&serde_json::json!("ave")), Ok(MergeMode::Ave));
/// assert!(MergeMode::from_config(&serde_json::json!("max")).is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MergeMode {
    /// Concatenate along the last axis: `2·units` features.
    #[default]
    Concat,
    /// Add the two.
    Sum,
    /// Multiply the two elementwise.
    Mul,
    /// Average the two.
    Ave,
}

impl MergeMode {
    const NAMES: [(&'static str, MergeMode); 4] = [
        ("concat", MergeMode::Concat),
        ("sum", MergeMode::Sum),
        ("mul", MergeMode::Mul),
        ("ave", MergeMode::Ave),
    ];

    fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, m)| *m == self)
            .map(|(n, _)| *n)
            .expect("every merge mode has a name in `NAMES`")
    }

    fn merge(self, forward: Tensor, backward: Tensor) -> Tensor {
        match self {
            MergeMode::Concat => Tensor::concat(&[forward, backward], -1),
            MergeMode::Sum => forward + backward,
            MergeMode::Mul => forward * backward,
            MergeMode::Ave => (forward + backward) * 0.5,
        }
    }
}

impl ConfigValue for MergeMode {
    fn to_config(&self) -> serde_json::Value {
        serde_json::Value::from(self.name())
    }

    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let text = value.as_str();
        Self::NAMES
            .iter()
            .find(|(n, _)| Some(*n) == text)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                format!("expected \"concat\", \"sum\", \"mul\" or \"ave\", found {value}")
            })
    }
}

/// Keras's `Bidirectional`: runs a recurrent layer over the sequence and a copy of it over
/// the reversed sequence, and merges the two (concatenated by default).
///
/// With `return_sequences`, the backward outputs are put back in time order before the
/// merge, so that step `t` of the result sees the whole sequence. The weights are the
/// forward layer's then the backward layer's (`forward_layer.cell.kernel`, …,
/// `backward_layer.cell.kernel`, …), Keras 3's order. [`Bidirectional::wrap`] makes the
/// backward layer as a fresh copy of the forward one with `go_backwards` flipped, as Keras
/// does; `new(forward, backward)` takes both (Keras's `backward_layer` argument).
///
/// The wrapped layer is any recurrent layer: `Bidirectional<Lstm>` when its type is known,
/// `Bidirectional` (that is, `Bidirectional<Box<dyn Layer>>`, the default) for any. The
/// default is what is registered for loading: a saved `Bidirectional` of any registered
/// recurrent layer (`Lstm`, `Gru`, `SimpleRnn`, an `Rnn` over a registered cell) loads as a
/// `Bidirectional<Box<dyn Layer>>` holding it, with the same predictions.
///
/// # Errors
///
/// Building fails, naming the layer, when the two layers go the same direction or
/// disagree on `return_sequences`, or are not recurrent layers (no `go_backwards`).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{Bidirectional, Gru, Lstm};
/// use layers_core::prelude::*;
/// let mut bi = Bidirectional::wrap(Lstm::new(4).return_sequences(true))?;
/// assert_eq!(bi.build([7, 3])?, vec![7, 8]); // concat: 2·units
/// assert_eq!(bi.count_params()?, 2 * 4 * (3 * 4 + 4 * 4 + 4));
///
/// let same_way = Bidirectional::new(Gru::new(2), Gru::new(2));
/// assert!(same_way.try_apply(&Tensor::ones(&[1, 3, 2])).is_err());
///
/// // Any recurrent layer, boxed: the registered form, as loading makes it.
/// let boxed: Bidirectional = Bidirectional::wrap(Box::new(Gru::new(2)) as Box<dyn Layer>)?;
/// assert_eq!(boxed.try_apply(&Tensor::ones(&[1, 3, 2]))?.shape(), &[1, 4]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "Bidirectional",
    input = [B, T, IN],
    validate = Self::validate_config,
    masking = Self::masked
)]
pub struct Bidirectional<L: Layer = Box<dyn Layer>> {
    /// The layer run over the sequence as given.
    #[layer]
    pub forward_layer: L,
    /// The layer run over the reversed sequence (`go_backwards` set).
    #[layer]
    pub backward_layer: L,
    /// How the two outputs are combined; `concat` by default.
    #[config(default = MergeMode::Concat)]
    pub merge_mode: MergeMode,
}

impl<L: Layer + FromConfig> Bidirectional<L> {
    /// Wraps `layer` with a fresh copy of it (same config, unbuilt) that reads the sequence
    /// the other way: Keras's `Bidirectional(layer)`.
    ///
    /// # Errors
    ///
    /// When `layer` has no `go_backwards` config (it is not a recurrent layer) or cannot be
    /// copied through its config.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Bidirectional, SimpleRnn};
    /// let bi = Bidirectional::wrap(SimpleRnn::new(3))?;
    /// assert!(bi.backward_layer.go_backwards && !bi.forward_layer.go_backwards);
    /// assert!(Bidirectional::wrap(layers_core::builtin::Dense::new(3)).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn wrap(layer: L) -> Result<Self> {
        let mut config = layer.layer_config()?;
        let backwards = match config.config.get("go_backwards") {
            Some(serde_json::Value::Bool(b)) => *b,
            _ => return Err(not_recurrent(&layer)),
        };
        config
            .config
            .insert("go_backwards".into(), serde_json::Value::Bool(!backwards));
        config.name = None;
        let backward = L::from_config(&config)?;
        Ok(Self::new(layer, backward))
    }
}

fn not_recurrent(layer: &dyn Layer) -> Error {
    Error::InvalidConfig {
        field: "forward_layer".into(),
        message: format!(
            "must be a recurrent layer with `go_backwards` and `return_sequences`, got a {}",
            layer.type_name()
        ),
    }
}

/// A recurrent layer's `(go_backwards, return_sequences)`, read from its config.
fn direction(layer: &dyn Layer) -> Result<(bool, bool)> {
    let config = layer.config();
    match (
        config.get("go_backwards").and_then(|v| v.as_bool()),
        config.get("return_sequences").and_then(|v| v.as_bool()),
    ) {
        (Some(backwards), Some(sequences)) => Ok((backwards, sequences)),
        _ => Err(not_recurrent(layer)),
    }
}

impl<L: Layer> Bidirectional<L> {
    fn validate_config(&self) -> Result<()> {
        let (forward_backwards, forward_sequences) = direction(&self.forward_layer)?;
        let (backward_backwards, backward_sequences) = direction(&self.backward_layer)?;
        if forward_backwards == backward_backwards {
            return Err(Error::InvalidConfig {
                field: "backward_layer".into(),
                message: format!(
                    "must read the sequence the other way from `forward_layer`, but both have \
                     `go_backwards` {forward_backwards}"
                ),
            });
        }
        if forward_sequences != backward_sequences {
            return Err(Error::InvalidConfig {
                field: "backward_layer".into(),
                message: format!(
                    "must have the `return_sequences` of `forward_layer` ({forward_sequences}), \
                     got {backward_sequences}"
                ),
            });
        }
        Ok(())
    }
}

impl<L: Layer> TryCall for Bidirectional<L> {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let run = |field: &str, layer: &L| {
            layer
                .forward(x)
                .map_err(|e| e.in_layer(field, layer.type_name()))
        };
        let forward = run("forward_layer", &self.forward_layer)?;
        let backward = run("backward_layer", &self.backward_layer)?;
        self.merge(forward, backward, None)
    }
}

impl<L: Layer> Bidirectional<L> {
    /// Merges the two outputs: the backward one back in time order with
    /// `return_sequences`, and then, with a mask, zeros at the masked steps of both (Keras
    /// sets `zero_output_for_mask` on the wrapped layers when they return sequences).
    fn merge(
        &self,
        forward: Tensor,
        mut backward: Tensor,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        let (_, sequences) = direction(&self.backward_layer)?;
        let mut forward = forward;
        if sequences {
            // Back in time order: step t of both halves then saw x_t.
            let time = backward.shape()[1];
            let reversed: Vec<usize> = (0..time).rev().collect();
            backward = backward.try_index_select(1, &reversed)?;
            if let Some(mask) = mask {
                let keep = mask.try_unsqueeze(-1)?;
                forward = keep.try_select(&forward, 0.0)?;
                backward = keep.try_select(&backward, 0.0)?;
            }
        }
        Ok(self.merge_mode.merge(forward, backward))
    }

    /// The `#[layer(masking = …)]` of the layer: both layers with the mask, then the
    /// merge; the mask goes on with `return_sequences`.
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        self.validate_config()
            .map_err(|e| e.in_layer(self.display_name(), "Bidirectional"))?;
        let run = |field: &str, layer: &L| {
            layer
                .forward_masked(x, Some(mask))
                .map(|(y, _)| y)
                .map_err(|e| e.in_layer(field, layer.type_name()))
        };
        let forward = run("forward_layer", &self.forward_layer)?;
        let backward = run("backward_layer", &self.backward_layer)?;
        let (_, sequences) = direction(&self.backward_layer)?;
        let y = self.merge(forward, backward, Some(mask))?;
        Ok((y, sequences.then(|| mask.clone())))
    }
}

/// Keras's `Bidirectional` with `initial_state` and `return_state`: the initial states are
/// the forward layer's then the backward layer's (half each), and so are the states
/// returned.
impl<L: Recurrent> Recurrent for Bidirectional<L> {
    fn call_masked(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Vec<Tensor>)> {
        let name = self.display_name();
        let in_layer = |e: Error| e.in_layer(name.clone(), "Bidirectional");
        self.validate_config().map_err(in_layer)?;
        let (forward_state, backward_state) = match initial_state {
            Some(states) if states.len() % 2 == 1 => {
                return Err(in_layer(Error::invalid(
                    "recurrent layer",
                    format!(
                        "a Bidirectional takes the forward layer's initial states then the \
                         backward layer's, an even number, but {} were given",
                        states.len()
                    ),
                )));
            }
            Some(states) => {
                let (f, b) = states.split_at(states.len() / 2);
                (Some(f), Some(b))
            }
            None => (None, None),
        };
        let run = |field: &str, layer: &L, state| {
            layer
                .call_masked(x, state, mask)
                .map_err(|e| in_layer(renamed(e, &layer.display_name(), field.to_string())))
        };
        let (forward, mut states) = run("forward_layer", &self.forward_layer, forward_state)?;
        let (backward, backward_states) =
            run("backward_layer", &self.backward_layer, backward_state)?;
        states.extend(backward_states);
        let y = self.merge(forward, backward, mask).map_err(in_layer)?;
        Ok((y, states))
    }
}
