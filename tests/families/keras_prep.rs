//! The preprocessing and parametric activation layers against real Keras: `Normalization`,
//! `Rescaling`, `ReLU`, `LeakyReLU`, `ELU` and `PReLU` outputs and gradients, parameter
//! counts, and SGD steps of a model with a `PReLU`.
//!
//! The expected values come from Keras 3.15.1 (JAX backend, NumPy, Python 3.11):
//! `KERAS_BACKEND=jax python3 tests/reference/keras_prep.py`, whose output is
//! `tests/reference/keras_prep.txt` (a name, a tab, the values).

use std::collections::HashMap;

use layers::optim::Sgd;
use layers::prelude::*;

use crate::named::assert_close;

const TABLE: &str = include_str!("../reference/keras_prep.txt");

fn table() -> HashMap<&'static str, Vec<f32>> {
    crate::named::read(TABLE)
}

/// Runs `layer` on `x` (as a variable) and compares its output and the gradient of
/// `Σ y·c` with Keras's `{name}.y` and `{name}.gx`; returns the gradients.
fn compare(name: &str, layer: &dyn Layer, x: &Tensor, c: &Tensor) -> GradStore {
    let t = table();
    let x = x.clone().into_variable();
    let y = layer.try_apply(&x).unwrap();
    assert_close(&format!("{name}.y"), &y.to_vec(), &t[&*format!("{name}.y")]);
    let grads = (&y * c).sum_all().backward();
    let gx = grads.get(&x).expect("a gradient for the input").to_vec();
    assert_close(&format!("{name}.gx"), &gx, &t[&*format!("{name}.gx")]);
    grads
}

fn tensor(name: &str, shape: &[usize]) -> Tensor {
    Tensor::from_vec(table()[name].clone(), shape)
}

#[test]
fn relu_matches_keras_for_every_combination_of_its_settings() {
    let (x, c) = (tensor("relu.x", &[3, 5]), tensor("relu.c", &[3, 5]));
    let cases = [
        ("default", ReLU::new()),
        ("max6", ReLU::new().max_value(6.0)),
        ("max4", ReLU::new().max_value(4.0)),
        ("slope", ReLU::new().negative_slope(0.1)),
        ("threshold", ReLU::new().threshold(1.0)),
        (
            "threshold_slope",
            ReLU::new().threshold(1.0).negative_slope(0.5),
        ),
        ("max_slope", ReLU::new().max_value(6.0).negative_slope(0.3)),
        (
            "all",
            ReLU::new()
                .max_value(4.0)
                .negative_slope(0.2)
                .threshold(0.5),
        ),
    ];
    for (name, layer) in cases {
        compare(&format!("relu_{name}"), &layer, &x, &c);
    }
}

#[test]
fn leaky_relu_elu_and_rescaling_match_keras() {
    let (x, c) = (tensor("relu.x", &[3, 5]), tensor("relu.c", &[3, 5]));
    compare("leaky_default", &LeakyReLU::new(), &x, &c);
    compare("leaky_005", &LeakyReLU::new().negative_slope(0.05), &x, &c);
    compare("elu_default", &ELU::new(), &x, &c);
    compare("elu_05", &ELU::new().alpha(0.5), &x, &c);
    let big = &x * 40.0;
    compare(
        "rescaling",
        &Rescaling::new(1.0 / 127.5).offset(-1.0),
        &big,
        &c,
    );
    compare("rescaling_half", &Rescaling::new(0.5), &x, &c);
}

#[test]
fn prelu_matches_keras_with_and_without_shared_axes_on_a_4d_input() {
    let t = table();
    let (x, c) = (
        tensor("prelu4.x", &[2, 3, 4, 2]),
        tensor("prelu4.c", &[2, 3, 4, 2]),
    );
    for (name, shared) in [
        ("shared12", Some(vec![1, 2])),
        ("shared2", Some(vec![2])),
        ("none", None),
    ] {
        let mut layer = PReLU::new().shared_axes(shared);
        layer.build([3, 4, 2]).unwrap();
        let shape: Vec<usize> = t[&*format!("prelu4_{name}.alpha_shape")]
            .iter()
            .map(|&d| d as usize)
            .collect();
        assert_eq!(layer.alpha.shape(), Some(shape.clone()), "{name}");
        layer
            .alpha
            .set_value(tensor(&format!("prelu4_{name}.alpha"), &shape))
            .unwrap();
        let grads = compare(&format!("prelu4_{name}"), &layer, &x, &c);
        let galpha = layer.alpha.grad(&grads).expect("a gradient for alpha");
        assert_close(
            &format!("prelu4_{name}.galpha"),
            &galpha.to_vec(),
            &t[&*format!("prelu4_{name}.galpha")],
        );
    }
}

#[test]
fn five_sgd_steps_through_a_prelu_match_keras() {
    let t = table();
    let mut model = Sequential::new()
        .add(Dense::new(3))
        .add(PReLU::new())
        .add(Dense::new(1));
    model.build([4]).unwrap();
    let shapes: [&[usize]; 5] = [&[4, 3], &[3], &[3], &[3, 1], &[1]];
    let initial: Vec<Tensor> = (0..5)
        .map(|i| tensor(&format!("fit.w0_{i}"), shapes[i]))
        .collect();
    model.set_weights(&initial).unwrap();
    model
        .compile(Sgd::new().with_learning_rate(0.1), "mse", &[])
        .unwrap();
    let (x, y) = (tensor("fit.x", &[8, 4]), tensor("fit.y", &[8, 1]));
    let losses: Vec<f32> = (0..5)
        .map(|_| model.train_on_batch(&x, &y).unwrap()["loss"])
        .collect();
    assert_close("fit.losses", &losses, &t["fit.losses"]);
    for (i, w) in model.get_weights().unwrap().iter().enumerate() {
        assert_close(
            &format!("fit.w5_{i}"),
            &w.to_vec(),
            &t[&*format!("fit.w5_{i}")],
        );
    }
}

