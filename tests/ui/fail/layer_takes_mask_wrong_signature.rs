use layers::layer::pass_mask;
use layers::prelude::*;

#[derive(Layer)]
#[layer(masking = pass_mask, takes_mask = Self::per_step)]
struct Gain {
    factor: f32,
}

impl Gain {
    // Returns a number, not `bool`.
    fn per_step(&self) -> f32 {
        self.factor
    }
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

fn main() {}
