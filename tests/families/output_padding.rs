//! `Conv2DTranspose`'s `output_padding` against real Keras 3: outputs and the gradients of
//! `sum(y · c)` with respect to the input, kernel and bias, for `valid` and `same` padding,
//! odd and even kernels, unequal strides and a dilated kernel, from
//! `KERAS_BACKEND=jax python3 tests/reference/keras_diff.py` (Keras 3.15.1, JAX 0.10.2);
//! the refusals Keras makes; the config round trip; and finite differences.

use layers::prelude::*;
use layers::tensor::conv::Padding;

#[rustfmt::skip]
const OP_VALID_Y: [f32; 216] = [0.75, 0.5, 0.25, -0.625, 0.875, 0.625, -1.375, 1.25, 1.25, -0.625, 0.125, 0.875, -0.125, -0.25, 0.5, 1.25, 0.0, 0.5, -0.125, 0.125, 0.375, -0.625, 0.5, 0.75, -0.5, 0.625, 0.875, -0.75, -0.125, 1.375, -0.375, -0.625, 1.75, 0.25, -0.625, 0.25, -0.125, 0.625, 0.5, -0.5, 2.0, 0.125, -0.5, 0.0, 0.5, -0.625, -0.375, 2.5, -0.25, 0.0, 1.125, -0.125, 0.125, 0.375, -0.5, 0.0, 0.5, 0.375, 0.0, 0.5, 1.25, 0.375, 0.375, -0.875, 0.875, 0.875, -2.0, 0.875, 1.125, -0.875, -0.125, 0.625, 1.625, -0.5, 0.0, 1.625, 0.125, 0.375, -0.875, 0.25, 0.5, 0.375, -0.125, 0.25, 0.0, 1.25, -0.125, -0.875, 0.5, 1.0, -0.375, -0.625, 1.75, 0.25, -0.625, 0.25, -0.125, 0.625, 0.5, -0.5, 2.0, 0.125, -0.5, 0.0, 0.5, -0.5, 0.0, 2.25, -0.375, 0.625, 1.625, -1.5, 0.375, 1.375, -1.125, -0.125, 0.875, 0.375, 0.0, 0.5, 1.25, 0.375, 0.375, -0.875, 0.875, 0.875, -2.0, 0.875, 1.125, -0.875, -0.125, 0.625, 1.625, -0.25, 0.5, -0.375, -0.125, 1.0, -0.25, 0.0, 1.125, 0.5, -0.25, -0.125, 0.0, 1.25, -0.125, -0.875, 0.5, 1.0, -0.375, -0.625, 1.75, 0.25, -0.625, 0.25, -0.125, 0.625, 0.5, -0.25, 0.5, 0.375, 0.0, 0.25, 0.5, 0.125, 0.375, 0.625, -1.125, 0.75, 1.75, -1.125, 0.125, 1.375, 0.0, -0.375, 0.125, 0.75, 0.5, 0.25, -0.75, 1.0, 1.0, -0.5, 0.25, 1.0, -0.625, 0.125, 0.875, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75, -0.25, 0.25, 0.75];
#[rustfmt::skip]
const OP_VALID_GX: [f32; 24] = [2.875, 0.6875, -0.3125, 1.0625, 3.375, -0.625, -3.25, -3.6875, -3.8125, -2.8125, -0.8125, 3.0625, 2.875, 0.6875, -0.3125, 1.0625, 2.5625, 1.25, 0.0625, -2.5, -3.8125, -2.8125, -0.8125, 3.0625];
#[rustfmt::skip]
const OP_VALID_GK: [f32; 54] = [3.375, -0.875, -1.125, -0.875, 1.25, 0.5, 0.875, -0.875, -2.25, 0.5, 0.125, 0.5, 1.125, -0.875, -3.375, 0.5, 3.125, -0.875, 0.125, 0.5, 1.125, -0.875, -3.375, 0.5, 3.125, -0.875, -1.375, -0.875, -1.75, 3.25, 3.375, -0.875, -1.125, -0.875, 1.25, 0.5, -1.75, 3.25, 3.375, -0.875, -1.125, -0.875, 1.25, 0.5, 0.875, -0.875, -2.25, 0.5, 0.125, 0.5, 1.125, -0.875, -3.375, 0.5];
#[rustfmt::skip]
const OP_VALID_GB: [f32; 3] = [2.5, -0.75, -1.25];
#[rustfmt::skip]
const OP_SAME_EVEN_Y: [f32; 72] = [-1.125, -0.75, 0.375, 0.75, 0.125, 0.5, -1.25, -0.625, -0.125, 0.5, 0.125, 0.75, 0.5, 0.75, 0.0, 0.25, -0.5, -0.25, -0.125, -0.625, -1.25, 0.875, 0.25, 0.625, 0.375, -0.75, -1.125, 0.375, 0.0, 0.625, -1.0, 1.0, 0.25, 0.5, -0.25, 0.0, -1.25, -0.625, -0.125, 0.5, 0.125, 0.75, 0.5, 0.75, 0.0, 0.25, -0.5, -0.25, 0.375, 0.875, -0.5, 0.0, -0.5, 0.0, 0.375, -0.75, -1.125, 0.375, 0.0, 0.625, -1.0, 1.0, 0.25, 0.5, -0.25, 0.0, -0.5, 0.875, 0.375, 0.0, -0.5, 0.0];
#[rustfmt::skip]
const OP_SAME_EVEN_GX: [f32; 12] = [0.1875, 1.6875, -0.25, 1.0625, -2.4375, -1.125, 0.25, 1.75, -2.25, -0.6875, -0.75, -1.5];
#[rustfmt::skip]
const OP_SAME_EVEN_GK: [f32; 24] = [0.25, 1.625, -2.5, 1.625, 1.625, -5.25, 1.625, -2.5, 1.625, 0.25, 0.25, 1.625, 0.25, -1.0, 1.875, -2.125, -0.625, 2.25, -0.25, 1.25, -1.375, 1.5, 0.25, -1.0];
#[rustfmt::skip]
const OP_SAME_EVEN_GB: [f32; 2] = [-1.5, 1.0];
#[rustfmt::skip]
const OP_SAME_DILATED_Y: [f32; 24] = [-1.25, 0.25, -0.5, 0.875, 0.75, -0.375, -1.0, -0.375, 0.375, 0.125, 0.625, -0.5, -1.375, 1.0, 0.125, 0.0, -0.75, 0.75, -0.5, 0.875, 0.375, -0.75, 0.375, 1.0];
#[rustfmt::skip]
const OP_SAME_DILATED_GX: [f32; 24] = [-0.6875, -0.75, 2.4375, 1.0, -0.6875, 1.5, -0.375, -0.375, 0.8125, 0.4375, 1.125, 1.0625, 0.5625, 0.5625, -0.25, -0.25, 1.5625, -0.6875, 1.25, 2.4375, -0.6875, -0.6875, -0.375, -0.375];
#[rustfmt::skip]
const OP_SAME_DILATED_GK: [f32; 24] = [-0.125, -0.875, -1.0, -0.5, -0.625, -0.25, -1.0, -0.75, 0.5, -0.625, 1.875, -0.125, 2.5, 0.875, -1.5, -2.375, -0.375, -0.375, -0.875, 1.5, -1.25, 1.625, 1.5, -0.125];
#[rustfmt::skip]
const OP_SAME_DILATED_GB: [f32; 2] = [-1.25, 0.5];
#[rustfmt::skip]
const OP_VALID_WIDE_Y: [f32; 35] = [0.5, 0.25, -0.25, 0.125, 0.0, -0.25, -0.25, 0.0, -0.25, -0.25, -0.125, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.25, -0.625, -0.5, -0.25, -0.25, -0.25, -0.25, -0.25, -0.375, -0.25, -0.25, -0.25];
#[rustfmt::skip]
const OP_VALID_WIDE_GX: [f32; 4] = [0.6875, -1.0, 0.5625, -0.4375];
#[rustfmt::skip]
const OP_VALID_WIDE_GK: [f32; 4] = [0.375, 0.0, 0.5, 1.5];
#[rustfmt::skip]
const OP_VALID_WIDE_GB: [f32; 1] = [-0.75];
#[rustfmt::skip]
const OP_SAME_ODD_Y: [f32; 72] = [0.0, 0.25, -0.5, -0.25, -0.625, 1.25, 0.375, 0.5, -0.375, 0.0, -0.625, 0.625, -0.75, -0.5, 0.5, 0.75, 0.0, 0.125, -0.75, -0.625, 0.125, 0.5, -0.125, 0.25, 0.25, 0.5, -0.25, 0.0, -1.5, -0.375, 0.625, 0.875, -0.125, 0.375, -0.125, -0.5, -0.25, 0.25, -0.25, 0.25, -0.25, 0.375, 0.0, 0.625, -0.625, 0.0, -0.375, 0.25, -0.5, 0.25, 0.0, 0.75, 1.625, -0.375, -0.75, -0.125, -0.5, -0.125, -0.75, 1.375, 0.25, 1.0, -1.0, -0.25, -0.5, 0.0, -0.5, 0.0, 0.5, 0.75, 0.0, 0.25];
#[rustfmt::skip]
const OP_SAME_ODD_GX: [f32; 6] = [0.1875, 0.8125, 2.75, 0.125, -0.0625, 0.4375];
#[rustfmt::skip]
const OP_SAME_ODD_GK: [f32; 30] = [1.375, -0.375, 0.75, 0.375, 1.375, -1.75, -2.125, 1.625, -1.25, -1.25, -0.375, -0.75, 0.375, 1.375, -1.75, -2.125, 1.625, -0.125, -1.25, 1.5, -1.0, 0.375, 0.875, -2.25, 0.125, 1.125, -0.625, 0.375, 1.0, -0.75];
#[rustfmt::skip]
const OP_SAME_ODD_GB: [f32; 2] = [-1.5, 1.0];

