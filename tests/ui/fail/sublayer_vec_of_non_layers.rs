use layers::prelude::*;

#[derive(Layer)]
struct Outer {
    #[layer]
    names: Vec<String>,
}

impl Call for Outer {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
