//! `Conv1D` and `Conv2D`: Keras's convolution layers, channels-last,
//! `activation(conv(x, kernel) + bias)`.

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
use crate::tensor::conv_fused::FusedActivation;
use crate::weight::Weight;

/// An [`Error::InvalidConfig`] unless every size in config field `field` (`kernel_size`,
/// `strides`, `dilation_rate`) is at least 1.
pub(crate) fn check_sizes(field: &str, sizes: &[usize]) -> Result<()> {
    if sizes.contains(&0) {
        let shown = if sizes.len() == 1 {
            sizes[0].to_string()
        } else {
            format!("{sizes:?}")
        };
        return Err(Error::InvalidConfig {
            field: field.into(),
            message: format!("must hold positive integers, got {shown}"),
        });
    }
    Ok(())
}

/// [`check_sizes`] for `dilation_rate`, then Keras's rule that a dilation above 1 is not
/// combined with a stride above 1 (on any axes): Keras's convolution layers refuse it, and
/// no reference computes it.
pub(crate) fn check_dilation(strides: &[usize], dilation_rate: &[usize]) -> Result<()> {
    check_sizes("dilation_rate", dilation_rate)?;
    let above_one = |sizes: &[usize]| sizes.iter().any(|&s| s > 1);
    if above_one(strides) && above_one(dilation_rate) {
        let shown = |sizes: &[usize]| {
            if sizes.len() == 1 {
                sizes[0].to_string()
            } else {
                format!("{sizes:?}")
            }
        };
        return Err(Error::InvalidConfig {
            field: "dilation_rate".into(),
            message: format!(
                "above 1 cannot be combined with `strides` above 1 (as in Keras), got \
                 dilation_rate {} and strides {}",
                shown(dilation_rate),
                shown(strides)
            ),
        });
    }
    Ok(())
}

/// `y + bias` when there is one, then the activation.
pub(crate) fn finish(y: Tensor, bias: Option<&Weight>, activation: &Activation) -> Tensor {
    let y = match bias {
        Some(b) => y + b,
        None => y,
    };
    activation.apply(&y)
}

