use layers::prelude::*;

#[activation]
fn identity<T: Copy>(x: f32) -> f32 {
    x
}

fn main() {}
