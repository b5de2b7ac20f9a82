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
//! writes its columns of the output in place. The slot's state word, on one cache line with
//! the job, holds the job's sequence number, its phase (open, helper inside, helper left,
//! closed) and both ends of the claimed chunks, so the helper enters and claims its first
//! chunk in one exchange, a helper that looks late can never enter a later job by mistake,
//! and the caller never returns (nor unwinds) while the helper is inside: it closes an open
//! slot itself, or waits for the helper to leave. That is what makes the helper's reads of
//! `x` and the kernel, and its writes to its own columns of the output, sound.
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering, fence};
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

/// The most chunks a product is cut into (wider kernels get wider chunks); below 64, so
/// that a claim end fits [`State`]'s six bits.
const MAX_CHUNKS: usize = 32;

/// The slot's phases: no job; a job the helper may enter; the helper inside; the helper
/// gone.
const CLOSED: u64 = 0;
const OPEN: u64 = 1;
const INSIDE: u64 = 2;
const LEFT: u64 = 3;

/// The slot's state, packed into one word so that the helper enters and claims its first
/// chunk in one exchange: the posted product's sequence number, its phase, and the two
/// ends of the claimed chunks. The caller has the chunks below `lo` (it claims from the
/// left), the helper those from `hi` on (it claims from the right); those between are
/// free.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct State {
    seq: u64,
    lo: u64,
    hi: u64,
    phase: u64,
}

impl State {
    fn pack(self) -> u64 {
        self.seq << 14 | self.lo << 8 | self.hi << 2 | self.phase
    }

    fn unpack(word: u64) -> State {
        State {
            seq: word >> 14,
            lo: (word >> 8) & 63,
            hi: (word >> 2) & 63,
            phase: word & 3,
        }
    }
}

/// `out += x · w` for `x` of a few rows `(rows, k)`, `w` a standard-layout `(k, n)` kernel
/// and `out` a standard-layout `(rows, n)` array: on both cores when the kernel is large
/// and the helper is free, on the calling thread otherwise. The same values either way.
pub(crate) fn streamed_product(out: ArrayViewMut2<'_, f32>, x: ArrayView2<'_, f32>, w: &Data) {
    product_with(out, x, w, gemv_columns);
}

/// [`streamed_product`] on row-major slices: `out` `(rows, n)`, `x` `(rows, k)` and `w`
/// `(k, n)`, with `rows` and `k` read from the lengths (no array views to make, which
/// costs more than the product of a small layer).
///
/// # Panics
///
/// If the lengths do not fit one `(rows, k) · (k, n)` product.
pub(crate) fn streamed_slices(out: &mut [f32], x: &[f32], w: &[f32], n: usize) {
    slices_with(out, x, w, n, gemv_columns);
}

/// Whether a product with a `(k, n)` kernel is worth splitting between the two cores.
fn splits(k: usize, n: usize) -> bool {
    k * n >= SPLIT_VALUES && n >= 2 * BLOCK && u32::try_from(k.max(n)).is_ok()
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
    slices_with(out, x, weights, n, kernel);
}

/// [`streamed_slices`] with the column kernel `kernel`.
fn slices_with(out: &mut [f32], x: &[f32], w: &[f32], n: usize, kernel: Kernel) {
    if n == 0 || out.is_empty() {
        return;
    }
    let (rows, k) = (out.len() / n, w.len() / n);
    assert!(
        out.len() == rows * n && w.len() == k * n && x.len() == rows * k,
        "gemv: shapes checked by the caller"
    );
    if k == 0 {
        return;
    }
    if splits(k, n)
        && u32::try_from(rows).is_ok()
        && let Some(helper) = Helper::get()
        && let Some(lease) = helper.lease()
    {
        return lease.product(out, x, w, n, kernel);
    }
    for (o, xr) in out.chunks_exact_mut(n).zip(x.chunks_exact(k)) {
        kernel(o, xr, w, 0);
    }
}

