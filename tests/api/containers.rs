//! Sublayer containers and `Lambda`: `Vec<L>`, `[L; N]`, `Option<L>` and `Box<dyn Layer>` as
//! `#[layer]` fields (weight paths, parameter counts, freezing, configs, summary rows, one
//! training step worked out by hand), and closures as layers.

use layers::optim::Sgd;
use layers::prelude::*;
use layers::typed::{Batch1, Shape, StaticLayer};

/// `x · w` with one input, one output, a kernel of ones and no bias: a chain of these is a
/// product of weights, so one SGD step can be worked out by hand.
fn unit() -> Dense {
    Dense::new(1)
        .use_bias(false)
        .kernel_initializer(Initializer::ones())
}

/// Compiles `model` with plain SGD at `lr` and the mean squared error, then takes one step on
/// one sample `x` of `width` equal features, with target 0.
fn one_step<M: Train>(model: &mut M, lr: f32, x: f32, width: usize) {
    model
        .compile(Sgd::new().with_learning_rate(lr), "mse", &[])
        .unwrap();
    model
        .train_on_batch(&Tensor::full(&[1, width], x), &Tensor::zeros(&[1, 1]))
        .unwrap();
}

fn paths(layer: &dyn Layer) -> Vec<String> {
    layer.all_weights().into_iter().map(|(p, _)| p).collect()
}

fn row_names(summary: &layers::layer::Summary) -> Vec<String> {
    summary
        .rows
        .iter()
        .map(|r| format!("{} ({})", r.name, r.type_name))
        .collect()
}

/// A stack of configurable depth: the blocks run in turn.
#[derive(Layer)]
struct Stack {
    #[layer]
    blocks: Vec<Dense>,
}

impl Call for Stack {
    fn call(&self, x: &Tensor) -> Tensor {
        self.blocks
            .iter()
            .fold(x.clone(), |y, block| block.apply(&y))
    }
}

