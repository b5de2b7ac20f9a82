//! `Dropout`: zeroes a random share of the inputs in training, scaling the rest up.

use rand_distr::{Bernoulli, Distribution};

use crate::error::Result;
use crate::layer::config::check_fraction;
use crate::layer::{CallWithContext, Context};
use crate::{Layer, Tensor};

/// In training, sets each input to 0 with probability `rate` and scales the others by
/// `1 / (1 − rate)`, so the expected sum is unchanged; the identity in inference. Random
/// draws come from the call's seeded stream (the model's seed), so training is reproducible.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::layer::context::with_context;
/// let drop = Dropout::new(0.5);
/// let x = Tensor::ones(&[1, 1000]);
/// assert_eq!(drop.apply(&x).to_vec(), x.to_vec()); // inference: identity
/// let y = with_context(true, 7, || drop.apply(&x)).to_vec();
/// assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
///
/// // A rate outside [0, 1) is refused when the layer is built, or on any call.
/// let err = Dropout::new(1.5).build([4]).unwrap_err();
/// assert_eq!(err.to_string(), "layer `dropout` (Dropout): `rate` must be in [0, 1), got 1.5");
/// # Ok::<(), layers_core::Error>(())
/// ```
///
/// # Panics
///
/// [`Call::call`](crate::Call::call) used directly (not through `forward`, `apply` or a
/// model, which report it as an error first), if `rate` is not in `[0, 1)`.
#[derive(Layer, Debug)]
#[layer(
    input = [..],
    output = [..],
    validate = Self::validate_config,
    masking = crate::layer::pass_mask
)]
pub struct Dropout {
    /// The probability of dropping each input, in `[0, 1)`.
    pub rate: f32,
}

impl Dropout {
    fn validate_config(&self) -> Result<()> {
        check_fraction("rate", self.rate, false)
    }
}

impl CallWithContext for Dropout {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        // Only reachable with a bad rate through `call` itself: `forward` validates first.
        if let Err(e) = self.validate_config() {
            panic!("`dropout`: {e}");
        }
        if !ctx.training() || self.rate == 0.0 {
            return x.clone();
        }
        let keep = 1.0 - self.rate;
        let scale = 1.0 / keep;
        let bernoulli = Bernoulli::new(f64::from(keep)).expect("keep probability is in (0, 1]");
        let mask: Vec<f32> = ctx.with_rng(|rng| {
            (0..x.len())
                .map(|_| if bernoulli.sample(rng) { scale } else { 0.0 })
                .collect()
        });
        x * Tensor::from_vec(mask, x.shape())
    }
    /// At inference the input passes through unchanged.
    fn inference_rows(&self, x: &[f32], _rows: usize) -> Option<Vec<f32>> {
        self.validate_config().ok()?;
        Some(x.to_vec())
    }
}
