//! [`SpatialDropout1D`] and [`SpatialDropout2D`]: Keras's dropout of whole channels, for
//! sequences and images whose neighbouring values are correlated.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new()
//!     .add(Conv1D::new(4, 3))
//!     .add(SpatialDropout1D::new(0.25));
//! assert_eq!(model.build([10, 2])?, vec![8, 4]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use rand_distr::{Bernoulli, Distribution};

use crate::builtin::noise::OwnStream;
use crate::builtin::spatial1d::check_channels_last;
use crate::error::Result;
use crate::layer::config::check_fraction;
use crate::layer::{CallWithContext, Context};
use crate::{Layer, Tensor};

/// In training, a `(batch, 1, …, 1, channels)` mask: each channel of each sample kept with
/// probability `1 − rate` and scaled by `1 / (1 − rate)`, or set to 0.
fn channel_mask(
    x: &Tensor,
    rate: f32,
    seed: Option<u64>,
    stream: &OwnStream,
    ctx: &Context,
) -> Tensor {
    let shape = x.shape();
    let (batch, channels) = (shape[0], shape[shape.len() - 1]);
    let keep = 1.0 - rate;
    let scale = 1.0 / keep;
    let bernoulli = Bernoulli::new(f64::from(keep)).expect("keep probability is in (0, 1]");
    let mask: Vec<f32> = stream.with(seed, ctx, |rng| {
        (0..batch * channels)
            .map(|_| if bernoulli.sample(rng) { scale } else { 0.0 })
            .collect()
    });
    let mut mask_shape = vec![1; shape.len()];
    mask_shape[0] = batch;
    mask_shape[shape.len() - 1] = channels;
    Tensor::from_vec(mask, &mask_shape)
}

/// Keras's `SpatialDropout1D(rate, seed)`: in training, sets whole channels of each
/// sequence `(batch, steps, channels)` to 0, each with probability `rate`, and scales the
/// others by `1 / (1 − rate)`, as Keras's dropout with the noise shape
/// `(batch, 1, channels)`; the identity in inference. Passes a mask on, as Keras's does.
/// With a `seed`, the layer draws from its own stream seeded by it; without one, from the
/// call's stream, seeded by the model's seed.
///
/// # Errors
///
/// When built with a `rate` outside `[0, 1)` or NaN, or on an input that is not
/// `(batch, steps, channels)`, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let drop = SpatialDropout1D::new(0.5);
/// let x = Tensor::ones(&[2, 5, 8]);
/// assert_eq!(drop.try_apply(&x)?.to_vec(), x.to_vec()); // inference: identity
/// let y = with_context(true, 1, || drop.apply(&x));
/// // each channel is 0 or 2 at every step
/// let first_step = y.narrow(1, 0, 1);
/// for t in 1..5 {
///     assert_eq!(y.narrow(1, t, 1).to_vec(), first_step.to_vec());
/// }
/// let err = SpatialDropout1D::new(0.5).build([5]).unwrap_err();
/// assert!(err.to_string().contains("SpatialDropout1D"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [B, T, C],
    output = [B, T, C],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct SpatialDropout1D {
    /// The probability of dropping each channel, in `[0, 1)`.
    pub rate: f32,
    /// The seed of the layer's own random stream; none by default (the model's stream).
    #[config(default = None)]
    pub seed: Option<u64>,
    #[skip]
    stream: OwnStream,
}

impl SpatialDropout1D {
    fn validate_config(&self) -> Result<()> {
        check_fraction("rate", self.rate, false)
    }
}

impl CallWithContext for SpatialDropout1D {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if let Err(e) = self.validate_config() {
            panic!("`spatial_dropout1d`: {e}");
        }
        if !ctx.training() || self.rate == 0.0 {
            return x.clone();
        }
        x * channel_mask(x, self.rate, self.seed, &self.stream, ctx)
    }
}

/// Keras's `SpatialDropout2D(rate, data_format, seed)`: in training, sets whole channels of
/// each image `(batch, height, width, channels)` to 0, each with probability `rate`, and
/// scales the others by `1 / (1 − rate)`, as Keras's dropout with the noise shape
/// `(batch, 1, 1, channels)`; the identity in inference. Passes a mask on, as Keras's does.
/// With a `seed`, the layer draws from its own stream seeded by it; without one, from the
/// call's stream, seeded by the model's seed.
///
/// # Errors
///
/// When built with a `rate` outside `[0, 1)` or NaN, a `data_format` other than
/// `"channels_last"`, or on an input that is not `(batch, height, width, channels)`,
/// naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let drop = SpatialDropout2D::new(0.5).seed(Some(4));
/// let x = Tensor::ones(&[1, 3, 3, 16]);
/// let y = with_context(true, 0, || drop.apply(&x));
/// let corner = y.narrow(1, 0, 1).narrow(2, 0, 1).to_vec();
/// assert!(corner.iter().all(|&v| v == 0.0 || v == 2.0));
/// assert_eq!(y.narrow(1, 2, 1).narrow(2, 1, 1).to_vec(), corner);
/// assert_eq!(
///     drop.config(),
///     serde_json::json!({"rate": 0.5, "data_format": "channels_last", "seed": 4})
/// );
///
/// let err = SpatialDropout2D::new(-0.5).build([3, 3, 1]).unwrap_err();
/// assert!(err.to_string().ends_with("`rate` must be in [0, 1), got -0.5"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [B, H, W, C],
    output = [B, H, W, C],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct SpatialDropout2D {
    /// The probability of dropping each channel, in `[0, 1)`.
    pub rate: f32,
    /// `"channels_last"`, the default and the only one supported.
    #[config(default = String::from("channels_last"))]
    pub data_format: String,
    /// The seed of the layer's own random stream; none by default (the model's stream).
    #[config(default = None)]
    pub seed: Option<u64>,
    #[skip]
    stream: OwnStream,
}

impl SpatialDropout2D {
    fn validate_config(&self) -> Result<()> {
        check_fraction("rate", self.rate, false)?;
        check_channels_last(&self.data_format)
    }
}

impl CallWithContext for SpatialDropout2D {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if let Err(e) = self.validate_config() {
            panic!("`spatial_dropout2d`: {e}");
        }
        if !ctx.training() || self.rate == 0.0 {
            return x.clone();
        }
        x * channel_mask(x, self.rate, self.seed, &self.stream, ctx)
    }
}
