//! What the fused recurrent sequences share (`recurrent_lstm`, `recurrent_gru`): the gate
//! functions in plain arithmetic that vectorises, the views of flat buffers the GEMM takes,
//! and the cutting of a batch into parts run on separate threads.

use ndarray::{ArrayD, ArrayView2, IxDyn, ShapeBuilder};

use super::Tensor;
use crate::error::{Error, Result};

#[derive(Clone, Copy)]
pub(super) struct Dims {
    pub(super) batch: usize,
    pub(super) time: usize,
    pub(super) units: usize,
}

/// `a·b + c`, fused into one rounding where `fma` says the CPU has the instruction (inside
/// [`vectorized_fma`](super::gemm::vectorized_fma), where the flag is a constant and the
/// branch folds away); elsewhere a multiply and an add (`mul_add` without the instruction is
/// a slow library call).
#[inline(always)]
fn mul_add(a: f32, b: f32, c: f32, fma: bool) -> f32 {
    if fma { a.mul_add(b, c) } else { a * b + c }
}

/// `e^x` to within a few ulp, in plain arithmetic that vectorises: the argument is cut to
/// `n·ln 2 + r` (Cody–Waite), `e^r` a degree-6 polynomial (Cephes's `expf`), `2^n` built in
/// the exponent bits. Arguments are clamped to `[-87, 88]` (results saturate to about
/// `1.6e-38` and `1.7e38`); NaN stays NaN. `fma`: see [`mul_add`].
#[inline(always)]
pub(crate) fn exp(x: f32, fma: bool) -> f32 {
    // `clamp` returns NaN for NaN.
    let x = x.clamp(-87.0, 88.0);
    // Rounds x·log2(e) to the nearest integer n by adding 1.5·2²³ (SSE2 has no rounding
    // instruction; this keeps the loop vectorised), n sits in the low mantissa bits of `t`.
    const MAGIC: f32 = 12_582_912.0;
    let t = mul_add(x, std::f32::consts::LOG2_E, MAGIC, fma);
    let n = t - MAGIC;
    let r = mul_add(n, 2.121_944_4e-4, mul_add(n, -0.693_359_4, x, fma), fma);
    let mut p = 1.987_569_1e-4f32;
    for c in [1.398_2e-3, 8.333_452e-3, 4.166_579_6e-2, 0.166_666_65, 0.5] {
        p = mul_add(p, r, c, fma);
    }
    let er = mul_add(p, r * r, r + 1.0, fma);
    // t's bits are 0x4B40_0000 + n; the exponent field of 2ⁿ is n + 127.
    let scale = f32::from_bits(t.to_bits().wrapping_sub(0x4B40_0000 - 127).wrapping_shl(23));
    er * scale
}

/// `1 / (1 + e⁻ˣ)` with [`exp`].
#[inline(always)]
pub(crate) fn sigmoid(x: f32, fma: bool) -> f32 {
    1.0 / (1.0 + exp(-x, fma))
}

/// `tanh x = 1 − 2 / (e^{2x} + 1)` with [`exp`] (absolute error about 1e-7).
#[inline(always)]
pub(crate) fn tanh(x: f32, fma: bool) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x, fma) + 1.0)
}

/// The values of `t` in row-major order, borrowed when they already are.
pub(super) fn values(t: &Tensor) -> ndarray::CowArray<'_, f32, IxDyn> {
    t.data().as_standard_layout()
}

pub(super) fn slice<'a>(a: &'a ndarray::CowArray<'_, f32, IxDyn>) -> &'a [f32] {
    a.as_slice().expect("a standard-layout array is one slice")
}

pub(super) fn view2(
    values: &[f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
) -> ArrayView2<'_, f32> {
    if rows == 0 {
        // No rows (a batch of none): an empty view, whatever the stride.
        return ArrayView2::from_shape((0, cols), &[]).expect("an empty view");
    }
    let len = (rows - 1) * row_stride + cols;
    ArrayView2::from_shape((rows, cols).strides((row_stride, 1)), &values[..len])
        .expect("the buffer holds the rows")
}

pub(super) fn check_shape(
    op: &'static str,
    what: &str,
    shape: &[usize],
    expected: &[usize],
) -> Result<()> {
    if shape != expected {
        return Err(Error::mismatch(
            op,
            format!("{what} of shape {expected:?}"),
            shape,
        ));
    }
    Ok(())
}

