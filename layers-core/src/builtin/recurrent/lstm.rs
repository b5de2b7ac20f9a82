//! `LSTM`: Keras's long short-term memory layer, and its cell.

use ndarray::{Axis, Slice};

use super::agree::check_cell_agrees;
use super::cell::{Cell, check_config, checked_rows, run_cell};
use crate::Layer;
use crate::activation::{Activation, Sigmoid, Tanh};
use crate::constraints::Constraint;
use crate::error::Result;
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::regularizers::Regularizer;
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
    /// Whether the forget block of the bias starts at 1 (Keras's default, `true`).
    #[config(default = true)]
    pub unit_forget_bias: bool,
    /// The `(features, 4·units)` input kernel.
    #[weight(
        shape = [input[-1], 4 * units],
        init = kernel_initializer.clone(),
        regularizer = kernel_regularizer.clone(),
        constraint = kernel_constraint.clone()
    )]
    pub kernel: Weight,
    /// The `(units, 4·units)` recurrent kernel.
    #[weight(
        shape = [units, 4 * units],
        init = recurrent_initializer.clone(),
        regularizer = recurrent_regularizer.clone(),
        constraint = recurrent_constraint.clone()
    )]
    pub recurrent_kernel: Weight,
    /// The `(4·units,)` bias, present when `use_bias`.
    #[weight(
        shape = [4 * units],
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

impl LstmCell {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            4,
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
    fn fused_sequence(
        &self,
        x: &Tensor,
        go_backwards: bool,
        return_sequences: bool,
    ) -> Option<Result<Tensor>> {
        self.fusable()
            .then(|| fused(self, x, go_backwards, return_sequences))
    }

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
#[layer(
    name = "LSTM",
    input = [B, T, IN],
    validate = Self::validate_config,
    masking = Self::masked
)]
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
    /// Whether the forget block of the bias starts at 1 (Keras's default, `true`).
    #[config(default = true)]
    pub unit_forget_bias: bool,
    /// Whether to return every step's output `(batch, time, units)` rather than the last.
    #[config(default = false)]
    pub return_sequences: bool,
    /// Whether to read the sequence from its last step to its first.
    #[config(default = false)]
    pub go_backwards: bool,
    /// The cell, made from the config above by `new` and the builder methods. It computes,
    /// so it must agree with the fields above: a field assigned directly (not through its
    /// builder method) without the cell's is refused when the layer is built or called.
    #[layer(init = LstmCell::new(units)
        .activation(activation)
        .recurrent_activation(recurrent_activation)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer)
        .recurrent_initializer(recurrent_initializer)
        .bias_initializer(bias_initializer)
        .kernel_regularizer(kernel_regularizer)
        .recurrent_regularizer(recurrent_regularizer)
        .bias_regularizer(bias_regularizer)
        .kernel_constraint(kernel_constraint)
        .recurrent_constraint(recurrent_constraint)
        .bias_constraint(bias_constraint)
        .unit_forget_bias(unit_forget_bias))]
    pub cell: LstmCell,
}

impl Lstm {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            4,
            &[&self.activation, &self.recurrent_activation],
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
                recurrent_activation,
                recurrent_constraint,
                recurrent_initializer,
                recurrent_regularizer,
                unit_forget_bias,
                units,
                use_bias,
            ]
        )
    }
}

