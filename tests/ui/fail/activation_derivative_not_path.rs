use layers::prelude::*;

#[activation(derivative = |x: f32| if x > 0.0 { 1.0 } else { 0.1 })]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

fn main() {
    let _ = Sequential::new().add(Leaky);
}
