//! What every workload shares: seeded data, shuffled batches, timing, memory, the result type.

pub use crate::measure::{median, rss_kib, timed};

use candle_core::{Device, Result, Tensor};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde_json::Value;

/// A workload's figures and the parameters it ran with, or what went wrong.
pub type Outcome = std::result::Result<(Value, Value), Box<dyn std::error::Error>>;

/// `count` seeded draws, uniform in `[0, 1)`: the same generator, seed and calls as the
/// `layers` side's `common::uniform`, hence the same numbers.
pub fn uniform(count: usize, seed: u64) -> Vec<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|_| rng.random_range(0.0f32..1.0)).collect()
}

/// `count` seeded class labels, uniform in `0..10` (the `layers` side's draws, as `u32`, the
/// index type `cross_entropy` takes).
pub fn labels(count: usize, seed: u64) -> Vec<u32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(|_| rng.random_range(0..10u32)).collect()
}

/// Seeded inputs of shape `(samples, sample…)` in `[0, 1)` and their labels, on the CPU.
pub struct Data {
    /// All inputs.
    pub x: Tensor,
    /// All labels, `u32`.
    pub y: Tensor,
}

impl Data {
    /// Makes `samples` inputs of shape `sample` and their labels from `seed`.
    pub fn new(samples: usize, sample: &[usize], seed: u64) -> Result<Data> {
        let per: usize = sample.iter().product();
        let shape = [&[samples][..], sample].concat();
        Ok(Data {
            x: Tensor::from_vec(uniform(samples * per, seed), shape, &Device::Cpu)?,
            y: Tensor::from_vec(labels(samples, seed + 1), samples, &Device::Cpu)?,
        })
    }

    /// The first `n` samples (a view).
    pub fn first(&self, n: usize) -> Result<Data> {
        let n = n.min(self.x.dim(0)?);
        Ok(Data {
            x: self.x.narrow(0, 0, n)?,
            y: self.y.narrow(0, 0, n)?,
        })
    }
}

/// The sample order of one epoch: with `shuffle`, a fresh permutation of `0..n` drawn from
/// `rng`, as a `u32` tensor to gather batches with; without, `None` (batches in order).
pub fn permutation(n: usize, shuffle: bool, rng: &mut StdRng) -> Result<Option<Tensor>> {
    if !shuffle {
        return Ok(None);
    }
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(rng);
    Ok(Some(Tensor::from_vec(order, n, &Device::Cpu)?))
}

/// The batch of `len` samples at `start` of an epoch: the inputs and labels gathered at that
/// slice of the permutation (`index_select`, as a PyTorch loop indexes with a `randperm`), or
/// the contiguous slice when the epoch is not shuffled.
pub fn batch(
    data: &Data,
    order: Option<&Tensor>,
    start: usize,
    len: usize,
) -> Result<(Tensor, Tensor)> {
    match order {
        Some(order) => {
            let idx = order.narrow(0, start, len)?;
            Ok((data.x.index_select(&idx, 0)?, data.y.index_select(&idx, 0)?))
        }
        None => Ok((data.x.narrow(0, start, len)?, data.y.narrow(0, start, len)?)),
    }
}
