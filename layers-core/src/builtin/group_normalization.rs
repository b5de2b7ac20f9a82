//! [`GroupNormalization`]: Keras's layer that normalizes each sample over groups of its
//! channels.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut norm = GroupNormalization::new().groups(2);
//! assert_eq!(norm.build([5, 5, 4])?, vec![5, 5, 4]);
//! assert_eq!(norm.count_params()?, 8); // gamma and beta, one per channel
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::TryCall;
use crate::layer::config::{check_initializer, check_positive};
use crate::regularizers::Regularizer;
use crate::{Layer, Tensor, Weight};

/// Keras's `GroupNormalization`: splits the channels (the last axis) into `groups` groups
/// of consecutive channels and normalizes each sample's values in each group, over all its
/// other axes, with their mean and variance: `(x − mean) / √(variance + epsilon) · gamma +
/// beta`, `gamma` and `beta` one per channel. With `groups = 1` it is layer normalization
/// over all axes, with `groups = -1` (or the number of channels) instance normalization.
///
/// Keras's defaults: 32 groups, `axis = -1`, `epsilon = 1e-3`, `center` and `scale` on,
/// `gamma` ones and `beta` zeros, built in that order (`gamma`, then `beta`; the one
/// switched off by `scale = false` or `center = false` is not built). Passes a mask on, as
/// Keras's does. Only `axis = -1` (channels last) is supported.
///
/// # Errors
///
/// When built with `groups` 0 or below -1, a channel count that `groups` does not divide
/// (or that is smaller than `groups`), an `epsilon` that is not positive and finite, an
/// `axis` other than -1, or unusable initializer parameters; when called on an input of
/// rank 1. Each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let norm = GroupNormalization::new().groups(1).center(false).scale(false);
/// // one group of 2 channels × 1 step: mean 2, variance 1
/// let y = norm.try_apply(&Tensor::from_vec(vec![1.0, 3.0], &[1, 1, 2]))?.to_vec();
/// assert!((y[0] + 1.0 / 1.0005).abs() < 1e-4 && (y[1] - 1.0 / 1.0005).abs() < 1e-4);
///
/// let err = GroupNormalization::new().groups(3).build([8]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `group_normalization` (GroupNormalization): its call failed for input shape \
///      (None, 8): `GroupNormalization`: `groups` (3) must divide the number of channels, 8"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct GroupNormalization {
    /// The number of groups the channels are split into, or -1 for one group per channel;
    /// 32 by default.
    #[config(default = 32)]
    pub groups: isize,
    /// The channels axis: -1 (the last), the default and the only one supported.
    #[config(default = -1)]
    pub axis: isize,
    /// Added to the variance before the square root; 1e-3 by default.
    #[config(default = 1e-3)]
    pub epsilon: f32,
    /// Whether to add the shift `beta`; on by default.
    #[config(default = true)]
    pub center: bool,
    /// Whether to multiply by the scale `gamma`; on by default.
    #[config(default = true)]
    pub scale: bool,
    /// Fills `beta`; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub beta_initializer: Initializer,
    /// Fills `gamma`; `ones` by default.
    #[config(default = Initializer::ones())]
    pub gamma_initializer: Initializer,
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
    /// The learned scale, one per channel, present when `scale`.
    #[weight(
        shape = [input[-1]],
        init = gamma_initializer.clone(),
        enabled = scale,
        regularizer = gamma_regularizer.clone(),
        constraint = gamma_constraint.clone()
    )]
    pub gamma: Weight,
    /// The learned shift, one per channel, present when `center`.
    #[weight(
        shape = [input[-1]],
        init = beta_initializer.clone(),
        enabled = center,
        regularizer = beta_regularizer.clone(),
        constraint = beta_constraint.clone()
    )]
    pub beta: Weight,
}

impl GroupNormalization {
    fn validate_config(&self) -> Result<()> {
        if self.groups == 0 || self.groups < -1 {
            return Err(Error::InvalidConfig {
                field: "groups".into(),
                message: format!(
                    "must be a positive integer, or -1 for one group per channel, got {}",
                    self.groups
                ),
            });
        }
        if self.axis != -1 {
            return Err(Error::InvalidConfig {
                field: "axis".into(),
                message: format!(
                    "must be -1, the last axis (channels last, the only one supported), got {}",
                    self.axis
                ),
            });
        }
        check_positive("epsilon", self.epsilon)?;
        check_initializer("gamma_initializer", &self.gamma_initializer)?;
        check_initializer("beta_initializer", &self.beta_initializer)
    }

    /// The number of groups for `channels` channels.
    fn groups_for(&self, channels: usize) -> Result<usize> {
        let groups = usize::try_from(self.groups).unwrap_or(channels);
        if groups > channels {
            return Err(Error::invalid(
                "GroupNormalization",
                format!(
                    "`groups` ({groups}) cannot be more than the number of channels, {channels}"
                ),
            ));
        }
        if !channels.is_multiple_of(groups) {
            return Err(Error::invalid(
                "GroupNormalization",
                format!("`groups` ({groups}) must divide the number of channels, {channels}"),
            ));
        }
        Ok(groups)
    }
}

impl TryCall for GroupNormalization {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        if x.rank() < 2 {
            return Err(Error::mismatch(
                "GroupNormalization",
                "an input with a channels axis, (batch, …, channels)",
                x.shape(),
            ));
        }
        let shape = x.shape();
        let channels = shape[shape.len() - 1];
        let groups = self.groups_for(channels)?;
        let steps: usize = shape[1..shape.len() - 1].iter().product();
        // (batch, steps, groups, channels per group): each group's statistics are over
        // axes 1 and 3.
        let grouped = x.try_reshape(&[shape[0], steps, groups, channels / groups])?;
        let mean = grouped.try_mean(&[1, 3], true)?;
        let centered = &grouped - &mean;
        let variance = centered.square().try_mean(&[1, 3], true)?;
        let normalized = (centered / (variance + self.epsilon).sqrt()).try_reshape(shape)?;
        let scaled = match self.scale {
            true => normalized * &self.gamma,
            false => normalized,
        };
        Ok(match self.center {
            true => scaled + &self.beta,
            false => scaled,
        })
    }
}
