#![deny(warnings)]
use layers::prelude::*;

/// A layer generic over its inner layer.
#[derive(Layer)]
struct Residual<L: Layer> {
    #[layer]
    inner: L,
}

impl<L: Layer> Call for Residual<L> {
    fn call(&self, x: &Tensor) -> Tensor {
        x + &self.inner.apply(x)
    }
}

#[derive(Layer)]
struct Zero {}

impl Call for Zero {
    fn call(&self, x: &Tensor) -> Tensor {
        x * 0.0
    }
}

pub fn main() {
    let r = Residual::new(Zero::new());
    let y = r.apply(&Tensor::ones(&[1, 2]));
    assert_eq!(y.to_vec(), vec![1.0, 1.0]);
    assert_eq!(r.sublayers()[0].0, "inner");
}