/// One case: input shape, filters, kernel, strides, padding, dilation, output padding.
type Case = (
    [usize; 4],
    usize,
    (usize, usize),
    (usize, usize),
    Padding,
    (usize, usize),
    (usize, usize),
);

fn assert_close(what: &str, found: &[f32], expected: &[f32]) {
    assert_eq!(found.len(), expected.len(), "{what}: length");
    for (i, (a, b)) in found.iter().zip(expected).enumerate() {
        assert!(
            (a - b).abs() <= 1e-6 + 1e-5 * b.abs(),
            "{what}[{i}]: {a} against Keras's {b}"
        );
    }
}

/// Builds the layer, sets the script's weights, and compares the output shape, the output
/// and the three gradients with Keras's.
fn keras_case(case: Case, out_hw: (usize, usize), expected: [&[f32]; 4]) {
    let (xs, filters, kernel, strides, padding, dilation, output_padding) = case;
    let [y_keras, gx_keras, gk_keras, gb_keras] = expected;
    let n: usize = xs.iter().product();
    let x: Vec<f32> = (0..n).map(|i| ((i % 5) as f32 - 2.0) * 0.5).collect();
    let x = Tensor::from_vec(x, &xs).into_variable();
    let mut conv = Conv2DTranspose::new(filters, kernel)
        .strides(strides)
        .padding(padding)
        .dilation_rate(dilation)
        .output_padding(output_padding);
    let shape = conv.build([xs[1], xs[2], xs[3]]).unwrap();
    assert_eq!(shape, vec![out_hw.0, out_hw.1, filters], "{case:?}");
    let kn = kernel.0 * kernel.1 * filters * xs[3];
    let k: Vec<f32> = (0..kn).map(|i| ((i % 7) as f32 - 3.0) * 0.25).collect();
    let b: Vec<f32> = (0..filters).map(|i| (i as f32 - 0.5) * 0.5).collect();
    conv.set_weights(&[
        Tensor::from_vec(k, &[kernel.0, kernel.1, filters, xs[3]]),
        Tensor::from_vec(b, &[filters]),
    ])
    .unwrap();
    let y = conv.forward(&x).unwrap();
    assert_eq!(y.shape(), &[xs[0], out_hw.0, out_hw.1, filters]);
    assert_close("y", &y.to_vec(), y_keras);
    let c: Vec<f32> = (0..y_keras.len())
        .map(|i| ((i * 7) % 11) as f32 * 0.25 - 1.25)
        .collect();
    let grads = y.backward_with(&Tensor::from_vec(c, y.shape()));
    assert_close("gx", &grads.get(&x).unwrap().to_vec(), gx_keras);
    let weights = conv.weights();
    assert_close("gk", &weights[0].grad(&grads).unwrap().to_vec(), gk_keras);
    assert_close("gb", &weights[1].grad(&grads).unwrap().to_vec(), gb_keras);
}

