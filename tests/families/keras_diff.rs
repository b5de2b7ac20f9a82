//! `layers` against real Keras 3, where a differential audit once found them apart.
//!
//! The expected values were produced by Keras 3.15.1 itself (JAX 0.10.2 backend, NumPy,
//! Python 3.11) with `KERAS_BACKEND=jax python3 tests/reference/keras_diff.py`, which prints
//! the arrays below. The audit compared random cases of every layer, loss, activation and
//! optimizer with Keras (rtol 1e-5, atol 1e-6); these are the cases that disagreed, and
//! `Conv1D`'s `causal` padding and the crossentropies' `label_smoothing`, which the audit
//! found missing and which were added after it.

use layers::layer::context::with_context;
use layers::loss::{BinaryCrossentropy, CategoricalCrossentropy};
use layers::optim::{Adam, AdamW, RmsProp};
use layers::prelude::*;

const W0: [f32; 4] = [0.3148, -0.2, 1.5, -0.0625];
const GRADS: [f32; 20] = [
    14.5, -0.115, 0.75, -3.0, -0.0236, 2.0, 0.5, 1.0, 1.0, 1.0, -1.0, 0.25, -7.0, 0.5, 0.001, 2.0,
    0.3, -0.3, 4.0, -1.0,
];
const ADAM: [f32; 20] = [
    -0.18519655,
    0.2999829,
    1.0000055,
    0.43749616,
    -0.51961595,
    -0.052245617,
    0.514836,
    0.6376033,
    -0.7995086,
    -0.4385432,
    0.50118905,
    0.76660913,
    -0.8797806,
    -0.8107333,
    0.48979437,
    0.70083565,
    -0.95269686,
    -1.0872446,
    0.2281963,
    0.7175007,
];
const ADAM_AMSGRAD: [f32; 20] = [
    0.21480007,
    -0.10000094,
    1.4000002,
    0.037499905,
    0.1480996,
    -0.17028962,
    1.3028806,
    0.07759437,
    0.092295825,
    -0.24748164,
    1.3001542,
    0.10345203,
    0.076173805,
    -0.3219955,
    1.297884,
    0.090263605,
    0.061566744,
    -0.37746885,
    1.2459677,
    0.09360967,
];
const ADAMW: [f32; 20] = [
    -0.20093656,
    0.3099829,
    0.92500544,
    0.44062117,
    -0.52530915,
    -0.05774477,
    0.39358568,
    0.61869717,
    -0.7789364,
    -0.4411551,
    0.36025947,
    0.71676815,
    -0.8202616,
    -0.79128754,
    0.33085182,
    0.61515623,
    -0.8521648,
    -1.0282345,
    0.05271116,
    0.6010635,
];
const RMSPROP: [f32; 20] = [
    -0.0014276803,
    0.11503892,
    1.1838003,
    0.25372598,
    -0.0009127356,
    -0.20066394,
    1.0083388,
    0.15368146,
    -0.022691507,
    -0.34195396,
    1.2433095,
    0.1287358,
    0.11469035,
    -0.41093233,
    1.2430744,
    -0.04009278,
    0.108800635,
    -0.36987507,
    0.94332576,
    0.041503765,
];
const RMSPROP_CENTERED: [f32; 20] = [
    0.21429622,
    -0.09953458,
    1.3994972,
    0.03800372,
    0.21446061,
    -0.19981667,
    1.3432941,
    0.0061753057,
    0.20747222,
    -0.24503472,
    1.4178653,
    -0.0017925818,
    0.25145042,
    -0.26725852,
    1.4177903,
    -0.055682197,
    0.24955632,
    -0.25400183,
    1.3224018,
    -0.029539831,
];
const BN_X: [f32; 12] = [
    0.5, -1.0, 2.0, 1.5, 3.0, -2.0, -0.25, 0.0, 7.0, 2.0, 1.0, 1.0,
];
const BN_MOVING_MEAN: [f32; 3] = [0.10261166, -0.19735095, 0.30539834];
const BN_MOVING_VARIANCE: [f32; 3] = [1.0018089, 2.0069375, 0.55149];

