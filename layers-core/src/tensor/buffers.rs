//! A small cache of large `f32` buffers, so that a training loop reuses the same memory
//! step after step instead of asking the operating system for it again.
//!
//! Why: glibc's `malloc` serves blocks above its mmap threshold (128 KiB at first, raised to
//! the size of the largest freed block up to 32 MiB) from fresh pages, and gives the top of
//! its heap back to the kernel whenever more than twice that threshold is free at the top.
//! A step of a convolutional network allocates and frees tens of MiB of activations,
//! gradients and saved values, so every step faulted the same pages in again: in the W6
//! benchmark of issue 13 (a small CNN, batch 64) 745,000 page faults per epoch, 43 % of the
//! process's CPU time in the kernel, most of it in the TLB shootdowns that a page fault in a
//! two-threaded process costs. Caching allocators are what the big frameworks do for the same
//! reason (TensorFlow's BFC allocator, PyTorch's CUDA caching allocator); this one is small:
//! a list of recently freed large buffers, taken back by the next request of (nearly) their
//! size.
//!
//! - Only buffers of at least [`MIN_LEN`] values are kept; `malloc` handles small ones well.
//! - A buffer is reused for a request of `len` values only if its capacity is at most an
//!   eighth larger, so a reused buffer never wastes much.
//! - Each thread keeps its own list (most buffers are made and dropped on the thread that
//!   runs the model, and a thread-local list needs no lock); all lists together hold at
//!   most [`MAX_BYTES`] bytes, each at most [`MAX_BUFFERS`] buffers, the oldest going first.
//!   A thread's list is freed when the thread ends.
//! - [`release_cached_buffers`] empties the calling thread's list.
//!
//! Values of a reused buffer are whatever its last owner left: [`take_any`] is for callers
//! that overwrite every value; [`take_zeroed`] clears it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::ArrayD;

use super::Data;

/// Buffers shorter than this many values (128 KiB) are left to the allocator.
pub(crate) const MIN_LEN: usize = 1 << 15;
/// The most buffers one thread's list keeps.
pub(crate) const MAX_BUFFERS: usize = 64;
/// The most bytes all lists together keep (256 MiB).
pub(crate) const MAX_BYTES: usize = 256 << 20;

/// The bytes held by all threads' lists.
static TOTAL: AtomicUsize = AtomicUsize::new(0);

/// One thread's free buffers, oldest first.
#[derive(Default)]
struct Cache {
    free: Vec<Vec<f32>>,
}

impl Cache {
    fn pop(&mut self, index: usize) -> Vec<f32> {
        let buffer = self.free.remove(index);
        TOTAL.fetch_sub(bytes(&buffer), Ordering::Relaxed);
        buffer
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        while !self.free.is_empty() {
            self.pop(0);
        }
    }
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
}

fn bytes(buffer: &Vec<f32>) -> usize {
    buffer.capacity() * size_of::<f32>()
}

/// A cached buffer of capacity in `[len, len + len/8]`, the smallest such, if any.
fn reuse(len: usize) -> Option<Vec<f32>> {
    if len < MIN_LEN {
        return None;
    }
    // `try_with` fails only while the thread is being torn down: then nothing is reused.
    CACHE
        .try_with(|cache| {
            let mut cache = cache.borrow_mut();
            let best = cache
                .free
                .iter()
                .enumerate()
                .filter(|(_, b)| (len..=len + len / 8).contains(&b.capacity()))
                .min_by_key(|(_, b)| b.capacity())
                .map(|(i, _)| i)?;
            Some(cache.pop(best))
        })
        .ok()
        .flatten()
}

/// A cached buffer of `len` values whose contents are unspecified, if one fits.
pub(crate) fn reuse_any(len: usize) -> Option<Vec<f32>> {
    reuse(len).map(|mut buffer| {
        // Values up to the old length are initialised; past it, zeros are written.
        buffer.truncate(len);
        buffer.resize(len, 0.0);
        buffer
    })
}

/// A buffer of `len` values whose contents are unspecified (old values of a reused buffer,
/// or zeros): for callers that write every value.
pub(crate) fn take_any(len: usize) -> Vec<f32> {
    reuse_any(len).unwrap_or_else(|| vec![0.0; len])
}

/// A buffer of `len` zeros.
pub(crate) fn take_zeroed(len: usize) -> Vec<f32> {
    match reuse(len) {
        Some(mut buffer) => {
            buffer.clear();
            buffer.resize(len, 0.0);
            buffer
        }
        None => vec![0.0; len],
    }
}

/// An array of `shape` filled with zeros, its buffer from the cache when one fits.
pub(crate) fn zeros(shape: &[usize]) -> ArrayD<f32> {
    let len = shape.iter().product();
    ArrayD::from_shape_vec(shape, take_zeroed(len)).expect("the buffer has the shape's length")
}

/// Gives a buffer back for reuse (large ones are kept, small ones freed).
pub(crate) fn recycle(buffer: Vec<f32>) {
    let size = bytes(&buffer);
    if buffer.capacity() < MIN_LEN || size > MAX_BYTES {
        return;
    }
    // During the thread's teardown the buffer is simply freed.
    let _ = CACHE.try_with(|cache| {
        let mut cache = cache.borrow_mut();
        // Room is made by dropping this thread's oldest buffers; if the other threads hold
        // the rest of the budget, the buffer is freed instead.
        while !cache.free.is_empty()
            && (cache.free.len() >= MAX_BUFFERS || TOTAL.load(Ordering::Relaxed) + size > MAX_BYTES)
        {
            cache.pop(0);
        }
        if TOTAL.load(Ordering::Relaxed) + size <= MAX_BYTES {
            TOTAL.fetch_add(size, Ordering::Relaxed);
            cache.free.push(buffer);
        }
    });
}

