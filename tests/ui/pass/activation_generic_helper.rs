//! An activation body calls helpers written once against `Scalar`: the `f32` body runs them
//! on `f32`, the dual copy on `Dual`, with literals, hyperparameters, integers, closures and
//! nested calls as arguments.
#![deny(warnings)]
use layers::activation::ActivationFn;
use layers::prelude::*;

fn sharp_swish<S: Scalar>(x: S, beta: S) -> S {
    x * (x * beta).sigmoid()
}

fn leaky<S: Scalar>(x: S) -> S {
    x.max(x * 0.1)
}

fn power<S: Scalar>(x: S, n: i32) -> S {
    x.powi(n)
}

mod helpers {
    use layers::prelude::*;

    pub fn soft_clip<S: Scalar>(x: S, limit: S) -> S {
        (x / limit).tanh() * limit
    }
}

#[activation(beta = 10.0)]
fn swish_beta(x: f32, beta: f32) -> f32 {
    sharp_swish(x, beta)
}

#[activation]
fn swish_literal(x: f32) -> f32 {
    sharp_swish(x, 10.0)
}

#[activation]
fn nested(x: f32) -> f32 {
    let double = |v: f32| v * 2.0;
    leaky(sharp_swish(double(x), 1.0)) + x.softplus() + power(x, 2)
}

#[activation(limit = 3.0)]
fn clipped(x: f32, limit: f32) -> f32 {
    helpers::soft_clip(x, limit) + x.log_sigmoid().exp()
}

pub fn main() {
    // d/dx x·σ(βx) = σ(βx) + βx·σ(βx)·σ(−βx): ½ at 0.
    assert_eq!(SwishBeta::default().value_and_derivative(0.0), (0.0, 0.5));
    assert_eq!(SwishLiteral.value_and_derivative(0.0), (0.0, 0.5));
    // nested at 0: leaky(σ-swish(0)) = 0, softplus(0) = ln 2, 0² = 0; derivative
    // leaky'·swish'(0)·2 + σ(0) + 0 = 1·½·2 + ½ = 1.5.
    let (v, d) = Nested.value_and_derivative(0.0);
    assert_eq!((v, d), (2f32.ln(), 1.5));
    // clipped at 0: 3·tanh(0) + σ(0) = ½; derivative 1 + σ(0)·σ(0) = 1.25.
    assert_eq!(Clipped::default().value_and_derivative(0.0), (0.5, 1.25));
    for x in [-3.0f32, -0.5, 0.7, 2.0] {
        assert_eq!(Nested.value_and_derivative(x).0, nested(x));
        assert_eq!(
            Clipped::default().value_and_derivative(x).0,
            clipped(x, 3.0)
        );
    }
}
