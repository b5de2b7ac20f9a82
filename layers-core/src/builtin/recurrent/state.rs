//! [`Recurrent`]: a recurrent layer run from given initial states, returning its final
//! states too (Keras's `initial_state` and `return_state`), and with Keras's mask.

use super::cell::{Cell, StepMask, check_mask, check_states, run_masked, sequence_shape};
use crate::error::{Error, Result};
use crate::layer::{Layer, LayerExt, Named, catching, undoing_builds};
use crate::tensor::Tensor;

/// A recurrent layer's call with Keras's `initial_state`, `return_state` and `mask`:
/// [`SimpleRnn`](super::SimpleRnn), [`Lstm`](super::Lstm), [`Gru`](super::Gru),
/// [`Rnn`](super::Rnn) and [`Bidirectional`](super::Bidirectional) of one of them.
///
/// [`call_with_state`](Recurrent::call_with_state) returns what Keras's
/// `layer(x, initial_state=…)` with `return_state=True` returns, `[output, *states]`, as
/// `(output, states)`: the output as the layer's `forward` gives it (last step, or every
/// step with `return_sequences`), and the states after the last step (`[h]` for SimpleRNN
/// and GRU, `[h, c]` for LSTM; a `Bidirectional`'s forward states then its backward ones).
/// Gradients flow to the input, the weights and the initial states. This is how an
/// encoder hands its state to a decoder in a layer of your own:
///
/// ```
/// use layers_core::prelude::*;
///
/// /// Encodes the first 3 steps, decodes the last 2 from the encoder's state.
/// #[derive(Layer)]
/// struct Seq2Seq {
///     #[layer(init = Lstm::new(8))]
///     encoder: Lstm,
///     #[layer(init = Lstm::new(8).return_sequences(true))]
///     decoder: Lstm,
/// }
///
/// impl TryCall for Seq2Seq {
///     fn try_call(&self, x: &Tensor) -> layers_core::Result<Tensor> {
///         let (_, states) = self.encoder.call_with_state(&x.narrow(1, 0, 3), None)?;
///         let (y, _) = self.decoder.call_with_state(&x.narrow(1, 3, 2), Some(&states))?;
///         Ok(y)
///     }
/// }
///
/// let mut model = Sequential::new().add(Seq2Seq::new()).add(Dense::new(2));
/// assert_eq!(model.build([5, 4])?, vec![2, 2]);
///
/// let lstm = Lstm::new(3);
/// let (y, states) = lstm.call_with_state(&Tensor::ones(&[2, 4, 5]), None)?;
/// assert_eq!((y.shape(), states.len()), (&[2, 3][..], 2)); // [h, c]
/// assert_eq!(y.to_vec(), states[0].to_vec()); // h is the last output
///
/// // States of the wrong shape are an error naming the layer and both shapes.
/// let wrong = [Tensor::zeros(&[2, 4]), Tensor::zeros(&[2, 3])];
/// let err = lstm.call_with_state(&Tensor::ones(&[2, 4, 5]), Some(&wrong)).unwrap_err();
/// assert!(err.to_string().contains("`lstm`"), "{err}");
/// let expected = "`initial_state` expected a (2, 3) state, (batch, units), as state 0 of 2 \
///                 but found shape [2, 4]";
/// assert!(err.to_string().contains(expected), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Recurrent: Layer {
    /// The layer over `x` `(batch, time, features)` from `initial_state` (zeros when
    /// `None`), with Keras's `mask` `(batch, time)` (1 for a real step) when given:
    /// `(output, final states)`. A masked step keeps the states and repeats the previous
    /// output, as Keras 3.
    ///
    /// # Errors
    ///
    /// Naming the layer: the errors of its forward pass, initial states of the wrong
    /// number or shape (`(batch, size)` each), a mask that is not `(batch, time)` of 0
    /// and 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Gru, Recurrent};
    /// use layers_core::prelude::*;
    /// let gru = Gru::new(2).return_sequences(true);
    /// let x = Tensor::ones(&[1, 3, 4]);
    /// let mask = Tensor::from_vec(vec![1.0, 1.0, 0.0], &[1, 3]);
    /// let (y, states) = gru.call_masked(&x, None, Some(&mask))?;
    /// let y = y.to_vec();
    /// assert_eq!(y[4..6], y[2..4]); // the masked step repeats the previous output
    /// assert_eq!(states[0].to_vec(), y[2..4]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn call_masked(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Vec<Tensor>)>;

    /// [`call_masked`](Recurrent::call_masked) without a mask: Keras's
    /// `layer(x, initial_state=…)` with `return_state=True`.
    ///
    /// # Errors
    ///
    /// As [`call_masked`](Recurrent::call_masked).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Recurrent, SimpleRnn};
    /// use layers_core::prelude::*;
    /// let rnn = SimpleRnn::new(2);
    /// let h0 = Tensor::ones(&[1, 2]);
    /// let (y, states) = rnn.call_with_state(&Tensor::ones(&[1, 3, 4]), Some(&[h0]))?;
    /// assert_eq!(y.to_vec(), states[0].to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn call_with_state(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
    ) -> Result<(Tensor, Vec<Tensor>)> {
        self.call_masked(x, initial_state, None)
    }
}

