//! `GRU`: Keras's gated recurrent unit, in both of Keras's forms (`reset_after`), and its
//! cell.

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

/// The cell of [`Gru`]: one state `h` of `units` features, which is also the output.
///
/// In Keras 3's default `reset_after = true` form, with `x·kernel + bias[0]` and
/// `h·recurrent_kernel + bias[1]` each cut into three blocks of `units` in Keras's order
/// update (`z`), reset (`r`), candidate: `z = σ(x_z + h_z)`, `r = σ(x_r + h_r)`,
/// `ĥ = activation(x_h + r ⊙ h_h)`, `h' = z ⊙ h + (1 − z) ⊙ ĥ` (`σ` is
/// `recurrent_activation`). Weights as Keras 3: `kernel` `(features, 3·units)`,
/// `recurrent_kernel` `(units, 3·units)`, `bias` `(2, 3·units)`, row 0 the input bias and
/// row 1 the recurrent bias.
///
/// With `reset_after = false` (Keras's original form), the reset gate applies before the
/// recurrent product and there is one bias, `(3·units,)`, added to `x·kernel`:
/// `z = σ(x_z + h·U_z)`, `r = σ(x_r + h·U_r)`, `ĥ = activation(x_h + (r ⊙ h)·U_h)`, with
/// `U_z`, `U_r`, `U_h` the three column blocks of `recurrent_kernel`.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{GruCell, Rnn};
/// use layers_core::prelude::*;
/// let mut rnn = Rnn::new(GruCell::new(4));
/// assert_eq!(rnn.build([6, 3])?, vec![4]);
/// assert_eq!(rnn.cell.bias.shape(), Some(vec![2, 12]));
///
/// let mut original = Rnn::new(GruCell::new(4).reset_after(false));
/// assert_eq!(original.build([6, 3])?, vec![4]);
/// assert_eq!(original.cell.bias.shape(), Some(vec![12]));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(name = "GRUCell", validate = Self::validate_config)]
pub struct GruCell {
    /// The number of features of the state and the output.
    pub units: usize,
    /// Applied to the candidate; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
    /// Applied to the update and reset gates; `sigmoid` by default.
    #[config(default = Activation::new(Sigmoid))]
    pub recurrent_activation: Activation,
    /// Whether to add the biases.
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
    /// Whether the reset gate applies after the recurrent product (Keras 3's default,
    /// `true`, with a `(2, 3·units)` bias) or before it (`false`, one `(3·units,)` bias).
    #[config(default = true)]
    pub reset_after: bool,
    /// The `(features, 3·units)` input kernel.
    #[weight(
        shape = [input[-1], 3 * units],
        init = kernel_initializer.clone(),
        regularizer = kernel_regularizer.clone(),
        constraint = kernel_constraint.clone()
    )]
    pub kernel: Weight,
    /// The `(units, 3·units)` recurrent kernel.
    #[weight(
        shape = [units, 3 * units],
        init = recurrent_initializer.clone(),
        regularizer = recurrent_regularizer.clone(),
        constraint = recurrent_constraint.clone()
    )]
    pub recurrent_kernel: Weight,
    /// The `(2, 3·units)` input and recurrent biases (`(3·units,)`, the input bias, without
    /// `reset_after`), present when `use_bias`.
    #[weight(
        shape = if reset_after { [2, 3 * units] } else { [3 * units] },
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

impl GruCell {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            3,
            &[&self.activation, &self.recurrent_activation],
            &[
                ("kernel_initializer", &self.kernel_initializer),
                ("recurrent_initializer", &self.recurrent_initializer),
                ("bias_initializer", &self.bias_initializer),
            ],
        )
    }

    /// Row `row` of the bias, `(1, 3·units)` (with `reset_after`).
    fn bias_row(&self, row: usize) -> Tensor {
        self.bias.value().narrow(0, row, 1)
    }

    /// Keras's `reset_after = false` step: the reset gate scales `h` before its product
    /// with the candidate's block of the recurrent kernel.
    fn step_reset_before(&self, x_t: &Tensor, h: &Tensor) -> Tensor {
        let u = self.units;
        let kernel = self.recurrent_kernel.value();
        let hu = h.matmul(kernel.narrow(1, 0, 2 * u));
        let xs = x_t.chunk(3, -1);
        let hs = hu.chunk(2, -1);
        let z = self.recurrent_activation.apply(&(&xs[0] + &hs[0]));
        let r = self.recurrent_activation.apply(&(&xs[1] + &hs[1]));
        let hh = (r * h).matmul(kernel.narrow(1, 2 * u, u));
        let candidate = self.activation.apply(&(&xs[2] + hh));
        &z * h + (1.0 - z) * candidate
    }
}

