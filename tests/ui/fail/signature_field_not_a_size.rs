use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, scale])]
struct Scaled {
    scale: f32,
}

impl Call for Scaled {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.scale
    }
}

fn main() {}
