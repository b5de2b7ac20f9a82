//! `fit`'s `sample_weight` and `class_weight` against Keras 3.15.1
//! (`tests/reference/keras_sample_weight.py`): the losses, validation losses, metrics and
//! final weights of two epochs with a validation split, and each refusal, with the model
//! left as it was.

use layers::prelude::*;

fn data() -> (Tensor, Tensor) {
    let x = (0..16).map(|i| ((i as f64).sin() * 0.8) as f32).collect();
    let y = vec![0.0, 2.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0];
    (Tensor::from_vec(x, &[8, 2]), Tensor::from_vec(y, &[8]))
}

fn model() -> Sequential {
    let mut m = Sequential::new().add(Dense::new(3).activation("softmax"));
    m.compile(
        Sgd::new().with_learning_rate(0.5),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    m.build([2]).unwrap();
    let kernel = Tensor::from_vec(vec![0.1, -0.2, 0.3, 0.4, 0.5, -0.6], &[2, 3]);
    m.set_weights(&[kernel, Tensor::from_vec(vec![0.01, -0.02, 0.03], &[3])])
        .unwrap();
    m
}

fn options() -> FitOptions {
    FitOptions::new()
        .with_epochs(2)
        .batch_size(4)
        .shuffle(false)
        .validation_split(0.25)
        .verbose(0)
}

fn close(found: &[f32], expected: &[f64], what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}");
    for (i, (&f, &e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f64::from(f) - e).abs() <= 1e-5 + 1e-5 * e.abs(),
            "{what}[{i}]: {f} here, {e} in Keras"
        );
    }
}

fn check(m: &Sequential, history: &History, keras: [&[f64]; 6]) {
    close(&history.history["loss"], keras[0], "loss");
    close(&history.history["val_loss"], keras[1], "val_loss");
    close(&history.history["accuracy"], keras[2], "accuracy");
    close(&history.history["val_accuracy"], keras[3], "val_accuracy");
    let w = m.get_weights().unwrap();
    close(&w[0].to_vec(), keras[4], "kernel");
    close(&w[1].to_vec(), keras[5], "bias");
}

#[test]
fn sample_weight_weighs_the_loss_and_val_loss_as_keras() {
    let (x, y) = data();
    let sw = Tensor::from_vec(vec![1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25], &[8]);
    let mut m = model();
    let history = m.fit(&x, &y, options().sample_weight(sw)).unwrap();
    check(
        &m,
        &history,
        [
            &[1.0879050493240356, 0.7305931448936462],
            &[2.7917678356170654, 3.15134334564209],
            &[0.3333333432674408, 0.6666666865348816],
            &[0.5, 0.5],
            &[
                0.4966023564338684,
                -0.6861844062805176,
                0.3895820677280426,
                0.7937508821487427,
                -0.09464212507009506,
                -0.3991088271141052,
            ],
            &[0.2779924273490906, 0.25339600443840027, -0.5113884210586548],
        ],
    );
}

#[test]
fn class_weight_weighs_the_training_samples_only_as_keras() {
    let (x, y) = data();
    let mut m = model();
    let history = m
        .fit(&x, &y, options().class_weight([(0, 1.0), (2, 3.0)]))
        .unwrap();
    check(
        &m,
        &history,
        [
            &[2.108600616455078, 1.7339754104614258],
            &[1.0566320419311523, 0.9906221628189087],
            &[0.1666666716337204, 0.3333333432674408],
            &[0.5, 0.0],
            &[
                0.33963409066200256,
                -0.5908299088478088,
                0.4511958658695221,
                0.5626473426818848,
                -0.17423251271247864,
                -0.08841487020254135,
            ],
            &[
                -0.14116953313350677,
                -0.11818107962608337,
                0.27935051918029785,
            ],
        ],
    );
}

/// One-hot targets pick the class by their largest value; a class without a weight weighs
/// 1, so class weights of 1 train as no weights at all, bit for bit.
#[test]
fn class_weight_of_one_hot_targets_and_unlisted_classes() {
    let (x, _) = data();
    let one_hot = Tensor::from_vec(
        [0., 2., 1., 2., 0., 1., 2., 0.]
            .iter()
            .flat_map(|&c| (0..3).map(move |k| f32::from(u8::from(k as f32 == c))))
            .collect(),
        &[8, 3],
    );
    let plain_options = || options().validation_split(0.0);
    let fit = |options: FitOptions| {
        let mut m = Sequential::new().add(Dense::new(3).activation("softmax"));
        m.compile("sgd", "categorical_crossentropy", &[]).unwrap();
        m.fit(&x, &one_hot, options).unwrap();
        m.get_weights().unwrap()
    };
    let plain = fit(plain_options());
    let ones = fit(plain_options().class_weight([(0, 1.0), (1, 1.0)]));
    let heavy = fit(plain_options().class_weight([(2, 4.0)]));
    for (a, b) in plain.iter().zip(&ones) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
    assert_ne!(plain[1].to_vec(), heavy[1].to_vec());
}

