//! `Softmax` and `LogSoftmax` layers over one axis.

use crate::error::Result;
use crate::layer::TryCall;
use crate::{Layer, Tensor};

/// Softmax over `axis` (the last by default), computed stably.
///
/// # Errors
///
/// An `axis` out of range for the input is an error naming the layer (and no line of the
/// library's own code as the call site).
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
#[layer(input = [..], output = [..])]
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
