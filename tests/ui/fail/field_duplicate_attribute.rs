use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    #[skip]
    #[skip]
    note: String,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
