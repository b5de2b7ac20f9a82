//! The kernel of a batch-1 product on CPUs with AVX-512: [`gemv_columns`] there.
//!
//! A product of one row with a kernel far larger than L1 is limited by how fast the
//! kernel's rows arrive from L2, not by the multiply-adds. Measured on a Xeon with AVX-512
//! (one core, the 784 × 128 half of W4's first kernel, held in L2), against the AVX2 loop of
//! [`gemv_columns`]: 64-column blocks of one row at a time reach 95 GB/s; 128-column blocks
//! (8 registers of 16 lanes) taking two rows at a time into two sets of sums, with the rows
//! two pairs ahead asked for explicitly, reach 109 GB/s (3.7 µs instead of 4.2).
//!
//! The two sets of sums change the order of the additions, so each column's sum is defined
//! here as: the nonzero `x[i]` in row order, the first, third, fifth… of them multiplied into
//! one sum that starts from the output's value, the second, fourth… into another that starts
//! from zero, and the two sums added at the end. That depends on nothing but the column, so a
//! product split by columns between threads still equals the unsplit one bit for bit.
//!
//! [`gemv_columns`]: super::gemv_kernel::gemv_columns
#![allow(unsafe_code)]

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __mmask16, _CMP_NEQ_UQ, _MM_HINT_T0, _mm_prefetch, _mm512_add_epi32, _mm512_add_ps,
    _mm512_cmp_ps_mask, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
    _mm512_maskz_compress_epi32, _mm512_maskz_loadu_ps, _mm512_set1_epi32, _mm512_set1_ps,
    _mm512_setr_epi32, _mm512_setzero_ps, _mm512_storeu_ps, _mm512_storeu_si512,
};

/// Output columns per register block: 8 registers of 16 lanes for each of the two sums.
pub(crate) const WIDE_BLOCK: usize = 128;

/// How many pairs of rows ahead of the pair it multiplies the kernel asks for.
const AHEAD_PAIRS: usize = 2;

/// Whether this CPU runs the AVX-512 kernel ([`columns`]).
#[inline]
pub(crate) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// `out += x · w[:, first..first + out.len()]` for one row `x` (length `k`) and a row-major
/// `k × n` kernel `w`, in the order the module documents.
///
/// # Safety
///
/// The CPU must have AVX-512F ([`available`]), and `x.len() * n == w.len()` with
/// `first + out.len() <= n`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn columns(out: &mut [f32], x: &[f32], w: &[f32], n: usize, first: usize) {
    debug_assert!(x.len() * n == w.len() && first + out.len() <= n);
    ROWS.with_borrow_mut(|rows| {
        // Room for a whole vector of indices past the last row (see `nonzero_rows`).
        if rows.len() < x.len() + 16 {
            rows.resize(x.len() + 16, 0);
        }
        // SAFETY: the caller has checked AVX-512F; `rows` has room for `x.len() + 16`.
        let count = unsafe { nonzero_rows(x, rows) };
        // SAFETY: as this function's own contract.
        unsafe { blocks(out, x, w, n, first, &rows[..count]) };
    });
}

thread_local! {
    /// The indices of the nonzero values of `x`, reused from call to call.
    static ROWS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// [`columns`] given the nonzero rows: one register block of [`WIDE_BLOCK`] columns after
/// the other.
///
/// # Safety
///
/// As [`columns`]; every index in `rows` is below `x.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn blocks(out: &mut [f32], x: &[f32], w: &[f32], n: usize, first: usize, rows: &[u32]) {
    for (b, block) in out.chunks_mut(WIDE_BLOCK).enumerate() {
        let c0 = first + b * WIDE_BLOCK;
        let lead = lead(w, n, c0);
        // SAFETY: AVX-512F checked by the caller; every row index is below `x.len()` and
        // the block's columns end at or before `n`, so every load stays inside `w`.
        unsafe {
            match (lead + block.len()).div_ceil(16) {
                1 => sums::<1>(block, x, w, n, c0, rows, lead),
                2 => sums::<2>(block, x, w, n, c0, rows, lead),
                3 => sums::<3>(block, x, w, n, c0, rows, lead),
                4 => sums::<4>(block, x, w, n, c0, rows, lead),
                5 => sums::<5>(block, x, w, n, c0, rows, lead),
                6 => sums::<6>(block, x, w, n, c0, rows, lead),
                7 => sums::<7>(block, x, w, n, c0, rows, lead),
                8 => sums::<8>(block, x, w, n, c0, rows, lead),
                _ => sums::<9>(block, x, w, n, c0, rows, lead),
            }
        }
    }
}

