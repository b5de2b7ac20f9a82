//! The cost of one batch-1 `predict` of an `LSTM(32)` over 10 steps of 8 features: the
//! mean over 10,000 calls, after 1,000 calls of warm-up. Each call checks that the layer
//! and its cell agree on the settings they share; this measures what that check costs.
//!
//! Run with `cargo run --release --example lstm_call_cost`.

use std::hint::black_box;
use std::time::Instant;

use layers::prelude::*;

const CALLS: u32 = 10_000;
const WARM_UP: u32 = 1_000;

fn main() -> layers::Result<()> {
    let mut model = Sequential::new().seed(7).add(Lstm::new(32));
    model.build([10, 8])?;
    let x = Tensor::from_vec(
        (0..80).map(|i| (i as f32 * 0.37).sin()).collect(),
        &[1, 10, 8],
    );
    for _ in 0..WARM_UP {
        black_box(model.predict(&x)?);
    }
    let start = Instant::now();
    for _ in 0..CALLS {
        black_box(model.predict(&x)?);
    }
    let per_call = start.elapsed().as_secs_f64() * 1e6 / f64::from(CALLS);
    println!(
        "LSTM(32), 10 steps of 8 features, batch 1: {per_call:.2} µs per predict (mean of {CALLS})"
    );
    Ok(())
}
