//! Ops that move values around without computing on them: `reshape`, `permute`,
//! `broadcast_to`, `concat`, `narrow` (a slice along one axis) and `index_select`.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), &[2, 3]);
//! assert_eq!(x.reshape(&[3, 2]).shape(), &[3, 2]);
//! assert_eq!(x.narrow(1, 1, 2).to_vec(), vec![1.0, 2.0, 4.0, 5.0]);
//! ```

use ndarray::{ArrayD, Axis, IxDyn};

use super::op::Op;
use super::shape::{checked_size, element_count, normalize_axis, reshaped};
use crate::Tensor;
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

impl Tensor {
    /// The same values in row-major order under a new shape with the same element count.
    ///
    /// # Panics
    ///
    /// If the element counts differ; see [`Tensor::try_reshape`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// let y = x.reshape(&[3, 2]);
    /// assert_eq!(y.to_array()[[2, 0]], 5.0);
    /// ```
    #[track_caller]
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        self.try_reshape(shape).or_raise()
    }

    /// Like [`Tensor::reshape`], returning an error when the element counts differ.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] naming the requested shape; [`Error::Allocation`] for a
    /// shape whose element count overflows.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 3]).try_reshape(&[4, 2]).unwrap_err();
    /// assert_eq!(err.to_string(), "`reshape` expected 8 elements (shape [4, 2]) but found shape [2, 3]");
    /// ```
    pub fn try_reshape(&self, shape: &[usize]) -> Result<Tensor> {
        let count = element_count(|| "`reshape`".into(), shape)?;
        if count != self.len() {
            return Err(Error::mismatch(
                "reshape",
                format!("{count} elements (shape {shape:?})"),
                self.shape(),
            ));
        }
        if shape == self.shape() {
            return Ok(self.clone());
        }
        // Values in row-major order are shared, not copied: the result is a view of the same
        // storage with the new shape (written to later, either one copies first).
        let data = self.data();
        let out = if data.is_standard_layout() {
            data.clone()
                .into_shape_with_order(IxDyn(shape))
                .expect("a standard-layout array takes any shape of the same size")
        } else {
            reshaped(data.to_owned(), shape).into_shared()
        };
        Ok(Tensor::from_shared_op(
            out,
            || Op::Reshape(self.clone()),
            &[self],
        ))
    }

    /// Reorders the axes: axis `i` of the result is axis `axes[i]` of `self`.
    ///
    /// # Panics
    ///
    /// If `axes` is not a permutation of `0..rank`; see [`Tensor::try_permute`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::zeros(&[2, 3, 4]);
    /// assert_eq!(x.permute(&[2, 0, 1]).shape(), &[4, 2, 3]);
    /// ```
    #[track_caller]
    pub fn permute(&self, axes: &[usize]) -> Tensor {
        self.try_permute(axes).or_raise()
    }

    /// Like [`Tensor::permute`], returning an error for an invalid permutation.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `axes` is not a permutation of `0..rank`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::zeros(&[2, 3]).try_permute(&[0, 0]).is_err());
    /// ```
    pub fn try_permute(&self, axes: &[usize]) -> Result<Tensor> {
        let mut seen = vec![false; self.rank()];
        let valid = axes.len() == self.rank()
            && axes
                .iter()
                .all(|&a| a < seen.len() && !std::mem::replace(&mut seen[a], true));
        if !valid {
            return Err(Error::invalid(
                "permute",
                format!(
                    "{axes:?} is not a permutation of the {} axes of shape {:?}",
                    self.rank(),
                    self.shape()
                ),
            ));
        }
        let out = self
            .view()
            .permuted_axes(IxDyn(axes))
            .as_standard_layout()
            .into_owned();
        Ok(Tensor::from_op(
            out,
            || Op::Permute(self.clone(), axes.to_vec()),
            &[self],
        ))
    }

    /// Broadcasts to a larger shape with NumPy's rules (the values are copied).
    ///
    /// # Panics
    ///
    /// If the shape is not a broadcast of this one; see [`Tensor::try_broadcast_to`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]);
    /// assert_eq!(x.broadcast_to(&[2, 2]).to_vec(), vec![1.0, 2.0, 1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor {
        self.try_broadcast_to(shape).or_raise()
    }

    /// Like [`Tensor::broadcast_to`], returning an error when the shapes do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`]; [`Error::Allocation`] for a shape larger than the
    /// machine can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[3]).try_broadcast_to(&[2, 2]).is_err());
    /// assert!(Tensor::ones(&[1]).try_broadcast_to(&[1 << 40, 1 << 20]).is_err());
    /// ```
    pub fn try_broadcast_to(&self, shape: &[usize]) -> Result<Tensor> {
        checked_size(|| "`broadcast_to`".into(), shape, size_of::<f32>())?;
        let view = self.data().broadcast(IxDyn(shape)).ok_or_else(|| {
            Error::incompatible(
                "broadcast_to",
                self.shape(),
                shape,
                "each axis must match or be 1 in the source",
            )
        })?;
        let out = view.to_owned();
        Ok(Tensor::from_op(
            out,
            || Op::BroadcastTo(self.clone()),
            &[self],
        ))
    }

    /// Joins tensors along an existing axis; all other axes must match.
    ///
    /// # Panics
    ///
    /// If the list is empty or the shapes do not fit; see [`Tensor::try_concat`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
    /// let b = Tensor::from_vec(vec![3.0, 4.0], &[1, 2]);
    /// assert_eq!(Tensor::concat(&[a.clone(), b.clone()], 0).shape(), &[2, 2]);
    /// assert_eq!(Tensor::concat(&[a, b], -1).to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn concat(tensors: &[Tensor], axis: isize) -> Tensor {
        Tensor::try_concat(tensors, axis).or_raise()
    }

    /// Like [`Tensor::concat`], returning an error for an empty list or mismatched shapes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty list, [`Error::InvalidAxis`] for a bad axis,
    /// [`Error::IncompatibleShapes`] when two shapes differ off the axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let r = Tensor::try_concat(&[Tensor::ones(&[1, 2]), Tensor::ones(&[1, 3])], 0);
    /// assert!(r.is_err());
    /// ```
    pub fn try_concat(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
        let first = tensors
            .first()
            .ok_or_else(|| Error::invalid("concat", "needs at least one tensor"))?;
        let axis = normalize_axis("concat", axis, first.rank())?;
        for t in &tensors[1..] {
            let fits = t.rank() == first.rank()
                && t.shape()
                    .iter()
                    .zip(first.shape())
                    .enumerate()
                    .all(|(i, (a, b))| i == axis || a == b);
            if !fits {
                return Err(Error::incompatible(
                    "concat",
                    first.shape(),
                    t.shape(),
                    format!("all axes but axis {axis} must match"),
                ));
            }
        }
        let views: Vec<_> = tensors.iter().map(|t| t.view()).collect();
        let out = ndarray::concatenate(Axis(axis), &views)
            .expect("shapes were checked to fit along the axis");
        let refs: Vec<&Tensor> = tensors.iter().collect();
        Ok(Tensor::from_op(
            out,
            || Op::Concat(tensors.to_vec(), axis),
            &refs,
        ))
    }

    /// The entries `start..start + len` along `axis` (negative axes count from the end).
    ///
    /// # Panics
    ///
    /// If the axis or the range is out of bounds; see [`Tensor::try_narrow`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]);
    /// assert_eq!(x.narrow(0, 1, 2).to_vec(), vec![2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn narrow(&self, axis: isize, start: usize, len: usize) -> Tensor {
        self.try_narrow(axis, start, len).or_raise()
    }

    /// Like [`Tensor::narrow`], returning an error for a bad axis or range.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`], or [`Error::InvalidArgument`] when the range runs past the
    /// end of the axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[4]).try_narrow(0, 3, 2).is_err());
    /// ```
    pub fn try_narrow(&self, axis: isize, start: usize, len: usize) -> Result<Tensor> {
        let a = normalize_axis("narrow", axis, self.rank())?;
        let size = self.shape()[a];
        if start.checked_add(len).is_none_or(|end| end > size) {
            return Err(Error::invalid(
                "narrow",
                format!(
                    "range {start}..{} runs past axis {a} of size {size}",
                    start.saturating_add(len)
                ),
            ));
        }
        let out = self
            .view()
            .slice_axis(Axis(a), (start..start + len).into())
            .to_owned();
        Ok(Tensor::from_op(
            out,
            || Op::Slice {
                input: self.clone(),
                axis: a,
                start,
            },
            &[self],
        ))
    }

    /// Rows `start..start + len` of the first axis as a constant sharing this tensor's
    /// storage (no copy: a slice along the first axis of a standard-layout array is still
    /// contiguous). For inference over batches; records nothing.
    pub(crate) fn rows_shared(&self, start: usize, len: usize) -> Tensor {
        let mut data = self.data().clone();
        data.slice_axis_inplace(Axis(0), (start..start + len).into());
        Tensor::from_parts(data, super::graph::Node::Leaf)
    }

    /// Picks entries along `axis` by index, in the order given (repeats allowed): row
    /// lookup for embeddings and gathering labels.
    ///
    /// # Panics
    ///
    /// If the axis or an index is out of range; see [`Tensor::try_index_select`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let table = Tensor::from_vec(vec![0.0, 0.1, 1.0, 1.1, 2.0, 2.1], &[3, 2]);
    /// let rows = table.index_select(0, &[2, 0, 2]);
    /// assert_eq!(rows.to_vec(), vec![2.0, 2.1, 0.0, 0.1, 2.0, 2.1]);
    /// ```
    #[track_caller]
    pub fn index_select(&self, axis: isize, indices: &[usize]) -> Tensor {
        self.try_index_select(axis, indices).or_raise()
    }

    /// Like [`Tensor::index_select`], returning an error for a bad axis or index.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`], or [`Error::InvalidArgument`] naming the first index that
    /// is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[3, 2]).try_index_select(0, &[1, 3]).unwrap_err();
    /// assert!(err.to_string().contains("index 3"));
    /// ```
    pub fn try_index_select(&self, axis: isize, indices: &[usize]) -> Result<Tensor> {
        let a = normalize_axis("index_select", axis, self.rank())?;
        let size = self.shape()[a];
        if let Some(&bad) = indices.iter().find(|&&i| i >= size) {
            return Err(Error::invalid(
                "index_select",
                format!("index {bad} is out of range for axis {a} of size {size}"),
            ));
        }
        let out: ArrayD<f32> = self.view().select(Axis(a), indices);
        Ok(Tensor::from_op(
            out,
            || Op::IndexSelect {
                input: self.clone(),
                axis: a,
                indices: indices.to_vec(),
            },
            &[self],
        ))
    }
}
