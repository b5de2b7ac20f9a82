//! Ops that read or write by index along an axis: `gather` (NumPy's and Keras's
//! `take_along_axis`) and its adjoint `scatter_add`, `one_hot`, `argmax`/`argmin` and
//! `topk`.
//!
//! Indices are tensors too, holding whole numbers as `f32` (exact up to 2²⁴ = 16,777,216):
//! what `argmax` and `topk` return can be passed straight to `gather`, and class labels
//! stored in a data set's `y` tensor go straight to `one_hot`. Every op that reads indices
//! checks each one (a whole number, in range) and names the first that is not.
//!
//! ```
//! use layers_core::Tensor;
//! let scores = Tensor::from_vec(vec![0.1, 0.7, 0.2, 0.5, 0.3, 0.9], &[2, 3]);
//! let best = scores.argmax(-1);
//! assert_eq!(best.to_vec(), vec![1.0, 2.0]);
//! let picked = scores.gather(&best.reshape(&[2, 1]), -1);
//! assert_eq!(picked.to_vec(), vec![0.7, 0.9]);
//! assert_eq!(best.one_hot(3).to_vec(), vec![0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
//! ```

use std::cmp::Ordering;

use ndarray::{ArrayD, ArrayViewD, Axis, Dimension as _, IxDyn, Zip};

use super::Tensor;
use super::op::Op;
use super::shape::{checked_size, normalize_axis};
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

/// The largest count of positions an `f32` index addresses exactly: 2²⁴.
const EXACT_INDICES: usize = 1 << 24;

/// `indices` read as positions below `size`: each value must be a whole number in
/// `0..size`; the error names `op`, the first bad value, its position and `range` (what the
/// indices address, e.g. "axis 1 of size 3").
fn read_indices(
    op: &'static str,
    indices: &Tensor,
    size: usize,
    range: impl Fn() -> String,
) -> Result<ArrayD<usize>> {
    let mut out = Vec::with_capacity(indices.len());
    for (position, &v) in indices.data().indexed_iter() {
        let whole = v >= 0.0 && v.fract() == 0.0;
        if !whole || v as usize >= size {
            let problem = if whole {
                format!("is out of range for {}", range())
            } else {
                "is not a whole number ≥ 0".to_string()
            };
            return Err(Error::invalid(
                op,
                format!("index {v} at position {:?} {problem}", position.slice()),
            ));
        }
        out.push(v as usize);
    }
    Ok(ArrayD::from_shape_vec(IxDyn(indices.shape()), out)
        .expect("one position per value of the index tensor"))
}

/// Refuses an axis too long for every position on it to be an exact `f32` index.
fn check_countable(op: &'static str, axis: usize, size: usize) -> Result<()> {
    if size > EXACT_INDICES {
        return Err(Error::invalid(
            op,
            format!("axis {axis} has {size} entries, more than an f32 index counts exactly (2^24)"),
        ));
    }
    Ok(())
}

/// `out[…, j, …] = src[…, indices[…, j, …], …]` along `axis`; `src` and `indices` agree on
/// every other axis.
pub(crate) fn gather_lanes(
    src: ArrayViewD<'_, f32>,
    indices: ArrayViewD<'_, usize>,
    axis: usize,
) -> ArrayD<f32> {
    let mut out = ArrayD::zeros(indices.raw_dim());
    Zip::from(out.lanes_mut(Axis(axis)))
        .and(indices.lanes(Axis(axis)))
        .and(src.lanes(Axis(axis)))
        .for_each(|mut out, indices, src| {
            for (o, &i) in out.iter_mut().zip(indices) {
                *o = src[i];
            }
        });
    out
}

/// `target[…, indices[…, j, …], …] += values[…, j, …]` along `axis`: the adjoint of
/// [`gather_lanes`]. Repeated indices add up.
pub(crate) fn scatter_lanes(
    target: &mut ArrayD<f32>,
    indices: ArrayViewD<'_, usize>,
    values: ArrayViewD<'_, f32>,
    axis: usize,
) {
    Zip::from(target.lanes_mut(Axis(axis)))
        .and(indices.lanes(Axis(axis)))
        .and(values.lanes(Axis(axis)))
        .for_each(|mut target, indices, values| {
            for (&i, &v) in indices.iter().zip(values) {
                target[i] += v;
            }
        });
}

/// Descending order with NaN first (as the largest value); equal values compare equal, so
/// a stable sort keeps them in index order.
fn descending(x: f32, y: f32) -> Ordering {
    match (x.is_nan(), y.is_nan()) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
    }
}

