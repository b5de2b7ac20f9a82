//! `Flatten` and `Reshape`: change the per-sample shape, keeping the batch axis.

use crate::layer::Call;
use crate::{Layer, Tensor};

/// Flattens each sample to one axis: `(batch, d1, d2, …)` → `(batch, d1·d2·…)`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut f = Flatten::new();
/// assert_eq!(f.build([28, 28])?, vec![784]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug, Default)]
pub struct Flatten {}

impl Call for Flatten {
    fn call(&self, x: &Tensor) -> Tensor {
        let batch = x.shape().first().copied().unwrap_or(1);
        let rest: usize = x.shape().iter().skip(1).product();
        x.reshape(&[batch, rest])
    }
}

/// Reshapes each sample to `target_shape` (the batch axis is kept); one entry may be `-1`,
/// inferred from the element count, as in Keras.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut r = Reshape::new(vec![-1, 4]);
/// assert_eq!(r.build([2, 6])?, vec![3, 4]);
/// let mut bad = Reshape::new(vec![5]);
/// let err = bad.build([2, 6]).unwrap_err();
/// assert!(err.to_string().contains("12 values per sample"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// # Panics
///
/// When called on samples whose element count the target shape cannot hold; building
/// the model reports this as an error naming the layer first.
#[derive(Layer, Debug)]
pub struct Reshape {
    /// The per-sample target shape; at most one `-1`.
    pub target_shape: Vec<isize>,
}

impl Reshape {
    /// The per-sample shape for samples of `count` elements, or why there is none.
    fn resolve(&self, count: usize) -> Result<Vec<usize>, String> {
        let unknown = self.target_shape.iter().filter(|&&d| d == -1).count();
        if unknown > 1 || self.target_shape.iter().any(|&d| d < -1) {
            return Err(format!(
                "target shape {:?} may hold at most one -1 and no other negative size",
                self.target_shape
            ));
        }
        let known: usize = self
            .target_shape
            .iter()
            .filter(|&&d| d >= 0)
            .map(|&d| d as usize)
            .product();
        let fill = if unknown == 1 && known > 0 && count.is_multiple_of(known) {
            count / known
        } else {
            0
        };
        let shape: Vec<usize> = self
            .target_shape
            .iter()
            .map(|&d| if d == -1 { fill } else { d as usize })
            .collect();
        if shape.iter().product::<usize>() != count || (unknown == 1 && known == 0) {
            return Err(format!(
                "target shape {:?} cannot hold the input's {count} values per sample",
                self.target_shape
            ));
        }
        Ok(shape)
    }
}

impl Call for Reshape {
    fn call(&self, x: &Tensor) -> Tensor {
        let batch = x.shape().first().copied().unwrap_or(1);
        let count: usize = x.shape().iter().skip(1).product();
        let target = self
            .resolve(count)
            .unwrap_or_else(|e| panic!("`reshape`: {e}"));
        let mut shape = vec![batch];
        shape.extend(target);
        x.reshape(&shape)
    }
}
