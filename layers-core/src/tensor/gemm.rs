//! One of the three modules with `unsafe` (with [`gemv_kernel`](super::gemv_kernel) and
//! [`avx512`](super::avx512), the SIMD kernels): calls into the `gemm` crate's tuned
//! matrix-multiply kernels
//! (AVX-512/AVX2/FMA picked at run time, both cores through rayon). `ndarray`'s own `dot`
//! is single-threaded and about 2.4× slower at 1024² on this kind of machine (see the
//! README's benchmark table), which is why the matmul hot path comes here.
#![allow(unsafe_code)]

use ndarray::{ArrayView2, ArrayViewMut2, Axis, ShapeBuilder};

/// Products with fewer multiply-adds than this run on one thread: splitting them costs more
/// than it saves.
pub(crate) const PARALLEL_THRESHOLD: usize = 192 * 192 * 192;

/// Products with at most this many rows, split between threads, are split by columns (see
/// [`gemm`]). Measured on 2 threads (AVX-512), medians of 4: at 128 rows the column split is
/// as fast or faster in each of 7 shapes (128 × 784 × 256: 136 against 143 µs; an LSTM(128)
/// kernel gradient, 128 × 2048 × 512 with a transposed left side: 801 against 918 µs).
const FEW_ROWS: usize = 128;

/// `c = a · b` (or `c += a · b` when `accumulate`), for any strides of the three views.
///
/// A large product runs on all of rayon's threads. The `gemm` crate's own split packs the
/// whole of `b` on every thread, which for a product of few rows costs as much as the
/// multiply-adds (a weight gradient `xᵀ·dz`: 64 rows, `b` 2048 × 512): such a product is
/// cut here into column blocks, one per thread, each packing only its own columns of `b`
/// (1.6× the `gemm` crate's split at 64 × 2048 × 512 on 2 threads).
pub(crate) fn gemm(
    c: ArrayViewMut2<'_, f32>,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "gemm: inner dimensions checked by the caller");
    assert_eq!(c.dim(), (m, n), "gemm: output shape checked by the caller");
    let threads = rayon::current_num_threads();
    if m * n * k < PARALLEL_THRESHOLD || threads < 2 {
        gemm_on(c, a, b, accumulate, gemm::Parallelism::None);
    } else if m <= FEW_ROWS && n >= 4 * PANEL {
        by_columns(c, a, b, accumulate, threads);
    } else {
        gemm_on(c, a, b, accumulate, gemm::Parallelism::Rayon(threads));
    }
}

/// `threads` column blocks of whole [`PANEL`]s (the last one ragged), each a one-thread
/// product on its own rayon task. The split changes which thread computes a column, not
/// its sum: the tests check the result bit for bit against the unsplit one-thread product.
fn by_columns(
    c: ArrayViewMut2<'_, f32>,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    accumulate: bool,
    threads: usize,
) {
    let n = b.ncols();
    let panels = n.div_ceil(PANEL);
    if threads < 2 || panels < 2 {
        gemm_on(c, a, b, accumulate, gemm::Parallelism::None);
        return;
    }
    let left = threads / 2;
    let cut = (panels * left / threads).max(1) * PANEL;
    let (c0, c1) = c.split_at(Axis(1), cut);
    let (b0, b1) = b.split_at(Axis(1), cut);
    rayon::join(
        || by_columns(c0, a, b0, accumulate, left),
        || by_columns(c1, a, b1, accumulate, threads - left),
    );
}

