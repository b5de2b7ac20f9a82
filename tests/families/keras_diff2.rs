//! `layers` against real Keras 3, round 2: training as a whole (`fit` with its validation
//! split, `evaluate`, the callbacks, the metrics by name), where a differential audit found
//! them apart.
//!
//! The expected values were produced by Keras 3.15.1 itself (JAX 0.10.2 backend, NumPy,
//! Python 3.11) with `KERAS_BACKEND=jax python3 tests/reference/keras_diff2.py`, which prints
//! the arrays below. The audit ran whole `fit`s (several epochs, a short last batch, SGD with
//! momentum and Nesterov, Adam, AdamW, RMSprop, with and without clipnorm, clipvalue and
//! global_clipnorm; dense, convolutional and recurrent models), `evaluate` and `predict`,
//! every metric by name, the callbacks and the initializers against Keras, from the same
//! initial weights and data without shuffling (rtol 1e-5, atol 1e-6; the initializers by
//! the statistics of large draws). These are the cases that disagreed.

use layers::loss::BinaryCrossentropy;
use layers::model::callbacks::{EarlyStopping, LearningRateScheduler};
use layers::optim::{Adam, Sgd};
use layers::prelude::*;

const SPLIT_X: [f32; 92] = [
    0.5,
    1.3632139,
    1.7736619,
    1.5147358,
    0.7074277,
    -0.25128308,
    -0.8909894,
    -0.90786284,
    -0.31947333,
    0.5446794,
    1.2120761,
    1.3092084,
    0.7530451,
    -0.20591453,
    -1.1110106,
    -1.5321443,
    -1.2849454,
    -0.52440494,
    0.33486024,
    0.8309579,
    0.69116825,
    -0.028339846,
    -0.9709244,
    -1.6615027,
    -1.7491891,
    -1.1865548,
    -0.25391266,
    0.5837839,
    0.914308,
    0.5885048,
    -0.20386267,
    -1.0315156,
    -1.4425316,
    -1.1958138,
    -0.38487047,
    0.60935634,
    1.3125201,
    1.3986229,
    0.855971,
    -0.007454563,
    -0.7219474,
    -0.8966231,
    -0.4196391,
    0.48423243,
    1.3681045,
    1.7910475,
    1.5431969,
    0.7528743,
    -0.17901497,
    -0.7837833,
    -0.7643132,
    -0.14665681,
    0.7335782,
    1.4030938,
    1.493191,
    0.9286678,
    -0.033207316,
    -0.93357086,
    -1.3458258,
    -1.0929989,
    -0.33754048,
    0.5023088,
    0.9668364,
    0.79033726,
    0.037416358,
    -0.92954427,
    -1.6351385,
    -1.7335116,
    -1.1848117,
    -0.27535832,
    0.52877426,
    0.8199395,
    0.45715928,
    -0.36198446,
    -1.2025402,
    -1.6147474,
    -1.3642379,
    -0.55223864,
    0.43565148,
    1.1259477,
    1.1986369,
    0.6500859,
    -0.20572923,
    -0.898292,
    -1.0415949,
    -0.53198534,
    0.3982989,
    1.2992721,
    1.7326612,
    1.4954435,
    0.72324127,
    -0.17924741,
];
const SPLIT_Y: [f32; 23] = [
    2.0, 2.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0.0, 1.0,
    0.0, 2.0, 1.0, 2.0,
];
const SPLIT_K0: [f32; 12] = [
    -0.5, -0.25, 0.0, 0.25, 0.5, -0.5, -0.25, 0.0, 0.25, 0.5, -0.5, -0.25,
];
const SPLIT_B0: [f32; 3] = [0.1, -0.1, 0.0];
const SPLIT_LOSS: [f32; 3] = [1.0456718, 0.74462736, 0.61636084];
const SPLIT_ACCURACY: [f32; 3] = [0.47058824, 0.7058824, 0.7647059];
const SPLIT_VAL_LOSS: [f32; 3] = [0.92408544, 0.8011551, 0.7122578];
const SPLIT_VAL_ACCURACY: [f32; 3] = [0.5, 0.6666667, 0.6666667];
const SPLIT_KERNEL: [f32; 12] = [
    -0.8703175,
    -0.5011273,
    0.53387374,
    -0.075213805,
    0.32123473,
    -0.045834806,
    -0.4817712,
    -0.2196614,
    0.6599415,
    0.50674105,
    -0.7719255,
    0.14459081,
];
const SPLIT_BIAS: [f32; 3] = [-0.33200094, 0.36546212, -0.11375489];
const RESTORE_X: [f32; 120] = [
    0.0,
    0.8678988,
    1.2923138,
    1.0563749,
    0.28064358,
    -0.6384926,
    -1.2313682,
    -1.1950322,
    -0.54805195,
    0.37897503,
    1.1123512,
    1.2773318,
    0.7896142,
    -0.101584986,
    -0.9408757,
    -1.2993925,
    -0.9939382,
    -0.18059582,
    0.72502846,
    1.2601736,
    1.151388,
    0.45425972,
    -0.47498885,
    -1.1615249,
    -1.2545384,
    -0.7065007,
    0.20254871,
    1.0080986,
    1.2985246,
    0.9254231,
    0.07944362,
    -0.8071304,
    -1.2812723,
    -1.1007024,
    -0.35768938,
    0.56809783,
    1.2035952,
    1.2240727,
    0.6190665,
    -0.30227375,
    -1.0691564,
    -1.2897155,
    -0.85124844,
    0.022194425,
    0.88429624,
    1.2945353,
    1.0432854,
    0.25893158,
    -0.65773255,
    -1.2383049,
    -1.186121,
    -0.5278464,
    0.4001502,
    1.1236757,
    1.2730191,
    0.7718679,
    -0.12369674,
    -0.9560541,
    -1.2998816,
    -0.9794881,
    -0.15859027,
    0.7433449,
    1.2654415,
    1.1409156,
    0.43339816,
    -0.4955795,
    -1.1713232,
    -1.2485374,
    -0.68776697,
    0.22444257,
    1.0219651,
    1.2972782,
    0.90970063,
    0.057279095,
    -0.8244113,
    -1.2848393,
    -1.0887328,
    -0.33629948,
    0.58797807,
    1.2118073,
    1.2164203,
    0.59945995,
    -0.32381582,
    -1.0816263,
    -1.2867413,
    -0.8343499,
    0.044382382,
    0.90043586,
    1.2963796,
    1.0298918,
    0.23714413,
    -0.6767808,
    -1.2448804,
    -1.176864,
    -0.5074869,
    0.42120874,
    1.1346728,
    1.2683352,
    0.7538966,
    -0.14577243,
    -0.9709538,
    -1.2999917,
    -0.96475244,
    -0.1365385,
    0.7614446,
    1.2703406,
    1.1301105,
    0.4124103,
    -0.5160257,
    -1.1807799,
    -1.2421726,
    -0.6688328,
    0.246271,
    1.0355338,
    1.2956537,
    0.89371306,
    0.035097875,
    -0.8414518,
    -1.2880317,
    -1.0764458,
];
const RESTORE_Y: [f32; 40] = [
    2.0167289,
    -0.72944134,
    -0.21675575,
    1.9317999,
    -1.0853593,
    0.28305036,
    1.7051167,
    -1.3209312,
    0.78432894,
    1.3563709,
    -1.4156923,
    1.2435338,
    0.91585785,
    -1.3614116,
    1.6207738,
    0.42184544,
    -1.1628034,
    1.8832779,
    -0.08275181,
    -0.83712167,
    2.008243,
    -0.5540994,
    -0.4126581,
    1.9848125,
    -0.9512513,
    0.07371426,
    1.8150225,
    -1.2397068,
    0.579744,
    1.513622,
    -1.394408,
    1.0614724,
    1.1067944,
    -1.4019158,
    1.4770515,
    0.62988037,
    -1.2615781,
    1.7903802,
    0.124309555,
    -0.98558587,
];
const RESTORE_LOSS: [f32; 6] = [
    1.6426764,
    1.0226532,
    0.66201854,
    0.44014725,
    553.77625,
    9.1291136e+08,
];
const RESTORE_LEARNING_RATE: [f32; 6] = [0.02, 0.02, 0.02, 0.02, 1.2, 1.2];
const RESTORE_KERNEL: [f32; 3] = [-0.15094456, 0.5200425, 0.42749235];
const RESTORE_BIAS: [f32; 1] = [0.19923885];
const MULTI_LABEL_P: [f32; 15] = [
    0.5, 0.5, 0.0, 0.2, 0.3, 0.5, 0.1, 0.6, 0.3, 0.3, 0.3, 0.4, 0.7, 0.2, 0.1,
];
const MULTI_LABEL_Y: [f32; 15] = [
    1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0,
];
const MULTI_LABEL_LOGS: [f32; 3] = [1.6739706, 0.6, 0.6666667];

