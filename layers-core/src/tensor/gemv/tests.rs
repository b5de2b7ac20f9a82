use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use ndarray::Array2;

use super::*;

/// Deterministic values in [-1, 1], about a quarter exact zeros (as after a ReLU).
fn values(rows: usize, cols: usize, seed: u32) -> Array2<f32> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        let h = ((i * cols + j) as u32 ^ seed).wrapping_mul(2_654_435_761) >> 8;
        if h.is_multiple_of(4) {
            0.0
        } else {
            (h % 2001) as f32 / 1000.0 - 1.0
        }
    })
}

fn kernel(k: usize, n: usize, seed: u32) -> Data {
    values(k, n, seed).into_dyn().into_shared()
}

/// `out + x · w` through the split path and through the calling thread's kernel alone.
fn both(out: &Array2<f32>, x: &Array2<f32>, w: &Data) -> (Array2<f32>, Array2<f32>) {
    let mut split = out.clone();
    streamed_product(split.view_mut(), x.view(), w);
    let mut plain = out.clone();
    let flat = w.as_slice().expect("standard");
    for (mut o, xr) in plain.rows_mut().into_iter().zip(x.rows()) {
        let xr = xr.to_vec();
        gemv_columns(o.as_slice_mut().expect("standard"), &xr, flat, 0);
    }
    (split, plain)
}

#[test]
fn split_products_equal_the_plain_one_bit_for_bit() {
    // Row counts 1–4; widths a multiple of the chunk, with a remainder, and barely two
    // chunks; one more case that is too small to split.
    for (k, n) in [(784, 256), (513, 130), (300, 257), (1031, 128), (128, 10)] {
        let w = kernel(k, n, 1);
        for rows in 1..=4 {
            let x = values(rows, k, 2 + rows as u32);
            let start = values(rows, n, 9);
            let (split, plain) = both(&start, &x, &w);
            assert_eq!(split, plain, "k {k}, n {n}, rows {rows}");
            // And both are the product: checked against ndarray's at a tolerance.
            let wm: ndarray::ArrayView2<'_, f32> = w.view().into_dimensionality().expect("matrix");
            let want = &start + &x.dot(&wm);
            for (a, b) in split.iter().zip(&want) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }
}

#[test]
fn only_large_kernels_are_split() {
    assert!(splits(784, 256));
    assert!(!splits(256, 128));
    assert!(!splits(128, 10));
    // Too narrow for two chunks, however many rows.
    assert!(!splits(100_000, 100));
    // A 784 × 128 kernel is split in two even where the register block is 128 wide.
    assert!(splits(784, 128));
    assert_eq!(128 / chunk_columns(128), 2);
    assert_eq!(chunk_columns(256), gemv_block());
    assert_eq!(chunk_columns(200), BLOCK);
}

#[test]
fn a_nan_reaches_every_column_it_touches() {
    let (k, n) = (600, 200);
    let mut x = values(2, k, 3);
    x[[1, 17]] = f32::NAN;
    let mut w = values(k, n, 4);
    // A NaN weight in a row whose input is nonzero: its column is NaN in row 0 only if
    // x[0, 5] is nonzero, so make sure it is.
    x[[0, 5]] = 0.5;
    w[[5, 150]] = f32::NAN;
    let w = w.into_dyn().into_shared();
    let (split, plain) = both(&Array2::zeros((2, n)), &x, &w);
    assert!(
        split.row(1).iter().all(|v| v.is_nan()),
        "row 1 has a NaN input"
    );
    assert!(split[[0, 150]].is_nan());
    assert_eq!(split.row(0).iter().filter(|v| v.is_nan()).count(), 1);
    let same = split
        .iter()
        .zip(&plain)
        .all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()));
    assert!(same);
}

#[test]
fn concurrent_callers_each_get_their_own_product() {
    let (k, n) = (700, 192);
    let w = kernel(k, n, 5);
    std::thread::scope(|scope| {
        for t in 0..4u32 {
            let w = &w;
            scope.spawn(move || {
                for i in 0..200u32 {
                    let rows = 1 + (i % 4) as usize;
                    let x = values(rows, k, t * 1000 + i);
                    let (split, plain) = both(&values(rows, n, t), &x, w);
                    assert_eq!(split, plain, "thread {t}, call {i}");
                }
            });
        }
    });
}

#[test]
fn the_helper_lets_go_of_the_kernel_before_the_call_returns() {
    let mut w = kernel(784, 256, 6);
    for _ in 0..50 {
        let mut out = Array2::zeros((1, 256));
        streamed_product(out.view_mut(), values(1, 784, 7).view(), &w);
        assert!(
            w.is_unique(),
            "nobody else holds the kernel after the product"
        );
    }
    // Unique, so the buffer can be written in place (what an optimizer step relies on).
    w.as_slice_mut().expect("standard")[0] = 1.0;
}

/// A kernel that panics on the columns from 128 on (the helper's, when it is awake; the
/// caller's when it is not or when another caller has it).
fn failing_right(out: &mut [f32], x: &[f32], w: &[f32], first: usize) {
    assert!(first + out.len() <= 128, "the right half fails");
    gemv_columns(out, x, w, first);
}

/// A kernel that panics on the caller's first chunk (or on the whole product).
fn failing_left(out: &mut [f32], x: &[f32], w: &[f32], first: usize) {
    assert!(first > 0, "the left chunk fails");
    gemv_columns(out, x, w, first);
}

#[test]
fn a_panic_on_either_side_reaches_the_caller_and_frees_the_helper() {
    let (k, n) = (784, 256);
    let w = kernel(k, n, 8);
    let x = values(1, k, 9);
    for failing in [failing_right as Kernel, failing_left] {
        for _ in 0..20 {
            let mut out = Array2::zeros((1, n));
            let raised = catch_unwind(AssertUnwindSafe(|| {
                product_with(out.view_mut(), x.view(), &w, failing);
            }));
            assert!(raised.is_err(), "the panic is raised in the caller");
            // The helper is free again and still works.
            let (split, plain) = both(&Array2::zeros((1, n)), &x, &w);
            assert_eq!(split, plain);
        }
    }
}

#[test]
fn products_after_the_helper_parked_stay_exact_and_wake_it() {
    // Pauses longer than the helper's active wait park it; the products right after are
    // the caller's alone, and every eighth wakes the helper. Each must equal the plain one.
    let (k, n) = (784, 256);
    let w = kernel(k, n, 11);
    for i in 0..120u32 {
        if i % 20 == 0 {
            std::thread::sleep(Duration::from_millis(2));
        }
        let x = values(1 + (i % 2) as usize, k, 100 + i);
        let (split, plain) = both(&values(x.nrows(), n, i), &x, &w);
        assert_eq!(split, plain, "product {i}");
    }
}

#[test]
fn wide_kernels_are_cut_into_at_most_the_slot_s_chunks() {
    for n in [128, 256, 300, 4096, 4097, 10_000] {
        let chunk = chunk_columns(n);
        let chunks = n / chunk;
        assert!((2..=MAX_CHUNKS).contains(&chunks), "n {n}: {chunks} chunks");
        assert_eq!(chunk % BLOCK, 0, "n {n}: chunks are whole register blocks");
    }
    // And the product over such a kernel is still exact.
    let w = kernel(20, 4097, 12);
    let x = values(2, 20, 13);
    let (split, plain) = both(&Array2::zeros((2, 4097)), &x, &w);
    assert_eq!(split, plain);
}
