//! Keras 3's weight regularizers and constraints: whole `fit` runs against real Keras, the
//! penalties themselves, constraints after a step, the refusals and the config round trips.
//!
//! The expected values come from Keras 3.15.1 (JAX 0.10.2 backend, NumPy, Python 3.11):
//! `KERAS_BACKEND=jax python3 tests/reference/keras_regularizers.py`, whose output is
//! `tests/reference/keras_regularizers.txt` (a name, a tab, the values). Each run starts
//! from the same data and initial weights, without shuffling.

use std::collections::HashMap;

use layers::optim::{Adam, RmsProp, Sgd};
use layers::prelude::*;
use layers::{Conv1D, SimpleRnn};

use crate::named::assert_close;

const TABLE: &str = include_str!("../reference/keras_regularizers.txt");

fn table() -> HashMap<&'static str, Vec<f32>> {
    crate::named::read(TABLE)
}

/// Compiles `model` with `optimizer` and `mse`, fits it as `keras_regularizers.py` does and
/// compares the history, `evaluate` and the final weights with Keras's under `name`.
fn compare_with_keras(
    name: &str,
    model: Sequential,
    optimizer: impl layers::optim::Optimizer + 'static,
    run: (usize, usize, f32),
) {
    let t = table();
    let x = Tensor::from_vec(t["x"].clone(), &[20, 4]);
    compare_on(name, model, optimizer, run, &x);
}

/// As [`compare_with_keras`], on the input `x`.
fn compare_on(
    name: &str,
    mut model: Sequential,
    optimizer: impl layers::optim::Optimizer + 'static,
    (epochs, batch_size, split): (usize, usize, f32),
    x: &Tensor,
) {
    let t = table();
    let y = Tensor::from_vec(t["y"].clone(), &[20, 3]);
    let x = x.clone();
    model.compile(optimizer, "mse", &[]).unwrap();
    let mut options = FitOptions::new()
        .with_epochs(epochs)
        .batch_size(batch_size)
        .shuffle(false)
        .verbose(0);
    if split > 0.0 {
        options = options.validation_split(split);
    }
    let history = model.fit(&x, &y, options).unwrap();
    assert_close(
        "loss",
        &history.history["loss"],
        &t[&*format!("{name}.loss")],
    );
    if split > 0.0 {
        let expected = &t[&*format!("{name}.val_loss")];
        assert_close("val_loss", &history.history["val_loss"], expected);
    }
    let logs = model.evaluate(&x, &y, batch_size).unwrap();
    assert_close(
        "evaluate",
        &[logs["loss"]],
        &t[&*format!("{name}.evaluate")],
    );
    for (i, w) in model.get_weights().unwrap().iter().enumerate() {
        assert_close(
            &format!("weight {i}"),
            &w.to_vec(),
            &t[&*format!("{name}.weight{i}")],
        );
    }
}

fn initial(model: &mut Sequential, weights: &[(&str, &[usize])]) {
    let t = table();
    model.build([4]).unwrap();
    let values: Vec<Tensor> = weights
        .iter()
        .map(|(name, shape)| Tensor::from_vec(t[name].clone(), shape))
        .collect();
    model.set_weights(&values).unwrap();
}

/// L2 on a kernel and L1 on a bias, both holding zeros (Keras's gradient of |x| at 0 is
/// +1), with SGD, a short last batch and a validation split: `loss`, `val_loss` and
/// `evaluate` include the penalties.
#[test]
fn l2_and_l1_penalties_train_as_in_keras() {
    let mut model = Sequential::new().add(
        Dense::new(3)
            .kernel_regularizer(Regularizer::l2(0.01))
            .bias_regularizer(Regularizer::l1(0.02)),
    );
    initial(&mut model, &[("k0", &[4, 3]), ("b0", &[3])]);
    let sgd = Sgd::new().with_learning_rate(0.1);
    compare_with_keras("l2_l1", model, sgd, (3, 6, 0.25));
}

