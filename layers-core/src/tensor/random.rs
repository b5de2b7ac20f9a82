//! Random tensors: normal and uniform draws from the current seeded random stream
//! ([`random`](crate::random): the frame that `fit`, `build` or `with_context` pushed, or the
//! thread's default stream), so that a seed makes them reproducible; the `_with` forms take
//! a stream of the caller's.
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::random::with_seed;
//! let draw = || Tensor::random_normal(&[3], 0.0, 1.0);
//! let a = with_seed(7, draw);
//! let b = with_seed(7, draw);
//! assert_eq!(a.to_vec(), b.to_vec());
//! assert_ne!(a.to_vec(), with_seed(8, draw).to_vec());
//! ```

use ndarray::{ArrayD, IxDyn};
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, StandardNormal, Uniform};

use super::Tensor;
use super::shape::{checked_size, try_buffer};
use crate::error::{Error, Result};
use crate::random::with_rng;
use crate::unwind::OrRaise;

/// `len` values from `draw`, in a buffer allocated fallibly.
fn drawn(what: &'static str, shape: &[usize], mut draw: impl FnMut() -> f32) -> Result<Tensor> {
    let len = checked_size(|| format!("`{what}`"), shape, size_of::<f32>())?;
    let mut values = try_buffer(|| format!("`{what}`"), shape, len)?;
    values.extend((0..len).map(|_| draw()));
    let array = ArrayD::from_shape_vec(IxDyn(shape), values)
        .expect("the buffer holds the shape's checked number of values");
    Ok(Tensor::from_array(array))
}

impl Tensor {
    /// A constant tensor of normal draws with mean `mean` and standard deviation `std`
    /// (Keras's `keras.random.normal`), drawn from the current seeded stream
    /// ([`random::with_rng`](crate::random::with_rng)): inside `fit` (or
    /// [`with_context`](crate::layer::context::with_context)) the same seed gives the same
    /// draws.
    ///
    /// # Panics
    ///
    /// If `std` is negative or a parameter is not finite, or the machine cannot hold the
    /// shape; see [`Tensor::try_random_normal`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::layer::context::with_context;
    /// let x = with_context(true, 1, || Tensor::random_normal(&[10_000], 5.0, 2.0));
    /// assert!((x.mean_all().item() - 5.0).abs() < 0.1);
    /// assert!((x.std(&[0], false).item() - 2.0).abs() < 0.1);
    /// let again = with_context(true, 1, || Tensor::random_normal(&[10_000], 5.0, 2.0));
    /// assert_eq!(x.to_vec(), again.to_vec());
    /// ```
    #[track_caller]
    pub fn random_normal(shape: &[usize], mean: f32, std: f32) -> Tensor {
        Tensor::try_random_normal(shape, mean, std).or_raise()
    }

    /// Like [`Tensor::random_normal`], returning an error for bad parameters.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_random_normal_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::try_random_normal(&[2], f32::NAN, 1.0).unwrap_err();
    /// assert_eq!(err.to_string(), "`random_normal`: the mean must be finite, not NaN");
    /// ```
    pub fn try_random_normal(shape: &[usize], mean: f32, std: f32) -> Result<Tensor> {
        with_rng(|rng| Tensor::try_random_normal_with(shape, mean, std, rng))
    }

    /// A constant tensor of uniform draws in `[lo, hi)` (Keras's `keras.random.uniform`),
    /// drawn from the current seeded stream, as [`Tensor::random_normal`].
    ///
    /// # Panics
    ///
    /// If `lo > hi` or a bound is not finite, or the machine cannot hold the shape; see
    /// [`Tensor::try_random_uniform`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::random::with_seed;
    /// let x = with_seed(3, || Tensor::random_uniform(&[2, 500], -1.0, 3.0));
    /// assert_eq!(x.shape(), &[2, 500]);
    /// assert!(x.to_vec().iter().all(|v| (-1.0..3.0).contains(v)));
    /// assert_eq!(x.to_vec(), with_seed(3, || Tensor::random_uniform(&[2, 500], -1.0, 3.0)).to_vec());
    /// ```
    #[track_caller]
    pub fn random_uniform(shape: &[usize], lo: f32, hi: f32) -> Tensor {
        Tensor::try_random_uniform(shape, lo, hi).or_raise()
    }

    /// Like [`Tensor::random_uniform`], returning an error for bad bounds.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_random_uniform_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::try_random_uniform(&[2], 1.0, 0.0).unwrap_err();
    /// assert_eq!(err.to_string(), "`random_uniform`: the range [1, 0) is empty");
    /// ```
    pub fn try_random_uniform(shape: &[usize], lo: f32, hi: f32) -> Result<Tensor> {
        with_rng(|rng| Tensor::try_random_uniform_with(shape, lo, hi, rng))
    }

