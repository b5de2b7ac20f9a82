#![deny(warnings)]
use layers::prelude::*;

const HEADS: usize = 2;

#[derive(Layer)]
struct Norm {
    #[config(default = 1.0)]
    scale_init: f32,
    #[weight(shape = [input[-1]], init = "ones")]
    gamma: Weight,
    #[weight(shape = [input[-1]], init = "Zeros")]
    beta: Weight,
    #[weight(shape = [input[-1]], init = Initializer::constant(scale_init * 2.0))]
    extra: Weight,
    #[weight(shape = [HEADS, input[-1]], init = "zeros", trainable = false)]
    moving_mean: Weight,
}

impl Call for Norm {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.gamma + &self.beta
    }
}

pub fn main() {
    let mut norm = Norm::new().scale_init(0.25);
    norm.build([3]).unwrap();
    assert_eq!(norm.extra.value().to_vec(), vec![0.5; 3]);
    assert_eq!(norm.moving_mean.shape(), Some(vec![2, 3]));
    let trainable: Vec<String> = norm
        .trainable_weights()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(trainable, ["gamma", "beta", "extra"]);
    let frozen: Vec<String> = norm
        .non_trainable_weights()
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    assert_eq!(frozen, ["moving_mean"]);
}
