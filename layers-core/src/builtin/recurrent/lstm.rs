//! `LSTM`: Keras's long short-term memory layer, and its cell.

use ndarray::{Axis, Slice};

use super::cell::{Cell, check_config, run_cell};
use crate::Layer;
use crate::activation::{Activation, Sigmoid, Tanh};
use crate::error::Result;
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::tensor::Tensor;
use crate::weight::Weight;

/// The cell of [`Lstm`]: states `[h, c]` of `units` features each; the output is `h`.
///
/// With `z = x·kernel + h·recurrent_kernel + bias` cut into four blocks of `units` in
/// Keras's order input, forget, cell, output: `i = σ(z_i)`, `f = σ(z_f)`,
/// `g = activation(z_c)`, `o = σ(z_o)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ activation(c')`
/// (`σ` is `recurrent_activation`). Weights as Keras 3: `kernel` `(features, 4·units)`,
/// `recurrent_kernel` `(units, 4·units)`, `bias` `(4·units,)`; with `unit_forget_bias` (the
/// default) the forget block of the bias starts at 1.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{Cell, LstmCell, Rnn};
/// use layers_core::prelude::*;
/// let rnn = Rnn::new(LstmCell::new(2));
/// rnn.try_apply(&Tensor::ones(&[1, 3, 5]))?;
/// assert_eq!(rnn.cell.bias.value().to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
/// assert_eq!(rnn.cell.state_sizes(), vec![2, 2]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(name = "LSTMCell", validate = Self::validate_config)]
pub struct LstmCell {
    /// The number of features of each state and of the output.
    pub units: usize,
    /// Applied to the candidate and to the new cell state; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
    /// Applied to the input, forget and output gates; `sigmoid` by default.
    #[config(default = Activation::new(Sigmoid))]
    pub recurrent_activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the recurrent kernel; `orthogonal` by default.
    #[config(default = Initializer::orthogonal())]
    pub recurrent_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// Whether the forget block of the bias starts at 1 (Keras's default, `true`).
    #[config(default = true)]
    pub unit_forget_bias: bool,
    /// The `(features, 4·units)` input kernel.
    #[weight(shape = [input[-1], 4 * units], init = kernel_initializer.clone())]
    pub kernel: Weight,
    /// The `(units, 4·units)` recurrent kernel.
    #[weight(shape = [units, 4 * units], init = recurrent_initializer.clone())]
    pub recurrent_kernel: Weight,
    /// The `(4·units,)` bias, present when `use_bias`.
    #[weight(shape = [4 * units], init = bias_initializer.clone(), enabled = use_bias)]
    pub bias: Weight,
}

impl LstmCell {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            &[&self.activation, &self.recurrent_activation],
            &[
                ("kernel_initializer", &self.kernel_initializer),
                ("recurrent_initializer", &self.recurrent_initializer),
                ("bias_initializer", &self.bias_initializer),
            ],
        )
    }
}

impl TryCall for LstmCell {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_matmul(&self.kernel)?;
        Ok(if self.use_bias { y + &self.bias } else { y })
    }
}

impl Cell for LstmCell {
    fn state_sizes(&self) -> Vec<usize> {
        vec![self.units, self.units]
    }

    fn step(&self, x_t: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let (h, c) = (&state[0], &state[1]);
        let z = x_t + h.matmul(&self.recurrent_kernel);
        let gates = z.chunk(4, -1);
        let i = self.recurrent_activation.apply(&gates[0]);
        let f = self.recurrent_activation.apply(&gates[1]);
        let g = self.activation.apply(&gates[2]);
        let o = self.recurrent_activation.apply(&gates[3]);
        let c = f * c + i * g;
        let h = o * self.activation.apply(&c);
        (h.clone(), vec![h, c])
    }

    fn after_build(&self) -> Result<()> {
        if self.use_bias && self.unit_forget_bias {
            // Keras: bias_initializer for the input block, ones for the forget block,
            // bias_initializer for the other two.
            let u = self.units;
            self.bias.update(|b| {
                b.slice_axis_mut(Axis(0), Slice::from(u..2 * u)).fill(1.0);
            });
        }
        Ok(())
    }
}

/// Keras's `LSTM`: long short-term memory over `(batch, time, features)`, from zero states;
/// the last `h` `(batch, units)`, or every step's `(batch, time, units)` with
/// `return_sequences`.
///
/// An [`Rnn`](super::Rnn) over an [`LstmCell`] (see it for the formulas) with Keras's flat
/// arguments and defaults: `tanh`, `sigmoid`, a bias, `glorot_uniform`, `orthogonal`,
/// `zeros`, `unit_forget_bias`. The weights are the cell's: `cell.kernel`
/// `(features, 4·units)`, `cell.recurrent_kernel` `(units, 4·units)`, `cell.bias`
/// `(4·units,)`, Keras 3's shapes and order, so Keras weights load unchanged.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Lstm;
/// use layers_core::prelude::*;
/// let mut lstm = Lstm::new(16);
/// assert_eq!(lstm.build([8, 8])?, vec![16]);
/// assert_eq!(lstm.count_params()?, 4 * (8 * 16 + 16 * 16 + 16));
/// assert_eq!(lstm.config()["recurrent_activation"], "sigmoid");
///
/// let mut seq = Lstm::new(4).return_sequences(true).go_backwards(true);
/// assert_eq!(seq.build([8, 3])?, vec![8, 4]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(name = "LSTM", input = [B, T, IN], validate = Self::validate_config)]
pub struct Lstm {
    /// The number of features of each state and of the output.
    pub units: usize,
    /// Applied to the candidate and to the new cell state; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
    /// Applied to the input, forget and output gates; `sigmoid` by default.
    #[config(default = Activation::new(Sigmoid))]
    pub recurrent_activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the recurrent kernel; `orthogonal` by default.
    #[config(default = Initializer::orthogonal())]
    pub recurrent_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// Whether the forget block of the bias starts at 1 (Keras's default, `true`).
    #[config(default = true)]
    pub unit_forget_bias: bool,
    /// Whether to return every step's output `(batch, time, units)` rather than the last.
    #[config(default = false)]
    pub return_sequences: bool,
    /// Whether to read the sequence from its last step to its first.
    #[config(default = false)]
    pub go_backwards: bool,
    /// The cell, made from the config above.
    #[layer(init = LstmCell::new(units)
        .activation(activation)
        .recurrent_activation(recurrent_activation)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer)
        .recurrent_initializer(recurrent_initializer)
        .bias_initializer(bias_initializer)
        .unit_forget_bias(unit_forget_bias))]
    pub cell: LstmCell,
}

impl Lstm {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            &[&self.activation, &self.recurrent_activation],
            &[
                ("kernel_initializer", &self.kernel_initializer),
                ("recurrent_initializer", &self.recurrent_initializer),
                ("bias_initializer", &self.bias_initializer),
            ],
        )
    }
}

impl TryCall for Lstm {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        Ok(run_cell(&self.cell, x, None, self.go_backwards)?.output(self.return_sequences))
    }
}