/// Adapts `layer` to `adapt` (if given), compares the statistics with Keras's, then the
/// output and input gradient.
fn normalization_case(name: &str, mut layer: Normalization, adapt: Option<&Tensor>, x: &Tensor) {
    let t = table();
    if let Some(data) = adapt {
        layer.adapt(data).unwrap();
        assert_close(
            &format!("{name}.mean"),
            &layer.adapt_mean.value().to_vec(),
            &t[&*format!("{name}.mean")],
        );
        assert_close(
            &format!("{name}.variance"),
            &layer.adapt_variance.value().to_vec(),
            &t[&*format!("{name}.variance")],
        );
    }
    let c = Tensor::from_vec(
        t[if x.rank() == 2 { "norm.c2" } else { "norm.c3" }].clone(),
        x.shape(),
    );
    compare(name, &layer, x, &c);
}

#[test]
fn normalization_matches_keras_for_each_axis_setting_invert_and_given_statistics() {
    let (a2, x2) = (tensor("norm.adapt2", &[6, 3]), tensor("norm.x2", &[2, 3]));
    let (a3, x3) = (
        tensor("norm.adapt3", &[5, 2, 3]),
        tensor("norm.x3", &[2, 2, 3]),
    );
    normalization_case("norm_last", Normalization::new(), Some(&a2), &x2);
    normalization_case(
        "norm_none",
        Normalization::new().axis(Axes::none()),
        Some(&a2),
        &x2,
    );
    normalization_case(
        "norm_invert",
        Normalization::new().invert(true),
        Some(&a2),
        &x2,
    );
    normalization_case("norm_12", Normalization::new().axis([1, 2]), Some(&a3), &x3);
    normalization_case("norm_1", Normalization::new().axis(1), Some(&a3), &x3);
    normalization_case(
        "norm_12_invert",
        Normalization::new().axis([1, 2]).invert(true),
        Some(&a3),
        &x3,
    );
    normalization_case(
        "norm_given",
        Normalization::new()
            .mean([1.0, 2.0, 3.0])
            .variance([4.0, 0.0, 9.0]),
        None,
        &x2,
    );
    normalization_case(
        "norm_given_scalar",
        Normalization::new().mean(0.5).variance(2.0),
        None,
        &x2,
    );
    normalization_case(
        "norm_given_12",
        Normalization::new()
            .axis([1, 2])
            .mean([1.0, -1.0, 0.5])
            .variance([2.0, 3.0, 0.25]),
        None,
        &x3,
    );
    normalization_case(
        "norm_given_invert",
        Normalization::new()
            .mean([1.0, 2.0, 3.0])
            .variance([4.0, 0.5, 9.0])
            .invert(true),
        None,
        &x2,
    );
}

#[test]
fn normalization_adapted_over_two_batches_matches_keras_on_their_concatenation() {
    let t = table();
    let (b1, b2) = (
        tensor("norm.batch1", &[3, 3]),
        tensor("norm.batch2", &[5, 3]),
    );
    let mut layer = Normalization::new();
    layer.adapt_batches(&[b1, b2]).unwrap();
    assert_close(
        "norm_batches.mean",
        &layer.adapt_mean.value().to_vec(),
        &t["norm_batches.mean"],
    );
    assert_close(
        "norm_batches.variance",
        &layer.adapt_variance.value().to_vec(),
        &t["norm_batches.variance"],
    );
    assert_eq!(layer.count.value().to_vec(), vec![8.0]);
    let c = tensor("norm.c2", &[2, 3]);
    compare("norm_batches", &layer, &tensor("norm.x2", &[2, 3]), &c);
}

#[test]
fn parameter_counts_are_keras_summary_counts() {
    let t = table();
    let cases: Vec<(&str, Box<dyn Layer>, Vec<usize>)> = vec![
        ("norm_last", Box::new(Normalization::new()), vec![3]),
        (
            "norm_12",
            Box::new(Normalization::new().axis([1, 2])),
            vec![2, 3],
        ),
        (
            "norm_none",
            Box::new(Normalization::new().axis(Axes::none())),
            vec![2, 3],
        ),
        (
            "norm_given",
            Box::new(Normalization::new().mean(1.0).variance(1.0)),
            vec![3],
        ),
        (
            "prelu_shared12",
            Box::new(PReLU::new().shared_axes(vec![1, 2])),
            vec![3, 4, 2],
        ),
        ("prelu", Box::new(PReLU::new()), vec![3, 4, 2]),
    ];
    for (name, layer, shape) in cases {
        let mut model = Sequential::new();
        model.push(layer).unwrap();
        model.build(&shape).unwrap();
        let summary = model.summary();
        let got = [summary.total, summary.trainable, summary.non_trainable].map(|n| n as f32);
        assert_eq!(got.to_vec(), t[&*format!("params.{name}")], "{name}");
    }
}
