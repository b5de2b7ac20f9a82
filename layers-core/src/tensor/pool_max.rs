//! Max pooling's two loops: the forward pass, which records for each output value which
//! element of its window won (a byte per value when windows hold at most 256 elements,
//! which is every practical window), and the backward pass, which sends each output's
//! gradient to that element.
//!
//! Why a window slot and not the winner's flat offset: W6's first pooling records 346k
//! winners per step; as `usize` offsets that is 2.8 MB written forward and read backward,
//! as bytes 0.35 MB. The loops run over whole channel rows (channels-last: the `c` values
//! of a pixel are contiguous), comparing and selecting a row of channels at a time, which
//! the compiler vectorises (AVX2 where the CPU has it, through `gemm::vectorized`).
//!
//! The rule is the plain path's: the first maximum in row-major window order wins ties,
//! and a NaN never replaces the running maximum (`v > best` fails), so a window whose
//! first element is NaN gives NaN with its gradient going to that element.

use rayon::prelude::*;

use super::buffers;
use super::gemm::vectorized;
use super::pool::Windows;

/// The winner of each output value of a max pooling: its position in its window's
/// row-major order (counting only real, unpadded elements).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Winners {
    /// Windows of at most 256 elements.
    Bytes(Vec<u8>),
    /// Larger windows.
    Wide(Vec<u32>),
}

/// A window slot as stored: `u8` or `u32`.
trait Slot: Copy + Default + PartialEq + Send + Sync {
    fn at(p: usize) -> Self;
}

impl Slot for u8 {
    #[inline(always)]
    fn at(p: usize) -> u8 {
        p as u8
    }
}

impl Slot for u32 {
    #[inline(always)]
    fn at(p: usize) -> u32 {
        p as u32
    }
}

/// The largest number of elements one window can hold (its padded size bounds it).
fn window_area(g: &Windows) -> usize {
    g.window[0] * g.window[1]
}

/// The max pooling of `x` (contiguous, `g`'s input shape) into `out` (every value
/// written), with the winners when `record`.
pub(crate) fn max_pool_forward(
    g: &Windows,
    x: &[f32],
    out: &mut [f32],
    record: bool,
) -> Option<Winners> {
    let (in_size, out_size) = g.sample_sizes();
    if !record {
        if in_size > 0 && out_size > 0 {
            out.par_chunks_mut(out_size)
                .zip(x.par_chunks(in_size))
                .for_each(|(out, x)| {
                    vectorized(
                        #[inline(always)]
                        || max_sample::<u8>(g, x, out, None),
                    )
                });
        }
        return None;
    }
    fn run<S: Slot>(g: &Windows, x: &[f32], out: &mut [f32]) -> Vec<S> {
        let (in_size, out_size) = g.sample_sizes();
        let mut winners = vec![S::default(); out.len()];
        if in_size > 0 && out_size > 0 {
            out.par_chunks_mut(out_size)
                .zip(x.par_chunks(in_size))
                .zip(winners.par_chunks_mut(out_size))
                .for_each(|((out, x), w)| {
                    vectorized(
                        #[inline(always)]
                        || max_sample(g, x, out, Some(w)),
                    )
                });
        }
        winners
    }
    Some(if window_area(g) <= 256 {
        Winners::Bytes(run(g, x, out))
    } else {
        Winners::Wide(run(g, x, out))
    })
}

