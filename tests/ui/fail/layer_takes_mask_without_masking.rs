use layers::prelude::*;

#[derive(Layer)]
#[layer(takes_mask = |layer| layer.factor > 0.0)]
struct Gain {
    factor: f32,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

fn main() {}
