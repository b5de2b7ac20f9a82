use layers::prelude::*;

#[derive(Layer)]
#[layer(name = "Gain", name = "Scale")]
struct Gain {}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
