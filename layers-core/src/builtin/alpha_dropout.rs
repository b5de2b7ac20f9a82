//! [`AlphaDropout`]: Keras's dropout for self-normalizing networks (`selu`), which keeps
//! the mean and variance of its inputs.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new()
//!     .add(Dense::new(8).activation("selu").kernel_initializer(Initializer::lecun_normal()))
//!     .add(AlphaDropout::new(0.1));
//! assert_eq!(model.build([3])?, vec![8]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use rand_distr::{Bernoulli, Distribution};

use crate::builtin::noise::OwnStream;
use crate::error::Result;
use crate::layer::config::check_fraction;
use crate::layer::{CallWithContext, Context};
use crate::{Layer, Tensor};

/// SELU's `α` and `λ` (Keras's constants).
const ALPHA: f64 = 1.673_263_242_354_377_2;
const SCALE: f64 = 1.050_700_987_355_480_5;

/// Keras's `AlphaDropout(rate, noise_shape, seed)`: in training, sets each input to SELU's
/// negative saturation value `−λα` with probability `rate`, then applies the affine map
/// `a·x + b` with `a = ((1 − rate)(1 + rate·(λα)²))^−½` and `b = a·λα·rate`, so that inputs
/// of mean 0 and variance 1 keep them; the identity in inference. The gradient is `a` where
/// an input was kept and 0 where it was dropped. `noise_shape` (as Keras's: `None` for an
/// axis of the input, or 1 to share a draw along it) sets which values are dropped
/// together. Passes a mask on, as Keras's does. With a `seed`, the layer draws from its own
/// stream seeded by it; without one, from the call's stream, seeded by the model's seed.
///
/// # Errors
///
/// When built with a `rate` outside `[0, 1)` or NaN (Keras takes a rate of 1, which makes
/// `a` infinite), naming the layer; a `noise_shape` whose rank is not the input's, or whose
/// size on an axis is neither 1 nor the input's, is an error naming the layer when it is
/// called in training.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let drop = AlphaDropout::new(0.2);
/// let x = Tensor::zeros(&[1, 4]);
/// assert_eq!(drop.apply(&x).to_vec(), x.to_vec()); // inference: identity
/// // in training, each value is a·0 + b (kept) or a·(−λα) + b (dropped): two values
/// let y = with_context(true, 3, || drop.apply(&Tensor::zeros(&[1, 1000]))).to_vec();
/// let mut distinct = y.clone();
/// distinct.sort_by(f32::total_cmp);
/// distinct.dedup();
/// assert_eq!(distinct.len(), 2);
/// assert_eq!(drop.config(), serde_json::json!({"rate": 0.2, "noise_shape": null, "seed": null}));
///
/// let err = AlphaDropout::new(1.0).build([4]).unwrap_err();
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
pub struct AlphaDropout {
    /// The probability of dropping each input, in `[0, 1)`.
    pub rate: f32,
    /// The shape of the drawn mask, batch axis first: `None` for an axis of the input, 1
    /// to share a draw along an axis; the input's shape by default.
    #[config(default = None)]
    pub noise_shape: Option<Vec<Option<usize>>>,
    /// The seed of the layer's own random stream; none by default (the model's stream).
    #[config(default = None)]
    pub seed: Option<u64>,
    #[skip]
    stream: OwnStream,
}

impl AlphaDropout {
    fn validate_config(&self) -> Result<()> {
        check_fraction("rate", self.rate, false)
    }

    /// The concrete shape of the mask for an input of shape `shape`.
    fn mask_shape(&self, shape: &[usize]) -> Vec<usize> {
        let Some(noise) = &self.noise_shape else {
            return shape.to_vec();
        };
        assert!(
            noise.len() == shape.len(),
            "`alpha_dropout`: `noise_shape` {noise:?} has {} axes, the input {shape:?} has {}",
            noise.len(),
            shape.len()
        );
        noise
            .iter()
            .zip(shape)
            .map(|(n, &s)| match *n {
                None => s,
                Some(n) if n == 1 || n == s => n,
                Some(n) => panic!(
                    "`alpha_dropout`: `noise_shape` {noise:?} has {n} where the input {shape:?} \
                     has {s}: expected 1, {s} or None"
                ),
            })
            .collect()
    }
}

impl CallWithContext for AlphaDropout {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if let Err(e) = self.validate_config() {
            panic!("`alpha_dropout`: {e}");
        }
        if !ctx.training() || self.rate == 0.0 {
            return x.clone();
        }
        let shape = self.mask_shape(x.shape());
        let rate = f64::from(self.rate);
        let alpha_p = -ALPHA * SCALE;
        let a = ((1.0 - rate) * (1.0 + rate * alpha_p * alpha_p)).powf(-0.5);
        let b = -a * alpha_p * rate;
        let keep = Bernoulli::new(1.0 - rate).expect("keep probability is in (0, 1]");
        let len = shape.iter().product();
        let kept: Vec<bool> = self.stream.with(self.seed, ctx, |rng| {
            (0..len).map(|_| keep.sample(rng)).collect()
        });
        // a·(x·kept + α'·(1 − kept)) + b = x·(a·kept) + (a·α'·(1 − kept) + b)
        let factor = kept
            .iter()
            .map(|&k| if k { a as f32 } else { 0.0 })
            .collect();
        let shift = kept
            .iter()
            .map(|&k| {
                if k {
                    b as f32
                } else {
                    (a * alpha_p + b) as f32
                }
            })
            .collect();
        x * Tensor::from_vec(factor, &shape) + Tensor::from_vec(shift, &shape)
    }
    /// At inference the input passes through unchanged.
    fn inference_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        self.validate_config().ok()?;
        Some(x.to_vec())
    }
}
