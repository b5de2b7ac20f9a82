//! Workload W7 of the performance issue: an `LSTM(128)` over 32 steps of 64 features, then
//! `Dense(10)` on the last output, sparse cross-entropy from logits, Adam, batch 64, 6,400
//! seeded random sequences, one epoch through `fit`; prints sequences per second.
//!
//! Run with `cargo run --release --example w7_lstm [epochs]`: one line per epoch.

use std::time::Instant;

use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use rand::{RngExt, SeedableRng, rngs::StdRng};

const SAMPLES: usize = 6_400;
const TIME: usize = 32;
const FEATURES: usize = 64;

fn main() -> layers::Result<()> {
    let epochs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let mut rng = StdRng::seed_from_u64(7);
    let x: Vec<f32> = (0..SAMPLES * TIME * FEATURES)
        .map(|_| rng.random::<f32>())
        .collect();
    let y: Vec<f32> = (0..SAMPLES)
        .map(|_| rng.random_range(0..10) as f32)
        .collect();
    let x = Tensor::from_vec(x, &[SAMPLES, TIME, FEATURES]);
    let y = Tensor::from_vec(y, &[SAMPLES]);
    for epoch in 0..epochs {
        let mut model = Sequential::new()
            .seed(42)
            .add(Lstm::new(128))
            .add(Dense::new(10));
        model.build([TIME, FEATURES])?;
        model.compile(
            Adam::new().with_learning_rate(1e-3),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &[],
        )?;
        let start = Instant::now();
        let history = model.fit(
            &x,
            &y,
            FitOptions::new()
                .with_epochs(1)
                .batch_size(64)
                .shuffle(false)
                .verbose(0),
        )?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "W7 run {epoch}: {:.0} seq/s ({seconds:.3} s, loss {:?})",
            SAMPLES as f64 / seconds,
            history.history.get("loss").and_then(|l| l.last())
        );
    }
    Ok(())
}
