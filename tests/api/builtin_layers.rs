//! The built-in layers: shapes, Keras's defaults and behaviours, gradient checks, the
//! summary format, and the errors a user can run into.

use layers::activation::{Relu, Sigmoid, Tanh};
use layers::layer::context::with_context;
use layers::layer::gradcheck::{check_layer, check_layer_weights};
use layers::prelude::*;

fn input(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    Tensor::from_vec(
        (0..n)
            .map(|i| ((i * 7919) % 23) as f32 / 11.0 - 1.0)
            .collect(),
        shape,
    )
}

#[test]
fn tutorial_summary_matches_keras_to_the_character() {
    let mut model = Sequential::new()
        .add(Dense::new(64))
        .add(Activation::from_name("relu").unwrap())
        .add(Dense::new(10));
    model.build([32]).unwrap();
    // Keras 3's output for the same model (KERAS.md), 76 columns.
    let expected = "\
Model: \"sequential\"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 64)             │         2,112 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation (Activation)         │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │           650 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 2,762 (10.79 KB)
 Trainable params: 2,762 (10.79 KB)
 Non-trainable params: 0 (0.00 B)";
    assert_eq!(model.summary().to_string(), expected);
}

#[test]
fn unbuilt_summary_shows_question_marks() {
    let model = Sequential::new().add(Dense::new(3));
    let text = model.summary().to_string();
    assert!(
        text.contains(
            "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │"
        ),
        "{text}"
    );
    assert!(text.contains(" Total params: 0 (0.00 B)"));
}

#[test]
fn keras_weight_order_dense_batchnorm_dense() {
    let mut model = Sequential::new()
        .add(Dense::new(4))
        .add(BatchNormalization::new())
        .add(Dense::new(2));
    model.build([3]).unwrap();
    let names: Vec<String> = model.all_weights().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            "dense.kernel",
            "dense.bias",
            "batch_normalization.gamma",
            "batch_normalization.beta",
            "batch_normalization.moving_mean",
            "batch_normalization.moving_variance",
            "dense_1.kernel",
            "dense_1.bias"
        ]
    );
    let s = model.summary();
    assert_eq!(
        (s.total, s.trainable, s.non_trainable),
        (3 * 4 + 4 + 16 + 4 * 2 + 2, 3 * 4 + 4 + 8 + 10, 8)
    );
}

#[test]
fn set_weights_checks_count_then_shapes() {
    let mut d = Dense::new(2);
    d.build([3]).unwrap();
    assert_eq!(
        d.set_weights(&[Tensor::zeros(&[3, 2])])
            .unwrap_err()
            .to_string(),
        "layer `dense` expects 2 weights, got 1"
    );
    let err = d
        .set_weights(&[Tensor::zeros(&[2, 3]), Tensor::zeros(&[2])])
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `dense` (Dense): weight `kernel` has shape [3, 2] but the new value has shape [2, 3]"
    );
    // Nothing was changed by the failed call.
    let before = d.get_weights().unwrap();
    assert!(
        d.set_weights(&[Tensor::ones(&[3, 2]), Tensor::ones(&[3])])
            .is_err()
    );
    assert_eq!(d.get_weights().unwrap()[0].to_vec(), before[0].to_vec());
}

#[test]
fn count_params_on_an_unbuilt_layer_names_it() {
    let model = Sequential::new().add(Dense::new(3).named("head"));
    assert_eq!(
        model.count_params().unwrap_err().to_string(),
        "layer `sequential` is not built yet: call `build` with an input shape, or call it on data first"
    );
    assert!(model.layer("head").unwrap().count_params().is_err());
}

#[test]
fn build_errors_name_the_layer_and_both_shapes() {
    let mut model = Sequential::new()
        .add(Dense::new(8))
        .add(Reshape::new(vec![3, 3]))
        .add(Dense::new(2));
    let err = model.build([4]).unwrap_err().to_string();
    assert!(
        err.starts_with("layer `reshape` (Reshape): its call failed for input shape (None, 8): "),
        "{err}"
    );
    assert!(
        err.contains("cannot hold the input's 8 values per sample"),
        "{err}"
    );

    // A dense layer already built for 4 features, then fed 5: the weight shapes differ.
    let mut d = Dense::new(2);
    d.build([4]).unwrap();
    let err = d.build([5]).unwrap_err().to_string();
    assert_eq!(
        err,
        "layer `dense` (Dense): weight `kernel` was built with shape [4, 2], but this input needs shape [5, 2]"
    );

    // Rank too low for `input[-1]`.
    let err = Dense::new(2).build([]).unwrap_err().to_string();
    assert_eq!(
        err,
        "layer `dense` (Dense): weight `kernel` needs input axis -1, but the input shape (None,) has no such axis"
    );
}

#[test]
fn duplicate_names_are_rejected() {
    let mut model = Sequential::new()
        .add(Dense::new(1).named("x"))
        .add(Dense::new(1).named("x"));
    let err = model.build([1]).unwrap_err().to_string();
    assert!(
        err.contains("a layer named `x` is already in the model"),
        "{err}"
    );
}

