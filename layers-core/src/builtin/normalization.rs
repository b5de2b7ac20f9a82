//! `BatchNormalization` and `LayerNormalization` over the last axis.

use std::cell::RefCell;

use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::layer::config::{check_fraction, check_positive};
use crate::layer::{Call, CallWithContext, Context};
use crate::math::one_minus;
use crate::regularizers::Regularizer;
use crate::{Layer, Tensor, Weight};

/// Batch normalization over the last (feature) axis: in training, normalises with the
/// batch's mean and variance and updates the moving statistics
/// (`moving = moving·momentum + batch·(1 − momentum)`); in inference (and when the layer is
/// frozen, as in Keras) normalises with the moving statistics. Then scales by `gamma` and
/// shifts by `beta`.
///
/// Keras's defaults: momentum 0.99, epsilon 1e-3. `gamma` and `beta` are trainable,
/// `moving_mean` and `moving_variance` are not. Only the last axis is normalised
/// (channels-last). Building checks that `momentum` is in `[0, 1]` and `epsilon` is
/// positive and finite.
///
/// With Keras's mask (from `Masking` or `Embedding`'s `mask_zero`, one axis fewer than the
/// input: `(batch, time)` for `(batch, time, features)`), training takes the batch's mean
/// and variance over the unmasked positions only, as Keras 3's masked moments
/// (`Σ mask·x / (Σ mask + 10⁻⁷)`, and likewise the variance about that mean), so that padding
/// moves neither the normalisation nor the moving statistics; the mask goes on unchanged.
/// In inference the moving statistics are used, mask or not.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let mut bn = BatchNormalization::new();
/// bn.build([2])?;
/// let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 30.0], &[2, 2]);
/// with_context(true, 0, || bn.apply(&x)); // one training step
/// // moving_mean = 0·0.99 + [2, 20]·0.01
/// let mean = bn.moving_mean.value().to_vec();
/// assert!((mean[0] - 0.02).abs() < 1e-6 && (mean[1] - 0.2).abs() < 1e-6);
///
/// let err = BatchNormalization::new().momentum(f32::NAN).build([2]).unwrap_err();
/// assert!(err.to_string().ends_with("`momentum` must be in [0, 1], got NaN"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = Self::masked
)]
pub struct BatchNormalization {
    /// Weight of the old moving statistics in each update.
    #[config(default = 0.99)]
    pub momentum: f32,
    /// Added to the variance before the square root.
    #[config(default = 1e-3)]
    pub epsilon: f32,
    /// A penalty on the shift beta, added to the training loss; none by default.
    #[config(default = None)]
    pub beta_regularizer: Option<Regularizer>,
    /// A penalty on the scale gamma, added to the training loss; none by default.
    #[config(default = None)]
    pub gamma_regularizer: Option<Regularizer>,
    /// Projects the shift beta after each update; none by default.
    #[config(default = None)]
    pub beta_constraint: Option<Constraint>,
    /// Projects the scale gamma after each update; none by default.
    #[config(default = None)]
    pub gamma_constraint: Option<Constraint>,
    /// The learned scale.
    #[weight(
        shape = [input[-1]],
        init = "ones",
        regularizer = gamma_regularizer.clone(),
        constraint = gamma_constraint.clone()
    )]
    pub gamma: Weight,
    /// The learned shift.
    #[weight(
        shape = [input[-1]],
        init = "zeros",
        regularizer = beta_regularizer.clone(),
        constraint = beta_constraint.clone()
    )]
    pub beta: Weight,
    /// The moving mean of the features (state, not trained).
    #[weight(shape = [input[-1]], init = "zeros", trainable = false)]
    pub moving_mean: Weight,
    /// The moving variance of the features (state, not trained).
    #[weight(shape = [input[-1]], init = "ones", trainable = false)]
    pub moving_variance: Weight,
}

impl BatchNormalization {
    fn validate_config(&self) -> Result<()> {
        check_fraction("momentum", self.momentum, true)?;
        check_positive("epsilon", self.epsilon)
    }
}

thread_local! {
    /// The mask of the `BatchNormalization` call running on this thread, handed from
    /// `masked` to `call_with` through the derived `forward` (which checks and builds).
    static CALL_MASK: RefCell<Option<Tensor>> = const { RefCell::new(None) };
}

