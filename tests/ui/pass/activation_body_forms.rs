#![deny(warnings)]
use std::f32::consts::PI;

use layers::activation::ActivationFn;
use layers::math::erf;
use layers::prelude::*;

#[activation]
fn with_if(x: f32) -> f32 {
    if x > 0.0 { x } else { 0.0 }
}

#[activation]
fn gelu2(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x / 2f32.sqrt()))
}

#[activation]
fn gelu_tanh(x: f32) -> f32 {
    0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh())
}

#[activation(p = 1.5)]
fn power(x: f32, p: f32) -> f32 {
    x.abs().powf(p)
}

/// Statements, `f32` annotations, casts, `f32::` paths, early returns and `match`.
#[activation]
fn statements(x: f32) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    let mut y: f32 = f32::max(x, -1.0);
    y *= 2.0;
    let steps = (x * 2.0).floor() as i32;
    for i in 0..3 {
        y += (i as f32) * 0.5;
    }
    match steps {
        0 => y + x,
        _ => y * y + steps as f32,
    }
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * b.abs().max(1.0)
}

pub fn main() {
    assert_eq!(WithIf.value_and_derivative(2.0), (2.0, 1.0));
    assert_eq!(WithIf.value_and_derivative(-2.0), (0.0, 0.0));
    // gelu'(0) = 0.5
    assert_eq!(Gelu2.value_and_derivative(0.0).1, 0.5);
    assert!(close(GeluTanh.value_and_derivative(0.0).1, 0.5));
    // |x|^1.5 at 4: value 8, derivative 1.5·4^0.5 = 3; at -4 the derivative is -3
    assert_eq!(Power::default().value_and_derivative(4.0), (8.0, 3.0));
    assert_eq!(Power::default().value_and_derivative(-4.0), (8.0, -3.0));
    // at 0.2: steps = 0, y = 2·0.2 + 1.5 = 1.9, value y + x = 2.1, derivative 2 + 1 = 3
    let (v, d) = Statements.value_and_derivative(0.2);
    assert!(close(v, 2.1) && close(d, 3.0), "{v} {d}");
    // at 1.2: steps = 2, y = 2.4 + 1.5 = 3.9, value y² + 2, derivative 2·y·2 = 15.6
    let (v, d) = Statements.value_and_derivative(1.2);
    assert!(close(v, 3.9 * 3.9 + 2.0) && close(d, 15.6), "{v} {d}");
    assert!(Statements.value_and_derivative(f32::NAN).0.is_nan());
    for x in [-3.0f32, -0.5, 0.1, 2.5] {
        assert_eq!(Statements.value_and_derivative(x).0, statements(x));
        assert_eq!(GeluTanh.value_and_derivative(x).0, gelu_tanh(x));
        assert_eq!(Gelu2.value_and_derivative(x).0, gelu2(x));
    }
}
