use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential = true, input = [B, 4])]
struct Net {
    #[layer(default)]
    out: Dense<Const<10>>,
}

fn main() {}
