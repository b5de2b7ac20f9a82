#![deny(warnings)]
use layers::activation::ActivationFn;
use layers::prelude::*;

/// A leaky ReLU with slope 0.1.
#[activation]
pub fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

pub fn main() {
    assert_eq!(leaky(-2.0), -0.2);
    assert_eq!(Leaky.value_and_derivative(-2.0), (-0.2, 0.1));
    assert_eq!(Leaky.value_and_derivative(2.0), (2.0, 1.0));
    assert!(Leaky.params().is_empty());
    let mut model = Sequential::new().add(Leaky);
    model.build([2]).unwrap();
    let y = model
        .predict(&Tensor::from_vec(vec![-1.0, 1.0], &[1, 2]))
        .unwrap();
    assert_eq!(y.to_vec(), vec![-0.1, 1.0]);
    let a: Activation = Leaky.into();
    assert_eq!(a.name(), "leaky");
}