/// How many lanes column `c0` of every row of the `(k, n)` kernel `w` lies past the start of
/// its 64-byte line, when that is the same for every row (`n` a multiple of 16); 0 otherwise.
///
/// A kernel's buffer is only as aligned as the allocator made it (glibc: 16 bytes), and a
/// 64-byte load that straddles two lines costs two: shifting the registers by this many
/// lanes makes every load of the block one whole line (measured in C on the Xeon of the
/// module doc: 784 rows of 128 columns from L2, 117 GB/s aligned, 53–66 GB/s 16 bytes off).
fn lead(w: &[f32], n: usize, c0: usize) -> usize {
    if n.is_multiple_of(16) {
        (w.as_ptr() as usize / size_of::<f32>() + c0) % 16
    } else {
        0
    }
}

/// Writes the indices of the nonzero values of `x` (NaN counts as nonzero) to the front of
/// `rows`, in order, and returns how many there are.
///
/// # Safety
///
/// AVX-512F; `rows.len() >= x.len() + 16` (each step stores a whole vector of indices).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn nonzero_rows(x: &[f32], rows: &mut [u32]) -> usize {
    assert!(
        rows.len() >= x.len() + 16,
        "room for a whole vector past the end"
    );
    let lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    let mut count = 0;
    let mut chunks = x.chunks_exact(16);
    for (c, chunk) in chunks.by_ref().enumerate() {
        // SAFETY: `chunk` holds 16 values; the store writes 16 indices from `count`, and
        // `count <= 16·c` so they end within `x.len() + 16`.
        unsafe {
            let v = _mm512_maskz_loadu_ps(u16::MAX, chunk.as_ptr());
            let nonzero = _mm512_cmp_ps_mask::<_CMP_NEQ_UQ>(v, _mm512_setzero_ps());
            let index = _mm512_add_epi32(_mm512_set1_epi32((c * 16) as i32), lanes);
            let packed = _mm512_maskz_compress_epi32(nonzero, index);
            _mm512_storeu_si512(rows.as_mut_ptr().add(count).cast(), packed);
            count += nonzero.count_ones() as usize;
        }
    }
    let done = x.len() - chunks.remainder().len();
    for (i, &v) in chunks.remainder().iter().enumerate() {
        if v != 0.0 {
            rows[count] = (done + i) as u32;
            count += 1;
        }
    }
    count
}

/// One block of columns from `c0`: the two sums of every column in registers over all the
/// nonzero rows, `out` read and written once. The registers start `lead` lanes before `c0`
/// (see [`lead`]); the lanes outside the block, in the first and last register, are masked
/// off (never loaded from `w` or `out`, never stored).
///
/// # Safety
///
/// AVX-512F; every index in `rows` is below `x.len()`, `x.len() * n == w.len()`,
/// `c0 + out.len() <= n`, `lead < 16` and `lead + out.len() <= 16·R`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn sums<const R: usize>(
    out: &mut [f32],
    x: &[f32],
    w: &[f32],
    n: usize,
    c0: usize,
    rows: &[u32],
    lead: usize,
) {
    // Lanes `lead .. lead + len` of the registers hold the block; only the first and the
    // last register can reach outside it.
    let end = lead + out.len();
    let masks: [__mmask16; R] = std::array::from_fn(|r| {
        let lo = lead.saturating_sub(16 * r).min(16);
        let hi = end.saturating_sub(16 * r).min(16);
        (((1u32 << hi) - 1) & !((1u32 << lo) - 1)) as __mmask16
    });
    let (head, last) = (masks[0], masks[R - 1]);
    let mut first = [_mm512_setzero_ps(); R];
    let mut second = [_mm512_setzero_ps(); R];
    // SAFETY (every block below): the masks keep each load and store within `out` and
    // within the block's columns of a row of `w`; a prefetch never faults.
    let out_at = out.as_mut_ptr().wrapping_sub(lead);
    for r in 0..R {
        first[r] = unsafe { _mm512_maskz_loadu_ps(masks[r], out_at.wrapping_add(16 * r)) };
    }
    let base = w.as_ptr().wrapping_add(c0).wrapping_sub(lead);
    // `sums[r] += x[i] · w[i, block r]` for every register of the block.
    macro_rules! add {
        ($sums:expr, $i:expr) => {{
            let i = $i as usize;
            let p = base.wrapping_add(i * n);
            let xv = _mm512_set1_ps(x[i]);
            let wv = unsafe { _mm512_maskz_loadu_ps(head, p) };
            $sums[0] = _mm512_fmadd_ps(xv, wv, $sums[0]);
            for r in 1..R - 1 {
                let wv = unsafe { _mm512_loadu_ps(p.wrapping_add(16 * r)) };
                $sums[r] = _mm512_fmadd_ps(xv, wv, $sums[r]);
            }
            if R > 1 {
                let wv = unsafe { _mm512_maskz_loadu_ps(last, p.wrapping_add(16 * (R - 1))) };
                $sums[R - 1] = _mm512_fmadd_ps(xv, wv, $sums[R - 1]);
            }
        }};
    }
    let mut pairs = rows.chunks_exact(2);
    for (j, pair) in pairs.by_ref().enumerate() {
        let ahead = 2 * (j + AHEAD_PAIRS);
        if let Some(next) = rows.get(ahead..ahead + 2) {
            for &i in next {
                let p = base.wrapping_add(i as usize * n).cast::<i8>();
                for line in 0..R {
                    _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * line));
                }
            }
        }
        add!(first, pair[0]);
        add!(second, pair[1]);
    }
    if let [i] = *pairs.remainder() {
        add!(first, i);
    }
    for r in 0..R {
        let total = _mm512_add_ps(first[r], second[r]);
        unsafe { _mm512_mask_storeu_ps(out_at.wrapping_add(16 * r), masks[r], total) };
    }
}

