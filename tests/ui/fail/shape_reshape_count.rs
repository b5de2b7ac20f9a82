// A reshape whose target holds another number of values than its input.
use layers::prelude::*;

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Images {
    #[layer(default)]
    hidden: Dense<Const<784>>,
    #[layer(default)]
    to_image: Reshape<(Const<28>, Const<27>)>,
}

fn main() {}
