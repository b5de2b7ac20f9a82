//! Direct loops for full convolutions whose im2col rows are short (at most [`SMALL_ROW`]
//! values, e.g. a 3×3 kernel over one or three input channels: an image model's first
//! layer), instead of im2col and the GEMM.
//!
//! Why: W6's first layer is a product of `(43,264 × 9) · (9 × 32)`: the GEMM's packing and
//! a 1.6 MB im2col matrix for 9 multiply-adds per output. Here each output pixel's `filters`
//! values are summed in registers from its `k` inputs (a 3×3 window of one sample's im2col
//! rows, which stay in L1) and written once, with the bias and activation applied in the
//! same pass. The backward pass of a layer whose input needs no gradient (the first layer)
//! is one pass too: the gradient times the activation's derivative, summed into the bias
//! gradient and, times each input, into the kernel gradient, without writing the
//! pre-activation gradient out. Both are checked against im2col + GEMM in the tests.

use rayon::prelude::*;

use super::conv_fused::FusedActivation;
use super::conv_kernels::ConvGeometry;
use super::gemm::vectorized;
use super::ordered_sum::{SAMPLES_PER_JOB, ordered_sum};

/// The longest im2col row (`kh · kw · in_channels`) handled here.
pub(crate) const SMALL_ROW: usize = 32;

/// Output channels summed together in registers: four AVX vectors.
const LANES: usize = 32;

/// Whether `g` is a convolution for these loops.
pub(crate) fn is_small(g: &ConvGeometry) -> bool {
    g.row_len() <= SMALL_ROW && g.out_channels > 0
}

/// `activation(conv2d(x, kernel) + bias)` (no bias: zeros) for a small convolution `g`:
/// `(batch · oh · ow, filters)` values.
pub(crate) fn small_forward(
    g: &ConvGeometry,
    x: &[f32],
    kernel: &[f32],
    bias: Option<&[f32]>,
    activation: FusedActivation,
) -> Vec<f32> {
    let (k, n) = (g.row_len(), g.out_channels);
    let (xs, ys) = (g.in_pixels() * g.in_channels, g.out_pixels() * n);
    let mut y = super::buffers::take_any(g.output_len());
    if ys == 0 {
        return y;
    }
    let zeros = vec![0.0f32; n];
    let bias = bias.unwrap_or(&zeros);
    y.par_chunks_mut(ys).enumerate().for_each_init(
        || vec![0.0f32; g.out_pixels() * k],
        |cols, (s, y)| {
            g.im2col_sample(&x[s * xs..(s + 1) * xs], cols);
            vectorized(
                #[inline(always)]
                || forward_rows(cols, k, kernel, bias, activation, y),
            );
        },
    );
    y
}

/// Each row of `y` `(pixels, n)` from its im2col row of `k` values: filters in blocks of
/// [`LANES`] summed in registers (a fixed-size array the compiler keeps in vector
/// registers), the last partial block through `out` itself.
#[inline(always)]
fn forward_rows(
    cols: &[f32],
    k: usize,
    kernel: &[f32],
    bias: &[f32],
    activation: FusedActivation,
    y: &mut [f32],
) {
    let n = bias.len();
    let full = n - n % LANES;
    for (row, out) in cols.chunks_exact(k).zip(y.chunks_exact_mut(n)) {
        for f0 in (0..full).step_by(LANES) {
            let mut acc: [f32; LANES] = bias[f0..f0 + LANES].try_into().expect("a full block");
            for (t, &v) in row.iter().enumerate() {
                let taps: &[f32; LANES] = kernel[t * n + f0..][..LANES]
                    .try_into()
                    .expect("a full block");
                for (a, &w) in acc.iter_mut().zip(taps) {
                    *a += v * w;
                }
            }
            for (o, &a) in out[f0..f0 + LANES].iter_mut().zip(&acc) {
                *o = activation.value(a);
            }
        }
        if full < n {
            let out = &mut out[full..];
            out.copy_from_slice(&bias[full..]);
            for (t, &v) in row.iter().enumerate() {
                for (o, &w) in out.iter_mut().zip(&kernel[t * n + full..(t + 1) * n]) {
                    *o += v * w;
                }
            }
            for o in out {
                *o = activation.value(*o);
            }
        }
    }
}

/// The kernel and bias gradients of `activation(conv2d(x, kernel) + bias)` for the output
/// gradient `grad`, read with the saved output `y`, in one pass (see the module docs):
/// `(kernel gradient (k · filters), bias gradient (filters))`.
pub(crate) fn small_weight_grads(
    g: &ConvGeometry,
    x: &[f32],
    grad: &[f32],
    y: &[f32],
    activation: FusedActivation,
) -> (Vec<f32>, Vec<f32>) {
    let (k, n) = (g.row_len(), g.out_channels);
    let (xs, ys) = (g.in_pixels() * g.in_channels, g.out_pixels() * n);
    if ys == 0 {
        return (vec![0.0; k * n], vec![0.0; n]);
    }
    let mut sums = ordered_sum(g.batch, SAMPLES_PER_JOB, k * n + n, |samples, sums| {
        let (dk, db) = sums.split_at_mut(k * n);
        let (mut cols, mut dz) = (vec![0.0f32; g.out_pixels() * k], vec![0.0f32; n]);
        for s in samples {
            g.im2col_sample(&x[s * xs..(s + 1) * xs], &mut cols);
            let (grad, y) = (&grad[s * ys..(s + 1) * ys], &y[s * ys..(s + 1) * ys]);
            vectorized(
                #[inline(always)]
                || weight_grad_rows(&cols, k, grad, y, activation, dk, db, &mut dz),
            );
        }
    });
    let db = sums.split_off(k * n);
    (sums, db)
}

