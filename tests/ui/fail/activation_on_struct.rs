use layers::prelude::*;

#[activation]
struct Leaky {
    slope: f32,
}

fn main() {}
