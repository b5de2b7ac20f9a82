//! Shape arithmetic shared by the ops: broadcasting, axis normalisation, and reducing a
//! broadcast gradient back to an operand's shape.

use ndarray::{ArrayD, Axis, IxDyn};

use crate::error::{Error, Result};

/// NumPy's broadcasting rule: align trailing axes; each pair must be equal or contain a 1.
pub(crate) fn broadcast_shapes(op: &'static str, a: &[usize], b: &[usize]) -> Result<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i < rank - a.len() {
            1
        } else {
            a[i - (rank - a.len())]
        };
        let db = if i < rank - b.len() {
            1
        } else {
            b[i - (rank - b.len())]
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            (x, y) => {
                return Err(Error::incompatible(
                    op,
                    a,
                    b,
                    format!(
                        "axis {i} of the broadcast shape has sizes {x} and {y}, neither of them 1"
                    ),
                ));
            }
        };
    }
    Ok(out)
}

/// Turns a possibly negative axis into an index below `rank`.
pub(crate) fn normalize_axis(op: &'static str, axis: isize, rank: usize) -> Result<usize> {
    let r = rank as isize;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r {
        return Err(Error::InvalidAxis { op, axis, rank });
    }
    Ok(a as usize)
}

/// Normalises a list of axes, sorted and without repeats.
pub(crate) fn normalize_axes(op: &'static str, axes: &[isize], rank: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &axis in axes {
        let a = normalize_axis(op, axis, rank)?;
        if out.contains(&a) {
            return Err(Error::invalid(op, format!("axis {axis} is given twice")));
        }
        out.push(a);
    }
    out.sort_unstable();
    Ok(out)
}

/// Sums a gradient of a broadcast result down to the shape of the operand it came from.
pub(crate) fn sum_to_shape(mut grad: ArrayD<f32>, shape: &[usize]) -> ArrayD<f32> {
    if grad.shape() == shape {
        return grad;
    }
    while grad.ndim() > shape.len() {
        grad = grad.sum_axis(Axis(0));
    }
    for (i, &d) in shape.iter().enumerate() {
        if d == 1 && grad.shape()[i] != 1 {
            grad = grad.sum_axis(Axis(i)).insert_axis(Axis(i));
        }
    }
    grad
}

/// The shape a reduction over `axes` has with `keepdims = true`.
pub(crate) fn kept_shape(shape: &[usize], axes: &[usize]) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .map(|(i, &d)| if axes.contains(&i) { 1 } else { d })
        .collect()
}

/// Reshapes an owned array to `shape` (same number of elements), copying only if the
/// layout requires it.
pub(crate) fn reshaped(array: ArrayD<f32>, shape: &[usize]) -> ArrayD<f32> {
    let array = if array.is_standard_layout() {
        array
    } else {
        array.as_standard_layout().into_owned()
    };
    array
        .into_shape_with_order(IxDyn(shape))
        .expect("callers pass a shape with the same number of elements")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes("add", &[2, 3], &[3]).unwrap(), vec![2, 3]);
        assert_eq!(
            broadcast_shapes("add", &[4, 1, 3], &[2, 1]).unwrap(),
            vec![4, 2, 3]
        );
        assert_eq!(broadcast_shapes("add", &[], &[5]).unwrap(), vec![5]);
        assert!(broadcast_shapes("add", &[2, 3], &[2]).is_err());
    }

    #[test]
    fn sum_to_shape_reduces_broadcast_axes() {
        let g = ArrayD::from_elem(IxDyn(&[4, 2, 3]), 1.0f32);
        let r = sum_to_shape(g, &[2, 1]);
        assert_eq!(r.shape(), &[2, 1]);
        assert!(r.iter().all(|&v| v == 12.0));
    }

    #[test]
    fn axes_are_normalised() {
        assert_eq!(normalize_axes("sum", &[-1, 0], 3).unwrap(), vec![0, 2]);
        assert!(normalize_axes("sum", &[3], 3).is_err());
        assert!(normalize_axes("sum", &[1, -2], 3).is_err());
    }
}
