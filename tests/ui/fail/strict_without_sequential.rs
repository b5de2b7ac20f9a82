use layers::prelude::*;

#[derive(Layer)]
#[layer(strict, input = [B, 4], output = [B, 4])]
struct Net {}

impl Call for Net {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
