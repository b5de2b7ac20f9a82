//! The backward rules: one match arm per recorded op, sending each input its gradient.

use ndarray::{ArrayD, Axis, IxDyn, Zip};

use crate::tensor::gemm::product_new;
use crate::tensor::matmul::product;
use crate::tensor::op::Op;
use crate::tensor::shape::{kept_shape, reshaped, sum_to_shape};
use crate::tensor::{Data, Tensor};

/// Elementwise `grad * f(x)` for an input `x` of the gradient's shape.
fn zip_map(grad: ArrayD<f32>, x: &Data, f: impl Fn(f32, f32) -> f32 + Sync + Send) -> ArrayD<f32> {
    let mut grad = grad;
    Zip::from(&mut grad).and(x).for_each(|g, &x| *g = f(*g, x));
    grad
}

/// Broadcasts `x` to `shape` as a view (callers guarantee it broadcasts).
fn bview<'a>(x: &'a Data, shape: &[usize]) -> ndarray::ArrayViewD<'a, f32> {
    x.broadcast(IxDyn(shape))
        .expect("operand broadcasts to the output shape")
}

/// Sends each input its gradient, given the op, its output and the output's gradient.
pub(super) fn propagate(
    op: &Op,
    out: &Data,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
) {
    match op {
        Op::Add(a, b) => {
            if b.requires_grad() {
                send(b, sum_to_shape(grad.clone(), b.shape()));
            }
            send(a, sum_to_shape(grad, a.shape()));
        }
        Op::Sub(a, b) => {
            if b.requires_grad() {
                send(b, sum_to_shape(-grad.clone(), b.shape()));
            }
            send(a, sum_to_shape(grad, a.shape()));
        }
        Op::Mul(a, b) => {
            let shape = grad.shape().to_vec();
            if b.requires_grad() {
                let gb = &grad * &bview(a.data(), &shape);
                send(b, sum_to_shape(gb, b.shape()));
            }
            if a.requires_grad() {
                let ga = grad * &bview(b.data(), &shape);
                send(a, sum_to_shape(ga, a.shape()));
            }
        }
        Op::Div(a, b) => {
            let shape = grad.shape().to_vec();
            if b.requires_grad() {
                // d(a/b)/db = -a/b² = -out/b
                let mut gb = grad.clone();
                Zip::from(&mut gb)
                    .and(out)
                    .and(&bview(b.data(), &shape))
                    .for_each(|g, &o, &b| *g = -*g * o / b);
                send(b, sum_to_shape(gb, b.shape()));
            }
            if a.requires_grad() {
                let ga = grad / &bview(b.data(), &shape);
                send(a, sum_to_shape(ga, a.shape()));
            }
        }
        Op::Maximum(a, b) | Op::Minimum(a, b) => {
            // Ties send the gradient to the left operand.
            let take_a = |x: f32, y: f32| {
                if matches!(op, Op::Maximum(..)) {
                    x >= y
                } else {
                    x <= y
                }
            };
            let shape = grad.shape().to_vec();
            let (av, bv) = (bview(a.data(), &shape), bview(b.data(), &shape));
            let mut ga = grad.clone();
            let mut gb = grad;
            Zip::from(&mut ga)
                .and(&mut gb)
                .and(&av)
                .and(&bv)
                .for_each(|ga, gb, &x, &y| {
                    if take_a(x, y) {
                        *gb = 0.0;
                    } else {
                        *ga = 0.0;
                    }
                });
            send(a, sum_to_shape(ga, a.shape()));
            send(b, sum_to_shape(gb, b.shape()));
        }
        Op::Neg(x) => send(x, -grad),
        Op::Scale(x, c) => send(x, grad * *c),
        Op::Shift(x) => send(x, grad),
        Op::Exp(x) => send(x, zip_map(grad, out, |g, y| g * y)),
        Op::Ln(x) => send(x, zip_map(grad, x.data(), |g, x| g / x)),
        Op::Sqrt(x) => send(x, zip_map(grad, out, |g, y| g * 0.5 / y)),
        Op::Powf(x, p) => {
            let p = *p;
            send(x, zip_map(grad, x.data(), |g, x| g * p * x.powf(p - 1.0)));
        }
        Op::Abs(x) => send(
            x,
            zip_map(grad, x.data(), |g, x| {
                if x > 0.0 {
                    g
                } else if x < 0.0 {
                    -g
                } else {
                    0.0
                }
            }),
        ),
        Op::Clamp(x, lo, hi) => {
            let (lo, hi) = (*lo, *hi);
            send(
                x,
                zip_map(
                    grad,
                    x.data(),
                    |g, x| if x >= lo && x <= hi { g } else { 0.0 },
                ),
            );
        }
        Op::Map { input, derivative } => send(input, zip_map(grad, derivative, |g, d| g * d)),
        Op::MatMul(a, b) => {
            let (ga, gb) = matmul(a, b, &grad, a.requires_grad(), b.requires_grad());
            if let Some(ga) = ga {
                send(a, ga);
            }
            if let Some(gb) = gb {
                send(b, gb);
            }
            // Used up: a large one goes back for the next step's buffers.
            crate::tensor::buffers::recycle_array(grad);
        }
        Op::Sum {
            input,
            axes,
            keepdims,
        }
        | Op::Mean {
            input,
            axes,
            keepdims,
        } => {
            let (_, g) = with_kept_axes(grad, input.shape(), axes, *keepdims);
            let mut full = g
                .broadcast(IxDyn(input.shape()))
                .expect("a kept-dims gradient broadcasts to the input")
                .to_owned();
            if matches!(op, Op::Mean { .. }) {
                let count: usize = axes.iter().map(|&a| input.shape()[a]).product();
                full /= count.max(1) as f32;
            }
            send(input, full);
        }
        Op::Max {
            input,
            axes,
            keepdims,
        }
        | Op::Min {
            input,
            axes,
            keepdims,
        } => {
            let (kept, g) = with_kept_axes(grad, input.shape(), axes, *keepdims);
            let out_kept = kept_out(out, &kept);
            let shape = input.shape();
            // Ties share the gradient equally.
            let mut mask = ArrayD::<f32>::zeros(IxDyn(shape));
            Zip::from(&mut mask)
                .and(input.data())
                .and(
                    &out_kept
                        .broadcast(IxDyn(shape))
                        .expect("kept shape broadcasts"),
                )
                .for_each(|m, &x, &o| *m = if x == o { 1.0 } else { 0.0 });
            let mut counts = mask.clone();
            for &a in axes.iter().rev() {
                counts = counts.sum_axis(Axis(a)).insert_axis(Axis(a));
            }
            let gk = g / &counts;
            mask *= &gk.broadcast(IxDyn(shape)).expect("kept shape broadcasts");
            send(input, mask);
        }
        Op::Reshape(x) => send(x, reshaped(grad, x.shape())),
        Op::Permute(x, axes) => {
            let mut inverse = vec![0; axes.len()];
            for (i, &a) in axes.iter().enumerate() {
                inverse[a] = i;
            }
            send(x, grad.permuted_axes(IxDyn(&inverse)));
        }
        Op::BroadcastTo(x) => send(x, sum_to_shape(grad, x.shape())),
        Op::Concat(xs, axis) => {
            let mut start = 0;
            for x in xs {
                let len = x.shape()[*axis];
                if x.requires_grad() {
                    let part = grad.slice_axis(Axis(*axis), (start..start + len).into());
                    send(x, part.to_owned());
                }
                start += len;
            }
        }
        Op::Slice { input, axis, start } => {
            let mut full = ArrayD::zeros(IxDyn(input.shape()));
            let len = grad.shape()[*axis];
            full.slice_axis_mut(Axis(*axis), (*start..*start + len).into())
                .assign(&grad);
            send(input, full);
        }
        Op::IndexSelect {
            input,
            axis,
            indices,
        } => {
            let mut full = ArrayD::zeros(IxDyn(input.shape()));
            for (i, &index) in indices.iter().enumerate() {
                let mut row = full.index_axis_mut(Axis(*axis), index);
                row += &grad.index_axis(Axis(*axis), i);
            }
            send(input, full);
        }
        Op::Select {
            mask,
            on_true,
            on_false,
        } => {
            let shape = grad.shape().to_vec();
            let m = bview(mask, &shape);
            if on_false.requires_grad() {
                let mut gf = grad.clone();
                Zip::from(&mut gf).and(&m).for_each(|g, &m| *g *= 1.0 - m);
                send(on_false, sum_to_shape(gf, on_false.shape()));
            }
            if on_true.requires_grad() {
                let mut gt = grad;
                Zip::from(&mut gt).and(&m).for_each(|g, &m| *g *= m);
                send(on_true, sum_to_shape(gt, on_true.shape()));
            }
        }
        Op::Softmax(x, axis) => {
            // dx = y ⊙ (g − Σ g⊙y)
            let gy = &grad * out;
            let s = gy.sum_axis(Axis(*axis)).insert_axis(Axis(*axis));
            let mut dx = grad - &s;
            dx *= out;
            send(x, dx);
        }
        Op::LogSoftmax(x, axis) => {
            // dx = g − softmax ⊙ Σ g
            let s = grad.sum_axis(Axis(*axis)).insert_axis(Axis(*axis));
            let mut dx = grad;
            Zip::from(&mut dx)
                .and(out)
                .and(&s.broadcast(out.raw_dim()).expect("kept axis broadcasts"))
                .for_each(|d, &o, &s| *d -= o.exp() * s);
            send(x, dx);
        }
        Op::Pow(a, b) => pow(a, b, out, grad, send),
        Op::LogSumExp {
            input,
            axes,
            keepdims,
        }
        | Op::Norm {
            input,
            axes,
            keepdims,
        } => {
            let (kept, g) = with_kept_axes(grad, input.shape(), axes, *keepdims);
            let o = kept_out(out, &kept);
            let shape = IxDyn(input.shape());
            let is_norm = matches!(op, Op::Norm { .. });
            let mut dx = ArrayD::zeros(shape.clone());
            Zip::from(&mut dx)
                .and(input.data())
                .and(&o.broadcast(shape.clone()).expect("kept shape broadcasts"))
                .and(&g.broadcast(shape).expect("kept shape broadcasts"))
                .for_each(|d, &x, &o, &g| {
                    // d‖x‖/dx = x/‖x‖, taken as 0 at ‖x‖ = 0; d lse/dx = exp(x − lse), 0
                    // for a lane of −∞ (whose lse is −∞).
                    *d = if is_norm {
                        if o == 0.0 { 0.0 } else { g * x / o }
                    } else if o == f32::NEG_INFINITY {
                        0.0
                    } else {
                        g * (x - o).exp()
                    };
                });
            send(input, dx);
        }
        op @ (Op::Gather { .. } | Op::ScatterAdd { .. } | Op::Pad(..) | Op::Cumsum(..)) => {
            super::rules_index::propagate(op, grad, send);
        }
        op @ (Op::Conv2d { .. } | Op::DepthwiseConv2d { .. } | Op::Conv2dTranspose { .. }) => {
            super::rules_conv::propagate(op, grad, send);
        }
        op @ (Op::MaxPool { .. } | Op::AvgPool { .. }) => {
            super::rules_pool::propagate(op, grad, send);
        }
        op @ Op::Linear { .. } => super::rules_linear::propagate(op, grad, send),
        Op::LstmSequence(record) => {
            crate::tensor::recurrent_lstm::lstm_backward(record, grad, send)
        }
        Op::GruSequence(record) => crate::tensor::recurrent_gru::gru_backward(record, grad, send),
        op @ Op::Conv2dBiasAct { .. } => super::rules_conv::propagate(op, grad, send),
    }
}

