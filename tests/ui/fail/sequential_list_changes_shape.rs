// A list of layers runs its elements any number of times (none included), so in a
// statically checked model they must keep the shape they receive: 4 features in, 8 out.
use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [B, 4])]
struct Net {
    #[layer]
    blocks: Vec<Dense<Const<8>>>,
    #[layer(default)]
    out: Dense<Const<2>>,
}

fn main() {}
