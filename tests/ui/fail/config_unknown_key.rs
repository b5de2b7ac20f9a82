use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    #[config(defualt = 1.0)]
    scale: f32,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.scale
    }
}

fn main() {}