#[test]
fn a_vec_field_holds_sublayers_named_by_index() {
    let mut model = Model::new(Stack::new(vec![unit(), unit(), unit()]));
    assert_eq!(model.build([1]).unwrap(), vec![1]);
    assert_eq!(
        paths(&*model),
        ["blocks.0.kernel", "blocks.1.kernel", "blocks.2.kernel"]
    );
    assert_eq!(model.count_params().unwrap(), 3);
    let summary = model.summary();
    assert_eq!(
        row_names(&summary),
        ["blocks.0 (Dense)", "blocks.1 (Dense)", "blocks.2 (Dense)"]
    );
    assert!(summary.rows.iter().all(|r| r.params == Some(1)));
    let config = model.blocks.config();
    let layers = config["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    assert_eq!(layers[1]["class_name"], "Dense");
    assert_eq!(layers[1]["config"]["units"], 1);
}

#[test]
fn an_empty_vec_field_is_built_and_has_no_rows() {
    let mut stack = Stack::new(Vec::new());
    assert_eq!(stack.build([4]).unwrap(), vec![4]);
    assert!(stack.is_built());
    assert_eq!(stack.count_params().unwrap(), 0);
    assert!(stack.summary().rows.is_empty());
}

#[test]
fn one_training_step_reaches_every_element_of_a_vec_and_skips_a_frozen_one() {
    // Three kernels of 1 on x = 2: prediction 2·1·1·1 = 2, loss (2 − 0)² = 4,
    // ∂loss/∂prediction = 2·2 = 4, ∂prediction/∂w_i = 2·(the other two) = 2, so each
    // gradient is 8 and SGD at 0.1 leaves 1 − 0.8 = 0.2.
    let mut model = Model::new(Stack::new(vec![unit(), unit(), unit()]));
    model.build([1]).unwrap();
    model.blocks[1].set_trainable(false);
    let trainable: Vec<String> = model
        .trainable_weights()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(trainable, ["blocks.0.kernel", "blocks.2.kernel"]);
    // Freezing the model freezes every element; unfreezing restores all three.
    model.set_trainable(false);
    assert!(model.trainable_weights().is_empty());
    model.set_trainable(true);
    assert_eq!(model.trainable_weights().len(), 3);
    model.blocks[1].set_trainable(false);
    one_step(&mut model, 0.1, 2.0, 1);
    let kernels: Vec<f32> = model
        .blocks
        .iter()
        .map(|b| b.kernel.value().item())
        .collect();
    for (got, want) in kernels.iter().zip([0.2, 1.0, 0.2]) {
        assert!((got - want).abs() < 1e-6, "{kernels:?}");
    }
}

/// An optional projection on a shortcut.
#[derive(Layer)]
struct Shortcut {
    #[layer]
    main: Dense,
    #[layer]
    projection: Option<Dense>,
}

impl Call for Shortcut {
    fn call(&self, x: &Tensor) -> Tensor {
        let skip = match &self.projection {
            Some(p) => p.apply(x),
            None => x.clone(),
        };
        self.main.apply(x) + skip
    }
}

#[test]
fn an_option_field_is_its_layer_when_some_and_nothing_when_none() {
    let mut some = Model::new(Shortcut::new(unit(), Some(unit())));
    some.build([1]).unwrap();
    assert_eq!(paths(&*some), ["main.kernel", "projection.kernel"]);
    assert_eq!(some.count_params().unwrap(), 2);
    assert_eq!(
        row_names(&some.summary()),
        ["main (Dense)", "projection (Dense)"]
    );
    assert_eq!(some.projection.config()["units"], 1);

    let mut none = Model::new(Shortcut::new(unit(), None));
    none.build([1]).unwrap();
    assert_eq!(paths(&*none), ["main.kernel"]);
    assert_eq!(none.count_params().unwrap(), 1);
    assert_eq!(row_names(&none.summary()), ["main (Dense)"]);
}

#[test]
fn one_training_step_reaches_the_layer_in_an_option() {
    // x = 2, both kernels 1: prediction 2 + 2 = 4, loss 16, ∂loss/∂prediction = 8, each
    // kernel's gradient 8·2 = 16, so SGD at 0.1 leaves 1 − 1.6 = −0.6.
    let mut model = Model::new(Shortcut::new(unit(), Some(unit())));
    model.build([1]).unwrap();
    one_step(&mut model, 0.1, 2.0, 1);
    let projection = model.projection.as_ref().unwrap();
    assert!((projection.kernel.value().item() + 0.6).abs() < 1e-6);
    assert!((model.main.kernel.value().item() + 0.6).abs() < 1e-6);
}

/// A layer chosen at run time.
#[derive(Layer)]
struct Wrapper {
    #[layer]
    inner: Box<dyn Layer>,
}

impl Call for Wrapper {
    fn call(&self, x: &Tensor) -> Tensor {
        self.inner.apply(x)
    }
}

#[test]
fn a_boxed_layer_field_delegates_to_its_layer() {
    let mut model = Model::new(Wrapper::new(Box::new(unit())));
    model.build([1]).unwrap();
    assert_eq!(paths(&*model), ["inner.kernel"]);
    assert_eq!(model.count_params().unwrap(), 1);
    assert_eq!(row_names(&model.summary()), ["inner (Dense)"]);
    assert_eq!(model.inner.config()["units"], 1);
    // x = 2, kernel 1: prediction 2, loss 4, gradient 2·2·2 = 8, SGD at 0.1: 1 − 0.8 = 0.2.
    one_step(&mut model, 0.1, 2.0, 1);
    assert!((model.all_weights()[0].1.value().item() - 0.2).abs() < 1e-6);
}

/// Two same-shape blocks in an array, in a statically checked model.
#[derive(Layer)]
#[layer(sequential, input = [B, 2])]
struct Pair {
    #[layer(default)]
    blocks: [Dense<Const<2>>; 2],
    #[layer(default)]
    out: Dense<Const<1>>,
}

#[test]
fn an_array_field_in_a_sequential_model_runs_each_element_in_turn() {
    let mut model = Model::new(Pair::new()).seed(5);
    assert_eq!(model.build([2]).unwrap(), vec![1]);
    assert_eq!(
        paths(&*model),
        [
            "blocks.0.kernel",
            "blocks.0.bias",
            "blocks.1.kernel",
            "blocks.1.bias",
            "out.kernel",
            "out.bias"
        ]
    );
    // two 2 → 2 blocks with biases, then 2 → 1 with a bias
    assert_eq!(model.count_params().unwrap(), 2 * (2 * 2 + 2) + (2 + 1));
    let summary = model.summary();
    assert_eq!(
        row_names(&summary),
        ["blocks.0 (Dense)", "blocks.1 (Dense)", "out (Dense)"]
    );
    let shapes: Vec<Option<Vec<usize>>> = summary
        .rows
        .iter()
        .map(|r| r.output_shape.clone())
        .collect();
    assert_eq!(shapes, [Some(vec![2]), Some(vec![2]), Some(vec![1])]);
    // The compiler knows the model's output: the array keeps its input's shape.
    type Out = <Pair as StaticLayer>::Output<Batch1<2>>;
    assert_eq!(Out::describe(), "(usize, Const<1>)");

    let before = model.get_weights().unwrap();
    one_step(&mut model, 0.1, 1.0, 2);
    let after = model.get_weights().unwrap();
    // Every weight takes part in the prediction, so one step moves each of them (the
    // biases start at 0, and their gradients are the upstream gradients, not 0).
    for ((path, _), (b, a)) in model.all_weights().iter().zip(before.iter().zip(&after)) {
        assert_ne!(b.to_vec(), a.to_vec(), "{path} did not change");
    }
}

/// A layer that takes exactly three features, to fail inside a list.
#[derive(Layer)]
#[layer(input = [B, 3], output = [B, 3])]
struct Three {}

impl Call for Three {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 3])]
struct Chain {
    #[layer]
    blocks: Vec<Box<dyn Layer>>,
}