/// L1L2 on a kernel that MaxNorm also constrains, NonNeg on the bias, with Adam.
#[test]
fn l1l2_with_max_norm_and_non_neg_train_as_in_keras() {
    let mut model = Sequential::new().add(
        Dense::new(3)
            .kernel_regularizer(Regularizer::l1_l2(0.01, 0.02))
            .kernel_constraint(Constraint::max_norm(0.6))
            .bias_constraint(Constraint::non_neg()),
    );
    initial(&mut model, &[("k0", &[4, 3]), ("b0", &[3])]);
    let adam = Adam::new().with_learning_rate(0.05);
    compare_with_keras("l1l2_maxnorm", model, adam, (3, 8, 0.0));
}

/// UnitNorm over axis 1 on one kernel, MinMaxNorm with rate 0.5 on the next, L2 on a bias,
/// with RMSprop.
#[test]
fn unit_norm_and_min_max_norm_train_as_in_keras() {
    let mut model = Sequential::new()
        .add(
            Dense::new(2)
                .activation("tanh")
                .kernel_constraint(Constraint::unit_norm().with_axis([1])),
        )
        .add(
            Dense::new(3)
                .kernel_constraint(Constraint::min_max_norm(0.5, 0.8, 0.5))
                .bias_regularizer(Regularizer::l2(0.1)),
        );
    let t = table();
    model.build([4]).unwrap();
    model
        .set_weights(&[
            Tensor::from_vec(vec![0.2, -0.4, 0.3, 0.1, -0.5, 0.2, 0.1, 0.6], &[4, 2]),
            Tensor::zeros(&[2]),
            Tensor::from_vec(vec![0.5, -0.3, 0.2, 0.1, 0.4, -0.6], &[2, 3]),
            Tensor::from_vec(t["b0"].clone(), &[3]),
        ])
        .unwrap();
    let rms = RmsProp::new().with_learning_rate(0.02);
    compare_with_keras("two_layers", model, rms, (2, 5, 0.0));
}

/// Builds `model` for `input` and sets the weights `keras_regularizers.py` printed as
/// `name.init{i}`.
fn keras_initial(name: &str, model: &mut Sequential, input: &[usize]) {
    let t = table();
    model.build(input).unwrap();
    let shapes: Vec<Vec<usize>> = model
        .get_weights()
        .unwrap()
        .iter()
        .map(|w| w.shape().to_vec())
        .collect();
    let values: Vec<Tensor> = shapes
        .iter()
        .enumerate()
        .map(|(i, shape)| Tensor::from_vec(t[&*format!("{name}.init{i}")].clone(), shape))
        .collect();
    model.set_weights(&values).unwrap();
}

/// Conv1D with L2 on the kernel and MaxNorm over axes 0 and 1 (a norm per filter), then
/// L1 on a Dense bias, with SGD.
#[test]
fn conv1d_penalties_and_max_norm_over_two_axes_train_as_in_keras() {
    let mut model = Sequential::new()
        .add(
            Conv1D::new(3, 2)
                .kernel_regularizer(Regularizer::l2(0.05))
                .kernel_constraint(Constraint::max_norm(0.5).with_axis([0, 1])),
        )
        .add(Flatten::new())
        .add(Dense::new(3).bias_regularizer(Regularizer::l1(0.01)));
    keras_initial("conv", &mut model, &[6, 2]);
    let x = Tensor::from_vec(table()["x3"].clone(), &[20, 6, 2]);
    compare_on(
        "conv",
        model,
        Sgd::new().with_learning_rate(0.05),
        (2, 8, 0.0),
        &x,
    );
}

/// Embedding with L1 on the table (rows never looked up move by the penalty alone) and
/// UnitNorm over each row, with Adam.
#[test]
fn embedding_penalty_and_unit_norm_train_as_in_keras() {
    let mut model = Sequential::new()
        .add(
            Embedding::new(12, 2)
                .embeddings_regularizer(Regularizer::l1(0.01))
                .embeddings_constraint(Constraint::unit_norm().with_axis([1])),
        )
        .add(Flatten::new())
        .add(Dense::new(3));
    keras_initial("embedding", &mut model, &[3]);
    let ids = Tensor::from_vec(table()["ids"].clone(), &[20, 3]);
    compare_on(
        "embedding",
        model,
        Adam::new().with_learning_rate(0.01),
        (2, 8, 0.0),
        &ids,
    );
}