impl TryCall for GruCell {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_matmul(&self.kernel)?;
        Ok(match (self.use_bias, self.reset_after) {
            (false, _) => y,
            (true, true) => y + self.bias_row(0),
            (true, false) => y + &self.bias,
        })
    }
}

impl Cell for GruCell {
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
        vec![self.units]
    }

    fn step(&self, x_t: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let h = &state[0];
        if !self.reset_after {
            let h = self.step_reset_before(x_t, h);
            return (h.clone(), vec![h]);
        }
        let hu = h.matmul(&self.recurrent_kernel);
        let hu = if self.use_bias {
            hu + self.bias_row(1)
        } else {
            hu
        };
        let xs = x_t.chunk(3, -1);
        let hs = hu.chunk(3, -1);
        let z = self.recurrent_activation.apply(&(&xs[0] + &hs[0]));
        let r = self.recurrent_activation.apply(&(&xs[1] + &hs[1]));
        let candidate = self.activation.apply(&(&xs[2] + r * &hs[2]));
        let h = &z * h + (1.0 - z) * candidate;
        (h.clone(), vec![h])
    }
}

/// Keras's `GRU`: a gated recurrent unit over `(batch, time, features)`, from a zero state;
/// the last `h` `(batch, units)`, or every step's `(batch, time, units)` with
/// `return_sequences`. Keras 3's default `reset_after = true` form, or the original with
/// `.reset_after(false)` (a `(3·units,)` bias).
///
/// An [`Rnn`](super::Rnn) over a [`GruCell`] (see it for the formulas) with Keras's flat
/// arguments and defaults: `tanh`, `sigmoid`, biases, `glorot_uniform`, `orthogonal`,
/// `zeros`. The weights are the cell's: `cell.kernel` `(features, 3·units)`,
/// `cell.recurrent_kernel` `(units, 3·units)`, `cell.bias` `(2, 3·units)` (`(3·units,)`
/// without `reset_after`), Keras 3's shapes and order.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Gru;
/// use layers_core::prelude::*;
/// let mut gru = Gru::new(16);
/// assert_eq!(gru.build([8, 8])?, vec![16]);
/// assert_eq!(gru.count_params()?, 3 * (8 * 16 + 16 * 16 + 2 * 16));
///
/// let mut original = Gru::new(16).reset_after(false);
/// assert_eq!(original.build([8, 8])?, vec![16]);
/// assert_eq!(original.count_params()?, 3 * (8 * 16 + 16 * 16 + 16));
/// assert_eq!(original.config()["reset_after"], false);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "GRU",
    input = [B, T, IN],
    validate = Self::validate_config,
    masking = Self::masked
)]
pub struct Gru {
    /// The number of features of the state and the output.
    pub units: usize,
    /// Applied to the candidate; `tanh` by default.
    #[config(default = Activation::new(Tanh))]
    pub activation: Activation,
    /// Applied to the update and reset gates; `sigmoid` by default.
    #[config(default = Activation::new(Sigmoid))]
    pub recurrent_activation: Activation,
    /// Whether to add the biases.
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
    /// Whether the reset gate applies after the recurrent product (Keras 3's default,
    /// `true`) or before it (`false`, Keras's original form with one `(3·units,)` bias).
    #[config(default = true)]
    pub reset_after: bool,
    /// Whether to return every step's output `(batch, time, units)` rather than the last.
    #[config(default = false)]
    pub return_sequences: bool,
    /// Whether to read the sequence from its last step to its first.
    #[config(default = false)]
    pub go_backwards: bool,
    /// The cell, made from the config above by `new` and the builder methods. It computes,
    /// so it must agree with the fields above: a field assigned directly (not through its
    /// builder method) without the cell's is refused when the layer is built or called.
    #[layer(init = GruCell::new(units)
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
        .reset_after(reset_after))]
    pub cell: GruCell,
}

impl Gru {
    fn validate_config(&self) -> Result<()> {
        check_config(
            self.units,
            3,
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
                reset_after,
                units,
                use_bias,
            ]
        )
    }
}

