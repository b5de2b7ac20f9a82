//! Products of a few rows with a large kernel on both cores: a persistent helper thread
//! takes the upper output columns of each product while the calling thread computes the
//! lower ones.
//!
//! A batch-1 forward pass reads every weight once. The 940 KB of an MLP such as
//! 784→256→128→10 do not fit one core's L2 (512 KB on some machines), so one core streams
//! them from L3 on every call; split by columns, each core streams its own half of every
//! kernel, and the halves stay in the two L2 caches from call to call. A rayon `join`
//! cannot do this: waking a sleeping rayon worker costs tens of µs, more than the whole
//! product. The helper here waits actively instead (like OpenMP's active wait policy): it
//! spins for a bounded time after each job, then yields, then parks, so an idle process
//! burns nothing.
//!
//! The hand-over allocates nothing and copies nothing: the caller writes where its
//! operands are into one shared slot and opens it; the helper enters the open slot and
//! writes its columns of the output in place. The slot's state word holds the job's
//! sequence number and its phase (open, helper inside, helper left, closed), so a helper
//! that looks late can never enter a later job by mistake, and the caller never returns
//! (nor unwinds) while the helper is inside: it closes an open slot itself, or waits for
//! the helper to leave. That is what makes the helper's reads of `x` and the kernel, and
//! its writes to its own columns of the output, sound.
//!
//! The split never waits for a helper that is not running: the columns go in chunks that
//! the caller claims from the left and the helper from the right, so a helper that is
//! asleep, descheduled or busy with another caller's product simply leaves all the chunks
//! to the caller. Every column gets the same multiply-adds in the same order as in the
//! unsplit product ([`gemv_columns`]), so the results are the same bit for bit. A panic
//! in the helper's part is raised again in the caller.
#![allow(unsafe_code)]

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering, fence};
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

/// The most chunks a product is cut into (wider kernels get wider chunks).
const MAX_CHUNKS: usize = 32;

/// A chunk's states: free, taken by the caller, taken by the helper, done by the helper.
const FREE: u8 = 0;
const CALLER: u8 = 1;
const HELPER: u8 = 2;
const DONE: u8 = 3;

/// The slot's phases, in the low two bits of its state word (the job's sequence number
/// above them): no job; a job the helper may enter; the helper inside; the helper gone.
const CLOSED: u64 = 0;
const OPEN: u64 = 1;
const INSIDE: u64 = 2;
const LEFT: u64 = 3;

/// `out += x · w` for `x` of a few rows `(rows, k)`, `w` a standard-layout `(k, n)` kernel
/// and `out` a standard-layout `(rows, n)` array: on both cores when the kernel is large
/// and the helper is free, on the calling thread otherwise. The same values either way.
pub(crate) fn streamed_product(out: ArrayViewMut2<'_, f32>, x: ArrayView2<'_, f32>, w: &Data) {
    product_with(out, x, w, gemv_columns);
}

/// Whether a product with a `(k, n)` kernel is worth splitting between the two cores.
fn splits(k: usize, n: usize) -> bool {
    k * n >= SPLIT_VALUES && n >= 2 * BLOCK
}

/// The columns of one chunk of a split product with `n` columns: the kernel's register
/// block ([`gemv_block`]: 128 columns with AVX-512), or [`BLOCK`] (64) where that would
/// leave fewer than two chunks (a 784 × 128 kernel is still split in two); a multiple of
/// it where there would be more than [`MAX_CHUNKS`].
fn chunk_columns(n: usize) -> usize {
    let block = gemv_block();
    let block = if n >= 2 * block { block } else { BLOCK };
    block * (n / block).div_ceil(MAX_CHUNKS).max(1)
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
        return lease.product(out, x, weights, n, kernel);
    }
    for (o, xr) in out.chunks_exact_mut(n).zip(x.chunks_exact(k)) {
        kernel(o, xr, weights, 0);
    }
}

/// `out += x · w[.., first .. first + out.len()]` for one row `x` ([`gemv_columns`]'s
/// signature).
type Kernel = fn(out: &mut [f32], x: &[f32], w: &[f32], first: usize);

/// Where the operands of the posted product are: `x` `(rows, k)`, the kernel `(k, n)` and
/// the output `(rows, n)`, all row-major, borrowed from the caller for as long as the slot
/// is not closed.
#[derive(Clone, Copy)]
struct Job {
    x: *const f32,
    w: *const f32,
    out: *mut f32,
    rows: usize,
    k: usize,
    n: usize,
    /// The columns of a chunk ([`chunk_columns`]).
    block: usize,
    chunks: usize,
    kernel: Kernel,
}

impl Job {
    /// Chunk `c`'s columns: [`chunk_columns`]-wide, the last one taking the remainder.
    fn columns(&self, c: usize) -> (usize, usize) {
        let last = c + 1 == self.chunks;
        (
            c * self.block,
            if last { self.n } else { (c + 1) * self.block },
        )
    }

