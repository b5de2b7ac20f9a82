#![deny(warnings)]
use layers::activation::ActivationFn;
use layers::prelude::*;

/// Softplus with a hand-written derivative (the logistic function).
#[activation(derivative = softplus_derivative)]
fn soft(x: f32) -> f32 {
    x.exp().ln_1p()
}

fn softplus_derivative(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

mod derivatives {
    pub fn scaled(_x: f32, scale: f32) -> f32 {
        scale
    }
}

/// A linear function with a derivative from another module.
#[activation(scale = 3.0, derivative = derivatives::scaled)]
fn linear_scaled(x: f32, scale: f32) -> f32 {
    scale * x
}

pub fn main() {
    assert_eq!(Soft.value_and_derivative(0.0), (2f32.ln(), 0.5));
    assert_eq!(
        LinearScaled::default().value_and_derivative(2.0),
        (6.0, 3.0)
    );
}
