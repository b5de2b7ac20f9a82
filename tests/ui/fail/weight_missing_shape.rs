use layers::prelude::*;

#[derive(Layer)]
struct Gain {
    #[weight(init = "ones")]
    g: Weight,
}

impl Call for Gain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.g
    }
}

fn main() {
    let _ = Gain::new();
}
