use layers::prelude::*;

#[derive(Layer)]
#[layer(input = [B, IN], output = [B, kernel])]
struct Projection {
    units: usize,
    #[weight(shape = [IN, units])]
    kernel: Weight,
}

impl Call for Projection {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

fn main() {}