/// Asserts `found` is `expected` to `rtol` relative (to `max(|expected|, 1e-3)`).
fn assert_close(what: &str, found: &[f32], expected: &[f32], rtol: f32) {
    assert_eq!(found.len(), expected.len(), "{what}: length");
    for (i, (&f, &e)) in found.iter().zip(expected).enumerate() {
        let error = (f - e).abs() / e.abs().max(1e-3);
        assert!(
            error <= rtol,
            "{what}[{i}]: {f} where Keras has {e} (relative error {error:.2e})"
        );
    }
}

/// Runs `optimizer` for the 5 steps of `GRADS` from `W0` and compares the weights after
/// every step with Keras's.
fn five_steps(what: &str, mut optimizer: impl Optimizer, expected: &[f32; 20]) {
    let w = Weight::from_tensor("w", Tensor::from_vec(W0.to_vec(), &[4]));
    for (step, g) in GRADS.chunks(4).enumerate() {
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::from_vec(g.to_vec(), &[4]));
        optimizer.apply(&[&w], &grads).unwrap();
        let want = &expected[step * 4..step * 4 + 4];
        assert_close(
            &format!("{what} step {}", step + 1),
            &w.value().to_vec(),
            want,
            1e-6,
        );
    }
}

// Keras multiplies the moments by `1 - beta`, computed on the Python float: 0.001 for
// β₂ = 0.999. `1.0 - 0.999f32` is 0.00099998713, and the library's updates were 6e-6
// (relative) off Keras's from the first step (ADAM step 1: -0.18519989 for -0.18519655).
#[test]
fn adam_moments_use_one_minus_beta_as_keras_does() {
    five_steps("Adam", Adam::new().with_learning_rate(0.5), &ADAM);
    five_steps(
        "Adam amsgrad",
        Adam::new()
            .with_learning_rate(0.1)
            .amsgrad(true)
            .beta_2(0.99),
        &ADAM_AMSGRAD,
    );
    five_steps(
        "AdamW",
        AdamW::new().with_learning_rate(0.5).weight_decay(0.1),
        &ADAMW,
    );
}

#[test]
fn rmsprop_average_uses_one_minus_rho_as_keras_does() {
    five_steps(
        "RMSprop",
        RmsProp::new().with_learning_rate(0.01).rho(0.999),
        &RMSPROP,
    );
    five_steps(
        "RMSprop centered",
        RmsProp::new()
            .with_learning_rate(0.01)
            .rho(0.99)
            .centered(true),
        &RMSPROP_CENTERED,
    );
}

#[test]
fn batch_normalization_moving_statistics_use_one_minus_momentum_as_keras_does() {
    let mut bn = BatchNormalization::new().momentum(0.999);
    bn.build([3]).unwrap();
    let values = [[1.0f32; 3], [0.0; 3], [0.1, -0.2, 0.3], [1.0, 2.0, 0.5]];
    let values: Vec<Tensor> = values
        .iter()
        .map(|v| Tensor::from_vec(v.to_vec(), &[3]))
        .collect();
    bn.set_weights(&values).unwrap();
    let x = Tensor::from_vec(BN_X.to_vec(), &[4, 3]);
    with_context(true, 0, || {
        bn.try_apply(&x).unwrap();
        bn.try_apply(&(&x * 2.0)).unwrap();
    });
    let weights = bn.get_weights().unwrap();
    assert_close("moving_mean", &weights[2].to_vec(), &BN_MOVING_MEAN, 1e-6);
    assert_close(
        "moving_variance",
        &weights[3].to_vec(),
        &BN_MOVING_VARIANCE,
        1e-6,
    );
}