#[test]
fn bad_weights_are_refused_before_training() {
    let (x, y) = data();
    let cases: Vec<(FitOptions, &str)> = vec![
        (
            options().sample_weight(Tensor::ones(&[7])),
            "`sample_weight` of shape [7] does not give one weight per sample: y holds 8",
        ),
        (
            options().sample_weight(Tensor::from_vec(
                vec![1.0, 1.0, f32::NAN, 1.0, 1.0, 1.0, 1.0, 1.0],
                &[8],
            )),
            "sample_weight NaN of sample 2 is not a finite number ≥ 0",
        ),
        (
            options().sample_weight(Tensor::full(&[8], -1.0)),
            "sample_weight -1 of sample 0",
        ),
        (
            options()
                .sample_weight(Tensor::ones(&[8]))
                .class_weight([(0, 2.0)]),
            "`sample_weight` and `class_weight` cannot both be given",
        ),
        (
            options().class_weight([(1, -0.5)]),
            "`class_weight` of class 1 is -0.5",
        ),
        (
            options().class_weight([(1, f32::INFINITY)]),
            "`class_weight` of class 1 is inf",
        ),
        (
            options().class_weight([(0, 1.0), (0, 2.0)]),
            "`class_weight` gives class 0 twice",
        ),
    ];
    for (options, expected) in cases {
        let mut m = model();
        let before = m.get_weights().unwrap();
        let err = m.fit(&x, &y, options).unwrap_err().to_string();
        assert!(err.contains(expected), "{err}\nexpected: {expected}");
        let after = m.get_weights().unwrap();
        for (a, b) in before.iter().zip(&after) {
            assert_eq!(a.to_vec(), b.to_vec(), "{expected}");
        }
    }
}

/// `evaluate_weighted` in batches of 3, 3 and 2 from the initial weights, as Keras's
/// `evaluate(x, y, sample_weight=…, batch_size=3)`: the loss weighed, the metric not.
#[test]
fn evaluate_weighted_as_keras() {
    let (x, y) = data();
    let sw = Tensor::from_vec(vec![1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25], &[8]);
    let mut m = model();
    let logs = m.evaluate_weighted(&x, &y, &sw, 3).unwrap();
    close(
        &[logs["loss"], logs["accuracy"]],
        &[1.4325298070907593, 0.375],
        "evaluate",
    );
    let err = m
        .evaluate_weighted(&x, &y, &Tensor::full(&[8], -2.0), 3)
        .unwrap_err();
    assert!(
        err.to_string().contains("sample_weight -2 of sample 0"),
        "{err}"
    );
}

/// `train_on_batch_weighted` as Keras's `train_on_batch(x, y, sample_weight=…)`: the loss
/// before the step and the kernel after it; refused weights change nothing.
#[test]
fn train_on_batch_weighted_as_keras() {
    let (x, y) = data();
    let sw = Tensor::from_vec(vec![1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25], &[8]);
    let mut m = model();
    let logs = m.train_on_batch_weighted(&x, &y, &sw).unwrap();
    close(
        &[logs["loss"], logs["accuracy"]],
        &[1.4325299263000488, 0.375],
        "logs",
    );
    close(
        &m.get_weights().unwrap()[0].to_vec(),
        &[
            0.1997465193271637,
            -0.2755716145038605,
            0.2758251130580902,
            0.4621260166168213,
            0.33675646781921387,
            -0.4988825023174286,
        ],
        "kernel after the step",
    );
    let before = m.get_weights().unwrap();
    let err = m
        .train_on_batch_weighted(&x, &y, &Tensor::ones(&[5]))
        .unwrap_err();
    assert!(err.to_string().contains("`train_on_batch`"), "{err}");
    assert!(err.to_string().contains("y holds 8 samples"), "{err}");
    for (a, b) in before.iter().zip(&m.get_weights().unwrap()) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
}
