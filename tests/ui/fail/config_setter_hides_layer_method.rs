use layers::prelude::*;

#[derive(Layer)]
struct Tagged {
    #[config(default)]
    name: String,
}

impl Call for Tagged {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
