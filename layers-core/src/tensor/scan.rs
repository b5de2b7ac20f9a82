//! Ops that depend on position along an axis: the running sum `cumsum`, and the lower and
//! upper triangles of the last two axes (`tril`, `triu`) with the masks behind them
//! (`tril_mask`, `triu_mask`), as used for causal attention.
//!
//! ```
//! use layers_core::Tensor;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]);
//! assert_eq!(x.cumsum(0).to_vec(), vec![1.0, 3.0, 6.0]);
//! assert_eq!(Tensor::tril_mask(2, 2, 0).to_vec(), vec![1.0, 0.0, 1.0, 1.0]);
//! ```

use ndarray::{ArrayD, Axis, IxDyn};

use super::Tensor;
use super::op::Op;
use super::shape::{checked_size, normalize_axis};
use crate::error::{Error, Result};
use crate::unwind::OrRaise;

#[derive(Clone, Copy)]
enum Triangle {
    Lower,
    Upper,
}

impl Triangle {
    fn name(self) -> &'static str {
        match self {
            Triangle::Lower => "tril",
            Triangle::Upper => "triu",
        }
    }

    fn mask_name(self) -> &'static str {
        match self {
            Triangle::Lower => "tril_mask",
            Triangle::Upper => "triu_mask",
        }
    }

    /// Whether `(row, col)` is in the triangle bounded by diagonal `k` (NumPy's rule:
    /// `col ≤ row + k` below, `col ≥ row + k` above).
    fn keeps(self, row: usize, col: usize, k: isize) -> bool {
        // Both fit in isize: the mask's size was checked against memory.
        let bound = (row as isize).saturating_add(k);
        match self {
            Triangle::Lower => col as isize <= bound,
            Triangle::Upper => col as isize >= bound,
        }
    }

    fn mask(self, rows: usize, cols: usize, k: isize) -> Result<Tensor> {
        let what = self.mask_name();
        checked_size(|| format!("`{what}`"), &[rows, cols], size_of::<f32>())?;
        let out = ArrayD::from_shape_fn(IxDyn(&[rows, cols]), |ix| {
            f32::from(u8::from(self.keeps(ix[0], ix[1], k)))
        });
        Ok(Tensor::from_array(out))
    }

    fn apply(self, x: &Tensor, k: isize) -> Result<Tensor> {
        let rank = x.rank();
        if rank < 2 {
            return Err(Error::mismatch(self.name(), "at least 2 axes", x.shape()));
        }
        let mask = self.mask(x.shape()[rank - 2], x.shape()[rank - 1], k)?;
        mask.try_select(x, 0.0)
    }
}

