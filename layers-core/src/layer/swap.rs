//! Weights change as a whole: [`LayerExt::set_weights`](super::LayerExt::set_weights) writes
//! a whole set under [`write_set`], and `predict` and `get_weights` read under
//! [`read_consistent`], which runs the read again if a set was written meanwhile. So a
//! prediction made while another thread sets the weights uses either the old set or the new
//! one, never a mixture.
//!
//! A sequence lock: writers make a process-wide generation odd while they write and even
//! again when done; a reader that saw an odd generation, or another one at its end, reads
//! again. Readers never block one another and never write shared memory (two atomic loads
//! per read); the rare reader that keeps losing to writers waits for them instead.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};

/// Odd while a set of weights is being written.
static GENERATION: AtomicU64 = AtomicU64::new(0);
/// Held by the one writer at a time, and by a reader that stopped retrying.
static WRITER: Mutex<()> = Mutex::new(());

thread_local! {
    /// Whether this thread is inside `read_consistent` (whose result the outermost call
    /// checks), where writing a set would deadlock or be undone.
    static READING: Cell<bool> = const { Cell::new(false) };
}

/// Optimistic attempts before a reader waits for the writers.
const ATTEMPTS: usize = 3;

/// Runs `write`, which changes a whole set of weights, so that no [`read_consistent`] sees
/// part of it.
///
/// # Errors
///
/// [`Error::InvalidArgument`] when called from inside a consistent read (a layer's `call`
/// during `predict` setting weights), which would otherwise deadlock.
pub(crate) fn write_set<R>(write: impl FnOnce() -> Result<R>) -> Result<R> {
    if READING.with(Cell::get) {
        return Err(Error::invalid(
            "set_weights",
            "weights cannot be set from inside a forward pass that reads them (a layer's `call` during `predict`)",
        ));
    }
    let _writer = WRITER.lock().unwrap_or_else(PoisonError::into_inner);
    struct Even;
    impl Drop for Even {
        fn drop(&mut self) {
            GENERATION.fetch_add(1, Ordering::SeqCst);
        }
    }
    GENERATION.fetch_add(1, Ordering::SeqCst);
    let _even = Even;
    write()
}

/// Runs `read` until it ran while no set of weights was written, and returns its result.
/// Nested calls run `read` once: the outermost one checks.
pub(crate) fn read_consistent<R>(mut read: impl FnMut() -> R) -> R {
    if READING.with(Cell::get) {
        return read();
    }
    READING.with(|r| r.set(true));
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            READING.with(|r| r.set(false));
        }
    }
    let _done = Done;
    for _ in 0..ATTEMPTS {
        let start = GENERATION.load(Ordering::SeqCst);
        if start % 2 == 1 {
            std::thread::yield_now();
            continue;
        }
        let result = read();
        // Weights are read under their own locks, which order these reads before this
        // load: a value from a set written since `start` implies a newer generation here.
        if GENERATION.load(Ordering::SeqCst) == start {
            return result;
        }
    }
    let _writer = WRITER.lock().unwrap_or_else(PoisonError::into_inner);
    read()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_inside_a_read_is_refused() {
        let err = read_consistent(|| write_set(|| Ok(())).unwrap_err());
        assert!(err.to_string().contains("inside a forward pass"), "{err}");
        assert!(write_set(|| Ok(1)).is_ok());
    }

    #[test]
    fn a_read_overlapping_a_write_runs_again() {
        let mut runs = 0;
        let value = read_consistent(|| {
            runs += 1;
            if runs == 1 {
                // Another writer lands during the first attempt (simulated on this thread).
                READING.with(|r| r.set(false));
                write_set(|| Ok(())).unwrap();
                READING.with(|r| r.set(true));
            }
            runs
        });
        assert_eq!(value, 2);
    }
}
