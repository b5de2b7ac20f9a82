//! The call context ([`Context`]): whether layers run in training or in inference, and the
//! random stream that initializers and dropout draw from. Like Keras's call context, it is
//! set by `fit`, `evaluate` and `predict` (or by [`with_context`]) and read by the layers
//! that care, so that a layer's `call` takes only its input.
//!
//! ```
//! use layers_core::layer::context::{Context, is_training, with_context};
//! assert!(!is_training());
//! with_context(true, 42, || assert!(is_training() && Context::current().training()));
//! ```

use std::cell::RefCell;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

struct Frame {
    training: bool,
    rng: StdRng,
}

thread_local! {
    static FRAMES: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    static DEFAULT_RNG: RefCell<StdRng> = RefCell::new(StdRng::seed_from_u64(DEFAULT_SEED));
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

/// The seed of each thread's default random stream, used when no context is set.
pub const DEFAULT_SEED: u64 = 1337;

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
    FRAMES.with(|f| f.borrow().last().is_some_and(|fr| fr.training))
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
    FRAMES.with(|frames| {
        frames.borrow_mut().push(Frame {
            training,
            rng: StdRng::seed_from_u64(seed),
        })
    });
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            FRAMES.with(|frames| frames.borrow_mut().pop());
        }
    }
    let _pop = Pop;
    f()
}

/// Runs `f` with the current random stream: the innermost context's, or this thread's
/// default stream (seeded with [`DEFAULT_SEED`], see [`set_default_seed`]).
///
/// # Examples
///
/// ```
/// use layers_core::layer::context::{with_context, with_rng};
/// use rand::RngExt;
/// let x: f32 = with_context(true, 1, || with_rng(|rng| rng.random()));
/// assert!((0.0..1.0).contains(&x));
/// ```
pub fn with_rng<R>(f: impl FnOnce(&mut StdRng) -> R) -> R {
    FRAMES.with(|frames| {
        let mut frames = frames.borrow_mut();
        match frames.last_mut() {
            Some(frame) => f(&mut frame.rng),
            None => DEFAULT_RNG.with(|rng| f(&mut rng.borrow_mut())),
        }
    })
}

/// A fresh seed drawn from the current random stream.
///
/// # Examples
///
/// ```
/// use layers_core::layer::context::{random_seed, with_context};
/// assert_ne!(with_context(false, 3, || (random_seed(), random_seed())).0, 0);
/// ```
pub fn random_seed() -> u64 {
    with_rng(|rng| rng.random())
}

/// Reseeds this thread's default random stream (what lazily built layers draw from outside
/// any `fit`, `build` or [`with_context`]).
///
/// # Examples
///
/// ```
/// use layers_core::layer::context::{random_seed, set_default_seed};
/// set_default_seed(5);
/// let a = random_seed();
/// set_default_seed(5);
/// assert_eq!(a, random_seed());
/// ```
pub fn set_default_seed(seed: u64) {
    DEFAULT_RNG.with(|rng| *rng.borrow_mut() = StdRng::seed_from_u64(seed));
}
