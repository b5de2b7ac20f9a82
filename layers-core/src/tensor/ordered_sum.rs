//! Sums of per-chunk partial results computed in parallel and added in a fixed order, so
//! that a seeded run gives the same bits every time and on every number of threads.
//!
//! Why: rayon's `fold` + `reduce` adds its partial sums in a tree shaped by work stealing,
//! which changes from run to run; float addition is not associative, so the kernel
//! gradients of a convolution (summed over the batch) rounded differently each time, and
//! the same seeded training drifted apart after a few epochs (the CNN example scored 96.9 %
//! or 97.1 % on the same seed). Here the chunks are fixed by the data's size alone, each
//! chunk's partial sum is computed by one thread, and the partials are added in chunk order.

use std::ops::Range;

use rayon::prelude::*;

/// Samples per job of a sum over the batch (a convolution's kernel gradient): small enough to
/// share a batch of 64 among many threads, fixed so that the rounding does not depend on
/// their number.
pub(crate) const SAMPLES_PER_JOB: usize = 4;

/// The sum over the chunks `0..items` cut into `chunk` items each (the last may be shorter)
/// of `len` values that `add(range, partial)` adds into a zeroed `partial` for the items in
/// `range`. The chunks run in parallel; their partials are added in chunk order. `chunk` must
/// not depend on the number of threads, or the rounding would.
pub(crate) fn ordered_sum(
    items: usize,
    chunk: usize,
    len: usize,
    add: impl Fn(Range<usize>, &mut [f32]) + Sync,
) -> Vec<f32> {
    let chunk = chunk.max(1);
    let chunks = items.div_ceil(chunk);
    let mut partials: Vec<Vec<f32>> = (0..chunks)
        .into_par_iter()
        .map(|i| {
            let mut partial = vec![0.0f32; len];
            add(i * chunk..((i + 1) * chunk).min(items), &mut partial);
            partial
        })
        .collect();
    let Some(first) = partials.first_mut().map(std::mem::take) else {
        return vec![0.0; len];
    };
    let mut total = first;
    for partial in &partials[1..] {
        for (t, p) in total.iter_mut().zip(partial) {
            *t += p;
        }
    }
    total
}

/// Rows per job of [`column_sums`]: 64 KB of a 32-wide matrix, fixed (see [`ordered_sum`]).
pub(crate) const ROWS_PER_JOB: usize = 512;

/// The sums of the columns of `values`, rows of `width` values: a bias gradient. Cut into
/// [`ROWS_PER_JOB`] rows per job, run in parallel, added in order ([`ordered_sum`]).
pub(crate) fn column_sums(values: &[f32], width: usize) -> Vec<f32> {
    if width == 0 {
        return Vec::new();
    }
    let rows = values.len() / width;
    ordered_sum(rows, ROWS_PER_JOB, width, |rows, sums| {
        for row in values[rows.start * width..rows.end * width].chunks_exact(width) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += v;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_chunks_partials_in_order() {
        // Values whose sum depends on the order they are added in.
        let values: Vec<f32> = (0..1000)
            .map(|i| {
                if i % 3 == 0 {
                    1e8
                } else {
                    1.0 + i as f32 * 1e-3
                }
            })
            .collect();
        let add = |r: Range<usize>, p: &mut [f32]| {
            for i in r {
                p[0] += values[i];
                p[1] += 2.0 * values[i];
            }
        };
        let got = ordered_sum(values.len(), 7, 2, add);
        // The same chunks added one after another on one thread.
        let mut want = [0.0f32; 2];
        for c in values.chunks(7) {
            let (a, b) = c
                .iter()
                .fold((0.0f32, 0.0f32), |(a, b), v| (a + v, b + 2.0 * v));
            want[0] += a;
            want[1] += b;
        }
        assert_eq!(got, want);
        // The same bits on any pool size.
        for threads in [1, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("a pool");
            assert_eq!(pool.install(|| ordered_sum(values.len(), 7, 2, add)), got);
        }
        assert_eq!(ordered_sum(0, 7, 3, add), vec![0.0; 3], "no items");
    }

    #[test]
    fn column_sums_add_each_column() {
        let values: Vec<f32> = (0..3000).map(|i| i as f32).collect();
        // 1000 rows of 3: column j holds j, j + 3, …, j + 2997.
        let want: Vec<f32> = (0..3)
            .map(|j| (0..1000).map(|r| (3 * r + j) as f32).sum())
            .collect();
        assert_eq!(column_sums(&values, 3), want);
        assert_eq!(column_sums(&[], 4), vec![0.0; 4]);
        assert!(column_sums(&[], 0).is_empty());
    }
}
