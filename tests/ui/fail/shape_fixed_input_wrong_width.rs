// A custom layer with a fixed input width, fed another width.
use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 64])]
struct Residual {
    #[layer(default)]
    inner: Dense<Const<64>>,
}

impl Call for Residual {
    fn call(&self, x: &Tensor) -> Tensor {
        x + self.inner.apply(x)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Bad {
    #[layer(default)]
    a: Dense<Const<32>>,
    #[layer(default)]
    r: Residual,
}

fn main() {}
