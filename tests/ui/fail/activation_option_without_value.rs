use layers::prelude::*;

#[activation(alpha)]
fn elu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
}

fn main() {}