impl Tensor {
    /// Picks values along `axis` at `indices` (NumPy's and Keras's `take_along_axis`,
    /// PyTorch's `gather`): `out[…, j, …] = self[…, indices[…, j, …], …]`.
    ///
    /// `indices` has the same rank as `self` and holds whole numbers as `f32`; along `axis`
    /// it may have any length (repeats allowed), and on every other axis it broadcasts with
    /// `self` (equal sizes, or one of them 1). The result has the broadcast shape, with the
    /// indices' length on `axis`. The gradient adds back into the picked positions
    /// ([`scatter_add`](Tensor::scatter_add)); the indices get none.
    ///
    /// # Panics
    ///
    /// On a bad axis, shape or index; see [`Tensor::try_gather`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![10.0, 11.0, 12.0, 20.0, 21.0, 22.0], &[2, 3]);
    /// let idx = Tensor::from_vec(vec![2.0, 0.0, 1.0, 1.0], &[2, 2]);
    /// assert_eq!(x.gather(&idx, 1).to_vec(), vec![12.0, 10.0, 21.0, 21.0]);
    /// // One row of indices, broadcast over both rows of `x`:
    /// let row = Tensor::from_vec(vec![0.0], &[1, 1]);
    /// assert_eq!(x.gather(&row, -1).to_vec(), vec![10.0, 20.0]);
    /// ```
    #[track_caller]
    pub fn gather(&self, indices: &Tensor, axis: isize) -> Tensor {
        self.try_gather(indices, axis).or_raise()
    }

    /// Like [`Tensor::gather`], returning an error for a bad axis, shape or index.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::IncompatibleShapes`] if `indices` has another rank
    /// or an axis other than `axis` that does not broadcast; [`Error::InvalidArgument`]
    /// naming the first index that is out of range or not a whole number ≥ 0;
    /// [`Error::Allocation`] if the broadcast result is larger than memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[2, 3]);
    /// let err = x.try_gather(&Tensor::from_vec(vec![0.0, 3.0], &[1, 2]), 1).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`gather`: index 3 at position [0, 1] is out of range for axis 1 of size 3"
    /// );
    /// ```
    pub fn try_gather(&self, indices: &Tensor, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("gather", axis, self.rank())?;
        if indices.rank() != self.rank() {
            return Err(Error::incompatible(
                "gather",
                self.shape(),
                indices.shape(),
                format!("the indices must have the input's rank, {}", self.rank()),
            ));
        }
        let mut out_shape = indices.shape().to_vec();
        let mut src_shape = self.shape().to_vec();
        for (i, (&x, &k)) in self.shape().iter().zip(indices.shape()).enumerate() {
            if i == a {
                continue;
            }
            let size = match (x, k) {
                (x, k) if x == k || k == 1 => x,
                (1, k) => k,
                _ => {
                    return Err(Error::incompatible(
                        "gather",
                        self.shape(),
                        indices.shape(),
                        format!(
                            "axis {i} has sizes {x} and {k}, neither of them 1 (only axis {a} may differ)"
                        ),
                    ));
                }
            };
            out_shape[i] = size;
            src_shape[i] = size;
        }
        checked_size(|| "`gather`".into(), &out_shape, size_of::<f32>())?;
        let size = self.shape()[a];
        let indices = read_indices("gather", indices, size, || {
            format!("axis {a} of size {size}")
        })?;
        let indices = indices
            .broadcast(IxDyn(&out_shape))
            .expect("the indices' axes were checked to broadcast")
            .to_owned();
        let src = self
            .data()
            .broadcast(IxDyn(&src_shape))
            .expect("the input's axes were checked to broadcast");
        let out = gather_lanes(src, indices.view(), a);
        Ok(Tensor::from_op(
            out,
            || Op::Gather {
                input: self.clone(),
                axis: a,
                indices,
            },
            &[self],
        ))
    }

