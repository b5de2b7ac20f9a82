//! Reductions over chosen axes: `sum`, `mean`, `max`, `min`, with or without the reduced axes kept
//! (Keras's `keepdims`); negative axes count from the end.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
//! assert_eq!(x.sum(&[-1], false).to_vec(), vec![6.0, 15.0]);
//! assert_eq!(x.mean(&[0], true).shape(), &[1, 3]);
//! ```

use ndarray::{ArrayD, Axis};

use super::op::Op;
use super::shape::normalize_axes;
use crate::Tensor;
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

#[derive(Clone, Copy)]
enum Kind {
    Sum,
    Mean,
    Max,
    Min,
}

impl Tensor {
    fn reduce(
        &self,
        kind: Kind,
        op: &'static str,
        axes: &[isize],
        keepdims: bool,
    ) -> Result<Tensor> {
        let axes = normalize_axes(op, axes, self.rank())?;
        // A sum of nothing is 0; a mean, maximum or minimum of nothing is undefined (a mean
        // would be NaN): refused.
        if let Kind::Max | Kind::Min | Kind::Mean = kind
            && let Some(&a) = axes.iter().find(|&&a| self.shape()[a] == 0)
        {
            let what = match kind {
                Kind::Max => "maximum",
                Kind::Min => "minimum",
                _ => "mean",
            };
            return Err(Error::invalid(
                op,
                format!("axis {a} is empty, so it has no {what}"),
            ));
        }
        let mut out: ArrayD<f32> = self.data().to_owned();
        for &a in axes.iter().rev() {
            out = match kind {
                Kind::Sum | Kind::Mean => out.sum_axis(Axis(a)),
                Kind::Max => out.fold_axis(Axis(a), f32::NEG_INFINITY, |&m, &v| {
                    if v > m || v.is_nan() { v } else { m }
                }),
                Kind::Min => out.fold_axis(Axis(a), f32::INFINITY, |&m, &v| {
                    if v < m || v.is_nan() { v } else { m }
                }),
            };
            if keepdims {
                out = out.insert_axis(Axis(a));
            }
        }
        if let Kind::Mean = kind {
            let count: usize = axes.iter().map(|&a| self.shape()[a]).product();
            out /= count as f32;
        }
        Ok(Tensor::from_op(
            out,
            || match kind {
                Kind::Sum => Op::Sum {
                    input: self.clone(),
                    axes,
                    keepdims,
                },
                Kind::Mean => Op::Mean {
                    input: self.clone(),
                    axes,
                    keepdims,
                },
                Kind::Max => Op::Max {
                    input: self.clone(),
                    axes,
                    keepdims,
                },
                Kind::Min => Op::Min {
                    input: self.clone(),
                    axes,
                    keepdims,
                },
            },
            &[self],
        ))
    }

    /// Sum over `axes` (negative axes count from the end); `keepdims` keeps them as size 1.
    ///
    /// # Panics
    ///
    /// If an axis is out of range or repeated; see [`Tensor::try_sum`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// assert_eq!(x.sum(&[0], false).to_vec(), vec![4.0, 6.0]);
    /// assert_eq!(x.sum(&[0, 1], true).shape(), &[1, 1]);
    /// ```
    #[track_caller]
    pub fn sum(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_sum(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::sum`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`] for an axis out of range, [`Error::InvalidArgument`] for a
    /// repeated one.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2, 2]).try_sum(&[2], false).is_err());
    /// ```
    pub fn try_sum(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        self.reduce(Kind::Sum, "sum", axes, keepdims)
    }

    /// Mean over `axes`; `keepdims` keeps them as size 1.
    ///
    /// # Panics
    ///
    /// If an axis is out of range, repeated or empty; see [`Tensor::try_mean`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// assert_eq!(x.mean(&[-1], false).to_vec(), vec![1.5, 3.5]);
    /// ```
    #[track_caller]
    pub fn mean(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_mean(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::mean`], returning an error for a bad or empty axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_sum`]; [`Error::InvalidArgument`] for an empty axis (a mean of no
    /// values would be NaN).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2]).try_mean(&[-2], false).is_err());
    /// let err = Tensor::ones(&[2, 0]).try_mean(&[1], false).unwrap_err();
    /// assert_eq!(err.to_string(), "`mean`: axis 1 is empty, so it has no mean");
    /// ```
    pub fn try_mean(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        self.reduce(Kind::Mean, "mean", axes, keepdims)
    }

    /// Maximum over `axes`; the gradient goes to the maximal entries (shared equally on
    /// ties). NaN propagates.
    ///
    /// # Panics
    ///
    /// If an axis is out of range, repeated or empty; see [`Tensor::try_max`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 5.0, 3.0, 2.0], &[2, 2]);
    /// assert_eq!(x.max(&[1], false).to_vec(), vec![5.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn max(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_max(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::max`], returning an error for a bad or empty axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_sum`], and [`Error::InvalidArgument`] for an axis of size 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::zeros(&[0, 2]).try_max(&[0], false).is_err());
    /// ```
    pub fn try_max(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        self.reduce(Kind::Max, "max", axes, keepdims)
    }

    /// Minimum over `axes`; like [`Tensor::max`], the gradient goes to the minimal entries,
    /// shared equally on ties. NaN propagates.
    ///
    /// # Panics
    ///
    /// If an axis is out of range, repeated or empty; see [`Tensor::try_min`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 5.0, 3.0, 2.0], &[2, 2]);
    /// assert_eq!(x.min(&[-1], false).to_vec(), vec![1.0, 2.0]);
    /// assert_eq!(x.min(&[0], true).to_vec(), vec![1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn min(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_min(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::min`], returning an error for a bad or empty axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_max`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[0, 2]).try_min(&[0], false).unwrap_err();
    /// assert_eq!(err.to_string(), "`min`: axis 0 is empty, so it has no minimum");
    /// ```
    pub fn try_min(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        self.reduce(Kind::Min, "min", axes, keepdims)
    }

    /// Sum of all elements, as a rank-0 tensor.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::ones(&[2, 3]).sum_all().item(), 6.0);
    /// ```
    pub fn sum_all(&self) -> Tensor {
        let axes: Vec<isize> = (0..self.rank() as isize).collect();
        self.sum(&axes, false)
    }

    /// Mean of all elements, as a rank-0 tensor.
    ///
    /// # Panics
    ///
    /// For an empty tensor, which has no mean (see [`Tensor::try_mean`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![1.0, 2.0, 6.0], &[3]).mean_all().item(), 3.0);
    /// ```
    pub fn mean_all(&self) -> Tensor {
        let axes: Vec<isize> = (0..self.rank() as isize).collect();
        self.mean(&axes, false)
    }
}
