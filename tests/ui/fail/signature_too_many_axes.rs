use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, T, H, W, C], output = [B, T, H, W, C])]
struct Video {}

impl Call for Video {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
