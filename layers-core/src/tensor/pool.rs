//! Pooling primitives on channels-last batches: the maximum or the average over sliding
//! windows, 2-D on `(batch, height, width, channels)` and 1-D on `(batch, steps, channels)`,
//! with strides and explicit padding (see [`same_padding`] for TensorFlow's `same` rule).
//!
//! Padded positions are never values: a max ignores them and an average divides by the
//! number of real elements in its window (what Keras's `same` pooling does). Each window
//! must hold at least one real element, so a padding must be smaller than the window.
//!
//! ```
//! use layers_core::Tensor;
//! // One 2×4 image with one channel, 2×2 windows, stride 2: two windows.
//! let x = Tensor::from_vec(vec![1.0, 2.0, 5.0, 0.0, 3.0, 4.0, 1.0, 1.0], &[1, 2, 4, 1]);
//! let max = x.max_pool2d([2, 2], [2, 2], [(0, 0), (0, 0)]);
//! assert_eq!(max.shape(), &[1, 1, 2, 1]);
//! assert_eq!(max.to_vec(), vec![4.0, 5.0]);
//! assert_eq!(x.avg_pool2d([2, 2], [2, 2], [(0, 0), (0, 0)]).to_vec(), vec![2.5, 1.75]);
//! ```
//!
//! Both run directly on the contiguous channel rows (no im2col: a window's reduction is a
//! few vector adds or compares per output pixel), in parallel over the batch. The max
//! records, per output value, which element of its window won (see `pool_max`), so its
//! backward pass is one scatter; the average's backward spreads each gradient over its
//! window.

use std::ops::Range;

use ndarray::{ArrayD, IxDyn};
use rayon::prelude::*;

use super::Tensor;
use super::graph;
use super::op::Op;
use super::pool_max::max_pool_forward;
use super::shape::checked_size;
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

/// TensorFlow's `same` padding `(before, after)` of one axis of `size` elements for a
/// window of `window` elements spaced `dilation` apart, moved by `stride`: the output has
/// `ceil(size / stride)` positions, and the total padding
/// `max((out − 1)·stride + (window − 1)·dilation + 1 − size, 0)` is split with the smaller
/// half before.
///
/// # Examples
///
/// ```
/// use layers_core::tensor::pool::same_padding;
/// assert_eq!(same_padding(7, 3, 1, 1), (1, 1));
/// assert_eq!(same_padding(7, 2, 2, 1), (0, 1)); // 4 outputs need 8 elements
/// assert_eq!(same_padding(6, 2, 2, 1), (0, 0));
/// assert_eq!(same_padding(5, 3, 1, 2), (2, 2)); // a dilated window spans 5
/// ```
pub fn same_padding(size: usize, window: usize, stride: usize, dilation: usize) -> (usize, usize) {
    let stride = stride.max(1);
    let span = window
        .saturating_sub(1)
        .saturating_mul(dilation)
        .saturating_add(1);
    let out = size.div_ceil(stride);
    let needed = out
        .saturating_sub(1)
        .saturating_mul(stride)
        .saturating_add(span);
    let total = needed.saturating_sub(size);
    (total / 2, total - total / 2)
}

/// The number of window positions along one axis of `size` elements padded by
/// `(before, after)`: `floor((size + before + after − window) / stride) + 1`, or `None`
/// when the window is larger than the padded axis.
///
/// # Examples
///
/// ```
/// use layers_core::tensor::pool::pooled_size;
/// assert_eq!(pooled_size(7, 2, 2, (0, 0)), Some(3)); // MaxPooling1D(2) on 7 steps
/// assert_eq!(pooled_size(7, 2, 2, (0, 1)), Some(4));
/// assert_eq!(pooled_size(1, 2, 1, (0, 0)), None);
/// ```
pub fn pooled_size(
    size: usize,
    window: usize,
    stride: usize,
    padding: (usize, usize),
) -> Option<usize> {
    let padded = size.checked_add(padding.0)?.checked_add(padding.1)?;
    if window == 0 || stride == 0 || padded < window {
        return None;
    }
    Some((padded - window) / stride + 1)
}

/// Where the windows of a 2-D pooling lie: the input `(batch, h, w, c)`, the output's
/// `(oh, ow)`, and the window, strides and padding of each spatial axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Windows {
    pub(crate) batch: usize,
    pub(crate) h: usize,
    pub(crate) w: usize,
    pub(crate) c: usize,
    pub(crate) oh: usize,
    pub(crate) ow: usize,
    pub(crate) window: [usize; 2],
    pub(crate) strides: [usize; 2],
    pub(crate) padding: [(usize, usize); 2],
}

