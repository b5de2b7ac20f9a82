//! `DepthwiseConv2D` and `SeparableConv2D`: per-channel spatial convolutions, the second
//! followed by a pointwise (1×1) convolution that mixes the channels.

use super::conv::{check_dilation, check_sizes, finish};
use crate::Layer;
use crate::activation::Activation;
use crate::constraints::Constraint;
use crate::error::Result;
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::layer::config::{check_initializer, check_size};
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::tensor::conv::Padding;
use crate::weight::Weight;

/// A depthwise 2-D convolution layer: each input channel is convolved with its own
/// `depth_multiplier` filters, `(batch, h, w, channels)` → `(batch, oh, ow, channels ·
/// depth_multiplier)`, output channel `i · depth_multiplier + j` from input channel `i`.
///
/// Keras's arguments and defaults: `strides` `(1, 1)`, `padding` `valid`,
/// `depth_multiplier` 1, `dilation_rate` `(1, 1)`, no activation, a bias, depthwise kernel
/// `glorot_uniform`, bias `zeros`. Weights in Keras's order: `kernel`
/// `(kh, kw, channels, depth_multiplier)`, then `bias` `(channels · depth_multiplier,)`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut dw = DepthwiseConv2D::new((3, 3)).depth_multiplier(2);
/// assert_eq!(dw.build([8, 8, 3])?, vec![6, 6, 6]);
/// assert_eq!(dw.kernel.shape(), Some(vec![3, 3, 3, 2]));
/// assert_eq!(dw.count_params()?, 3 * 3 * 3 * 2 + 6);
/// let err = DepthwiseConv2D::new((3, 3)).depth_multiplier(0).build([8, 8, 3]).unwrap_err();
/// assert!(err.to_string().ends_with("`depth_multiplier` must be a positive integer, got 0"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C], validate = Self::validate_config)]
pub struct DepthwiseConv2D {
    /// The `(height, width)` of the convolution window.
    pub kernel_size: (usize, usize),
    /// The `(rows, columns)` step between windows; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub strides: (usize, usize),
    /// `valid` (default) or `same`.
    #[config(default = Padding::Valid)]
    pub padding: Padding,
    /// Filters per input channel; 1 by default.
    #[config(default = 1)]
    pub depth_multiplier: usize,
    /// The `(rows, columns)` spacing between kernel taps; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub dilation_rate: (usize, usize),
    /// Applied to the output; `linear` (none) by default.
    #[config(default = Activation::linear())]
    pub activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the depthwise kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub depthwise_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// A penalty on the depthwise kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub depthwise_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the depthwise kernel after each update; none by default.
    #[config(default = None)]
    pub depthwise_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// The `(kh, kw, channels, depth_multiplier)` kernel.
    #[weight(
        shape = [kernel_size.0, kernel_size.1, C, depth_multiplier],
        init = depthwise_initializer.clone(),
        regularizer = depthwise_regularizer.clone(),
        constraint = depthwise_constraint.clone()
    )]
    pub kernel: Weight,
    /// The `(channels · depth_multiplier,)` bias, present when `use_bias`.
    #[weight(
        shape = [C * depth_multiplier],
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

fn check_spatial(
    kernel_size: (usize, usize),
    strides: (usize, usize),
    dilation_rate: (usize, usize),
) -> Result<()> {
    check_sizes("kernel_size", &[kernel_size.0, kernel_size.1])?;
    check_sizes("strides", &[strides.0, strides.1])?;
    check_dilation(&[strides.0, strides.1], &[dilation_rate.0, dilation_rate.1])
}

