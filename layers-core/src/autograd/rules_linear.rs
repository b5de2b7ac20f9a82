//! The backward rule of the fused dense op (`tensor::linear`): the output's gradient is
//! scaled by the activation's derivative once, in place; the bias gets its column sums, the
//! kernel `xᵀ · g`, the input `g · kernelᵀ`, each only when that operand wants a gradient.

use ndarray::{ArrayD, Axis, IxDyn, Zip};

use crate::tensor::gemm::{PARALLEL_THRESHOLD, product_new, vectorized};
use crate::tensor::op::Op;
use crate::tensor::{Tensor, buffers};

/// Sends the gradients of `Op::Linear`'s operands.
pub(super) fn propagate(op: &Op, grad: ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    let Op::Linear {
        input,
        kernel,
        bias,
        derivative,
    } = op
    else {
        unreachable!("rules_linear handles only Op::Linear");
    };
    let mut grad = grad;
    if let Some(d) = derivative {
        match (grad.as_slice_mut(), d.as_slice()) {
            (Some(g), Some(d)) => vectorized(
                #[inline(always)]
                || {
                    for (g, &d) in g.iter_mut().zip(d) {
                        *g *= d;
                    }
                },
            ),
            _ => Zip::from(&mut grad).and(d).for_each(|g, &d| *g *= d),
        }
    }
    let (k, n) = (kernel.shape()[0], kernel.shape()[1]);
    let rows = grad.len() / n.max(1);
    let grad = if grad.is_standard_layout() {
        grad
    } else {
        grad.as_standard_layout().into_owned()
    };
    let g = grad
        .into_shape_with_order((rows, n))
        .expect("standard layout");
    if let Some(b) = bias
        && b.requires_grad()
    {
        send(b, g.sum_axis(Axis(0)).into_dyn());
    }
    let x = input.data().as_standard_layout();
    let x2 = x
        .view()
        .into_shape_with_order((rows, k))
        .expect("standard layout");
    let w = kernel
        .data()
        .view()
        .into_dimensionality()
        .expect("a matrix");
    let kernel_grad = || product_new(x2.t(), g.view()).into_dyn();
    let input_grad = || {
        product_new(g.view(), w.t())
            .into_shape_with_order(IxDyn(input.shape()))
            .expect("rows × features values")
    };
    match (kernel.requires_grad(), input.requires_grad()) {
        // Two products each too small to split: one on each core.
        (true, true) if rows * k * n < PARALLEL_THRESHOLD => {
            let (gw, gx) = rayon::join(kernel_grad, input_grad);
            send(kernel, gw);
            send(input, gx);
        }
        (need_kernel, need_input) => {
            if need_kernel {
                send(kernel, kernel_grad());
            }
            if need_input {
                send(input, input_grad());
            }
        }
    }
    buffers::recycle_array(g.into_dyn());
}
