//! What a weight's shape expression in `#[weight(shape = [...])]` is evaluated against: the
//! per-sample shape of the layer's input (`input[-1]`) and the sizes of config fields
//! (`units`). Called by the code `#[derive(Layer)]` generates; not a public API (reached
//! through `__private`).

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The per-sample shape of a layer's input (the batch axis left out), as weight shape
/// expressions see it: `input[-1]` is the last axis, as in Keras's `input_shape[-1]`.
#[derive(Clone, Copy, Debug)]
pub struct SampleShape<'a> {
    dims: &'a [usize],
}

impl<'a> SampleShape<'a> {
    /// The per-sample shape of a batch `(batch, …)`.
    pub fn of(x: &'a Tensor) -> SampleShape<'a> {
        SampleShape {
            dims: x.shape().get(1..).unwrap_or(&[]),
        }
    }

    /// The size of axis `axis` (negative counts from the end), for the shape of `weight`.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] naming the weight when the input has no such axis.
    pub fn axis(&self, axis: isize, weight: &str) -> Result<usize> {
        let rank = self.dims.len() as isize;
        let index = if axis < 0 { axis + rank } else { axis };
        if index < 0 || index >= rank {
            return Err(Error::InputRank {
                weight: weight.to_string(),
                axis,
                input: self.dims.into(),
            });
        }
        Ok(self.dims[index as usize])
    }
}

/// A size in a weight shape expression: `usize` or a reference to one, or another integer
/// (which must not be negative).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a size, so it cannot be a dimension of a weight's shape",
    label = "a dimension of `#[weight(shape = [...])]` must be an integer",
    note = "a dimension is an integer config field (`units`), a literal, a name from the layer's signature or `input[i]`, or arithmetic on them"
)]
pub trait ToDim {
    /// The size as `usize`.
    ///
    /// # Panics
    ///
    /// For a negative integer.
    fn to_dim(&self) -> usize;
}

macro_rules! int_dim {
    ($($t:ty),*) => {$(
        impl ToDim for $t {
            fn to_dim(&self) -> usize {
                usize::try_from(*self).unwrap_or_else(|_| panic!("a weight dimension must not be negative, found {}", self))
            }
        }
    )*};
}

int_dim!(usize, u8, u16, u32, u64, isize, i8, i16, i32, i64);

impl<T: ToDim + ?Sized> ToDim for &T {
    fn to_dim(&self) -> usize {
        (**self).to_dim()
    }
}

#[cfg(test)]
mod tests {
    use super::{SampleShape, ToDim};
    use crate::tensor::Tensor;

    #[test]
    fn axes_count_from_either_end_of_the_sample() {
        let x = Tensor::zeros(&[16, 28, 28, 3]);
        let input = SampleShape::of(&x);
        assert_eq!(input.dims, &[28, 28, 3]);
        assert_eq!(input.axis(-1, "kernel").unwrap(), 3);
        assert_eq!(input.axis(-3, "kernel").unwrap(), 28);
        assert_eq!(input.axis(0, "kernel").unwrap(), 28);
        assert!(input.axis(3, "kernel").is_err());
        assert!(input.axis(-4, "kernel").is_err());
    }

    #[test]
    fn a_missing_axis_names_the_weight() {
        let x = Tensor::zeros(&[4]);
        let err = SampleShape::of(&x).axis(-1, "kernel").unwrap_err();
        assert_eq!(
            err.to_string(),
            "weight `kernel` needs input axis -1, but the input shape (None,) has no such axis"
        );
    }

    #[test]
    fn integers_and_references_are_sizes() {
        assert_eq!(3usize.to_dim(), 3);
        assert_eq!(<&usize as ToDim>::to_dim(&&4usize), 4);
        assert_eq!(5i32.to_dim(), 5);
    }

    #[test]
    #[should_panic(expected = "a weight dimension must not be negative, found -2")]
    fn a_negative_size_panics() {
        (-2i64).to_dim();
    }
}
