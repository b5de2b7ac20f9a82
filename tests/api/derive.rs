//! `#[derive(Layer)]` and `#[activation]` at run time, through the facade's prelude: the
//! tutorial's custom dense layer and leaky ReLU, weight paths, configs, lazy building, the
//! build errors, sublayers, builder setters, and exact derivatives.

use layers::activation::ActivationFn;
use layers::prelude::*;

/// The tutorial's custom dense layer: `x · w + b`.
#[derive(Layer)]
struct CustomDense {
    /// The number of output features.
    units: usize,
    #[weight(shape = [input[-1], units], init = "random_normal")]
    w: Weight,
    #[weight(shape = [units], init = "zeros")]
    b: Weight,
}

impl Call for CustomDense {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w) + &self.b
    }
}

#[test]
fn custom_dense_has_keras_parameter_count() {
    let mut layer = CustomDense::new(64);
    assert_eq!(layer.build([32]).unwrap(), vec![64]);
    // Keras: 32·64 kernel + 64 bias
    assert_eq!(layer.count_params().unwrap(), 2_112);
    assert_eq!(layer.type_name(), "CustomDense");
    assert_eq!(layer.display_name(), "custom_dense");
}

#[test]
fn weights_are_named_after_their_fields_with_declared_shapes_and_initializers() {
    let mut layer = CustomDense::new(4);
    layer.build([3]).unwrap();
    let weights = layer.all_weights();
    let paths: Vec<&str> = weights.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["w", "b"]);
    assert_eq!(weights[0].1.name(), "w");
    assert_eq!(weights[0].1.shape(), Some(vec![3, 4]));
    assert_eq!(weights[1].1.shape(), Some(vec![4]));
    assert_eq!(weights[0].1.initializer(), &Initializer::random_normal());
    assert_eq!(weights[1].1.value().to_vec(), vec![0.0; 4]);
    assert!(weights.iter().all(|(_, w)| w.is_trainable()));
}

#[test]
fn config_holds_the_config_fields() {
    assert_eq!(CustomDense::new(64).config().to_string(), r#"{"units":64}"#);
}

#[test]
fn building_with_too_low_a_rank_names_the_weight_and_the_layer() {
    let err = CustomDense::new(4).build([]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `custom_dense` (CustomDense): weight `w` needs input axis -1, but the input \
         shape (None,) has no such axis"
    );
}

#[test]
fn building_again_for_another_width_names_the_layer() {
    let mut layer = CustomDense::new(4);
    layer.build([32]).unwrap();
    assert_eq!(layer.build([32]).unwrap(), vec![4]);
    let err = layer.build([16]).unwrap_err().to_string();
    assert_eq!(
        err,
        "layer `custom_dense` (CustomDense): weight `w` was built with shape [32, 4], but this \
         input needs shape [16, 4]"
    );
}

#[test]
fn the_first_call_builds_the_layer() {
    let layer = CustomDense::new(3);
    assert!(!layer.is_built());
    let y = layer.apply(&Tensor::ones(&[2, 5]));
    assert_eq!(y.shape(), &[2, 3]);
    assert!(layer.is_built());
    assert_eq!(layer.count_params().unwrap(), 5 * 3 + 3);
}

#[test]
fn custom_dense_in_a_sequential_model() {
    let mut model = Sequential::new()
        .add(CustomDense::new(64))
        .add(Leaky)
        .add(CustomDense::new(10));
    model.build([32]).unwrap();
    assert_eq!(model.count_params().unwrap(), 2_112 + 650);
    let y = model.predict(&Tensor::ones(&[2, 32])).unwrap();
    assert_eq!(y.shape(), &[2, 10]);
}

/// Multiplies by a per-feature scale.
#[derive(Layer)]
struct Scale {
    #[weight(shape = [input[0]], init = "ones")]
    kernel: Weight,
}

impl Call for Scale {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.kernel
    }
}

/// Three scales and a bias: sublayers given to `new`, made by `Default` and by an expression.
#[derive(Layer)]
#[layer(name = "ScaleBlock")]
struct Block {
    #[config(default = 2.0)]
    factor: f32,
    #[layer]
    first: Scale,
    #[layer(default)]
    second: Scale,
    #[layer(init = Scale::new())]
    third: Scale,
    #[weight(shape = [input[-1]], init = "zeros")]
    bias: Weight,
}

impl Call for Block {
    fn call(&self, x: &Tensor) -> Tensor {
        let y = self.third.apply(&self.second.apply(&self.first.apply(x)));
        y * self.factor + &self.bias
    }
}

#[test]
fn sublayer_weights_nest_under_the_field_names() {
    let mut block = Block::new(Scale::new());
    block.build([3]).unwrap();
    let paths: Vec<String> = block.all_weights().into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        ["bias", "first.kernel", "second.kernel", "third.kernel"]
    );
    let names: Vec<String> = block.sublayers().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["first", "second", "third"]);
    assert_eq!(block.type_name(), "ScaleBlock");
    assert_eq!(block.count_params().unwrap(), 4 * 3);
    let y = block.apply(&Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]));
    assert_eq!(y.to_vec(), vec![2.0, 4.0, 6.0]);
    assert_eq!(block.config().to_string(), r#"{"factor":2.0}"#);
}