impl TryCall for Lstm {
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

impl LstmCell {
    /// Whether the fused sequence op computes this cell: Keras's default activations.
    fn fusable(&self) -> bool {
        self.activation.name() == "tanh" && self.recurrent_activation.name() == "sigmoid"
    }
}

/// The layer's output as [`run_cell`] computes it, as one fused op over the sequence
/// (`Tensor::try_lstm_sequence`): `x·kernel` for all steps in one product, then the
/// recurrence.
fn fused(
    cell: &LstmCell,
    x: &Tensor,
    go_backwards: bool,
    return_sequences: bool,
) -> Result<Tensor> {
    let flat = checked_rows(cell, x)?;
    let (batch, time) = (x.shape()[0], x.shape()[1]);
    let xw =
        flat.try_matmul(&cell.kernel.try_value()?)?
            .try_reshape(&[batch, time, 4 * cell.units])?;
    let bias = if cell.use_bias {
        Some(cell.bias.try_value()?)
    } else {
        None
    };
    xw.try_lstm_sequence(
        &cell.recurrent_kernel.try_value()?,
        bias.as_ref(),
        None,
        go_backwards,
        return_sequences,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtin::Bidirectional;
    use crate::prelude::*;
    use crate::tensor::recurrent::testing::{assert_close, filled};

    /// The fused layer and the per-step graph of `run_cell`, same weights and input: the
    /// same outputs and the same gradients for the input and every weight.
    #[test]
    fn fused_lstm_matches_the_per_step_path() {
        // Sizes that are not multiples of a vector width, to reach every remainder loop.
        let (batch, time, features, units) = (3, 5, 4, 7);
        for use_bias in [true, false] {
            for backwards in [false, true] {
                for sequences in [false, true] {
                    let lstm = Lstm::new(units)
                        .use_bias(use_bias)
                        .go_backwards(backwards)
                        .return_sequences(sequences);
                    let x = filled(&[batch, time, features], 9, 3.0).into_variable();
                    lstm.try_apply(&x).unwrap(); // builds
                    assert!(lstm.cell.fusable());
                    // Larger recurrent weights than the orthogonal start, to reach the
                    // gates' saturated ends as well.
                    lstm.cell
                        .recurrent_kernel
                        .set_value(filled(&[units, 4 * units], 3, 2.0))
                        .unwrap();
                    if use_bias {
                        lstm.cell
                            .bias
                            .set_value(filled(&[4 * units], 6, 1.0))
                            .unwrap();
                    }
                    let fused = lstm.try_apply(&x).unwrap();
                    let plain = run_cell(&lstm.cell, &x, None, backwards)
                        .unwrap()
                        .output(sequences);
                    assert_close("output", &fused, &plain);
                    let c = filled(fused.shape(), 5, 2.0);
                    let (gf, gp) = (fused.backward_with(&c), plain.backward_with(&c));
                    assert_close("x", gf.get(&x).unwrap(), gp.get(&x).unwrap());
                    for (path, w) in lstm.all_weights() {
                        assert_close(&path, w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
                    }
                }
            }
        }
    }

    #[test]
    fn fused_op_with_initial_states_matches_run_cell() {
        let (batch, time, features, units) = (2, 4, 3, 5);
        let cell = LstmCell::new(units);
        let x = filled(&[batch, time, features], 1, 2.0);
        run_cell(&cell, &x, None, false).unwrap(); // builds
        let h0 = filled(&[batch, units], 2, 1.0).into_variable();
        let c0 = filled(&[batch, units], 3, 1.0).into_variable();
        for backwards in [false, true] {
            let plain = run_cell(&cell, &x, Some(vec![h0.clone(), c0.clone()]), backwards)
                .unwrap()
                .output(true);
            let xw = x
                .reshape(&[batch * time, features])
                .matmul(&cell.kernel)
                .reshape(&[batch, time, 4 * units]);
            let fused = xw
                .try_lstm_sequence(
                    &cell.recurrent_kernel.value(),
                    Some(&cell.bias.value()),
                    Some((&h0, &c0)),
                    backwards,
                    true,
                )
                .unwrap();
            assert_close("output", &fused, &plain);
            let c = filled(fused.shape(), 7, 2.0);
            let (gf, gp) = (fused.backward_with(&c), plain.backward_with(&c));
            for t in [&h0, &c0] {
                assert_close("initial state", gf.get(t).unwrap(), gp.get(t).unwrap());
            }
            for (path, w) in cell.all_weights() {
                assert_close(&path, w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
            }
        }
    }

    /// `Rnn` over the built-in cells takes their fused op too (one recorded op for the
    /// sequence), with the values and gradients of the per-step loop.
    #[test]
    fn rnn_over_builtin_cells_takes_the_fused_op() {
        use crate::builtin::{GruCell, Rnn};
        use crate::tensor::graph::Node;
        use crate::tensor::op::Op;
        let x = filled(&[3, 5, 4], 1, 2.0).into_variable();
        let lstm = Rnn::new(LstmCell::new(6)).return_sequences(true);
        let gru = Rnn::new(GruCell::new(6)).return_sequences(true);
        let (yl, yg) = (lstm.try_apply(&x).unwrap(), gru.try_apply(&x).unwrap());
        assert!(matches!(&yl.0.node, Node::Op(Op::LstmSequence(_))));
        assert!(matches!(&yg.0.node, Node::Op(Op::GruSequence(_))));
        let c = filled(yl.shape(), 7, 2.0);
        for (y, plain, weights) in [
            (
                &yl,
                run_cell(&lstm.cell, &x, None, false).unwrap().output(true),
                lstm.cell.all_weights(),
            ),
            (
                &yg,
                run_cell(&gru.cell, &x, None, false).unwrap().output(true),
                gru.cell.all_weights(),
            ),
        ] {
            assert_close("output", y, &plain);
            let (gf, gp) = (y.backward_with(&c), plain.backward_with(&c));
            assert_close("x", gf.get(&x).unwrap(), gp.get(&x).unwrap());
            for (path, w) in weights {
                assert_close(&path, w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
            }
        }
        // A cell with other activations keeps the per-step loop.
        let relu = Rnn::new(LstmCell::new(6).activation("relu"));
        let y = relu.try_apply(&x).unwrap();
        assert!(!matches!(&y.0.node, Node::Op(Op::LstmSequence(_))));
    }

    /// The mask flow costs an unmasked model nothing: in a `Sequential` without a mask
    /// the LSTM and GRU still run as their one fused op; with `Masking` first they run the
    /// masked per-step loop.
    #[test]
    fn unmasked_models_keep_the_fused_op() {
        use crate::builtin::Masking;
        use crate::tensor::graph::Node;
        use crate::tensor::op::Op;
        let x = filled(&[2, 4, 3], 1, 2.0);
        let plain = Sequential::new().add(Lstm::new(3));
        let y = plain.forward(&x).unwrap();
        assert!(matches!(&y.0.node, Node::Op(Op::LstmSequence(_))));
        let gru = Sequential::new().add(crate::builtin::Gru::new(3));
        let y = gru.forward(&x).unwrap();
        assert!(matches!(&y.0.node, Node::Op(Op::GruSequence(_))));
        let masked = Sequential::new().add(Masking::new(0.0)).add(Lstm::new(3));
        let y = masked.forward(&x).unwrap();
        assert!(!matches!(&y.0.node, Node::Op(Op::LstmSequence(_))));
    }

    #[test]
    fn other_activations_take_the_per_step_path() {
        let lstm = Lstm::new(3).activation("relu").return_sequences(true);
        assert!(!lstm.cell.fusable());
        let x = filled(&[2, 4, 3], 4, 2.0);
        let y = lstm.try_apply(&x).unwrap();
        assert_close(
            "output",
            &y,
            &run_cell(&lstm.cell, &x, None, false).unwrap().output(true),
        );
    }

    #[test]
    fn fused_path_keeps_the_errors_of_run_cell() {
        let lstm = Lstm::new(3);
        lstm.try_apply(&Tensor::ones(&[2, 4, 3])).unwrap();
        for shape in [&[2, 4, 5][..], &[2, 4], &[2, 0, 3]] {
            let fused = lstm
                .try_apply(&Tensor::ones(shape))
                .unwrap_err()
                .to_string();
            let plain = Rnn::new(LstmCell::new(3));
            plain.try_apply(&Tensor::ones(&[2, 4, 3])).unwrap();
            let expected = plain
                .try_apply(&Tensor::ones(shape))
                .unwrap_err()
                .to_string();
            // Same message but for the layer's name.
            let renamed = fused
                .replace("`lstm` (LSTM)", "`rnn` (Rnn)")
                .replace("`lstm`", "`rnn`")
                .replace("`lstm.", "`rnn.");
            assert_eq!(renamed, expected, "{shape:?}");
        }
        // A NaN input still reaches the output as NaN.
        let mut values = vec![0.5; 2 * 4 * 3];
        values[5] = f32::NAN;
        let y = lstm
            .try_apply(&Tensor::from_vec(values, &[2, 4, 3]))
            .unwrap();
        assert!(y.to_vec()[..3].iter().any(|v| v.is_nan()));
    }

    #[test]
    fn bidirectional_over_fused_lstms_matches_the_per_step_path() {
        let bi = Bidirectional::wrap(Lstm::new(4).return_sequences(true)).unwrap();
        let x = filled(&[2, 5, 3], 8, 2.0);
        let y = bi.try_apply(&x).unwrap();
        let forward = run_cell(&bi.forward_layer.cell, &x, None, false)
            .unwrap()
            .output(true);
        let backward = run_cell(&bi.backward_layer.cell, &x, None, true)
            .unwrap()
            .output(true)
            .try_index_select(1, &[4, 3, 2, 1, 0])
            .unwrap();
        assert_close("output", &y, &Tensor::concat(&[forward, backward], -1));
    }
}
