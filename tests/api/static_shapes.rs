//! Compile-time shape checks, the run-time half: what the compiler cannot know (runtime
//! sizes, what a `call` really returns) is checked when the model is built or called, as an
//! error naming the layer; typed data goes through `predict`, `fit` and `evaluate`; and the
//! signatures of the built-in layers compute the shapes they really produce. The
//! compile-time half is `tests/ui/{pass,fail}/shape_*.rs`.

use layers::activation::Relu;
use layers::data::Dataset;
use layers::optim::Adam;
use layers::prelude::*;
use layers::typed::{Batch1, DynShape, Shape, StaticLayer, TypedTensor};

#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 64])]
struct Residual {
    #[layer(init = Dense::new(Const::<64>))]
    inner: Dense<Const<64>>,
}

impl Call for Residual {
    fn call(&self, x: &Tensor) -> Tensor {
        x + self.inner.apply(x)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 16])]
struct Mixed {
    #[layer]
    hidden: Dense,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    r: Residual,
    #[layer(default)]
    out: Dense<Const<3>>,
}

#[test]
fn a_runtime_size_that_does_not_fit_is_an_error_at_build_naming_the_layer() {
    let mut good = Model::new(Mixed::new(Dense::new(64)));
    assert_eq!(good.build([16]).unwrap(), vec![3]);
    // 16 → 64 → 64 → 64 → 3, with biases
    assert_eq!(
        good.count_params().unwrap(),
        16 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3
    );

    let mut bad = Model::new(Mixed::new(Dense::new(32)));
    let err = bad.build([16]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `r` (Residual): `residual` expects input of shape [B, 64] but got [1, 32]"
    );
    // The sizes are there for a program to read, inside the layer wrapper.
    assert!(matches!(
        err.root_cause(),
        Error::InputSignature { signature, found, .. } if signature == "[B, 64]" && found.0 == [1, 32]
    ));
    assert!(!bad.is_built());
}

#[test]
fn data_of_the_wrong_width_for_a_model_input_is_an_error_not_a_panic() {
    let mut model = Model::new(Mixed::new(Dense::new(64)));
    let err = model.build([15]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `mixed` (Mixed): `mixed` expects input of shape [B, 16] but got [1, 15]"
    );
}

#[derive(Layer)]
#[layer(input = [B, N, N], output = [B, N])]
struct Diagonal {}

impl Call for Diagonal {
    fn call(&self, x: &Tensor) -> Tensor {
        x.sum(&[2], false)
    }
}

#[test]
fn a_name_repeated_in_a_signature_requires_equal_sizes() {
    assert_eq!(Diagonal::new().build([3, 3]).unwrap(), vec![3]);
    let err = Diagonal::new().build([3, 4]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `diagonal` (Diagonal): `diagonal` expects input of shape [B, N, N] but got [1, 3, 4]"
    );
    let err = Diagonal::new().build([9]).unwrap_err();
    assert!(
        err.to_string().contains("[B, N, N] but got [1, 9]"),
        "{err}"
    );
}

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, units])]
struct Projection {
    units: usize,
    #[weight(shape = [IN, units])]
    kernel: Weight,
}

