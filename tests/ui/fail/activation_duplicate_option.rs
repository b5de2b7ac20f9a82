use layers::prelude::*;

#[activation(alpha = 1.0, alpha = 2.0)]
fn elu(x: f32, alpha: f32) -> f32 {
    if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
}

fn main() {
    let _ = Elu::default();
}
