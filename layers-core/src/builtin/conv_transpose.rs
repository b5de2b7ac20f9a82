//! `Conv2DTranspose`: the transposed 2-D convolution layer (upsampling by a learned kernel).

use super::conv::{check_dilation, check_sizes, finish};
use crate::Layer;
use crate::activation::Activation;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::layer::config::{check_initializer, check_size};
use crate::regularizers::Regularizer;
use crate::tensor::Tensor;
use crate::tensor::conv::Padding;
use crate::weight::Weight;

/// A transposed 2-D convolution layer (sometimes called deconvolution):
/// `activation(conv2d_transpose(x, kernel) + bias)`, mapping `(batch, h, w, channels)` to
/// `(batch, oh, ow, filters)` with, per axis, `o = n · stride` for `same` padding and
/// `o = n · stride + max(k' − stride, 0)` for `valid` (`k'` the dilated kernel span), as
/// Keras computes it without `output_padding`; with an `output_padding` `p` (each below its
/// stride), `o = (n − 1) · stride + k' + p` for `valid` and `(n − 1) · stride + k' mod 2 + p`
/// for `same`, the extra positions at the end.
///
/// Keras's arguments and defaults: `strides` `(1, 1)`, `padding` `valid`,
/// `output_padding` none, `dilation_rate` `(1, 1)`, no activation, a bias, kernel
/// `glorot_uniform`, bias `zeros`. The kernel is `(kh, kw, filters, channels)` — output
/// channels before input channels, as Keras stores it — then the bias `(filters,)`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::tensor::conv::Padding;
/// let mut up = Conv2DTranspose::new(16, (3, 3)).strides((2, 2)).padding(Padding::Same);
/// assert_eq!(up.build([7, 7, 32])?, vec![14, 14, 16]);
/// assert_eq!(up.kernel.shape(), Some(vec![3, 3, 16, 32]));
/// let mut valid = Conv2DTranspose::new(4, (3, 3)).strides((2, 2));
/// assert_eq!(valid.build([7, 7, 32])?, vec![15, 15, 4]); // 7·2 + (3 − 2)
/// let mut padded = Conv2DTranspose::new(4, (3, 3)).strides((2, 2)).output_padding((1, 0));
/// assert_eq!(padded.build([7, 7, 32])?, vec![16, 15, 4]); // 6·2 + 3 + (1, 0)
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C], validate = Self::validate_config)]
pub struct Conv2DTranspose {
    /// The number of output channels.
    pub filters: usize,
    /// The `(height, width)` of the convolution window.
    pub kernel_size: (usize, usize),
    /// The `(rows, columns)` upsampling step; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub strides: (usize, usize),
    /// `valid` (default) or `same`.
    #[config(default = Padding::Valid)]
    pub padding: Padding,
    /// Keras's `output_padding`: positions added at the end of each output axis, each below
    /// its stride; none by default (the sizes above).
    #[config(default = None)]
    pub output_padding: Option<(usize, usize)>,
    /// The `(rows, columns)` spacing between kernel taps; `(1, 1)` by default.
    #[config(default = (1, 1))]
    pub dilation_rate: (usize, usize),
    /// Applied to the output; `linear` (none) by default.
    #[config(default = Activation::linear())]
    pub activation: Activation,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// A penalty on the kernel, added to the training loss; none by default.
    #[config(default = None)]
    pub kernel_regularizer: Option<Regularizer>,
    /// A penalty on the bias, added to the training loss; none by default.
    #[config(default = None)]
    pub bias_regularizer: Option<Regularizer>,
    /// Projects the kernel after each update; none by default.
    #[config(default = None)]
    pub kernel_constraint: Option<Constraint>,
    /// Projects the bias after each update; none by default.
    #[config(default = None)]
    pub bias_constraint: Option<Constraint>,
    /// The `(kh, kw, filters, channels)` kernel.
    #[weight(
        shape = [kernel_size.0, kernel_size.1, filters, C],
        init = kernel_initializer.clone(),
        regularizer = kernel_regularizer.clone(),
        constraint = kernel_constraint.clone()
    )]
    pub kernel: Weight,
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

impl Conv2DTranspose {
    fn validate_config(&self) -> Result<()> {
        self.padding.check_not_causal()?;
        check_size("filters", self.filters)?;
        check_sizes("kernel_size", &[self.kernel_size.0, self.kernel_size.1])?;
        check_sizes("strides", &[self.strides.0, self.strides.1])?;
        if let Some((ph, pw)) = self.output_padding
            && (ph >= self.strides.0 || pw >= self.strides.1)
        {
            return Err(Error::InvalidConfig {
                field: "output_padding".into(),
                message: format!(
                    "each output padding must be below its stride (as Keras requires), got \
                     ({ph}, {pw}) with strides ({}, {})",
                    self.strides.0, self.strides.1
                ),
            });
        }
        check_dilation(
            &[self.strides.0, self.strides.1],
            &[self.dilation_rate.0, self.dilation_rate.1],
        )?;
        self.activation.check()?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl TryCall for Conv2DTranspose {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let kernel = self.kernel.value();
        let y = match self.output_padding {
            None => {
                x.try_conv2d_transpose(&kernel, self.strides, self.padding, self.dilation_rate)?
            }
            Some(p) => x.try_conv2d_transpose_with_output_padding(
                &kernel,
                self.strides,
                self.padding,
                self.dilation_rate,
                p,
            )?,
        };
        Ok(finish(
            y,
            self.use_bias.then_some(&self.bias),
            &self.activation,
        ))
    }
}