impl Call for Projection {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

#[test]
fn names_bind_the_incoming_sizes_and_shape_the_weights() {
    let mut p = Projection::new(5);
    assert_eq!(p.build([7]).unwrap(), vec![5]);
    assert_eq!(p.kernel.shape().unwrap(), vec![7, 5]);
    // A rank-3 input does not fit `[B, IN]`.
    let err = Projection::new(5).build([2, 7]).unwrap_err();
    assert!(
        err.to_string().contains("[B, IN] but got [1, 2, 7]"),
        "{err}"
    );
}

/// A layer whose `call` does not do what its signature says.
#[derive(Layer)]
#[layer(input = [B, IN], output = [B, 4])]
struct Liar {}

impl Call for Liar {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[test]
fn a_call_that_breaks_its_own_output_signature_is_reported() {
    let err = Liar::new().build([3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `liar` (Liar): `call` expected shape [1, 4] (the layer's signature says \
         `output = [B, 4]`) but found shape [1, 3]"
    );
    assert_eq!(Liar::new().build([4]).unwrap(), vec![4]);
}

#[derive(Layer)]
#[layer(sequential, input = [B, 2])]
struct Blobs {
    #[layer(init = Dense::new(Const::<8>).activation(Relu))]
    hidden: Dense<Const<8>>,
    #[layer(default)]
    out: Dense<Const<3>>,
}

/// Three separable blobs in 2-D, 60 samples, labels 0..3 (deterministic).
fn blobs() -> Dataset {
    let centers = [(-2.0f32, -2.0f32), (2.0, -2.0), (0.0, 2.5)];
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let c = i % 3;
        x.extend([
            centers[c].0 + (i * 37 % 11) as f32 / 11.0 - 0.5,
            centers[c].1 + (i * 53 % 13) as f32 / 13.0 - 0.5,
        ]);
        y.push(c as f32);
    }
    Dataset::new(Tensor::from_vec(x, &[60, 2]), Tensor::from_vec(y, &[60])).unwrap()
}

#[test]
fn typed_data_trains_evaluates_and_predicts_with_a_typed_output() {
    let data = blobs();
    let x: TypedTensor<Batch1<2>> = data.typed_x().unwrap();
    let mut model = Model::new(Blobs::new()).seed(3);
    model
        .compile(
            Adam::new().with_learning_rate(0.05),
            layers::loss::SparseCategoricalCrossentropy::new().from_logits(true),
            &["accuracy"],
        )
        .unwrap();
    let options = FitOptions::new().with_epochs(40).batch_size(16).verbose(0);
    let history = model.fit(&x, data.y(), options).unwrap();
    assert!(history.last("accuracy").unwrap() > 0.95, "{history:?}");
    let logs = model.evaluate(&x, data.y(), 60).unwrap();
    assert!(logs["accuracy"] > 0.95, "{logs}");

    // The output's type says `(usize, Const<3>)`, and the values are the plain predict's.
    let typed: TypedTensor<(usize, Const<3>)> = model.predict(&x).unwrap();
    let plain = model.predict(data.x()).unwrap();
    assert_eq!(typed.tensor().shape(), &[60, 3]);
    assert_eq!(typed.tensor().to_vec(), plain.to_vec());
}

#[test]
fn typed_tensors_check_their_shape_when_made() {
    assert!(TypedTensor::<Batch1<2>>::new(Tensor::zeros(&[5, 2])).is_ok());
    let err = TypedTensor::<Batch1<2>>::new(Tensor::zeros(&[5, 3])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`TypedTensor::new` expected shape (usize, Const<2>) but found shape [5, 3]"
    );
    assert!(TypedTensor::<Batch1<2>>::new(Tensor::zeros(&[5, 2, 1])).is_err());
    assert!(TypedTensor::<DynShape>::new(Tensor::zeros(&[5, 2, 1])).is_ok());
}

#[test]
fn built_in_signatures_compute_the_shapes_the_layers_produce() {
    type In = (usize, Const<12>);
    fn out<L: StaticLayer>() -> String {
        L::Output::<In>::describe()
    }
    assert_eq!(out::<Dense<Const<5>>>(), "(usize, Const<5>)");
    assert_eq!(out::<Dense>(), "(usize, usize)");
    assert_eq!(out::<Relu>(), "(usize, Const<12>)");
    assert_eq!(out::<Dropout>(), "(usize, Const<12>)");
    assert_eq!(out::<BatchNormalization>(), "(usize, Const<12>)");
    assert_eq!(out::<LayerNormalization>(), "(usize, Const<12>)");
    assert_eq!(out::<Softmax>(), "(usize, Const<12>)");
    assert_eq!(out::<Embedding<Const<4>>>(), "(usize, Const<12>, Const<4>)");
    assert_eq!(out::<Flatten>(), "(usize, usize)");
    assert_eq!(
        out::<Reshape<(Const<3>, Const<4>)>>(),
        "(usize, Const<3>, Const<4>)"
    );
    assert_eq!(out::<Reshape>(), "DynShape");
    assert_eq!(out::<Sequential>(), "DynShape");
    assert_eq!(out::<Model<Blobs>>(), "(usize, Const<3>)");
    assert_eq!(out::<Mixed>(), "(usize, Const<3>)");

    // And at run time they produce exactly that.
    let x = Tensor::zeros(&[2, 12]);
    assert_eq!(Dense::new(Const::<5>).apply(&x).shape(), &[2, 5]);
    let mut e = Embedding::new(20, Const::<4>);
    assert_eq!(e.build([12]).unwrap(), vec![12, 4]);
    let mut r = Reshape::new((Const::<3>, Const::<4>));
    assert_eq!(r.build([12]).unwrap(), vec![3, 4]);
    assert_eq!(r.config()["target_shape"], serde_json::json!([3, 4]));
}

#[test]
fn compile_time_and_runtime_sizes_make_the_same_layer() {
    let mut fixed = Dense::new(Const::<6>).activation(Relu);
    let mut runtime = Dense::new(6).activation(Relu);
    assert_eq!(fixed.build([4]).unwrap(), runtime.build([4]).unwrap());
    assert_eq!(fixed.config(), runtime.config());
    assert_eq!(
        fixed.count_params().unwrap(),
        runtime.count_params().unwrap()
    );
    assert_eq!(fixed.type_name(), "Dense");
}

#[derive(Layer)]
#[layer(sequential, input = [B, 16], output = [B, 3])]
struct Outer {
    #[layer(init = Mixed::new(Dense::new(64)))]
    body: Mixed,
    #[layer(default)]
    softmax: Softmax,
}

#[test]
fn a_static_model_is_a_layer_of_another_and_shows_in_the_summary() {
    let mut m = Model::new(Outer::new());
    assert_eq!(m.build([16]).unwrap(), vec![3]);
    let y = m.predict(&Tensor::ones(&[4, 16])).unwrap();
    for row in y.to_vec().chunks(3) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
    let summary = m.summary().to_string();
    // Each field's row carries the output shape it produced.
    let row = |name: &str| {
        summary
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no row {name} in\n{summary}"))
            .to_string()
    };
    assert!(row("body (Mixed)").contains("(None, 3)"), "{summary}");
    assert!(row("softmax (Softmax)").contains("(None, 3)"), "{summary}");
}

/// A derived layer without a shape signature: the compiler knows nothing of its output.
#[derive(Layer)]
struct Unsigned {}

impl Call for Unsigned {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct Loose {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[layer(default)]
    odd: Unsigned,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    out: Dense<Const<2>>,
}

fn checked(summary: &layers::layer::Summary) -> Vec<(String, Option<bool>)> {
    summary
        .rows
        .iter()
        .map(|r| (r.name.clone(), r.compile_time_checked))
        .collect()
}

#[test]
fn the_summary_says_which_fields_were_checked_only_at_run_time() {
    // `hidden` receives (B, 4) and produces (B, 8): both known. `odd` has no signature, so
    // what it produces is unknown, and so is everything after it.
    let expected = [
        ("hidden", Some(true)),
        ("odd", Some(false)),
        ("act", Some(false)),
        ("out", Some(false)),
    ]
    .map(|(n, c)| (n.to_string(), c));
    let mut model = Model::new(Loose::new());
    assert_eq!(checked(&model.summary()), expected); // unbuilt
    model.build([4]).unwrap();
    let summary = model.summary();
    assert_eq!(checked(&summary), expected);
    let text = summary.to_string();
    assert!(
        text.ends_with(" Shapes checked only at run time: odd, act, out"),
        "{text}"
    );
    // Keras's table is unchanged: the rows still carry their shapes and counts.
    assert!(
        text.contains(
            "│ odd (Unsigned)                  │ (None, 8)              │             0 │"
        )
    );
}

#[test]
fn a_fully_checked_model_says_so_and_a_run_time_model_says_nothing() {
    let mut model = Model::new(Outer::new());
    model.build([16]).unwrap();
    let text = model.summary().to_string();
    assert!(
        text.ends_with(" Shapes checked at compile time: all layers"),
        "{text}"
    );
    let mut plain = Sequential::new().add(Dense::new(2));
    plain.build([3]).unwrap();
    let text = plain.summary().to_string();
    assert!(
        text.ends_with(" Non-trainable params: 0 (0.00 B)"),
        "{text}"
    );
}

/// The same model, `strict`: every field has a signature, so it compiles.
#[derive(Layer)]
#[layer(sequential, strict, input = [B, 4])]
struct Strict {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    out: Dense<Const<2>>,
}

#[test]
fn a_strict_model_is_checked_entirely_at_compile_time() {
    let mut model = Model::new(Strict::new());
    assert_eq!(model.build([4]).unwrap(), vec![2]);
    let summary = model.summary();
    assert!(
        summary
            .rows
            .iter()
            .all(|r| r.compile_time_checked == Some(true))
    );
    type Out = <Strict as StaticLayer>::Output<Batch1<4>>;
    assert_eq!(Out::describe(), "(usize, Const<2>)");
}

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct WithLambda {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[layer(init = Lambda::new(|x| x * 2.0))]
    double: Lambda,
    #[layer(default)]
    out: Dense<Const<2>>,
}

#[test]
fn fields_after_a_lambda_are_checked_at_run_time() {
    let mut model = Model::new(WithLambda::new());
    model.build([4]).unwrap();
    let text = model.summary().to_string();
    assert!(
        text.ends_with(" Shapes checked only at run time: double, out"),
        "{text}"
    );
    type Out = <WithLambda as StaticLayer>::Output<Batch1<4>>;
    assert_eq!(Out::describe(), "DynShape");
}
