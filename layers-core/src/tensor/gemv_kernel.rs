//! The kernels of a product of one row with a row-major kernel, column block by column
//! block (a batch-1 `Dense`, streamed once; see
//! [`streamed_product`](super::gemv::streamed_product)): plain, AVX2 + FMA, and the AVX-512
//! kernel of [`avx512`](super::avx512), picked at run time.
#![allow(unsafe_code)]

/// `out += x · w[:, first..first + out.len()]` for one row `x` (length `k`) and a row-major
/// `k × n` matrix `w` (`n = w.len() / k`): the kernel's columns streamed once, one row per
/// nonzero `x[i]` (after a ReLU about half are zero, and a zero adds nothing to a finite
/// sum). Each column gets exactly the sum it gets in the whole-row product (the same
/// multiply-adds in the same order), so a product split by columns between threads equals
/// the unsplit one bit for bit. Compiled for AVX2 + FMA as well as the baseline, and picked
/// at run time.
pub(crate) fn gemv_columns(out: &mut [f32], x: &[f32], w: &[f32], first: usize) {
    if out.is_empty() || x.is_empty() {
        return;
    }
    let n = w.len() / x.len();
    assert!(
        x.len() * n == w.len() && first + out.len() <= n,
        "gemv: shapes checked by the caller"
    );
    #[cfg(target_arch = "x86_64")]
    if super::avx512::available() {
        // SAFETY: the CPU has AVX-512F (checked above); the shapes are asserted above.
        unsafe { super::avx512::columns(out, x, w, n, first) };
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has both features the function is compiled for (checked above).
        unsafe { gemv_columns_avx2(out, x, w, n, first) };
        return;
    }
    gemv_columns_plain::<false>(out, x, w, n, first);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn gemv_columns_avx2(out: &mut [f32], x: &[f32], w: &[f32], n: usize, first: usize) {
    gemv_columns_plain::<true>(out, x, w, n, first);
}

/// The loop behind [`gemv_columns`]; `FMA` uses fused multiply-adds (only where the CPU has
/// them: elsewhere `mul_add` is a slow library call). Columns go in blocks of [`BLOCK`]
/// held in registers over all rows, so `out` is read and written once per block rather
/// than once per row.
#[inline(always)]
fn gemv_columns_plain<const FMA: bool>(
    out: &mut [f32],
    x: &[f32],
    w: &[f32],
    n: usize,
    first: usize,
) {
    let width = out.len();
    let blocked = width - width % BLOCK;
    for b0 in (0..blocked).step_by(BLOCK) {
        let c0 = first + b0;
        let mut acc = [0.0f32; BLOCK];
        acc.copy_from_slice(&out[b0..b0 + BLOCK]);
        let last = (x.len() - 1) * n + c0;
        for (i, (&xi, row)) in x.iter().zip(w.chunks_exact(n)).enumerate() {
            prefetch_block(w, (i * n + c0 + PREFETCH_ROWS * n).min(last));
            if xi != 0.0 {
                let row: &[f32; BLOCK] = row[c0..c0 + BLOCK].try_into().expect("a block");
                for (a, &wv) in acc.iter_mut().zip(row) {
                    *a = if FMA {
                        xi.mul_add(wv, *a)
                    } else {
                        *a + xi * wv
                    };
                }
            }
        }
        out[b0..b0 + BLOCK].copy_from_slice(&acc);
    }
    if blocked < width {
        let rest = &mut out[blocked..];
        let (c0, c1) = (first + blocked, first + width);
        for (&xi, row) in x.iter().zip(w.chunks_exact(n)) {
            if xi != 0.0 {
                for (o, &wv) in rest.iter_mut().zip(&row[c0..c1]) {
                    *o = if FMA {
                        xi.mul_add(wv, *o)
                    } else {
                        *o + xi * wv
                    };
                }
            }
        }
    }
}

/// How many kernel rows ahead of the one it multiplies [`gemv_columns`] asks the CPU for a
/// block: a block's rows lie a whole kernel row apart, and for a kernel streamed from L3 (one
/// of 784×256 does not fit L2 with the rest of a model) the hardware prefetchers fetch them
/// too late. Measured on Zen 3, W4's three products alone on one core: 4–8 rows ahead 5–10 %
/// faster, 16 slower; in `predict` the gain is within the noise of a loaded machine.
const PREFETCH_ROWS: usize = 8;

/// Asks the CPU to fetch the [`BLOCK`] values of `w` from `start` (a hint: no effect on
/// results, and a no-op off x86-64).
#[inline(always)]
fn prefetch_block(w: &[f32], start: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = w.as_ptr().wrapping_add(start).cast::<i8>();
        for line in 0..BLOCK * size_of::<f32>() / 64 {
            // SAFETY: a prefetch reads nothing the program sees and cannot fault, whatever
            // the address; the address is within `w` anyway (the caller's `start` is).
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (w, start);
}

/// Output columns per register block of [`gemv_columns`]: 8 AVX registers of 8 lanes.
pub(crate) const BLOCK: usize = 64;

/// The columns of one register block of [`gemv_columns`] on this CPU: 128 with AVX-512
/// ([`WIDE_BLOCK`](super::avx512::WIDE_BLOCK)), [`BLOCK`] otherwise. Products split
/// between threads are cut into runs of this many columns.
pub(crate) fn gemv_block() -> usize {
    if super::avx512::available() {
        super::avx512::WIDE_BLOCK
    } else {
        BLOCK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_rows_match_naive_sums() {
        // Widths below, at and across the register block; a third of x exactly zero.
        for n in [1, 10, 64, 130] {
            let k = 37;
            let x = ndarray::Array1::from_shape_fn(k, |i| {
                if i % 3 == 0 {
                    0.0
                } else {
                    i as f32 * 0.25 - 4.0
                }
            });
            let w: Vec<f32> = (0..k * n).map(|i| ((i * 7) % 19) as f32 - 9.0).collect();
            let mut out: Vec<f32> = (0..n).map(|j| j as f32).collect();
            gemv_columns(&mut out, x.as_slice().expect("contiguous"), &w, 0);
            for (j, &o) in out.iter().enumerate() {
                let want = j as f32 + (0..k).map(|i| x[i] * w[i * n + j]).sum::<f32>();
                assert!((o - want).abs() < 1e-3, "n {n}, column {j}: {o} vs {want}");
            }
            let mut plain: Vec<f32> = (0..n).map(|j| j as f32).collect();
            gemv_columns_plain::<false>(&mut plain, x.as_slice().expect("contiguous"), &w, n, 0);
            assert!(plain.iter().zip(&out).all(|(a, b)| (a - b).abs() < 1e-3));
            // Any run of columns gets exactly what the whole row gives it.
            for (first, width) in [(0, n / 2), (n / 3, n - n / 3), (n - 1, 1)] {
                let mut part: Vec<f32> = (first..first + width).map(|j| j as f32).collect();
                gemv_columns(&mut part, x.as_slice().expect("contiguous"), &w, first);
                assert_eq!(
                    part,
                    out[first..first + width],
                    "n {n}, columns from {first}"
                );
            }
        }
    }

    /// Whether this CPU has AVX2 and FMA.
    fn avx2_fma() -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma");
        #[cfg(not(target_arch = "x86_64"))]
        false
    }

    /// Column `j` of `out + x · w` as one loop: from `start`, one multiply-add per nonzero
    /// `x[i]` in row order (fused when `fma`): the order of the AVX2 and plain kernels.
    fn chain_sum(start: f32, x: &[f32], w: &[f32], n: usize, j: usize, fma: bool) -> f32 {
        let mut a = start;
        for (i, &xi) in x.iter().enumerate().filter(|&(_, &xi)| xi != 0.0) {
            a = if fma {
                xi.mul_add(w[i * n + j], a)
            } else {
                a + xi * w[i * n + j]
            };
        }
        a
    }

    /// Column `j` of `out + x · w` in the AVX-512 kernel's order: the 1st, 3rd, 5th…
    /// nonzero `x[i]` multiplied into a sum from `start`, the 2nd, 4th… into a sum from
    /// zero, the two added at the end.
    fn pair_sum(start: f32, x: &[f32], w: &[f32], n: usize, j: usize) -> f32 {
        let (mut odd, mut even) = (start, 0.0f32);
        let nonzero = x.iter().enumerate().filter(|&(_, &xi)| xi != 0.0);
        for (p, (i, &xi)) in nonzero.enumerate() {
            let sum = if p % 2 == 0 { &mut odd } else { &mut even };
            *sum = xi.mul_add(w[i * n + j], *sum);
        }
        odd + even
    }

    /// Column `j` of `out + x · w` as plain loops, in the order [`gemv_columns`] uses on this
    /// CPU.
    fn column_sum(start: f32, x: &[f32], w: &[f32], n: usize, j: usize) -> f32 {
        if super::super::avx512::available() {
            pair_sum(start, x, w, n, j)
        } else {
            chain_sum(start, x, w, n, j, avx2_fma())
        }
    }

    #[test]
    fn every_alignment_of_the_kernel_and_the_output_gives_the_same_bits() {
        // Kernels whose rows are whole 64-byte lines (n a multiple of 16), so the AVX-512
        // kernel shifts its registers to the lines: the buffer starting at each of the 16
        // float offsets of a line, the output at a few, runs of columns of every phase.
        let (k, big) = (23, 16 + 23 * 272 + 16);
        let pool: Vec<f32> = (0..big)
            .map(|i| ((i * 7919) % 2003) as f32 / 1001.0 - 1.0)
            .collect();
        let x: Vec<f32> = (0..k)
            .map(|i| {
                if i % 4 == 1 {
                    0.0
                } else {
                    (i % 9) as f32 * 0.41 - 1.7
                }
            })
            .collect();
        let starts: Vec<f32> = (0..300).map(|j| j as f32 * 0.25 - 3.0).collect();
        for n in [16, 128, 144, 272] {
            for offset in 0..16 {
                let w = &pool[offset..offset + k * n];
                let tail = n.min(17);
                for (first, width) in [(0, n), (1, n - 1), (5, 11), (3, n - 3), (n - tail, tail)] {
                    for out_offset in [0, 3, 8] {
                        let mut buffer = starts.clone();
                        let out = &mut buffer[out_offset..out_offset + width];
                        gemv_columns(out, &x, w, first);
                        for (c, &o) in out.iter().enumerate() {
                            let want = column_sum(starts[out_offset + c], &x, w, n, first + c);
                            assert_eq!(
                                o.to_bits(),
                                want.to_bits(),
                                "n {n}, offset {offset}, first {first}, column {c}"
                            );
                        }
                        // Nothing outside the run is touched.
                        assert_eq!(buffer[..out_offset], starts[..out_offset]);
                        assert_eq!(buffer[out_offset + width..], starts[out_offset + width..]);
                    }
                }
            }
        }
    }

    #[test]
    fn streamed_columns_equal_a_plain_column_loop_bit_for_bit() {
        // Kernels shorter and longer than the prefetch distance, widths around the register
        // block, runs of columns starting anywhere; zeros, NaN and infinities in x.
        for (k, n) in [(1, 10), (7, 64), (9, 65), (37, 130), (300, 256), (33, 200)] {
            let w: Vec<f32> = (0..k * n)
                .map(|i| ((i * 7919) % 2003) as f32 / 1001.0 - 1.0)
                .collect();
            for special in [
                None,
                Some(f32::NAN),
                Some(f32::INFINITY),
                Some(f32::NEG_INFINITY),
            ] {
                let mut x: Vec<f32> = (0..k)
                    .map(|i| {
                        if i % 3 == 1 {
                            0.0
                        } else {
                            (i % 11) as f32 * 0.37 - 1.5
                        }
                    })
                    .collect();
                if let Some(v) = special {
                    x[k / 2] = v;
                }
                for (first, width) in [(0, n), (n / 3, n - n / 3), (n - 1, 1), (1, n - 1)] {
                    let start: Vec<f32> = (first..first + width).map(|j| j as f32 * 0.5).collect();
                    let mut out = start.clone();
                    gemv_columns(&mut out, &x, &w, first);
                    for (c, (&o, &s)) in out.iter().zip(&start).enumerate() {
                        let want = column_sum(s, &x, &w, n, first + c);
                        assert!(
                            o.to_bits() == want.to_bits() || (o.is_nan() && want.is_nan()),
                            "k {k}, n {n}, {special:?}, column {}: {o} vs {want}",
                            first + c
                        );
                    }
                    // The AVX2 kernel too, where an AVX-512 CPU would not pick it.
                    #[cfg(target_arch = "x86_64")]
                    if avx2_fma() {
                        let mut out = start.clone();
                        // SAFETY: the CPU has AVX2 and FMA (checked above).
                        unsafe { gemv_columns_avx2(&mut out, &x, &w, n, first) };
                        for (c, (&o, &s)) in out.iter().zip(&start).enumerate() {
                            let want = chain_sum(s, &x, &w, n, first + c, true);
                            assert!(
                                o.to_bits() == want.to_bits() || (o.is_nan() && want.is_nan()),
                                "AVX2: k {k}, n {n}, {special:?}, column {}",
                                first + c
                            );
                        }
                    }
                }
            }
        }
    }
}
