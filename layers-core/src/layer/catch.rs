//! Where a failure inside a layer's call becomes an error: [`catch_call`] around the call of
//! every `#[derive(Layer)]` layer, and the same catch around every forward pass a container
//! or a boundary (`build`, `fit`, `predict`, `try_apply`) runs, so a hand-written layer's
//! panic is caught too.
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::layer::catch_call;
//!
//! let x = Tensor::ones(&[2, 3]);
//! let err = catch_call(&x, || Ok(x.matmul(&Tensor::ones(&[4, 1])))).unwrap_err();
//! assert!(err.to_string().starts_with("its call failed for input shape (None, 3) at "));
//! ```

use super::{Layer, LayerExt};
use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::unwind::{self, Caught};
use crate::weight::journal::journal;

/// Runs a layer's call `f` on the batch `x`: an error it returns, an op's failure and any
/// other panic become [`Error::Call`] with `x`'s per-sample shape (and, for an op, the line
/// that called it). An error that already names a layer (from a sublayer's
/// [`try_apply`](super::LayerExt::try_apply) or [`apply`](super::LayerExt::apply)) is
/// passed on as it is, so that the path leads to the innermost failing layer. The caller
/// names the layer ([`Error::in_layer`]).
///
/// The generated `forward` of a `#[derive(Layer)]` layer runs its call through this; a
/// hand-written [`Layer::forward`] may too. Nothing is allocated unless the call fails.
///
/// # Errors
///
/// [`Error::Call`], or the sublayer's [`Error::Layer`], as above.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::catch_call;
///
/// let x = Tensor::zeros(&[1, 2]);
/// assert_eq!(catch_call(&x, || Ok(&x + 1.0))?.to_vec(), vec![1.0, 1.0]);
/// let err = catch_call(&x, || -> Result<Tensor> { panic!("no {}", "luck") }).unwrap_err();
/// assert_eq!(err.to_string(), "its call failed for input shape (None, 2): it panicked: no luck");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn catch_call(x: &Tensor, f: impl FnOnce() -> Result<Tensor>) -> Result<Tensor> {
    match unwind::catch(f) {
        Ok(Ok(y)) => Ok(y),
        Ok(Err(e)) => Err(in_call(x, None, e)),
        Err(caught) => Err(from_caught(x, caught)),
    }
}

/// [`catch_call`] for any result: `f`'s panic or error as [`Error::Call`] for input `x`.
pub(crate) fn catching<R>(x: &Tensor, f: impl FnOnce() -> Result<R>) -> Result<R> {
    match unwind::catch(f) {
        Ok(Ok(y)) => Ok(y),
        Ok(Err(e)) => Err(in_call(x, None, e)),
        Err(caught) => Err(from_caught(x, caught)),
    }
}

/// `layer.forward(x)` with a panic inside turned into [`Error::Call`]; an error `forward`
/// returns is passed on unchanged. An output that does not keep `x`'s batch axis (one
/// output sample per input sample) is refused as [`Error::Call`] too: every later step
/// (the loss, `predict`'s batches) pairs outputs with inputs by that axis.
pub(crate) fn forward(layer: &dyn Layer, x: &Tensor) -> Result<Tensor> {
    let y =
        unwind::catch(|| layer.forward(x)).unwrap_or_else(|caught| Err(from_caught(x, caught)))?;
    match (x.shape().first(), y.shape().first()) {
        (Some(&samples), found) if found != Some(&samples) => Err(in_call(
            x,
            None,
            Error::mismatch(
                "call",
                format!("an output of {samples} samples on axis 0, one per input sample"),
                y.shape(),
            ),
        )),
        _ => Ok(y),
    }
}

/// `layer.forward_masked(x, mask)` with a panic inside turned into [`Error::Call`], the
/// output's batch axis checked as [`forward`]'s.
pub(crate) fn forward_masked(
    layer: &dyn Layer,
    x: &Tensor,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Option<Tensor>)> {
    let (y, mask) = unwind::catch(|| layer.forward_masked(x, mask))
        .unwrap_or_else(|caught| Err(from_caught(x, caught)))?;
    match (x.shape().first(), y.shape().first()) {
        (Some(&samples), found) if found != Some(&samples) => Err(in_call(
            x,
            None,
            Error::mismatch(
                "call",
                format!("an output of {samples} samples on axis 0, one per input sample"),
                y.shape(),
            ),
        )),
        _ => Ok((y, mask)),
    }
}

/// Runs `f`, a call or a build of `layer`; when it fails, every weight of `layer` that it
/// built is unbuilt again, so that the layer is as it was (a later build or call with
/// another shape is not refused because of the failed one).
pub(crate) fn undoing_builds<R>(layer: &dyn Layer, f: impl FnOnce() -> Result<R>) -> Result<R> {
    journal(f, |built| {
        for (_, w) in layer.all_weights() {
            if built.contains(&w.id()) {
                w.unbuild();
            }
        }
    })
}

fn from_caught(x: &Tensor, caught: Caught) -> Error {
    match caught {
        Caught::Raised { error, location } => in_call(x, Some(location), error),
        Caught::Panic(message) => in_call(x, None, Error::Panic { message }),
    }
}

fn in_call(x: &Tensor, location: Option<String>, error: Error) -> Error {
    match error {
        e @ (Error::Layer { .. } | Error::Call { .. }) => e,
        e => Error::Call {
            input: x.shape().get(1..).unwrap_or(&[]).into(),
            location,
            cause: Box::new(e),
        },
    }
}
