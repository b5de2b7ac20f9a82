//! The call context ([`Context`]): whether layers run in training or in inference, and the
//! random stream that initializers and dropout draw from. Like Keras's call context, it is
//! set by `fit`, `evaluate` and `predict` (or by [`with_context`]) and read by the layers
//! that care, so that a layer's `call` takes only its input. The random stream itself lives
//! in [`random`](crate::random), below `tensor`, so that random tensors can draw from it;
//! its functions are re-exported here.
//!
//! ```
//! use layers_core::layer::context::{Context, is_training, with_context};
//! assert!(!is_training());
//! with_context(true, 42, || assert!(is_training() && Context::current().training()));
//! ```

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use rand::rngs::StdRng;

use crate::random::with_seed;
pub use crate::random::{DEFAULT_SEED, random_seed, set_default_seed, with_rng};
use crate::tensor::Tensor;

thread_local! {
    static TRAINING: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
    static BATCH: RefCell<Vec<BatchSamples>> = const { RefCell::new(Vec::new()) };
    static DRY_RUNS: Cell<u32> = const { Cell::new(0) };
}

/// Runs `f` as a dry run, the forward pass on a zero batch that builds a layer or model
/// (see [`is_dry_run`]).
pub(crate) fn as_dry_run<R>(f: impl FnOnce() -> R) -> R {
    DRY_RUNS.with(|d| d.set(d.get() + 1));
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DRY_RUNS.with(|d| d.set(d.get() - 1));
        }
    }
    let _leave = Leave;
    f()
}

/// Whether the layer is being called by the dry run that builds it (on zeros, not data):
/// a layer that refuses to run on data before it is set up (an unadapted `Normalization`)
/// still builds.
pub(crate) fn is_dry_run() -> bool {
    DRY_RUNS.with(Cell::get) > 0
}

/// Where the samples of the batch a layer is called on sit in the data given to `fit`,
/// `evaluate` or `predict`, which call it a batch at a time (shuffled, in `fit`): so that
/// an error about "sample 1" of a batch can name the sample the user can find.
#[derive(Clone, Debug)]
pub(crate) enum BatchSamples {
    /// Consecutive samples from this one on.
    From(usize),
    /// The samples `order[start..start + len]`, in this order: a batch of an epoch's
    /// shuffled order, shared with `fit` rather than copied for every step.
    Rows {
        order: Arc<Vec<usize>>,
        start: usize,
        len: usize,
    },
    /// Each sample of the batch around it folded into this many rows (`TimeDistributed`'s
    /// `batch·time`): row `r` belongs to its sample `r / rows`.
    Folded(usize),
}

/// Runs `f` with the batch's samples known to [`data_sample`].
pub(crate) fn with_batch_samples<R>(samples: BatchSamples, f: impl FnOnce() -> R) -> R {
    BATCH.with(|b| b.borrow_mut().push(samples));
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            BATCH.with(|b| b.borrow_mut().pop());
        }
    }
    let _pop = Pop;
    f()
}

/// The index, in the data given to `fit`, `evaluate` or `predict`, of sample `i` of the
/// batch being called (through any folding, as inside `TimeDistributed`); `i` itself
/// outside them.
pub(crate) fn data_sample(i: usize) -> usize {
    BATCH.with(|b| {
        let mut i = i;
        for samples in b.borrow().iter().rev() {
            match samples {
                BatchSamples::Folded(rows) => i /= (*rows).max(1),
                BatchSamples::From(start) => return start + i,
                BatchSamples::Rows { order, start, len } => {
                    return if i < *len { order[start + i] } else { i };
                }
            }
        }
        i
    })
}

/// What a layer may ask about the call it is in.
///
/// # Examples
///
/// ```
/// use layers_core::layer::Context;
/// assert!(!Context::current().training());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Context {
    training: bool,
}