/// SimpleRNN with L2 on the recurrent kernel and MaxNorm on the kernel, then
/// BatchNormalization with L2 on gamma and NonNeg on beta, with SGD.
#[test]
fn recurrent_and_batch_normalization_settings_train_as_in_keras() {
    let mut model = Sequential::new()
        .add(
            SimpleRnn::new(3)
                .recurrent_regularizer(Regularizer::l2(0.1))
                .kernel_constraint(Constraint::max_norm(1.0)),
        )
        .add(
            BatchNormalization::new()
                .gamma_regularizer(Regularizer::l2(0.1))
                .beta_constraint(Constraint::non_neg()),
        )
        .add(Dense::new(3));
    keras_initial("rnn_bn", &mut model, &[6, 2]);
    let x = Tensor::from_vec(table()["x3"].clone(), &[20, 6, 2]);
    compare_on(
        "rnn_bn",
        model,
        Sgd::new().with_learning_rate(0.05),
        (2, 8, 0.0),
        &x,
    );
}

/// ActivityRegularization adds `(l1 · Σ|x| + l2 · Σ x²) / batch` to `loss`, `val_loss`
/// and `evaluate` (a short last batch divides by its own size), beside a weight penalty.
#[test]
fn activity_regularization_trains_as_in_keras() {
    let mut model = Sequential::new()
        .add(
            Dense::new(3)
                .activation("tanh")
                .kernel_regularizer(Regularizer::l2(0.01)),
        )
        .add(ActivityRegularization::new().l1(0.01).l2(0.05))
        .add(Dense::new(3));
    keras_initial("activity", &mut model, &[4]);
    let sgd = Sgd::new().with_learning_rate(0.1);
    compare_with_keras("activity", model, sgd, (3, 6, 0.25));
    let config = ActivityRegularization::new().l1(0.01).l2(0.05).config();
    assert_eq!(config, serde_json::json!({"l1": 0.01, "l2": 0.05}));
}

/// A frozen layer's regularizer adds nothing (Keras regularizes trainable weights only),
/// and the loss `evaluate` reports is the compiled loss plus every penalty.
#[test]
fn only_trainable_weights_are_penalized() {
    let make = || {
        let mut m = Sequential::new().add(
            Dense::new(1)
                .use_bias(false)
                .kernel_regularizer(Regularizer::l2(0.5)),
        );
        m.build([2]).unwrap();
        m.set_weights(&[Tensor::from_vec(vec![1.0, -2.0], &[2, 1])])
            .unwrap();
        m.compile("sgd", "mae", &[]).unwrap();
        m
    };
    let (x, y) = (Tensor::ones(&[3, 2]), Tensor::full(&[3, 1], -1.0));
    // predictions -1 against -1: the compiled loss is 0, the penalty 0.5 · 5
    assert_eq!(make().evaluate(&x, &y, 2).unwrap()["loss"], 2.5);
    let mut frozen = make();
    frozen.set_trainable(false);
    assert_eq!(frozen.evaluate(&x, &y, 2).unwrap()["loss"], 0.0);
}

/// A constraint applies to the new value after each optimizer step (here SGD at rate 0
/// leaves the kernel as it was, and the constraint alone moves it).
#[test]
fn constraints_apply_after_each_step() {
    let mut m = Sequential::new().add(
        Dense::new(2)
            .use_bias(false)
            .kernel_constraint(Constraint::non_neg()),
    );
    m.build([2]).unwrap();
    m.set_weights(&[Tensor::from_vec(vec![1.0, -2.0, -0.5, 3.0], &[2, 2])])
        .unwrap();
    m.compile(Sgd::new().with_learning_rate(0.0), "mse", &[])
        .unwrap();
    m.train_on_batch(&Tensor::ones(&[1, 2]), &Tensor::zeros(&[1, 2]))
        .unwrap();
    assert_eq!(
        m.get_weights().unwrap()[0].to_vec(),
        vec![1.0, 0.0, 0.0, 3.0]
    );
}