/// Adds one sample's kernel and bias gradients to `dk` `(k, n)` and `db` `(n)`; `dz` is
/// a row of pre-activation gradients (scratch, `n` values).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn weight_grad_rows(
    cols: &[f32],
    k: usize,
    grad: &[f32],
    y: &[f32],
    activation: FusedActivation,
    dk: &mut [f32],
    db: &mut [f32],
    dz: &mut [f32],
) {
    let n = db.len();
    for ((row, grad), y) in cols
        .chunks_exact(k)
        .zip(grad.chunks_exact(n))
        .zip(y.chunks_exact(n))
    {
        for ((d, &gv), &yv) in dz.iter_mut().zip(grad).zip(y) {
            *d = gv * activation.derivative_from_output(yv);
        }
        for (b, &d) in db.iter_mut().zip(&*dz) {
            *b += d;
        }
        for (&v, sums) in row.iter().zip(dk.chunks_exact_mut(n)) {
            for (s, &d) in sums.iter_mut().zip(&*dz) {
                *s += v * d;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor::conv::Padding::{Same, Valid};
    use crate::tensor::conv_fused::bias_grad;
    use crate::tensor::conv_kernels::tests::{case, values};
    use crate::tensor::conv_kernels::{conv_kernel_grad, gemm_forward};

    fn assert_close(what: &str, fast: &[f32], plain: &[f32]) {
        assert_eq!(fast.len(), plain.len(), "{what}: lengths");
        for (i, (a, b)) in fast.iter().zip(plain).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "{what}[{i}]: direct {a}, im2col + GEMM {b}"
            );
        }
    }

    #[test]
    fn direct_loops_match_im2col_and_gemm() {
        let cases = [
            // W6's first layer, fewer samples
            case(3, [28, 28], 1, [3, 3], 32, [1, 1], [1, 1], Valid),
            // filters beyond one register block, and fewer than one
            case(2, [9, 8], 3, [3, 3], 40, [1, 1], [1, 1], Same),
            case(2, [7, 7], 2, [2, 3], 5, [2, 1], [1, 2], Same),
            case(1, [6, 9], 1, [5, 5], 64, [2, 2], [1, 1], Valid),
            // a row of exactly SMALL_ROW values
            case(2, [5, 5], 8, [2, 2], 3, [1, 1], [1, 1], Same),
        ];
        for (i, g) in cases.iter().enumerate() {
            assert!(is_small(g), "case {i} is small");
            let seed = 4 * i as u32;
            let (k, n) = (g.row_len(), g.out_channels);
            let x = values(g.input_len(), seed);
            let kernel = values(k * n, seed + 1);
            let bias = values(n, seed + 2);
            let grad = values(g.output_len(), seed + 3);
            // Plain: the GEMM's product, then the bias and the activation.
            let z = gemm_forward(g, &x, &kernel);
            for activation in [FusedActivation::Linear, FusedActivation::Relu] {
                let plain: Vec<f32> = z
                    .iter()
                    .enumerate()
                    .map(|(j, &v)| activation.value(v + bias[j % n]))
                    .collect();
                let y = small_forward(g, &x, &kernel, Some(&bias), activation);
                assert_close(&format!("case {i} {activation:?} forward"), &y, &plain);
                let dz: Vec<f32> = grad
                    .iter()
                    .zip(&plain)
                    .map(|(&gv, &yv)| gv * activation.derivative_from_output(yv))
                    .collect();
                let (dk, db) = small_weight_grads(g, &x, &grad, &plain, activation);
                let what = format!("case {i} {activation:?}");
                assert_close(
                    &format!("{what} kernel gradient"),
                    &dk,
                    &conv_kernel_grad(g, &x, &dz),
                );
                assert_close(&format!("{what} bias gradient"), &db, &bias_grad(&dz, n));
            }
            let unbiased = small_forward(g, &x, &kernel, None, FusedActivation::Linear);
            assert_close(&format!("case {i} no bias"), &unbiased, &z);
        }
    }

    #[test]
    fn nan_outputs_send_nan_to_the_weights_as_the_plain_path_does() {
        let g = case(1, [4, 4], 1, [3, 3], 2, [1, 1], [1, 1], Valid);
        let mut x = values(g.input_len(), 9);
        x[0] = f32::NAN;
        let kernel = values(18, 10);
        let y = small_forward(&g, &x, &kernel, None, FusedActivation::Relu);
        assert!(y[0].is_nan() && y[1].is_nan(), "the window over the NaN");
        assert!(y[2..].iter().all(|v| v.is_finite()));
        let (dk, db) = small_weight_grads(&g, &x, &[1.0; 8], &y, FusedActivation::Relu);
        assert!(db.iter().all(|v| v.is_nan()), "ReLU' at NaN is NaN");
        assert!(dk.iter().all(|v| v.is_nan()));
    }
}