const MHA_KERNEL_MAX_ABS: [f32; 4] = [0.30617842, 0.3061135, 0.30585116, 0.30611446];
const MHA_KERNEL_STD: [f32; 4] = [0.17518218, 0.17579076, 0.17827883, 0.1772105];

/// `actual` within rtol 1e-5, atol 1e-6 of Keras's `expected`.
fn assert_close(what: &str, actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths");
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= 1e-6 + 1e-5 * e.abs(),
            "{what}[{i}]: layers {a}, Keras {e}\n layers {actual:?}\n Keras  {expected:?}"
        );
    }
}

/// Keras holds out the last `n - floor(n · (1 − split))` samples: 23 at 0.25 train on 17
/// and validate on 6. `layers` had held out `floor(n · split)` = 5, so every `val_` value,
/// every training value and the weights differed from Keras's.
#[test]
fn validation_split_holds_out_what_keras_holds_out() {
    let x = Tensor::from_vec(SPLIT_X.to_vec(), &[23, 4]);
    let y = Tensor::from_vec(SPLIT_Y.to_vec(), &[23]);
    let mut model = Sequential::new().add(Dense::new(3).activation("softmax"));
    model.build([4]).unwrap();
    model
        .set_weights(&[
            Tensor::from_vec(SPLIT_K0.to_vec(), &[4, 3]),
            Tensor::from_vec(SPLIT_B0.to_vec(), &[3]),
        ])
        .unwrap();
    let adam = Adam::new().with_learning_rate(0.05);
    model
        .compile(adam, "sparse_categorical_crossentropy", &["accuracy"])
        .unwrap();
    let options = FitOptions::new()
        .with_epochs(3)
        .batch_size(5)
        .validation_split(0.25)
        .shuffle(false)
        .verbose(0);
    let history = model.fit(&x, &y, options).unwrap();
    assert_eq!(history.params.steps, 4); // 17 samples in batches of 5: 5, 5, 5, 2
    assert_close("loss", &history.history["loss"], &SPLIT_LOSS);
    assert_close("accuracy", &history.history["accuracy"], &SPLIT_ACCURACY);
    assert_close("val_loss", &history.history["val_loss"], &SPLIT_VAL_LOSS);
    assert_close(
        "val_accuracy",
        &history.history["val_accuracy"],
        &SPLIT_VAL_ACCURACY,
    );
    let weights = model.get_weights().unwrap();
    assert_close("kernel", &weights[0].to_vec(), &SPLIT_KERNEL);
    assert_close("bias", &weights[1].to_vec(), &SPLIT_BIAS);

    // One sample per batch counts the training samples: floor(n · (1 − split)) for splits
    // where that differs from n − floor(n · split).
    for (samples, split, train) in [(10, 0.25, 7), (21, 0.3, 14), (13, 0.2, 10), (7, 0.1, 6)] {
        let x = Tensor::ones(&[samples, 1]);
        let mut model = Sequential::new().add(Dense::new(1));
        model.compile("sgd", "mse", &[]).unwrap();
        let options = FitOptions::new()
            .batch_size(1)
            .validation_split(split)
            .verbose(0);
        let history = model.fit(&x, &x, options).unwrap();
        assert_eq!(history.params.steps, train, "{samples} samples at {split}");
    }
}

