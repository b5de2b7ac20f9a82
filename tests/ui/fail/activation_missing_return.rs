use layers::prelude::*;

#[activation]
fn leaky(x: f32) {
    let _ = x.max(0.1 * x);
}

fn main() {}
