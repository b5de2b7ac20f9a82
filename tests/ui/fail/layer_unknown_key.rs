use layers::prelude::*;

#[derive(Layer)]
#[layer(nmae = "Gain")]
struct Gain {}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
