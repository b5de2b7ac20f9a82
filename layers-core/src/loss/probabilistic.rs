//! Losses between distributions: Poisson, Kullback-Leibler divergence and cosine
//! similarity (Keras's `Poisson`, `KLDivergence` and `CosineSimilarity`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{KLDivergence, Loss};
//! let y = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
//! assert_eq!(KLDivergence::new().compute(&y, &y)?.item(), 0.0);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::check::{align, last_axis_mean, validate_dense};
use super::scaled::dense_loss;
use super::{EPSILON, Loss};
use crate::Tensor;
use crate::error::Result;

dense_loss!(
    /// `mean(ŷ − y·ln(ŷ + ε))` (Keras's `Poisson`, `poisson`), `ε = 1e-7`, for
    /// predictions of a rate (≥ 0).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, Poisson};
    /// let l = Poisson::new().compute(&Tensor::zeros(&[1, 1]), &Tensor::full(&[1, 1], 2.0))?;
    /// assert_eq!(l.item(), 2.0);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Poisson,
    "poisson",
    |y, p| last_axis_mean(p - &(&y * &p.shift(EPSILON).ln()))
);

dense_loss!(
    /// `Σ y·ln(y / ŷ)` over the last axis, averaged over the rest (Keras's
    /// `KLDivergence`, `kl_divergence`, `kld`), with `y` and `ŷ` clipped to `[ε, 1]`
    /// (`ε = 1e-7`); a prediction outside gets no gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{KLDivergence, Loss};
    /// let y = Tensor::from_vec(vec![1.0, 0.0], &[1, 2]);
    /// let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
    /// // the 0 is clipped to 1e-7, which adds 1e-7·ln(1e-7 / 0.5) ≈ −1.5e-6
    /// assert!((KLDivergence::new().compute(&y, &p)?.item() - 2f32.ln()).abs() < 1e-5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    KLDivergence,
    "kl_divergence",
    |y, p| {
        let y = y.clip(EPSILON, 1.0);
        let p = p.clip(EPSILON, 1.0);
        (&y * &(&y / &p).ln()).sum(&[-1], false)
    }
);

/// `min(1 / √s, 1/ε)`, Keras's inverse L2 norm of a vector whose squares sum to `s`; its
/// derivative is 0 where the bound holds (a zero vector), not `0 · ∞`.
fn inverse_norm(square_sum: &Tensor) -> Tensor {
    const BOUND: f32 = 1.0 / EPSILON;
    square_sum.map_with_derivative(
        |s| (1.0 / s.sqrt()).min(BOUND),
        |s| {
            let inv = 1.0 / s.sqrt();
            if inv < BOUND { -0.5 * inv / s } else { 0.0 }
        },
    )
}

/// `x` divided by its L2 norm over the last axis, as Keras's `normalize`.
fn l2_normalize(x: &Tensor) -> Tensor {
    x * &inverse_norm(&x.square().sum(&[-1], true))
}

/// `−Σ ŷ/‖ŷ‖ · y/‖y‖` over the last axis, averaged over the rest (Keras's
/// `CosineSimilarity` loss, `cosine_similarity`): −1 for predictions pointing the way of
/// the targets, 0 for orthogonal ones or a zero vector (norms are bounded below by `ε`,
/// as in Keras, so a zero vector gives 0 and no NaN).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// use layers_core::loss::{CosineSimilarity, Loss};
/// let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0], &[2, 2]);
/// let p = Tensor::from_vec(vec![3.0, 0.0, 0.0, 2.0], &[2, 2]);
/// // the same direction (−1), then a zero target (0)
/// assert_eq!(CosineSimilarity::new().compute(&y, &p)?.item(), -0.5);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CosineSimilarity;

impl CosineSimilarity {
    /// The loss, over the last axis (Keras's default `axis = -1`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::loss::{CosineSimilarity, Loss};
    /// assert_eq!(CosineSimilarity::new().name(), "cosine_similarity");
    /// ```
    pub fn new() -> CosineSimilarity {
        CosineSimilarity
    }
}

impl Loss for CosineSimilarity {
    fn name(&self) -> &'static str {
        "cosine_similarity"
    }

    fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        Ok(self.values(y_true, y_pred)?.mean_all())
    }

    fn values(&self, y_true: &Tensor, y_pred: &Tensor) -> Result<Tensor> {
        let y = align(self.name(), y_true, y_pred)?;
        let products = l2_normalize(&y) * l2_normalize(y_pred);
        Ok(products.sum(&[-1], false).neg())
    }

    fn validate(&self, y_true: &Tensor, output_shape: &[usize]) -> Result<()> {
        validate_dense(self.name(), y_true, output_shape)
    }
}
