use layers::prelude::*;

#[derive(Layer)]
union Bits {
    f: f32,
    u: u32,
}

fn main() {}
