use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    units: usize,
    #[weight(shape = Self::gain_shape)]
    g: Weight,
}

impl Gain {
    fn gain_shape(&self) -> Vec<usize> {
        vec![self.units]
    }
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {}
