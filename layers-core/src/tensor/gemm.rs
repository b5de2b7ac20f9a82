//! The one place with `unsafe`: calls into the `gemm` crate's tuned matrix-multiply kernels
//! (AVX-512/AVX2/FMA picked at run time, both cores through rayon). `ndarray`'s own `dot`
//! is single-threaded and about 2.4× slower at 1024² on this kind of machine (see the
//! README's benchmark table), which is why the matmul hot path comes here.
#![allow(unsafe_code)]

use ndarray::{ArrayView2, ArrayViewMut2};

/// Products with fewer multiply-adds than this run on one thread: splitting them costs more
/// than it saves.
const PARALLEL_THRESHOLD: usize = 192 * 192 * 192;

/// `c = a · b` (or `c += a · b` when `accumulate`), for any strides of the three views.
pub(crate) fn gemm(
    mut c: ArrayViewMut2<'_, f32>,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    accumulate: bool,
) {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    assert_eq!(k, k2, "gemm: inner dimensions checked by the caller");
    assert_eq!(c.dim(), (m, n), "gemm: output shape checked by the caller");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    let parallelism = if m * n * k >= PARALLEL_THRESHOLD {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    // SAFETY: the three pointers come from live ndarray views whose dimensions are exactly
    // (m, k), (k, n) and (m, n) with the strides passed, so every element gemm reads or writes
    // lies inside its view. `c` is a mutable view, so it cannot alias `a` or `b` (the borrow
    // checker forbids a shared view of the same data while it exists). A view with a zero
    // stride (broadcast) is only ever passed as `a` or `b`, which gemm only reads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            c_rs,
            accumulate,
            a.as_ptr(),
            a_cs,
            a_rs,
            b.as_ptr(),
            b_cs,
            b_rs,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, arr2};

    #[test]
    fn multiplies_with_any_strides() {
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]], worked by hand.
        let a = arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
        let b = arr2(&[[5.0f32, 6.0], [7.0, 8.0]]);
        let mut c = Array2::zeros((2, 2));
        gemm(c.view_mut(), a.view(), b.view(), false);
        assert_eq!(c, arr2(&[[19.0, 22.0], [43.0, 50.0]]));
        // aᵀ·b = [[1,3],[2,4]]·b = [[26,30],[38,44]]
        gemm(c.view_mut(), a.t(), b.view(), false);
        assert_eq!(c, arr2(&[[26.0, 30.0], [38.0, 44.0]]));
        // accumulate: c += a·b
        gemm(c.view_mut(), a.view(), b.view(), true);
        assert_eq!(c, arr2(&[[45.0, 52.0], [81.0, 94.0]]));
    }

    #[test]
    fn large_parallel_product_matches_naive() {
        let (m, k, n) = (130, 120, 110);
        let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let mut c = Array2::zeros((m, n));
        gemm(c.view_mut(), a.view(), b.view(), false);
        for i in (0..m).step_by(17) {
            for j in (0..n).step_by(13) {
                let want: f32 = (0..k).map(|p| a[[i, p]] * b[[p, j]]).sum();
                assert_eq!(c[[i, j]], want);
            }
        }
    }
}
