//! Products of a few rows with a large kernel on both cores: a persistent helper thread
//! takes the upper output columns of each product while the calling thread computes the
//! lower ones.
//!
//! A batch-1 forward pass reads every weight once. The 940 KB of an MLP such as
//! 784→256→128→10 do not fit one core's L2 (512 KB), so one core streams them from L3 on
//! every call; split by columns, each core streams its own half of every kernel, and the
//! halves stay in the two L2 caches from call to call. A rayon `join` cannot do this: waking
//! a sleeping rayon worker costs tens of µs, more than the whole product. The helper here
//! waits actively instead (like OpenMP's active wait policy): it spins for a bounded time
//! after each job, then yields, then parks, so an idle process burns nothing.
//!
//! The split never waits for a helper that is not running: the columns go in chunks that
//! the caller claims from the left and the helper from the right, so a helper that is
//! asleep, descheduled or busy with another caller's product simply leaves all the chunks
//! to the caller. Every column gets the same multiply-adds in the same order as in the
//! unsplit product ([`gemv_columns`]), so the results are the same bit for bit. The helper
//! holds the kernel (a shared [`Data`]) only while it works: the call returns after the
//! helper has let go of it. A panic in the helper's part is raised again in the caller.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use ndarray::{ArrayView2, ArrayViewMut2};

use super::Data;
use super::gemv_kernel::{BLOCK, gemv_block, gemv_columns};

/// Kernels with fewer values than this run on the calling thread alone: handing half of a
/// smaller product over costs about what it saves.
const SPLIT_VALUES: usize = 64 * 1024;

/// How long the helper spins after a job, waiting for the next one, before it yields
/// (long enough to cover the gap between two batch-1 `predict` calls in a loop).
const SPIN: Duration = Duration::from_micros(30);

/// How long the helper waits (spinning, then yielding its core to anything runnable)
/// before it parks until a caller wakes it.
const ACTIVE_WAIT: Duration = Duration::from_micros(100);

/// A parked helper is woken by one product in this many: a wake-up costs the caller a
/// system call and arrives too late for that product, so a caller that calls rarely (or
/// a machine too busy to give the helper a core in time) should not pay it every time;
/// a caller in a loop gets the helper back within a few products.
const WAKE_EVERY: u64 = 8;

/// A chunk's states: free, taken by the caller, taken by the helper, done by the helper.
const FREE: u8 = 0;
const CALLER: u8 = 1;
const HELPER: u8 = 2;
const DONE: u8 = 3;

/// `out += x · w` for `x` of a few rows `(rows, k)`, `w` a standard-layout `(k, n)` kernel
/// and `out` a standard-layout `(rows, n)` array: on both cores when the kernel is large
/// and the helper is free, on the calling thread otherwise. The same values either way.
pub(crate) fn streamed_product(out: ArrayViewMut2<'_, f32>, x: ArrayView2<'_, f32>, w: &Data) {
    product_with(out, x, w, columns);
}

/// Whether a product with a `(k, n)` kernel is worth splitting between the two cores.
fn splits(k: usize, n: usize) -> bool {
    k * n >= SPLIT_VALUES && n >= 2 * BLOCK
}

/// The columns of one chunk of a split product with `n` columns: the kernel's register
/// block ([`gemv_block`]: 128 columns with AVX-512), or [`BLOCK`] (64) where that would
/// leave fewer than two chunks (a 784 × 128 kernel is still split in two).
fn chunk_columns(n: usize) -> usize {
    let block = gemv_block();
    if n >= 2 * block { block } else { BLOCK }
}

/// [`streamed_product`] with the column kernel `kernel` (tests pass a failing one).
fn product_with(mut out: ArrayViewMut2<'_, f32>, x: ArrayView2<'_, f32>, w: &Data, kernel: Kernel) {
    let (rows, k) = x.dim();
    let n = out.ncols();
    assert!(
        w.shape() == [k, n] && out.nrows() == rows,
        "gemv: shapes checked by the caller"
    );
    let x = x.as_standard_layout();
    let x = x.as_slice().expect("standard layout");
    let weights = w.as_slice().expect("a standard-layout kernel");
    let out = out.as_slice_mut().expect("a fresh standard-layout output");
    if rows == 0 || n == 0 || k == 0 {
        return;
    }
    if splits(k, n)
        && let Some(helper) = Helper::get()
        && let Some(lease) = helper.lease()
    {
        return lease.product(out, x, w, kernel);
    }
    kernel(out, x, weights, n, 0, n);
}

