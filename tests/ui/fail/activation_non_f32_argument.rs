use layers::prelude::*;

#[activation]
fn leaky(x: f64) -> f32 {
    x.max(0.1 * x) as f32
}

fn main() {
    let _ = Sequential::new().add(Leaky);
}