    /// Computes chunk `c`: its columns of every row of the output.
    ///
    /// # Safety
    ///
    /// The operands are alive and unchanged, and nobody else reads or writes chunk `c`'s
    /// columns of the output, until this returns (the chunk's claim and the slot's phase
    /// make sure of it).
    unsafe fn run(&self, c: usize) {
        let (c0, c1) = self.columns(c);
        // SAFETY: `x` and `w` point to `rows·k` and `k·n` values that only get read while
        // the slot is not closed; the row's columns `c0..c1` of `out` are written by this
        // chunk's owner alone.
        unsafe {
            let x = std::slice::from_raw_parts(self.x, self.rows * self.k);
            let w = std::slice::from_raw_parts(self.w, self.k * self.n);
            for (r, xr) in x.chunks_exact(self.k).enumerate() {
                let o = std::slice::from_raw_parts_mut(self.out.add(r * self.n + c0), c1 - c0);
                (self.kernel)(o, xr, w, c0);
            }
        }
    }
}

/// What the caller and the helper share: the posted product and who does which chunk.
struct Slot {
    /// `sequence << 2 | phase` of the posted product.
    state: AtomicU64,
    /// The posted product; written only while the slot is closed and the writer holds the
    /// lease, read only by a helper inside the slot and by the caller that posted it.
    job: UnsafeCell<Option<Job>>,
    /// Each chunk's state ([`FREE`] …), reset by the caller before it opens the slot.
    claims: [AtomicU8; MAX_CHUNKS],
    /// Set with `panic` when the helper's part panicked.
    panicked: AtomicBool,
    /// A panic in the helper's part, for the caller to raise.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    /// Whether the helper is parked (or about to park), so a caller must wake it to have it
    /// help (see [`WAKE_EVERY`]).
    parked: AtomicBool,
}

// SAFETY: `job`'s pointers are only followed under the slot's protocol (see the module
// doc): the caller writes them while the slot is closed, the helper reads them only after
// entering an open slot of the same sequence number, and the caller does not return while
// the helper is inside; the operands they point to are `f32` values shared or written by
// chunk.
unsafe impl Sync for Slot {}
// SAFETY: as above; the pointers are never followed outside a posted product's lifetime.
unsafe impl Send for Slot {}

/// The persistent helper thread and the lock that gives it to one caller at a time.
struct Helper {
    slot: Arc<Slot>,
    /// Taken by the caller whose job the helper may work on; other callers run alone.
    busy: AtomicBool,
    /// The last sequence number posted (changed only by the lease holder).
    posted: AtomicU64,
    thread: Thread,
}

impl Helper {
    /// The process's helper, started on first use; `None` if the thread cannot be started.
    fn get() -> Option<&'static Helper> {
        static HELPER: OnceLock<Option<Helper>> = OnceLock::new();
        HELPER
            .get_or_init(|| {
                let slot = Arc::new(Slot {
                    state: AtomicU64::new(CLOSED),
                    job: UnsafeCell::new(None),
                    claims: std::array::from_fn(|_| AtomicU8::new(FREE)),
                    panicked: AtomicBool::new(false),
                    panic: Mutex::new(None),
                    parked: AtomicBool::new(false),
                });
                let theirs = Arc::clone(&slot);
                let handle = std::thread::Builder::new()
                    .name("layers-gemv".into())
                    .spawn(move || helper_loop(&theirs))
                    .ok()?;
                Some(Helper {
                    thread: handle.thread().clone(),
                    slot,
                    busy: AtomicBool::new(false),
                    posted: AtomicU64::new(0),
                })
            })
            .as_ref()
    }

    /// The helper for one product, unless another caller has it.
    fn lease(&'static self) -> Option<Lease> {
        if self.busy.swap(true, Ordering::Acquire) {
            None
        } else {
            Some(Lease { helper: self })
        }
    }
}

/// The right to post one product to the helper; dropping it frees the helper for other
/// callers.
struct Lease {
    helper: &'static Helper,
}

