//! W5–W7: square matrix products, and one training epoch of the CNN and of the LSTM of the
//! issue, as a candle user writes them (`candle_nn::conv2d`, `Tensor::max_pool2d`,
//! `candle_nn::lstm` stepped by `RNN::seq`).

use std::hint::black_box;

use candle_core::{Device, Module, Result, Tensor};
use candle_nn::{Conv2d, LSTM, LSTMConfig, Linear, RNN, VarBuilder, conv2d, linear, lstm};
use serde_json::{Map, json};

use crate::args::Args;
use crate::common::{Data, Outcome, median, timed, uniform};
use crate::mlp::Trainer;

/// W5: GFLOP/s (2n³ / t) of `Tensor::matmul` of two `n × n` matrices (uniform in `[-1, 1)`),
/// for each `--sizes` n: the median and the best of at least `--reps` (5) products, more for
/// small sizes (until 0.3 s of products), after 2 warm-ups.
pub fn w5_matmul(args: &Args) -> Outcome {
    let mut metrics = Map::new();
    for &n in &args.sizes {
        let square = |seed| -> Result<Tensor> {
            let values = uniform(n * n, seed).iter().map(|v| 2.0 * v - 1.0).collect();
            Tensor::from_vec(values, (n, n), &Device::Cpu)
        };
        let (a, b) = (square(args.seed)?, square(args.seed + 1)?);
        black_box(a.matmul(&b)?);
        black_box(a.matmul(&b)?);
        let mut seconds = Vec::new();
        let mut total = 0.0;
        while seconds.len() < args.reps.unwrap_or(5) || (total < 0.3 && seconds.len() < 1000) {
            let (s, out) = timed(|| a.matmul(&b));
            black_box(out?);
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

/// Samples per second of one epoch of `trainer` over `data` with batch `size`, after a
/// warm-up epoch over its first `warm` samples.
fn train_rate<M: Module>(
    mut trainer: Trainer<M>,
    data: &Data,
    size: usize,
    warm: usize,
    args: &Args,
) -> Outcome {
    trainer.epoch(&data.first(warm)?, size, args)?;
    let seconds = trainer.epoch(data, size, args)?;
    let samples = data.x.dim(0)?;
    Ok((
        json!({"samples_per_s": samples as f64 / seconds, "epoch_s": seconds}),
        json!({"samples": samples, "batch": size, "shuffle": args.shuffle}),
    ))
}

/// The CNN of W6 on `(batch, 1, 28, 28)` inputs (NCHW, candle's layout), logits out.
struct Cnn {
    conv1: Conv2d,
    conv2: Conv2d,
    fc: Linear,
}

impl Cnn {
    fn new(vb: VarBuilder) -> Result<Cnn> {
        Ok(Cnn {
            conv1: conv2d(1, 32, 3, Default::default(), vb.pp("conv1"))?,
            conv2: conv2d(32, 64, 3, Default::default(), vb.pp("conv2"))?,
            fc: linear(64 * 5 * 5, 10, vb.pp("fc"))?,
        })
    }
}

impl Module for Cnn {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let xs = self.conv1.forward(xs)?.relu()?.max_pool2d(2)?;
        let xs = self.conv2.forward(&xs)?.relu()?.max_pool2d(2)?;
        self.fc.forward(&xs.flatten_from(1)?)
    }
}

/// W6: the CNN (conv2d 32 3×3 ReLU, max-pool 2, conv2d 64 3×3 ReLU, max-pool 2, flatten,
/// linear 10) on 10,000 images of 1×28×28, Adam (AdamW, decay 0) at 1e-3, batch 64: samples
/// per second of one epoch.
pub fn w6_cnn(args: &Args) -> Outcome {
    const BATCH: usize = 64;
    let data = Data::new(args.samples.unwrap_or(10_000), &[1, 28, 28], args.seed)?;
    let trainer = Trainer::new(Cnn::new, 1e-3, args.seed)?;
    train_rate(trainer, &data, BATCH, 5 * BATCH, args)
}

/// The model of W7: an LSTM of 128 units over `(batch, steps, 64)`, its state at the last
/// step into a linear layer of 10 logits.
struct LstmNet {
    lstm: LSTM,
    fc: Linear,
}

impl LstmNet {
    fn new(vb: VarBuilder) -> Result<LstmNet> {
        Ok(LstmNet {
            lstm: lstm(64, 128, LSTMConfig::default(), vb.pp("lstm"))?,
            fc: linear(128, 10, vb.pp("fc"))?,
        })
    }
}

impl Module for LstmNet {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let states = self.lstm.seq(xs)?;
        let last = states.last().expect("at least one step");
        self.fc.forward(last.h())
    }
}

/// W7: the LSTM of 128 units over 32 steps of 64 features, its last output into linear 10,
/// 6,400 sequences, batch 64: sequences per second of one epoch.
pub fn w7_lstm(args: &Args) -> Outcome {
    const BATCH: usize = 64;
    let data = Data::new(args.samples.unwrap_or(6_400), &[32, 64], args.seed)?;
    let trainer = Trainer::new(LstmNet::new, 1e-3, args.seed)?;
    train_rate(trainer, &data, BATCH, 3 * BATCH, args)
}