/// The time index of run step `s`.
pub(super) fn time_of(s: usize, time: usize, go_backwards: bool) -> usize {
    if go_backwards { time - 1 - s } else { s }
}

/// Below this many multiply-adds in the recurrent products of one pass, the batch is not
/// split across threads (waking a rayon worker costs tens of µs).
const PARALLEL_MIN: usize = 1 << 22;

/// How many parts the batch rows are cut into: one per rayon thread for a large enough
/// sequence. The rows of a batch never interact in the recurrence, so each part runs the
/// whole sequence on its own, with one fork and join per pass instead of one per step.
pub(super) fn parts(dims: Dims) -> usize {
    let Dims { batch, time, units } = dims;
    if batch * time * units * 4 * units >= PARALLEL_MIN {
        rayon::current_num_threads().clamp(1, batch.max(1))
    } else {
        1
    }
}

/// The number of batch rows of each of `parts` parts, as even as can be.
pub(super) fn part_rows(batch: usize, parts: usize) -> Vec<usize> {
    (0..parts)
        .map(|i| batch / parts + usize::from(i < batch % parts))
        .collect()
}

/// Cuts `buf` into consecutive pieces of `rows[i] · per_row` values.
pub(super) fn cut<'a>(
    mut buf: &'a mut [f32],
    rows: &[usize],
    per_row: usize,
) -> Vec<&'a mut [f32]> {
    rows.iter()
        .map(|&r| {
            let (head, tail) = std::mem::take(&mut buf).split_at_mut(r * per_row);
            buf = tail;
            head
        })
        .collect()
}

/// Like [`cut`], for a shared slice.
pub(super) fn cut_ref<'a>(mut buf: &'a [f32], rows: &[usize], per_row: usize) -> Vec<&'a [f32]> {
    rows.iter()
        .map(|&r| {
            let (head, tail) = buf.split_at(r * per_row);
            buf = tail;
            head
        })
        .collect()
}

/// `sums += values`, value by value: a sample's row of a gradient added to its running sum
/// over the steps, in the backward pass while the row is in the cache.
#[inline(always)]
pub(super) fn add_into(sums: &mut [f32], values: &[f32]) {
    for (s, &v) in sums.iter_mut().zip(values) {
        *s += v;
    }
}

/// The sum, in sample order, of per-sample sums of `width` values each (`per_sample` holds
/// them one after the other): a bias gradient. The order depends on the batch alone, not on
/// how many parts (threads) added up the samples' sums, so the bits do not either.
pub(super) fn sum_samples(per_sample: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0f32; width];
    for sample in per_sample.chunks_exact(width.max(1)) {
        add_into(&mut sums, sample);
    }
    sums
}

pub(super) fn vec_array(shape: &[usize], values: Vec<f32>) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(shape), values).expect("the buffer has the shape's values")
}

