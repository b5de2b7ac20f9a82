use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct Empty {
    rate: f32,
}

fn main() {}
