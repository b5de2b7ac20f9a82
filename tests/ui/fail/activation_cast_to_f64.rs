use layers::prelude::*;

#[activation]
fn precise_tanh(x: f32) -> f32 {
    (x as f64).tanh() as f32
}

fn main() {}