/// `out += x · w[.., first .. first + out.len()]` for one row `x` ([`gemv_columns`]'s
/// signature).
type Kernel = fn(out: &mut [f32], x: &[f32], w: &[f32], first: usize);

/// Where the operands of the posted product are: `x` `(rows, k)`, the kernel `(k, n)` and
/// the output `(rows, n)`, all row-major, borrowed from the caller for as long as the slot
/// is not closed. Small enough to share one cache line with the state word ([`Posted`]).
#[derive(Clone, Copy)]
struct Job {
    x: *const f32,
    w: *const f32,
    out: *mut f32,
    kernel: Kernel,
    rows: u32,
    k: u32,
    n: u32,
    /// The columns of a chunk ([`chunk_columns`]).
    block: u32,
    chunks: u32,
}

impl Job {
    /// Chunk `c`'s columns: [`chunk_columns`]-wide, the last one taking the remainder.
    fn columns(&self, c: usize) -> (usize, usize) {
        let (block, n) = (self.block as usize, self.n as usize);
        let last = c + 1 == self.chunks as usize;
        (c * block, if last { n } else { (c + 1) * block })
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
        let (rows, k, n) = (self.rows as usize, self.k as usize, self.n as usize);
        unsafe {
            let x = std::slice::from_raw_parts(self.x, rows * k);
            let w = std::slice::from_raw_parts(self.w, k * n);
            for (r, xr) in x.chunks_exact(k).enumerate() {
                let o = std::slice::from_raw_parts_mut(self.out.add(r * n + c0), c1 - c0);
                (self.kernel)(o, xr, w, c0);
            }
        }
    }
}

/// The state word and the job it describes, on one cache line: what the helper reads to
/// start.
#[repr(C, align(64))]
struct Posted {
    /// [`State::pack`] of the posted product.
    state: AtomicU64,
    /// The posted product; written only while the slot is closed and the writer holds the
    /// lease, read only by a helper inside the slot and by the caller that posted it.
    job: UnsafeCell<Option<Job>>,
}

// One line on 64-bit targets: the state word and the five pointers and sizes of the job.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Posted>() == 64);

/// What the caller and the helper share: the posted product and who does which chunk.
struct Slot {
    posted: Posted,
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
                    posted: Posted {
                        state: AtomicU64::new(CLOSED),
                        job: UnsafeCell::new(None),
                    },
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
        let state = &slot.posted.state;
        let block = chunk_columns(n);
        let (rows, k, chunks) = (out.len() / n, w.len() / n, n / block);
        let small = |v: usize| u32::try_from(v).expect("checked by `splits`");
        let job = Job {
            x: x.as_ptr(),
            w: w.as_ptr(),
            // From here until the slot is closed, `out` is written through this pointer
            // only, by chunk.
            out: out.as_mut_ptr(),
            kernel,
            rows: small(rows),
            k: small(k),
            n: small(n),
            block: small(block),
            chunks: small(chunks),
        };
        // SAFETY: the slot is closed (the previous holder of the lease closed it, or waited
        // for the helper to leave), so the helper does not read the job now, and the lease
        // makes this the only writer.
        unsafe { *slot.posted.job.get() = Some(job) };
        let seq = helper.posted.load(Ordering::Relaxed) + 1;
        helper.posted.store(seq, Ordering::Relaxed);
        // Opened with the first chunk the caller's: no locked instruction (which would wait
        // for these stores to reach the helper's core) before that chunk is done. The
        // release publishes the job (a helper enters with an acquiring exchange).
        let opened = State {
            seq,
            lo: 1,
            hi: chunks as u64,
            phase: OPEN,
        };
        state.store(opened.pack(), Ordering::Release);
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
        let mut chunk = Some(0);
        while let Some(c) = chunk {
            // SAFETY: chunk `c` is the caller's; the operands are borrowed for this call.
            unsafe { job.run(c) };
            chunk = claim(state, |s| {
                (s.lo < s.hi).then_some(State { lo: s.lo + 1, ..s })
            })
            .map(|s| s.lo as usize);
        }
        drop(open);
        if slot.panicked.swap(false, Ordering::Acquire)
            && let Some(payload) = locked(&slot.panic).take()
        {
            resume_unwind(payload);
        }
    }
}

