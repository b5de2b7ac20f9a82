use layers::prelude::*;

fn leaky_derivative(x: f64) -> f64 {
    if x > 0.0 { 1.0 } else { 0.1 }
}

#[activation(derivative = leaky_derivative)]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

fn main() {}