/// The fused form of `activation` for `Tensor::try_conv2d_bias_act`, when it is the
/// built-in `linear` or `relu`: checked by name and by its values and derivatives at probe
/// points, so that an activation of the same name with other values is never fused.
pub(crate) fn fused_activation(activation: &Activation) -> Option<FusedActivation> {
    let fused = match activation.name() {
        "linear" => FusedActivation::Linear,
        "relu" => FusedActivation::Relu,
        _ => return None,
    };
    if !activation.params().is_empty() {
        return None;
    }
    let probes = [
        -2.5f32,
        -0.0,
        0.0,
        1e-30,
        3.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    let agrees = probes.iter().all(|&z| {
        activation.value_and_derivative(z) == Some((fused.value(z), fused.derivative(z)))
    }) && activation
        .value_and_derivative(f32::NAN)
        .is_some_and(|(v, d)| v.is_nan() && d.is_nan() && fused.derivative(f32::NAN).is_nan());
    agrees.then_some(fused)
}

/// A 1-D convolution layer (temporal convolution): `activation(conv1d(x, kernel) + bias)`
/// over `(batch, steps, channels)` → `(batch, new_steps, filters)`.
///
/// Keras's arguments and defaults: `strides` 1, `padding` `valid`, `dilation_rate` 1, no
/// activation, a bias, kernel `glorot_uniform`, bias `zeros`. The kernel is
/// `(kernel_size, channels, filters)` and the bias `(filters,)`, in that order, as Keras
/// stores them. `new_steps` follows [`Padding::output_length`].
///
/// Building checks the config (sizes of at least 1, usable initializers); a call checks the
/// input's rank (3), that its channel count is the one the kernel was built for, and that the
/// kernel fits in the padded input, each an error naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::tensor::conv::Padding;
/// let mut conv = Conv1D::new(8, 3).strides(2).padding(Padding::Same);
/// assert_eq!(conv.build([7, 4])?, vec![4, 8]); // ⌈7 / 2⌉ steps
/// assert_eq!(conv.count_params()?, 3 * 4 * 8 + 8);
/// assert_eq!(conv.config()["padding"], "same");
///
/// let err = Conv1D::new(8, 5).build([3, 4]).unwrap_err();
/// assert!(err.to_string().starts_with("layer `conv1d` (Conv1D): "), "{err}");
/// assert!(err.to_string().contains("the kernel spans 5 positions"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, T, C], validate = Self::validate_config)]
pub struct Conv1D {
    /// The number of output channels.
    pub filters: usize,
    /// The length of the convolution window.
    pub kernel_size: usize,
    /// The step between windows; 1 by default.
    #[config(default = 1)]
    pub strides: usize,
    /// `valid` (default) or `same`.
    #[config(default = Padding::Valid)]
    pub padding: Padding,
    /// The spacing between kernel taps; 1 by default.
    #[config(default = 1)]
    pub dilation_rate: usize,
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
    /// The `(kernel_size, channels, filters)` kernel.
    #[weight(
        shape = [kernel_size, C, filters],
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

impl Conv1D {
    fn validate_config(&self) -> Result<()> {
        check_size("filters", self.filters)?;
        check_sizes("kernel_size", &[self.kernel_size])?;
        check_sizes("strides", &[self.strides])?;
        check_dilation(&[self.strides], &[self.dilation_rate])?;
        self.activation.check()?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl TryCall for Conv1D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let y = x.try_conv1d(
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

/// A 2-D convolution layer (spatial convolution over images):
/// `activation(conv2d(x, kernel) + bias)` over `(batch, height, width, channels)` →
/// `(batch, new_height, new_width, filters)`.
///
/// Keras's arguments and defaults: `kernel_size` as `(rows, columns)`, `strides` `(1, 1)`,
/// `padding` `valid`, `dilation_rate` `(1, 1)`, no activation, a bias, kernel
/// `glorot_uniform`, bias `zeros`. The kernel is `(kh, kw, channels, filters)` and the bias
/// `(filters,)`, in that order, as Keras stores them, so Keras weights load unchanged. The
/// output size per axis follows [`Padding::output_length`].
///
/// Building checks the config; a call checks the input's rank (4, so an image without its
/// batch or channel axis is refused), its channel count against the built kernel, and that
/// the kernel fits in the padded input, each an error naming the layer.
///
/// Only the input's rank is known at compile time (`input = [B, H, W, C]`): the output's
/// height and width need division by the stride, which shape types cannot express, so a
/// statically checked model checks the layers after a `Conv2D` when it is built.
///
/// # Examples
///
/// ```
/// use layers_core::activation::Relu;
/// use layers_core::prelude::*;
/// use layers_core::tensor::conv::Padding;
/// let mut conv = Conv2D::new(32, (3, 3)).activation(Relu);
/// assert_eq!(conv.build([28, 28, 1])?, vec![26, 26, 32]);
/// assert_eq!(conv.kernel.shape(), Some(vec![3, 3, 1, 32]));
/// assert_eq!(conv.count_params()?, 3 * 3 * 32 + 32);
///
/// let mut same = Conv2D::new(8, (3, 3)).strides((2, 2)).padding(Padding::Same);
/// assert_eq!(same.build([28, 28, 3])?, vec![14, 14, 8]);
///
/// // An image without its channel axis:
/// let err = Conv2D::new(8, (3, 3)).build([28, 28]).unwrap_err().to_string();
/// assert!(err.starts_with("layer `conv2d` (Conv2D): "), "{err}");
/// assert!(err.contains("expects input of shape [B, H, W, C]"), "{err}");
/// let err = Conv2D::new(0, (3, 3)).build([28, 28, 1]).unwrap_err();
/// assert_eq!(err.to_string(), "layer `conv2d` (Conv2D): `filters` must be a positive integer, got 0");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C], validate = Self::validate_config)]
pub struct Conv2D {
    /// The number of output channels.
    pub filters: usize,
    /// The `(height, width)` of the convolution window.
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
    /// The `(kh, kw, channels, filters)` kernel.
    #[weight(
        shape = [kernel_size.0, kernel_size.1, C, filters],
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

impl Conv2D {
    fn validate_config(&self) -> Result<()> {
        check_size("filters", self.filters)?;
        self.padding.check_not_causal()?;
        check_sizes("kernel_size", &[self.kernel_size.0, self.kernel_size.1])?;
        check_sizes("strides", &[self.strides.0, self.strides.1])?;
        check_dilation(
            &[self.strides.0, self.strides.1],
            &[self.dilation_rate.0, self.dilation_rate.1],
        )?;
        self.activation.check()?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl TryCall for Conv2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        // With a bias and a ReLU or linear activation, one fused op (same values; see
        // `tensor::conv_fused`); otherwise the plain composition below.
        if self.use_bias
            && let Some(activation) = fused_activation(&self.activation)
        {
            return x.try_conv2d_bias_act(
                &self.kernel.value(),
                &self.bias.value(),
                self.strides,
                self.padding,
                self.dilation_rate,
                activation,
            );
        }
        let y = x.try_conv2d(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Relu, Sigmoid};
    use crate::layer::gradcheck::check_layer;
    use crate::prelude::*;

    /// Values in [-1, 1) from a fixed recurrence.
    fn values(len: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(7);
        (0..len)
            .map(|_| {
                s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((s >> 8) % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    /// The layer's output and the gradients of `sum(y · r)` for input, kernel and bias,
    /// through `call` (fused when the activation allows) and through the plain composition
    /// `activation(conv2d(x, kernel) + bias)`.
    fn both_paths(layer: &Conv2D, x: &Tensor) -> [[Vec<f32>; 4]; 2] {
        let run = |plain: bool| {
            let x = x.detach().into_variable();
            let y = if plain {
                let y = x.conv2d(
                    &layer.kernel.value(),
                    layer.strides,
                    layer.padding,
                    layer.dilation_rate,
                );
                finish(y, Some(&layer.bias), &layer.activation)
            } else {
                layer.try_apply(&x).expect("the layer runs")
            };
            let r = Tensor::from_vec(values(y.len(), 99), y.shape());
            let grads = (&y * &r).sum_all().backward();
            let grad = |g: Option<&Tensor>| g.expect("a gradient reaches it").to_vec();
            [
                y.to_vec(),
                grad(grads.get(&x)),
                grad(layer.kernel.grad(&grads)),
                grad(layer.bias.grad(&grads)),
            ]
        };
        [run(false), run(true)]
    }

    #[test]
    fn fused_relu_and_linear_paths_equal_the_plain_composition() {
        let cases = [
            // (input (h, w, c), filters, kernel, strides, dilation, padding)
            ([28, 28, 1], 4, (3, 3), (1, 1), (1, 1), Padding::Valid),
            ([7, 6, 3], 5, (3, 2), (1, 1), (1, 2), Padding::Same),
            ([6, 7, 3], 2, (2, 3), (2, 2), (1, 1), Padding::Valid),
            ([6, 7, 3], 2, (2, 3), (1, 1), (2, 1), Padding::Valid),
            ([5, 5, 1], 3, (1, 1), (1, 1), (1, 1), Padding::Same),
        ];
        for (i, &(input, filters, k, s, d, p)) in cases.iter().enumerate() {
            for relu in [true, false] {
                let mut layer = Conv2D::new(filters, k)
                    .strides(s)
                    .dilation_rate(d)
                    .padding(p)
                    .bias_initializer(Initializer::RandomUniform {
                        minval: -0.5,
                        maxval: 0.5,
                    });
                if relu {
                    layer = layer.activation(Relu);
                }
                layer.build(input).expect("the case builds");
                assert!(fused_activation(&layer.activation).is_some());
                for batch in [1, 3] {
                    let shape = [batch, input[0], input[1], input[2]];
                    let len = shape.iter().product();
                    let x = Tensor::from_vec(values(len, i as u32), &shape);
                    let [fused, plain] = both_paths(&layer, &x);
                    for (what, (a, b)) in ["output", "input grad", "kernel grad", "bias grad"]
                        .iter()
                        .zip(fused.iter().zip(&plain))
                    {
                        assert_eq!(a.len(), b.len());
                        for (a, b) in a.iter().zip(b) {
                            assert!(
                                (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
                                "case {i}, relu {relu}, batch {batch}, {what}: {a} vs {b}"
                            );
                        }
                    }
                    // Some outputs clipped and some not, so the mask is exercised.
                    if relu {
                        assert!(fused[0].contains(&0.0) && fused[0].iter().any(|&v| v > 0.0));
                    }
                }
            }
        }
    }

    #[test]
    fn only_the_builtin_relu_and_linear_are_fused() {
        assert_eq!(
            fused_activation(&Activation::new(Relu)),
            Some(FusedActivation::Relu)
        );
        assert_eq!(
            fused_activation(&Activation::linear()),
            Some(FusedActivation::Linear)
        );
        assert_eq!(fused_activation(&Activation::new(Sigmoid)), None);
        assert_eq!(fused_activation(&Activation::softmax()), None);
    }

    #[test]
    fn fused_linear_path_passes_the_finite_difference_check() {
        let mut layer = Conv2D::new(3, (2, 3))
            .strides((2, 1))
            .padding(Padding::Same)
            .bias_initializer(Initializer::RandomUniform {
                minval: -0.5,
                maxval: 0.5,
            });
        layer.build([5, 4, 2]).expect("builds");
        let x = Tensor::from_vec(values(2 * 5 * 4 * 2, 5), &[2, 5, 4, 2]);
        let check = check_layer(&layer, &x, 1e-2).expect("runs");
        assert!(check.worst() < 1e-2, "{check}");
    }

    #[test]
    fn fused_path_keeps_the_shape_errors_naming_the_layer() {
        let mut layer = Conv2D::new(2, (3, 3)).activation(Relu);
        layer.build([5, 5, 2]).expect("builds");
        let err = layer
            .try_apply(&Tensor::ones(&[1, 5, 5, 3]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("layer `conv2d` (Conv2D): "), "{err}");
        assert!(
            err.contains("weight `kernel` was built with shape"),
            "{err}"
        );
        // A kernel larger than the input: the convolution's own error, naming the layer.
        let err = layer
            .try_apply(&Tensor::ones(&[1, 2, 2, 2]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("layer `conv2d` (Conv2D): "), "{err}");
        assert!(err.contains("the kernel spans 3 positions"), "{err}");
    }
}