/// A named recurrent layer: the inner layer's call, its errors under the given name.
impl<L: Recurrent> Recurrent for Named<L> {
    fn call_masked(
        &self,
        x: &Tensor,
        initial_state: Option<&[Tensor]>,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Vec<Tensor>)> {
        let inner: &L = self;
        inner
            .call_masked(x, initial_state, mask)
            .map_err(|e| renamed(e, &inner.display_name(), self.display_name()))
    }
}

/// `e`, which names the layer `from` first (as [`Recurrent::call_masked`]'s errors do),
/// naming it `to` instead.
pub(crate) fn renamed(e: Error, from: &str, to: String) -> Error {
    match e {
        Error::Layer {
            layer,
            type_name,
            cause,
        } if layer == from => Error::Layer {
            layer: to,
            type_name,
            cause,
        },
        Error::Layer {
            layer,
            type_name,
            cause,
        } if layer.starts_with(&format!("{from}.")) => Error::Layer {
            layer: format!("{to}{}", &layer[from.len()..]),
            type_name,
            cause,
        },
        e => e,
    }
}

/// How one recurrent layer over a cell runs with states and a mask.
pub(crate) struct Run<'a> {
    pub initial_state: Option<&'a [Tensor]>,
    pub mask: Option<&'a Tensor>,
    pub go_backwards: bool,
    pub return_sequences: bool,
}

/// `layer` (holding `cell`) over `x` as `run` says: `(output, final states)`. A panic in
/// the cell is an error, the weights built by a failed call are unbuilt again, and every
/// error names the layer.
pub(crate) fn run_layer<L: Layer, C: Cell>(
    layer: &L,
    cell: &C,
    x: &Tensor,
    run: Run,
) -> Result<(Tensor, Vec<Tensor>)> {
    let named = |e: Error| e.in_layer(layer.display_name(), layer.type_name());
    // The caller's arguments first, so that their errors say what was wrong with them.
    let [batch, time, _] = sequence_shape(x).map_err(named)?;
    if let Some(states) = run.initial_state {
        check_states("initial_state", states, &cell.state_sizes(), batch).map_err(named)?;
    }
    if let Some(mask) = run.mask {
        check_mask(mask, batch, time).map_err(named)?;
    }
    let go = || {
        catching(x, || {
            let mask = run.mask.map(|mask| StepMask {
                mask,
                zero_output: false,
            });
            let done = run_masked(
                cell,
                x,
                run.initial_state.map(<[Tensor]>::to_vec),
                mask,
                run.go_backwards,
            )?;
            Ok((done.output(run.return_sequences), done.states))
        })
    };
    undoing_builds(layer.as_dyn(), go)
        .map_err(|e| e.in_layer(layer.display_name(), layer.type_name()))
}

/// The `forward_masked` of a recurrent layer: its output with `mask`, and the mask for the
/// next layer, the same with `return_sequences` (Keras's `compute_mask`), none otherwise.
pub(crate) fn masked<L: Recurrent>(
    layer: &L,
    x: &Tensor,
    mask: Option<&Tensor>,
    return_sequences: bool,
) -> Result<(Tensor, Option<Tensor>)> {
    let Some(mask) = mask else {
        // No mask: the plain forward pass (the fused op where there is one).
        return Ok((layer.forward(x)?, None));
    };
    let (y, _) = layer.call_masked(x, None, Some(mask))?;
    Ok((y, return_sequences.then(|| mask.clone())))
}

/// `Recurrent` and the masked forward pass of a layer with a `cell`, `go_backwards` and
/// `return_sequences`.
macro_rules! recurrent_layer {
    ($(impl[$($generics:tt)*] $ty:ty;)*) => {$(
        impl<$($generics)*> Recurrent for $ty {
            fn call_masked(
                &self,
                x: &Tensor,
                initial_state: Option<&[Tensor]>,
                mask: Option<&Tensor>,
            ) -> Result<(Tensor, Vec<Tensor>)> {
                let run = Run {
                    initial_state,
                    mask,
                    go_backwards: self.go_backwards,
                    return_sequences: self.return_sequences,
                };
                run_layer(self, &self.cell, x, run)
            }
        }

        impl<$($generics)*> $ty {
            /// The `#[layer(masking = …)]` of the layer.
            pub(super) fn masked(
                &self,
                x: &Tensor,
                mask: Option<&Tensor>,
            ) -> Result<(Tensor, Option<Tensor>)> {
                masked(self, x, mask, self.return_sequences)
            }
        }
    )*};
}

recurrent_layer! {
    impl[] super::SimpleRnn;
    impl[] super::Lstm;
    impl[] super::Gru;
    impl[C: Cell] super::Rnn<C>;
}