impl Lease {
    /// [`streamed_product`] on both cores: the caller takes chunks from the left, the
    /// helper from the right, each writing its columns of `out` in place. `x` is
    /// `(rows, k)`, `w` `(k, n)` and `out` `(rows, n)`, none of them empty.
    fn product(self, out: &mut [f32], x: &[f32], w: &[f32], n: usize, kernel: Kernel) {
        let helper = self.helper;
        let slot = &*helper.slot;
        let block = chunk_columns(n);
        let job = Job {
            x: x.as_ptr(),
            w: w.as_ptr(),
            // From here until the slot is closed, `out` is written through this pointer
            // only, by chunk.
            out: out.as_mut_ptr(),
            rows: out.len() / n,
            k: w.len() / n,
            n,
            block,
            chunks: n / block,
            kernel,
        };
        // SAFETY: the slot is closed (the previous holder of the lease closed it, or waited
        // for the helper to leave), so the helper does not read the job now, and the lease
        // makes this the only writer.
        unsafe { *slot.job.get() = Some(job) };
        // The first chunk is the caller's from the start: no locked instruction (which
        // would wait for these stores to reach the helper's core) before the caller's
        // first chunk is done.
        slot.claims[0].store(CALLER, Ordering::Relaxed);
        for claim in &slot.claims[1..job.chunks] {
            claim.store(FREE, Ordering::Relaxed);
        }
        let seq = helper.posted.load(Ordering::Relaxed) + 1;
        helper.posted.store(seq, Ordering::Relaxed);
        // Publishes the job and the claims (a helper enters with an acquiring exchange).
        slot.state.store(seq << 2 | OPEN, Ordering::Release);
        if seq.is_multiple_of(WAKE_EVERY) {
            // Paired with the helper's store of `parked` and load of the state: either the
            // helper sees this job before it parks, or this caller sees it parked. Too late
            // for this product (waking takes longer than the product), in time for the
            // next ones; a parked helper simply leaves the seven products between to the
            // caller.
            fence(Ordering::SeqCst);
            if slot.parked.load(Ordering::Relaxed) {
                helper.thread.unpark();
            }
        }
        let open = Open { slot, seq };
        for c in 0..job.chunks {
            let mine = c == 0
                || slot.claims[c]
                    .compare_exchange(FREE, CALLER, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok();
            if !mine {
                break;
            }
            // SAFETY: chunk `c` is the caller's; the operands are borrowed for this call.
            unsafe { job.run(c) };
        }
        drop(open);
        if slot.panicked.swap(false, Ordering::Acquire)
            && let Some(payload) = locked(&slot.panic).take()
        {
            resume_unwind(payload);
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.helper.busy.store(false, Ordering::Release);
    }
}

/// An open slot: dropping it (also when the caller unwinds) closes the slot, waiting for
/// the helper to leave if it is inside, so that nothing of the caller's is touched after.
struct Open<'a> {
    slot: &'a Slot,
    seq: u64,
}

impl Drop for Open<'_> {
    fn drop(&mut self) {
        let state = &self.slot.state;
        let open = self.seq << 2 | OPEN;
        if state
            .compare_exchange(
                open,
                self.seq << 2 | CLOSED,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
        {
            return; // the helper never came: the caller did every chunk
        }
        let left = self.seq << 2 | LEFT;
        let mut spins = 0u32;
        while state.load(Ordering::Acquire) != left {
            // The helper is inside its last chunk: a few µs at most, unless it lost its
            // core, in which case the core is better given away than spun on.
            spins += 1;
            if spins < 4096 {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        state.store(self.seq << 2 | CLOSED, Ordering::Relaxed);
        if std::thread::panicking() && self.slot.panicked.swap(false, Ordering::Acquire) {
            // The caller's own panic goes on; the helper's is dropped with the product.
            drop(locked(&self.slot.panic).take());
        }
    }
}

/// Locks `m`, ignoring poisoning: a panic payload is only ever put in or taken out whole.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The helper thread: waits for an open slot, enters it, takes its share from the right
/// and leaves.
fn helper_loop(slot: &Slot) {
    let mut seen = 0;
    loop {
        let state = wait_for_job(slot, seen);
        seen = state >> 2;
        if slot
            .state
            .compare_exchange(
                state,
                seen << 2 | INSIDE,
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .is_err()
        {
            continue; // closed by its caller before the helper came
        }
        // SAFETY: inside the slot, the job is the one posted with this sequence number and
        // nobody writes it until the helper leaves.
        let job = unsafe { *slot.job.get() }.expect("an open slot holds a job");
        for c in (0..job.chunks).rev() {
            if slot.claims[c]
                .compare_exchange(FREE, HELPER, Ordering::Acquire, Ordering::Relaxed)
                .is_err()
            {
                break;
            }
            // SAFETY: chunk `c` is the helper's; the caller's operands stay borrowed until
            // the helper leaves.
            let done = catch_unwind(AssertUnwindSafe(|| unsafe { job.run(c) }));
            if let Err(payload) = done {
                locked(&slot.panic).get_or_insert(payload);
                slot.panicked.store(true, Ordering::Release);
            }
            slot.claims[c].store(DONE, Ordering::Release);
        }
        slot.state.store(seen << 2 | LEFT, Ordering::Release);
    }
}

/// Waits until a slot with a sequence number other than `seen` is open and returns its
/// state word: spinning for [`SPIN`], then yielding the core between looks until
/// [`ACTIVE_WAIT`], then parked.
fn wait_for_job(slot: &Slot, seen: u64) -> u64 {
    let fresh = |state: u64| state & 3 == OPEN && state >> 2 != seen;
    let start = Instant::now();
    let mut looks = 0u32;
    loop {
        let state = slot.state.load(Ordering::Acquire);
        if fresh(state) {
            return state;
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
            slot.parked.store(true, Ordering::SeqCst);
            // A slot opened before `parked` was set is seen here; a caller that opens one
            // after sees `parked` and wakes the thread (or leaves it parked and does the
            // whole product itself).
            while !fresh(slot.state.load(Ordering::SeqCst)) {
                std::thread::park();
            }
            slot.parked.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests;