/// Columns of one panel of a [`Packed`](super::packed::Packed) matrix on CPUs with AVX-512:
/// two vectors of 16 lanes (the AVX2 panel is [`PANEL`](super::gemm::PANEL), 16 columns).
pub(crate) const WIDE_PANEL: usize = 32;

/// Rows per register block of [`panel_block`]: 8 rows × 2 vectors = 16 of the 32 registers
/// hold sums; per packed row, 2 loads and 8 broadcasts feed 16 multiply-adds.
pub(crate) const WIDE_ROWS: usize = 8;

/// `R` rows of `a` (each at least `k` values) times one packed panel (`k` rows of
/// [`WIDE_PANEL`] values): the `R × WIDE_PANEL` sums, each one multiply-add per packed row in
/// row order from zero, the same order as the AVX2 kernel's, so the results do not depend
/// on the panel width.
///
/// # Panics
///
/// If the CPU lacks AVX-512F (wide panels are made only where it has it), a row has fewer
/// than `k` values or the panel fewer than `k · WIDE_PANEL`.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn panel_block<const R: usize>(
    rows: [&[f32]; R],
    panel: &[f32],
    k: usize,
) -> [[f32; WIDE_PANEL]; R] {
    assert!(
        available() && rows.iter().all(|r| r.len() >= k) && panel.len() >= k * WIDE_PANEL,
        "wide panel_block: operands checked by the caller"
    );
    // SAFETY: the CPU has AVX-512F and the lengths it reads within hold (asserted above).
    unsafe { panel_sums(rows, panel, k) }
}

/// [`panel_block`] without its checks.
///
/// # Safety
///
/// AVX-512F; every row holds at least `k` values and `panel` at least `k · WIDE_PANEL`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn panel_sums<const R: usize>(
    rows: [&[f32]; R],
    panel: &[f32],
    k: usize,
) -> [[f32; WIDE_PANEL]; R] {
    let mut lo = [_mm512_setzero_ps(); R];
    let mut hi = [_mm512_setzero_ps(); R];
    let b = panel.as_ptr();
    for kk in 0..k {
        // SAFETY: kk < k, so the panel's values kk·32 .. kk·32 + 32 and each row's value kk
        // are within the lengths the caller guarantees.
        unsafe {
            let b0 = _mm512_loadu_ps(b.add(kk * WIDE_PANEL));
            let b1 = _mm512_loadu_ps(b.add(kk * WIDE_PANEL + 16));
            for r in 0..R {
                let x = _mm512_set1_ps(*rows[r].get_unchecked(kk));
                lo[r] = _mm512_fmadd_ps(x, b0, lo[r]);
                hi[r] = _mm512_fmadd_ps(x, b1, hi[r]);
            }
        }
    }
    let mut out = [[0.0f32; WIDE_PANEL]; R];
    for r in 0..R {
        // SAFETY: each output row holds 32 values, two vectors of 16.
        unsafe {
            _mm512_storeu_ps(out[r].as_mut_ptr(), lo[r]);
            _mm512_storeu_ps(out[r].as_mut_ptr().add(16), hi[r]);
        }
    }
    out
}
