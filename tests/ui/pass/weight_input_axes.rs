#![deny(warnings)]
use layers::prelude::*;

/// Weights shaped from the first and last input axes, and from config arithmetic.
#[derive(Layer)]
struct Mixer {
    filters: usize,
    #[weight(shape = [input[0], input[-1] * 2, filters + 1], init = "zeros")]
    first_last: Weight,
    #[weight(shape = [input[1], input[-2]], init = "ones")]
    middle: Weight,
    #[weight(shape = [filters.max(4)], init = "ones")]
    clamped: Weight,
}

impl Call for Mixer {
    fn call(&self, x: &Tensor) -> Tensor {
        x.clone()
    }
}

pub fn main() {
    let mut mixer = Mixer::new(3);
    mixer.build([5, 6, 7]).unwrap();
    assert_eq!(mixer.first_last.shape(), Some(vec![5, 14, 4]));
    assert_eq!(mixer.middle.shape(), Some(vec![6, 6]));
    assert_eq!(mixer.clamped.shape(), Some(vec![4]));
    let err = Mixer::new(3).build([5]).unwrap_err().to_string();
    assert!(err.contains("weight `middle` needs input axis 1"), "{err}");
}
