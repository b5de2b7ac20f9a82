//! Numerically stable softmax and log-softmax over one axis (the maximum is subtracted
//! before exponentiating, so large logits neither overflow nor lose precision).
//!
//! ```
//! use layers_core::Tensor;
//! let logits = Tensor::from_vec(vec![1000.0, 1000.0], &[1, 2]);
//! assert_eq!(logits.softmax(-1).to_vec(), vec![0.5, 0.5]);
//! ```

use ndarray::{ArrayD, Axis, Zip};

use super::op::Op;
use super::shape::normalize_axis;
use crate::Tensor;
use crate::error::Result;
use crate::unwind::OrRaise;

/// Softmax (or log-softmax) of one lane, in place: the kernel of [`Tensor::softmax`] and of
/// [`softmax_rows`].
fn softmax_lane(mut lane: ndarray::ArrayViewMut1<'_, f32>, log: bool) {
    let max = lane.fold(
        f32::NEG_INFINITY,
        |m, &v| if v > m || v.is_nan() { v } else { m },
    );
    // An all −∞ lane has no defined shift; 0 keeps it from turning into NaN early.
    let shift = if max.is_finite() { max } else { 0.0 };
    let mut sum = 0.0f32;
    for v in lane.iter() {
        sum += (v - shift).exp();
    }
    if log {
        let log_sum = sum.ln();
        lane.mapv_inplace(|v| v - shift - log_sum);
    } else {
        lane.mapv_inplace(|v| (v - shift).exp() / sum);
    }
}

/// Softmax (or log-softmax) of each row of `width` values of `v`, in place: the same bits
/// as [`Tensor::softmax`] over the last axis of those rows.
pub(crate) fn softmax_rows(v: &mut [f32], width: usize, log: bool) {
    if width == 0 {
        return;
    }
    for row in v.chunks_mut(width) {
        softmax_lane(ndarray::ArrayViewMut1::from(row), log);
    }
}

fn softmax_lanes(x: &Tensor, axis: usize, log: bool) -> ArrayD<f32> {
    let mut out = x.data().to_owned();
    let kernel = |lane: ndarray::ArrayViewMut1<'_, f32>| softmax_lane(lane, log);
    let zip = Zip::from(out.lanes_mut(Axis(axis)));
    if x.len() >= super::unary::PARALLEL_LEN {
        zip.par_for_each(kernel);
    } else {
        zip.for_each(kernel);
    }
    out
}

impl Tensor {
    /// Softmax over `axis` (negative counts from the end): `exp(x − max) / Σ exp(x − max)`.
    ///
    /// # Panics
    ///
    /// If the axis is out of range; see [`Tensor::try_softmax`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let p = Tensor::from_vec(vec![0.0, 2f32.ln()], &[2]).softmax(0);
    /// // e⁰ / (e⁰ + 2) and 2 / 3
    /// assert!((p.to_vec()[0] - 1.0 / 3.0).abs() < 1e-7);
    /// ```
    #[track_caller]
    pub fn softmax(&self, axis: isize) -> Tensor {
        self.try_softmax(axis).or_raise()
    }

    /// Like [`Tensor::softmax`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`](crate::Error::InvalidAxis).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2]).try_softmax(1).is_err());
    /// ```
    pub fn try_softmax(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("softmax", axis, self.rank())?;
        let out = softmax_lanes(self, a, false);
        Ok(Tensor::from_op(
            out,
            || Op::Softmax(self.clone(), a),
            &[self],
        ))
    }

    /// Log-softmax over `axis`: `x − max − ln Σ exp(x − max)`, exact for large logits.
    ///
    /// # Panics
    ///
    /// If the axis is out of range; see [`Tensor::try_log_softmax`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let y = Tensor::from_vec(vec![0.0, 0.0], &[2]).log_softmax(-1);
    /// assert_eq!(y.to_vec(), vec![-(2f32.ln()), -(2f32.ln())]);
    /// ```
    #[track_caller]
    pub fn log_softmax(&self, axis: isize) -> Tensor {
        self.try_log_softmax(axis).or_raise()
    }

    /// Like [`Tensor::log_softmax`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`](crate::Error::InvalidAxis).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2, 2]).try_log_softmax(-3).is_err());
    /// ```
    pub fn try_log_softmax(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("log_softmax", axis, self.rank())?;
        let out = softmax_lanes(self, a, true);
        Ok(Tensor::from_op(
            out,
            || Op::LogSoftmax(self.clone(), a),
            &[self],
        ))
    }
}
