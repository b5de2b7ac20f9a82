use layers::prelude::*;

#[activation]
async fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

fn main() {}
