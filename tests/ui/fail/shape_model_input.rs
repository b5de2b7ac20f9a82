// A model whose declared input does not fit its first layer: checked where the struct is
// defined, even if it is never used.
use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 10])]
struct Head {
    #[layer(default)]
    out: Dense<Const<10>>,
}

impl Call for Head {
    fn call(&self, x: &Tensor) -> Tensor {
        self.out.apply(x)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Classifier {
    #[layer(default)]
    head: Head,
}

fn main() {}
