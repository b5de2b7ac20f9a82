//! `Softmax` and `LogSoftmax` layers over one axis.

use crate::layer::Call;
use crate::{Layer, Tensor};

/// Softmax over `axis` (the last by default), computed stably.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let p = Softmax::new().apply(&Tensor::zeros(&[1, 4]));
/// assert_eq!(p.to_vec(), vec![0.25; 4]);
/// ```
#[derive(Layer, Debug)]
#[layer(input = [..], output = [..])]
pub struct Softmax {
    /// The axis normalised over; negative counts from the end.
    #[config(default = -1)]
    pub axis: isize,
}

impl Call for Softmax {
    fn call(&self, x: &Tensor) -> Tensor {
        x.softmax(self.axis)
    }
}

/// Log-softmax over `axis` (the last by default), computed stably.
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

impl Call for LogSoftmax {
    fn call(&self, x: &Tensor) -> Tensor {
        x.log_softmax(self.axis)
    }
}
