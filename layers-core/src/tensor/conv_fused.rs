//! A full 2-D convolution with its bias add and a ReLU or linear activation done in the
//! output pass: what `Conv2D` computes as `activation(conv2d(x, kernel) + bias)`, as one
//! recorded op instead of three. The plain path allocates, writes and reads the output three
//! times forward (convolution, broadcast add, activation with its derivative) and twice more
//! backward; this one adds the bias and applies the activation in place in one pass after
//! the GEMM, and its backward multiplies the gradient by the derivative read back from the
//! saved output (ReLU's is `output > 0`; NaN at NaN, as the plain path's), sums it for the
//! bias and runs the convolution's two products on it. Results equal the plain path's up to
//! the order of the bias gradient's sums (checked against it in `builtin::conv`'s tests).

use rayon::prelude::*;

use super::buffers;
use super::conv::{Padding, array, slice, values};
use super::conv_small::{is_small, small_forward};
use super::gemm::vectorized;
use super::op::Op;
use super::ordered_sum::column_sums;
use super::{Data, Tensor};
use crate::error::{Error, Result};

/// Rows of the output handed to one rayon job in the bias and activation pass.
const ROWS_PER_JOB: usize = 512;

/// The activations the fused convolution applies itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FusedActivation {
    /// The identity (`"linear"`).
    Linear,
    /// `relu(z) = z` for `z > 0` (and NaN), else 0; derivative 1 there, else 0.
    Relu,
}

impl FusedActivation {
    /// The activation of the pre-activation value `z`.
    #[inline]
    pub(crate) fn value(self, z: f32) -> f32 {
        match self {
            FusedActivation::Linear => z,
            // NaN fails the comparison and stays NaN, as the built-in does.
            FusedActivation::Relu => {
                if z <= 0.0 {
                    0.0
                } else {
                    z
                }
            }
        }
    }

    /// The derivative at the pre-activation value `z`; NaN at NaN, as every
    /// `#[activation]` function's derivative is.
    #[inline]
    pub(crate) fn derivative(self, z: f32) -> f32 {
        self.derivative_from_output(self.value(z))
    }

    /// The derivative read back from the output `y = value(z)`: for ReLU `y > 0` exactly
    /// when `z > 0`, and `y` is NaN exactly when `z` is.
    #[inline]
    pub(crate) fn derivative_from_output(self, y: f32) -> f32 {
        if y.is_nan() {
            return f32::NAN;
        }
        match self {
            FusedActivation::Linear => 1.0,
            FusedActivation::Relu => {
                if y <= 0.0 {
                    0.0
                } else {
                    1.0
                }
            }
        }
    }
}

impl Tensor {
    /// `activation(conv2d(self, kernel) + bias)` as one recorded op (see the module docs);
    /// `bias` is `(filters,)`.
    ///
    /// # Errors
    ///
    /// Those of [`Tensor::try_conv2d`], and [`Error::IncompatibleShapes`] when `bias` is
    /// not `(filters,)`.
    pub(crate) fn try_conv2d_bias_act(
        &self,
        kernel: &Tensor,
        bias: &Tensor,
        strides: (usize, usize),
        padding: Padding,
        dilation: (usize, usize),
        activation: FusedActivation,
    ) -> Result<Tensor> {
        let g = self.checked_conv2d_geometry(kernel, strides, padding, dilation)?;
        let n = g.out_channels;
        if bias.shape() != [n] {
            return Err(Error::incompatible(
                "conv2d",
                kernel.shape(),
                bias.shape(),
                format!("the bias must hold one value per filter ({n})"),
            ));
        }
        let (xv, kv, bv) = (values(self), values(kernel), values(bias));
        let b = slice(&bv);
        let y = if is_small(&g) {
            small_forward(&g, slice(&xv), slice(&kv), Some(b), activation)
        } else {
            let mut y = super::conv_kernels::gemm_forward(&g, slice(&xv), slice(&kv));
            bias_act(&mut y, b, activation);
            y
        };
        let shape = [g.batch, g.output[0], g.output[1], n];
        let data: Data = array(&shape, y).into_shared();
        let saved = data.clone();
        Ok(Tensor::from_shared_op(
            data,
            || Op::Conv2dBiasAct {
                input: self.clone(),
                kernel: kernel.clone(),
                bias: bias.clone(),
                geometry: Box::new(g),
                activation,
                output: Box::new(saved),
            },
            &[self, kernel, bias],
        ))
    }
}

/// `y ← activation(y + b)` over the rows of `y` `(rows, filters)`.
fn bias_act(y: &mut [f32], b: &[f32], activation: FusedActivation) {
    let n = b.len();
    if n == 0 {
        return;
    }
    y.par_chunks_mut(n * ROWS_PER_JOB).for_each(|rows| {
        vectorized(
            #[inline(always)]
            || {
                for row in rows.chunks_exact_mut(n) {
                    for (v, &b) in row.iter_mut().zip(b) {
                        *v = activation.value(*v + b);
                    }
                }
            },
        )
    });
}

/// The per-filter sums of `dz` `(rows, filters)`: the bias gradient.
pub(crate) fn bias_grad(dz: &[f32], filters: usize) -> Vec<f32> {
    column_sums(dz, filters)
}

/// The gradient with respect to the pre-activation `z`: `grad · activation'(z)`, the
/// derivative read back from the saved output (the same product as the plain path's).
pub(crate) fn pre_activation_grad(
    grad: &[f32],
    activation: FusedActivation,
    output: &Data,
) -> Vec<f32> {
    let y = output
        .as_slice()
        .expect("the fused op's output is one standard-layout slice");
    let mut dz = buffers::take_any(grad.len());
    dz.par_chunks_mut(1 << 14)
        .zip(grad.par_chunks(1 << 14))
        .zip(y.par_chunks(1 << 14))
        .for_each(|((dz, g), y)| {
            for ((d, &g), &y) in dz.iter_mut().zip(g).zip(y) {
                *d = g * activation.derivative_from_output(y);
            }
        });
    dz
}