impl Windows {
    /// The geometry of pooling `shape`, or the error naming `op` that prevents it. Its
    /// messages show the first `shown_axes` spatial axes: 2, or 1 for a 1-D pooling run as a
    /// 2-D one over `(steps, 1)`.
    pub(crate) fn new(
        op: &'static str,
        shown_axes: usize,
        shape: &[usize],
        window: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Windows> {
        let &[batch, h, w, c] = shape else {
            return Err(Error::mismatch(
                op,
                "4 axes (batch, height, width, channels)",
                shape,
            ));
        };
        let shown = |v: &dyn Fn(usize) -> String| {
            let items: Vec<String> = (0..shown_axes).map(v).collect();
            format!("[{}]", items.join(", "))
        };
        if window.contains(&0) || strides.contains(&0) {
            return Err(Error::invalid(
                op,
                format!(
                    "the window {} and strides {} must be positive",
                    shown(&|a| window[a].to_string()),
                    shown(&|a| strides[a].to_string())
                ),
            ));
        }
        let sizes = [h, w];
        if sizes.contains(&0) {
            // No positions: every window would hold padding only.
            return Err(Error::invalid(
                op,
                format!(
                    "the input's spatial size {} is empty; every axis needs at least one \
                     position",
                    shown(&|a| sizes[a].to_string())
                ),
            ));
        }
        for (axis, (&(before, after), &k)) in padding.iter().zip(&window).enumerate() {
            if before >= k || after >= k {
                return Err(Error::invalid(
                    op,
                    format!(
                        "padding ({before}, {after}) of spatial axis {axis} must be smaller \
                         than the window's {k}, so that every window holds a value"
                    ),
                ));
            }
        }
        let mut out = [0; 2];
        for axis in 0..2 {
            out[axis] = pooled_size(sizes[axis], window[axis], strides[axis], padding[axis])
                .ok_or_else(|| {
                    Error::invalid(
                        op,
                        format!(
                            "the window {} is larger than the input's spatial size {} padded \
                             by {}",
                            shown(&|a| window[a].to_string()),
                            shown(&|a| sizes[a].to_string()),
                            shown(&|a| format!("{:?}", padding[a]))
                        ),
                    )
                })?;
        }
        checked_size(
            || format!("`{op}`"),
            &[batch, out[0], out[1], c],
            size_of::<f32>(),
        )?;
        Ok(Windows {
            batch,
            h,
            w,
            c,
            oh: out[0],
            ow: out[1],
            window,
            strides,
            padding,
        })
    }

    /// The real input positions along `axis` under output position `i`.
    pub(crate) fn span(&self, axis: usize, i: usize) -> Range<usize> {
        let size = [self.h, self.w][axis];
        let start = i * self.strides[axis];
        let lo = start.saturating_sub(self.padding[axis].0);
        let hi = (start + self.window[axis])
            .saturating_sub(self.padding[axis].0)
            .min(size);
        lo..hi
    }

    /// Values per sample of the input and of the output.
    pub(crate) fn sample_sizes(&self) -> (usize, usize) {
        (self.h * self.w * self.c, self.oh * self.ow * self.c)
    }

    /// The input rows under output pixel `(i, j)`: for each `(y, x)` in the window, the
    /// offset of its channel row within a sample.
    fn window_rows(&self, i: usize, j: usize) -> impl Iterator<Item = usize> + '_ {
        let cols = self.span(1, j);
        self.span(0, i)
            .flat_map(move |y| cols.clone().map(move |x| (y * self.w + x) * self.c))
    }

    /// The number of real elements in the window of output pixel `(i, j)`.
    fn count(&self, i: usize, j: usize) -> usize {
        self.span(0, i).len() * self.span(1, j).len()
    }

    /// Adds each output gradient of an average pooling, divided by its window's count, to
    /// the window's inputs: one sample of `grad` into one sample of `into`.
    pub(crate) fn spread_average(&self, grad: &[f32], into: &mut [f32]) {
        let c = self.c;
        for i in 0..self.oh {
            for j in 0..self.ow {
                let o = (i * self.ow + j) * c;
                let scale = 1.0 / self.count(i, j) as f32;
                let g = &grad[o..o + c];
                for row in self.window_rows(i, j) {
                    for (dst, &g) in into[row..row + c].iter_mut().zip(g) {
                        *dst += g * scale;
                    }
                }
            }
        }
    }
}

/// Which reduction a pooling applies.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reduce {
    Max,
    Average,
}

/// A contiguous copy of a tensor's values (or a borrow when they already are).
fn contiguous(x: &Tensor) -> std::borrow::Cow<'_, [f32]> {
    match x.data().as_slice() {
        Some(values) => std::borrow::Cow::Borrowed(values),
        None => std::borrow::Cow::Owned(x.data().iter().copied().collect()),
    }
}

