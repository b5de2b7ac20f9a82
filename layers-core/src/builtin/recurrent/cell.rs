//! The [`Cell`] trait, one step of a recurrent layer, and [`run_cell`], the loop every
//! recurrent layer ([`Rnn`](super::Rnn), [`Lstm`](super::Lstm), …) runs a cell in.

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::config::{check_initializer, check_size};
use crate::layer::{Layer, snake_case};
use crate::tensor::Tensor;

/// One step of a recurrent layer, as Keras's `RNN(cell)` takes: a layer (usually
/// `#[derive(Layer)]`, so that it owns its weights and config) whose [`step`](Cell::step)
/// maps `(x_t, state)` to `(y_t, state)`.
///
/// A cell's forward pass, its [`Call`](crate::Call), is the part of the step that reads the
/// inputs alone, done for every time step at once: it receives the whole sequence flattened
/// to `(batch·time, features)` and returns what `step` receives, row by row. A cell that
/// multiplies its input by a kernel does it there, in one matrix product for the whole
/// sequence, and [`step`](Cell::step) then adds only the recurrent part; a cell with nothing
/// to precompute returns its input (`x.clone()`). That first call also builds the cell's
/// weights from the feature count (`#[weight(shape = [input[-1], units])]`).
///
/// The state is a `Vec<Tensor>`, one `(batch, size)` tensor per entry of
/// [`state_sizes`](Cell::state_sizes) (`h` for `SimpleRNN` and `GRU`, `[h, c]` for `LSTM`),
/// zeros at the first step unless [`run_cell`] is given initial states.
///
/// # Examples
///
/// A minimal cell, `h' = tanh(x·W + h·U)`:
///
/// ```
/// use layers_core::builtin::{Cell, Rnn};
/// use layers_core::prelude::*;
///
/// #[derive(Layer)]
/// struct MinimalCell {
///     units: usize,
///     #[weight(shape = [input[-1], units])]
///     kernel: Weight,
///     #[weight(shape = [units, units], init = "orthogonal")]
///     recurrent_kernel: Weight,
/// }
///
/// impl Call for MinimalCell {
///     // The input part of every step, in one product over (batch·time, features).
///     fn call(&self, x: &Tensor) -> Tensor {
///         x.matmul(&self.kernel)
///     }
/// }
///
/// impl Cell for MinimalCell {
///     fn state_sizes(&self) -> Vec<usize> {
///         vec![self.units]
///     }
///     fn step(&self, xw: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
///         let h = (xw + state[0].matmul(&self.recurrent_kernel)).tanh();
///         (h.clone(), vec![h])
///     }
/// }
///
/// let rnn = Rnn::new(MinimalCell::new(4)).return_sequences(true);
/// let y = rnn.try_apply(&Tensor::ones(&[2, 5, 3]))?; // (batch, time, features)
/// assert_eq!(y.shape(), &[2, 5, 4]);
/// assert_eq!(rnn.count_params()?, 3 * 4 + 4 * 4);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Cell: Layer {
    /// The width of each state tensor, `(batch, size)`; the first is also the width of the
    /// output unless [`output_size`](Cell::output_size) says otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Cell, GruCell, LstmCell};
    /// assert_eq!(LstmCell::new(8).state_sizes(), vec![8, 8]); // [h, c]
    /// assert_eq!(GruCell::new(8).state_sizes(), vec![8]);
    /// ```
    fn state_sizes(&self) -> Vec<usize>;

    /// The width of `y_t`: by default the first state's.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Cell, LstmCell};
    /// assert_eq!(LstmCell::new(8).output_size(), 8);
    /// ```
    fn output_size(&self) -> usize {
        self.state_sizes().first().copied().unwrap_or(0)
    }

    /// One time step: `x_t` is this step's rows of the cell's forward pass (its input part),
    /// `state` the states after the previous step; returns this step's output and the new
    /// states, in the order of [`state_sizes`](Cell::state_sizes).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Cell, SimpleRnnCell};
    /// use layers_core::prelude::*;
    /// let cell = SimpleRnnCell::new(2).use_bias(false);
    /// let xw = cell.try_apply(&Tensor::ones(&[1, 3]))?; // builds; x·kernel
    /// let (y, state) = cell.step(&xw, &[Tensor::zeros(&[1, 2])]);
    /// let expected = xw.tanh().to_vec(); // h = tanh(x·W + 0·U)
    /// assert!(y.to_vec().iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-6));
    /// assert_eq!(state[0].to_vec(), y.to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn step(&self, x_t: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>);

    /// Called once, right after the cell's first forward pass built its weights, to set
    /// values no [`Initializer`](crate::Initializer) expresses (the LSTM's forget-gate bias
    /// of 1). Nothing by default.
    ///
    /// # Errors
    ///
    /// When a weight cannot be set.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Cell, LstmCell};
    /// use layers_core::prelude::*;
    /// let cell = LstmCell::new(1);
    /// cell.try_apply(&Tensor::ones(&[1, 2]))?; // builds: bias_initializer's zeros
    /// cell.after_build()?;
    /// assert_eq!(cell.bias.value().to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn after_build(&self) -> Result<()> {
        Ok(())
    }

    /// The whole sequence `x` `(batch, time, features)`, from zero states, as one fused op
    /// where the cell has one: what [`run_cell`]`(self, x, None, go_backwards)` and then
    /// `.output(return_sequences)` give, without a recorded op per step. `None` (the
    /// default) makes the recurrent layers run [`Cell::step`] in `run_cell`'s loop. The
    /// built-in [`LstmCell`](super::LstmCell) and [`GruCell`](super::GruCell) have one for
    /// Keras's default activations; [`Rnn`](super::Rnn), [`Lstm`](super::Lstm) and
    /// [`Gru`](super::Gru) use it whenever it is there.
    ///
    /// # Errors
    ///
    /// The errors of [`run_cell`], naming the cell.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{Cell, LstmCell, SimpleRnnCell, run_cell};
    /// use layers_core::prelude::*;
    /// let x = Tensor::ones(&[2, 4, 3]);
    /// let lstm = LstmCell::new(5);
    /// let fused = lstm.fused_sequence(&x, false, true).expect("the LSTM cell has one")?;
    /// let plain = run_cell(&lstm, &x, None, false)?.output(true);
    /// assert_eq!(fused.shape(), &[2, 4, 5]);
    /// assert!(fused.to_vec().iter().zip(plain.to_vec()).all(|(a, b)| (a - b).abs() < 1e-5));
    /// assert!(SimpleRnnCell::new(5).fused_sequence(&x, false, true).is_none());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn fused_sequence(
        &self,
        _x: &Tensor,
        _go_backwards: bool,
        _return_sequences: bool,
    ) -> Option<Result<Tensor>> {
        None
    }
}

