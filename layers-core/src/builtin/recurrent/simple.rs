//! `SimpleRNN`: Keras's fully connected recurrent layer, `h' = activation(x·W + h·U + b)`,
//! the layer and its cell.

use super::agree::check_cell_agrees;
use super::cell::{Cell, check_config, run_cell};
use crate::Layer;
use crate::activation::{Activation, Tanh};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::weight::Weight;

/// The cell of [`SimpleRnn`]: `h' = activation(x·kernel + h·recurrent_kernel + bias)`,
/// one state `h` of `units` features, which is also the output.
///
/// Weights as Keras 3: `kernel` `(features, units)`, `recurrent_kernel` `(units, units)`,
/// `bias` `(units,)`. Its forward pass is `x·kernel + bias` for all time steps at once
/// (see [`Cell`]).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{Rnn, SimpleRnnCell};
/// use layers_core::prelude::*;
/// let mut rnn = Rnn::new(SimpleRnnCell::new(4));
/// assert_eq!(rnn.build([7, 3])?, vec![4]); // (time, features) → (units,)
/// assert_eq!(rnn.count_params()?, 3 * 4 + 4 * 4 + 4);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(name = "SimpleRNNCell", validate = Self::validate_config)]
pub struct SimpleRnnCell {
    /// The number of features of the state and the output.
    pub units: usize,
    /// Applied to the new state; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
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
    /// A penalty on the kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub kernel_regularizer: Option<Regularizer>,
    /// A penalty on the recurrent kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub recurrent_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the kernel after each update; none by default.
    #[config(default = None)]
    pub kernel_constraint: Option<Constraint>,
    /// Projects the recurrent kernel after each update; none by default.
    #[config(default = None)]
    pub recurrent_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// The `(features, units)` input kernel.
    #[weight(
        shape = [input[-1], units],
        init = kernel_initializer.clone(),
        regularizer = kernel_regularizer.clone(),
        constraint = kernel_constraint.clone()
    )]
    pub kernel: Weight,
    /// The `(units, units)` recurrent kernel.
    #[weight(
        shape = [units, units],
        init = recurrent_initializer.clone(),
        regularizer = recurrent_regularizer.clone(),
        constraint = recurrent_constraint.clone()
    )]
    pub recurrent_kernel: Weight,
    /// The `(units,)` bias, present when `use_bias`.
    #[weight(
        shape = [units],
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

impl SimpleRnnCell {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            1,
            &[&self.activation],
            &[
                ("kernel_initializer", &self.kernel_initializer),
                ("recurrent_initializer", &self.recurrent_initializer),
                ("bias_initializer", &self.bias_initializer),
            ],
        )
    }
}

impl TryCall for SimpleRnnCell {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_matmul(&self.kernel)?;
        Ok(if self.use_bias { y + &self.bias } else { y })
    }
}

impl Cell for SimpleRnnCell {
    fn state_sizes(&self) -> Vec<usize> {
        vec![self.units]
    }

    fn step(&self, x_t: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let h = self
            .activation
            .apply(&(x_t + state[0].matmul(&self.recurrent_kernel)));
        (h.clone(), vec![h])
    }
}

/// Keras's `SimpleRNN`: a fully connected recurrent layer over `(batch, time, features)`,
/// `h_t = activation(x_t·kernel + h_{t−1}·recurrent_kernel + bias)` from `h_0 = 0`; the last
/// `h` `(batch, units)`, or every step's `(batch, time, units)` with `return_sequences`.
///
/// An [`Rnn`](super::Rnn) over a [`SimpleRnnCell`] with Keras's flat arguments and
/// defaults (`tanh`, a bias, `glorot_uniform`, `orthogonal`, `zeros`); the weights are the
/// cell's, at `cell.kernel`, `cell.recurrent_kernel`, `cell.bias` (Keras 3's
/// `simple_rnn/simple_rnn_cell/…`, same shapes and order). `go_backwards` reads the
/// sequence last step first (and returns the outputs in that order, as Keras does).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::SimpleRnn;
/// use layers_core::prelude::*;
/// let mut rnn = SimpleRnn::new(8).return_sequences(true);
/// assert_eq!(rnn.build([5, 3])?, vec![5, 8]);
/// assert_eq!(rnn.count_params()?, 3 * 8 + 8 * 8 + 8);
/// let paths: Vec<String> = rnn.all_weights().into_iter().map(|(p, _)| p).collect();
/// assert_eq!(paths, ["cell.kernel", "cell.recurrent_kernel", "cell.bias"]);
///
/// let err = SimpleRnn::new(8).try_apply(&Tensor::ones(&[2, 3])).unwrap_err();
/// assert!(err.to_string().starts_with("layer `simple_rnn` (SimpleRNN)"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "SimpleRNN",
    input = [B, T, IN],
    validate = Self::validate_config,
    masking = Self::masked
)]
pub struct SimpleRnn {
    /// The number of features of the state and the output.
    pub units: usize,
    /// Applied to the new state; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
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
    /// A penalty on the kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub kernel_regularizer: Option<Regularizer>,
    /// A penalty on the recurrent kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub recurrent_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the kernel after each update; none by default.
    #[config(default = None)]
    pub kernel_constraint: Option<Constraint>,
    /// Projects the recurrent kernel after each update; none by default.
    #[config(default = None)]
    pub recurrent_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// Whether to return every step's output `(batch, time, units)` rather than the last.
    #[config(default = false)]
    pub return_sequences: bool,
    /// Whether to read the sequence from its last step to its first.
    #[config(default = false)]
    pub go_backwards: bool,
    /// The cell, made from the config above by `new` and the builder methods. It computes,
    /// so it must agree with the fields above: a field assigned directly (not through its
    /// builder method) without the cell's is refused when the layer is built or called.
    #[layer(init = SimpleRnnCell::new(units)
        .activation(activation)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer)
        .recurrent_initializer(recurrent_initializer)
        .bias_initializer(bias_initializer)
        .kernel_regularizer(kernel_regularizer)
        .recurrent_regularizer(recurrent_regularizer)
        .bias_regularizer(bias_regularizer)
        .kernel_constraint(kernel_constraint)
        .recurrent_constraint(recurrent_constraint)
        .bias_constraint(bias_constraint))]
    pub cell: SimpleRnnCell,
}

impl SimpleRnn {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            1,
            &[&self.activation],
            &[
                ("kernel_initializer", &self.kernel_initializer),
                ("recurrent_initializer", &self.recurrent_initializer),
                ("bias_initializer", &self.bias_initializer),
            ],
        )?;
        check_cell_agrees!(
            self,
            self.cell,
            [
                activation,
                bias_constraint,
                bias_initializer,
                bias_regularizer,
                kernel_constraint,
                kernel_initializer,
                kernel_regularizer,
                recurrent_constraint,
                recurrent_initializer,
                recurrent_regularizer,
                units,
                use_bias,
            ]
        )
    }
}

impl TryCall for SimpleRnn {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        Ok(run_cell(&self.cell, x, None, self.go_backwards)?.output(self.return_sequences))
    }
}
