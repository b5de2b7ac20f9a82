//! `TimeDistributed`: Keras's wrapper that applies one layer to every time step.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut td = TimeDistributed::new(Dense::new(4));
//! assert_eq!(td.build([10, 8])?, vec![10, 4]); // (batch, 10, 8) → (batch, 10, 4)
//! assert_eq!(td.count_params()?, 8 * 4 + 4); // one Dense, shared by the steps
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::cell::RefCell;

use crate::Layer;
use crate::error::{Error, Result};
use crate::layer::context::{BatchSamples, with_batch_samples};
use crate::layer::{LayerExt, TryCall, catch_forward_masked, undoing_builds};
use crate::tensor::Tensor;

thread_local! {
    /// The mask of the `TimeDistributed` call running on this thread, handed from `masked`
    /// to `try_call` through the derived `forward`; taken before the inner layer runs, so
    /// a `TimeDistributed` inside sees none.
    static CALL_MASK: RefCell<Option<Tensor>> = const { RefCell::new(None) };
}

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
/// A mask `(batch, steps, …)` coming in (from `Masking`, `Embedding`'s `mask_zero`, or
/// [`forward_masked`](Layer::forward_masked)) is handled as Keras 3 handles it: the inner
/// layer gets each step's part of it (`mask[:, t]`, folded as the input is) when it takes a
/// mask ([`Layer::takes_mask`]: a recurrent layer, `Softmax`, a `Sequential`, a layer of
/// your own with `#[layer(masking = …)]`), and runs without it when it does not
/// (`Flatten`, `Conv2D`, `Embedding` without `mask_zero`: Keras passes it only to a `call`
/// with a `mask` argument); the mask the inner layer gives back is not used, and the
/// mask passed on is the one that came in (Keras's `compute_mask`), so the layers after
/// it and the loss still see which steps are padding.
///
/// # Errors
///
/// When called (or built) on an input of fewer than 3 axes, or when the inner layer fails
/// (its error is kept) or changes the number of samples; a mask whose first two axes are
/// not the input's `(batch, steps)`; each names this layer.
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
/// // With a mask: the per-step masks reach an inner layer that takes one (here an LSTM
/// // over each step's 2 words), and the mask comes out as it went in.
/// let td = TimeDistributed::new(Lstm::new(2));
/// let mask = Tensor::from_vec(vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0], &[1, 3, 2]);
/// let (y, out) = td.forward_masked(&Tensor::ones(&[1, 3, 2, 4]), Some(&mask))?;
/// assert_eq!(y.shape(), &[1, 3, 2]);
/// assert_eq!(y.to_vec()[4..], [0.0, 0.0]); // a step masked whole: the zero state
/// assert_eq!(out.unwrap().to_vec(), mask.to_vec());
///
/// let err = TimeDistributed::new(Dense::new(2)).build([8]).unwrap_err();
/// assert!(err.to_string().contains("expects input of shape [B, T, ..]"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer)]
#[layer(masking = Self::masked)]
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
        let mask = match CALL_MASK.with(|m| m.borrow_mut().take()) {
            Some(mask) => Some(fold_mask(&mask, shape)?),
            None => None,
        };
        // An error of the inner layer about its row `r` is about sample `r / steps`.
        let y = with_batch_samples(BatchSamples::Folded(steps), || match &mask {
            None => self.layer.try_apply(&folded),
            Some(mask) => self.inner_masked(&folded, mask),
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

impl<L: Layer> TimeDistributed<L> {
    /// The `#[layer(masking = …)]` of the layer: the forward pass with the mask handed to
    /// the inner layer, the mask passed on unchanged.
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        /// Clears the handed-over mask however `forward` ends (an unwinding panic too), so
        /// that no later call on this thread sees it.
        struct Clear;
        impl Drop for Clear {
            fn drop(&mut self) {
                CALL_MASK.with(|m| m.borrow_mut().take());
            }
        }
        CALL_MASK.with(|m| *m.borrow_mut() = Some(mask.clone()));
        let _clear = Clear;
        let y = self.forward(x)?;
        Ok((y, Some(mask.clone())))
    }

    /// The inner layer on the folded steps with their folded mask, as Keras's
    /// `layer.call(x[:, t], mask=mask[:, t])`; without it when the inner layer does not
    /// take a mask ([`Layer::takes_mask`]), as Keras passes none to a `call` without a
    /// `mask` argument.
    fn inner_masked(&self, folded: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let inner = self.layer.as_dyn();
        if !inner.takes_mask() {
            return self.layer.try_apply(folded);
        }
        undoing_builds(inner, || catch_forward_masked(inner, folded, Some(mask)))
            .map(|(y, _)| y)
            .map_err(|e| e.in_layer(inner.display_name(), inner.type_name()))
    }
}

/// `mask` `(batch, steps, …)` folded as the input `(batch, steps, …)` is, to
/// `(batch · steps, …)`; Keras's check that its first two axes are the input's.
fn fold_mask(mask: &Tensor, input: &[usize]) -> Result<Tensor> {
    let m = mask.shape();
    if m.len() < 2 || m[..2] != input[..2] {
        return Err(Error::mismatch(
            "TimeDistributed",
            format!(
                "a mask whose first two axes are the input's (batch, steps) = ({}, {}), \
                 at least 2 axes",
                input[0], input[1]
            ),
            m,
        ));
    }
    let mut folded = vec![m[0] * m[1]];
    folded.extend_from_slice(&m[2..]);
    mask.detach().try_reshape(&folded)
}
