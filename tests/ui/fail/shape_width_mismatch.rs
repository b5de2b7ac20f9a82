// Two layers whose compile-time widths disagree: `Encoder` produces 32 features, `Decoder`
// takes 64.
use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, 32])]
struct Encoder {
    #[layer(default)]
    dense: Dense<Const<32>>,
}

impl Call for Encoder {
    fn call(&self, x: &Tensor) -> Tensor {
        self.dense.apply(x)
    }
}

#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 784])]
struct Decoder {
    #[layer(default)]
    dense: Dense<Const<784>>,
}

impl Call for Decoder {
    fn call(&self, x: &Tensor) -> Tensor {
        self.dense.apply(x)
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct AutoEncoder {
    #[layer(default)]
    encoder: Encoder,
    #[layer(default)]
    decoder: Decoder,
}

fn main() {}