// `Conv1D` with `causal` padding: output and gradients of `sum(y · c)` (see the script).
#[rustfmt::skip]
const CAUSAL_D2_Y: [f32; 28] = [0.375, -0.75, 0.25, -0.375, -0.375, 0.25, 1.75, 0.125, 0.375, 0.5, 0.75, -2.125, 0.5, 0.25, 0.125, -0.625, 1.875, 1.0, -0.5, 0.0, 1.625, -1.375, 0.5, 0.25, -1.0, -0.5, 1.875, 0.625];
#[rustfmt::skip]
const CAUSAL_D2_GX: [f32; 42] = [-1.5, 0.25, 0.25, -1.5, 0.25, 0.25, 3.0, -0.5, -0.5, -1.25, 0.5, 0.5, -1.0, 0.25, -0.25, 0.75, -0.5, 0.0, -0.5, 0.75, 0.25, -1.5, 0.25, 0.25, 3.0, -0.5, -0.5, -1.5, 0.25, 0.25, -1.0, 0.25, -0.25, 2.25, -0.75, -0.25, -0.5, 0.75, 0.25, -0.25, -0.25, -0.25];
#[rustfmt::skip]
const CAUSAL_D2_GK: [f32; 18] = [-1.5, 1.0, 1.0, 1.0, 1.0, -1.5, 2.0, -1.0, -1.0, -1.0, -1.5, 1.5, 0.0, 0.0, 0.0, -0.5, 0.0, -1.0];
#[rustfmt::skip]
const CAUSAL_D2_GB: [f32; 2] = [0.0, -1.0];
#[rustfmt::skip]
const CAUSAL_S2_Y: [f32; 16] = [0.0, 0.625, -0.75, -0.5, -0.375, -0.875, 1.25, -0.625, 0.125, 0.25, -0.375, -0.875, 1.25, -0.625, 2.25, -0.375];
#[rustfmt::skip]
const CAUSAL_S2_GX: [f32; 42] = [-0.75, 0.5, 0.0, -0.25, -0.25, -0.25, 1.5, -0.25, -0.25, -0.5, 0.0, 0.5, -0.75, -0.25, 0.25, 0.75, 0.25, -0.25, -0.75, 0.5, 0.0, 1.5, -0.25, -0.25, -0.5, 0.0, 0.5, -0.75, -0.25, 0.25, 0.75, 0.25, -0.25, -0.75, 0.5, 0.0, -0.25, -0.25, -0.25, 1.5, -0.25, -0.25];
#[rustfmt::skip]
const CAUSAL_S2_GK: [f32; 12] = [2.0, 2.0, 2.0, -3.0, -0.5, -0.5, 0.0, 0.0, -2.5, 2.0, 2.5, 1.5];
#[rustfmt::skip]
const CAUSAL_S2_GB: [f32; 2] = [0.0, -1.0];

/// Runs `Conv1D(2, kernel, strides, dilation_rate, padding = causal)` on the script's input
/// and weights, and compares its output and the gradients of `sum(y · c)` with Keras's.
fn causal_case(case: (usize, usize, usize), expected: [&[f32]; 4]) {
    let (kernel, stride, dilation) = case;
    let [y_keras, gx_keras, gk_keras, gb_keras] = expected;
    let x: Vec<f32> = (0..2 * 7 * 3)
        .map(|i| ((i % 5) as f32 - 2.0) * 0.5)
        .collect();
    let x = Tensor::from_vec(x, &[2, 7, 3]).into_variable();
    let mut conv = Conv1D::new(2, kernel)
        .strides(stride)
        .dilation_rate(dilation)
        .padding(Padding::Causal);
    conv.build([7, 3]).unwrap();
    let k: Vec<f32> = (0..kernel * 3 * 2)
        .map(|i| ((i % 7) as f32 - 3.0) * 0.25)
        .collect();
    conv.set_weights(&[
        Tensor::from_vec(k, &[kernel, 3, 2]),
        Tensor::from_vec(vec![0.5, -0.25], &[2]),
    ])
    .unwrap();
    let y = conv.forward(&x).unwrap();
    assert_eq!(y.shape(), &[2, y_keras.len() / 4, 2], "output shape");
    assert_close("y", &y.to_vec(), y_keras, 1e-6);
    let c: Vec<f32> = (0..y_keras.len()).map(|i| (i % 3) as f32 - 1.0).collect();
    let grads = y.backward_with(&Tensor::from_vec(c, y.shape()));
    assert_close("gx", &grads.get(&x).unwrap().to_vec(), gx_keras, 1e-6);
    let weights = conv.weights();
    assert_close(
        "gk",
        &weights[0].grad(&grads).unwrap().to_vec(),
        gk_keras,
        1e-6,
    );
    assert_close(
        "gb",
        &weights[1].grad(&grads).unwrap().to_vec(),
        gb_keras,
        1e-6,
    );
}