#[test]
fn output_padding_matches_keras() {
    // valid: (3 − 1)·2 + 3 + 1 = 8 rows, (4 − 1)·2 + 3 + 0 = 9 columns
    keras_case(
        (
            [1, 3, 4, 2],
            3,
            (3, 3),
            (2, 2),
            Padding::Valid,
            (1, 1),
            (1, 0),
        ),
        (8, 9),
        [&OP_VALID_Y, &OP_VALID_GX, &OP_VALID_GK, &OP_VALID_GB],
    );
    // same, an even kernel with an output padding of 0: (2 − 1)·2 + 0 + 0 = 2 rows, where the
    // convolution of 2 rows gives 1; (3 − 1)·3 + 1 + 2 = 9 columns
    keras_case(
        (
            [2, 2, 3, 1],
            2,
            (4, 3),
            (2, 3),
            Padding::Same,
            (1, 1),
            (0, 2),
        ),
        (2, 9),
        [
            &OP_SAME_EVEN_Y,
            &OP_SAME_EVEN_GX,
            &OP_SAME_EVEN_GK,
            &OP_SAME_EVEN_GB,
        ],
    );
    // same, dilated, stride 1 with an output padding of 0: the size of the input
    keras_case(
        (
            [1, 3, 4, 2],
            2,
            (3, 2),
            (1, 1),
            Padding::Same,
            (2, 2),
            (0, 0),
        ),
        (3, 4),
        [
            &OP_SAME_DILATED_Y,
            &OP_SAME_DILATED_GX,
            &OP_SAME_DILATED_GK,
            &OP_SAME_DILATED_GB,
        ],
    );
    // valid, stride above the kernel: (2 − 1)·3 + 2 + 0 = 5 rows (6 without output padding)
    keras_case(
        (
            [1, 2, 2, 1],
            1,
            (2, 2),
            (3, 3),
            Padding::Valid,
            (1, 1),
            (0, 2),
        ),
        (5, 7),
        [
            &OP_VALID_WIDE_Y,
            &OP_VALID_WIDE_GX,
            &OP_VALID_WIDE_GK,
            &OP_VALID_WIDE_GB,
        ],
    );
    // same, odd kernels: (3 − 1)·2 + 1 + 1 = 6 rows, (2 − 1)·3 + 1 + 2 = 6 columns
    keras_case(
        (
            [1, 3, 2, 1],
            2,
            (3, 5),
            (2, 3),
            Padding::Same,
            (1, 1),
            (1, 2),
        ),
        (6, 6),
        [
            &OP_SAME_ODD_Y,
            &OP_SAME_ODD_GX,
            &OP_SAME_ODD_GK,
            &OP_SAME_ODD_GB,
        ],
    );
}

