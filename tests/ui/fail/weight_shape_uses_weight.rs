use layers::prelude::*;

#[derive(Layer)]
struct Pair {
    units: usize,
    #[weight(shape = [units])]
    a: Weight,
    #[weight(shape = [a])]
    b: Weight,
}

impl Call for Pair {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.a * &self.b
    }
}

fn main() {}