#[test]
fn the_setter_changes_the_config() {
    let block = Block::new(Scale::new()).factor(0.5);
    let y = block.apply(&Tensor::from_vec(vec![2.0, 4.0], &[1, 2]));
    assert_eq!(y.to_vec(), vec![1.0, 2.0]);
    assert_eq!(block.config().to_string(), r#"{"factor":0.5}"#);
}

/// A gain with configurable initial value and frozen offset, to test expression inits and
/// setters that remake the weights made from the config.
#[derive(Layer)]
struct Gain {
    units: usize,
    #[config(default = 0.5)]
    initial: f32,
    #[config(default = true)]
    train_offset: bool,
    #[config(default)]
    label: String,
    #[weight(shape = [units], init = Initializer::constant(initial))]
    gain: Weight,
    #[weight(shape = [units], init = "ones", trainable = train_offset)]
    offset: Weight,
    #[weight(shape = [units], init = "zeros", trainable = false)]
    calls: Weight,
    #[skip]
    note: Option<String>,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.gain + &self.offset + &self.calls
    }
}

#[test]
fn expression_initializers_and_flags_read_the_config() {
    let mut gain = Gain::new(2);
    gain.build([2]).unwrap();
    assert_eq!(gain.gain.value().to_vec(), vec![0.5, 0.5]);
    let trainable: Vec<String> = gain
        .trainable_weights()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(trainable, ["gain", "offset"]);
    assert!(gain.note.is_none());
    let config = gain.config();
    assert_eq!(config["units"], 2);
    assert_eq!(config["initial"], 0.5);
    assert_eq!(config["train_offset"], true);
    assert_eq!(config["label"], "");
}

#[test]
fn setters_remake_the_weights_made_from_their_field() {
    let mut gain = Gain::new(2)
        .initial(3.0)
        .train_offset(false)
        .label("g".to_string());
    gain.build([2]).unwrap();
    assert_eq!(gain.gain.value().to_vec(), vec![3.0, 3.0]);
    let frozen: Vec<String> = gain
        .non_trainable_weights()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(frozen, ["offset", "calls"]);
    assert_eq!(gain.config()["label"], "g");
}

/// A layer with dropout-like behaviour: the context form of `call`.
#[derive(Layer)]
struct TrainingOnlyZero {}

impl CallWithContext for TrainingOnlyZero {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if ctx.training() { x * 0.0 } else { x.clone() }
    }
}

#[test]
fn call_with_context_is_the_forward_pass() {
    use layers::layer::context::with_context;
    let layer = TrainingOnlyZero::new();
    let x = Tensor::ones(&[1, 2]);
    assert_eq!(layer.apply(&x).to_vec(), vec![1.0, 1.0]);
    assert_eq!(
        with_context(true, 0, || layer.apply(&x)).to_vec(),
        vec![0.0, 0.0]
    );
}

/// A leaky ReLU with slope 0.1.
#[activation]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

#[test]
fn the_activation_stays_a_function() {
    assert_eq!(leaky(-2.0), -0.2);
    assert_eq!(leaky(3.0), 3.0);
}

#[test]
fn the_activation_type_is_a_layer() {
    let y = Leaky.apply(&Tensor::from_vec(vec![-2.0, 0.5], &[1, 2]));
    assert_eq!(y.to_vec(), vec![-0.2, 0.5]);
    assert_eq!(Leaky.type_name(), "Leaky");
    assert_eq!(<Leaky as Default>::default(), Leaky);
}

#[test]
fn the_derivative_is_exact_on_each_side() {
    assert_eq!(Leaky.value_and_derivative(-2.0), (-0.2, 0.1));
    assert_eq!(Leaky.value_and_derivative(3.0), (3.0, 1.0));
    assert_eq!(<Leaky as ActivationFn>::NAME, "leaky");
}

#[test]
fn the_activation_is_registered_by_name() {
    let a = Activation::from_name("leaky").unwrap();
    assert_eq!(a.name(), "leaky");
    assert_eq!(a.value_and_derivative(-1.0), Some((-0.1, 0.1)));
}

/// Exponential linear unit: `x` for `x > 0`, `alpha·(eˣ − 1)` otherwise.
#[activation(alpha = 1.0)]
fn elu_like(x: f32, alpha: f32) -> f32 {
    if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
}

#[test]
fn hyperparameters_have_defaults_and_round_trip_through_config() {
    assert_eq!(EluLike::default(), EluLike { alpha: 1.0 });
    let a: Activation = EluLike::new(0.5).into();
    assert_eq!(a.params(), vec![("alpha", 0.5)]);
    let config = a.to_config();
    assert_eq!(config.to_string(), r#"{"alpha":0.5,"name":"elu_like"}"#);
    let back = Activation::from_config(
        config["name"].as_str().unwrap(),
        config.as_object().unwrap(),
    )
    .unwrap();
    assert_eq!(back, a);
    assert_eq!(back.params(), vec![("alpha", 0.5)]);
    // the derivative at -1 is alpha·e⁻¹
    let (_, d) = back.value_and_derivative(-1.0).unwrap();
    assert!((d - 0.5 * (-1.0f32).exp()).abs() < 1e-7);
    assert_eq!(EluLike::new(0.5).config().to_string(), r#"{"alpha":0.5}"#);
}

#[test]
fn unknown_hyperparameters_in_a_config_are_errors() {
    let mut config = EluLike::new(1.0).config();
    config["alpah"] = config["alpha"].clone();
    let err = Activation::from_config("elu_like", config.as_object().unwrap()).unwrap_err();
    assert!(
        err.to_string()
            .contains("`elu_like` has no parameter `alpah`"),
        "{err}"
    );
}

#[test]
fn gradients_flow_through_the_activation() {
    let x = Tensor::from_vec(vec![-1.5, -0.3, 0.4, 2.0], &[4]);
    let report = layers::check_gradients(std::slice::from_ref(&x), |v| Leaky.apply(&v[0]), 1e-3);
    assert!(report.worst() < 1e-2, "{report}");
    let report = layers::check_gradients(&[x], |v| EluLike::new(0.7).apply(&v[0]), 1e-3);
    assert!(report.worst() < 1e-2, "{report}");
}