#[test]
fn an_output_padding_not_below_its_stride_is_refused_as_keras_refuses_it() {
    for (strides, padding) in [((2, 2), (2, 0)), ((1, 1), (0, 1)), ((3, 2), (1, 2))] {
        let mut conv = Conv2DTranspose::new(2, (3, 3))
            .strides(strides)
            .output_padding(padding);
        let err = conv.build([5, 5, 1]).unwrap_err().to_string();
        assert!(
            err.contains("output_padding") && err.contains("below its stride"),
            "{strides:?} {padding:?}: {err}"
        );
        assert!(!conv.is_built(), "a refused build leaves the layer unbuilt");
    }
    // The op says which axis.
    let x = Tensor::ones(&[1, 4, 4, 1]);
    let k = Tensor::ones(&[3, 3, 1, 1]);
    let err = x
        .try_conv2d_transpose_with_output_padding(&k, (2, 1), Padding::Same, (1, 1), (1, 1))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("axis 1 has an output padding of 1 and a stride of 1"),
        "{err}"
    );
    // `same`, an even kernel, one position and an output padding of 0 would give nothing.
    let one = Tensor::ones(&[1, 1, 3, 1]);
    let err = one
        .try_conv2d_transpose_with_output_padding(
            &Tensor::ones(&[2, 2, 1, 1]),
            (2, 2),
            Padding::Same,
            (1, 1),
            (0, 1),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("axis 0 would have no output positions"),
        "{err}"
    );
}

#[test]
fn output_padding_round_trips_through_the_config() {
    let conv = Conv2DTranspose::new(2, (3, 3))
        .strides((2, 3))
        .output_padding((1, 2));
    let config = conv.config();
    assert_eq!(config["output_padding"], serde_json::json!([1, 2]));
    let back = <Conv2DTranspose>::from_config(&conv.layer_config().unwrap()).unwrap();
    assert_eq!(back.output_padding, Some((1, 2)));
    // none by default, written as Keras writes it
    let plain = Conv2DTranspose::new(2, (3, 3));
    assert_eq!(plain.config()["output_padding"], serde_json::Value::Null);
    assert_eq!(plain.output_padding, None);
}

#[test]
fn output_padding_gradients_match_finite_differences() {
    use layers::autograd::check_gradients;
    for (xs, k, s, same, d, p) in [
        ([2, 3, 2, 2], (3, 2), (2, 3), false, (1, 1), (1, 2)),
        ([1, 2, 3, 1], (2, 4), (3, 2), true, (1, 1), (2, 0)),
        ([1, 3, 3, 2], (3, 3), (1, 1), true, (2, 1), (0, 0)),
        ([2, 2, 2, 1], (1, 2), (2, 2), true, (1, 1), (1, 1)),
    ] {
        let n: usize = xs.iter().product();
        let input = Tensor::from_vec(
            (0..n).map(|i| ((i * 5 % 9) as f32 - 4.0) * 0.3).collect(),
            &xs,
        );
        let kn = k.0 * k.1 * 3 * xs[3];
        let kernel = Tensor::from_vec(
            (0..kn).map(|i| ((i * 3 % 7) as f32 - 3.0) * 0.2).collect(),
            &[k.0, k.1, 3, xs[3]],
        );
        let padding = if same { Padding::Same } else { Padding::Valid };
        let r = check_gradients(
            &[input, kernel],
            |v| v[0].conv2d_transpose_with_output_padding(&v[1], s, padding, d, p),
            1e-2,
        );
        assert!(
            r.worst() < 1e-2,
            "{xs:?} {k:?} {s:?} {padding:?} {p:?}: {r}"
        );
    }
}
