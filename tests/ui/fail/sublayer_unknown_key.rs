use layers::prelude::*;

#[derive(Layer)]
struct Inner {}

impl Call for Inner {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

#[derive(Layer)]
struct Outer {
    #[layer(defualt)]
    inner: Inner,
}

impl Call for Outer {
    fn call(&self, x: &Tensor) -> Tensor {
        self.inner.apply(x)
    }
}

fn main() {}
