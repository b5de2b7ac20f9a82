//! The backward rules of the ops that move values by position: `gather` and
//! `scatter_add` (each the other's adjoint), `pad` and `cumsum`.

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use crate::tensor::Tensor;
use crate::tensor::index::{gather_lanes, scatter_lanes};
use crate::tensor::op::Op;
use crate::tensor::shape::sum_to_shape;

/// Sends each input of a positional op its gradient; `rules::propagate` hands these ops
/// here.
pub(super) fn propagate(op: &Op, grad: ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    match op {
        Op::Gather {
            input,
            axis,
            indices,
        } => {
            // Scatter into the input broadcast to the output's other axes, then sum the
            // broadcast axes away.
            let mut shape = grad.shape().to_vec();
            shape[*axis] = input.shape()[*axis];
            let mut full = ArrayD::zeros(IxDyn(&shape));
            scatter_lanes(&mut full, indices.view(), grad.view(), *axis);
            send(input, sum_to_shape(full, input.shape()));
        }
        Op::ScatterAdd {
            input,
            src,
            axis,
            indices,
        } => {
            if src.requires_grad() {
                send(src, gather_lanes(grad.view(), indices.view(), *axis));
            }
            send(input, grad);
        }
        Op::Pad(input, widths) => {
            let mut inner = grad.view();
            for (i, (&d, &(before, _))) in input.shape().iter().zip(widths).enumerate() {
                inner.slice_axis_inplace(Axis(i), Slice::from(before..before + d));
            }
            send(input, inner.to_owned());
        }
        Op::Cumsum(input, axis) => {
            // The adjoint of a running sum from the start is a running sum from the end.
            let mut g = grad;
            g.invert_axis(Axis(*axis));
            g.accumulate_axis_inplace(Axis(*axis), |&before, here| *here += before);
            g.invert_axis(Axis(*axis));
            send(input, g);
        }
        other => unreachable!("`{}` has its rule in `rules`", other.name()),
    }
}