/// Keras 3's `EarlyStopping(restore_best_weights=True)` puts the best epoch's weights back
/// when training ends, also when it ran all its epochs without stopping; `layers` had only
/// restored them when it stopped early, so this run ended with the diverged last epoch's
/// weights. Keras's `LearningRateScheduler` also logs `learning_rate` at each epoch's end,
/// which `layers`' history lacked.
#[test]
fn early_stopping_restores_the_best_weights_when_training_ends_without_stopping() {
    let x = Tensor::from_vec(RESTORE_X.to_vec(), &[40, 3]);
    let y = Tensor::from_vec(RESTORE_Y.to_vec(), &[40, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    model.build([3]).unwrap();
    model
        .set_weights(&[
            Tensor::from_vec(vec![0.1, 0.2, -0.3], &[3, 1]),
            Tensor::from_vec(vec![0.05], &[1]),
        ])
        .unwrap();
    model
        .compile(Sgd::new().with_learning_rate(0.02), "mse", &[])
        .unwrap();
    let rates = LearningRateScheduler::new(|epoch, _| if epoch < 4 { 0.02 } else { 1.2 });
    let stop = EarlyStopping::new("loss")
        .patience(20)
        .restore_best_weights(true);
    let options = FitOptions::new()
        .with_epochs(6)
        .batch_size(7)
        .shuffle(false)
        .verbose(0)
        .callback(rates)
        .callback(stop);
    let history = model.fit(&x, &y, options).unwrap();
    let report = &history.early_stopping[0];
    assert_eq!((report.best_epoch, report.stopped_epoch), (Some(3), None));
    assert_close(
        "learning_rate",
        &history.history["learning_rate"],
        &RESTORE_LEARNING_RATE,
    );
    // The two diverging epochs multiply float32 rounding by about 10 per step, so their
    // losses are compared to 1e-3; the four before to Keras's rounding.
    let loss = &history.history["loss"];
    assert_close("loss", &loss[..4], &RESTORE_LOSS[..4]);
    for (a, e) in loss[4..].iter().zip(&RESTORE_LOSS[4..]) {
        assert!(
            (a - e).abs() <= 1e-3 * e.abs(),
            "loss {a} against Keras's {e}"
        );
    }
    let weights = model.get_weights().unwrap();
    assert_close("kernel (epoch 3's)", &weights[0].to_vec(), &RESTORE_KERNEL);
    assert_close("bias (epoch 3's)", &weights[1].to_vec(), &RESTORE_BIAS);
}

/// Keras 3 picks `accuracy` from the shapes alone (`is_binary_or_sparse_categorical`):
/// binary crossentropy on 3 outputs gets categorical accuracy. `layers` had picked it from
/// the loss (binary accuracy: 0.6667 where Keras reports 0.6).
#[test]
fn accuracy_on_a_multi_label_model_is_keras_categorical_accuracy() {
    let p = Tensor::from_vec(MULTI_LABEL_P.to_vec(), &[5, 3]);
    let y = Tensor::from_vec(MULTI_LABEL_Y.to_vec(), &[5, 3]);
    let mut model = Sequential::new().add(Dense::new(3).use_bias(false));
    model.build([3]).unwrap();
    let mut eye = vec![0.0; 9];
    eye[0] = 1.0;
    eye[4] = 1.0;
    eye[8] = 1.0;
    model
        .set_weights(&[Tensor::from_vec(eye, &[3, 3])])
        .unwrap();
    model
        .compile(
            "sgd",
            BinaryCrossentropy::new(),
            &["accuracy", "binary_accuracy"],
        )
        .unwrap();
    let logs = model.evaluate(&p, &y, 2).unwrap();
    assert_close(
        "loss, accuracy, binary_accuracy",
        &[logs["loss"], logs["accuracy"], logs["binary_accuracy"]],
        &MULTI_LABEL_LOGS,
    );
}

/// Keras 3's `EinsumDense` gives `MultiHeadAttention`'s projection kernels the fans of their
/// input and output axes: a `(32, 4, 8)` query kernel has `fan_in` 32 and `fan_out` 32, so
/// glorot_uniform draws from `U[-0.306, 0.306]` (std 0.177). `layers` had used the
/// convolution rule (`fan_in` 4 · 32, `fan_out` 8 · 32): `U[-0.125, 0.125]`, std 0.072, and
/// `U[-0.194, 0.194]` for the output kernel. The values are random in both; their largest
/// magnitude and spread over 1,024 draws per kernel show the bound.
#[test]
fn attention_projection_kernels_are_drawn_with_keras_einsum_fans() {
    let mut model = Sequential::new().seed(5).add(MultiHeadAttention::new(4, 8));
    model.build([6, 32]).unwrap();
    let kernels: Vec<Tensor> = model
        .get_weights()
        .unwrap()
        .into_iter()
        .filter(|w| w.rank() == 3)
        .collect();
    assert_eq!(kernels.len(), 4);
    let limit = (6.0f32 / 64.0).sqrt();
    for (i, kernel) in kernels.iter().enumerate() {
        let values = kernel.to_vec();
        let max = values.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let n = values.len() as f32;
        let mean = values.iter().sum::<f32>() / n;
        let std = (values.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n).sqrt();
        // Keras's own draws: within 0.1 % of the limit at most, and a spread of l / sqrt(3)
        assert!(max <= limit, "kernel {i}: {max} beyond {limit}");
        assert!(
            max > 0.99 * MHA_KERNEL_MAX_ABS[i].min(limit),
            "kernel {i}: max {max}"
        );
        let keras_std = MHA_KERNEL_STD[i];
        assert!(
            (std - keras_std).abs() < 0.08 * keras_std,
            "kernel {i}: std {std}, Keras's {keras_std}"
        );
    }
}