/// `out[.., c0..c1] += x · w[.., c0..c1]` for every row of `x` (`out` is `rows × n`).
type Kernel = fn(out: &mut [f32], x: &[f32], w: &[f32], n: usize, c0: usize, c1: usize);

/// The [`Kernel`] of every product: [`gemv_columns`] row by row.
fn columns(out: &mut [f32], x: &[f32], w: &[f32], n: usize, c0: usize, c1: usize) {
    let k = w.len() / n;
    for (o, xr) in out.chunks_exact_mut(n).zip(x.chunks_exact(k)) {
        gemv_columns(&mut o[c0..c1], xr, w, c0);
    }
}

/// One product handed to the helper: everything it reads is its own (`x` copied, the
/// kernel shared), so it can outlive a caller that unwinds.
struct Job {
    /// The rows of `x`, row-major.
    x: Vec<f32>,
    /// The kernel `(k, n)`.
    w: Data,
    /// The kernel's columns.
    n: usize,
    /// The columns of a chunk ([`chunk_columns`]).
    block: usize,
    /// The product of a run of columns.
    kernel: Kernel,
    /// Each chunk's state ([`FREE`] …).
    chunks: Vec<AtomicU8>,
    /// The output's starting values `(rows, n)`; the helper adds its chunks' products here.
    out: Mutex<Vec<f32>>,
    /// A panic in the helper's part, for the caller to raise.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
}

impl Job {
    /// Chunk `c`'s columns: [`chunk_columns`]-wide, the last one taking the remainder.
    fn columns(&self, c: usize) -> (usize, usize) {
        let (last, block) = (c + 1 == self.chunks.len(), self.block);
        (c * block, if last { self.n } else { (c + 1) * block })
    }

    /// Claims chunk `c` for `who`; false if the other side has it.
    fn claim(&self, c: usize, who: u8) -> bool {
        self.chunks[c]
            .compare_exchange(FREE, who, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }

    /// The helper's side: chunks from the right until it meets the caller's.
    fn help(&self) {
        for c in (0..self.chunks.len()).rev() {
            if !self.claim(c, HELPER) {
                return;
            }
            let (c0, c1) = self.columns(c);
            let weights = self.w.as_slice().expect("checked by the caller");
            let done = catch_unwind(AssertUnwindSafe(|| {
                (self.kernel)(&mut locked(&self.out), &self.x, weights, self.n, c0, c1);
            }));
            if let Err(payload) = done {
                locked(&self.panic).get_or_insert(payload);
            }
            self.chunks[c].store(DONE, Ordering::Release);
        }
    }
}

/// Locks `m`, ignoring poisoning: every writer leaves the data whole (a panicking kernel
/// only leaves some sums unfinished, and the caller then raises the panic).
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the caller and the helper share.
struct Shared {
    /// Bumped for every posted job: the helper waits for it to change.
    posted: AtomicU64,
    /// The current job, while its caller is computing.
    job: Mutex<Option<Arc<Job>>>,
    /// Whether the helper is parked (or about to park), so a caller must wake it to have it
    /// help (see [`WAKE_EVERY`]).
    parked: AtomicBool,
}

/// The persistent helper thread and the lock that gives it to one caller at a time.
struct Helper {
    shared: Arc<Shared>,
    /// Taken by the caller whose job the helper may work on; other callers run alone.
    busy: AtomicBool,
    thread: Thread,
}

impl Helper {
    /// The process's helper, started on first use; `None` if the thread cannot be started.
    fn get() -> Option<&'static Helper> {
        static HELPER: OnceLock<Option<Helper>> = OnceLock::new();
        HELPER
            .get_or_init(|| {
                let shared = Arc::new(Shared {
                    posted: AtomicU64::new(0),
                    job: Mutex::new(None),
                    parked: AtomicBool::new(false),
                });
                let theirs = Arc::clone(&shared);
                let handle = std::thread::Builder::new()
                    .name("layers-gemv".into())
                    .spawn(move || helper_loop(&theirs))
                    .ok()?;
                Some(Helper {
                    thread: handle.thread().clone(),
                    shared,
                    busy: AtomicBool::new(false),
                })
            })
            .as_ref()
    }

    /// The helper for one product, unless another caller has it.
    fn lease(&'static self) -> Option<Lease> {
        // Never made for a busy helper: dropped, such a `Lease` would withdraw the other
        // caller's job.
        if self.busy.swap(true, Ordering::Acquire) {
            None
        } else {
            Some(Lease { helper: self })
        }
    }
}

