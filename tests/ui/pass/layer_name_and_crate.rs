#![deny(warnings)]
use layers::prelude::*;

#[derive(Layer)]
#[layer(name = "Projection", crate = ::layers)]
struct Proj {
    units: usize,
    #[weight(shape = [input[-1], units])]
    w: Weight,
}

impl Call for Proj {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w)
    }
}

/// A doubled identity, registered under another name.
#[activation(name = "twice", crate = layers)]
fn double(x: f32) -> f32 {
    2.0 * x
}

pub fn main() {
    let proj = Proj::new(2);
    assert_eq!(proj.type_name(), "Projection");
    assert_eq!(proj.display_name(), "projection");
    assert_eq!(double(2.0), 4.0);
    assert_eq!(Activation::from_name("twice").unwrap().name(), "twice");
    assert!(Activation::from_name("double").is_err());
    assert_eq!(Double.type_name(), "Double");
}
