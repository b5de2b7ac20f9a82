use layers::prelude::*;

#[activation]
extern "C" fn double(x: f32) -> f32 {
    2.0 * x
}

fn main() {}
