//! The forward pass a layer's author writes: [`Call`] for most layers, [`CallWithContext`]
//! for layers that behave differently in training (dropout, batch normalization) or draw
//! random numbers, [`TryCall`] for a call that can fail with an error (`?` inside).
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::layer::{Call, CallWithContext, Context};
//!
//! struct Noise;
//! impl CallWithContext for Noise {
//!     fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
//!         if ctx.training() { x + 1.0 } else { x.clone() }
//!     }
//! }
//! // Every `CallWithContext` is also a `Call`, reading the current context.
//! assert_eq!(Noise.call(&Tensor::zeros(&[1])).to_vec(), vec![0.0]);
//! ```

use super::context::Context;
use crate::error::Result;
use crate::tensor::Tensor;

/// The forward pass of a layer: what Keras's `call` does, and all a `#[derive(Layer)]`
/// author writes.
///
/// An op that cannot work on its operands (a shape mismatch in `matmul` or `+`) panics
/// with the op and both shapes; the layer's `forward` turns that into an [`Error::Call`]
/// naming the line of the op in this `call`, so `fit`, `predict` and the others return it
/// and leave the model as it was. Implement [`TryCall`] instead to return errors with `?`.
///
/// [`Error::Call`]: crate::Error::Call
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::Call;
///
/// struct Square;
/// impl Call for Square {
///     fn call(&self, x: &Tensor) -> Tensor { x.square() }
/// }
/// assert_eq!(Square.call(&Tensor::full(&[1], 3.0)).to_vec(), vec![9.0]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no forward pass",
    label = "this layer needs a `call`",
    note = "write `impl Call for {Self} {{ fn call(&self, x: &Tensor) -> Tensor {{ … }} }}`, implement `TryCall` (`fn try_call(&self, x: &Tensor) -> Result<Tensor>`) if the call can fail, or `CallWithContext` if it needs the training flag or randomness"
)]
pub trait Call {
    /// Computes the layer's output for a batch `x` of shape `(batch, …)`.
    fn call(&self, x: &Tensor) -> Tensor;

    /// The output for `rows` samples of contiguous values `x` (each sample a vector),
    /// straight on slices, in inference mode: what the derived
    /// [`Layer::forward_rows`](crate::Layer::forward_rows) runs, the fast path of a
    /// few-sample `predict`. `None` (the default) when the layer has no such path or cannot
    /// take this input; where it gives `Some`, the values must be bit for bit those of
    /// [`call`](Call::call).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::Call;
    ///
    /// struct Double;
    /// impl Call for Double {
    ///     fn call(&self, x: &Tensor) -> Tensor { x * 2.0 }
    ///     fn call_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
    ///         Some(x.iter().map(|v| v * 2.0).collect())
    ///     }
    /// }
    /// assert_eq!(Double.call_rows(&[1.0, 2.0], 1), Some(vec![2.0, 4.0]));
    /// ```
    fn call_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let _ = (x, rows);
        None
    }
}

/// The forward pass of a layer that can fail with an error: `?` works inside it. What the
/// generated `forward` of a `#[derive(Layer)]` layer calls; every [`Call`] (and so every
/// [`CallWithContext`]) is a `TryCall` that never fails.
///
/// An error returned here reaches `fit`, `predict` or [`LayerExt::try_apply`] as an
/// [`Error::Call`] naming the layer and its input shape. Read the training flag or draw
/// random numbers with [`Context::current`].
///
/// [`LayerExt::try_apply`]: crate::LayerExt::try_apply
/// [`Error::Call`]: crate::Error::Call
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// #[derive(Layer)]
/// struct Project {
///     units: usize,
///     #[weight(shape = [4, units], init = "ones")]
///     w: Weight,
/// }
///
/// impl TryCall for Project {
///     fn try_call(&self, x: &Tensor) -> Result<Tensor> {
///         x.try_matmul(&self.w) // `(batch, 4)` only: another width is an error, not a panic
///     }
/// }
///
/// let p = Project::new(2);
/// assert_eq!(p.try_apply(&Tensor::ones(&[1, 4]))?.to_vec(), vec![4.0, 4.0]);
/// let err = p.try_apply(&Tensor::ones(&[1, 3])).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `project` (Project): its call failed for input shape (None, 3): \
///      `matmul` cannot combine shapes [1, 3] and [4, 2]: inner dimensions 3 and 4 differ"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no forward pass",
    label = "this layer needs a `call`",
    note = "write `impl Call for {Self} {{ fn call(&self, x: &Tensor) -> Tensor {{ … }} }}`, implement `TryCall` (`fn try_call(&self, x: &Tensor) -> Result<Tensor>`) if the call can fail, or `CallWithContext` if it needs the training flag or randomness"
)]
pub trait TryCall {
    /// Computes the layer's output for a batch `x` of shape `(batch, …)`, or the error that
    /// prevents it.
    ///
    /// # Errors
    ///
    /// Whatever the layer finds wrong with `x` (a width it cannot take, ids out of range).
    fn try_call(&self, x: &Tensor) -> Result<Tensor>;

    /// As [`Call::call_rows`]: the output for `rows` samples of contiguous values `x`, or
    /// `None` (the default) where the layer has no such path.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::TryCall;
    /// let mut dense = Dense::new(2);
    /// dense.build([3])?;
    /// assert_eq!(dense.try_call_rows(&[0.0; 3], 1), Some(vec![0.0, 0.0])); // zero bias
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn try_call_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let _ = (x, rows);
        None
    }
}

// As for `Call`: a layer with no forward pass gets the message on `TryCall`, not a list of
// `Call` implementors.
#[diagnostic::do_not_recommend]
impl<T: Call> TryCall for T {
    #[inline]
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.call(x))
    }
    #[inline]
    fn try_call_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        self.call_rows(x, rows)
    }
}

/// The forward pass of a layer that needs the [`Context`]: whether it runs in training and
/// a random stream. Implementing it implements [`Call`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::{CallWithContext, Context};
/// use layers_core::layer::context::with_context;
/// use layers_core::layer::Call;
///
/// struct TrainOnly;
/// impl CallWithContext for TrainOnly {
///     fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
///         if ctx.training() { x * 0.0 } else { x.clone() }
///     }
/// }
/// let x = Tensor::ones(&[2]);
/// assert_eq!(with_context(true, 0, || TrainOnly.call(&x)).to_vec(), vec![0.0, 0.0]);
/// assert_eq!(TrainOnly.call(&x).to_vec(), vec![1.0, 1.0]);
/// ```
pub trait CallWithContext {
    /// Computes the layer's output for a batch `x`, given the call context.
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor;

    /// The output in inference mode (the training flag off) for `rows` samples of
    /// contiguous values `x`, straight on slices: the [`Call::call_rows`] of this layer.
    /// `None` (the default) when the layer has no such path; where it gives `Some`, the
    /// values must be bit for bit those of `call_with` outside training.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::Call;
    /// // Dropout passes its input through at inference.
    /// assert_eq!(Dropout::new(0.5).call_rows(&[1.0, 2.0], 1), Some(vec![1.0, 2.0]));
    /// ```
    fn inference_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let _ = (x, rows);
        None
    }
}

// Without this, a layer with neither impl gets an error about `CallWithContext` that lists
// every type implementing it, instead of the message on `Call`.
#[diagnostic::do_not_recommend]
impl<T: CallWithContext> Call for T {
    fn call(&self, x: &Tensor) -> Tensor {
        self.call_with(x, &Context::current())
    }
    fn call_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        self.inference_rows(x, rows)
    }
}