/// What [`run_cell`] returns: every step's output, in the order the steps ran, and the
/// states after the last step (what Keras's `return_state` gives).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{SimpleRnnCell, run_cell};
/// use layers_core::prelude::*;
/// let run = run_cell(&SimpleRnnCell::new(3), &Tensor::ones(&[2, 4, 5]), None, false)?;
/// assert_eq!(run.outputs.len(), 4);
/// assert_eq!(run.states[0].to_vec(), run.outputs[3].to_vec()); // h is the output
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CellRun {
    /// `(batch, output_size)` for each step, in the order they ran.
    pub outputs: Vec<Tensor>,
    /// The states after the last step.
    pub states: Vec<Tensor>,
}

impl CellRun {
    /// The outputs as one `(batch, time, output_size)` tensor (`return_sequences`), or the
    /// last step's `(batch, output_size)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::{LstmCell, run_cell};
    /// use layers_core::prelude::*;
    /// let run = run_cell(&LstmCell::new(3), &Tensor::ones(&[2, 4, 5]), None, false)?;
    /// assert_eq!(run.output(true).shape(), &[2, 4, 3]);
    /// assert_eq!(run.output(false).shape(), &[2, 3]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn output(&self, return_sequences: bool) -> Tensor {
        if return_sequences {
            Tensor::stack(&self.outputs, 1)
        } else {
            self.outputs
                .last()
                .cloned()
                .expect("`run_cell` refuses sequences without a step")
        }
    }
}

