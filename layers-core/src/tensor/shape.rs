//! Shape arithmetic shared by the ops: broadcasting, axis normalisation, reducing a
//! broadcast gradient back to an operand's shape, and the size checks that every allocation
//! sized by user data or a config goes through.

use std::sync::OnceLock;

use ndarray::{ArrayD, Axis, IxDyn};

use crate::error::{Error, Result};

/// The number of values in an array of `shape`, or an [`Error::Allocation`] naming `what`
/// when ndarray could not hold one: the product of the non-zero axes must fit in `isize`
/// (ndarray's own rule, which holds even when an axis of 0 leaves the array empty).
pub(crate) fn element_count(what: impl FnOnce() -> String, shape: &[usize]) -> Result<usize> {
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| isize::try_from(n).is_ok());
    match nonzero {
        Some(_) if shape.contains(&0) => Ok(0),
        Some(n) => Ok(n),
        None => Err(Error::Allocation {
            what: what(),
            shape: shape.into(),
            reason: "has more values than memory can address".into(),
        }),
    }
}

/// The number of `f32` values in an array of `shape`, after checking that the machine can
/// hold `bytes_per_value` bytes for each (4 for an `f32` array; more for an initializer with
/// work space): the byte count must not overflow and must not exceed the machine's memory.
/// Nothing is allocated; the error names `what`, the bytes requested and the memory there is.
pub(crate) fn checked_size(
    what: impl FnOnce() -> String,
    shape: &[usize],
    bytes_per_value: usize,
) -> Result<usize> {
    // `what` is only built for an error: this runs on every tensor constructor.
    let mut what = Some(what);
    let mut name = || what.take().map_or_else(String::new, |f| f());
    let len = element_count(&mut name, shape)?;
    let bytes = len
        .checked_mul(bytes_per_value)
        .filter(|&b| isize::try_from(b).is_ok());
    let reason = match bytes {
        None => "has more values than memory can address".to_string(),
        Some(bytes) => match (memory_total(), large_available(bytes as u64)) {
            (Some(total), _) if bytes as u64 > total => format!(
                "needs {bytes} bytes ({}), more than the {} of memory this machine has",
                readable_bytes(bytes as u64),
                readable_bytes(total)
            ),
            (_, Some(available)) if bytes as u64 > available => format!(
                "needs {bytes} bytes ({}), more than the {} of memory available now",
                readable_bytes(bytes as u64),
                readable_bytes(available)
            ),
            _ => return Ok(len),
        },
    };
    Err(Error::Allocation {
        what: name(),
        shape: shape.into(),
        reason,
    })
}

/// A buffer with room for `len` values, or an [`Error::Allocation`] naming `what` if the
/// allocator refuses (where the machine's memory could not be read, or memory is short).
pub(crate) fn try_buffer<T>(
    what: impl FnOnce() -> String,
    shape: &[usize],
    len: usize,
) -> Result<Vec<T>> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| {
        let bytes = len.saturating_mul(std::mem::size_of::<T>()) as u64;
        Error::Allocation {
            what: what(),
            shape: shape.into(),
            reason: format!(
                "needs {bytes} bytes ({}), which the allocator could not provide",
                readable_bytes(bytes)
            ),
        }
    })?;
    Ok(buffer)
}

/// The machine's memory in bytes (`MemTotal` in `/proc/meminfo`), read once; `None` where
/// it cannot be read, and then only the allocator can refuse.
fn memory_total() -> Option<u64> {
    static TOTAL: OnceLock<Option<u64>> = OnceLock::new();
    *TOTAL.get_or_init(|| {
        let text = std::fs::read_to_string("/proc/meminfo").ok()?;
        parse_mem_total(&text)
    })
}

/// Above this many bytes a buffer is also compared with the memory available now.
const LARGE: u64 = 1 << 30;

