//! `Softmax` and `LogSoftmax` layers over one axis.

use crate::error::{Error, Result};
use crate::layer::{LayerExt, TryCall};
use crate::{Layer, Tensor};

/// Keras's `_large_negative_number` for float32: what a masked logit becomes.
const MASKED_LOGIT: f32 = -1e9;

/// Softmax over `axis` (the last by default), computed stably.
///
/// With a mask (Keras's `Softmax()(x, mask=m)`, [`Softmax::call_masked`], or the mask of a
/// [`Sequential`](crate::Sequential) reaching it), the masked logits become -1e9 (Keras's
/// number for float32) before the softmax, and the masked outputs 0 after it (so an axis
/// masked whole gives zeros, not a uniform distribution); the mask is passed on unchanged.
/// As in Keras, the mask broadcasts against the input from the last axis: each of its axes
/// is 1 or the input's, and it has no more axes than the input. A `(batch, time)` mask
/// from `Embedding`'s `mask_zero` therefore fits a `(batch, time)` input (scores over the
/// steps), not a `(batch, time, features)` one, which Keras refuses too.
///
/// # Errors
///
/// An `axis` out of range for the input is an error naming the layer (and no line of the
/// library's own code as the call site). A mask that does not broadcast to the input, or
/// holds a NaN, is an error naming the layer, the mask's shape and the input's.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let p = Softmax::new().apply(&Tensor::zeros(&[1, 4]));
/// assert_eq!(p.to_vec(), vec![0.25; 4]);
/// let err = Softmax::new().axis(5).try_apply(&Tensor::zeros(&[1, 4])).unwrap_err();
/// assert!(err.to_string().contains("axis 5 is out of range"), "{err}");
/// assert!(!err.to_string().contains("softmax.rs"), "{err}");
/// ```
#[derive(Layer, Debug)]
#[layer(input = [..], output = [..], masking = Self::masked)]
pub struct Softmax {
    /// The axis normalised over; negative counts from the end.
    #[config(default = -1)]
    pub axis: isize,
}

impl TryCall for Softmax {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        x.try_softmax(self.axis)
    }
}

impl Softmax {
    /// Keras's `Softmax(axis)(x, mask=mask)`: the softmax of `x` with the positions where
    /// `mask` is 0 (at most 0.5, as Keras reads a float mask) left out, their outputs 0.
    /// `mask` broadcasts against `x` from the last axis, as in Keras: `(batch, 1, keys)`
    /// for attention scores `(batch, queries, keys)`.
    ///
    /// # Errors
    ///
    /// A mask with more axes than `x`, an axis neither 1 nor `x`'s, or a NaN in it: an
    /// error naming `Softmax`, the mask's shape and the input's; the errors of the call.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let scores = Tensor::from_vec(vec![1.0, 2.0, 3.0, 0.0, 0.0, 0.0], &[2, 3]);
    /// let keep = Tensor::from_vec(vec![1.0, 1.0, 0.0, 0.0, 0.0, 0.0], &[2, 3]);
    /// let p = Softmax::new().call_masked(&scores, &keep)?.to_vec();
    /// let e = 1f32.exp();
    /// assert!((p[0] - 1.0 / (1.0 + e)).abs() < 1e-6 && p[2] == 0.0);
    /// assert_eq!(p[3..], [0.0; 3]); // a row masked whole gives zeros
    ///
    /// let err = Softmax::new()
    ///     .call_masked(&Tensor::zeros(&[2, 3, 4]), &Tensor::ones(&[2, 3]))
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("(2, 3) does not broadcast"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn call_masked(&self, x: &Tensor, mask: &Tensor) -> Result<Tensor> {
        match self.masked(x, Some(mask)) {
            Ok((y, _)) => Ok(y),
            Err(e @ Error::Layer { .. }) => Err(e),
            Err(e) => Err(e.in_layer(self.display_name(), self.type_name())),
        }
    }

    /// The `#[layer(masking = …)]` of the layer: Keras's masked softmax, the mask passed on.
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        check_mask(x.shape(), mask)?;
        let keep = mask.detach().try_greater(0.5)?;
        // The derived `forward` checks the axis and builds; it sees the masked logits.
        let p = self.forward(&keep.try_select(x, MASKED_LOGIT)?)?;
        Ok((keep.try_select(&p, 0.0)?, Some(mask.clone())))
    }
}

/// Keras's checks of a `Softmax` mask: it broadcasts to the input from the last axis (no
/// more axes, each 1 or the input's); a NaN in it (which Keras would read as masked) is
/// refused.
fn check_mask(input: &[usize], mask: &Tensor) -> Result<()> {
    let fits = mask.rank() <= input.len()
        && mask
            .shape()
            .iter()
            .rev()
            .zip(input.iter().rev())
            .all(|(&m, &i)| m == 1 || m == i);
    // As Python writes the shapes: `(6,)`, `(2, 3)`.
    let shape = |s: &[usize]| match s {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = s.iter().map(ToString::to_string).collect();
            format!("({})", parts.join(", "))
        }
    };
    if !fits {
        return Err(Error::invalid(
            "mask",
            format!(
                "the mask {} does not broadcast to the input {}: from the last axis, each \
                 of its axes must be 1 or the input's, and it may not have more axes (Keras \
                 refuses it too)",
                shape(mask.shape()),
                shape(input)
            ),
        ));
    }
    if let Some(i) = mask.to_vec().iter().position(|v| v.is_nan()) {
        return Err(Error::invalid(
            "mask",
            format!(
                "the mask {} holds NaN at flat position {i}; a mask holds 1 (keep) and 0 \
                 (leave out)",
                shape(mask.shape())
            ),
        ));
    }
    Ok(())
}

/// Log-softmax over `axis` (the last by default), computed stably.
///
/// # Errors
///
/// As [`Softmax`]'s.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let y = LogSoftmax::new().apply(&Tensor::zeros(&[1, 2]));
/// assert_eq!(y.to_vec(), vec![-(2f32.ln()); 2]);
/// ```
#[derive(Layer, Debug)]
#[layer(input = [..], output = [..])]
pub struct LogSoftmax {
    /// The axis normalised over; negative counts from the end.
    #[config(default = -1)]
    pub axis: isize,
}

impl TryCall for LogSoftmax {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        x.try_log_softmax(self.axis)
    }
}
