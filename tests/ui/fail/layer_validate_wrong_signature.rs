use layers::prelude::*;

#[derive(Layer)]
#[layer(validate = Self::validate_config)]
struct Gain {
    factor: f32,
}

impl Gain {
    // Returns a bool, not `Result<()>`.
    fn validate_config(&self) -> bool {
        self.factor.is_finite()
    }
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

fn main() {}
