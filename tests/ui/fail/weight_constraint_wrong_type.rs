use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    units: usize,
    #[weight(shape = [units], constraint = units)]
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