#[test]
fn conv1d_causal_padding_matches_keras() {
    // Kernel 3, dilation 2: 4 zeros before each sequence, 7 outputs.
    causal_case(
        (3, 1, 2),
        [&CAUSAL_D2_Y, &CAUSAL_D2_GX, &CAUSAL_D2_GK, &CAUSAL_D2_GB],
    );
    // Kernel 2, stride 2: 1 zero before, ⌈7 / 2⌉ = 4 outputs.
    causal_case(
        (2, 2, 1),
        [&CAUSAL_S2_Y, &CAUSAL_S2_GX, &CAUSAL_S2_GK, &CAUSAL_S2_GB],
    );
}

#[test]
fn causal_padding_is_for_conv1d_only_as_in_keras() {
    let x = Tensor::ones(&[1, 6, 6, 2]);
    let refused: Vec<Box<dyn Layer>> = vec![
        Box::new(Conv2D::new(2, (3, 3)).padding(Padding::Causal)),
        Box::new(DepthwiseConv2D::new((3, 3)).padding(Padding::Causal)),
        Box::new(SeparableConv2D::new(2, (3, 3)).padding(Padding::Causal)),
        Box::new(Conv2DTranspose::new(2, (3, 3)).padding(Padding::Causal)),
        Box::new(MaxPooling2D::new().padding(Padding::Causal)),
        Box::new(AveragePooling2D::new().padding(Padding::Causal)),
    ];
    for layer in refused {
        let err = layer.forward(&x).unwrap_err().to_string();
        assert!(
            err.contains("padding") && err.contains("`causal` padding is for 1-D convolutions"),
            "{}: {err}",
            layer.type_name()
        );
    }
    let sequence = Tensor::ones(&[1, 6, 2]);
    for layer in [
        Box::new(MaxPooling1D::new().padding(Padding::Causal)) as Box<dyn Layer>,
        Box::new(AveragePooling1D::new().padding(Padding::Causal)),
    ] {
        assert!(layer.forward(&sequence).is_err(), "{}", layer.type_name());
    }
    // The output of step t depends on steps up to t only: changing the last step changes
    // the last output alone.
    let conv = Conv1D::new(1, 3).dilation_rate(2).padding(Padding::Causal);
    let a = Tensor::from_vec((0..8).map(|i| i as f32).collect(), &[1, 8, 1]);
    let mut changed = a.to_vec();
    changed[7] = 100.0;
    let (ya, yb) = (
        conv.forward(&a).unwrap().to_vec(),
        conv.forward(&Tensor::from_vec(changed, &[1, 8, 1]))
            .unwrap()
            .to_vec(),
    );
    assert_eq!(ya[..7], yb[..7]);
    assert_ne!(ya[7], yb[7]);
}

// The crossentropies with `label_smoothing`: the loss and its gradient with respect to the
// prediction (see the script).
#[rustfmt::skip]
const LS_BCE: [f32; 1] = [0.33689213];
#[rustfmt::skip]
const LS_BCE_GRAD: [f32; 12] = [-0.09920634, 0.07812499, 0.046296295, 0.08888889, -0.14999999, 0.08888889, 0.046296295, 0.09920635, -0.12152776, 0.0, -0.046296295, 0.0];
#[rustfmt::skip]
const LS_BCE_LOGITS: [f32; 1] = [1.0439992];
#[rustfmt::skip]
const LS_BCE_LOGITS_GRAD: [f32; 12] = [-0.001600246, 0.014078451, 0.04353828, 0.033333335, 0.004381175, 0.0016002432, 0.0068687946, 0.03851471, -0.014078454, 0.07350116, -0.07350116, 0.033333335];
#[rustfmt::skip]
const LS_CCE: [f32; 1] = [0.52359056];
#[rustfmt::skip]
const LS_CCE_GRAD: [f32; 12] = [-0.08333334, 0.20833333, 0.16666666, 0.21666667, -0.21666667, 0.21666667, 0.16666666, 0.22222222, -0.13888887, 0.08333333, -0.009259254, 0.08333333];
#[rustfmt::skip]
const LS_CCE_LOGITS: [f32; 1] = [2.2827246];
#[rustfmt::skip]
const LS_CCE_LOGITS_GRAD: [f32; 12] = [-0.0036007464, -0.0152218575, 0.0188226, -0.013219146, 0.03662479, -0.023405636, -0.011798398, 0.050969973, -0.03917156, 0.22042258, -0.19991767, -0.02050493];

