//! Ops that add, remove or cut up axes: `pad` with a constant, `stack` along a new axis,
//! `split` and `chunk` into pieces, and `squeeze`/`unsqueeze` of a size-1 axis.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4]);
//! let parts = x.split(&[1, 3], 0);
//! assert_eq!(parts[1].to_vec(), vec![2.0, 3.0, 4.0]);
//! let y = Tensor::stack(&[x.clone(), x], 0);
//! assert_eq!(y.shape(), &[2, 4]);
//! assert_eq!(y.unsqueeze(1).squeeze(1).shape(), &[2, 4]);
//! ```

use ndarray::{ArrayD, Axis, IxDyn, Slice};

use super::Tensor;
use super::op::Op;
use super::shape::{checked_size, normalize_axis};
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

impl Tensor {
    /// Pads with `value`: `widths[i] = (before, after)` entries are added at the start and
    /// end of axis `i` (Keras's `ops.pad` in `constant` mode). The gradient is the part of
    /// the output's gradient that lies over the input.
    ///
    /// # Panics
    ///
    /// If there is not one pair per axis; see [`Tensor::try_pad`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[1, 2]);
    /// let y = x.pad(&[(1, 0), (0, 2)], -1.0);
    /// assert_eq!(y.shape(), &[2, 4]);
    /// assert_eq!(y.to_vec(), vec![-1.0, -1.0, -1.0, -1.0, 1.0, 2.0, -1.0, -1.0]);
    /// ```
    #[track_caller]
    pub fn pad(&self, widths: &[(usize, usize)], value: f32) -> Tensor {
        self.try_pad(widths, value).or_raise()
    }

    /// Like [`Tensor::pad`], returning an error for widths that do not fit.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if `widths` does not have one pair per axis;
    /// [`Error::Allocation`] if the padded shape is larger than memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 3]).try_pad(&[(1, 1)], 0.0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`pad`: 1 (before, after) pairs were given for the 2 axes of shape [2, 3]"
    /// );
    /// assert!(Tensor::ones(&[2]).try_pad(&[(usize::MAX, 1)], 0.0).is_err());
    /// ```
    pub fn try_pad(&self, widths: &[(usize, usize)], value: f32) -> Result<Tensor> {
        if widths.len() != self.rank() {
            return Err(Error::invalid(
                "pad",
                format!(
                    "{} (before, after) pairs were given for the {} axes of shape {:?}",
                    widths.len(),
                    self.rank(),
                    self.shape()
                ),
            ));
        }
        let shape: Option<Vec<usize>> = self
            .shape()
            .iter()
            .zip(widths)
            .map(|(&d, &(before, after))| d.checked_add(before)?.checked_add(after))
            .collect();
        let shape = shape.ok_or_else(|| Error::Allocation {
            what: "`pad`".into(),
            shape: self.shape().into(),
            reason: format!("padded by {widths:?} has more values than memory can address"),
        })?;
        checked_size(|| "`pad`".into(), &shape, size_of::<f32>())?;
        let mut out = ArrayD::from_elem(IxDyn(&shape), value);
        let mut inner = out.view_mut();
        for (i, (&d, &(before, _))) in self.shape().iter().zip(widths).enumerate() {
            inner.slice_axis_inplace(Axis(i), Slice::from(before..before + d));
        }
        inner.assign(self.data());
        Ok(Tensor::from_op(
            out,
            || Op::Pad(self.clone(), widths.to_vec()),
            &[self],
        ))
    }

