use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    axis: usize,
    #[weight(shape = [input[axis]])]
    g: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {}