/// One sample's max pooling: `out` gets the maxima and, when given, `win` the window slot
/// of the first maximum of each window.
#[inline(always)]
fn max_sample<S: Slot>(g: &Windows, x: &[f32], out: &mut [f32], mut win: Option<&mut [S]>) {
    let c = g.c;
    for i in 0..g.oh {
        let rows = g.span(0, i);
        for j in 0..g.ow {
            let cols = g.span(1, j);
            let o = (i * g.ow + j) * c;
            let best = &mut out[o..o + c];
            let mut slot = 0usize;
            for y in rows.clone() {
                for xx in cols.clone() {
                    let src = &x[(y * g.w + xx) * c..][..c];
                    if slot == 0 {
                        best.copy_from_slice(src);
                        if let Some(win) = win.as_deref_mut() {
                            win[o..o + c].fill(S::default());
                        }
                    } else {
                        let s = S::at(slot);
                        match win.as_deref_mut() {
                            // Strictly greater: ties keep the first maximum, NaN never wins.
                            Some(win) => {
                                for ((b, w), &v) in best.iter_mut().zip(&mut win[o..o + c]).zip(src)
                                {
                                    let greater = v > *b;
                                    *b = if greater { v } else { *b };
                                    *w = if greater { s } else { *w };
                                }
                            }
                            None => {
                                for (b, &v) in best.iter_mut().zip(src) {
                                    *b = if v > *b { v } else { *b };
                                }
                            }
                        }
                    }
                    slot += 1;
                }
            }
        }
    }
}

/// The gradient of a max pooling with respect to its input `(batch, h, w, c)`: each
/// output's gradient `grad` added to the element its window's winner names.
pub(crate) fn max_pool_backward(g: &Windows, grad: &[f32], winners: &Winners) -> Vec<f32> {
    match winners {
        Winners::Bytes(w) => backward(g, grad, w),
        Winners::Wide(w) => backward(g, grad, w),
    }
}

fn backward<S: Slot>(g: &Windows, grad: &[f32], winners: &[S]) -> Vec<f32> {
    let (in_size, out_size) = g.sample_sizes();
    let len = g.batch * in_size;
    // Windows that tile the input from its corner without overlap write each covered
    // element exactly once, so only the uncovered edge needs zeros first.
    let tiles = g.strides == g.window && g.padding == [(0, 0); 2];
    let mut dx = if tiles {
        buffers::take_any(len)
    } else {
        buffers::take_zeroed(len)
    };
    if in_size == 0 || out_size == 0 {
        return dx;
    }
    dx.par_chunks_mut(in_size)
        .zip(grad.par_chunks(out_size))
        .zip(winners.par_chunks(out_size))
        .for_each(|((dx, grad), win)| {
            vectorized(
                #[inline(always)]
                || {
                    if tiles {
                        zero_uncovered(g, dx);
                        grad_sample::<S, true>(g, grad, win, dx);
                    } else {
                        grad_sample::<S, false>(g, grad, win, dx);
                    }
                },
            )
        });
    dx
}

/// Zeros the elements of one sample that no window covers (tiling windows only): the rows
/// below the last window and the columns right of it.
#[inline(always)]
fn zero_uncovered(g: &Windows, dx: &mut [f32]) {
    let (covered_h, covered_w) = (g.oh * g.window[0], g.ow * g.window[1]);
    let c = g.c;
    for y in 0..g.h {
        let row = &mut dx[y * g.w * c..(y + 1) * g.w * c];
        if y >= covered_h {
            row.fill(0.0);
        } else {
            row[covered_w * c..].fill(0.0);
        }
    }
}

