//! Layers that rearrange a sample's axes without weights, as Keras's: [`RepeatVector`]
//! repeats a vector along a new time axis, [`Permute`] reorders the axes after the batch.
//!
//! ```
//! use layers_core::prelude::*;
//! assert_eq!(RepeatVector::new(3).build([32])?, vec![3, 32]);
//! assert_eq!(Permute::new(vec![2, 1]).build([10, 64])?, vec![64, 10]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::check_size;
use crate::tensor::Tensor;

/// Keras's `RepeatVector(n)`: repeats each sample `n` times along a new time axis,
/// `(batch, features)` → `(batch, n, features)`. The gradient of each input value is the
/// sum over its `n` copies. Like Keras's, it takes no mask.
///
/// # Errors
///
/// When built with `n = 0`, or called (or built) on an input that is not
/// `(batch, features)`; each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let repeat = RepeatVector::new(2);
/// let y = repeat.try_apply(&Tensor::from_vec(vec![1.0, 2.0], &[1, 2]))?;
/// assert_eq!(y.shape(), &[1, 2, 2]);
/// assert_eq!(y.to_vec(), vec![1.0, 2.0, 1.0, 2.0]);
/// assert_eq!(repeat.config(), serde_json::json!({"n": 2}));
///
/// let err = RepeatVector::new(0).build([3]).unwrap_err();
/// assert_eq!(err.to_string(), "layer `repeat_vector` (RepeatVector): `n` must be a positive integer, got 0");
/// assert!(RepeatVector::new(2).build([3, 4]).is_err()); // not (batch, features)
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, F], output = [B, n, F], validate = Self::validate_config)]
pub struct RepeatVector {
    /// How many times each sample is repeated.
    pub n: usize,
}

impl RepeatVector {
    fn validate_config(&self) -> Result<()> {
        check_size("n", self.n)
    }
}

impl TryCall for RepeatVector {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let (batch, features) = (x.shape()[0], x.shape()[1]);
        x.try_unsqueeze(1)?
            .try_broadcast_to(&[batch, self.n, features])
    }
}

/// Keras's `Permute(dims)`: reorders the axes after the batch axis, `dims` numbering them
/// from 1 as Keras does: `Permute::new(vec![2, 1])` swaps the two axes of
/// `(batch, time, features)`, giving `(batch, features, time)`. Like Keras's, it takes no
/// mask.
///
/// # Errors
///
/// When built with `dims` that are not a permutation of `1..=dims.len()`, or called on an
/// input whose rank is not `dims.len() + 1`; each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let permute = Permute::new(vec![2, 1]);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 2, 3]);
/// let y = permute.try_apply(&x)?;
/// assert_eq!(y.shape(), &[1, 3, 2]);
/// assert_eq!(y.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
/// assert_eq!(permute.config(), serde_json::json!({"dims": [2, 1]}));
///
/// let err = Permute::new(vec![0, 1]).build([2, 3]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `permute` (Permute): `dims` must hold each of 1..=2 once (axes are numbered \
///      from 1, after the batch axis), got [0, 1]"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(validate = Self::validate_config)]
pub struct Permute {
    /// The new order of the axes after the batch axis, numbered from 1.
    pub dims: Vec<usize>,
}

impl Permute {
    fn validate_config(&self) -> Result<()> {
        let mut sorted = self.dims.clone();
        sorted.sort_unstable();
        if !sorted.iter().copied().eq(1..=self.dims.len()) {
            return Err(Error::InvalidConfig {
                field: "dims".into(),
                message: format!(
                    "must hold each of 1..={} once (axes are numbered from 1, after the batch \
                     axis), got {:?}",
                    self.dims.len(),
                    self.dims
                ),
            });
        }
        Ok(())
    }
}

impl TryCall for Permute {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        if x.rank() != self.dims.len() + 1 {
            return Err(Error::InputSignature {
                layer: "Permute".into(),
                signature: std::iter::once("[B".to_string())
                    .chain((1..=self.dims.len()).map(|d| format!(", D{d}")))
                    .chain(std::iter::once("]".to_string()))
                    .collect(),
                found: x.shape().into(),
            });
        }
        let axes: Vec<usize> = std::iter::once(0)
            .chain(self.dims.iter().copied())
            .collect();
        x.try_permute(&axes)
    }
}
