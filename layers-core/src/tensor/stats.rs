//! Statistics over chosen axes: population `var` and `std` (NumPy's and Keras's default),
//! a stable `logsumexp` and the L2 `norm`; negative axes count from the end and `keepdims`
//! keeps the reduced axes as size 1, as for [`sum`](Tensor::sum).
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 3.0, 3.0, 4.0], &[2, 2]);
//! assert_eq!(x.var(&[-1], false).to_vec(), vec![1.0, 0.25]);
//! assert_eq!(x.norm(&[-1], false).to_vec(), vec![10f32.sqrt(), 5.0]);
//! ```

use ndarray::{ArrayD, Axis, Zip};

use super::Tensor;
use super::op::Op;
use super::shape::{normalize_axes, reshaped};
use crate::error::Result;
use crate::unwind::OrRaise;

/// The normalised axes back as the signed axes that `mean` takes (each is below the rank,
/// so it fits).
fn signed(axes: &[usize]) -> Vec<isize> {
    axes.iter().map(|&a| a as isize).collect()
}

/// `array` reduced over `axes` with `fold`, the axes kept as size 1.
fn fold_kept<T: Clone>(
    array: ArrayD<T>,
    axes: &[usize],
    fold: impl Fn(ndarray::ArrayViewD<'_, T>, Axis) -> ArrayD<T>,
) -> ArrayD<T> {
    let mut out = array;
    for &a in axes {
        out = fold(out.view(), Axis(a)).insert_axis(Axis(a));
    }
    out
}

impl Tensor {
    /// Population variance over `axes`, `mean((x − mean(x))²)` (NumPy's `ddof=0`, Keras's
    /// `ops.var`); computed in two passes, so a large mean loses no precision.
    ///
    /// # Panics
    ///
    /// If an axis is out of range or repeated; see [`Tensor::try_var`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// // mean 2, squared deviations 1, 0, 1
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
    /// assert_eq!(x.var(&[0], false).item(), 2.0 / 3.0);
    /// assert_eq!(x.var(&[0], true).shape(), &[1]);
    /// ```
    #[track_caller]
    pub fn var(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_var(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::var`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`](crate::Error::InvalidAxis) for an axis out of range,
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a repeated one, both
    /// naming `var`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2]).try_var(&[1], false).unwrap_err();
    /// assert_eq!(err.to_string(), "`var`: axis 1 is out of range for a tensor of rank 1");
    /// ```
    pub fn try_var(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        self.variance("var", axes, keepdims)
    }

    fn variance(&self, op: &'static str, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        let axes = signed(&normalize_axes(op, axes, self.rank())?);
        let deviation = self - &self.try_mean(&axes, true)?;
        (&deviation * &deviation).try_mean(&axes, keepdims)
    }

    /// Population standard deviation over `axes`: the square root of [`Tensor::var`]. Its
    /// gradient is NaN where every value along the axes is the same (the square root's
    /// slope at 0 is infinite), as in PyTorch.
    ///
    /// # Panics
    ///
    /// If an axis is out of range or repeated; see [`Tensor::try_std`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 5.0, 2.0, 2.0], &[2, 2]);
    /// assert_eq!(x.std(&[1], false).to_vec(), vec![2.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn std(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_std(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::std`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_var`], naming `std`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 2]).try_std(&[0, -2], false).unwrap_err();
    /// assert_eq!(err.to_string(), "`std`: axis -2 is given twice");
    /// ```
    pub fn try_std(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        Ok(self.variance("std", axes, keepdims)?.sqrt())
    }

    /// `ln Σ exp(x)` over `axes`, computed stably: the maximum is taken out before
    /// exponentiating, so large values neither overflow nor lose precision. The gradient is
    /// the softmax over the same axes. An axis of all `-inf` gives `-inf` (gradient 0); NaN
    /// propagates.
    ///
    /// # Panics
    ///
    /// If an axis is out of range or repeated; see [`Tensor::try_logsumexp`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1000.0, 1000.0, 0.0, 0.0], &[2, 2]);
    /// let y = x.logsumexp(&[-1], false).to_vec();
    /// assert_eq!(y, vec![1000.0 + 2f32.ln(), 2f32.ln()]);
    /// ```
    #[track_caller]
    pub fn logsumexp(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_logsumexp(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::logsumexp`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_var`], naming `logsumexp`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2]).try_logsumexp(&[-2], false).is_err());
    /// ```
    pub fn try_logsumexp(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        let axes = normalize_axes("logsumexp", axes, self.rank())?;
        let x = self.data();
        let mut shift = fold_kept(x.to_owned(), &axes, |v, a| {
            v.fold_axis(a, f32::NEG_INFINITY, |&m, &v| {
                if v > m || v.is_nan() { v } else { m }
            })
        });
        // An infinite maximum has no useful shift (∞ − ∞ is NaN); 0 keeps the infinities.
        shift.mapv_inplace(|m| if m.is_finite() { m } else { 0.0 });
        let mut exp = x.to_owned();
        Zip::from(&mut exp)
            .and(&shift.broadcast(x.raw_dim()).expect("kept axes broadcast"))
            .for_each(|e, &m| *e = (*e - m).exp());
        let sums = fold_kept(exp, &axes, |v, a| v.sum_axis(a));
        let mut out = shift;
        Zip::from(&mut out)
            .and(&sums)
            .for_each(|o, &s| *o += s.ln());
        let out = if keepdims {
            out
        } else {
            let shape: Vec<usize> = (0..self.rank())
                .filter(|a| !axes.contains(a))
                .map(|a| self.shape()[a])
                .collect();
            reshaped(out, &shape)
        };
        Ok(Tensor::from_op(
            out,
            || Op::LogSumExp {
                input: self.clone(),
                axes,
                keepdims,
            },
            &[self],
        ))
    }

    /// The L2 norm `sqrt(Σ x²)` over `axes` (Keras's `ops.norm` of a vector), accumulated in
    /// `f64` so that squares of large values do not overflow. Its gradient is `x / norm`,
    /// and 0 where the norm is 0 (a subgradient, as in PyTorch).
    ///
    /// # Panics
    ///
    /// If an axis is out of range or repeated; see [`Tensor::try_norm`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![3.0, 4.0, 1e30, 0.0], &[2, 2]);
    /// assert_eq!(x.norm(&[1], false).to_vec(), vec![5.0, 1e30]);
    /// ```
    #[track_caller]
    pub fn norm(&self, axes: &[isize], keepdims: bool) -> Tensor {
        self.try_norm(axes, keepdims).or_raise()
    }

    /// Like [`Tensor::norm`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_var`], naming `norm`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 3]).try_norm(&[2], false).unwrap_err();
    /// assert_eq!(err.to_string(), "`norm`: axis 2 is out of range for a tensor of rank 2");
    /// ```
    pub fn try_norm(&self, axes: &[isize], keepdims: bool) -> Result<Tensor> {
        let axes = normalize_axes("norm", axes, self.rank())?;
        let squares = self.data().mapv(|v| f64::from(v) * f64::from(v));
        let mut sums = squares;
        for &a in axes.iter().rev() {
            sums = sums.sum_axis(Axis(a));
            if keepdims {
                sums = sums.insert_axis(Axis(a));
            }
        }
        let out = sums.mapv(|s| s.sqrt() as f32);
        Ok(Tensor::from_op(
            out,
            || Op::Norm {
                input: self.clone(),
                axes,
                keepdims,
            },
            &[self],
        ))
    }
}