impl Tensor {
    /// The running sum along `axis`: `out[i] = x[0] + … + x[i]`, in `f32` from the start
    /// of the axis (as NumPy's `cumsum` for `float32`). The gradient is the running sum of
    /// the output's gradient from the end.
    ///
    /// # Panics
    ///
    /// If the axis is out of range; see [`Tensor::try_cumsum`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// assert_eq!(x.cumsum(-1).to_vec(), vec![1.0, 3.0, 3.0, 7.0]);
    /// assert_eq!(x.cumsum(0).to_vec(), vec![1.0, 2.0, 4.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn cumsum(&self, axis: isize) -> Tensor {
        self.try_cumsum(axis).or_raise()
    }

    /// Like [`Tensor::cumsum`], returning an error for a bad axis.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAxis`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[3]).try_cumsum(-2).unwrap_err();
    /// assert_eq!(err.to_string(), "`cumsum`: axis -2 is out of range for a tensor of rank 1");
    /// ```
    pub fn try_cumsum(&self, axis: isize) -> Result<Tensor> {
        let a = normalize_axis("cumsum", axis, self.rank())?;
        let mut out = self.to_array();
        out.accumulate_axis_inplace(Axis(a), |&before, here| *here += before);
        Ok(Tensor::from_op(
            out,
            || Op::Cumsum(self.clone(), a),
            &[self],
        ))
    }

    /// The lower triangle of the last two axes: entries with `col ≤ row + k` are kept,
    /// the others set to 0 (NumPy's `tril`; `k > 0` keeps diagonals above the main one,
    /// `k < 0` drops more). The gradient passes through the kept entries only.
    ///
    /// # Panics
    ///
    /// If the tensor has fewer than 2 axes; see [`Tensor::try_tril`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// assert_eq!(x.tril(0).to_vec(), vec![1.0, 0.0, 3.0, 4.0]);
    /// assert_eq!(x.tril(-1).to_vec(), vec![0.0, 0.0, 3.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn tril(&self, k: isize) -> Tensor {
        self.try_tril(k).or_raise()
    }

    /// Like [`Tensor::tril`], returning an error for a tensor of fewer than 2 axes.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for fewer than 2 axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::ones(&[3]).try_tril(0).unwrap_err();
    /// assert_eq!(err.to_string(), "`tril` expected at least 2 axes but found shape [3]");
    /// ```
    pub fn try_tril(&self, k: isize) -> Result<Tensor> {
        Triangle::Lower.apply(self, k)
    }

    /// The upper triangle of the last two axes: entries with `col ≥ row + k` are kept,
    /// the others set to 0 (NumPy's `triu`). The gradient passes through the kept entries
    /// only.
    ///
    /// # Panics
    ///
    /// If the tensor has fewer than 2 axes; see [`Tensor::try_triu`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(x.triu(1).to_vec(), vec![0.0, 2.0, 3.0, 0.0, 0.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn triu(&self, k: isize) -> Tensor {
        self.try_triu(k).or_raise()
    }

    /// Like [`Tensor::triu`], returning an error for a tensor of fewer than 2 axes.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for fewer than 2 axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::scalar(1.0).try_triu(0).is_err());
    /// ```
    pub fn try_triu(&self, k: isize) -> Result<Tensor> {
        Triangle::Upper.apply(self, k)
    }

    /// A `(rows, cols)` mask, 1.0 where `col ≤ row + k` and 0.0 elsewhere: with `k = 0`,
    /// the causal mask (each position sees itself and the ones before it).
    ///
    /// # Panics
    ///
    /// If the machine cannot hold the mask; see [`Tensor::try_tril_mask`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let m = Tensor::tril_mask(2, 3, 1);
    /// assert_eq!(m.to_vec(), vec![1.0, 1.0, 0.0, 1.0, 1.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn tril_mask(rows: usize, cols: usize, k: isize) -> Tensor {
        Tensor::try_tril_mask(rows, cols, k).or_raise()
    }

    /// Like [`Tensor::tril_mask`], if the machine can hold it.
    ///
    /// # Errors
    ///
    /// [`Error::Allocation`] if the mask is larger than memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::try_tril_mask(1 << 40, 1 << 40, 0).is_err());
    /// ```
    pub fn try_tril_mask(rows: usize, cols: usize, k: isize) -> Result<Tensor> {
        Triangle::Lower.mask(rows, cols, k)
    }

    /// A `(rows, cols)` mask, 1.0 where `col ≥ row + k` and 0.0 elsewhere.
    ///
    /// # Panics
    ///
    /// If the machine cannot hold the mask; see [`Tensor::try_triu_mask`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::triu_mask(2, 2, 0).to_vec(), vec![1.0, 1.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn triu_mask(rows: usize, cols: usize, k: isize) -> Tensor {
        Tensor::try_triu_mask(rows, cols, k).or_raise()
    }

    /// Like [`Tensor::triu_mask`], if the machine can hold it.
    ///
    /// # Errors
    ///
    /// [`Error::Allocation`] if the mask is larger than memory.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let err = Tensor::try_triu_mask(usize::MAX, 2, 0).unwrap_err();
    /// assert!(err.to_string().starts_with("`triu_mask` of shape"));
    /// ```
    pub fn try_triu_mask(rows: usize, cols: usize, k: isize) -> Result<Tensor> {
        Triangle::Upper.mask(rows, cols, k)
    }
}
