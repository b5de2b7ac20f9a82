// A layer that takes images (rank 4) after one that produces vectors (rank 2).
use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, H, W, C], output = [B, H, W, C])]
struct ImageNoise {}

impl Call for ImageNoise {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[derive(Layer)]
#[layer(sequential, input = [B, 784])]
struct Net {
    #[layer(default)]
    hidden: Dense<Const<64>>,
    #[layer(default)]
    noise: ImageNoise,
}

fn main() {}
