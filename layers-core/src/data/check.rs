//! The checks that data passes before a data set or a model takes it: the error that names
//! where the data came from, a sample axis on both sides with as many samples, and the first
//! sample holding a NaN or infinite value.

use crate::error::{Error, Result};
use crate::tensor::Tensor;
use crate::tensor::gemm::vectorized;

/// An error in the data from `source` (a file and line, `dataset`, `fit`, …), which the
/// message names once.
pub(crate) fn data_error(source: impl Into<String>, message: impl Into<String>) -> Error {
    Error::Data {
        source_name: source.into(),
        message: message.into(),
    }
}

/// Checks that `x` and `y` both have a sample axis and as many samples; errors name `source`.
pub(crate) fn check_paired(source: &str, x: &Tensor, y: &Tensor) -> Result<()> {
    if x.rank() == 0 || y.rank() == 0 {
        return Err(data_error(
            source,
            "x and y need a sample axis, but one of them is a scalar",
        ));
    }
    if x.shape()[0] != y.shape()[0] {
        return Err(data_error(
            source,
            format!("x has {} samples but y has {}", x.shape()[0], y.shape()[0]),
        ));
    }
    Ok(())
}

/// The first sample of `t` (sample axis first) that holds a NaN or infinite value.
pub(crate) fn non_finite_sample(t: &Tensor) -> Option<usize> {
    let per_sample = t.len() / t.shape().first().copied().unwrap_or(1).max(1);
    let i = match t.data().as_slice() {
        Some(values) => first_non_finite(values),
        None => t.view().iter().position(|v| !v.is_finite()),
    }?;
    Some(i / per_sample.max(1))
}

/// The index of the first NaN or infinite value: blocks are scanned with a branch-free bit
/// test that vectorises, and only a block with such a value is searched one by one.
fn first_non_finite(values: &[f32]) -> Option<usize> {
    const CHUNK: usize = 4096;
    values.chunks(CHUNK).enumerate().find_map(|(c, chunk)| {
        // An f32 is NaN or infinite exactly when its exponent bits are all ones.
        let bad = vectorized(
            #[inline(always)]
            || {
                chunk.iter().fold(0u32, |bad, v| {
                    bad | u32::from((v.to_bits() & 0x7fff_ffff) >= 0x7f80_0000)
                })
            },
        );
        (bad != 0).then(|| c * CHUNK + chunk.iter().position(|v| !v.is_finite()).unwrap_or(0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_non_finite_value_names_its_sample() {
        let mut v = vec![0.0; 12];
        v[7] = f32::NAN;
        v[11] = f32::INFINITY;
        assert_eq!(non_finite_sample(&Tensor::from_vec(v, &[4, 3])), Some(2));
        assert_eq!(non_finite_sample(&Tensor::zeros(&[4, 3])), None);
        assert_eq!(non_finite_sample(&Tensor::zeros(&[0, 3])), None);
        let scalar = Tensor::from_vec(vec![f32::NAN], &[]);
        assert_eq!(non_finite_sample(&scalar), Some(0));
        // Past the first scan block, and in the last, partial one.
        let mut long = vec![1.0; 3 * 4096 + 32]; // 1,760 samples of 7
        long[2 * 4096 + 5] = f32::NEG_INFINITY;
        assert_eq!(
            non_finite_sample(&Tensor::from_vec(long.clone(), &[long.len(), 1])),
            Some(2 * 4096 + 5)
        );
        long[2 * 4096 + 5] = 2.0;
        *long.last_mut().unwrap() = f32::NAN;
        assert_eq!(
            non_finite_sample(&Tensor::from_vec(long.clone(), &[long.len() / 7, 7])),
            Some(long.len() / 7 - 1)
        );
        long.pop();
        assert_eq!(
            non_finite_sample(&Tensor::from_vec(long.clone(), &[long.len(), 1])),
            None
        );
    }

    #[test]
    fn pairs_need_a_sample_axis_and_equal_counts() {
        let err = check_paired("fit", &Tensor::zeros(&[4, 2]), &Tensor::zeros(&[3])).unwrap_err();
        assert_eq!(err.to_string(), "fit: x has 4 samples but y has 3");
        let scalar = Tensor::from_vec(vec![1.0], &[]);
        let err = check_paired("dataset", &scalar, &Tensor::zeros(&[1])).unwrap_err();
        assert!(
            err.to_string().ends_with("one of them is a scalar"),
            "{err}"
        );
        assert!(check_paired("fit", &Tensor::zeros(&[0, 2]), &Tensor::zeros(&[0])).is_ok());
    }
}
