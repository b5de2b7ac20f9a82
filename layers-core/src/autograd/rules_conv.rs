//! The backward rules of the convolutions. A full convolution and its transpose are each
//! other's adjoint in the input, so the three passes of one are the three of the other with
//! the roles swapped: each gradient is one GEMM (plus im2col or col2im), computed only for
//! the operands that need it.

use ndarray::{ArrayD, IxDyn};

use crate::tensor::Tensor;
use crate::tensor::conv::array;
use crate::tensor::conv_fused::{bias_grad, pre_activation_grad};
use crate::tensor::conv_kernels::{
    conv_forward, conv_input_grad, conv_kernel_grad, depthwise_input_grad, depthwise_kernel_grad,
};
use crate::tensor::conv_small::{is_small, small_weight_grads};
use crate::tensor::op::Op;

/// The values of `a` in row-major order, as one slice (copied only if they are not).
fn standard(a: &ArrayD<f32>) -> ndarray::CowArray<'_, f32, IxDyn> {
    a.as_standard_layout()
}

/// Sends each operand of a convolution its gradient; `rules::propagate` hands these ops
/// here.
pub(super) fn propagate(op: &Op, grad: ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    propagate_ref(op, &grad, send);
    // The output's gradient is used up: its buffer goes to the next large allocation.
    crate::tensor::buffers::recycle_array(grad);
}

fn propagate_ref(op: &Op, grad: &ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    let g = standard(grad);
    let g = g.as_slice().expect("standard layout is one slice");
    match op {
        Op::Conv2d {
            input,
            kernel,
            geometry,
        } => {
            let x = input.data().as_standard_layout();
            let k = kernel.data().as_standard_layout();
            let (x, k) = (slices(&x), slices(&k));
            if kernel.requires_grad() {
                send(
                    kernel,
                    array(kernel.shape(), conv_kernel_grad(geometry, x, g)),
                );
            }
            if input.requires_grad() {
                send(input, array(input.shape(), conv_input_grad(geometry, g, k)));
            }
        }
        Op::DepthwiseConv2d {
            input,
            kernel,
            geometry,
        } => {
            let x = input.data().as_standard_layout();
            let k = kernel.data().as_standard_layout();
            let (x, k) = (slices(&x), slices(&k));
            if kernel.requires_grad() {
                let dk = depthwise_kernel_grad(geometry, x, g);
                send(kernel, array(kernel.shape(), dk));
            }
            if input.requires_grad() {
                send(
                    input,
                    array(input.shape(), depthwise_input_grad(geometry, g, k)),
                );
            }
        }
        Op::Conv2dTranspose {
            input,
            kernel,
            geometry,
        } => {
            // y = conv_input_grad(x, k): x plays the convolution's output gradient and the
            // incoming gradient its input.
            let x = input.data().as_standard_layout();
            let k = kernel.data().as_standard_layout();
            let (x, k) = (slices(&x), slices(&k));
            if kernel.requires_grad() {
                send(
                    kernel,
                    array(kernel.shape(), conv_kernel_grad(geometry, g, x)),
                );
            }
            if input.requires_grad() {
                send(input, array(input.shape(), conv_forward(geometry, g, k)));
            }
        }
        Op::Conv2dBiasAct {
            input,
            kernel,
            bias,
            geometry,
            activation,
            output,
        } => {
            if is_small(geometry) && !input.requires_grad() {
                // A first layer: its weights' gradients in one pass (`conv_small`).
                if kernel.requires_grad() || bias.requires_grad() {
                    let x = input.data().as_standard_layout();
                    let y = output
                        .as_slice()
                        .expect("the fused op's output is one standard-layout slice");
                    let (dk, db) = small_weight_grads(geometry, slices(&x), g, y, *activation);
                    if bias.requires_grad() {
                        send(bias, array(bias.shape(), db));
                    }
                    if kernel.requires_grad() {
                        send(kernel, array(kernel.shape(), dk));
                    }
                }
                return;
            }
            let dz = pre_activation_grad(g, *activation, output);
            if bias.requires_grad() {
                let db = bias_grad(&dz, geometry.out_channels);
                send(bias, array(bias.shape(), db));
            }
            let x = input.data().as_standard_layout();
            let k = kernel.data().as_standard_layout();
            let (x, k) = (slices(&x), slices(&k));
            if kernel.requires_grad() {
                send(
                    kernel,
                    array(kernel.shape(), conv_kernel_grad(geometry, x, &dz)),
                );
            }
            if input.requires_grad() {
                send(
                    input,
                    array(input.shape(), conv_input_grad(geometry, &dz, k)),
                );
            }
        }
        other => unreachable!("`{}` has its rule in `rules`", other.name()),
    }
}

fn slices<'a>(a: &'a ndarray::CowArray<'_, f32, IxDyn>) -> &'a [f32] {
    a.as_slice().expect("standard layout is one slice")
}
