#![deny(warnings)]
use layers::prelude::*;

/// A weight of the input's rank: one value per input value, except along the axes to
/// share (size 1 there), as Keras's `PReLU`.
#[derive(Layer)]
struct Slopes {
    shared: Vec<usize>,
    #[weight(shape = Self::slope_shape, init = "ones")]
    slope: Weight,
}

impl Slopes {
    fn slope_shape(&self, input: &[usize]) -> layers::Result<Vec<usize>> {
        let mut shape = input.to_vec();
        for &axis in &self.shared {
            let Some(size) = shape.get_mut(axis) else {
                return Err(Error::InvalidConfig {
                    field: "shared".into(),
                    message: format!("axis {axis} is beyond the input's {} axes", input.len()),
                });
            };
            *size = 1;
        }
        Ok(shape)
    }
}

impl Call for Slopes {
    fn call(&self, x: &Tensor) -> Tensor {
        x * &self.slope
    }
}

pub fn main() {
    let mut slopes = Slopes::new(vec![0, 1]);
    slopes.build([4, 5, 3]).unwrap();
    assert_eq!(slopes.slope.shape(), Some(vec![1, 1, 3]));
    let mut flat = Slopes::new(vec![]);
    flat.build([6]).unwrap();
    assert_eq!(flat.slope.shape(), Some(vec![6]));
    let err = Slopes::new(vec![2]).build([4, 5]).unwrap_err().to_string();
    assert!(err.contains("`shared` axis 2 is beyond"), "{err}");
}