/// For a buffer of more than [`LARGE`] bytes, the memory available now (`MemAvailable`,
/// read afresh: it changes), so that one that cannot be had is refused with an error instead
/// of the allocator aborting the process or the kernel killing it as it fills the buffer.
/// `None` for smaller buffers (nothing is read: this runs on every tensor constructor) and
/// where it cannot be read.
fn large_available(bytes: u64) -> Option<u64> {
    if bytes <= LARGE {
        return None;
    }
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    parse_meminfo(&text, "MemAvailable:")
}

/// `MemTotal:  24683784 kB` → bytes.
fn parse_mem_total(meminfo: &str) -> Option<u64> {
    parse_meminfo(meminfo, "MemTotal:")
}

/// The value of `key` (`MemTotal:`) in `/proc/meminfo`'s text, in bytes.
fn parse_meminfo(meminfo: &str, key: &str) -> Option<u64> {
    let line = meminfo.lines().find_map(|l| l.strip_prefix(key))?;
    let kb: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kb.checked_mul(1024)
}

/// Bytes in Keras's summary units (powers of 1024): `3.64 TB`.
fn readable_bytes(bytes: u64) -> String {
    let mut size = bytes as f64;
    for unit in ["B", "KB", "MB", "GB", "TB"] {
        if size < 1024.0 {
            return format!("{size:.2} {unit}");
        }
        size /= 1024.0;
    }
    format!("{size:.2} PB")
}

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

/// Whether `a` and `b` are the same shape except for one trailing axis of size 1 that only
/// one of them has (Keras's `squeeze_or_expand_to_same_rank`).
pub(crate) fn differ_by_trailing_one(a: &[usize], b: &[usize]) -> bool {
    let extra = |long: &[usize], short: &[usize]| {
        long.len() == short.len() + 1 && long.last() == Some(&1) && &long[..short.len()] == short
    };
    extra(a, b) || extra(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_one_is_the_only_difference_allowed() {
        assert!(differ_by_trailing_one(&[4], &[4, 1]));
        assert!(differ_by_trailing_one(&[4, 3, 1], &[4, 3]));
        assert!(!differ_by_trailing_one(&[4], &[4]));
        assert!(!differ_by_trailing_one(&[4, 2], &[4]));
        assert!(!differ_by_trailing_one(&[1], &[4, 1]));
    }

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
    fn sizes_are_counted_without_overflow() {
        let what = || "`x`".to_string();
        assert_eq!(element_count(what, &[2, 3]).unwrap(), 6);
        assert_eq!(element_count(what, &[]).unwrap(), 1);
        assert_eq!(element_count(what, &[0, 1 << 40]).unwrap(), 0);
        // ndarray's rule: the non-zero axes must fit in isize even when one axis is 0.
        assert!(element_count(what, &[1 << 40, 1 << 40, 0]).is_err());
        assert!(element_count(what, &[usize::MAX, 2]).is_err());
        // isize::MAX values of 4 bytes overflow the byte count.
        let err = checked_size(what, &[isize::MAX as usize], 4).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("more values than memory can address")
        );
        assert_eq!(checked_size(what, &[3, 0], 4).unwrap(), 0);
    }

    #[test]
    fn meminfo_is_read_in_bytes() {
        let text = "MemFree:  1 kB\nMemTotal:       24683784 kB\nSwapTotal: 0 kB\n";
        assert_eq!(parse_mem_total(text), Some(24_683_784 * 1024));
        assert_eq!(parse_mem_total("MemTotal: lots"), None);
        assert_eq!(readable_bytes(4_000_000_000_000), "3.64 TB");
        assert_eq!(readable_bytes(0), "0.00 B");
    }

    #[test]
    fn axes_are_normalised() {
        assert_eq!(normalize_axes("sum", &[-1, 0], 3).unwrap(), vec![0, 2]);
        assert!(normalize_axes("sum", &[3], 3).is_err());
        assert!(normalize_axes("sum", &[1, -2], 3).is_err());
    }
}
