//! An activation as a scalar function: [`ActivationFn`], which `#[activation]` implements,
//! and the fused pass that applies one to every element of a tensor.

use crate::tensor::Tensor;

/// A scalar activation function with its derivative; what `#[activation]` implements.
///
/// # Examples
///
/// ```
/// use layers_core::activation::ActivationFn;
///
/// struct Cube;
/// impl ActivationFn for Cube {
///     const NAME: &'static str = "cube";
///     fn value(&self, x: f32) -> f32 { x * x * x }
///     fn value_and_derivative(&self, x: f32) -> (f32, f32) { (x * x * x, 3.0 * x * x) }
/// }
/// assert_eq!(Cube.value_and_derivative(2.0), (8.0, 12.0));
/// ```
pub trait ActivationFn: Send + Sync + 'static {
    /// The registered name (`"leaky"`), used in configs and by
    /// [`Activation::from_name`](super::Activation::from_name).
    const NAME: &'static str;

    /// The function's value at `x`.
    fn value(&self, x: f32) -> f32;

    /// The value and the derivative at `x`, computed together.
    fn value_and_derivative(&self, x: f32) -> (f32, f32);

    /// The hyperparameters and their values (`alpha` of `elu`), in declaration order.
    fn params(&self) -> Vec<(&'static str, f32)> {
        Vec::new()
    }
}

/// Applies an activation to every element in one fused pass: the value only in inference,
/// value and derivative together when a gradient is wanted. What the `forward` of every
/// `#[activation]` type runs; not a public API (reached through `__private`).
#[inline]
pub fn apply_activation<A: ActivationFn>(activation: &A, x: &Tensor) -> Tensor {
    x.map_fused(
        |v| activation.value(v),
        |v| activation.value_and_derivative(v),
    )
}

/// The activation's value of every element of `x`, into a new vector: the same bits as
/// [`apply_activation`] in inference. What the `forward_rows` of every `#[activation]` type
/// runs; not a public API (reached through `__private`).
#[inline]
pub fn activation_rows<A: ActivationFn>(activation: &A, x: &[f32]) -> Vec<f32> {
    crate::tensor::gemm::vectorized(
        #[inline(always)]
        || x.iter().map(|&v| activation.value(v)).collect(),
    )
}
