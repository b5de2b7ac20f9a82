use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, strict = true, input = [B, 4])]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<8>>,
}

fn main() {}
