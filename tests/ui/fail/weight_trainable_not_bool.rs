use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    units: usize,
    #[weight(shape = [units], trainable = 0)]
    g: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {}