/// The `gemm` crate's product with the given parallelism.
fn gemm_on(
    mut c: ArrayViewMut2<'_, f32>,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    accumulate: bool,
    parallelism: gemm::Parallelism,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    // SAFETY: the three pointers come from live ndarray views whose dimensions are exactly
    // (m, k), (k, n) and (m, n) with the strides passed, so every element gemm reads or writes
    // lies inside its view. `c` is a mutable view, so it cannot alias `a` or `b` (the borrow
    // checker forbids a shared view of the same data while it exists). A view with a zero
    // stride (broadcast) is only ever passed as `a` or `b`, which gemm only reads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// `a · b` into a new `(m, n)` array, written by the product without being zeroed first
/// (a zeroing pass over the output is a tenth of a small product's time).
pub(crate) fn product_new(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> ndarray::Array2<f32> {
    let (m, n) = (a.nrows(), b.ncols());
    if a.ncols() == 0 || m == 0 || n == 0 {
        return ndarray::Array2::zeros((m, n));
    }
    if let Some(values) = super::buffers::reuse_any(m * n) {
        // A cached buffer: its values are initialised (old ones), and the product
        // overwrites them all.
        let mut out =
            ndarray::Array2::from_shape_vec((m, n), values).expect("the buffer holds m · n values");
        gemm(out.view_mut(), a, b, false);
        return out;
    }
    let mut out = ndarray::Array2::<f32>::uninit((m, n));
    let view = out.view_mut();
    let (rs, cs) = (view.strides()[0], view.strides()[1]);
    // SAFETY: `out` is a fresh standard-layout `(m, n)` array; the view handed to `gemm` is
    // built from its pointer with exactly that shape and those strides. `gemm` called with
    // `accumulate = false` writes every element of `c` and never reads it (the `gemm` crate
    // reads the destination only when asked to accumulate; k > 0 here), so every element
    // is initialised before `assume_init`.
    unsafe {
        let c = ArrayViewMut2::from_shape_ptr(
            (m, n).strides((rs as usize, cs as usize)),
            out.as_mut_ptr().cast::<f32>(),
        );
        gemm(c, a, b, false);
        out.assume_init()
    }
}

/// Runs `f` compiled for AVX2 and FMA when the CPU has them (the library is otherwise
/// compiled for baseline x86-64, whose vectors are a quarter as wide): for the hot
/// elementwise loops (optimizer updates, activations), which the compiler vectorises
/// for the widest instructions allowed where they are inlined.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has both features the function is compiled for (checked above).
        return unsafe { vectorized_avx2(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn vectorized_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// [`vectorized`], telling `f` whether the CPU has fused multiply-add (`true` inside the
/// AVX2 + FMA build), so that arithmetic written with `if fma { a.mul_add(b, c) } else
/// { a * b + c }` uses the instruction where it exists and never the slow library call.
#[inline(always)]
pub(crate) fn vectorized_fma<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has both features the function is compiled for (checked above).
        return unsafe {
            vectorized_avx2(
                #[inline(always)]
                || f(true),
            )
        };
    }
    f(false)
}

/// [`vectorized_fma`], compiled for AVX-512 where the CPU has it: for long elementwise
/// passes whose arithmetic is the bottleneck (an LSTM step's gates: exponentials and
/// divisions), where 16 lanes per instruction beat 8. Each lane's operations are the same
/// as in the narrower build (`fma` is `true` in both), so the results are the same bits.
#[inline(always)]
pub(crate) fn vectorized_wide_fma<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if super::avx512::available()
        && std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        // SAFETY: the CPU has the three features the function is compiled for (checked).
        return unsafe {
            vectorized_avx512(
                #[inline(always)]
                || f(true),
            )
        };
    }
    vectorized_fma(f)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
fn vectorized_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Asks the CPU to start loading `values` into its caches (every 64-byte line), without
/// waiting for them: for data a later step reads, such as the next batch's samples, which
/// then come from the cache instead of memory. Does nothing where there is no such
/// instruction.
#[inline]
pub(crate) fn prefetch(values: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in values.chunks(16) {
        // SAFETY: SSE is part of every x86-64 CPU; a prefetch never faults and only reads,
        // and the pointer comes from a live slice.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T1 }>(
                line.as_ptr().cast::<i8>(),
            );
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// Columns of one panel of a [`Packed`](super::packed::Packed) matrix: two AVX2 vectors.
pub(crate) const PANEL: usize = 16;

/// `R` rows of `a` (each `k` values) times one packed panel (`k` rows of [`PANEL`] values):
/// the `R × PANEL` sums, kept in registers through the loop (the block of
/// [`Packed::product`](super::packed::Packed::product)). AVX2 + FMA intrinsics where the CPU
/// has them (the compiler's own vectorisation of this loop spilled the sums to the stack);
/// plain arithmetic elsewhere.
///
/// # Panics
///
/// If a row has fewer than `k` values or the panel fewer than `k · PANEL`.
#[inline]
pub(crate) fn panel_block<const R: usize>(
    rows: [&[f32]; R],
    panel: &[f32],
    k: usize,
) -> [[f32; PANEL]; R] {
    assert!(
        rows.iter().all(|r| r.len() >= k) && panel.len() >= k * PANEL,
        "panel_block: operands checked by the caller"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has both features the function is compiled for (checked above), and
        // the lengths it reads within were asserted above.
        return unsafe { panel_block_avx2(rows, panel, k) };
    }
    let mut acc = [[0.0f32; PANEL]; R];
    for (kk, b) in panel[..k * PANEL].chunks_exact(PANEL).enumerate() {
        for (acc, row) in acc.iter_mut().zip(&rows) {
            let x = row[kk];
            for (s, &b) in acc.iter_mut().zip(b) {
                *s = x.mul_add(b, *s);
            }
        }
    }
    acc
}

/// [`panel_block`] with AVX2 + FMA: 2·R accumulator registers (12 for R = 6), two loads of
/// the panel and R broadcasts per packed row.
///
/// # Safety
///
/// The CPU must have AVX2 and FMA; every row must hold at least `k` values and `panel` at
/// least `k · PANEL`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn panel_block_avx2<const R: usize>(
    rows: [&[f32]; R],
    panel: &[f32],
    k: usize,
) -> [[f32; PANEL]; R] {
    use std::arch::x86_64::{
        _mm256_broadcast_ss, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };
    let mut lo = [_mm256_setzero_ps(); R];
    let mut hi = [_mm256_setzero_ps(); R];
    let b = panel.as_ptr();
    for kk in 0..k {
        // SAFETY: kk < k, so the panel's values kk·PANEL .. kk·PANEL + 16 and each row's
        // value kk are within the lengths the caller guarantees.
        unsafe {
            let b0 = _mm256_loadu_ps(b.add(kk * PANEL));
            let b1 = _mm256_loadu_ps(b.add(kk * PANEL + 8));
            for r in 0..R {
                let x = _mm256_broadcast_ss(rows[r].get_unchecked(kk));
                lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);
                hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);
            }
        }
    }
    let mut out = [[0.0f32; PANEL]; R];
    for r in 0..R {
        // SAFETY: each output row holds PANEL = 16 values, two vectors of 8.
        unsafe {
            _mm256_storeu_ps(out[r].as_mut_ptr(), lo[r]);
            _mm256_storeu_ps(out[r].as_mut_ptr().add(8), hi[r]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, arr2};

    /// The wide (AVX-512) build of an elementwise pass gives the bits of the AVX2 + FMA
    /// build: the LSTM's gate math, exponentials and divisions included, over 2¹⁸ arguments
    /// in [-100, 100] (odd lengths, so the loops' tails run too).
    #[test]
    fn the_wide_build_gives_the_bits_of_the_narrow_one() {
        use super::super::recurrent::{sigmoid, tanh};
        let x: Vec<f32> = (0..(1 << 18) + 7)
            .map(|i| (i as f32 - 131_072.0) * (100.0 / 131_072.0))
            .collect();
        // Written out in each closure (not a shared function) so that it is compiled inside
        // each build.
        let mut narrow = vec![0.0f32; x.len()];
        vectorized_fma(
            #[inline(always)]
            |fma| {
                for (out, &v) in narrow.iter_mut().zip(&x) {
                    *out = sigmoid(v, fma) * tanh(0.5 * v, fma) + 1.0 / (v + 0.5);
                }
            },
        );
        let mut wide = vec![0.0f32; x.len()];
        vectorized_wide_fma(
            #[inline(always)]
            |fma| {
                for (out, &v) in wide.iter_mut().zip(&x) {
                    *out = sigmoid(v, fma) * tanh(0.5 * v, fma) + 1.0 / (v + 0.5);
                }
            },
        );
        let differ = narrow
            .iter()
            .zip(&wide)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "values that differ between the builds");
    }

    #[test]
    fn multiplies_with_any_strides() {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], worked by hand.
        let a = arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
        let b = arr2(&[[5.0f32, 6.0], [7.0, 8.0]]);
        let mut c = Array2::zeros((2, 2));
        gemm(c.view_mut(), a.view(), b.view(), false);
        assert_eq!(c, arr2(&[[19.0, 22.0], [43.0, 50.0]]));
        // aᵀ·b = [[1,3],[2,4]]·b = [[26,30],[38,44]]
        gemm(c.view_mut(), a.t(), b.view(), false);
        assert_eq!(c, arr2(&[[26.0, 30.0], [38.0, 44.0]]));
        // accumulate: c += a·b
        gemm(c.view_mut(), a.view(), b.view(), true);
        assert_eq!(c, arr2(&[[45.0, 52.0], [81.0, 94.0]]));
    }

    #[test]
    fn a_new_product_is_written_whole() {
        let a = Array2::from_shape_fn((70, 33), |(i, j)| (i * 3 + j) as f32 % 5.0 - 2.0);
        let b = Array2::from_shape_fn((33, 21), |(i, j)| (i + 2 * j) as f32 % 7.0 - 3.0);
        let c = product_new(a.view(), b.view());
        assert_eq!(c, a.dot(&b));
        assert_eq!(product_new(a.t(), a.view()), a.t().dot(&a));
        let empty = Array2::<f32>::zeros((4, 0));
        let none = Array2::<f32>::zeros((0, 3));
        assert_eq!(
            product_new(empty.view(), none.view()),
            Array2::<f32>::zeros((4, 3))
        );
    }

    /// The operands of the split-product tests: `a` given as its `(k, m)` transpose (as in a
    /// weight gradient `xᵀ·dz`), `b` `(k, n)`.
    fn operands(m: usize, k: usize, n: usize) -> (Array2<f32>, Array2<f32>) {
        let a = Array2::from_shape_fn((k, m), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.37);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * -0.21);
        (a, b)
    }

    /// `start + aᵀ·b` (or `aᵀ·b`) by the `gemm` crate on one thread, unsplit.
    fn one_thread(
        a: &Array2<f32>,
        b: &Array2<f32>,
        start: &Array2<f32>,
        accumulate: bool,
    ) -> Array2<f32> {
        let mut c = start.clone();
        gemm_on(
            c.view_mut(),
            a.t(),
            b.view(),
            accumulate,
            gemm::Parallelism::None,
        );
        c
    }

    fn same_bits(x: &Array2<f32>, y: &Array2<f32>) -> bool {
        x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    #[test]
    fn a_product_split_by_columns_equals_the_one_thread_product() {
        // Few rows, many columns: the shapes `gemm` splits by columns, and ragged ones.
        for &(m, k, n, threads) in &[
            (64, 300, 250, 2),
            (5, 1000, 512, 2),
            (17, 40, 70, 3),
            (3, 9, 33, 5),
            (1, 1, 16, 2),
        ] {
            let (a, b) = operands(m, k, n);
            for accumulate in [false, true] {
                let start = Array2::from_shape_fn((m, n), |(i, j)| (i + j) as f32 * 0.5);
                let mut split = start.clone();
                by_columns(split.view_mut(), a.t(), b.view(), accumulate, threads);
                assert!(
                    same_bits(&split, &one_thread(&a, &b, &start, accumulate)),
                    "{m}×{k}×{n} on {threads} threads, accumulate {accumulate}"
                );
                let mut want = a.t().dot(&b);
                if accumulate {
                    want += &start;
                }
                assert!(
                    split
                        .iter()
                        .zip(&want)
                        .all(|(x, y)| (x - y).abs() <= 1e-3 * (1.0 + y.abs())),
                    "{m}×{k}×{n}: the sums"
                );
            }
        }
    }

    #[test]
    fn a_product_of_at_most_few_rows_on_several_threads_has_the_one_thread_bits() {
        // `gemm` sends these to `by_columns` (an LSTM(128) kernel gradient's shape among
        // them), so the result does not depend on the number of threads.
        for &(m, k, n) in &[
            (FEW_ROWS, 2048, 512),
            (FEW_ROWS, 784, 256),
            (FEW_ROWS - 1, 600, 160),
        ] {
            assert!(m * n * k >= PARALLEL_THRESHOLD && n >= 4 * PANEL);
            let (a, b) = operands(m, k, n);
            let mut threaded = Array2::<f32>::zeros((m, n));
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(2)
                .build()
                .unwrap();
            pool.install(|| gemm(threaded.view_mut(), a.t(), b.view(), false));
            let one = one_thread(&a, &b, &Array2::zeros((m, n)), false);
            assert!(same_bits(&threaded, &one), "{m}×{k}×{n}");
        }
    }

    #[test]
    fn large_parallel_product_matches_naive() {
        let (m, k, n) = (130, 120, 110);
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let mut c = Array2::zeros((m, n));
        gemm(c.view_mut(), a.view(), b.view(), false);
        for i in (0..m).step_by(17) {
            for j in (0..n).step_by(13) {
                let want: f32 = (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum();
                assert_eq!(c[[i, j]], want);
            }
        }
    }
}
