// `#[derive(Layer)]` implements `Default` (as `new()`) when `new` takes no arguments, so a
// second `Default` conflicts.
use layers::prelude::*;

#[derive(Layer, Default)]
struct Gain {
    #[config(default = 2.0)]
    factor: f32,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

fn main() {}