/// The refusals at build: a negative or NaN factor, a constraint axis out of range for the
/// weight, named with the layer and the setting; nothing is built.
#[test]
fn unusable_settings_are_refused_at_build_naming_layer_and_setting() {
    let mut d = Dense::new(2).kernel_regularizer(Regularizer::l2(-0.1));
    let err = d.build([3]).unwrap_err().to_string();
    assert_eq!(
        err,
        "layer `dense` (Dense): `kernel_regularizer` (of weight `kernel`) is unusable: \
         `L2`: the factor `l2` must be a finite number ≥ 0, but it is -0.1"
    );
    assert!(!d.kernel.is_built());
    let mut d = Dense::new(2).bias_regularizer(Regularizer::l1(f32::NAN));
    assert!(
        d.build([3])
            .unwrap_err()
            .to_string()
            .contains("`bias_regularizer`")
    );
    let mut d = Dense::new(2).kernel_constraint(Constraint::max_norm(2.0).with_axis([2]));
    let err = d.build([3]).unwrap_err().to_string();
    assert_eq!(
        err,
        "layer `dense` (Dense): `kernel_constraint` (of weight `kernel`) is unusable: \
         `MaxNorm`: `axis` 2 is out of range for a weight of shape [3, 2] (rank 2); expected \
         an axis in -2..2"
    );
    let mut d = Dense::new(2).kernel_constraint(Constraint::min_max_norm(2.0, 1.0, 1.0));
    assert!(
        d.build([3])
            .unwrap_err()
            .to_string()
            .contains("`min_value`")
    );
}

/// Keras's configs: what Keras 3.15.1 writes in a Dense's `get_config` reads back, and a
/// model's config round trip keeps the regularizers and constraints.
#[test]
fn configs_are_keras_and_round_trip() {
    let d = Dense::new(3)
        .kernel_regularizer(Regularizer::l2(0.01))
        .bias_regularizer(Regularizer::l1(0.01))
        .kernel_constraint(Constraint::max_norm(3.0))
        .bias_constraint(Constraint::non_neg());
    let config = d.config();
    assert_eq!(
        config["kernel_regularizer"],
        serde_json::json!({"module": "keras.regularizers", "class_name": "L2",
                           "config": {"l2": 0.01}, "registered_name": null})
    );
    assert_eq!(
        config["bias_constraint"],
        serde_json::json!({"module": "keras.constraints", "class_name": "NonNeg",
                           "config": {}, "registered_name": null})
    );
    // What Keras writes (an f32 factor printed as a double, an int max_value).
    let keras = serde_json::json!({"class_name": "Dense", "config": {
        "units": 3,
        "kernel_regularizer": {"module": "keras.regularizers", "class_name": "L1",
                               "config": {"l1": 0.009999999776482582}, "registered_name": null},
        "kernel_constraint": {"module": "keras.constraints", "class_name": "MaxNorm",
                              "config": {"max_value": 3, "axis": 0}, "registered_name": null},
    }});
    let read = <Dense>::from_config(&LayerConfig::from_json(&keras.to_string()).unwrap()).unwrap();
    assert_eq!(read.kernel_regularizer, Some(Regularizer::l1(0.01)));
    assert_eq!(read.kernel_constraint, Some(Constraint::max_norm(3.0)));
    assert_eq!(read.kernel.regularizer(), Some(&Regularizer::l1(0.01)));
    let bad = serde_json::json!({"class_name": "Dense", "config": {
        "units": 3,
        "kernel_regularizer": {"class_name": "L2", "config": {"l2": -1.0}},
    }});
    let err = <Dense>::from_config(&LayerConfig::from_json(&bad.to_string()).unwrap()).unwrap_err();
    assert!(err.to_string().contains("kernel_regularizer"), "{err}");
}