#[test]
fn dense_works_on_rank_3_input_over_the_last_axis() {
    let mut d = Dense::new(5);
    assert_eq!(d.build([7, 3]).unwrap(), vec![7, 5]);
    assert_eq!(d.count_params().unwrap(), 3 * 5 + 5);
    let x = input(&[2, 7, 3]);
    let y = d.apply(&x);
    // Row (1, 4) of the output is row (1, 4) of the input times the kernel, plus the bias.
    let row = x.narrow(0, 1, 1).narrow(1, 4, 1).reshape(&[1, 3]);
    let expected = row.matmul(&d.kernel) + &d.bias;
    let got = y.narrow(0, 1, 1).narrow(1, 4, 1).reshape(&[1, 5]);
    assert_eq!(got.to_vec(), expected.to_vec());
}

#[test]
fn dense_defaults_follow_keras() {
    let mut d = Dense::new(3);
    d.build([400]).unwrap();
    // glorot_uniform kernel: |w| ≤ √(6 / (400 + 3)) ≈ 0.1220; bias zeros
    let limit = (6.0f32 / 403.0).sqrt();
    let k = d.kernel.value().to_vec();
    assert!(k.iter().all(|v| v.abs() <= limit));
    assert!(k.iter().any(|v| v.abs() > 0.9 * limit));
    assert_eq!(d.bias.value().to_vec(), vec![0.0; 3]);
    assert_eq!(
        d.config(),
        serde_json::json!({
            "units": 3,
            "activation": "linear",
            "use_bias": true,
            "kernel_initializer": "glorot_uniform",
            "bias_initializer": "zeros",
            // as Keras writes them: null when not set
            "kernel_regularizer": null,
            "bias_regularizer": null,
            "kernel_constraint": null,
            "bias_constraint": null
        })
    );
}

#[test]
fn batch_norm_moving_statistics_update_only_in_training() {
    let mut bn = BatchNormalization::new();
    bn.build([2]).unwrap();
    let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 30.0], &[2, 2]);
    // Inference: moving statistics untouched, output = (x − 0)/√(1 + 0.001)
    let y = bn.apply(&x);
    assert_eq!(bn.moving_mean.value().to_vec(), vec![0.0, 0.0]);
    assert_eq!(bn.moving_variance.value().to_vec(), vec![1.0, 1.0]);
    assert!((y.to_vec()[0] - 1.0 / 1.0005).abs() < 1e-5);
    // Training: batch mean [2, 20], batch variance [1, 100]:
    // moving_mean = 0.99·0 + 0.01·[2, 20]; moving_variance = 0.99·1 + 0.01·[1, 100]
    let y = with_context(true, 0, || bn.apply(&x));
    let mean = bn.moving_mean.value().to_vec();
    let var = bn.moving_variance.value().to_vec();
    assert!(
        (mean[0] - 0.02).abs() < 1e-6 && (mean[1] - 0.2).abs() < 1e-6,
        "{mean:?}"
    );
    assert!(
        (var[0] - 1.0).abs() < 1e-6 && (var[1] - 1.99).abs() < 1e-5,
        "{var:?}"
    );
    // and the training output is normalised with the batch statistics: (1 − 2)/√(1 + 0.001)
    assert!((y.to_vec()[0] + 1.0 / 1.0005).abs() < 1e-5);
}

#[test]
fn frozen_batch_norm_runs_in_inference_mode() {
    let mut bn = BatchNormalization::new();
    bn.build([2]).unwrap();
    bn.set_trainable(false);
    assert_eq!(bn.trainable_weights().len(), 0);
    with_context(true, 0, || bn.apply(&Tensor::ones(&[2, 2])));
    assert_eq!(bn.moving_mean.value().to_vec(), vec![0.0, 0.0]);
    bn.set_trainable(true);
    // unfreezing restores the declared trainability: gamma and beta only
    assert_eq!(bn.trainable_weights().len(), 2);
}

#[test]
fn dropout_is_identity_in_inference_and_scales_in_training() {
    let drop = Dropout::new(0.25);
    let x = Tensor::ones(&[10, 1000]);
    assert_eq!(drop.apply(&x).to_vec(), x.to_vec());
    let y = with_context(true, 3, || drop.apply(&x)).to_vec();
    let kept = y.iter().filter(|&&v| v != 0.0).count();
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
    // 10,000 draws with keep probability 0.75: 7,500 ± 4σ (σ ≈ 43)
    assert!((7_330..=7_670).contains(&kept), "{kept}");
    // seeded: the same seed gives the same mask
    assert_eq!(y, with_context(true, 3, || drop.apply(&x)).to_vec());
    // a bad rate is an error at build, naming the layer
    let err = Sequential::new()
        .add(Dropout::new(1.0))
        .build([3])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "layer `dropout` (Dropout): `rate` must be in [0, 1), got 1"
    );
}

