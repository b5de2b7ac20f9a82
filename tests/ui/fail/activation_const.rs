use layers::prelude::*;

#[activation]
const fn double(x: f32) -> f32 {
    2.0 * x
}

fn main() {}
