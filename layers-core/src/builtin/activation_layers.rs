//! Keras's activation layers with settings: [`ReLU`], [`LeakyReLU`], [`PReLU`] (a learned
//! slope) and [`ELU`]. Their Rust names are Keras's class names, so that they differ from
//! the activations of the same formulas (`activation::Relu`, `activation::LeakyRelu`,
//! `activation::Elu`, Keras's `keras.activations.relu`…), as Keras's do.

#![allow(clippy::upper_case_acronyms)]

use crate::activation::function::apply_activation;
use crate::activation::{Elu, LeakyRelu, Relu};
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::Call;
use crate::layer::config::check_initializer;
use crate::regularizers::Regularizer;
use crate::{Layer, Tensor, Weight};

/// `Err(InvalidConfig)` naming `field` unless `value` is finite and not negative.
fn check_non_negative(field: &str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        return Ok(());
    }
    Err(Error::InvalidConfig {
        field: field.into(),
        message: format!("must be a finite number ≥ 0, got {value:?}"),
    })
}

/// Keras 3's `ReLU(max_value, negative_slope, threshold)` layer: `x` above `threshold`
/// (`0` at or below it), clipped to `max_value`, minus
/// `negative_slope · max(threshold − x, 0)`:
///
/// - `ReLU::new()` is `max(x, 0)`;
/// - `.max_value(6.0)` caps it at 6;
/// - `.threshold(t)` gives 0 for `x ≤ t` (and `x` above it, not `x − t`);
/// - `.negative_slope(a)` adds `a · (x − t)` below the threshold; with no `max_value` and
///   no threshold it is Keras's `leaky_relu(x, a)`.
///
/// These are Keras's own steps (`keras.activations.relu`), checked against Keras 3.15.1 on
/// every combination of the settings. NaN stays NaN. Building refuses a `max_value`,
/// `negative_slope` or `threshold` that is negative or NaN (Keras refuses negative ones),
/// or infinite (but `max_value` may be left unset). The mask of the input, if any, is
/// passed on.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::ReLU;
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![-2.0, 0.5, 1.5, 4.0], &[1, 4]);
/// let relu = ReLU::new().max_value(3.0).threshold(1.0).negative_slope(0.5);
/// // below 1: 0.5 · (x − 1); above: x, clipped to 3
/// assert_eq!(relu.try_apply(&x)?.to_vec(), vec![-1.5, -0.25, 1.5, 3.0]);
///
/// let err = ReLU::new().max_value(-1.0).build([4]).unwrap_err();
/// assert!(err.to_string().contains("`max_value`"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "ReLU",
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct ReLU {
    /// The largest output; none (no cap) by default.
    #[config(default = None)]
    pub max_value: Option<f32>,
    /// The slope below the threshold; 0 by default.
    #[config(default = 0.0)]
    pub negative_slope: f32,
    /// The value at or below which the output is 0 (or sloped); 0 by default.
    #[config(default = 0.0)]
    pub threshold: f32,
}

impl ReLU {
    fn validate_config(&self) -> Result<()> {
        if let Some(max) = self.max_value {
            check_non_negative("max_value", max)?;
        }
        check_non_negative("negative_slope", self.negative_slope)?;
        check_non_negative("threshold", self.threshold)
    }

    /// The value and the derivative at `x`, in the steps of Keras's `ReLU.static_call`.
    fn value_and_derivative(&self, x: f32) -> (f32, f32) {
        if x.is_nan() {
            return (x, x);
        }
        let (slope, threshold) = (self.negative_slope, self.threshold);
        if slope != 0.0 && self.max_value.is_none() && threshold == 0.0 {
            // Keras calls `leaky_relu` here: `x ≥ 0 ? x : slope · x`.
            return if x >= 0.0 {
                (x, 1.0)
            } else {
                (slope * x, slope)
            };
        }
        let (mut y, mut dy) = if x > threshold { (x, 1.0) } else { (0.0, 0.0) };
        if let Some(max) = self.max_value
            && y > max
        {
            (y, dy) = (max, 0.0);
        }
        if slope != 0.0 && threshold - x > 0.0 {
            y -= slope * (threshold - x);
            dy += slope;
        }
        (y, dy)
    }
}

impl Call for ReLU {
    fn call(&self, x: &Tensor) -> Tensor {
        x.map_fused(
            |v| self.value_and_derivative(v).0,
            |v| self.value_and_derivative(v),
        )
    }
}

/// Keras 3's `LeakyReLU(negative_slope)` layer: `x` for `x ≥ 0`, `negative_slope · x`
/// below. Keras's layer default slope is 0.3 (the `leaky_relu` function's is 0.2). The
/// formula is [`activation::leaky_relu`](crate::activation::leaky_relu)'s. Building refuses
/// a slope that is negative (as Keras does), NaN or infinite. The mask, if any, is passed
/// on.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::LeakyReLU;
/// use layers_core::prelude::*;
/// let y = LeakyReLU::new().try_apply(&Tensor::from_vec(vec![-2.0, 3.0], &[1, 2]))?;
/// assert!((y.to_vec()[0] + 0.6).abs() < 1e-6 && y.to_vec()[1] == 3.0);
/// assert!(LeakyReLU::new().negative_slope(-0.1).build([2]).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "LeakyReLU",
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct LeakyReLU {
    /// The slope below 0; Keras's 0.3 by default.
    #[config(default = 0.3)]
    pub negative_slope: f32,
}