/// Runs `cell` over the sequence `x` of shape `(batch, time, features)`: the cell's forward
/// pass once over all the steps (`(batch·time, features)`, one matrix product for the
/// built-in cells), then [`Cell::step`] for each time step, last to first when
/// `go_backwards`. The states start at `initial_states`, or zeros.
///
/// # Errors
///
/// An input that is not of rank 3 or has no time step, a cell that cannot be built or
/// called for these features (naming the cell), initial states of the wrong number or
/// shape, a `step` whose output is not `(batch, n)` with the same `n` at every step (naming
/// the cell and the time step).
///
/// # Examples
///
/// ```
/// use layers_core::builtin::{GruCell, run_cell};
/// use layers_core::prelude::*;
/// let cell = GruCell::new(2);
/// let x = Tensor::ones(&[1, 3, 4]);
/// let h0 = vec![Tensor::ones(&[1, 2])];
/// let run = run_cell(&cell, &x, Some(h0), true)?;
/// assert_eq!(run.states[0].shape(), &[1, 2]);
/// assert!(run_cell(&cell, &Tensor::ones(&[1, 4]), None, false).is_err()); // no time axis
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn run_cell<C: Cell + ?Sized>(
    cell: &C,
    x: &Tensor,
    initial_states: Option<Vec<Tensor>>,
    go_backwards: bool,
) -> Result<CellRun> {
    run_masked(cell, x, initial_states, None, go_backwards)
}

/// Keras's mask for [`run_masked`]: `(batch, time)`, 1 for a real step, and what a masked
/// step outputs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StepMask<'a> {
    /// `(batch, time)` of 0 and 1.
    pub mask: &'a Tensor,
    /// Zeros at a masked step (Keras's `zero_output_for_mask`, which `Bidirectional` sets
    /// with `return_sequences`) rather than the previous output.
    pub zero_output: bool,
}

/// [`run_cell`] with Keras's mask: at a masked step every state keeps its value and the
/// output repeats the previous one (the first state's, zeros or the initial state at the
/// first step), or is zeros with `zero_output`.
pub(crate) fn run_masked<C: Cell + ?Sized>(
    cell: &C,
    x: &Tensor,
    initial_states: Option<Vec<Tensor>>,
    mask: Option<StepMask>,
    go_backwards: bool,
) -> Result<CellRun> {
    let [batch, time, _] = sequence_shape(x)?;
    if let Some(m) = mask {
        check_mask(m.mask, batch, time)?;
    }
    let fresh = cell.weights().iter().any(|w| !w.is_built());
    let flat = x.try_reshape(&[batch * time, x.shape()[2]])?;
    let mut projected = project(cell, &flat)?;
    if fresh {
        cell.after_build()?;
        projected = project(cell, &flat)?;
    }
    // The projection's last axis (its length alone says nothing for a batch of 0).
    let width = projected.shape().last().copied().unwrap_or(0);
    // Time-major, so that each step's rows are one contiguous slice.
    let projected = projected
        .try_reshape(&[batch, time, width])?
        .try_permute(&[1, 0, 2])?;
    let sizes = cell.state_sizes();
    let mut states = match initial_states {
        Some(states) => {
            check_states("initial_state", &states, &sizes, batch)?;
            states
        }
        None => sizes.iter().map(|&s| Tensor::zeros(&[batch, s])).collect(),
    };
    let mut outputs = Vec::with_capacity(time);
    for i in 0..time {
        let t = if go_backwards { time - 1 - i } else { i };
        let x_t = projected.narrow(0, t, 1).reshape(&[batch, width]);
        let (mut y, mut next) = cell.step(&x_t, &states);
        check_output(cell, &y, outputs.first(), batch, t)?;
        check_states("step", &next, &sizes, batch)?;
        if let Some(m) = mask {
            // (batch, 1): 1 where step t is real.
            let keep = m.mask.narrow(1, t, 1);
            y = if m.zero_output {
                keep.try_select(&y, 0.0)?
            } else {
                let previous = states.first().filter(|s| s.shape() == y.shape());
                let previous = previous.ok_or_else(|| {
                    Error::invalid(
                        "recurrent layer",
                        "a masked step repeats the previous output, which Keras takes from \
                         the first state, but the cell's output and first state differ in \
                         width",
                    )
                })?;
                keep.try_select(&y, previous)?
            };
            next = next
                .iter()
                .zip(&states)
                .map(|(new, old)| keep.try_select(new, old))
                .collect::<Result<_>>()?;
        }
        states = next;
        outputs.push(y);
    }
    Ok(CellRun { outputs, states })
}

/// `x`'s `(batch, time, features)`, or the error for an input that is not such a sequence
/// or has no time step.
pub(crate) fn sequence_shape(x: &Tensor) -> Result<[usize; 3]> {
    let &[batch, time, features] = x.shape() else {
        return Err(Error::mismatch(
            "recurrent layer",
            "a (batch, time, features) sequence",
            x.shape(),
        ));
    };
    if time == 0 {
        return Err(Error::invalid(
            "recurrent layer",
            "the sequence has no time step",
        ));
    }
    Ok([batch, time, features])
}