impl Context {
    /// The context of the current call (inference when none is set).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// use layers_core::layer::context::with_context;
    /// assert!(with_context(true, 0, || Context::current().training()));
    /// ```
    pub fn current() -> Context {
        Context {
            training: is_training(),
        }
    }

    /// Whether the layer runs in training mode (inside `fit`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// assert!(!Context::current().training());
    /// ```
    pub fn training(&self) -> bool {
        self.training
    }

    /// Runs `f` with the call's random stream (seeded by `fit` or `build`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// use rand::RngExt;
    /// let u: f32 = Context::current().with_rng(|rng| rng.random());
    /// assert!((0.0..1.0).contains(&u));
    /// ```
    pub fn with_rng<R>(&self, f: impl FnOnce(&mut StdRng) -> R) -> R {
        with_rng(f)
    }
}

/// Whether the layers now running are in training mode (`false` when no context is set,
/// which is inference, as for Keras's direct calls).
///
/// # Examples
///
/// ```
/// use layers_core::layer::context::{is_training, with_context};
/// with_context(false, 0, || assert!(!is_training()));
/// ```
pub fn is_training() -> bool {
    TRAINING.with(|t| t.borrow().last().copied().unwrap_or(false))
}

/// Runs `f` in training (`true`) or inference mode with a random stream seeded by `seed`;
/// contexts nest.
///
/// # Examples
///
/// ```
/// use layers_core::layer::context::{random_seed, with_context};
/// let a = with_context(true, 7, random_seed);
/// let b = with_context(true, 7, random_seed);
/// assert_eq!(a, b);
/// ```
pub fn with_context<R>(training: bool, seed: u64, f: impl FnOnce() -> R) -> R {
    TRAINING.with(|t| t.borrow_mut().push(training));
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            TRAINING.with(|t| t.borrow_mut().pop());
        }
    }
    let _pop = Pop;
    with_seed(seed, f)
}

thread_local! {
    /// The losses layers added in the calls now running (innermost collection last).
    static LOSSES: RefCell<Vec<Vec<Tensor>>> = const { RefCell::new(Vec::new()) };
}

/// Adds `loss`, a scalar, to the losses of the call now running, as Keras's
/// `Layer.add_loss`: `fit` and `evaluate` add it to the compiled loss (after it, before the
/// weight penalties, as Keras sums them). Outside `fit`, `evaluate` and
/// `train_on_batch`/`test_on_batch` (or [`collect_losses`]) it is dropped.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::layer::context::{add_loss, collect_losses};
/// let ((), losses) = collect_losses(|| add_loss(Tensor::scalar(0.5)));
/// assert_eq!(losses.len(), 1);
/// add_loss(Tensor::scalar(1.0)); // no collection open: dropped
/// ```
pub fn add_loss(loss: Tensor) {
    LOSSES.with(|l| {
        if let Some(open) = l.borrow_mut().last_mut() {
            open.push(loss);
        }
    });
}

/// Runs `f` and returns what it returned with the losses layers added meanwhile
/// ([`add_loss`]), in the order they were added; collections nest.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::collect_losses;
/// let layer = layers_core::builtin::ActivityRegularization::new().l2(0.5);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
/// let (y, losses) = collect_losses(|| layer.apply(&x));
/// assert_eq!(y.to_vec(), x.to_vec());
/// assert_eq!(losses[0].item(), 0.5 * 30.0 / 2.0); // divided by the batch size
/// ```
pub fn collect_losses<R>(f: impl FnOnce() -> R) -> (R, Vec<Tensor>) {
    LOSSES.with(|l| l.borrow_mut().push(Vec::new()));
    // Pops the collection also when `f` panics, so an outer one is never confused with it.
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            LOSSES.with(|l| l.borrow_mut().pop());
        }
    }
    let pop = Pop;
    let result = f();
    let losses = LOSSES.with(|l| l.borrow_mut().last_mut().map(std::mem::take));
    drop(pop);
    (result, losses.unwrap_or_default())
}
