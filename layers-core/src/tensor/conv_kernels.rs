//! The loops behind the convolution ops, on plain channels-last slices: the geometry of one
//! 2-D convolution (1-D is a 2-D one of height 1), im2col and its adjoint col2im around the
//! GEMM for full convolutions, and direct loops for depthwise ones.
//!
//! Why im2col: a full convolution is then one large matrix product per pass (forward, input
//! gradient, kernel gradient), which runs on the tuned, multi-threaded GEMM of `gemm.rs`;
//! the copies cost `O(N·OH·OW·KH·KW·C)` against the product's `O(… · F)` multiply-adds, so
//! for any realistic filter count the GEMM dominates. Channels-last makes every copy a
//! contiguous run of `C` values. A depthwise convolution has no inner product over channels
//! to hand to a GEMM, so it runs as direct loops, each sample on its own thread.

use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;

use super::buffers;
use super::conv_fused::FusedActivation;
use super::conv_small::{is_small, small_forward};
use super::gemm::gemm;
use super::ordered_sum::{SAMPLES_PER_JOB, ordered_sum};
use super::scratch::with_scratch;

/// The geometry of one 2-D convolution over `(batch, h, w, in_channels)` input, with the
/// `(before)` padding already worked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    pub(crate) batch: usize,
    /// Input `(h, w)`.
    pub(crate) input: [usize; 2],
    pub(crate) in_channels: usize,
    /// Kernel `(kh, kw)`.
    pub(crate) kernel: [usize; 2],
    /// Output channels: the filters of a full convolution, `in_channels · multiplier` of a
    /// depthwise one.
    pub(crate) out_channels: usize,
    pub(crate) stride: [usize; 2],
    pub(crate) dilation: [usize; 2],
    /// Zeros added before each spatial axis (the rest, after, only matters through `output`).
    pub(crate) pad: [usize; 2],
    /// Output `(h, w)`.
    pub(crate) output: [usize; 2],
}

impl ConvGeometry {
    fn kernel_area(&self) -> usize {
        self.kernel[0] * self.kernel[1]
    }

    /// Values in one im2col row: `kh · kw · in_channels`.
    pub(crate) fn row_len(&self) -> usize {
        self.kernel_area() * self.in_channels
    }

    pub(crate) fn out_pixels(&self) -> usize {
        self.output[0] * self.output[1]
    }

