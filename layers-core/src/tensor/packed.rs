//! Products of a few rows against one matrix packed once and reused: the recurrent kernel of
//! a fused RNN sequence is multiplied by a new state every time step (32 times per sequence
//! in a typical batch), and a general GEMM packs its right-hand side again on every call —
//! 8.6 % of the LSTM benchmark's time (W7 of issue 13) went to that packing.
//!
//! [`Packed`] stores `b` `(k, n)` as panels of `nr` columns, each panel `k` rows of `nr`
//! contiguous values (the last panel zero-padded), so the kernel reads it front to back. The
//! kernel keeps a block of up to `mr` rows × `nr` columns of the output in registers,
//! broadcasting one value of each row of `a` against each packed row: `mr · nr`
//! multiply-adds per `nr + mr` loads. With AVX2 that is [`MR`] = 6 rows × [`NR`] = 16 columns
//! in 12 registers ([`panel_block`]); with AVX-512, 8 rows × 32 columns in 16 of its 32
//! registers ([`avx512::panel_block`]), twice the multiply-adds per instruction. Each sum is
//! one multiply-add per packed row in row order either way, so the panel width changes the
//! speed, not the results.

use ndarray::ArrayView2;

use super::avx512::{self, WIDE_PANEL, WIDE_ROWS};
use super::gemm::{PANEL as NR, panel_block};

/// Rows per register block.
pub(crate) const MR: usize = 6;

/// A `(k, n)` matrix packed for [`Packed::product`].
pub(crate) struct Packed {
    k: usize,
    n: usize,
    /// Columns per panel: [`WIDE_PANEL`] where the CPU has AVX-512, [`NR`] otherwise.
    nr: usize,
    /// `⌈n / nr⌉` panels of `k · nr` values from `start` on (see [`Packed::panels`]).
    store: Vec<f32>,
    /// Where the panels start in `store`: the first value on a 64-byte boundary.
    start: usize,
}

/// Spare values at the front of a packed matrix's buffer, so that its panels can start on
/// a 64-byte line (an allocation is only 16-byte aligned, and a vector load that straddles
/// two lines costs two).
const ALIGN_SPARE: usize = 64 / size_of::<f32>() - 1;

impl Packed {
    /// Packs `b` (any strides, e.g. a transposed view). Rows or columns that lie contiguous
    /// in memory are copied as slices (a row-major `b`, or the transpose of one); other
    /// strides value by value.
    pub(crate) fn new(b: ArrayView2<'_, f32>) -> Packed {
        Packed::with_panels(b, if avx512::available() { WIDE_PANEL } else { NR })
    }

    /// [`new`](Self::new) with panels of `nr` columns ([`NR`], or [`WIDE_PANEL`] where the
    /// CPU has AVX-512): the tests run both kernels on one machine.
    fn with_panels(b: ArrayView2<'_, f32>, nr: usize) -> Packed {
        let (k, n) = b.dim();
        let count = n.div_ceil(nr);
        let len = count * k * nr;
        let mut store = vec![0.0f32; len + ALIGN_SPARE];
        let start = store.as_ptr().align_offset(64).min(ALIGN_SPARE);
        let panels = &mut store[start..start + len];
        if panels.is_empty() {
            // No rows or no columns: nothing to copy.
            return Packed {
                k,
                n,
                nr,
                store,
                start,
            };
        }
        let width = k * nr;
        if b.row(0).as_slice().is_some() {
            // Row-major: each row of `b` is cut into its panels' rows.
            for (kk, row) in b.rows().into_iter().enumerate() {
                let row = row.to_slice().expect("rows of unit stride");
                for (p, part) in row.chunks(nr).enumerate() {
                    let at = p * width + kk * nr;
                    panels[at..at + part.len()].copy_from_slice(part);
                }
            }
        } else if b.column(0).as_slice().is_some() {
            // Column-major (a transposed row-major matrix): each column of `b` becomes one
            // lane of its panel. A panel is written in blocks of 16 rows from its `nr`
            // columns read side by side, so that each line of the panel is loaded once
            // (lane by lane, a panel larger than the L1 cache went through it `nr` times:
            // the LSTM(128) backward of W7 spent about 100 µs before its first step, 50 µs
            // now; the pack alone takes 30 µs).
            let columns: Vec<&[f32]> = b
                .columns()
                .into_iter()
                .map(|c| c.to_slice().expect("columns of unit stride"))
                .collect();
            const BLOCK: usize = 16;
            for (panel, lanes) in panels.chunks_exact_mut(width).zip(columns.chunks(nr)) {
                for (rows, first) in panel.chunks_mut(BLOCK * nr).zip((0..k).step_by(BLOCK)) {
                    let last = (first + BLOCK).min(k);
                    for (lane, column) in lanes.iter().enumerate() {
                        for (slot, &v) in rows.chunks_exact_mut(nr).zip(&column[first..last]) {
                            slot[lane] = v;
                        }
                    }
                }
            }
        } else {
            for (p, panel) in panels.chunks_exact_mut(width).enumerate() {
                let cols = (n - p * nr).min(nr);
                for (kk, row) in panel.chunks_exact_mut(nr).enumerate() {
                    for (j, v) in row[..cols].iter_mut().enumerate() {
                        *v = b[(kk, p * nr + j)];
                    }
                }
            }
        }
        Packed {
            k,
            n,
            nr,
            store,
            start,
        }
    }

