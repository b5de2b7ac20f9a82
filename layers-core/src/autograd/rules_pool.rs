//! The backward rules of the pooling ops: max pooling sends each output's gradient to the
//! input it came from (the first maximum of its window), average pooling spreads it evenly
//! over the real elements of its window.

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use crate::tensor::op::Op;
use crate::tensor::pool_max::max_pool_backward;
use crate::tensor::{Tensor, buffers};

/// Sends the input of a pooling op its gradient; `rules::propagate` hands these ops here.
pub(super) fn propagate(op: &Op, grad: ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    propagate_ref(op, &grad, send);
    // The output's gradient is used up: its buffer goes to the next large allocation.
    crate::tensor::buffers::recycle_array(grad);
}

fn propagate_ref(op: &Op, grad: &ArrayD<f32>, send: &mut dyn FnMut(&Tensor, ArrayD<f32>)) {
    let grad = grad.as_standard_layout();
    let grad = grad
        .as_slice()
        .expect("a standard-layout array is contiguous");
    match op {
        Op::MaxPool {
            input,
            windows,
            winners,
        } => {
            let dx = max_pool_backward(windows, grad, winners);
            send(input, shaped(dx, input.shape()));
        }
        Op::AvgPool { input, windows } => {
            let (in_size, out_size) = windows.sample_sizes();
            let mut dx = buffers::take_zeroed(input.len());
            if in_size > 0 && out_size > 0 {
                dx.par_chunks_mut(in_size)
                    .zip(grad.par_chunks(out_size))
                    .for_each(|(dx, g)| windows.spread_average(g, dx));
            }
            send(input, shaped(dx, input.shape()));
        }
        other => unreachable!("`{}` has its rule in `rules`", other.name()),
    }
}

fn shaped(values: Vec<f32>, shape: &[usize]) -> ArrayD<f32> {
    ArrayD::from_shape_vec(IxDyn(shape), values).expect("one gradient value per input value")
}