    pub(crate) fn in_pixels(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// The number of values in the input, the output and a full convolution's kernel.
    pub(crate) fn input_len(&self) -> usize {
        self.batch * self.in_pixels() * self.in_channels
    }

    pub(crate) fn output_len(&self) -> usize {
        self.batch * self.out_pixels() * self.out_channels
    }

    /// A 1×1 kernel with stride 1 and no padding: the input already is the im2col matrix.
    fn is_pointwise(&self) -> bool {
        self.kernel == [1, 1] && self.stride == [1, 1] && self.pad == [0, 0]
    }

    /// The input pixel that kernel tap `(ki, kj)` of output pixel `(oh, ow)` reads, if it is
    /// not padding.
    #[inline]
    fn source(&self, oh: usize, ow: usize, ki: usize, kj: usize) -> Option<usize> {
        let ih = (oh * self.stride[0] + ki * self.dilation[0]).checked_sub(self.pad[0])?;
        let iw = (ow * self.stride[1] + kj * self.dilation[1]).checked_sub(self.pad[1])?;
        (ih < self.input[0] && iw < self.input[1]).then_some(ih * self.input[1] + iw)
    }

    /// Calls `f(output pixel, kernel tap, input pixel)` for every tap that reads real input.
    #[inline]
    fn for_each_tap(&self, mut f: impl FnMut(usize, usize, usize)) {
        let [kh, kw] = self.kernel;
        for oh in 0..self.output[0] {
            for ow in 0..self.output[1] {
                let o = oh * self.output[1] + ow;
                for ki in 0..kh {
                    for kj in 0..kw {
                        if let Some(i) = self.source(oh, ow, ki, kj) {
                            f(o, ki * kw + kj, i);
                        }
                    }
                }
            }
        }
    }

    /// Calls `f(at, source, len)` for each run of `len` values of the im2col matrix of one
    /// sample starting at `at`: `Some(i)` when they are the `len` contiguous input values
    /// from offset `i` of that sample, `None` when they lie over padding (zeros). With an
    /// undilated kernel row, a run is a whole kernel row's `kw · in_channels` values (less
    /// what crosses the border), so im2col and col2im move long contiguous runs.
    #[inline]
    fn for_each_run(&self, mut f: impl FnMut(usize, Option<usize>, usize)) {
        let [kh, kw] = self.kernel;
        let [h, w] = self.input;
        let c = self.in_channels;
        let row = self.row_len();
        let (pad_h, pad_w) = (self.pad[0], self.pad[1]);
        for oh in 0..self.output[0] {
            for ow in 0..self.output[1] {
                let base = (oh * self.output[1] + ow) * row;
                for ki in 0..kh {
                    let at = base + ki * kw * c;
                    let ih = (oh * self.stride[0] + ki * self.dilation[0])
                        .checked_sub(pad_h)
                        .filter(|&ih| ih < h);
                    let Some(ih) = ih else {
                        f(at, None, kw * c);
                        continue;
                    };
                    let start = ow * self.stride[1];
                    if self.dilation[1] == 1 {
                        // Taps kj in lo..hi read input columns start + kj − pad_w.
                        let lo = pad_w.saturating_sub(start).min(kw);
                        let hi = (w + pad_w).saturating_sub(start).min(kw).max(lo);
                        if lo > 0 {
                            f(at, None, lo * c);
                        }
                        if hi > lo {
                            let iw = start + lo - pad_w;
                            f(at + lo * c, Some((ih * w + iw) * c), (hi - lo) * c);
                        }
                        if kw > hi {
                            f(at + hi * c, None, (kw - hi) * c);
                        }
                    } else {
                        for kj in 0..kw {
                            let iw = (start + kj * self.dilation[1])
                                .checked_sub(pad_w)
                                .filter(|&iw| iw < w);
                            f(at + kj * c, iw.map(|iw| (ih * w + iw) * c), c);
                        }
                    }
                }
            }
        }
    }

    /// Writes the im2col matrix `(batch · oh · ow, kh · kw · in_channels)` into `cols`
    /// (every value, so `cols` may hold anything before): row `(n, oh, ow)` holds the input
    /// values under the kernel at that output pixel, zeros over padding.
    fn im2col_into(&self, x: &[f32], cols: &mut [f32]) {
        let per_sample = self.out_pixels() * self.row_len();
        let x_sample = self.in_pixels() * self.in_channels;
        if per_sample == 0 {
            return;
        }
        cols.par_chunks_mut(per_sample)
            .enumerate()
            .for_each(|(n, cols)| self.im2col_sample(&x[n * x_sample..(n + 1) * x_sample], cols));
    }

    /// The rows of the im2col matrix of one sample `x` into `cols` (every value written).
    pub(crate) fn im2col_sample(&self, x: &[f32], cols: &mut [f32]) {
        self.for_each_run(|at, source, len| match source {
            Some(i) => cols[at..at + len].copy_from_slice(&x[i..i + len]),
            None => cols[at..at + len].fill(0.0),
        });
    }

    /// The im2col matrix as a fresh vector (see [`im2col_into`](Self::im2col_into)).
    #[cfg(test)]
    fn im2col(&self, x: &[f32]) -> Vec<f32> {
        let mut cols = vec![f32::NAN; self.rows() * self.row_len()];
        self.im2col_into(x, &mut cols);
        cols
    }

    /// The adjoint of [`im2col_into`](Self::im2col_into): each row's values added back onto
    /// the input pixels they came from.
    fn col2im(&self, cols: &[f32]) -> Vec<f32> {
        let per_sample = self.out_pixels() * self.row_len();
        let x_sample = self.in_pixels() * self.in_channels;
        let mut x = buffers::take_zeroed(self.input_len());
        if x_sample == 0 || per_sample == 0 {
            return x;
        }
        x.par_chunks_mut(x_sample).enumerate().for_each(|(n, x)| {
            let cols = &cols[n * per_sample..(n + 1) * per_sample];
            self.for_each_run(|at, source, len| {
                if let Some(i) = source {
                    for (d, s) in x[i..i + len].iter_mut().zip(&cols[at..at + len]) {
                        *d += s;
                    }
                }
            });
        });
        x
    }

    /// Runs `f` on the im2col matrix of `x`: the input itself when the kernel is pointwise,
    /// else a per-thread scratch buffer (see [`with_scratch`]).
    fn with_columns<R>(&self, x: &[f32], f: impl FnOnce(&[f32]) -> R) -> R {
        if self.is_pointwise() {
            f(x)
        } else {
            with_scratch(self.rows() * self.row_len(), |cols| {
                self.im2col_into(x, cols);
                f(cols)
            })
        }
    }

    pub(crate) fn rows(&self) -> usize {
        self.batch * self.out_pixels()
    }
}

fn matrix(values: &[f32], rows: usize, cols: usize) -> ArrayView2<'_, f32> {
    ArrayView2::from_shape((rows, cols), values).expect("the slice holds rows · cols values")
}

