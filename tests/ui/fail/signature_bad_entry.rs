use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, IN * 2])]
struct Double {}

impl Call for Double {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

fn main() {}