#[test]
fn flatten_reshape_embedding_shapes() {
    assert_eq!(Flatten::new().build([4, 5, 2]).unwrap(), vec![40]);
    assert_eq!(Reshape::new(vec![2, -1]).build([6]).unwrap(), vec![2, 3]);
    assert!(Reshape::new(vec![-1, -1]).build([6]).is_err());
    let mut e = Embedding::new(7, 3);
    assert_eq!(e.build([5]).unwrap(), vec![5, 3]);
    assert_eq!(e.count_params().unwrap(), 21);
    let table = e.embeddings.value();
    let y = e.apply(&Tensor::from_vec(vec![6.0, 0.0], &[1, 2]));
    assert_eq!(y.to_vec()[..3], table.to_vec()[18..21]);
    // ids 0..=6 exist: 7 is one too many, and negative or fractional ids are no ids
    for (id, position) in [(7.0, 1), (-1.0, 0), (2.5, 1), (f32::NAN, 0)] {
        let mut ids = vec![1.0, 1.0];
        ids[position] = id;
        let err = e.try_apply(&Tensor::from_vec(ids, &[1, 2])).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "layer `embedding` (Embedding): its call failed for input shape (None, 2): \
                 `embedding`: id {id} (sample 0, position {position}) is not an integer in \
                 [0, 7): input_dim is 7"
            )
        );
    }
}

#[test]
fn gradient_check_passes_on_every_builtin_layer() {
    let x = input(&[3, 4]);
    let layers: Vec<Box<dyn Layer>> = vec![
        Box::new(Dense::new(3)),
        Box::new(Dense::new(3).activation(Tanh)),
        Box::new(
            Dense::new(2)
                .activation(Activation::softmax())
                .use_bias(false),
        ),
        Box::new(BatchNormalization::new()),
        Box::new(LayerNormalization::new()),
        Box::new(Softmax::new()),
        Box::new(LogSoftmax::new()),
        Box::new(Flatten::new()),
        Box::new(Reshape::new(vec![2, 2])),
        Box::new(Dropout::new(0.5)),
        Box::new(Activation::from_name("gelu").unwrap()),
        Box::new(
            Sequential::new()
                .add(Dense::new(5))
                .add(Sigmoid)
                .add(Dense::new(2)),
        ),
    ];
    for layer in &layers {
        let report = check_layer(layer.as_ref(), &x, 1e-2).unwrap();
        assert!(report.worst() < 2e-2, "{}:\n{report}", layer.type_name());
    }
    // Embedding's input is ids, so only its table is checked.
    let ids = Tensor::from_vec(vec![0.0, 2.0, 2.0, 1.0], &[2, 2]);
    let report = check_layer_weights(&Embedding::new(3, 2), &ids, 1e-2).unwrap();
    assert!(report.worst() < 1e-2, "{report}");
}

#[test]
fn batch_norm_gradient_in_training_mode() {
    let bn = BatchNormalization::new();
    let x = input(&[5, 3]);
    let report = with_context(true, 0, || check_layer(&bn, &x, 1e-2)).unwrap();
    assert!(report.worst() < 2e-2, "{report}");
}

#[test]
fn predict_rejects_bad_data() {
    let mut model = Sequential::new().add(Dense::new(2));
    assert!(matches!(
        model.predict(&Tensor::ones(&[1, 3])),
        Err(Error::Unbuilt { .. })
    ));
    model.build([3]).unwrap();
    assert!(model.predict(&Tensor::ones(&[1, 4])).is_err());
    // A scalar has no per-sample shape to report as `InputShape`.
    let err = model
        .predict(&Tensor::from_vec(vec![1.0], &[]))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { op: "predict", .. }));
    assert_eq!(
        err.to_string(),
        "`predict`: `sequential` expects input of shape (None, 3) but got a scalar"
    );
    assert!(model.predict(&Tensor::zeros(&[0, 3])).is_err());
    assert!(model.predict_batched(&Tensor::ones(&[2, 3]), 0).is_err());
    let err = model
        .predict(&Tensor::from_vec(vec![1.0, f32::NAN, 0.0], &[1, 3]))
        .unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    assert_eq!(
        model
            .predict_batched(&Tensor::ones(&[5, 3]), 2)
            .unwrap()
            .shape(),
        &[5, 2]
    );
}

#[test]
fn a_built_model_serves_from_many_threads() {
    let mut model = Sequential::new()
        .add(Dense::new(8).activation(Relu))
        .add(Dense::new(2));
    model.build([4]).unwrap();
    let x = input(&[6, 4]);
    let expected = model.predict(&x).unwrap().to_vec();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| assert_eq!(model.predict(&x).unwrap().to_vec(), expected));
        }
    });
}

#[test]
fn nested_models_nest_paths() {
    let inner = Sequential::new().with_name("block").add(Dense::new(3));
    let mut outer = Sequential::new().add(inner).add(Dense::new(1));
    outer.build([2]).unwrap();
    let names: Vec<String> = outer.all_weights().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        names,
        [
            "block.dense.kernel",
            "block.dense.bias",
            "dense.kernel",
            "dense.bias"
        ]
    );
}
