//! `Rnn`: a recurrent layer over any [`Cell`], as Keras's `RNN(cell)`.

use super::cell::{Cell, run_cell};
use crate::Layer;
use crate::error::Result;
use crate::layer::TryCall;
use crate::tensor::Tensor;

/// Keras's `RNN(cell)`: runs `cell` over a sequence `(batch, time, features)` from zero
/// states; the last step's output `(batch, output_size)`, or every step's
/// `(batch, time, output_size)` with `return_sequences`.
///
/// The cell's weights nest under `cell` (`cell.kernel`, …). To save and load a model with
/// an `Rnn` over a cell of your own, register it once: `register_layer!(Rnn<MyCell>)` (the
/// class name `Rnn` is one type per program). The cell registers itself. [`SimpleRnn`](super::SimpleRnn),
/// [`Lstm`](super::Lstm) and [`Gru`](super::Gru) are this loop over the built-in cells,
/// with Keras's flat arguments. A cell with a fused sequence op
/// ([`Cell::fused_sequence`]: the built-in LSTM and GRU cells with their default
/// activations) runs as that one op rather than a graph node per step.
///
/// # Errors
///
/// An input that is not `(batch, time, features)`, or a feature count other than the one
/// the cell was built for, is an error naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{GruCell, Rnn};
/// use layers_core::prelude::*;
/// let rnn = Rnn::new(GruCell::new(3)).return_sequences(true);
/// let y = rnn.try_apply(&Tensor::ones(&[2, 4, 5]))?;
/// assert_eq!(y.shape(), &[2, 4, 3]);
///
/// let err = rnn.try_apply(&Tensor::ones(&[2, 4, 6])).unwrap_err(); // 6 features, not 5
/// assert!(err.to_string().contains("kernel"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, T, IN], masking = Self::masked)]
pub struct Rnn<C: Cell> {
    /// The cell run at each step.
    #[layer]
    pub cell: C,
    /// Whether to return every step's output `(batch, time, output_size)` rather than the
    /// last.
    #[config(default = false)]
    pub return_sequences: bool,
    /// Whether to read the sequence from its last step to its first (the outputs come in
    /// that order too, as in Keras).
    #[config(default = false)]
    pub go_backwards: bool,
}

impl<C: Cell> TryCall for Rnn<C> {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        if let Some(y) = self
            .cell
            .fused_sequence(x, self.go_backwards, self.return_sequences)
        {
            return y;
        }
        Ok(run_cell(&self.cell, x, None, self.go_backwards)?.output(self.return_sequences))
    }
}
