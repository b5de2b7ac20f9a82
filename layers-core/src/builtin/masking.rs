//! `Masking`: Keras's layer that marks the time steps equal to a value as padding.

use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::{Layer, Tensor};

/// Keras's `Masking(mask_value)`: a time step of `(batch, time, features)` whose features
/// all equal `mask_value` is padding. The output is the input with those steps set to 0,
/// and in a [`Sequential`](crate::Sequential) the layers after it get Keras's mask
/// `(batch, time)`, 0 at those steps: the recurrent layers keep their state there and
/// repeat the previous output (`Bidirectional` with `return_sequences` outputs zeros), as
/// Keras 3 does. `Dense`, `Dropout`, `LayerNormalization`, `Normalization`, `Rescaling`
/// and the activation layers pass the mask on; a recurrent
/// layer passes it on with `return_sequences`; any other layer refuses it (see
/// [`Layer::forward_masked`]).
///
/// # Errors
///
/// A NaN `mask_value` (NaN equals nothing, so nothing would be masked) is refused when
/// the layer is built, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Masking;
/// use layers_core::prelude::*;
/// let mut model = Sequential::new()
///     .add(Masking::new(0.0))
///     .add(Lstm::new(4))
///     .add(Dense::new(1));
/// model.build([3, 2])?;
/// // The same two steps, padded after and before: the masked steps change nothing.
/// let x = Tensor::from_vec(
///     vec![1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0],
///     &[2, 3, 2],
/// );
/// let y = model.predict(&x)?.to_vec();
/// assert!((y[0] - y[1]).abs() < 1e-6);
///
/// assert!(Masking::new(f32::NAN).build([3, 2]).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = Self::masked
)]
pub struct Masking {
    /// The value that marks a padding step (all of its features equal to it).
    pub mask_value: f32,
}

impl Masking {
    fn validate_config(&self) -> Result<()> {
        if self.mask_value.is_nan() {
            return Err(Error::InvalidConfig {
                field: "mask_value".into(),
                message: "must not be NaN (NaN equals nothing, so no step would be masked)".into(),
            });
        }
        Ok(())
    }

    /// `(keep, output)`: 1 where a step has a feature other than `mask_value`, `(batch,
    /// time, 1)`, and the input with the other steps set to 0.
    fn keep(&self, x: &Tensor) -> Result<(Tensor, Tensor)> {
        if x.rank() < 2 {
            return Err(Error::mismatch(
                "Masking",
                "an input with a time axis, (batch, time, features)",
                x.shape(),
            ));
        }
        let keep = x.try_not_equal(self.mask_value)?.max(&[-1], true);
        let y = keep.try_select(x, 0.0)?;
        Ok((keep, y))
    }

    /// The `#[layer(masking = …)]` of the layer: its output and its mask `(batch, time)`
    /// (a mask coming in is replaced, as in Keras).
    fn masked(&self, x: &Tensor, _mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let y = self.forward(x)?;
        let (keep, _) = self.keep(x)?;
        Ok((y, Some(keep.try_squeeze(-1)?)))
    }
}

impl TryCall for Masking {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.keep(x)?.1)
    }
}