fn matrix_mut(values: &mut [f32], rows: usize, cols: usize) -> ArrayViewMut2<'_, f32> {
    ArrayViewMut2::from_shape((rows, cols), values).expect("the slice holds rows · cols values")
}

/// A full convolution: `x` `(batch, h, w, in)` with `kernel` `(kh, kw, in, out)` gives
/// `(batch, oh, ow, out)`, as `im2col(x) · kernel` (direct loops when the im2col rows are
/// short, see `conv_small`).
pub(crate) fn conv_forward(g: &ConvGeometry, x: &[f32], kernel: &[f32]) -> Vec<f32> {
    if is_small(g) {
        return small_forward(g, x, kernel, None, FusedActivation::Linear);
    }
    gemm_forward(g, x, kernel)
}

/// [`conv_forward`] as `im2col(x) · kernel` on the GEMM, whatever the shapes.
pub(crate) fn gemm_forward(g: &ConvGeometry, x: &[f32], kernel: &[f32]) -> Vec<f32> {
    let (m, k, n) = (g.rows(), g.row_len(), g.out_channels);
    // The product overwrites every value (`accumulate = false`).
    let mut y = buffers::take_any(m * n);
    g.with_columns(x, |cols| {
        gemm(
            matrix_mut(&mut y, m, n),
            matrix(cols, m, k),
            matrix(kernel, k, n),
            false,
        );
    });
    y
}

/// The gradient of [`conv_forward`] with respect to its input: `col2im(dy · kernelᵀ)`.
/// Also the forward pass of a transposed convolution.
pub(crate) fn conv_input_grad(g: &ConvGeometry, dy: &[f32], kernel: &[f32]) -> Vec<f32> {
    let (m, k, n) = (g.rows(), g.row_len(), g.out_channels);
    let product = |dcols: &mut [f32]| {
        gemm(
            matrix_mut(dcols, m, k),
            matrix(dy, m, n),
            matrix(kernel, k, n).t(),
            false,
        );
    };
    if g.is_pointwise() {
        let mut dx = buffers::take_any(m * k);
        product(&mut dx);
        dx
    } else {
        with_scratch(m * k, |dcols| {
            product(dcols);
            g.col2im(dcols)
        })
    }
}

/// The gradient of [`conv_forward`] with respect to its kernel: `im2col(x)ᵀ · dy`.
pub(crate) fn conv_kernel_grad(g: &ConvGeometry, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (m, k, n) = (g.rows(), g.row_len(), g.out_channels);
    let mut dk = vec![0.0f32; k * n];
    g.with_columns(x, |cols| {
        gemm(
            matrix_mut(&mut dk, k, n),
            matrix(cols, m, k).t(),
            matrix(dy, m, n),
            false,
        );
    });
    dk
}

