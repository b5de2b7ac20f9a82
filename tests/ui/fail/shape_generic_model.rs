// In a generic model the check holds for every value of the parameter, or it fails: a
// hidden width `H` cannot be shown to fit a layer that takes 64.
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
struct Net<const H: usize> {
    #[layer(default)]
    hidden: Dense<Const<H>>,
    #[layer(default)]
    r: Residual,
}

fn main() {}