    /// The packed panels, one after the other, starting on a 64-byte line where the
    /// allocation allows it.
    fn panels(&self) -> &[f32] {
        let len = self.n.div_ceil(self.nr) * self.k * self.nr;
        &self.store[self.start..self.start + len]
    }

    /// `c = a · b` for `m` rows: row `i` of `a` is `a[i · lda ..][..k]`, row `i` of `c` is
    /// `c[i · ldc ..][..n]` (values between rows are left alone).
    ///
    /// # Panics
    ///
    /// If a row of `a` or `c` lies outside its slice.
    pub(crate) fn product(&self, a: &[f32], lda: usize, m: usize, c: &mut [f32], ldc: usize) {
        self.product_into(a, lda, m, c, ldc, false);
    }

    /// [`product`](Self::product), or `c += a · b` when `accumulate`.
    pub(crate) fn product_into(
        &self,
        a: &[f32],
        lda: usize,
        m: usize,
        c: &mut [f32],
        ldc: usize,
        accumulate: bool,
    ) {
        let (k, n) = (self.k, self.n);
        if m == 0 || n == 0 {
            return;
        }
        if k == 0 {
            if !accumulate {
                for i in 0..m {
                    c[i * ldc..i * ldc + n].fill(0.0);
                }
            }
            return;
        }
        assert!(
            a.len() >= (m - 1) * lda + k && c.len() >= (m - 1) * ldc + n,
            "packed product: the rows lie inside the slices"
        );
        let nr = self.nr;
        for (p, panel) in self.panels().chunks_exact(k * nr).enumerate() {
            let cols = (n - p * nr).min(nr);
            let mut i = 0;
            while i < m {
                let at = |r: usize| (i + r) * lda;
                let out = |r: usize| (i + r) * ldc + p * nr;
                let rows = if nr == WIDE_PANEL {
                    let rows = (m - i).min(WIDE_ROWS);
                    match rows {
                        8 => wide::<8>(a, at, panel, c, out, cols, accumulate),
                        7 => wide::<7>(a, at, panel, c, out, cols, accumulate),
                        6 => wide::<6>(a, at, panel, c, out, cols, accumulate),
                        5 => wide::<5>(a, at, panel, c, out, cols, accumulate),
                        4 => wide::<4>(a, at, panel, c, out, cols, accumulate),
                        3 => wide::<3>(a, at, panel, c, out, cols, accumulate),
                        2 => wide::<2>(a, at, panel, c, out, cols, accumulate),
                        _ => wide::<1>(a, at, panel, c, out, cols, accumulate),
                    }
                    rows
                } else {
                    let rows = (m - i).min(MR);
                    match rows {
                        6 => block::<6>(a, at, panel, c, out, cols, accumulate),
                        5 => block::<5>(a, at, panel, c, out, cols, accumulate),
                        4 => block::<4>(a, at, panel, c, out, cols, accumulate),
                        3 => block::<3>(a, at, panel, c, out, cols, accumulate),
                        2 => block::<2>(a, at, panel, c, out, cols, accumulate),
                        _ => block::<1>(a, at, panel, c, out, cols, accumulate),
                    }
                    rows
                };
                i += rows;
            }
        }
    }
}

/// Writes (or adds, when `accumulate`) the first `cols` columns of each row's sums at
/// `out(r)` in `c`.
#[inline(always)]
fn write_rows<const R: usize, const W: usize>(
    sums: &[[f32; W]; R],
    c: &mut [f32],
    out: impl Fn(usize) -> usize,
    cols: usize,
    accumulate: bool,
) {
    for (r, acc) in sums.iter().enumerate() {
        let o = out(r);
        if accumulate {
            for (v, &x) in c[o..o + cols].iter_mut().zip(acc) {
                *v += x;
            }
        } else if cols == W {
            // A whole panel: a copy of constant length (vector stores, no memcpy call).
            let row: &mut [f32; W] = (&mut c[o..o + W]).try_into().expect("W values");
            *row = *acc;
        } else {
            c[o..o + cols].copy_from_slice(&acc[..cols]);
        }
    }
}

