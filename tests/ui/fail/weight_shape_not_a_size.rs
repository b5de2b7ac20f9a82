use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    rate: f32,
    #[weight(shape = [rate])]
    g: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {}
