//! Layers that add random noise in training and are the identity in inference, as Keras's
//! regularization layers: [`GaussianNoise`] adds normal noise, [`GaussianDropout`]
//! multiplies by normal noise around 1.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new()
//!     .add(GaussianNoise::new(0.1))
//!     .add(Dense::new(4))
//!     .add(GaussianDropout::new(0.2));
//! assert_eq!(model.build([3])?, vec![4]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::sync::{Mutex, PoisonError};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};

use crate::error::Result;
use crate::layer::config::check_fraction;
use crate::layer::{CallWithContext, Context};
use crate::{Layer, Tensor};

/// The random stream of a noise layer with a `seed`: its own, seeded by it when first
/// drawn from and going on from call to call, as Keras's `SeedGenerator(seed)`. A layer
/// without a seed draws from the call's stream (the model's seed) instead.
#[derive(Debug, Default)]
pub(crate) struct OwnStream(Mutex<Option<StdRng>>);

impl OwnStream {
    /// Runs `f` with the layer's own stream if `seed` is set, else with the call's.
    pub(crate) fn with<R>(
        &self,
        seed: Option<u64>,
        ctx: &Context,
        f: impl FnOnce(&mut StdRng) -> R,
    ) -> R {
        match seed {
            None => ctx.with_rng(f),
            Some(seed) => {
                // A panic while drawing leaves a stream that is still a valid stream.
                let mut stream = self.0.lock().unwrap_or_else(PoisonError::into_inner);
                f(stream.get_or_insert_with(|| StdRng::seed_from_u64(seed)))
            }
        }
    }
}

/// `len` draws of a normal distribution of mean `mean` and standard deviation `stddev`.
fn normal(
    stream: &OwnStream,
    seed: Option<u64>,
    ctx: &Context,
    len: usize,
    mean: f32,
    stddev: f32,
) -> Vec<f32> {
    let normal = Normal::new(mean, stddev).expect("the standard deviation is finite and ≥ 0");
    stream.with(seed, ctx, |rng| {
        (0..len).map(|_| normal.sample(rng)).collect()
    })
}

/// Keras's `GaussianNoise(stddev, seed)`: in training, adds noise drawn from a normal
/// distribution of mean 0 and standard deviation `stddev` to each input; the identity in
/// inference. The gradient is the identity. Passes a mask on, as Keras's does.
///
/// With a `seed`, the layer draws from its own stream seeded by it (the same noise in every
/// run); without one, from the call's stream, seeded by the model's seed.
///
/// # Errors
///
/// When built with a `stddev` outside `[0, 1]` (Keras's range) or NaN, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let noise = GaussianNoise::new(0.5).seed(Some(3));
/// let x = Tensor::zeros(&[1, 10_000]);
/// assert_eq!(noise.apply(&x).to_vec(), x.to_vec()); // inference: identity
/// let y = with_context(true, 0, || noise.apply(&x)).to_vec();
/// let variance = y.iter().map(|v| v * v).sum::<f32>() / y.len() as f32;
/// assert!((variance - 0.25).abs() < 0.02, "{variance}");
/// assert_eq!(noise.config(), serde_json::json!({"stddev": 0.5, "seed": 3}));
///
/// let err = GaussianNoise::new(-0.1).build([4]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `gaussian_noise` (GaussianNoise): `stddev` must be in [0, 1], got -0.1"
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
pub struct GaussianNoise {
    /// The standard deviation of the noise, in `[0, 1]` as Keras requires.
    pub stddev: f32,
    /// The seed of the layer's own random stream; none by default (the model's stream).
    #[config(default = None)]
    pub seed: Option<u64>,
    #[skip]
    stream: OwnStream,
}

impl GaussianNoise {
    fn validate_config(&self) -> Result<()> {
        check_fraction("stddev", self.stddev, true)
    }
}

impl CallWithContext for GaussianNoise {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        // Only reachable with a bad setting through `call` itself: `forward` validates first.
        if let Err(e) = self.validate_config() {
            panic!("`gaussian_noise`: {e}");
        }
        if !ctx.training() || self.stddev == 0.0 {
            return x.clone();
        }
        let noise = normal(&self.stream, self.seed, ctx, x.len(), 0.0, self.stddev);
        x + Tensor::from_vec(noise, x.shape())
    }
    /// At inference the input passes through unchanged.
    fn inference_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        self.validate_config().ok()?;
        Some(x.to_vec())
    }
}

/// Keras's `GaussianDropout(rate, seed)`: in training, multiplies each input by noise drawn
/// from a normal distribution of mean 1 and standard deviation `√(rate / (1 − rate))`; the
/// identity in inference. The gradient is the same noise. Passes a mask on, as Keras's
/// does.
///
/// With a `seed`, the layer draws from its own stream seeded by it; without one, from the
/// call's stream, seeded by the model's seed.
///
/// # Errors
///
/// When built with a `rate` outside `[0, 1)` or NaN, naming the layer (Keras takes a rate of
/// 1, for an infinite standard deviation that makes every output NaN).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let drop = GaussianDropout::new(0.2);
/// let x = Tensor::ones(&[1, 10_000]);
/// assert_eq!(drop.apply(&x).to_vec(), x.to_vec()); // inference: identity
/// let y = with_context(true, 0, || drop.apply(&x)).to_vec();
/// let mean = y.iter().sum::<f32>() / y.len() as f32;
/// let variance = y.iter().map(|v| (v - 1.0).powi(2)).sum::<f32>() / y.len() as f32;
/// assert!((mean - 1.0).abs() < 0.02 && (variance - 0.25).abs() < 0.02);
///
/// let err = GaussianDropout::new(1.0).build([4]).unwrap_err();
/// assert!(err.to_string().ends_with("`rate` must be in [0, 1), got 1"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct GaussianDropout {
    /// The drop rate the noise stands for, in `[0, 1)`.
    pub rate: f32,
    /// The seed of the layer's own random stream; none by default (the model's stream).
    #[config(default = None)]
    pub seed: Option<u64>,
    #[skip]
    stream: OwnStream,
}

impl GaussianDropout {
    fn validate_config(&self) -> Result<()> {
        check_fraction("rate", self.rate, false)
    }
}

impl CallWithContext for GaussianDropout {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if let Err(e) = self.validate_config() {
            panic!("`gaussian_dropout`: {e}");
        }
        if !ctx.training() || self.rate == 0.0 {
            return x.clone();
        }
        let stddev = (self.rate / (1.0 - self.rate)).sqrt();
        let noise = normal(&self.stream, self.seed, ctx, x.len(), 1.0, stddev);
        x * Tensor::from_vec(noise, x.shape())
    }
    /// At inference the input passes through unchanged.
    fn inference_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        self.validate_config().ok()?;
        Some(x.to_vec())
    }
}