/// Changes the state word by `next` (which says what it becomes, or `None` to leave it)
/// in one exchange; the state before, if it was changed.
fn claim(state: &AtomicU64, next: impl Fn(State) -> Option<State>) -> Option<State> {
    let mut word = state.load(Ordering::Relaxed);
    loop {
        let now = State::unpack(word);
        let then = next(now)?;
        match state.compare_exchange_weak(word, then.pack(), Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return Some(now),
            Err(actual) => word = actual,
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
        let state = &self.slot.posted.state;
        let seq = self.seq;
        // An open slot the helper never entered is closed (the caller has every chunk, or
        // is unwinding and leaves the rest undone).
        let closed = claim(state, |s| {
            (s.phase == OPEN).then_some(State { phase: CLOSED, ..s })
        });
        if closed.is_none() {
            let mut spins = 0u32;
            while State::unpack(state.load(Ordering::Acquire)).phase != LEFT {
                // The helper is inside its last chunk: a few µs at most, unless it lost its
                // core, in which case the core is better given away than spun on.
                spins += 1;
                if spins < 4096 {
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            let done = State {
                seq,
                lo: 0,
                hi: 0,
                phase: CLOSED,
            };
            state.store(done.pack(), Ordering::Relaxed);
        }
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

/// The helper thread: waits for an open slot, enters it claiming the rightmost free chunk,
/// takes chunks from the right until it meets the caller's, and leaves.
fn helper_loop(slot: &Slot) {
    let state = &slot.posted.state;
    let mut seen = 0;
    loop {
        seen = wait_for_job(slot, seen);
        let entered = claim(state, |s| {
            (s.seq == seen && s.phase == OPEN && s.hi > s.lo).then_some(State {
                hi: s.hi - 1,
                phase: INSIDE,
                ..s
            })
        });
        let Some(before) = entered else {
            continue; // closed, or every chunk taken, before the helper came
        };
        // SAFETY: inside the slot, the job is the one posted with this sequence number and
        // nobody writes it until the helper leaves.
        let job = unsafe { *slot.posted.job.get() }.expect("an open slot holds a job");
        let mut chunk = before.hi as usize - 1;
        loop {
            // SAFETY: chunk `chunk` is the helper's; the caller's operands stay borrowed
            // until the helper leaves.
            let done = catch_unwind(AssertUnwindSafe(|| unsafe { job.run(chunk) }));
            if let Err(payload) = done {
                locked(&slot.panic).get_or_insert(payload);
                slot.panicked.store(true, Ordering::Release);
            }
            // The next chunk from the right, or out (publishing the chunks written).
            let next = claim(state, |s| {
                Some(if s.hi > s.lo {
                    State { hi: s.hi - 1, ..s }
                } else {
                    State { phase: LEFT, ..s }
                })
            })
            .expect("always changed");
            if next.hi > next.lo {
                chunk = next.hi as usize - 1;
            } else {
                break;
            }
        }
    }
}

/// Waits until a slot with a sequence number other than `seen`, and a chunk free, is open,
/// and returns its sequence number: spinning for [`SPIN`], then yielding the core between
/// looks until [`ACTIVE_WAIT`], then parked.
fn wait_for_job(slot: &Slot, seen: u64) -> u64 {
    let fresh = |word: u64| {
        let s = State::unpack(word);
        (s.phase == OPEN && s.seq != seen && s.hi > s.lo).then_some(s.seq)
    };
    let state = &slot.posted.state;
    let start = Instant::now();
    let mut looks = 0u32;
    loop {
        if let Some(seq) = fresh(state.load(Ordering::Relaxed)) {
            return seq;
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
            let seq = loop {
                if let Some(seq) = fresh(state.load(Ordering::SeqCst)) {
                    break seq;
                }
                std::thread::park();
            };
            slot.parked.store(false, Ordering::SeqCst);
            return seq;
        }
    }
}

#[cfg(test)]
mod tests;
