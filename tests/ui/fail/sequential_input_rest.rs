use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [.., 784])]
struct Net {
    #[layer(default)]
    out: Dense<Const<10>>,
}

fn main() {}
