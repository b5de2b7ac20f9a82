//! The im2col and GEMM paths (and the direct loops of small convolutions) against plain
//! loops over every output, tap and channel.

use super::*;

fn geometry(h: usize, w: usize, k: usize, stride: usize, pad: usize, out: usize) -> ConvGeometry {
    ConvGeometry {
        batch: 1,
        input: [h, w],
        in_channels: 1,
        kernel: [k, k],
        out_channels: 1,
        stride: [stride, stride],
        dilation: [1, 1],
        pad: [pad, pad],
        output: [out, out],
    }
}

#[test]
fn im2col_rows_hold_the_windows_with_zeros_over_padding() {
    // 2×2 input [[1, 2], [3, 4]], 2×2 kernel, padding 1 before: the first window is
    // [pad, pad, pad, 1], the last [4, pad, pad, pad] (worked by hand).
    let g = geometry(2, 2, 2, 1, 1, 3);
    let cols = g.im2col(&[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(cols.len(), 9 * 4);
    assert_eq!(&cols[..4], &[0.0, 0.0, 0.0, 1.0]);
    assert_eq!(&cols[4 * 4..5 * 4], &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(&cols[8 * 4..], &[4.0, 0.0, 0.0, 0.0]);
}

#[test]
fn col2im_is_the_adjoint_of_im2col() {
    // <im2col(x), c> = <x, col2im(c)> for any x and c.
    let g = ConvGeometry {
        batch: 2,
        input: [5, 4],
        in_channels: 3,
        kernel: [3, 2],
        out_channels: 1,
        stride: [2, 1],
        dilation: [1, 2],
        pad: [1, 1],
        output: [3, 3],
    };
    let x: Vec<f32> = (0..g.input_len()).map(|i| (i % 7) as f32 - 3.0).collect();
    let c: Vec<f32> = (0..g.rows() * g.row_len())
        .map(|i| (i % 5) as f32 - 2.0)
        .collect();
    let lhs: f32 = g.im2col(&x).iter().zip(&c).map(|(a, b)| a * b).sum();
    let rhs: f32 = x.iter().zip(g.col2im(&c)).map(|(a, b)| a * b).sum();
    assert_eq!(lhs, rhs);
}

/// The geometry of a convolution of `(batch, h, w, cin)` by `(kh, kw)` into `cout`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn case(
    batch: usize,
    input: [usize; 2],
    cin: usize,
    kernel: [usize; 2],
    cout: usize,
    stride: [usize; 2],
    dilation: [usize; 2],
    padding: crate::tensor::conv::Padding,
) -> ConvGeometry {
    let mut output = [0; 2];
    let mut pad = [0; 2];
    for a in 0..2 {
        let (o, p) = padding
            .output_length(input[a], kernel[a], stride[a], dilation[a])
            .expect("the test shapes fit");
        output[a] = o;
        pad[a] = p;
    }
    ConvGeometry {
        batch,
        input,
        in_channels: cin,
        kernel,
        out_channels: cout,
        stride,
        dilation,
        pad,
        output,
    }
}

/// Values in [-1, 1) from a fixed recurrence (no two equal in a small tensor).
pub(crate) fn values(len: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|_| {
            s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ((s >> 8) % 2001) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// The convolution, its input gradient and its kernel gradient for the output gradient
/// `r`, by the definition: one loop over every output, tap and channel, reading the
/// input at `(oh·s + ki·d − pad, ow·s + kj·d − pad)` when that is inside.
fn direct(g: &ConvGeometry, x: &[f32], k: &[f32], r: &[f32]) -> [Vec<f32>; 3] {
    let (c, f) = (g.in_channels, g.out_channels);
    let mut y = vec![0.0f32; g.output_len()];
    let mut dx = vec![0.0f32; g.input_len()];
    let mut dk = vec![0.0f32; g.kernel_area() * c * f];
    for n in 0..g.batch {
        for oh in 0..g.output[0] {
            for ow in 0..g.output[1] {
                for ki in 0..g.kernel[0] {
                    for kj in 0..g.kernel[1] {
                        let ih =
                            (oh * g.stride[0] + ki * g.dilation[0]) as isize - g.pad[0] as isize;
                        let iw =
                            (ow * g.stride[1] + kj * g.dilation[1]) as isize - g.pad[1] as isize;
                        if ih < 0
                            || iw < 0
                            || ih >= g.input[0] as isize
                            || iw >= g.input[1] as isize
                        {
                            continue;
                        }
                        let xi = ((n * g.input[0] + ih as usize) * g.input[1] + iw as usize) * c;
                        let yi = ((n * g.output[0] + oh) * g.output[1] + ow) * f;
                        for ci in 0..c {
                            for fi in 0..f {
                                let ki = ((ki * g.kernel[1] + kj) * c + ci) * f + fi;
                                y[yi + fi] += x[xi + ci] * k[ki];
                                dx[xi + ci] += k[ki] * r[yi + fi];
                                dk[ki] += x[xi + ci] * r[yi + fi];
                            }
                        }
                    }
                }
            }
        }
    }
    [y, dx, dk]
}

fn assert_close(what: &str, fast: &[f32], plain: &[f32]) {
    assert_eq!(fast.len(), plain.len(), "{what}: lengths");
    for (i, (a, b)) in fast.iter().zip(plain).enumerate() {
        assert!(
            (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
            "{what}[{i}]: fast {a}, direct {b}"
        );
    }
}

#[test]
fn im2col_gemm_paths_match_direct_loops_on_odd_shapes() {
    use crate::tensor::conv::Padding::{Same, Valid};
    let cases = [
        // batch 1, one input channel (W6's first layer, smaller)
        case(1, [5, 7], 1, [3, 3], 2, [1, 1], [1, 1], Valid),
        case(1, [6, 6], 1, [3, 3], 3, [1, 1], [1, 1], Same),
        // strides and dilation per axis, three channels
        case(2, [6, 5], 3, [3, 2], 4, [2, 1], [1, 2], Same),
        case(3, [7, 7], 3, [2, 3], 5, [2, 2], [2, 1], Valid),
        case(2, [5, 5], 1, [3, 3], 3, [3, 2], [1, 1], Same),
        case(1, [3, 8], 2, [1, 3], 2, [1, 2], [1, 3], Same),
        // even kernel with `same`: the larger padding after
        case(2, [4, 5], 3, [4, 2], 2, [1, 1], [1, 1], Same),
        // pointwise (the input is its own im2col matrix)
        case(2, [4, 3], 3, [1, 1], 2, [1, 1], [1, 1], Valid),
        // kernel as large as the input
        case(1, [3, 3], 2, [3, 3], 2, [1, 1], [1, 1], Valid),
    ];
    for (i, g) in cases.iter().enumerate() {
        let x = values(g.input_len(), 3 * i as u32);
        let k = values(g.row_len() * g.out_channels, 3 * i as u32 + 1);
        let r = values(g.output_len(), 3 * i as u32 + 2);
        let [y, dx, dk] = direct(g, &x, &k, &r);
        assert_close(&format!("case {i} forward"), &conv_forward(g, &x, &k), &y);
        assert_close(
            &format!("case {i} input gradient"),
            &conv_input_grad(g, &r, &k),
            &dx,
        );
        assert_close(
            &format!("case {i} kernel gradient"),
            &conv_kernel_grad(g, &x, &r),
            &dk,
        );
    }
}

#[test]
fn scratch_buffers_do_not_leak_values_between_calls() {
    use crate::tensor::conv::Padding::Same;
    // A large call leaves the scratch buffer full of its columns; a smaller call with
    // padding must still see zeros over its padding.
    let big = case(2, [9, 9], 3, [3, 3], 2, [1, 1], [1, 1], Same);
    let x = values(big.input_len(), 7);
    let k = values(big.row_len() * 2, 8);
    conv_forward(&big, &x, &k);
    let small = case(1, [2, 2], 1, [3, 3], 1, [1, 1], [1, 1], Same);
    let ones = [1.0f32; 9];
    // Every output of a 3×3 window of ones over a 2×2 image of ones, padded, is 4.
    assert_eq!(conv_forward(&small, &[1.0; 4], &ones), vec![4.0; 4]);
}