/// What the fused paths of the built-in layers check before running: `x` is a sequence
/// with a step, and the cell is built for its features (building it on first use, then
/// [`Cell::after_build`]) — the errors [`run_cell`] gives, from the cell's forward pass over
/// one row. Returns `x` as `(batch·time, features)`.
pub(crate) fn checked_rows<C: Cell + ?Sized>(cell: &C, x: &Tensor) -> Result<Tensor> {
    let [batch, time, features] = sequence_shape(x)?;
    let fresh = cell.weights().iter().any(|w| !w.is_built());
    let flat = x.try_reshape(&[batch * time, features])?;
    project(cell, &flat.narrow(0, 0, 1.min(batch * time)))?;
    if fresh {
        cell.after_build()?;
    }
    Ok(flat)
}

/// The cell's forward pass over `(batch·time, features)`, its errors naming the cell.
fn project<C: Cell + ?Sized>(cell: &C, flat: &Tensor) -> Result<Tensor> {
    cell.forward(flat).map_err(|e| {
        let name = cell
            .name()
            .map_or_else(|| snake_case(cell.type_name()), str::to_string);
        e.in_layer(name, cell.type_name())
    })
}

/// Every step's output must be `(batch, n)` with one `n` for the whole sequence: the
/// outputs are stacked into `(batch, time, n)`, and a later layer is built for that `n`.
fn check_output<C: Cell + ?Sized>(
    cell: &C,
    y: &Tensor,
    first: Option<&Tensor>,
    batch: usize,
    t: usize,
) -> Result<()> {
    let fits = match first {
        Some(first) => y.shape() == first.shape(),
        None => y.rank() == 2 && y.shape()[0] == batch,
    };
    if fits {
        return Ok(());
    }
    let expected = match first {
        Some(first) => format!("the shape of its first output, {:?},", first.shape()),
        None => format!("a (batch, units) output with {batch} rows"),
    };
    let name = cell
        .name()
        .map_or_else(|| snake_case(cell.type_name()), str::to_string);
    Err(Error::mismatch(
        "recurrent layer",
        format!("the cell's `step` at time step {t} to return {expected}"),
        y.shape(),
    )
    .in_layer(name, cell.type_name()))
}

/// A mask must be `(batch, time)` for the sequence, of 0 and 1 only.
pub(crate) fn check_mask(mask: &Tensor, batch: usize, time: usize) -> Result<()> {
    if mask.shape() != [batch, time] {
        return Err(Error::mismatch(
            "mask",
            format!("a (batch, time) = ({batch}, {time}) mask for the sequence"),
            mask.shape(),
        ));
    }
    if let Some(v) = mask.to_vec().into_iter().find(|&v| v != 0.0 && v != 1.0) {
        return Err(Error::invalid(
            "mask",
            format!("a mask holds only 0 (padding) and 1 (a real step), found {v}"),
        ));
    }
    Ok(())
}

/// `what` names the states in the error: `"initial_state"` for the caller's, `"step"` for
/// those a cell's `step` returned.
pub(crate) fn check_states(
    what: &'static str,
    states: &[Tensor],
    sizes: &[usize],
    batch: usize,
) -> Result<()> {
    if states.len() != sizes.len() {
        return Err(Error::invalid(
            what,
            format!(
                "the cell has {} state tensors, but {} were given",
                sizes.len(),
                states.len()
            ),
        ));
    }
    for (i, (state, &size)) in states.iter().zip(sizes).enumerate() {
        if state.shape() != [batch, size] {
            return Err(Error::mismatch(
                what,
                format!(
                    "a ({batch}, {size}) state, (batch, units), as state {i} of {}",
                    sizes.len()
                ),
                state.shape(),
            ));
        }
    }
    Ok(())
}

/// The checks every built-in cell makes of its config: a positive `units`, usable
/// activations and initializers.
pub(crate) fn check_config(
    units: usize,
    gates: usize,
    activations: &[&Activation],
    initializers: &[(&str, &Initializer)],
) -> Result<()> {
    check_size("units", units)?;
    if units.checked_mul(gates).is_none() {
        // The kernels are `gates · units` wide: a width that does not fit a usize.
        return Err(Error::InvalidConfig {
            field: "units".into(),
            message: format!("{units} is too large: the kernels are {gates}·units wide"),
        });
    }
    for activation in activations {
        activation.check()?;
    }
    for (field, initializer) in initializers {
        check_initializer(field, initializer)?;
    }
    Ok(())
}
