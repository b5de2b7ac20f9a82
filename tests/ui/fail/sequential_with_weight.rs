use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[weight(shape = [8, 8])]
    extra: Weight,
}

fn main() {}