/// One block of `R` rows against one wide panel ([`avx512::panel_block`]).
#[inline(always)]
fn wide<const R: usize>(
    a: &[f32],
    at: impl Fn(usize) -> usize,
    panel: &[f32],
    c: &mut [f32],
    out: impl Fn(usize) -> usize,
    cols: usize,
    accumulate: bool,
) {
    let k = panel.len() / WIDE_PANEL;
    let rows: [&[f32]; R] = std::array::from_fn(|r| &a[at(r)..at(r) + k]);
    #[cfg(target_arch = "x86_64")]
    let sums = avx512::panel_block(rows, panel, k);
    #[cfg(not(target_arch = "x86_64"))]
    let sums: [[f32; WIDE_PANEL]; R] = unreachable!("no wide panels off x86-64: {rows:?}");
    write_rows(&sums, c, out, cols, accumulate);
}

/// One block of `R` rows against one panel ([`panel_block`]), its first `cols` columns
/// written out (or added, when `accumulate`).
#[inline(always)]
fn block<const R: usize>(
    a: &[f32],
    at: impl Fn(usize) -> usize,
    panel: &[f32],
    c: &mut [f32],
    out: impl Fn(usize) -> usize,
    cols: usize,
    accumulate: bool,
) {
    // A panel is `k` packed rows of NR values.
    let k = panel.len() / NR;
    let rows: [&[f32]; R] = std::array::from_fn(|r| &a[at(r)..at(r) + k]);
    write_rows(&panel_block(rows, panel, k), c, out, cols, accumulate);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    fn plain(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        Array2::from_shape_fn((m, n), |(i, j)| {
            (0..k)
                .map(|p| f64::from(a[(i, p)]) * f64::from(b[(p, j)]))
                .sum::<f64>() as f32
        })
    }

    fn matrix(rows: usize, cols: usize, seed: u32) -> Array2<f32> {
        Array2::from_shape_fn((rows, cols), |(i, j)| {
            let h = (i as u32 * 7919 + j as u32 * 104_729 + seed * 13).wrapping_mul(2_654_435_761);
            (h >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0
        })
    }

    /// The panel widths this CPU runs: the AVX2 one, and the AVX-512 one where it has it.
    fn widths() -> Vec<usize> {
        let mut widths = vec![NR];
        if avx512::available() {
            widths.push(WIDE_PANEL);
        }
        widths
    }

    #[test]
    fn panels_start_on_a_64_byte_line() {
        for (k, n) in [(1, 1), (3, 40), (128, 512), (77, 33)] {
            for nr in [NR, WIDE_PANEL] {
                let p = Packed::with_panels(matrix(k, n, 3).view(), nr);
                assert_eq!(p.panels().as_ptr() as usize % 64, 0, "{k}×{n}, {nr}");
                assert_eq!(p.panels().len(), n.div_ceil(nr) * k * nr);
            }
        }
    }

    #[test]
    fn products_match_the_plain_sum_for_every_row_block_and_ragged_panel() {
        // Every row-block height of both kernels (1–8 rows, and more), panels whole and
        // ragged (fewer columns than a panel, one past a panel).
        for &(m, k, n) in &[
            (1, 1, 1),
            (2, 5, 33),
            (3, 9, 31),
            (4, 2, 32),
            (5, 3, 17),
            (6, 8, 16),
            (7, 33, 15),
            (8, 17, 65),
            (13, 128, 40),
            (14, 7, 3),
            (32, 64, 512),
            (2, 0, 5),
        ] {
            let (a, b) = (matrix(m, k, 1), matrix(k, n, 2));
            let want = plain(&a, &b);
            let mut results = Vec::new();
            for nr in widths() {
                let packed = Packed::with_panels(b.view(), nr);
                let mut c = vec![f32::NAN; m * n];
                packed.product(a.as_slice().unwrap(), k, m, &mut c, n);
                for (got, want) in c.iter().zip(want.iter()) {
                    assert!(
                        (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                        "{m}×{k}×{n}, panels of {nr}"
                    );
                }
                results.push(c);
            }
            // The same multiply-adds in the same order, whatever the panel width.
            let bits = |c: &Vec<f32>| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert!(
                results.iter().all(|c| bits(c) == bits(&results[0])),
                "{m}×{k}×{n}"
            );
        }
    }

    #[test]
    fn row_major_column_major_and_strided_matrices_pack_alike() {
        // Ragged last panels, a single row or column, and no rows at all.
        for &(k, n) in &[(20, 37), (1, 16), (9, 1), (0, 5), (5, 0), (33, 64)] {
            let b = matrix(k, n, 5);
            let want = b.iter().copied().collect::<Vec<_>>();
            let column_major = ndarray::Array2::from_shape_vec((k, n).f(), {
                let mut v = Vec::with_capacity(k * n);
                for j in 0..n {
                    v.extend((0..k).map(|kk| b[(kk, j)]));
                }
                v
            })
            .unwrap();
            let wide = matrix(k, 2 * n, 6);
            let mut strided = wide.clone();
            strided.slice_mut(ndarray::s![.., ..;2]).assign(&b);
            let packs = [
                Packed::new(b.view()),
                Packed::new(column_major.view()),
                Packed::new(strided.slice(ndarray::s![.., ..;2])),
            ];
            for p in &packs {
                assert_eq!((p.k, p.n), (k, n));
                assert_eq!(p.panels(), packs[0].panels(), "{k}×{n}");
            }
            // And the panels hold `b`: value (kk, j) in panel j / nr, row kk, lane j % nr;
            // the lanes past `n` are zero.
            let nr = packs[0].nr;
            for kk in 0..k {
                for j in 0..n.div_ceil(nr) * nr {
                    let got = packs[0].panels()[(j / nr) * k * nr + kk * nr + j % nr];
                    let expected = if j < n { want[kk * n + j] } else { 0.0 };
                    assert_eq!(got, expected, "({kk}, {j}) of {k}×{n}");
                }
            }
        }
    }

    #[test]
    fn strided_rows_and_a_transposed_right_side_leave_the_gaps_alone() {
        let (m, k, n) = (9, 20, 21);
        let a = matrix(m, 3 * k, 3);
        let bt = matrix(n, k, 4);
        let packed = Packed::new(bt.t());
        let ldc = n + 4;
        let mut c = vec![-7.0f32; m * ldc];
        // Rows of `a` are its first k columns, stride 3k.
        packed.product(a.as_slice().unwrap(), 3 * k, m, &mut c, ldc);
        let want = plain(
            &a.slice(ndarray::s![.., ..k]).to_owned(),
            &bt.t().to_owned(),
        );
        for i in 0..m {
            for j in 0..ldc {
                let got = c[i * ldc + j];
                if j < n {
                    assert!((got - want[(i, j)]).abs() <= 1e-5 * (1.0 + want[(i, j)].abs()));
                } else {
                    assert_eq!(got, -7.0, "values between rows are not written");
                }
            }
        }
    }

    #[test]
    fn accumulate_adds_to_the_output() {
        let (m, k, n) = (7, 12, 19);
        let (a, b) = (matrix(m, k, 8), matrix(k, n, 9));
        let want = plain(&a, &b);
        for nr in widths() {
            let packed = Packed::with_panels(b.view(), nr);
            let mut c = vec![0.5f32; m * n];
            packed.product_into(a.as_slice().unwrap(), k, m, &mut c, n, true);
            for (got, want) in c.iter().zip(want.iter()) {
                assert!((got - (want + 0.5)).abs() <= 1e-5 * (1.0 + want.abs()));
            }
        }
        let mut c = vec![0.5f32; m * n];
        Packed::new(matrix(0, n, 1).view()).product_into(&[], 0, m, &mut c, n, true);
        assert!(c.iter().all(|&v| v == 0.5), "k = 0 adds nothing");
        Packed::new(matrix(0, n, 1).view()).product(&[], 0, m, &mut c, n);
        assert!(c.iter().all(|&v| v == 0.0), "k = 0 writes zeros");
    }

    #[test]
    fn nan_and_infinity_propagate() {
        let mut a = matrix(3, 4, 5);
        a[(1, 2)] = f32::NAN;
        a[(2, 0)] = f32::INFINITY;
        let b = matrix(4, 3, 6).mapv(f32::abs);
        let mut c = vec![0.0f32; 9];
        Packed::new(b.view()).product(a.as_slice().unwrap(), 4, 3, &mut c, 3);
        assert!(c[3..6].iter().all(|v| v.is_nan()));
        assert!(c[6..9].iter().all(|v| *v == f32::INFINITY));
        assert!(c[..3].iter().all(|v| v.is_finite()));
    }

    #[test]
    #[should_panic(expected = "inside the slices")]
    fn rows_outside_the_slice_panic() {
        let packed = Packed::new(matrix(4, 4, 7).view());
        let mut c = vec![0.0f32; 8];
        packed.product(&[0.0; 7], 4, 2, &mut c, 4);
    }
}