#[test]
fn an_element_that_does_not_fit_is_named_by_its_index() {
    let ok = Chain::new(vec![Box::new(Three::new()), Box::new(Dense::new(3))]);
    assert_eq!(Model::new(ok).build([3]).unwrap(), vec![3]);
    let bad = Chain::new(vec![Box::new(Dense::new(2)), Box::new(Three::new())]);
    let err = Model::new(bad).build([3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `blocks.1` (Three): `three` expects input of shape [B, 3] but got [1, 2]"
    );
}

#[test]
fn a_sequential_of_a_vec_of_same_shape_blocks_shows_each_block() {
    #[derive(Layer)]
    #[layer(sequential, input = [B, 4])]
    struct Deep {
        #[layer(default)]
        first: Dense<Const<8>>,
        #[layer]
        blocks: Vec<Dense<Const<8>>>,
        #[layer(default)]
        out: Dense<Const<2>>,
    }
    let blocks = (0..3).map(|_| Dense::default()).collect();
    let mut model = Model::new(Deep::new(blocks));
    model.build([4]).unwrap();
    // 4·8 + 8, three times 8·8 + 8, 8·2 + 2
    assert_eq!(model.count_params().unwrap(), 40 + 3 * 72 + 18);
    let text = model.summary().to_string();
    for row in [
        "│ first (Dense)                   │ (None, 8)              │            40 │",
        "│ blocks.0 (Dense)                │ (None, 8)              │            72 │",
        "│ blocks.2 (Dense)                │ (None, 8)              │            72 │",
        "│ out (Dense)                     │ (None, 2)              │            18 │",
    ] {
        assert!(text.contains(row), "no row {row} in\n{text}");
    }
}

/// The tutorial's custom activation, a leaky ReLU `max(0.1·x, x)`, with tensor ops:
/// `max(x, 0) + 0.1·min(x, 0)`.
fn leaky(x: &Tensor) -> Tensor {
    x.clamp(0.0, f32::INFINITY) + x.clamp(f32::NEG_INFINITY, 0.0) * 0.1
}

fn close(got: &[f32], want: &[f32]) -> bool {
    got.len() == want.len() && got.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-5)
}

#[test]
fn the_tutorials_lambda_shows_in_the_summary_with_no_parameters() {
    let mut model = Sequential::new()
        .add(Dense::new(64))
        .add(Lambda::new(leaky))
        .add(Dense::new(10));
    model.build([32]).unwrap();
    let text = model.summary().to_string();
    let row = "│ lambda (Lambda)                 │ (None, 64)             │             0 │";
    assert!(text.contains(row), "{text}");
    // 32·64 + 64 and 64·10 + 10, as in the tutorial
    assert!(text.contains(" Total params: 2,762 (10.79 KB)"), "{text}");
    let y = Lambda::new(leaky).apply(&Tensor::from_vec(vec![-2.0, 0.0, 3.0], &[1, 3]));
    assert!(close(&y.to_vec(), &[-0.2, 0.0, 3.0]), "{y:?}");
}

