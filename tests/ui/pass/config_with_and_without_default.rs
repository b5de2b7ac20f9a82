#![deny(warnings)]
use layers::prelude::*;

/// Dense with an activation: `units` is a `new` argument, `activation` and `use_bias` have
/// defaults and setters.
#[derive(Layer)]
struct MyDense {
    units: usize,
    #[config(default = Activation::linear())]
    activation: Activation,
    #[config(default = true)]
    use_bias: bool,
    #[config(default)]
    label: String,
    #[weight(shape = [input[-1], units])]
    kernel: Weight,
}

impl Call for MyDense {
    fn call(&self, x: &Tensor) -> Tensor {
        self.activation.apply(&x.matmul(&self.kernel))
    }
}

// Not `twice`: `layer_name_and_crate` registers that name in the same test binary.
#[activation]
fn triple(x: f32) -> f32 {
    3.0 * x
}

pub fn main() {
    let layer = MyDense::new(3)
        .activation(Activation::from_name("triple").unwrap())
        .use_bias(false)
        .label("out".to_string());
    let config = layer.config();
    assert_eq!(config["units"], 3);
    assert_eq!(config["activation"], "triple");
    assert_eq!(config["use_bias"], false);
    assert_eq!(config["label"], "out");
    let y = layer.apply(&Tensor::ones(&[2, 4]));
    assert_eq!(y.shape(), &[2, 3]);
    assert_eq!(layer.kernel.initializer(), &Initializer::glorot_uniform());
}