/// The right to post one job to the helper; dropping it waits until the helper has let go
/// of the job (even when the caller unwinds), then frees the helper for other callers.
struct Lease {
    helper: &'static Helper,
}

impl Lease {
    /// [`streamed_product`] on both cores: the caller takes chunks from the left, the
    /// helper from the right; the helper's sums are copied in at the end.
    fn product(self, out: &mut [f32], x: &[f32], w: &Data, kernel: Kernel) {
        let n = w.shape()[1];
        let weights = w.as_slice().expect("checked by the caller");
        let job = Arc::new(Job {
            x: x.to_vec(),
            w: w.clone(),
            n,
            block: chunk_columns(n),
            kernel,
            chunks: (0..n / chunk_columns(n))
                .map(|_| AtomicU8::new(FREE))
                .collect(),
            out: Mutex::new(out.to_vec()),
            panic: Mutex::new(None),
        });
        let shared = &self.helper.shared;
        *locked(&shared.job) = Some(Arc::clone(&job));
        let posted = shared.posted.fetch_add(1, Ordering::SeqCst);
        if shared.parked.load(Ordering::SeqCst) && posted.is_multiple_of(WAKE_EVERY) {
            // Too late for this product (waking takes longer than the product), in time
            // for the next ones.
            self.helper.thread.unpark();
        }
        for c in 0..job.chunks.len() {
            if !job.claim(c, CALLER) {
                break;
            }
            let (c0, c1) = job.columns(c);
            kernel(out, x, weights, n, c0, c1);
        }
        let job = self.release(job);
        if let Some(payload) = locked(&job.panic).take() {
            resume_unwind(payload);
        }
        let helped = locked(&job.out);
        for c in 0..job.chunks.len() {
            if job.chunks[c].load(Ordering::Acquire) == DONE {
                let (c0, c1) = job.columns(c);
                for (o, h) in out.chunks_exact_mut(n).zip(helped.chunks_exact(n)) {
                    o[c0..c1].copy_from_slice(&h[c0..c1]);
                }
            }
        }
    }

    /// Withdraws `job` and waits until the helper no longer holds it: it then owns nothing
    /// of the caller's (the kernel's buffer is no longer shared), and every chunk it took
    /// is done.
    fn release(&self, mut job: Arc<Job>) -> Arc<Job> {
        *locked(&self.helper.shared.job) = None;
        let mut spins = 0u32;
        while Arc::get_mut(&mut job).is_none() {
            // The helper is inside its last chunk: a few µs at most, unless it lost its
            // core, in which case the core is better given away than spun on.
            spins += 1;
            if spins < 4096 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        job
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // On unwinding from the caller's own chunks the job is still posted: withdraw it.
        let job = locked(&self.helper.shared.job).take();
        if let Some(job) = job {
            drop(self.release(job));
        }
        self.helper.busy.store(false, Ordering::Release);
    }
}

/// The helper thread: waits for a job, takes its share, and goes back to waiting.
fn helper_loop(shared: &Shared) {
    let mut seen = 0;
    loop {
        seen = wait_for_job(shared, seen);
        let job = locked(&shared.job).clone();
        if let Some(job) = job {
            job.help();
        }
    }
}

/// Waits until a job after `seen` is posted and returns its number: spinning for [`SPIN`],
/// then yielding the core between looks until [`ACTIVE_WAIT`], then parked.
fn wait_for_job(shared: &Shared, seen: u64) -> u64 {
    let start = Instant::now();
    let mut looks = 0u32;
    loop {
        let posted = shared.posted.load(Ordering::Acquire);
        if posted != seen {
            return posted;
        }
        looks = looks.wrapping_add(1);
        if !looks.is_multiple_of(64) {
            std::hint::spin_loop();
            continue;
        }
        let waited = start.elapsed();
        if waited < SPIN {
            std::hint::spin_loop();
        } else if waited < ACTIVE_WAIT {
            std::thread::yield_now();
        } else {
            shared.parked.store(true, Ordering::SeqCst);
            // A job posted before `parked` was set is seen here; a caller that posts after
            // sees `parked` and wakes the thread (or leaves it parked and does the whole
            // product itself).
            while shared.posted.load(Ordering::SeqCst) == seen {
                std::thread::park();
            }
            shared.parked.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests;
