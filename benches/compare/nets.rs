//! W5–W7: square matrix products, and one training epoch of the CNN and of the LSTM of the
//! issue, through `fit`.

use std::hint::black_box;

use layers::activation::Relu;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use serde_json::{Map, json};

use crate::args::Args;
use crate::common::{Data, Outcome, median, timed, uniform};
use crate::mlp::epoch;

/// W5: GFLOP/s (2n³ / t) of `Tensor::matmul` of two `n × n` matrices (uniform in
/// `[-1, 1)`, recording nothing), for each `--sizes` n: the median and the best of at least
/// `--reps` (5) products, more for small sizes (until 0.3 s of products), after 2 warm-ups.
pub fn w5_matmul(args: &Args) -> Outcome {
    let mut metrics = Map::new();
    for &n in &args.sizes {
        let square = |seed| {
            let values = uniform(n * n, seed).iter().map(|v| 2.0 * v - 1.0).collect();
            Tensor::from_vec(values, &[n, n])
        };
        let (a, b) = (square(args.seed), square(args.seed + 1));
        let product = || no_grad(|| a.matmul(&b));
        black_box(product());
        black_box(product());
        let mut seconds = Vec::new();
        let mut total = 0.0;
        while seconds.len() < args.reps.unwrap_or(5) || (total < 0.3 && seconds.len() < 1000) {
            let (s, out) = timed(product);
            black_box(out);
            seconds.push(s);
            total += s;
        }
        let flop = 2.0 * (n as f64).powi(3);
        let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
        metrics.insert(format!("gflops_{n}"), json!(flop / median(&seconds) / 1e9));
        metrics.insert(format!("gflops_best_{n}"), json!(flop / best / 1e9));
        metrics.insert(format!("reps_{n}"), json!(seconds.len()));
    }
    Ok((metrics.into(), json!({"sizes": args.sizes})))
}

/// A model compiled as W6 and W7 are: Adam (its default learning rate, 1e-3), sparse
/// categorical cross-entropy from logits, no metrics.
fn compiled(mut model: Sequential, input: &[usize]) -> Result<Sequential> {
    model.build(input)?;
    model.compile(
        Adam::new(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &[],
    )?;
    Ok(model)
}

/// Samples per second of one `fit` epoch of `model` over `data` with batch `batch`, after a
/// warm-up `fit` over its first samples.
fn train_rate(mut model: Sequential, data: &Data, batch: usize, args: &Args) -> Outcome {
    epoch(&mut model, &data.warm_x, &data.warm_y, batch, args)?;
    let seconds = epoch(&mut model, &data.x, &data.y, batch, args)?;
    let samples = data.x.shape()[0];
    Ok((
        json!({"samples_per_s": samples as f64 / seconds, "epoch_s": seconds}),
        json!({"samples": samples, "batch": batch, "shuffle": args.shuffle}),
    ))
}

/// W6: the CNN (Conv2D 32 3×3 ReLU, MaxPooling2D 2, Conv2D 64 3×3 ReLU, MaxPooling2D 2,
/// Flatten, Dense 10) on 10,000 images of 28×28×1, batch 64: samples per second of one
/// `fit` epoch.
pub fn w6_cnn(args: &Args) -> Outcome {
    const BATCH: usize = 64;
    let data = Data::new(
        args.samples.unwrap_or(10_000),
        &[28, 28, 1],
        5 * BATCH,
        args.seed,
    );
    let model = Sequential::new()
        .seed(args.seed)
        .add(Conv2D::new(32, (3, 3)).activation(Relu))
        .add(MaxPooling2D::new())
        .add(Conv2D::new(64, (3, 3)).activation(Relu))
        .add(MaxPooling2D::new())
        .add(Flatten::new())
        .add(Dense::new(10));
    train_rate(compiled(model, &[28, 28, 1])?, &data, BATCH, args)
}

/// W7: an LSTM of 128 units over 32 steps of 64 features, its last output into Dense 10,
/// 6,400 sequences, batch 64: sequences per second of one `fit` epoch.
pub fn w7_lstm(args: &Args) -> Outcome {
    const BATCH: usize = 64;
    let data = Data::new(
        args.samples.unwrap_or(6_400),
        &[32, 64],
        3 * BATCH,
        args.seed,
    );
    let model = Sequential::new()
        .seed(args.seed)
        .add(Lstm::new(128))
        .add(Dense::new(10));
    train_rate(compiled(model, &[32, 64])?, &data, BATCH, args)
}