/// The gradients of `a ^ b`: `b·aᵇ⁻¹` for the base (0 where `b` is 0, even at `a` = 0) and
/// `aᵇ·ln a` for the exponent (0 where `a` is 0 and `b ≥ 0`, as PyTorch takes it: the limit
/// for `a` → 0⁺ and `b` > 0).
fn pow(
    a: &Tensor,
    b: &Tensor,
    out: &Data,
    grad: ArrayD<f32>,
    send: &mut dyn FnMut(&Tensor, ArrayD<f32>),
) {
    let shape = grad.shape().to_vec();
    let (av, bv) = (bview(a.data(), &shape), bview(b.data(), &shape));
    if b.requires_grad() {
        let mut gb = grad.clone();
        Zip::from(&mut gb)
            .and(out)
            .and(&av)
            .and(&bv)
            .for_each(|g, &o, &x, &e| {
                *g = if x == 0.0 && e >= 0.0 {
                    0.0
                } else {
                    *g * o * x.ln()
                }
            });
        send(b, sum_to_shape(gb, b.shape()));
    }
    if a.requires_grad() {
        let mut ga = grad;
        Zip::from(&mut ga).and(&av).and(&bv).for_each(|g, &x, &e| {
            *g = if e == 0.0 {
                0.0
            } else {
                *g * e * x.powf(e - 1.0)
            }
        });
        send(a, sum_to_shape(ga, a.shape()));
    }
}