    /// A constant tensor of normal draws with mean `mean` and standard deviation `std`
    /// (Keras's `random.normal`), drawn from `rng`: pass the call context's stream with
    /// [`with_rng`].
    ///
    /// # Panics
    ///
    /// If `std` is negative or a parameter is not finite, or the machine cannot hold the
    /// shape; see [`Tensor::try_random_normal_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::layer::context::{with_context, with_rng};
    /// let x = with_context(true, 1, || {
    ///     with_rng(|rng| Tensor::random_normal_with(&[10_000], 5.0, 2.0, rng))
    /// });
    /// assert!((x.mean_all().item() - 5.0).abs() < 0.1);
    /// assert!((x.std(&[0], false).item() - 2.0).abs() < 0.1);
    /// ```
    #[track_caller]
    pub fn random_normal_with(shape: &[usize], mean: f32, std: f32, rng: &mut StdRng) -> Tensor {
        Tensor::try_random_normal_with(shape, mean, std, rng).or_raise()
    }

    /// Like [`Tensor::random_normal_with`], returning an error for bad parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `std` is negative or `mean` or `std` is not finite;
    /// [`Error::Allocation`] if the machine cannot hold the shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::layer::context::with_rng;
    /// let err = with_rng(|rng| Tensor::try_random_normal_with(&[2], 0.0, -1.0, rng)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`random_normal`: the standard deviation must be finite and ≥ 0, not -1"
    /// );
    /// ```
    pub fn try_random_normal_with(
        shape: &[usize],
        mean: f32,
        std: f32,
        rng: &mut StdRng,
    ) -> Result<Tensor> {
        if !mean.is_finite() {
            return Err(Error::invalid(
                "random_normal",
                format!("the mean must be finite, not {mean}"),
            ));
        }
        if !(std.is_finite() && std >= 0.0) {
            return Err(Error::invalid(
                "random_normal",
                format!("the standard deviation must be finite and ≥ 0, not {std}"),
            ));
        }
        let (mean, std) = (f64::from(mean), f64::from(std));
        drawn("random_normal", shape, || {
            let z: f64 = StandardNormal.sample(rng);
            (mean + std * z) as f32
        })
    }

    /// A constant tensor of uniform draws in `[lo, hi)` (Keras's `random.uniform`), drawn
    /// from `rng`: pass the call context's stream with
    /// [`with_rng`]. With `lo == hi` every value is `lo`.
    ///
    /// # Panics
    ///
    /// If `lo > hi` or a bound is not finite, or the machine cannot hold the shape; see
    /// [`Tensor::try_random_uniform_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::layer::context::with_rng;
    /// let x = with_rng(|rng| Tensor::random_uniform_with(&[1000], -1.0, 3.0, rng));
    /// assert!(x.to_vec().iter().all(|v| (-1.0..3.0).contains(v)));
    /// assert!((x.mean_all().item() - 1.0).abs() < 0.2);
    /// ```
    #[track_caller]
    pub fn random_uniform_with(shape: &[usize], lo: f32, hi: f32, rng: &mut StdRng) -> Tensor {
        Tensor::try_random_uniform_with(shape, lo, hi, rng).or_raise()
    }

    /// Like [`Tensor::random_uniform_with`], returning an error for bad bounds.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `lo > hi` or a bound is not finite;
    /// [`Error::Allocation`] if the machine cannot hold the shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::layer::context::with_rng;
    /// let err = with_rng(|rng| Tensor::try_random_uniform_with(&[2], 1.0, 0.0, rng)).unwrap_err();
    /// assert_eq!(err.to_string(), "`random_uniform`: the range [1, 0) is empty");
    /// ```
    pub fn try_random_uniform_with(
        shape: &[usize],
        lo: f32,
        hi: f32,
        rng: &mut StdRng,
    ) -> Result<Tensor> {
        if !(lo.is_finite() && hi.is_finite()) {
            return Err(Error::invalid(
                "random_uniform",
                format!("the bounds must be finite, not [{lo}, {hi})"),
            ));
        }
        if lo > hi {
            return Err(Error::invalid(
                "random_uniform",
                format!("the range [{lo}, {hi}) is empty"),
            ));
        }
        if lo == hi {
            return drawn("random_uniform", shape, || lo);
        }
        let dist = Uniform::new(lo, hi).map_err(|e| {
            Error::invalid(
                "random_uniform",
                format!("cannot draw from [{lo}, {hi}): {e}"),
            )
        })?;
        drawn("random_uniform", shape, || dist.sample(rng))
    }
}