impl ConvGeometry {
    /// A depthwise convolution's channel multiplier.
    fn multiplier(&self) -> usize {
        self.out_channels / self.in_channels.max(1)
    }

    /// Per sample: `(x, y)` slices of the input and output of sample `n`.
    fn sample_lens(&self) -> (usize, usize) {
        (
            self.in_pixels() * self.in_channels,
            self.out_pixels() * self.out_channels,
        )
    }
}

/// A depthwise convolution: `x` `(batch, h, w, c)` with `kernel` `(kh, kw, c, m)` gives
/// `(batch, oh, ow, c · m)`, output channel `c · m + j` from input channel `c` alone.
pub(crate) fn depthwise_forward(g: &ConvGeometry, x: &[f32], kernel: &[f32]) -> Vec<f32> {
    let (c, m) = (g.in_channels, g.multiplier());
    let (xs, ys) = g.sample_lens();
    let mut y = vec![0.0f32; g.output_len()];
    if ys == 0 {
        return y;
    }
    y.par_chunks_mut(ys).enumerate().for_each(|(n, y)| {
        let x = &x[n * xs..(n + 1) * xs];
        g.for_each_tap(|o, tap, i| {
            let out = &mut y[o * c * m..(o + 1) * c * m];
            let k = &kernel[tap * c * m..(tap + 1) * c * m];
            let x = &x[i * c..(i + 1) * c];
            if m == 1 {
                for ((y, k), x) in out.iter_mut().zip(k).zip(x) {
                    *y += k * x;
                }
            } else {
                for ((y, k), x) in out.chunks_mut(m).zip(k.chunks(m)).zip(x) {
                    for (y, k) in y.iter_mut().zip(k) {
                        *y += k * x;
                    }
                }
            }
        });
    });
    y
}

/// The gradient of [`depthwise_forward`] with respect to its input.
pub(crate) fn depthwise_input_grad(g: &ConvGeometry, dy: &[f32], kernel: &[f32]) -> Vec<f32> {
    let (c, m) = (g.in_channels, g.multiplier());
    let (xs, ys) = g.sample_lens();
    let mut dx = vec![0.0f32; g.input_len()];
    if xs == 0 {
        return dx;
    }
    dx.par_chunks_mut(xs).enumerate().for_each(|(n, dx)| {
        let dy = &dy[n * ys..(n + 1) * ys];
        g.for_each_tap(|o, tap, i| {
            let dy = &dy[o * c * m..(o + 1) * c * m];
            let k = &kernel[tap * c * m..(tap + 1) * c * m];
            for ((dx, dy), k) in dx[i * c..(i + 1) * c]
                .iter_mut()
                .zip(dy.chunks(m))
                .zip(k.chunks(m))
            {
                *dx += dy.iter().zip(k).map(|(a, b)| a * b).sum::<f32>();
            }
        });
    });
    dx
}

/// The gradient of [`depthwise_forward`] with respect to its kernel: summed over the batch,
/// one partial sum per [`SAMPLES_PER_JOB`] samples, added in order ([`ordered_sum`]).
pub(crate) fn depthwise_kernel_grad(g: &ConvGeometry, x: &[f32], dy: &[f32]) -> Vec<f32> {
    let (c, m) = (g.in_channels, g.multiplier());
    let (xs, ys) = g.sample_lens();
    let len = g.kernel_area() * c * m;
    ordered_sum(g.batch, SAMPLES_PER_JOB, len, |samples, dk| {
        for n in samples {
            let x = &x[n * xs..(n + 1) * xs];
            let dy = &dy[n * ys..(n + 1) * ys];
            g.for_each_tap(|o, tap, i| {
                let dy = &dy[o * c * m..(o + 1) * c * m];
                let dk = &mut dk[tap * c * m..(tap + 1) * c * m];
                for ((dk, dy), x) in dk.chunks_mut(m).zip(dy.chunks(m)).zip(&x[i * c..]) {
                    for (dk, dy) in dk.iter_mut().zip(dy) {
                        *dk += x * dy;
                    }
                }
            });
        }
    })
}

#[cfg(test)]
pub(crate) mod tests;