impl LeakyReLU {
    fn validate_config(&self) -> Result<()> {
        check_non_negative("negative_slope", self.negative_slope)
    }
}

impl Call for LeakyReLU {
    fn call(&self, x: &Tensor) -> Tensor {
        apply_activation(&LeakyRelu::new(self.negative_slope), x)
    }
}

/// Keras 3's `ELU(alpha)` layer: `x` for `x > 0`, `alpha · (eˣ − 1)` below (alpha 1 by
/// default), the formula of [`activation::elu`](crate::activation::elu). Keras accepts any
/// alpha; building refuses only a NaN or infinite one. The mask, if any, is passed on.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::ELU;
/// use layers_core::prelude::*;
/// let y = ELU::new().alpha(0.5).try_apply(&Tensor::from_vec(vec![-1.0, 2.0], &[1, 2]))?;
/// assert!((y.to_vec()[0] - 0.5 * ((-1.0f32).exp() - 1.0)).abs() < 1e-6);
/// assert!(ELU::new().alpha(f32::NAN).build([2]).is_err());
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "ELU",
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct ELU {
    /// The scale of the negative part; 1 by default.
    #[config(default = 1.0)]
    pub alpha: f32,
}

impl ELU {
    fn validate_config(&self) -> Result<()> {
        if !self.alpha.is_finite() {
            return Err(Error::InvalidConfig {
                field: "alpha".into(),
                message: format!("must be finite, got {:?}", self.alpha),
            });
        }
        Ok(())
    }
}

impl Call for ELU {
    fn call(&self, x: &Tensor) -> Tensor {
        apply_activation(&Elu::new(self.alpha), x)
    }
}

/// Keras 3's `PReLU` layer, a leaky ReLU with a learned slope: `max(x, 0) − alpha ·
/// max(−x, 0)`.
///
/// `alpha` has one value per input value, the per-sample input shape (`(h, w, c)` for
/// images), except along `shared_axes` (counted as in Keras, 1 the first axis after the
/// batch), where it has size 1 and is shared: `.shared_axes(vec![1, 2])` on images gives
/// one slope per channel, `(1, 1, c)`. `alpha_initializer` is `zeros` by default (so the
/// layer starts as a ReLU), `alpha_regularizer` and `alpha_constraint` none.
///
/// Building refuses a shared axis of 0 (the batch) or beyond the input's rank, or given
/// twice, naming the layer and `shared_axes` (Keras would set another axis's size instead).
/// The mask, if any, is passed on.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::PReLU;
/// use layers_core::prelude::*;
/// let mut prelu = PReLU::new().alpha_initializer(Initializer::constant(0.25)).shared_axes(vec![1, 2]);
/// assert_eq!(prelu.build([4, 4, 3])?, vec![4, 4, 3]);
/// assert_eq!(prelu.alpha.shape(), Some(vec![1, 1, 3]));
/// let y = prelu.try_apply(&Tensor::full(&[1, 4, 4, 3], -2.0))?;
/// assert!(y.to_vec().iter().all(|v| *v == -0.5));
///
/// let err = PReLU::new().shared_axes(vec![3]).build([4, 4]).unwrap_err();
/// assert!(err.to_string().contains("`shared_axes`"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    name = "PReLU",
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct PReLU {
    /// How `alpha` starts; Keras's `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub alpha_initializer: Initializer,
    /// A penalty on `alpha`, added to the training loss; none by default.
    #[config(default = None)]
    pub alpha_regularizer: Option<Regularizer>,
    /// Projects `alpha` after each update; none by default.
    #[config(default = None)]
    pub alpha_constraint: Option<Constraint>,
    /// The input axes (1 the first after the batch) along which `alpha` is shared; none by
    /// default.
    #[config(default = None)]
    pub shared_axes: Option<Vec<usize>>,
    /// The learned slopes of the negative part.
    #[weight(
        shape = Self::alpha_shape,
        init = alpha_initializer.clone(),
        regularizer = alpha_regularizer.clone(),
        constraint = alpha_constraint.clone()
    )]
    pub alpha: Weight,
}

impl PReLU {
    fn validate_config(&self) -> Result<()> {
        check_initializer("alpha_initializer", &self.alpha_initializer)
    }

    /// Keras's `param_shape`: the per-sample input shape with each shared axis set to 1.
    fn alpha_shape(&self, input: &[usize]) -> Result<Vec<usize>> {
        let mut shape = input.to_vec();
        let mut seen = Vec::new();
        for &axis in self.shared_axes.iter().flatten() {
            let problem = if axis == 0 {
                Some("axis 0 is the batch axis, which alpha never spans".to_string())
            } else if axis > input.len() {
                Some(format!(
                    "axis {axis} is beyond the input's {} axes after the batch",
                    input.len()
                ))
            } else if seen.contains(&axis) {
                Some(format!("axis {axis} is given twice"))
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(Error::InvalidConfig {
                    field: "shared_axes".into(),
                    message: format!(
                        "must name input axes from 1 to {} (1 is the first after the batch): {problem}",
                        input.len()
                    ),
                });
            }
            seen.push(axis);
            shape[axis - 1] = 1;
        }
        Ok(shape)
    }
}

impl Call for PReLU {
    fn call(&self, x: &Tensor) -> Tensor {
        // Keras's `relu(x) + (−alpha) · relu(−x)`.
        apply_activation(&Relu, x) - apply_activation(&Relu, &-x).mul(&self.alpha)
    }
}