/// One sample's average pooling.
fn average_sample(g: &Windows, x: &[f32], out: &mut [f32]) {
    let c = g.c;
    for i in 0..g.oh {
        for j in 0..g.ow {
            let o = (i * g.ow + j) * c;
            let acc = &mut out[o..o + c];
            for row in g.window_rows(i, j) {
                for (a, &v) in acc.iter_mut().zip(&x[row..row + c]) {
                    *a += v;
                }
            }
            let scale = 1.0 / g.count(i, j) as f32;
            acc.iter_mut().for_each(|a| *a *= scale);
        }
    }
}

impl Tensor {
    /// Max pooling over `(batch, height, width, channels)`: each output pixel is the
    /// per-channel maximum of a `pool_size` window moved by `strides`, over the input
    /// padded by `padding = [(top, bottom), (left, right)]` (padding is ignored, never a
    /// value). Output `(batch, oh, ow, channels)` with `oh = (h + top + bottom − ph) / sh + 1`.
    ///
    /// The gradient of each output value goes to the first maximum of its window, in
    /// row-major window order (TensorFlow's convention; a tie sends nothing to the others).
    ///
    /// # Panics
    ///
    /// On a bad shape or window; see [`Tensor::try_max_pool2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::tensor::pool::same_padding;
    /// let x = Tensor::from_vec((0..9).map(|v| v as f32).collect(), &[1, 3, 3, 1]);
    /// // `same` with 2×2 windows and stride 2: 3 rows padded by (0, 1) give 2.
    /// let p = same_padding(3, 2, 2, 1);
    /// let y = x.max_pool2d([2, 2], [2, 2], [p, p]);
    /// assert_eq!(y.to_vec(), vec![4.0, 5.0, 7.0, 8.0]);
    /// ```
    #[track_caller]
    pub fn max_pool2d(
        &self,
        pool_size: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Tensor {
        self.try_max_pool2d(pool_size, strides, padding).or_raise()
    }

    /// Like [`Tensor::max_pool2d`], returning an error for a bad shape or window.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless the input has 4 axes; [`Error::InvalidArgument`] for
    /// a zero window or stride, a padding not smaller than the window, or a window larger
    /// than the padded input.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[1, 2, 2, 3]).try_max_pool2d([3, 3], [1, 1], [(0, 0); 2]);
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "`max_pool2d`: the window [3, 3] is larger than the input's spatial size [2, 2] \
    ///      padded by [(0, 0), (0, 0)]"
    /// );
    /// assert!(Tensor::ones(&[2, 2, 3]).try_max_pool2d([2, 2], [1, 1], [(0, 0); 2]).is_err());
    /// ```
    pub fn try_max_pool2d(
        &self,
        pool_size: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Tensor> {
        self.pool2d("max_pool2d", 2, Reduce::Max, pool_size, strides, padding)
    }

    /// Average pooling over `(batch, height, width, channels)`, as [`Tensor::max_pool2d`]
    /// but each output is the mean of the real (unpadded) elements of its window; the
    /// gradient is spread evenly over them.
    ///
    /// # Panics
    ///
    /// On a bad shape or window; see [`Tensor::try_avg_pool2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec((0..9).map(|v| v as f32).collect(), &[1, 3, 3, 1]);
    /// // The last window of each axis holds one real row or column.
    /// let y = x.avg_pool2d([2, 2], [2, 2], [(0, 1), (0, 1)]);
    /// assert_eq!(y.to_vec(), vec![2.0, 3.5, 6.5, 8.0]);
    /// ```
    #[track_caller]
    pub fn avg_pool2d(
        &self,
        pool_size: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Tensor {
        self.try_avg_pool2d(pool_size, strides, padding).or_raise()
    }

    /// Like [`Tensor::avg_pool2d`], returning an error for a bad shape or window.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_max_pool2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[1, 4, 4, 1]).try_avg_pool2d([2, 2], [1, 1], [(2, 0), (0, 0)]);
    /// assert!(err.unwrap_err().to_string().contains("must be smaller than the window's 2"));
    /// ```
    pub fn try_avg_pool2d(
        &self,
        pool_size: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Tensor> {
        self.pool2d(
            "avg_pool2d",
            2,
            Reduce::Average,
            pool_size,
            strides,
            padding,
        )
    }

    /// Max pooling over `(batch, steps, channels)`: windows of `pool_size` steps moved by
    /// `stride`, over the input padded by `padding = (before, after)`. The gradient goes
    /// to the first maximum of each window.
    ///
    /// # Panics
    ///
    /// On a bad shape or window; see [`Tensor::try_max_pool1d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 3.0, 2.0, 0.0, 5.0, 4.0, 6.0], &[1, 7, 1]);
    /// let y = x.max_pool1d(2, 2, (0, 0));
    /// assert_eq!(y.to_vec(), vec![3.0, 2.0, 5.0]); // 7 steps give 3 windows
    /// ```
    #[track_caller]
    pub fn max_pool1d(&self, pool_size: usize, stride: usize, padding: (usize, usize)) -> Tensor {
        self.try_max_pool1d(pool_size, stride, padding).or_raise()
    }

    /// Like [`Tensor::max_pool1d`], returning an error for a bad shape or window.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless the input has 3 axes; otherwise as
    /// [`Tensor::try_max_pool2d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[1, 7]).try_max_pool1d(2, 2, (0, 0)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`max_pool1d` expected 3 axes (batch, steps, channels) but found shape [1, 7]"
    /// );
    /// let err = Tensor::ones(&[1, 4, 1]).try_max_pool1d(9, 1, (0, 0)).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`max_pool1d`: the window [9] is larger than the input's spatial size [4] padded by [(0, 0)]"
    /// );
    /// ```
    pub fn try_max_pool1d(
        &self,
        pool_size: usize,
        stride: usize,
        padding: (usize, usize),
    ) -> Result<Tensor> {
        self.pool1d("max_pool1d", Reduce::Max, pool_size, stride, padding)
    }

    /// Average pooling over `(batch, steps, channels)`: the mean of the real elements of
    /// each window of `pool_size` steps.
    ///
    /// # Panics
    ///
    /// On a bad shape or window; see [`Tensor::try_avg_pool1d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 3.0, 2.0, 0.0, 5.0], &[1, 5, 1]);
    /// // `same` (stride 2): 3 windows, the last holding the single real step 5.
    /// assert_eq!(x.avg_pool1d(2, 2, (0, 1)).to_vec(), vec![2.0, 1.0, 5.0]);
    /// ```
    #[track_caller]
    pub fn avg_pool1d(&self, pool_size: usize, stride: usize, padding: (usize, usize)) -> Tensor {
        self.try_avg_pool1d(pool_size, stride, padding).or_raise()
    }

    /// Like [`Tensor::avg_pool1d`], returning an error for a bad shape or window.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_max_pool1d`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[1, 1, 2]).try_avg_pool1d(2, 1, (0, 0)).is_err());
    /// ```
    pub fn try_avg_pool1d(
        &self,
        pool_size: usize,
        stride: usize,
        padding: (usize, usize),
    ) -> Result<Tensor> {
        self.pool1d("avg_pool1d", Reduce::Average, pool_size, stride, padding)
    }

    /// A 1-D pooling as a 2-D one over `(batch, steps, 1, channels)`.
    fn pool1d(
        &self,
        op: &'static str,
        reduce: Reduce,
        pool_size: usize,
        stride: usize,
        padding: (usize, usize),
    ) -> Result<Tensor> {
        let &[batch, steps, c] = self.shape() else {
            return Err(Error::mismatch(
                op,
                "3 axes (batch, steps, channels)",
                self.shape(),
            ));
        };
        let x = self.reshape(&[batch, steps, 1, c]);
        // Its messages show the steps axis only.
        let y = x.pool2d(
            op,
            1,
            reduce,
            [pool_size, 1],
            [stride, 1],
            [padding, (0, 0)],
        )?;
        let out = y.shape()[1];
        Ok(y.reshape(&[batch, out, c]))
    }

    fn pool2d(
        &self,
        op: &'static str,
        shown_axes: usize,
        reduce: Reduce,
        window: [usize; 2],
        strides: [usize; 2],
        padding: [(usize, usize); 2],
    ) -> Result<Tensor> {
        let g = Windows::new(op, shown_axes, self.shape(), window, strides, padding)?;
        let (in_size, out_size) = g.sample_sizes();
        let x = contiguous(self);
        let record = graph::is_recording() && self.requires_grad();
        let mut winners = None;
        let out = match reduce {
            Reduce::Max => {
                // Every output value is written.
                let mut out = super::buffers::take_any(g.batch * out_size);
                winners = max_pool_forward(&g, &x, &mut out, record);
                out
            }
            Reduce::Average => {
                let mut out = super::buffers::take_zeroed(g.batch * out_size);
                if out_size > 0 && in_size > 0 {
                    out.par_chunks_mut(out_size)
                        .zip(x.par_chunks(in_size))
                        .for_each(|(out, x)| average_sample(&g, x, out));
                }
                out
            }
        };
        let array = ArrayD::from_shape_vec(IxDyn(&[g.batch, g.oh, g.ow, g.c]), out)
            .expect("the output holds batch · oh · ow · c values");
        Ok(Tensor::from_op(
            array,
            || match reduce {
                Reduce::Max => Op::MaxPool {
                    input: self.clone(),
                    winners: winners.expect("a recorded max pooling keeps its winners"),
                    windows: g,
                },
                Reduce::Average => Op::AvgPool {
                    input: self.clone(),
                    windows: g,
                },
            },
            &[self],
        ))
    }
}
