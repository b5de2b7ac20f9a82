//! Workload W6 of the performance issue: a small CNN (Conv2D 32 3×3 ReLU → MaxPooling2D →
//! Conv2D 64 3×3 ReLU → MaxPooling2D → Flatten → Dense 10) on 28×28×1 seeded random inputs,
//! sparse cross-entropy from logits, Adam, batch 64, 10,000 samples, one epoch through `fit`
//! per round; prints samples/s of each round and their median.
//!
//! Run with `cargo run --release --example w6_cnn -- [rounds]`.

use std::time::Instant;

use layers::activation::Relu;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SAMPLES: usize = 10_000;
const SEED: u64 = 13;

fn main() -> layers::Result<()> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let mut rng = StdRng::seed_from_u64(SEED);
    let x: Vec<f32> = (0..SAMPLES * 784)
        .map(|_| rng.random_range(0.0..1.0))
        .collect();
    let y: Vec<f32> = (0..SAMPLES)
        .map(|_| rng.random_range(0..10) as f32)
        .collect();
    let x = Tensor::from_vec(x, &[SAMPLES, 28, 28, 1]);
    let y = Tensor::from_vec(y, &[SAMPLES]);
    let mut rates = Vec::new();
    for round in 0..rounds {
        let mut model = Sequential::new()
            .seed(SEED)
            .add(Conv2D::new(32, (3, 3)).activation(Relu))
            .add(MaxPooling2D::new())
            .add(Conv2D::new(64, (3, 3)).activation(Relu))
            .add(MaxPooling2D::new())
            .add(Flatten::new())
            .add(Dense::new(10));
        model.build([28, 28, 1])?;
        model.compile(
            Adam::new(),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &[],
        )?;
        let started = Instant::now();
        let history = model.fit(
            &x,
            &y,
            FitOptions::new()
                .with_epochs(1)
                .batch_size(64)
                .shuffle(false)
                .verbose(0),
        )?;
        let seconds = started.elapsed().as_secs_f64();
        let rate = SAMPLES as f64 / seconds;
        println!(
            "round {round}: {seconds:.3} s, {rate:.0} samples/s, loss {:?}",
            history.history.get("loss")
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!("median {:.0} samples/s", rates[rates.len() / 2]);
    Ok(())
}
