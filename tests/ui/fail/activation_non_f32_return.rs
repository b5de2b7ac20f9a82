use layers::prelude::*;

#[activation]
fn leaky(x: f32) -> f64 {
    f64::from(x.max(0.1 * x))
}

fn main() {}