#[rustfmt::skip]
const LY: [f32; 12] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0];
#[rustfmt::skip]
const LP: [f32; 12] = [0.7, 0.2, 0.1, 0.25, 0.5, 0.25, 0.1, 0.3, 0.6, 0.05, 0.9, 0.05];
#[rustfmt::skip]
const LZ: [f32; 12] = [2.0, -1.0, 0.5, 0.0, 3.0, -2.0, -1.5, 0.25, 1.0, 4.0, -4.0, 0.0];

/// `loss` on the script's targets and `prediction`, its value and gradient against Keras's.
fn smoothed_case(what: &str, loss: &dyn Loss, prediction: &[f32; 12], expected: (f32, &[f32])) {
    let y = Tensor::from_vec(LY.to_vec(), &[4, 3]);
    let p = Tensor::from_vec(prediction.to_vec(), &[4, 3]).into_variable();
    let value = loss.compute(&y, &p).unwrap();
    assert_close(what, &[value.item()], &[expected.0], 1e-6);
    let grads = value.backward();
    assert_close(what, &grads.get(&p).unwrap().to_vec(), expected.1, 1e-5);
}

#[test]
fn crossentropy_label_smoothing_matches_keras() {
    smoothed_case(
        "binary, s = 0.1",
        &BinaryCrossentropy::new().label_smoothing(0.1),
        &LP,
        (LS_BCE[0], &LS_BCE_GRAD),
    );
    smoothed_case(
        "binary on logits, s = 0.2",
        &BinaryCrossentropy::new()
            .from_logits(true)
            .label_smoothing(0.2),
        &LZ,
        (LS_BCE_LOGITS[0], &LS_BCE_LOGITS_GRAD),
    );
    smoothed_case(
        "categorical, s = 0.1",
        &CategoricalCrossentropy::new().label_smoothing(0.1),
        &LP,
        (LS_CCE[0], &LS_CCE_GRAD),
    );
    smoothed_case(
        "categorical on logits, s = 0.3",
        &CategoricalCrossentropy::new()
            .from_logits(true)
            .label_smoothing(0.3),
        &LZ,
        (LS_CCE_LOGITS[0], &LS_CCE_LOGITS_GRAD),
    );
}

#[test]
fn label_smoothing_outside_0_1_is_refused_and_the_setting_round_trips() {
    use layers::loss::loss_from_config;
    use serde_json::json;
    let mut model = Sequential::new().add(Dense::new(3));
    for bad in [-0.1, 1.5, f32::NAN] {
        let err = model
            .compile(
                "adam",
                CategoricalCrossentropy::new().label_smoothing(bad),
                &[],
            )
            .unwrap_err()
            .to_string();
        assert!(err.contains("label_smoothing must be in [0, 1]"), "{err}");
    }
    let err = loss_from_config(&json!({"name": "binary_crossentropy", "label_smoothing": 2.0}))
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("label_smoothing must be in [0, 1]"), "{err}");
    // Sparse crossentropy has no such setting in Keras 3: an unknown key.
    assert!(
        loss_from_config(&json!({
            "name": "sparse_categorical_crossentropy",
            "label_smoothing": 0.1
        }))
        .is_err()
    );
    let loss = BinaryCrossentropy::new().label_smoothing(0.25);
    let config = loss.config();
    assert_eq!(config["label_smoothing"], 0.25);
    assert_eq!(loss_from_config(&config).unwrap().config(), config);
    // Without smoothing the config is what it always was.
    assert_eq!(
        CategoricalCrossentropy::new().config(),
        json!({"name": "categorical_crossentropy", "from_logits": false})
    );
}
