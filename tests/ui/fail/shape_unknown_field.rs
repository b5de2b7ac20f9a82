use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, unit])]
struct Projection {
    units: usize,
}

impl Call for Projection {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