/// Sends `values` (of `shape`) as the gradient of `input`, when there is such an input and
/// it wants one: the end of every fused recurrent backward pass.
pub(super) fn send_if_wanted(
    input: Option<&Tensor>,
    shape: &[usize],
    values: Vec<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
) {
    if let Some(t) = input
        && t.requires_grad()
    {
        send(t, vec_array(shape, values));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Per-sample sums are added in sample order: values whose float sum depends on the
    /// order give the sequential sum worked out by hand.
    #[test]
    fn sample_sums_are_added_in_sample_order() {
        // Two columns; samples (1, 1), (1e8, -1e8), (-1e8, 0.5).
        let per_sample = [1.0f32, 1.0, 1e8, -1e8, -1e8, 0.5];
        // Column 0: 1 + 1e8 rounds to 1e8, minus 1e8 is 0 (the other way round it would be
        // 1). Column 1: 1 − 1e8 rounds to −1e8, plus 0.5 stays −1e8.
        assert_eq!(sum_samples(&per_sample, 2), vec![0.0, -1e8]);
        let mut sums = [1.0f32, 2.0];
        add_into(&mut sums, &[0.5, -2.0]);
        assert_eq!(sums, [1.5, 0.0]);
        assert!(sum_samples(&[], 3).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn exp_sigmoid_tanh_match_f64() {
        // With and without fused multiply-adds (the CPU's instruction where it has one, the
        // library call elsewhere: the results are the same either way).
        for fma in [false, true] {
            let mut worst = [0.0f64; 3];
            for k in -200_000..=200_000 {
                let x = k as f32 * 5e-4; // [-100, 100]
                let xd = f64::from(x);
                let e = f64::from(exp(x, fma));
                if x.abs() < 80.0 {
                    worst[0] = worst[0].max((e - xd.exp()).abs() / xd.exp());
                }
                let s = f64::from(sigmoid(x, fma));
                worst[1] = worst[1].max((s - 1.0 / (1.0 + (-xd).exp())).abs());
                worst[2] = worst[2].max((f64::from(tanh(x, fma)) - xd.tanh()).abs());
            }
            assert!(worst[0] < 4e-7, "exp relative error {} ({fma})", worst[0]);
            assert!(
                worst[1] < 2e-7,
                "sigmoid absolute error {} ({fma})",
                worst[1]
            );
            assert!(worst[2] < 3e-7, "tanh absolute error {} ({fma})", worst[2]);
            let (e, s, t) = (
                exp(f32::NAN, fma),
                sigmoid(f32::NAN, fma),
                tanh(f32::NAN, fma),
            );
            assert!(e.is_nan() && s.is_nan() && t.is_nan());
            assert_eq!(
                (sigmoid(1e4, fma), tanh(1e4, fma), tanh(-1e4, fma)),
                (1.0, 1.0, -1.0)
            );
            assert!(
                (0.0..1e-37).contains(&sigmoid(-1e4, fma)),
                "saturates near 0"
            );
            assert!(sigmoid(f32::INFINITY, fma) == 1.0 && tanh(f32::NEG_INFINITY, fma) == -1.0);
        }
    }
}

/// Test support shared by the recurrent ops' and layers' tests.
#[cfg(test)]
pub(crate) mod testing {
    use ndarray::ArrayD;

    use crate::tensor::Tensor;

    /// Deterministic test values in `[-scale/2, scale/2)`, different for each `seed` (a
    /// multiplicative hash of the index), for the recurrent ops' and layers' tests.
    pub(crate) fn filled(shape: &[usize], seed: u32, scale: f32) -> Tensor {
        let n: usize = shape.iter().product();
        let values = (0..n)
            .map(|i| {
                let v = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8;
                (v as f32 / (1u32 << 24) as f32 - 0.5) * scale
            })
            .collect();
        Tensor::from_vec(values, shape)
    }

    /// Asserts `a` and `b` have one shape and agree to 1e-5 relative (absolute below 1).
    pub(crate) fn assert_close(what: &str, a: &Tensor, b: &Tensor) {
        assert_eq!(a.shape(), b.shape(), "{what}");
        for (i, (x, y)) in a.to_vec().iter().zip(b.to_vec()).enumerate() {
            let tolerance = 1e-5 * 1f32.max(x.abs()).max(y.abs());
            assert!((x - y).abs() <= tolerance, "{what}[{i}]: {x} vs {y}");
        }
    }

    /// Checks a sequence op's gradients against finite differences in all four modes
    /// (`go_backwards` × `return_sequences`): `op(inputs, backwards, sequences)`.
    pub(crate) fn check_every_mode(
        inputs: &[Tensor],
        op: impl Fn(&[Tensor], bool, bool) -> Tensor,
    ) {
        for backwards in [false, true] {
            for sequences in [false, true] {
                let r =
                    crate::autograd::check_gradients(inputs, |v| op(v, backwards, sequences), 1e-2);
                assert!(
                    r.worst() < 2e-3,
                    "backwards {backwards} sequences {sequences}: {r}"
                );
            }
        }
    }

    /// Asserts that a backward pass with the batch cut into 2, 3 and 5 parts sends every input
    /// the gradient it sends in one part (to 1e-6 relative), `sent(parts)` listing what it sent.
    pub(crate) fn assert_parts_agree(
        inputs: usize,
        sent: impl Fn(usize) -> Vec<(crate::tensor::TensorId, ArrayD<f32>)>,
    ) {
        let one = sent(1);
        assert_eq!(one.len(), inputs);
        for parts in [2, 3, 5] {
            for ((id, g), (id1, g1)) in sent(parts).iter().zip(&one) {
                assert_eq!(id, id1);
                for (a, e) in g.iter().zip(g1) {
                    assert!(
                        (a - e).abs() <= 1e-6 * e.abs().max(1.0),
                        "{parts} parts: {a} vs {e}"
                    );
                }
            }
        }
    }
}
