use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, ..], output = [B, ..])]
struct Identity {}

impl Call for Identity {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