/// Gives an array's buffer back for reuse.
pub(crate) fn recycle_array(array: ArrayD<f32>) {
    if array.len() >= MIN_LEN {
        recycle(array.into_raw_vec_and_offset().0);
    }
}

/// Gives a tensor's storage back for reuse when nothing else shares it.
pub(crate) fn recycle_data(data: Data) {
    if data.len() >= MIN_LEN
        && let Ok(array) = data.try_into_owned_nocopy()
    {
        recycle_array(array);
    }
}

/// Frees the large buffers kept for reuse by this thread and by the threads of rayon's pool
/// (the current one, or the global pool when called from outside any).
///
/// Tensors of 32,768 values (128 KiB) or more give their memory back to a small per-thread
/// cache when they are dropped, and the next op that needs a buffer of about that size takes
/// it from there, so a training loop does not ask the operating system for the same pages
/// every step. The cache is bounded (at most 256 MiB over all threads, 64 buffers per
/// thread) and a thread's part is freed when the thread ends; call this to free it sooner,
/// e.g. after training, before a long phase that needs the memory for something else.
/// `fit` trains on one of rayon's threads, so most of its buffers are cached there: this
/// reaches them too: each pool thread frees its own cache, and the call returns when all
/// have (a pool thread busy with other work does it when it next takes a job).
///
/// # Examples
///
/// ```
/// use layers_core::{Tensor, release_cached_buffers};
/// let big = Tensor::zeros(&[512, 512]);
/// let doubled = &big + &big;
/// drop((big, doubled)); // their buffers stay cached on this thread
/// release_cached_buffers(); // and now go back to the allocator
/// ```
pub fn release_cached_buffers() {
    release_here();
    rayon::broadcast(|_| release_here());
}

/// Frees this thread's cache.
fn release_here() {
    let _ = CACHE.try_with(|cache| drop(std::mem::take(&mut *cache.borrow_mut())));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether this thread's cache holds the buffer at `ptr`.
    fn cached_here(ptr: usize) -> bool {
        CACHE.with(|cache| {
            cache
                .borrow()
                .free
                .iter()
                .any(|b| b.as_ptr() as usize == ptr)
        })
    }

    #[test]
    fn release_reaches_the_pool_threads() {
        // A buffer recycled on each of rayon's threads (as `fit`, running there, does) ...
        let ptrs: Vec<usize> = rayon::broadcast(|_| {
            let buffer = vec![1.0f32; MIN_LEN + 77];
            let ptr = buffer.as_ptr() as usize;
            recycle(buffer);
            assert!(cached_here(ptr));
            ptr
        });
        // ... is freed by a call from this thread, outside the pool.
        release_cached_buffers();
        let left = rayon::broadcast(|_| ptrs.iter().any(|&p| cached_here(p)));
        assert!(left.iter().all(|&l| !l), "still cached on a pool thread");
    }

    // Each test runs on its own thread, so it sees only its own thread's list.

    #[test]
    fn a_recycled_buffer_comes_back_for_a_request_of_about_its_size() {
        let len = MIN_LEN + 12_345;
        let mut buffer = vec![7.0f32; len];
        buffer[0] = 3.0;
        let ptr = buffer.as_ptr();
        recycle(buffer);
        let again = take_zeroed(len - 10);
        assert_eq!(again.as_ptr(), ptr, "the same allocation");
        assert_eq!(again.len(), len - 10);
        assert!(
            again.iter().all(|&v| v == 0.0),
            "take_zeroed clears old values"
        );
        recycle(again);
        let any = take_any(len);
        assert_eq!(any.as_ptr(), ptr);
        assert_eq!(any.len(), len);
        // The first len - 10 values were zeroed; the last ten are past the old length and
        // written as zeros too.
        assert!(any.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn a_much_larger_buffer_is_not_handed_out_for_a_small_request() {
        let len = MIN_LEN + 54_321;
        let buffer = vec![1.0f32; 2 * len];
        let ptr = buffer.as_ptr();
        recycle(buffer);
        let small = take_zeroed(len);
        assert_ne!(
            small.as_ptr(),
            ptr,
            "a buffer twice the size wastes too much"
        );
        assert_eq!(small.len(), len);
    }

    #[test]
    fn small_buffers_and_shared_storage_are_not_kept() {
        recycle(vec![1.0f32; MIN_LEN - 1]);
        CACHE.with(|cache| assert!(cache.borrow().free.iter().all(|b| b.len() >= MIN_LEN)));
        let len = MIN_LEN + 777;
        let data = Data::zeros(ndarray::IxDyn(&[len]));
        let other = data.clone();
        recycle_data(data);
        // `other` still uses the storage: it must not have been handed out.
        let taken = take_any(len);
        assert_ne!(taken.as_ptr(), other.as_ptr());
        assert_eq!(other.len(), len);
    }

    #[test]
    fn the_cache_stays_within_its_bounds_and_release_empties_it() {
        for i in 0..(MAX_BUFFERS + 10) {
            recycle(vec![0.0f32; MIN_LEN + 100_000 + i]);
        }
        CACHE.with(|cache| {
            let cache = cache.borrow();
            assert_eq!(cache.free.len(), MAX_BUFFERS, "the oldest went first");
            assert_eq!(cache.free[0].capacity(), MIN_LEN + 100_010);
        });
        assert!(TOTAL.load(Ordering::Relaxed) <= MAX_BYTES);
        release_cached_buffers();
        CACHE.with(|cache| assert!(cache.borrow().free.is_empty()));
        // A buffer over the whole budget is never kept.
        recycle(vec![0.0f32; MAX_BYTES / 4 + 1]);
        CACHE.with(|cache| assert!(cache.borrow().free.is_empty()));
    }
}