#[test]
fn gradients_flow_through_the_closure() {
    // Kernel 1, x = 3, the lambda squares: prediction (3·1)² = 9, loss 81,
    // ∂loss/∂prediction = 2·9 = 18, ∂prediction/∂w = 2·x²·w = 18, so the gradient is 324
    // and SGD at 0.001 leaves 1 − 0.324 = 0.676.
    let mut model = Sequential::new()
        .add(unit())
        .add(Lambda::new(|x| x.square()));
    model.build([1]).unwrap();
    one_step(&mut model, 0.001, 3.0, 1);
    let w = model.get_weights().unwrap()[0].item();
    assert!((w - 0.676).abs() < 1e-5, "{w}");
}

/// A dense layer and a registered activation closure, as a derived layer's fields.
#[derive(Layer)]
struct Activated {
    #[layer]
    dense: Dense,
    #[layer(init = Lambda::new(leaky).registered_as("leaky"))]
    act: Lambda,
}

impl Call for Activated {
    fn call(&self, x: &Tensor) -> Tensor {
        self.act.apply(&self.dense.apply(x))
    }
}

#[test]
fn a_lambda_is_a_field_of_a_derived_layer() {
    let mut model = Model::new(Activated::new(unit()));
    model.build([1]).unwrap();
    let y = model
        .predict(&Tensor::from_vec(vec![-2.0, 5.0], &[2, 1]))
        .unwrap();
    assert!(close(&y.to_vec(), &[-0.2, 5.0]), "{y:?}");
    let summary = model.summary();
    assert_eq!(row_names(&summary), ["dense (Dense)", "act (Lambda)"]);
    assert_eq!(summary.rows[1].params, Some(0));
    assert_eq!(
        model.act.config(),
        serde_json::json!({ "function": "leaky" })
    );
    model.check_config().unwrap();
}

#[test]
fn an_unnamed_lambda_cannot_be_saved_wherever_it_is() {
    let message = "`config`: the function is an unnamed closure, and a saved model never \
                   carries code; name it with `Lambda::new(f).registered_as(\"name\")`";
    assert_eq!(
        Lambda::new(leaky).config(),
        serde_json::json!({ "function": null })
    );
    let err = Lambda::new(leaky).try_config().unwrap_err();
    assert_eq!(err.to_string(), message);

    let plain = Sequential::new().add(Dense::new(2)).add(Lambda::new(leaky));
    let err = plain.check_config().unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("layer `lambda` (Lambda): {message}")
    );

    // Under a name of its own, and in a list inside a derived layer.
    let named = Sequential::new().add(Lambda::new(leaky).named("act"));
    let err = named.check_config().unwrap_err();
    assert_eq!(err.to_string(), format!("layer `act` (Lambda): {message}"));
    let boxed: Vec<Box<dyn Layer>> = vec![Box::new(unit()), Box::new(Lambda::new(leaky))];
    let err = Model::new(Chain::new(boxed)).check_config().unwrap_err();
    assert!(
        err.to_string().starts_with("layer `blocks.1` (Lambda): "),
        "{err}"
    );
}

#[test]
fn a_declared_output_shape_is_checked_at_every_call() {
    // (batch, n) → (batch, 1): the sum of the features.
    let total = Lambda::new(|x| x.sum(&[-1], true)).output_shape(|_| vec![1]);
    let mut model = Sequential::new().add(total);
    assert_eq!(model.build([4]).unwrap(), vec![1]);
    let y = model.predict(&Tensor::ones(&[3, 4])).unwrap();
    assert_eq!(y.to_vec(), vec![4.0; 3]);

    let claims_same = Lambda::new(|x| x.sum(&[-1], true)).output_shape(|input| input.to_vec());
    let err = Sequential::new().add(claims_same).build([4]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `lambda` (Lambda): `Lambda` expected shape [1, 4] (its `output_shape` for \
         input [1, 4]) but found shape [1, 1]"
    );
}