impl TryCall for Gru {
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

impl GruCell {
    /// Whether the fused sequence op computes this cell: Keras's default activations.
    fn fusable(&self) -> bool {
        self.reset_after
            && self.activation.name() == "tanh"
            && self.recurrent_activation.name() == "sigmoid"
    }
}

/// The layer's output as [`run_cell`] computes it, as one fused op over the sequence
/// (`Tensor::try_gru_sequence`): `x·kernel` for all steps in one product (the input bias
/// is added inside the op), then the recurrence.
fn fused(cell: &GruCell, x: &Tensor, go_backwards: bool, return_sequences: bool) -> Result<Tensor> {
    let flat = checked_rows(cell, x)?;
    let (batch, time) = (x.shape()[0], x.shape()[1]);
    let xw =
        flat.try_matmul(&cell.kernel.try_value()?)?
            .try_reshape(&[batch, time, 3 * cell.units])?;
    let bias = if cell.use_bias {
        Some(cell.bias.try_value()?)
    } else {
        None
    };
    xw.try_gru_sequence(
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
    use crate::prelude::*;
    use crate::tensor::recurrent::testing::{assert_close, filled};

    /// The fused layer and the per-step graph of `run_cell`, same weights and input: the
    /// same outputs and the same gradients for the input and every weight.
    #[test]
    fn fused_gru_matches_the_per_step_path() {
        let (batch, time, features, units) = (3, 5, 4, 7);
        for use_bias in [true, false] {
            for backwards in [false, true] {
                for sequences in [false, true] {
                    let gru = Gru::new(units)
                        .use_bias(use_bias)
                        .go_backwards(backwards)
                        .return_sequences(sequences);
                    let x = filled(&[batch, time, features], 9, 3.0).into_variable();
                    gru.try_apply(&x).unwrap(); // builds
                    assert!(gru.cell.fusable());
                    gru.cell
                        .recurrent_kernel
                        .set_value(filled(&[units, 3 * units], 3, 2.0))
                        .unwrap();
                    if use_bias {
                        gru.cell
                            .bias
                            .set_value(filled(&[2, 3 * units], 6, 1.0))
                            .unwrap();
                    }
                    let fused = gru.try_apply(&x).unwrap();
                    let plain = run_cell(&gru.cell, &x, None, backwards)
                        .unwrap()
                        .output(sequences);
                    assert_close("output", &fused, &plain);
                    let c = filled(fused.shape(), 5, 2.0);
                    let (gf, gp) = (fused.backward_with(&c), plain.backward_with(&c));
                    assert_close("x", gf.get(&x).unwrap(), gp.get(&x).unwrap());
                    for (path, w) in gru.all_weights() {
                        assert_close(&path, w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
                    }
                }
            }
        }
    }

    #[test]
    fn fused_op_with_an_initial_state_matches_run_cell() {
        let (batch, time, features, units) = (2, 4, 3, 5);
        let cell = GruCell::new(units);
        let x = filled(&[batch, time, features], 1, 2.0);
        run_cell(&cell, &x, None, false).unwrap(); // builds
        cell.bias
            .set_value(filled(&[2, 3 * units], 6, 1.0))
            .unwrap();
        let h0 = filled(&[batch, units], 2, 1.0).into_variable();
        let plain = run_cell(&cell, &x, Some(vec![h0.clone()]), true)
            .unwrap()
            .output(true);
        let xw = x
            .reshape(&[batch * time, features])
            .matmul(&cell.kernel)
            .reshape(&[batch, time, 3 * units]);
        let fused = xw
            .try_gru_sequence(
                &cell.recurrent_kernel.value(),
                Some(&cell.bias.value()),
                Some(&h0),
                true,
                true,
            )
            .unwrap();
        assert_close("output", &fused, &plain);
        let c = filled(fused.shape(), 7, 2.0);
        let (gf, gp) = (fused.backward_with(&c), plain.backward_with(&c));
        assert_close("h0", gf.get(&h0).unwrap(), gp.get(&h0).unwrap());
        for (path, w) in cell.all_weights() {
            assert_close(&path, w.grad(&gf).unwrap(), w.grad(&gp).unwrap());
        }
    }

    #[test]
    fn other_activations_take_the_per_step_path() {
        let gru = Gru::new(3).recurrent_activation("hard_sigmoid");
        assert!(!gru.cell.fusable());
        let x = filled(&[2, 4, 3], 4, 2.0);
        let y = gru.try_apply(&x).unwrap();
        assert_close(
            "output",
            &y,
            &run_cell(&gru.cell, &x, None, false).unwrap().output(false),
        );
    }
}
