use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    units: usize,
    #[weight(shape = [units], regularizer = Regularizer::l2(0.1), regularizer = Regularizer::l1(0.1))]
    g: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {
    let _ = Gain::new(3);
}