    /// A copy of `self` with each value of `src` added at its index along `axis`
    /// (PyTorch's `scatter_add`): `out[…, indices[…, j, …], …] += src[…, j, …]`, repeated
    /// indices adding up. The adjoint of [`gather`](Tensor::gather).
    ///
    /// `indices` and `src` have the same shape, and the same sizes as `self` on every axis
    /// but `axis`. The gradient passes to `self` unchanged and to `src` gathered at the
    /// same indices.
    ///
    /// # Panics
    ///
    /// On a bad axis, shape or index; see [`Tensor::try_scatter_add`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let counts = Tensor::zeros(&[3]);
    /// let idx = Tensor::from_vec(vec![0.0, 2.0, 0.0, 0.0], &[4]);
    /// let y = counts.scatter_add(&idx, &Tensor::ones(&[4]), 0);
    /// assert_eq!(y.to_vec(), vec![3.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn scatter_add(&self, indices: &Tensor, src: &Tensor, axis: isize) -> Tensor {
        self.try_scatter_add(indices, src, axis).or_raise()
    }

    /// Like [`Tensor::scatter_add`], returning an error for a bad axis, shape or index.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::IncompatibleShapes`] if `indices` and `src`
    /// differ in shape, or differ from `self` off `axis`; [`Error::InvalidArgument`] naming
    /// the first index that is out of range or not a whole number ≥ 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[2, 3])
    ///     .try_scatter_add(&Tensor::zeros(&[3, 1]), &Tensor::ones(&[3, 1]), 1)
    ///     .unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`scatter_add` cannot combine shapes [2, 3] and [3, 1]: all axes but axis 1 must match"
    /// );
    /// ```
    pub fn try_scatter_add(&self, indices: &Tensor, src: &Tensor, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("scatter_add", axis, self.rank())?;
        if indices.shape() != src.shape() {
            return Err(Error::incompatible(
                "scatter_add",
                indices.shape(),
                src.shape(),
                "the indices and the values added must have the same shape",
            ));
        }
        let fits = indices.rank() == self.rank()
            && (0..self.rank()).all(|i| i == a || indices.shape()[i] == self.shape()[i]);
        if !fits {
            return Err(Error::incompatible(
                "scatter_add",
                self.shape(),
                indices.shape(),
                format!("all axes but axis {a} must match"),
            ));
        }
        let size = self.shape()[a];
        let indices = read_indices("scatter_add", indices, size, || {
            format!("axis {a} of size {size}")
        })?;
        let mut out = self.to_array();
        scatter_lanes(&mut out, indices.view(), src.view(), a);
        Ok(Tensor::from_op(
            out,
            || Op::ScatterAdd {
                input: self.clone(),
                src: src.clone(),
                axis: a,
                indices,
            },
            &[self, src],
        ))
    }

    /// Class ids (whole numbers as `f32`) as one-hot rows: the result has `self`'s shape
    /// plus a last axis of `num_classes`, 1.0 at each id and 0.0 elsewhere. A constant: no
    /// gradient flows through ids.
    ///
    /// # Panics
    ///
    /// On an id that is not a whole number in `0..num_classes`; see
    /// [`Tensor::try_one_hot`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let labels = Tensor::from_vec(vec![2.0, 0.0], &[2]);
    /// let y = labels.one_hot(3);
    /// assert_eq!(y.shape(), &[2, 3]);
    /// assert_eq!(y.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn one_hot(&self, num_classes: usize) -> Tensor {
        self.try_one_hot(num_classes).or_raise()
    }

    /// Like [`Tensor::one_hot`], returning an error for a bad id.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the first id out of range or not a whole number
    /// ≥ 0; [`Error::Allocation`] if the result is larger than memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::from_vec(vec![1.0, 3.0], &[2]).try_one_hot(3).unwrap_err();
    /// assert_eq!(err.to_string(), "`one_hot`: index 3 at position [1] is out of range for 3 classes");
    /// let err = Tensor::from_vec(vec![0.5], &[1]).try_one_hot(3).unwrap_err();
    /// assert_eq!(err.to_string(), "`one_hot`: index 0.5 at position [0] is not a whole number ≥ 0");
    /// ```
    pub fn try_one_hot(&self, num_classes: usize) -> Result<Tensor> {
        let mut shape = self.shape().to_vec();
        shape.push(num_classes);
        checked_size(|| "`one_hot`".into(), &shape, size_of::<f32>())?;
        let ids = read_indices("one_hot", self, num_classes, || {
            format!("{num_classes} classes")
        })?;
        let mut out = ArrayD::<f32>::zeros(IxDyn(&shape));
        Zip::from(out.lanes_mut(Axis(self.rank())))
            .and(&ids)
            .for_each(|mut row, &id| row[id] = 1.0);
        Ok(Tensor::from_array(out))
    }

    /// The index (as `f32`) of the largest value along `axis`, which is removed: the first
    /// one on ties, and the first NaN if there is one (NumPy's rules). A constant: no
    /// gradient.
    ///
    /// # Panics
    ///
    /// If the axis is out of range, empty or longer than 2²⁴; see [`Tensor::try_argmax`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 3.0, 3.0, 2.0, 0.0, 1.0], &[2, 3]);
    /// assert_eq!(x.argmax(1).to_vec(), vec![1.0, 0.0]);
    /// assert_eq!(x.argmax(0).to_vec(), vec![1.0, 0.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn argmax(&self, axis: isize) -> Tensor {
        self.try_argmax(axis).or_raise()
    }

    /// Like [`Tensor::argmax`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::InvalidArgument`] for an empty axis, or one longer
    /// than 2²⁴ (an `f32` index could not name every position).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[2, 0]).try_argmax(1).unwrap_err();
    /// assert_eq!(err.to_string(), "`argmax`: axis 1 is empty, so it has no maximum");
    /// ```
    pub fn try_argmax(&self, axis: isize) -> Result<Tensor> {
        self.arg_extremum("argmax", "maximum", axis, |v, best| v > best)
    }

    /// The index (as `f32`) of the smallest value along `axis`, which is removed: the
    /// first one on ties, and the first NaN if there is one (NumPy's rules). A constant: no
    /// gradient.
    ///
    /// # Panics
    ///
    /// If the axis is out of range, empty or longer than 2²⁴; see [`Tensor::try_argmin`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![2.0, 0.0, 0.0, f32::NAN], &[4]);
    /// assert_eq!(x.argmin(0).item(), 3.0);
    /// assert_eq!(x.narrow(0, 0, 3).argmin(-1).item(), 1.0);
    /// ```
    #[track_caller]
    pub fn argmin(&self, axis: isize) -> Tensor {
        self.try_argmin(axis).or_raise()
    }

    /// Like [`Tensor::argmin`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_argmax`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[2]).try_argmin(1).unwrap_err();
    /// assert_eq!(err.to_string(), "`argmin`: axis 1 is out of range for a tensor of rank 1");
    /// ```
    pub fn try_argmin(&self, axis: isize) -> Result<Tensor> {
        self.arg_extremum("argmin", "minimum", axis, |v, best| v < best)
    }

    fn arg_extremum(
        &self,
        op: &'static str,
        extremum: &str,
        axis: isize,
        better: fn(f32, f32) -> bool,
    ) -> Result<Tensor> {
        let a = normalize_axis(op, axis, self.rank())?;
        let size = self.shape()[a];
        if size == 0 {
            return Err(Error::invalid(
                op,
                format!("axis {a} is empty, so it has no {extremum}"),
            ));
        }
        check_countable(op, a, size)?;
        let out = self.data().map_axis(Axis(a), |lane| {
            let mut best = 0;
            for (i, &v) in lane.iter().enumerate() {
                if v.is_nan() {
                    return i as f32;
                }
                if better(v, lane[best]) {
                    best = i;
                }
            }
            best as f32
        });
        Ok(Tensor::from_array(out))
    }

    /// The `k` largest values along `axis`, in descending order, and their indices (as
    /// `f32`), both with `k` on that axis. Equal values keep their order (the lower index
    /// first); NaN counts as the largest value. The values carry a gradient, which goes to
    /// the positions they were taken from; the indices are a constant.
    ///
    /// # Panics
    ///
    /// If the axis is out of range or `k` is larger than it; see [`Tensor::try_topk`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 4.0, 2.0, 4.0], &[4]);
    /// let (values, indices) = x.topk(3, 0);
    /// assert_eq!(values.to_vec(), vec![4.0, 4.0, 2.0]);
    /// assert_eq!(indices.to_vec(), vec![1.0, 3.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn topk(&self, k: usize, axis: isize) -> (Tensor, Tensor) {
        self.try_topk(k, axis).or_raise()
    }

    /// Like [`Tensor::topk`], returning an error for a bad axis or `k`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::InvalidArgument`] if `k` is larger than the axis,
    /// or the axis is longer than 2²⁴.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 3]).try_topk(4, 1).unwrap_err();
    /// assert_eq!(err.to_string(), "`topk`: k = 4 is more than the 3 entries of axis 1");
    /// ```
    pub fn try_topk(&self, k: usize, axis: isize) -> Result<(Tensor, Tensor)> {
        let a = normalize_axis("topk", axis, self.rank())?;
        let size = self.shape()[a];
        if k > size {
            return Err(Error::invalid(
                "topk",
                format!("k = {k} is more than the {size} entries of axis {a}"),
            ));
        }
        check_countable("topk", a, size)?;
        let mut shape = self.shape().to_vec();
        shape[a] = k;
        let mut indices = ArrayD::<usize>::zeros(IxDyn(&shape));
        let mut order = Vec::with_capacity(size);
        Zip::from(indices.lanes_mut(Axis(a)))
            .and(self.data().lanes(Axis(a)))
            .for_each(|mut out, lane| {
                order.clear();
                order.extend(0..size);
                order.sort_by(|&i, &j| descending(lane[i], lane[j]));
                for (o, &i) in out.iter_mut().zip(&order) {
                    *o = i;
                }
            });
        let positions = Tensor::from_array(indices.mapv(|i| i as f32));
        let values = gather_lanes(self.view(), indices.view(), a);
        let values = Tensor::from_op(
            values,
            || Op::Gather {
                input: self.clone(),
                axis: a,
                indices,
            },
            &[self],
        );
        Ok((values, positions))
    }
}