/// One sample's gradient: for each window and each of its elements, the output gradients
/// whose winner is that element. `TILES`: windows do not overlap and `dx` holds garbage
/// where they lie, so each element is written rather than added to.
#[inline(always)]
fn grad_sample<S: Slot, const TILES: bool>(g: &Windows, grad: &[f32], win: &[S], dx: &mut [f32]) {
    let c = g.c;
    for i in 0..g.oh {
        let rows = g.span(0, i);
        for j in 0..g.ow {
            let cols = g.span(1, j);
            let o = (i * g.ow + j) * c;
            let (grad, win) = (&grad[o..o + c], &win[o..o + c]);
            let mut slot = 0usize;
            for y in rows.clone() {
                for xx in cols.clone() {
                    let s = S::at(slot);
                    let dst = &mut dx[(y * g.w + xx) * c..][..c];
                    for ((d, &gv), &w) in dst.iter_mut().zip(grad).zip(win) {
                        let part = if w == s { gv } else { 0.0 };
                        *d = if TILES { part } else { *d + part };
                    }
                    slot += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain rule, written out: per output value, the flat input offset of the first
    /// strict maximum of its window (row-major), and the maximum.
    fn plain(g: &Windows, x: &[f32]) -> (Vec<f32>, Vec<usize>) {
        let (in_size, out_size) = g.sample_sizes();
        let mut out = vec![0.0; g.batch * out_size];
        let mut arg = vec![0; g.batch * out_size];
        for n in 0..g.batch {
            for i in 0..g.oh {
                for j in 0..g.ow {
                    for k in 0..g.c {
                        let mut best: Option<(f32, usize)> = None;
                        for y in g.span(0, i) {
                            for xx in g.span(1, j) {
                                let at = n * in_size + (y * g.w + xx) * g.c + k;
                                match best {
                                    None => best = Some((x[at], at)),
                                    Some((b, _)) if x[at] > b => best = Some((x[at], at)),
                                    _ => {}
                                }
                            }
                        }
                        let (b, at) = best.expect("windows hold an element");
                        let o = n * out_size + (i * g.ow + j) * g.c + k;
                        out[o] = b;
                        arg[o] = at;
                    }
                }
            }
        }
        (out, arg)
    }

    /// Values with ties and NaNs: small integers, every 13th a NaN.
    fn values(len: usize, seed: usize) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let h = (i * 7919 + seed * 104_729) % 1009;
                if h % 13 == 5 {
                    f32::NAN
                } else {
                    (h % 7) as f32 - 3.0
                }
            })
            .collect()
    }

    fn same_bits(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(a, b)| a.to_bits() == b.to_bits())
    }

    /// An input shape, a window, strides and padding.
    type Case = (
        &'static [usize],
        [usize; 2],
        [usize; 2],
        [(usize, usize); 2],
    );

    #[test]
    fn winners_and_gradients_match_the_plain_rule() {
        let cases: [Case; 7] = [
            // W6's pools: tiling 2×2, an even and an odd size (uncovered last row/column)
            (&[2, 26, 26, 32], [2, 2], [2, 2], [(0, 0); 2]),
            (&[3, 5, 7, 9], [2, 2], [2, 2], [(0, 0); 2]),
            // overlapping windows, padding, strides per axis
            (&[2, 5, 6, 3], [3, 3], [2, 2], [(1, 1), (0, 1)]),
            (&[1, 4, 7, 5], [2, 3], [1, 2], [(0, 0); 2]),
            (&[2, 7, 1, 4], [3, 1], [2, 1], [(0, 1), (0, 0)]),
            // windows larger than 256 elements (the wide slots)
            (&[1, 18, 17, 3], [17, 16], [1, 1], [(0, 0); 2]),
            // strides larger than the window: elements between windows get nothing
            (&[2, 7, 7, 2], [2, 2], [3, 3], [(0, 0); 2]),
        ];
        for (case, (shape, window, strides, padding)) in cases.into_iter().enumerate() {
            let g = Windows::new("max_pool2d", 2, shape, window, strides, padding)
                .expect("the test windows fit");
            let x = values(shape.iter().product(), case);
            let (expected, arg) = plain(&g, &x);
            let mut out = vec![f32::NAN; expected.len()];
            let winners = max_pool_forward(&g, &x, &mut out, true).expect("recorded");
            assert!(same_bits(&out, &expected), "case {case}: values");
            let mut unrecorded = vec![7.0; expected.len()];
            assert!(max_pool_forward(&g, &x, &mut unrecorded, false).is_none());
            assert!(
                same_bits(&unrecorded, &expected),
                "case {case}: unrecorded values"
            );
            assert_eq!(
                matches!(winners, Winners::Bytes(_)),
                window[0] * window[1] <= 256,
                "case {case}: slot width"
            );
            let grad: Vec<f32> = (0..expected.len()).map(|i| 1.0 + i as f32).collect();
            let mut plain_dx = vec![0.0f32; x.len()];
            for (&a, &gv) in arg.iter().zip(&grad) {
                plain_dx[a] += gv;
            }
            // A recycled buffer full of garbage must not leak into the tiling path.
            buffers::recycle(vec![f32::NAN; x.len()]);
            let dx = max_pool_backward(&g, &grad, &winners);
            assert_eq!(dx, plain_dx, "case {case}: gradient");
        }
    }
}