/// A reduction's output reshaped to its kept-dims shape, to broadcast against the input.
fn kept_out(out: &Data, kept: &[usize]) -> ArrayD<f32> {
    match out.view().into_shape_with_order(IxDyn(kept)) {
        Ok(v) => v.to_owned(),
        Err(_) => reshaped(out.to_owned(), kept),
    }
}

/// The gradients of `a · b` given the output gradient `g`: `g · bᵀ` and `aᵀ · g`, each
/// summed over the batch axes its operand was broadcast along.
fn matmul(
    a: &Tensor,
    b: &Tensor,
    g: &ArrayD<f32>,
    need_a: bool,
    need_b: bool,
) -> (Option<ArrayD<f32>>, Option<ArrayD<f32>>) {
    let batch = &g.shape()[..g.ndim() - 2];
    let ga = need_a.then(|| {
        let full = product(g.view(), b.view(), batch, false, true);
        sum_to_shape(full, a.shape())
    });
    let gb = need_b.then(|| {
        if b.rank() == 2 {
            // Σ over every leading axis of aᵀ·g is one product of the flattened operands.
            let k = a.shape()[a.rank() - 1];
            let n = g.shape()[g.ndim() - 1];
            // The leading axes' product (also right when k is 0 and `a` holds no values).
            let rows: usize = a.shape()[..a.rank() - 1].iter().product();
            let a_std = a.view().as_standard_layout().into_owned();
            let a2 = a_std
                .into_shape_with_order((rows, k))
                .expect("standard layout reshapes");
            let g_std = g.as_standard_layout();
            let g2 = g_std
                .view()
                .into_shape_with_order((rows, n))
                .expect("standard layout reshapes");
            product_new(a2.t(), g2).into_dyn()
        } else {
            let full = product(a.view(), g.view(), batch, true, false);
            sum_to_shape(full, b.shape())
        }
    });
    (ga, gb)
}

/// The gradient of a reduction over `axes` of an input of shape `input`, with the reduced
/// axes kept (as size 1) so that it broadcasts back to the input; and that kept shape.
fn with_kept_axes(
    grad: ArrayD<f32>,
    input: &[usize],
    axes: &[usize],
    keepdims: bool,
) -> (Vec<usize>, ArrayD<f32>) {
    let kept = kept_shape(input, axes);
    let grad = if keepdims {
        grad
    } else {
        reshaped(grad, &kept)
    };
    (kept, grad)
}
