//! A per-thread scratch buffer for the temporary matrices of an op (the im2col matrix of a
//! convolution and its gradient), kept between calls so that a training step does not
//! allocate, zero and free them again each time.

use std::cell::RefCell;

thread_local! {
    /// The scratch buffer of [`with_scratch`] on this thread.
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on a scratch slice of `len` values (of unspecified content) that is kept on the
/// calling thread between calls, so that the im2col matrices of a training step are not
/// allocated, zeroed and returned to the allocator on every call. The buffer is taken out of
/// the thread-local while `f` runs, so a nested call (a rayon job run while waiting) gets a
/// fresh buffer instead of a borrow conflict; the larger of the two is kept.
pub(crate) fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut buffer = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    let result = f(&mut buffer[..len]);
    SCRATCH.with(|s| {
        let mut kept = s.borrow_mut();
        if kept.len() < buffer.len() {
            *kept = buffer;
        }
    });
    result
}