impl DepthwiseConv2D {
    fn validate_config(&self) -> Result<()> {
        self.padding.check_not_causal()?;
        check_spatial(self.kernel_size, self.strides, self.dilation_rate)?;
        check_size("depth_multiplier", self.depth_multiplier)?;
        self.activation.check()?;
        check_initializer("depthwise_initializer", &self.depthwise_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl TryCall for DepthwiseConv2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_depthwise_conv2d(
            &self.kernel.value(),
            self.strides,
            self.padding,
            self.dilation_rate,
        )?;
        Ok(finish(
            y,
            self.use_bias.then_some(&self.bias),
            &self.activation,
        ))
    }
}

/// A depthwise separable 2-D convolution layer: a depthwise convolution (each channel on its
/// own, `depth_multiplier` filters each) followed by a pointwise 1×1 convolution to
/// `filters` channels, then the bias and activation. Far fewer weights than a `Conv2D` of
/// the same size: `kh·kw·c·m + c·m·filters` instead of `kh·kw·c·filters`.
///
/// Keras's arguments and defaults: `strides` `(1, 1)`, `padding` `valid`,
/// `dilation_rate` `(1, 1)`, `depth_multiplier` 1, no activation, a bias, both kernels
/// `glorot_uniform`, bias `zeros`. Weights in Keras's order: `depthwise_kernel`
/// `(kh, kw, channels, depth_multiplier)`, `pointwise_kernel`
/// `(1, 1, channels · depth_multiplier, filters)`, `bias` `(filters,)`. Strides, padding
/// and dilation apply to the depthwise step.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut sep = SeparableConv2D::new(16, (3, 3));
/// assert_eq!(sep.build([10, 10, 8])?, vec![8, 8, 16]);
/// assert_eq!(sep.count_params()?, 3 * 3 * 8 + 8 * 16 + 16);
/// let paths: Vec<String> = sep.all_weights().into_iter().map(|(p, _)| p).collect();
/// assert_eq!(paths, ["depthwise_kernel", "pointwise_kernel", "bias"]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C], validate = Self::validate_config)]
pub struct SeparableConv2D {
    /// The number of output channels.
    pub filters: usize,
    /// The `(height, width)` of the depthwise window.
    pub kernel_size: (usize, usize),
    /// The `(rows, columns)` step between windows; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub strides: (usize, usize),
    /// `valid` (default) or `same`.
    #[config(default = Padding::Valid)]
    pub padding: Padding,
    /// The `(rows, columns)` spacing between kernel taps; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub dilation_rate: (usize, usize),
    /// Depthwise filters per input channel; 1 by default.
    #[config(default = 1)]
    pub depth_multiplier: usize,
    /// Applied to the output; `linear` (none) by default.
    #[config(default = Activation::linear())]
    pub activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the depthwise kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub depthwise_initializer: Initializer,
    /// Fills the pointwise kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub pointwise_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// A penalty on the depthwise kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub depthwise_regularizer: Option<Regularizer>,
    /// A penalty on the pointwise kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub pointwise_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the depthwise kernel after each update; none by default.
    #[config(default = None)]
    pub depthwise_constraint: Option<Constraint>,
    /// Projects the pointwise kernel after each update; none by default.
    #[config(default = None)]
    pub pointwise_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// The `(kh, kw, channels, depth_multiplier)` depthwise kernel.
    #[weight(
        shape = [kernel_size.0, kernel_size.1, C, depth_multiplier],
        init = depthwise_initializer.clone(),
        regularizer = depthwise_regularizer.clone(),
        constraint = depthwise_constraint.clone()
    )]
    pub depthwise_kernel: Weight,
    /// The `(1, 1, channels · depth_multiplier, filters)` pointwise kernel.
    #[weight(
        shape = [1, 1, C * depth_multiplier, filters],
        init = pointwise_initializer.clone(),
        regularizer = pointwise_regularizer.clone(),
        constraint = pointwise_constraint.clone()
    )]
    pub pointwise_kernel: Weight,
    /// The `(filters,)` bias, present when `use_bias`.
    #[weight(
        shape = [filters],
        init = bias_initializer.clone(),
        enabled = use_bias,
        regularizer = bias_regularizer.clone(),
        constraint = bias_constraint.clone()
    )]
    pub bias: Weight,
}

impl SeparableConv2D {
    fn validate_config(&self) -> Result<()> {
        self.padding.check_not_causal()?;
        check_size("filters", self.filters)?;
        check_spatial(self.kernel_size, self.strides, self.dilation_rate)?;
        check_size("depth_multiplier", self.depth_multiplier)?;
        self.activation.check()?;
        check_initializer("depthwise_initializer", &self.depthwise_initializer)?;
        check_initializer("pointwise_initializer", &self.pointwise_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl TryCall for SeparableConv2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_depthwise_conv2d(
            &self.depthwise_kernel.value(),
            self.strides,
            self.padding,
            self.dilation_rate,
        )?;
        // A 1×1 convolution with stride 1 is one matrix product over the pixels.
        let y = y.try_conv2d(
            &self.pointwise_kernel.value(),
            (1, 1),
            Padding::Valid,
            (1, 1),
        )?;
        Ok(finish(
            y,
            self.use_bias.then_some(&self.bias),
            &self.activation,
        ))
    }
}
