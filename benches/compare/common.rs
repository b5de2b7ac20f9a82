//! What every workload shares: seeded data, timing, the process's memory, the result type.

pub use crate::measure::{median, rss_kib, timed};

use layers::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::Value;

/// A workload's figures and the parameters it ran with, or what went wrong.
pub type Outcome = Result<(Value, Value), Box<dyn std::error::Error>>;

/// `count` seeded draws, uniform in `[0, 1)`.
pub fn uniform(count: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|_| rng.random_range(0.0f32..1.0)).collect()
}

/// `count` seeded class labels, uniform in `0..10`, as the floats `fit` takes.
pub fn labels(count: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| rng.random_range(0..10u32) as f32)
        .collect()
}

/// Seeded inputs of shape `(samples, sample…)` in `[0, 1)` and their labels, plus the first
/// `warm` samples of both as separate tensors for a warm-up `fit`.
pub struct Data {
    /// All inputs.
    pub x: Tensor,
    /// All labels.
    pub y: Tensor,
    /// The first `warm` inputs.
    pub warm_x: Tensor,
    /// The first `warm` labels.
    pub warm_y: Tensor,
}

impl Data {
    /// Makes `samples` inputs of shape `sample` and their labels from `seed`.
    pub fn new(samples: usize, sample: &[usize], warm: usize, seed: u64) -> Data {
        let per: usize = sample.iter().product();
        let values = uniform(samples * per, seed);
        let classes = labels(samples, seed + 1);
        let warm = warm.min(samples);
        let shape = |n: usize| [&[n][..], sample].concat();
        Data {
            warm_x: Tensor::from_vec(values[..warm * per].to_vec(), &shape(warm)),
            warm_y: Tensor::from_vec(classes[..warm].to_vec(), &[warm]),
            x: Tensor::from_vec(values, &shape(samples)),
            y: Tensor::from_vec(classes, &[samples]),
        }
    }
}
