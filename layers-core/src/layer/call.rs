//! The forward pass a layer's author writes: [`Call`] for most layers, [`CallWithContext`]
//! for layers that behave differently in training (dropout, batch normalization) or draw
//! random numbers.
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

use rand::rngs::StdRng;

use super::context;
use crate::Tensor;

/// The forward pass of a layer: what Keras's `call` does, and all a `#[derive(Layer)]`
/// author writes.
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
    note = "write `impl Call for {Self} {{ fn call(&self, x: &Tensor) -> Tensor {{ … }} }}`, or implement `CallWithContext` if the layer needs the training flag or randomness"
)]
pub trait Call {
    /// Computes the layer's output for a batch `x` of shape `(batch, …)`.
    fn call(&self, x: &Tensor) -> Tensor;
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
}

// Without this, a layer with neither impl gets an error about `CallWithContext` that lists
// every type implementing it, instead of the message on `Call`.
#[diagnostic::do_not_recommend]
impl<T: CallWithContext> Call for T {
    fn call(&self, x: &Tensor) -> Tensor {
        self.call_with(x, &Context::current())
    }
}

/// What a layer may ask about the call it is in.
///
/// # Examples
///
/// ```
/// use layers_core::layer::Context;
/// assert!(!Context::current().training());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Context {
    training: bool,
}

impl Context {
    /// The context of the current call (inference when none is set).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// use layers_core::layer::context::with_context;
    /// assert!(with_context(true, 0, || Context::current().training()));
    /// ```
    pub fn current() -> Context {
        Context {
            training: context::is_training(),
        }
    }

    /// Whether the layer runs in training mode (inside `fit`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// assert!(!Context::current().training());
    /// ```
    pub fn training(&self) -> bool {
        self.training
    }

    /// Runs `f` with the call's random stream (seeded by `fit` or `build`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::layer::Context;
    /// use rand::RngExt;
    /// let u: f32 = Context::current().with_rng(|rng| rng.random());
    /// assert!((0.0..1.0).contains(&u));
    /// ```
    pub fn with_rng<R>(&self, f: impl FnOnce(&mut StdRng) -> R) -> R {
        context::with_rng(f)
    }
}
