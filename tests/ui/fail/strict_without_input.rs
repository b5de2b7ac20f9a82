use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, strict)]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<8>>,
}

fn main() {}
