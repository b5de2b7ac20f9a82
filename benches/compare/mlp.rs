//! W1–W4: the MLP 784→256→128→10 of the issue, trained with `fit` and run with
//! `predict_batched` and `predict`, as a user writes it.

use std::hint::black_box;

use layers::activation::Relu;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use serde_json::json;

use crate::args::Args;
use crate::common::{Data, Outcome, median, rss_kib, timed};

/// The training set of W1–W3: 60,000 samples of 784 features.
const SAMPLES: usize = 60_000;
/// W1's batch size.
const BATCH: usize = 128;
/// Samples in the warm-up `fit` before the timed one: 10 batches.
const WARM: usize = 10 * BATCH;

/// The user's activation of W3: a leaky ReLU, `max(0.1·x, x)`.
#[activation]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

/// The MLP with `activation` after both hidden layers and logits out, compiled with Adam
/// (learning rate 1e-3) and sparse categorical cross-entropy from logits, no metrics.
fn mlp(activation: impl Into<Activation> + Clone, seed: u64) -> Result<Sequential> {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(256).activation(activation.clone()))
        .add(Dense::new(128).activation(activation))
        .add(Dense::new(10));
    model.build([784])?;
    model.compile(
        Adam::new().with_learning_rate(1e-3),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &[],
    )?;
    Ok(model)
}

/// One epoch of `fit` over `x`, `y`: its seconds.
pub fn epoch<M: Train>(
    model: &mut M,
    x: &Tensor,
    y: &Tensor,
    batch: usize,
    args: &Args,
) -> Result<f64> {
    let options = FitOptions::new()
        .batch_size(batch)
        .shuffle(args.shuffle)
        .verbose(0);
    let (seconds, history) = timed(|| model.fit(x, y, options));
    history?;
    Ok(seconds)
}

/// W1: samples per second of one `fit` epoch (after a warm-up `fit` over 10 batches); with
/// `--epochs N`, each epoch its own `fit` call and the resident memory after each.
pub fn w1_train(args: &Args) -> Outcome {
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], WARM, args.seed);
    let mut model = mlp(Relu, args.seed)?;
    epoch(&mut model, &data.warm_x, &data.warm_y, BATCH, args)?;
    let mut seconds = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..args.epochs {
        seconds.push(epoch(&mut model, &data.x, &data.y, BATCH, args)?);
        rss.push(rss_kib());
    }
    let rates: Vec<f64> = seconds.iter().map(|s| samples as f64 / s).collect();
    Ok((
        json!({
            "samples_per_s": rates[0],
            "epoch_s": seconds[0],
            "samples_per_s_by_epoch": rates,
            "rss_kib_after_epoch": rss,
        }),
        json!({"samples": samples, "batch": BATCH, "epochs": args.epochs, "shuffle": args.shuffle}),
    ))
}

/// W2: samples per second of `predict_batched` with batch 1024 over the 60,000 samples of an
/// untrained model, the median of `--reps` passes (3) after a warm-up over 2 batches.
pub fn w2_predict_batched(args: &Args) -> Outcome {
    const BATCH: usize = 1024;
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], 2 * BATCH, args.seed);
    let model = mlp(Relu, args.seed)?;
    model.predict_batched(&data.warm_x, BATCH)?;
    let mut seconds = Vec::new();
    for _ in 0..args.reps.unwrap_or(3) {
        let (s, out) = timed(|| model.predict_batched(&data.x, BATCH));
        assert_eq!(black_box(out?).shape(), &[samples, 10]);
        seconds.push(s);
    }
    let rates: Vec<f64> = seconds.iter().map(|s| samples as f64 / s).collect();
    Ok((
        json!({"samples_per_s": samples as f64 / median(&seconds), "samples_per_s_by_rep": rates}),
        json!({"samples": samples, "batch": BATCH}),
    ))
}

/// W3: the epoch time of W1 with the user's `#[activation]` leaky ReLU over that with the
/// built-in `Relu`: two models in one process, `--reps` (3) alternations (which goes first
/// swaps each time), the ratio of the median epoch times.
pub fn w3_custom_activation(args: &Args) -> Outcome {
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], WARM, args.seed);
    let mut builtin = mlp(Relu, args.seed)?;
    let mut custom = mlp(Leaky, args.seed)?;
    epoch(&mut builtin, &data.warm_x, &data.warm_y, BATCH, args)?;
    epoch(&mut custom, &data.warm_x, &data.warm_y, BATCH, args)?;
    let (mut builtin_s, mut custom_s) = (Vec::new(), Vec::new());
    for rep in 0..args.reps.unwrap_or(3) {
        if rep % 2 == 0 {
            builtin_s.push(epoch(&mut builtin, &data.x, &data.y, BATCH, args)?);
            custom_s.push(epoch(&mut custom, &data.x, &data.y, BATCH, args)?);
        } else {
            custom_s.push(epoch(&mut custom, &data.x, &data.y, BATCH, args)?);
            builtin_s.push(epoch(&mut builtin, &data.x, &data.y, BATCH, args)?);
        }
    }
    let (c, b) = (median(&custom_s), median(&builtin_s));
    Ok((
        json!({"ratio": c / b, "custom_epoch_s": c, "builtin_epoch_s": b,
               "custom_epoch_s_all": custom_s, "builtin_epoch_s_all": builtin_s}),
        json!({"samples": samples, "batch": BATCH, "shuffle": args.shuffle}),
    ))
}

/// W4: mean microseconds of `predict` on one sample `(1, 784)` over `--calls` (10,000)
/// calls, after 1,000 warm-up calls, on an untrained model.
pub fn w4_predict_one(args: &Args) -> Outcome {
    let data = Data::new(1, &[784], 1, args.seed);
    let model = mlp(Relu, args.seed)?;
    for _ in 0..1_000 {
        black_box(model.predict(&data.x)?);
    }
    let (seconds, out) = timed(|| -> Result<()> {
        for _ in 0..args.calls {
            black_box(model.predict(black_box(&data.x))?);
        }
        Ok(())
    });
    out?;
    Ok((
        json!({"us_per_call": seconds * 1e6 / args.calls as f64}),
        json!({"calls": args.calls}),
    ))
}
