//! Hinge losses, for classifiers trained to a margin (Keras's `Hinge`, `SquaredHinge` and
//! `CategoricalHinge`).
//!
//! ```
//! use layers_core::Tensor;
//! use layers_core::loss::{Hinge, Loss};
//! // labels 0/1 are read as −1/1: margins 1 − 1·2 < 0 and 1 − (−1)·0.5 = 1.5
//! let y = Tensor::from_vec(vec![1.0, 0.0], &[2, 1]);
//! let p = Tensor::from_vec(vec![2.0, 0.5], &[2, 1]);
//! assert_eq!(Hinge::new().compute(&y, &p)?.item(), 0.75);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::Loss;
use super::check::{align, last_axis_mean, validate_dense};
use super::scaled::dense_loss;
use crate::Tensor;
use crate::error::Result;

/// Keras's `convert_binary_labels_to_hinge`: when every label is 0 or 1 (in the whole
/// batch), they become −1 and 1; other labels stay as they are.
fn hinge_labels(y: Tensor) -> Tensor {
    if y.data().iter().all(|&v| v == 0.0 || v == 1.0) {
        y.scale(2.0).shift(-1.0)
    } else {
        y
    }
}

/// `max(1 − y·ŷ, 0)` at every position.
fn margins(y: Tensor, p: &Tensor) -> Tensor {
    (&hinge_labels(y) * p).neg().shift(1.0).maximum(0.0)
}

dense_loss!(
    /// `mean(max(1 − y·ŷ, 0))` (Keras's `Hinge`, `hinge`), for labels −1 and 1; labels
    /// that are all 0 or 1 are read as −1 and 1, as Keras does.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Hinge, Loss};
    /// let y = Tensor::from_vec(vec![-1.0, 1.0], &[1, 2]);
    /// let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
    /// assert_eq!(Hinge::new().compute(&y, &p)?.item(), 1.0); // (1.5 + 0.5) / 2
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    Hinge,
    "hinge",
    |y, p| last_axis_mean(margins(y, p))
);

dense_loss!(
    /// `mean(max(1 − y·ŷ, 0)²)` (Keras's `SquaredHinge`, `squared_hinge`), labels as for
    /// [`Hinge`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{Loss, SquaredHinge};
    /// let y = Tensor::from_vec(vec![-1.0, 1.0], &[1, 2]);
    /// let p = Tensor::from_vec(vec![0.5, 0.5], &[1, 2]);
    /// assert_eq!(SquaredHinge::new().compute(&y, &p)?.item(), 1.25); // (2.25 + 0.25) / 2
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    SquaredHinge,
    "squared_hinge",
    |y, p| last_axis_mean(margins(y, p).square())
);

dense_loss!(
    /// `max(neg − pos + 1, 0)` per sample, averaged (Keras's `CategoricalHinge`,
    /// `categorical_hinge`), for one-hot targets: `pos = Σ y·ŷ` (the true class's score)
    /// and `neg = max((1 − y)·ŷ)` (the best other class's).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::loss::{CategoricalHinge, Loss};
    /// let y = Tensor::from_vec(vec![0.0, 1.0, 0.0], &[1, 3]);
    /// let p = Tensor::from_vec(vec![0.3, 0.9, 0.5], &[1, 3]);
    /// assert!((CategoricalHinge::new().compute(&y, &p)?.item() - 0.6).abs() < 1e-6); // 0.5 − 0.9 + 1
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    CategoricalHinge,
    "categorical_hinge",
    |y, p| {
        let pos = (&y * p).sum(&[-1], false);
        let neg = (&y.neg().shift(1.0) * p).max(&[-1], false);
        (neg - pos).shift(1.0).maximum(0.0)
    }
);
