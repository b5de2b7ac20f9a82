//! `TimeDistributed`: Keras's wrapper that applies one layer to every time step.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut td = TimeDistributed::new(Dense::new(4));
//! assert_eq!(td.build([10, 8])?, vec![10, 4]); // (batch, 10, 8) → (batch, 10, 4)
//! assert_eq!(td.count_params()?, 8 * 4 + 4); // one Dense, shared by the steps
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::context::{BatchSamples, with_batch_samples};
use crate::layer::{LayerExt, TryCall};
use crate::tensor::Tensor;

/// Keras's `TimeDistributed(layer)`: applies `layer` to every step of a
/// `(batch, steps, …)` input with the same weights, `(batch, steps, …)` →
/// `(batch, steps, …out)`.
///
/// The steps are folded into the batch (`(batch·steps, …)`, a reshape, no copy), the inner
/// layer runs once on all of them, and its output is unfolded; the inner layer is built
/// for the per-step shape, and its weights nest under `layer` (`layer.kernel`).
///
/// The inner layer is any layer: `TimeDistributed<Dense>` when its type is known,
/// `TimeDistributed` (that is, `TimeDistributed<Box<dyn Layer>>`, the default) for any
/// layer. The default is what is registered for loading: a saved `TimeDistributed` of any
/// registered layer loads as a `TimeDistributed<Box<dyn Layer>>` holding that layer, with
/// the same predictions. Register another instance with
/// `register_layer!(TimeDistributed<…>)` only to load it as that type directly.
///
/// # Errors
///
/// When called (or built) on an input of fewer than 3 axes, or when the inner layer fails
/// (its error is kept) or changes the number of samples; each names this layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// // The same Dense on each of 3 steps.
/// let mut td = TimeDistributed::new(Dense::new(1).use_bias(false));
/// td.build([3, 2])?;
/// td.layer.kernel.set_value(Tensor::from_vec(vec![1.0, 10.0], &[2, 1]))?;
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 3, 2]);
/// assert_eq!(td.try_apply(&x)?.to_vec(), vec![21.0, 43.0, 65.0]);
/// assert_eq!(td.config(), serde_json::json!({}));
///
/// // Any layer, boxed: the registered form, as loading makes it.
/// let boxed: TimeDistributed = TimeDistributed::new(Box::new(Flatten::new()));
/// assert_eq!(boxed.try_apply(&Tensor::ones(&[2, 3, 4, 5]))?.shape(), &[2, 3, 20]);
///
/// let err = TimeDistributed::new(Dense::new(2)).build([8]).unwrap_err();
/// assert!(err.to_string().contains("expects input of shape [B, T, ..]"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer)]
pub struct TimeDistributed<L: Layer = Box<dyn Layer>> {
    /// The layer applied to every step.
    #[layer]
    pub layer: L,
}

impl<L: Layer> TryCall for TimeDistributed<L> {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let shape = x.shape();
        if shape.len() < 3 {
            return Err(Error::InputSignature {
                layer: "TimeDistributed".into(),
                signature: "[B, T, ..]".into(),
                found: shape.into(),
            });
        }
        let (batch, steps) = (shape[0], shape[1]);
        let mut folded = vec![batch * steps];
        folded.extend_from_slice(&shape[2..]);
        let folded = x.try_reshape(&folded)?;
        // An error of the inner layer about its row `r` is about sample `r / steps`.
        let y = with_batch_samples(BatchSamples::Folded(steps), || {
            self.layer.try_apply(&folded)
        })?;
        if y.shape().first() != Some(&(batch * steps)) {
            return Err(Error::ShapeMismatch {
                op: "TimeDistributed",
                expected: format!(
                    "the inner layer to keep the {} samples (batch · steps) it received",
                    batch * steps
                ),
                found: y.shape().into(),
            });
        }
        let mut unfolded = vec![batch, steps];
        unfolded.extend_from_slice(&y.shape()[1..]);
        y.try_reshape(&unfolded)
    }
}
