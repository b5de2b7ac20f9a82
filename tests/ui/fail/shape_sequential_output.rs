// A sequential model whose declared output is not what its layers produce.
use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [B, 784], output = [B, 10])]
struct Mlp {
    #[layer(default)]
    hidden: Dense<Const<128>>,
    #[layer(default)]
    out: Dense<Const<5>>,
}

fn main() {}
