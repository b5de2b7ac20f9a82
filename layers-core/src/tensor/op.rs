//! The ops the autograd knows, one enum variant each, holding what backward needs.

use ndarray::ArrayD;

use super::conv_kernels::ConvGeometry;
use super::{Data, Tensor};

/// A recorded op: its inputs and whatever its backward rule needs besides the output.
pub(crate) enum Op {
    Add(Tensor, Tensor),
    Sub(Tensor, Tensor),
    Mul(Tensor, Tensor),
    Div(Tensor, Tensor),
    Maximum(Tensor, Tensor),
    Minimum(Tensor, Tensor),
    Neg(Tensor),
    /// `x * factor`.
    Scale(Tensor, f32),
    /// `x + c`: the gradient passes through unchanged.
    Shift(Tensor),
    Exp(Tensor),
    Ln(Tensor),
    Sqrt(Tensor),
    Powf(Tensor, f32),
    Abs(Tensor),
    Clamp(Tensor, f32, f32),
    /// An elementwise function whose derivative was computed in the forward pass.
    Map {
        input: Tensor,
        derivative: Data,
    },
    MatMul(Tensor, Tensor),
    Sum {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    Mean {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    Max {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    Reshape(Tensor),
    Permute(Tensor, Vec<usize>),
    BroadcastTo(Tensor),
    Concat(Vec<Tensor>, usize),
    Slice {
        input: Tensor,
        axis: usize,
        start: usize,
    },
    IndexSelect {
        input: Tensor,
        axis: usize,
        indices: Vec<usize>,
    },
    Select {
        mask: Data,
        on_true: Tensor,
        on_false: Tensor,
    },
    Softmax(Tensor, usize),
    LogSoftmax(Tensor, usize),
    /// `base ^ exponent`, both tensors, broadcast.
    Pow(Tensor, Tensor),
    Min {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    LogSumExp {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    /// The L2 norm over `axes`.
    Norm {
        input: Tensor,
        axes: Vec<usize>,
        keepdims: bool,
    },
    Cumsum(Tensor, usize),
    /// Constant padding: `(before, after)` per axis.
    Pad(Tensor, Vec<(usize, usize)>),
    /// `take_along_axis`; `indices` are already checked and broadcast to the output shape.
    Gather {
        input: Tensor,
        axis: usize,
        indices: ArrayD<usize>,
    },
    /// `input` with `src` added at `indices` along `axis` (indices of `src`'s shape).
    ScatterAdd {
        input: Tensor,
        src: Tensor,
        axis: usize,
        indices: ArrayD<usize>,
    },
    /// A full 2-D convolution, channels-last (1-D ones are recorded as 2-D of height 1).
    Conv2d {
        input: Tensor,
        kernel: Tensor,
        geometry: ConvGeometry,
    },
    /// A depthwise 2-D convolution.
    DepthwiseConv2d {
        input: Tensor,
        kernel: Tensor,
        geometry: ConvGeometry,
    },
    /// A transposed 2-D convolution: the input gradient of the convolution `geometry`
    /// describes (whose output has the shape of `input`).
    Conv2dTranspose {
        input: Tensor,
        kernel: Tensor,
        geometry: ConvGeometry,
    },
    /// Max pooling over the windows described: each output value's winner, its slot in
    /// its window (the first maximum; see `pool_max`).
    MaxPool {
        input: Tensor,
        windows: super::pool::Windows,
        winners: super::pool_max::Winners,
    },
    /// Average pooling over the windows described.
    AvgPool {
        input: Tensor,
        windows: super::pool::Windows,
    },
    /// `activation(input · kernel + bias)` (see `tensor::linear`), with the activation's
    /// derivative at each output when there is one.
    Linear {
        input: Tensor,
        kernel: Tensor,
        bias: Option<Tensor>,
        derivative: Option<Data>,
    },
    /// A built-in LSTM cell run over a whole sequence (see `recurrent_lstm`).
    LstmSequence(Box<super::recurrent_lstm::LstmRecord>),
    /// A built-in GRU cell run over a whole sequence (see `recurrent_gru`).
    GruSequence(Box<super::recurrent_gru::GruRecord>),
    /// `activation(conv2d(input, kernel) + bias)` with a ReLU or linear activation, fused
    /// (`conv_fused`); `output` is the op's own output (a shared handle, not a copy), from
    /// which the backward pass reads the activation's derivative.
    Conv2dBiasAct {
        input: Tensor,
        kernel: Tensor,
        bias: Tensor,
        geometry: Box<ConvGeometry>,
        activation: super::conv_fused::FusedActivation,
        output: Box<Data>,
    },
}

impl Op {
    /// The op's name as users call it, for messages.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Add(..) => "add",
            Op::Sub(..) => "sub",
            Op::Mul(..) => "mul",
            Op::Div(..) => "div",
            Op::Maximum(..) => "maximum",
            Op::Minimum(..) => "minimum",
            Op::Neg(..) => "neg",
            Op::Scale(..) => "scale",
            Op::Shift(..) => "shift",
            Op::Exp(..) => "exp",
            Op::Ln(..) => "ln",
            Op::Sqrt(..) => "sqrt",
            Op::Powf(..) => "powf",
            Op::Abs(..) => "abs",
            Op::Clamp(..) => "clamp",
            Op::Map { .. } => "map",
            Op::MatMul(..) => "matmul",
            Op::Sum { .. } => "sum",
            Op::Mean { .. } => "mean",
            Op::Max { .. } => "max",
            Op::Reshape(..) => "reshape",
            Op::Permute(..) => "permute",
            Op::BroadcastTo(..) => "broadcast_to",
            Op::Concat(..) => "concat",
            Op::Slice { .. } => "slice",
            Op::IndexSelect { .. } => "index_select",
            Op::Select { .. } => "select",
            Op::Softmax(..) => "softmax",
            Op::LogSoftmax(..) => "log_softmax",
            Op::Pow(..) => "pow",
            Op::Min { .. } => "min",
            Op::LogSumExp { .. } => "logsumexp",
            Op::Norm { .. } => "norm",
            Op::Cumsum(..) => "cumsum",
            Op::Pad(..) => "pad",
            Op::Gather { .. } => "gather",
            Op::ScatterAdd { .. } => "scatter_add",
            Op::Conv2d { .. } => "conv2d",
            Op::DepthwiseConv2d { .. } => "depthwise_conv2d",
            Op::Conv2dTranspose { .. } => "conv2d_transpose",
            Op::MaxPool { .. } => "max_pool",
            Op::AvgPool { .. } => "avg_pool",
            Op::Linear { .. } => "linear",
            Op::LstmSequence(..) => "lstm_sequence",
            Op::GruSequence(..) => "gru_sequence",
            Op::Conv2dBiasAct { .. } => "conv2d",
        }
    }

    /// The input tensors, in order.
    pub(crate) fn inputs(&self) -> Vec<&Tensor> {
        match self {
            Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::Maximum(a, b)
            | Op::Minimum(a, b)
            | Op::MatMul(a, b)
            | Op::Pow(a, b)
            | Op::ScatterAdd {
                input: a, src: b, ..
            }
            | Op::Conv2d {
                input: a,
                kernel: b,
                ..
            }
            | Op::DepthwiseConv2d {
                input: a,
                kernel: b,
                ..
            }
            | Op::Conv2dTranspose {
                input: a,
                kernel: b,
                ..
            }
            | Op::Select {
                on_true: a,
                on_false: b,
                ..
            } => vec![a, b],
            Op::Concat(xs, _) => xs.iter().collect(),
            Op::Neg(x)
            | Op::Scale(x, _)
            | Op::Shift(x)
            | Op::Exp(x)
            | Op::Ln(x)
            | Op::Sqrt(x)
            | Op::Powf(x, _)
            | Op::Abs(x)
            | Op::Clamp(x, ..)
            | Op::Map { input: x, .. }
            | Op::Sum { input: x, .. }
            | Op::Mean { input: x, .. }
            | Op::Max { input: x, .. }
            | Op::Reshape(x)
            | Op::Permute(x, _)
            | Op::BroadcastTo(x)
            | Op::Slice { input: x, .. }
            | Op::IndexSelect { input: x, .. }
            | Op::Softmax(x, _)
            | Op::LogSoftmax(x, _)
            | Op::Min { input: x, .. }
            | Op::LogSumExp { input: x, .. }
            | Op::Norm { input: x, .. }
            | Op::Cumsum(x, _)
            | Op::Pad(x, _)
            | Op::Gather { input: x, .. }
            | Op::MaxPool { input: x, .. }
            | Op::AvgPool { input: x, .. } => vec![x],
            Op::Linear {
                input,
                kernel,
                bias,
                ..
            } => [Some(input), Some(kernel), bias.as_ref()]
                .into_iter()
                .flatten()
                .collect(),
            Op::LstmSequence(record) => record.inputs(),
            Op::GruSequence(record) => record.inputs(),
            Op::Conv2dBiasAct {
                input,
                kernel,
                bias,
                ..
            } => vec![input, kernel, bias],
        }
    }
}