impl BatchNormalization {
    /// The `#[layer(masking = …)]` of the layer: the forward pass with the mask's moments,
    /// the mask passed on.
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        let expected = &x.shape()[..x.rank().saturating_sub(1)];
        if x.rank() < 2 || mask.shape() != expected {
            return Err(Error::mismatch(
                "mask",
                format!("a mask of the input's shape without its last axis, {expected:?}"),
                mask.shape(),
            ));
        }
        if let Some(v) = mask.to_vec().into_iter().find(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::invalid(
                "mask",
                format!("a mask holds only 0 (padding) and 1 (a real step), found {v}"),
            ));
        }
        /// Clears the handed-over mask however `forward` ends (an unwinding panic too), so
        /// that no later call on this thread sees it.
        struct Clear;
        impl Drop for Clear {
            fn drop(&mut self) {
                CALL_MASK.with(|m| m.borrow_mut().take());
            }
        }
        CALL_MASK.with(|m| *m.borrow_mut() = Some(mask.detach().unsqueeze(-1)));
        let _clear = Clear;
        let y = self.forward(x);
        Ok((y?, Some(mask.clone())))
    }
}

impl CallWithContext for BatchNormalization {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        let axes: Vec<isize> = (0..x.rank() as isize - 1).collect();
        let training = ctx.training() && !self.gamma.is_frozen();
        let mask = CALL_MASK.with(|m| m.borrow_mut().take());
        let (mean, variance) = if training {
            let (mean, variance) = match &mask {
                None => {
                    let mean = x.mean(&axes, false);
                    let variance = (x - &mean).square().mean(&axes, false);
                    (mean, variance)
                }
                // Keras 3's `_moments` with a mask, its `backend.epsilon()` included.
                Some(m) => {
                    let count =
                        (m * Tensor::ones(&[x.shape()[x.rank() - 1]])).sum(&axes, false) + 1e-7;
                    let mean = m.select(x, 0.0).sum(&axes, false) / &count;
                    let variance = m.select(&(x - &mean), 0.0).square().sum(&axes, false) / &count;
                    (mean, variance)
                }
            };
            let m = self.momentum;
            let update = |w: &Weight, batch: &Tensor| {
                let moving = w.value().detach() * m + batch.detach() * one_minus(m);
                w.set_value(moving)
                    .expect("the moving statistic keeps its shape");
            };
            update(&self.moving_mean, &mean);
            update(&self.moving_variance, &variance);
            (mean, variance)
        } else {
            (self.moving_mean.value(), self.moving_variance.value())
        };
        (x - &mean) / (variance + self.epsilon).sqrt() * &self.gamma + &self.beta
    }
}

/// Layer normalization: each sample is normalised over its last axis, then scaled by
/// `gamma` and shifted by `beta` (Keras's default epsilon 1e-3; building checks that it is
/// positive and finite).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let ln = LayerNormalization::new();
/// let y = ln.apply(&Tensor::from_vec(vec![1.0, 3.0], &[1, 2]));
/// // mean 2, variance 1: (x − 2) / √(1 + 1e-3)
/// let v = y.to_vec();
/// assert!((v[0] + 1.0 / 1.0005f32).abs() < 1e-4 && (v[1] - 1.0 / 1.0005f32).abs() < 1e-4);
///
/// let err = LayerNormalization::new().epsilon(0.0).build([2]).unwrap_err();
/// assert!(err.to_string().ends_with("`epsilon` must be positive and finite, got 0"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct LayerNormalization {
    /// Added to the variance before the square root.
    #[config(default = 1e-3)]
    pub epsilon: f32,
    /// A penalty on the shift beta, added to the training loss; none by default.
    #[config(default = None)]
    pub beta_regularizer: Option<Regularizer>,
    /// A penalty on the scale gamma, added to the training loss; none by default.
    #[config(default = None)]
    pub gamma_regularizer: Option<Regularizer>,
    /// Projects the shift beta after each update; none by default.
    #[config(default = None)]
    pub beta_constraint: Option<Constraint>,
    /// Projects the scale gamma after each update; none by default.
    #[config(default = None)]
    pub gamma_constraint: Option<Constraint>,
    /// The learned scale.
    #[weight(
        shape = [input[-1]],
        init = "ones",
        regularizer = gamma_regularizer.clone(),
        constraint = gamma_constraint.clone()
    )]
    pub gamma: Weight,
    /// The learned shift.
    #[weight(
        shape = [input[-1]],
        init = "zeros",
        regularizer = beta_regularizer.clone(),
        constraint = beta_constraint.clone()
    )]
    pub beta: Weight,
}

impl LayerNormalization {
    fn validate_config(&self) -> Result<()> {
        check_positive("epsilon", self.epsilon)
    }
}

impl Call for LayerNormalization {
    fn call(&self, x: &Tensor) -> Tensor {
        let mean = x.mean(&[-1], true);
        let centered = x - &mean;
        let variance = centered.square().mean(&[-1], true);
        centered / (variance + self.epsilon).sqrt() * &self.gamma + &self.beta
    }
}
