// In a `strict` model, a field whose layer has no shape signature is an error: otherwise the
// compiler would check it, and every field after it, at run time only.
use layers::{activation::Relu, prelude::*};

#[derive(Layer)]
struct Unsigned {}

impl Call for Unsigned {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[derive(Layer)]
#[layer(sequential, strict, input = [B, 4])]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<8>>,
    #[layer(default)]
    odd: Unsigned,
    #[layer(default)]
    act: Relu,
    #[layer(default)]
    out: Dense<Const<2>>,
}

fn main() {}
