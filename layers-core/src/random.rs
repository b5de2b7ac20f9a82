//! The seeded random stream that initializers, dropout and random tensors draw from: a
//! stack of streams, one per [`with_seed`] frame (which `fit`, `build` and
//! [`with_context`](crate::layer::context::with_context) push), over this thread's default
//! stream. Kept below `tensor` so that tensor methods such as
//! [`Tensor::random_normal`](crate::Tensor::random_normal) can read it; `layer::context`
//! re-exports it, so `layers_core::layer::context::with_rng` and the rest keep working.
//!
//! ```
//! use layers_core::random::{random_seed, with_seed};
//! let a = with_seed(7, || (random_seed(), random_seed()));
//! let b = with_seed(7, || (random_seed(), random_seed()));
//! assert_eq!(a, b); // same seed, same draws
//! assert_ne!(a.0, a.1);
//! ```

use std::cell::RefCell;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The seed of each thread's default random stream, used when no frame is pushed.
///
/// # Examples
///
/// ```
/// use layers_core::random::{DEFAULT_SEED, random_seed, set_default_seed, with_seed};
/// set_default_seed(DEFAULT_SEED);
/// let first = random_seed();
/// assert_eq!(first, with_seed(DEFAULT_SEED, random_seed));
/// ```
pub const DEFAULT_SEED: u64 = 1337;

thread_local! {
    static STREAMS: RefCell<Vec<StdRng>> = const { RefCell::new(Vec::new()) };
    static DEFAULT_RNG: RefCell<StdRng> = RefCell::new(StdRng::seed_from_u64(DEFAULT_SEED));
}

/// Runs `f` with a fresh random stream seeded by `seed` as the current one; frames nest, and
/// the stream is dropped when `f` returns (or unwinds).
///
/// # Examples
///
/// ```
/// use layers_core::random::{random_seed, with_seed};
/// let outer = with_seed(1, || {
///     let inner = with_seed(2, random_seed);
///     (inner, random_seed())
/// });
/// assert_eq!(outer.0, with_seed(2, random_seed));
/// assert_eq!(outer.1, with_seed(1, random_seed)); // the inner frame did not draw from it
/// ```
pub fn with_seed<R>(seed: u64, f: impl FnOnce() -> R) -> R {
    STREAMS.with(|streams| streams.borrow_mut().push(StdRng::seed_from_u64(seed)));
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            STREAMS.with(|streams| streams.borrow_mut().pop());
        }
    }
    let _pop = Pop;
    f()
}

/// Runs `f` with the current random stream: the innermost [`with_seed`] frame's, or this
/// thread's default stream (seeded with [`DEFAULT_SEED`], see [`set_default_seed`]).
///
/// # Panics
///
/// If `f` itself calls `with_rng` (the stream is borrowed for the duration of `f`).
///
/// # Examples
///
/// ```
/// use layers_core::random::{with_rng, with_seed};
/// use rand::RngExt;
/// let x: f32 = with_seed(1, || with_rng(|rng| rng.random()));
/// assert!((0.0..1.0).contains(&x));
/// ```
pub fn with_rng<R>(f: impl FnOnce(&mut StdRng) -> R) -> R {
    STREAMS.with(|streams| {
        let mut streams = streams.borrow_mut();
        match streams.last_mut() {
            Some(rng) => f(rng),
            None => DEFAULT_RNG.with(|rng| f(&mut rng.borrow_mut())),
        }
    })
}

/// A fresh seed drawn from the current random stream.
///
/// # Examples
///
/// ```
/// use layers_core::random::{random_seed, with_seed};
/// assert_ne!(with_seed(3, || (random_seed(), random_seed())).0, 0);
/// ```
pub fn random_seed() -> u64 {
    with_rng(|rng| rng.random())
}

/// Reseeds this thread's default random stream (what lazily built layers and random
/// tensors draw from outside any `fit`, `build`, [`with_seed`] or `with_context`).
///
/// # Examples
///
/// ```
/// use layers_core::random::{random_seed, set_default_seed};
/// set_default_seed(5);
/// let a = random_seed();
/// set_default_seed(5);
/// assert_eq!(a, random_seed());
/// ```
pub fn set_default_seed(seed: u64) {
    DEFAULT_RNG.with(|rng| *rng.borrow_mut() = StdRng::seed_from_u64(seed));
}