    /// Joins tensors of one shape along a new axis `axis` (from `-(rank + 1)` to `rank`):
    /// `stack([a, b], 0)[0] == a`. Recorded as an `unsqueeze` of each and a `concat`, so
    /// each input gets its slice of the gradient.
    ///
    /// # Panics
    ///
    /// If the list is empty, the shapes differ or the axis is out of range; see
    /// [`Tensor::try_stack`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::from_vec(vec![1.0, 2.0], &[2]);
    /// let b = Tensor::from_vec(vec![3.0, 4.0], &[2]);
    /// assert_eq!(Tensor::stack(&[a.clone(), b.clone()], 0).to_vec(), vec![1.0, 2.0, 3.0, 4.0]);
    /// assert_eq!(Tensor::stack(&[a, b], -1).to_vec(), vec![1.0, 3.0, 2.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn stack(tensors: &[Tensor], axis: isize) -> Tensor {
        Tensor::try_stack(tensors, axis).or_raise()
    }

    /// Like [`Tensor::stack`], returning an error for an empty list, differing shapes or a
    /// bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty list; [`Error::IncompatibleShapes`] naming
    /// the first shape that differs from the first tensor's; [`Error::InvalidAxis`] for an
    /// axis out of range for the result (whose rank is one more than the inputs').
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::try_stack(&[Tensor::ones(&[2]), Tensor::ones(&[3])], 0).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`stack` cannot combine shapes [2] and [3]: all tensors must have the same shape"
    /// );
    /// assert!(Tensor::try_stack(&[], 0).is_err());
    /// ```
    pub fn try_stack(tensors: &[Tensor], axis: isize) -> Result<Tensor> {
        let first = tensors
            .first()
            .ok_or_else(|| Error::invalid("stack", "needs at least one tensor"))?;
        if let Some(t) = tensors.iter().find(|t| t.shape() != first.shape()) {
            return Err(Error::incompatible(
                "stack",
                first.shape(),
                t.shape(),
                "all tensors must have the same shape",
            ));
        }
        let a = normalize_axis("stack", axis, first.rank() + 1)?;
        let parts = tensors
            .iter()
            .map(|t| t.try_unsqueeze(a as isize))
            .collect::<Result<Vec<_>>>()?;
        Tensor::try_concat(&parts, a as isize)
    }

    /// Cuts `axis` into consecutive pieces of the given sizes, which must add up to its
    /// length (Keras's `ops.split` with sizes; PyTorch's `split` with a list). Each piece
    /// is a [`narrow`](Tensor::narrow) and gets its part of the gradient.
    ///
    /// # Panics
    ///
    /// If the axis is out of range or the sizes do not add up; see [`Tensor::try_split`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec((0..6).map(|v| v as f32).collect(), &[2, 3]);
    /// let parts = x.split(&[2, 1], -1);
    /// assert_eq!(parts[0].to_vec(), vec![0.0, 1.0, 3.0, 4.0]);
    /// assert_eq!(parts[1].to_vec(), vec![2.0, 5.0]);
    /// ```
    #[track_caller]
    pub fn split(&self, sizes: &[usize], axis: isize) -> Vec<Tensor> {
        self.try_split(sizes, axis).or_raise()
    }

    /// Like [`Tensor::split`], returning an error for a bad axis or sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::InvalidArgument`] if the sizes do not add up to the
    /// axis's length.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[2, 5]).try_split(&[2, 2], 1).unwrap_err();
    /// assert_eq!(err.to_string(), "`split`: the sizes [2, 2] add up to 4, but axis 1 has length 5");
    /// ```
    pub fn try_split(&self, sizes: &[usize], axis: isize) -> Result<Vec<Tensor>> {
        let a = normalize_axis("split", axis, self.rank())?;
        let length = self.shape()[a];
        let total = sizes.iter().try_fold(0usize, |n, &s| n.checked_add(s));
        if total != Some(length) {
            let total = total.map_or_else(|| "more than usize::MAX".into(), |t| t.to_string());
            return Err(Error::invalid(
                "split",
                format!("the sizes {sizes:?} add up to {total}, but axis {a} has length {length}"),
            ));
        }
        let mut start = 0;
        let mut parts = Vec::with_capacity(sizes.len());
        for &size in sizes {
            parts.push(self.try_narrow(a as isize, start, size)?);
            start += size;
        }
        Ok(parts)
    }

    /// Cuts `axis` into `n` consecutive pieces as equal as can be: the first
    /// `length % n` pieces have one entry more (NumPy's `array_split`), so there are
    /// always `n` pieces, some empty when `n` is larger than the axis.
    ///
    /// # Panics
    ///
    /// If `n` is 0 or the axis is out of range; see [`Tensor::try_chunk`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0], &[5]);
    /// let sizes: Vec<usize> = x.chunk(3, 0).iter().map(|c| c.len()).collect();
    /// assert_eq!(sizes, vec![2, 2, 1]);
    /// assert_eq!(x.chunk(3, 0)[2].to_vec(), vec![5.0]);
    /// ```
    #[track_caller]
    pub fn chunk(&self, n: usize, axis: isize) -> Vec<Tensor> {
        self.try_chunk(n, axis).or_raise()
    }

    /// Like [`Tensor::chunk`], returning an error for `n = 0` or a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `n = 0`; [`Error::InvalidAxis`]; [`Error::Allocation`]
    /// for more pieces than the machine can hold.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[4]).try_chunk(0, 0).unwrap_err();
    /// assert_eq!(err.to_string(), "`chunk`: cannot cut an axis into 0 pieces");
    /// assert!(Tensor::ones(&[4]).try_chunk(usize::MAX, 0).is_err());
    /// ```
    pub fn try_chunk(&self, n: usize, axis: isize) -> Result<Vec<Tensor>> {
        if n == 0 {
            return Err(Error::invalid("chunk", "cannot cut an axis into 0 pieces"));
        }
        let a = normalize_axis("chunk", axis, self.rank())?;
        // `n` pieces are `n` tensors (and their sizes): refused before allocating when the
        // machine cannot hold them.
        checked_size(
            || "`chunk`'s pieces".to_string(),
            &[n],
            std::mem::size_of::<Tensor>() + std::mem::size_of::<usize>(),
        )?;
        let length = self.shape()[a];
        let (base, extra) = (length / n, length % n);
        let sizes: Vec<usize> = (0..n).map(|i| base + usize::from(i < extra)).collect();
        self.try_split(&sizes, a as isize)
    }

    /// Removes axis `axis`, which must have size 1.
    ///
    /// # Panics
    ///
    /// If the axis is out of range or not of size 1; see [`Tensor::try_squeeze`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::zeros(&[2, 1, 3]).squeeze(1).shape(), &[2, 3]);
    /// assert_eq!(Tensor::zeros(&[2, 1]).squeeze(-1).shape(), &[2]);
    /// ```
    #[track_caller]
    pub fn squeeze(&self, axis: isize) -> Tensor {
        self.try_squeeze(axis).or_raise()
    }

    /// Like [`Tensor::squeeze`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`]; [`Error::InvalidArgument`] if the axis's size is not 1.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[2, 3]).try_squeeze(1).unwrap_err();
    /// assert_eq!(err.to_string(), "`squeeze`: axis 1 of shape [2, 3] has size 3, not 1");
    /// ```
    pub fn try_squeeze(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("squeeze", axis, self.rank())?;
        if self.shape()[a] != 1 {
            return Err(Error::invalid(
                "squeeze",
                format!(
                    "axis {a} of shape {:?} has size {}, not 1",
                    self.shape(),
                    self.shape()[a]
                ),
            ));
        }
        let mut shape = self.shape().to_vec();
        shape.remove(a);
        self.try_reshape(&shape)
    }

    /// Inserts an axis of size 1 at `axis` (from `-(rank + 1)` to `rank`; −1 appends it).
    ///
    /// # Panics
    ///
    /// If the axis is out of range; see [`Tensor::try_unsqueeze`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::zeros(&[2, 3]);
    /// assert_eq!(x.unsqueeze(0).shape(), &[1, 2, 3]);
    /// assert_eq!(x.unsqueeze(-1).shape(), &[2, 3, 1]);
    /// ```
    #[track_caller]
    pub fn unsqueeze(&self, axis: isize) -> Tensor {
        self.try_unsqueeze(axis).or_raise()
    }

    /// Like [`Tensor::unsqueeze`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`] for an axis out of range for the result (whose rank is one
    /// more).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::zeros(&[2]).try_unsqueeze(2).unwrap_err();
    /// assert_eq!(err.to_string(), "`unsqueeze`: axis 2 is out of range for a tensor of rank 2");
    /// ```
    pub fn try_unsqueeze(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("unsqueeze", axis, self.rank() + 1)?;
        let mut shape = self.shape().to_vec();
        shape.insert(a, 1);
        self.try_reshape(&shape)
    }
}
