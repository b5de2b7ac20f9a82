use layers::prelude::*;

#[derive(Layer)]
struct CustomDense {
    units: usize,
    #[weight(shape = [input[-1], units], init = "glorot_unifrom")]
    w: Weight,
}

impl Call for CustomDense {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w)
    }
}

fn main() {}
