//! W1–W4: the MLP 784→256→128→10 of the issue, as a candle user writes it: a struct of three
//! `candle_nn::linear` layers whose weights live in a `VarMap`, trained with `AdamW` (weight
//! decay 0, i.e. Adam) on `candle_nn::loss::cross_entropy`, run with `Module::forward`.

use std::hint::black_box;

use candle_core::{DType, Device, Module, Result, Tensor};
use candle_nn::loss::cross_entropy;
use candle_nn::{AdamW, Linear, Optimizer, ParamsAdamW, VarBuilder, VarMap, linear};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::args::Args;
use crate::common::{Data, Outcome, batch, median, permutation, rss_kib, timed};

/// The training set of W1–W3: 60,000 samples of 784 features.
const SAMPLES: usize = 60_000;
/// W1's batch size.
const BATCH: usize = 128;
/// Samples of the warm-up epoch before the timed one: 10 batches.
const WARM: usize = 10 * BATCH;

/// An activation applied after both hidden layers.
type Activation = fn(&Tensor) -> Result<Tensor>;

/// The built-in ReLU.
fn relu(xs: &Tensor) -> Result<Tensor> {
    xs.relu()
}

/// The user's activation of W3: a leaky ReLU, `max(0.1·x, x)`.
fn leaky(xs: &Tensor) -> Result<Tensor> {
    xs.maximum(&(xs * 0.1)?)
}

/// 784→256→128→10 with `activation` after both hidden layers, logits out.
pub struct Mlp {
    ln1: Linear,
    ln2: Linear,
    ln3: Linear,
    activation: Activation,
}

impl Mlp {
    /// The layers' weights made (candle's default initialisation) in `vb`'s `VarMap`.
    pub fn new(vb: VarBuilder, activation: Activation) -> Result<Mlp> {
        Ok(Mlp {
            ln1: linear(784, 256, vb.pp("ln1"))?,
            ln2: linear(256, 128, vb.pp("ln2"))?,
            ln3: linear(128, 10, vb.pp("ln3"))?,
            activation,
        })
    }
}

impl Module for Mlp {
    fn forward(&self, xs: &Tensor) -> Result<Tensor> {
        let xs = (self.activation)(&self.ln1.forward(xs)?)?;
        let xs = (self.activation)(&self.ln2.forward(&xs)?)?;
        self.ln3.forward(&xs)
    }
}

/// A model with its variables and its optimizer.
pub struct Trainer<M> {
    /// The model.
    pub model: M,
    /// The optimizer over every variable of the model.
    pub opt: AdamW,
    /// The generator of the epochs' permutations.
    rng: StdRng,
    /// Every variable (kept for the model's lifetime, as a user keeps it to save the weights).
    _varmap: VarMap,
}

impl<M: Module> Trainer<M> {
    /// The model `make` builds in a fresh `VarMap`, with `AdamW` at learning rate `lr` and
    /// weight decay 0 (Adam) over all its variables.
    pub fn new(make: impl FnOnce(VarBuilder) -> Result<M>, lr: f64, seed: u64) -> Result<Self> {
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu);
        let model = make(vb)?;
        let params = ParamsAdamW {
            lr,
            weight_decay: 0.0,
            ..Default::default()
        };
        let opt = AdamW::new(varmap.all_vars(), params)?;
        Ok(Trainer {
            model,
            opt,
            rng: StdRng::seed_from_u64(seed + 2),
            _varmap: varmap,
        })
    }

    /// One training epoch over `data` in batches of `size` (shuffled unless `--no-shuffle`):
    /// forward, cross-entropy from logits, backward and the optimizer's step per batch; its
    /// seconds (the permutation and the gathers included).
    pub fn epoch(&mut self, data: &Data, size: usize, args: &Args) -> Result<f64> {
        let (seconds, out) = timed(|| -> Result<()> {
            let n = data.x.dim(0)?;
            let order = permutation(n, args.shuffle, &mut self.rng)?;
            for start in (0..n).step_by(size) {
                let (xs, ys) = batch(data, order.as_ref(), start, size.min(n - start))?;
                let logits = self.model.forward(&xs)?;
                let loss = cross_entropy(&logits, &ys)?;
                self.opt.backward_step(&loss)?;
            }
            Ok(())
        });
        out?;
        Ok(seconds)
    }
}

/// The MLP with `activation` and its Adam (learning rate 1e-3).
fn mlp_trainer(activation: Activation, seed: u64) -> Result<Trainer<Mlp>> {
    Trainer::new(|vb| Mlp::new(vb, activation), 1e-3, seed)
}

/// W1: samples per second of one epoch (after a warm-up epoch over 10 batches); with
/// `--epochs N`, N timed epochs and the resident memory after each.
pub fn w1_train(args: &Args) -> Outcome {
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], args.seed)?;
    let mut trainer = mlp_trainer(relu, args.seed)?;
    trainer.epoch(&data.first(WARM)?, BATCH, args)?;
    let mut seconds = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..args.epochs {
        seconds.push(trainer.epoch(&data, BATCH, args)?);
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
        json!({"samples": samples, "batch": BATCH, "epochs": args.epochs, "shuffle": args.shuffle,
               "optimizer": "AdamW(lr 1e-3, weight_decay 0)"}),
    ))
}

/// An untrained MLP (ReLU) for inference.
fn inference_mlp() -> Result<Mlp> {
    let varmap = VarMap::new();
    Mlp::new(
        VarBuilder::from_varmap(&varmap, DType::F32, &Device::Cpu),
        relu,
    )
}

/// W2: samples per second of the forward pass in batches of 1024 over the 60,000 samples
/// (outputs concatenated), the median of `--reps` passes (3) after a warm-up over 2 batches.
pub fn w2_forward_batched(args: &Args) -> Outcome {
    const BATCH: usize = 1024;
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], args.seed)?;
    let model = inference_mlp()?;
    let pass = |x: &Tensor| -> Result<Tensor> {
        let n = x.dim(0)?;
        let outs = (0..n)
            .step_by(BATCH)
            .map(|start| model.forward(&x.narrow(0, start, BATCH.min(n - start))?))
            .collect::<Result<Vec<_>>>()?;
        Tensor::cat(&outs, 0)
    };
    pass(&data.first(2 * BATCH)?.x)?;
    let mut seconds = Vec::new();
    for _ in 0..args.reps.unwrap_or(3) {
        let (s, out) = timed(|| pass(&data.x));
        assert_eq!(black_box(out?).dims(), &[samples, 10]);
        seconds.push(s);
    }
    let rates: Vec<f64> = seconds.iter().map(|s| samples as f64 / s).collect();
    Ok((
        json!({"samples_per_s": samples as f64 / median(&seconds), "samples_per_s_by_rep": rates}),
        json!({"samples": samples, "batch": BATCH}),
    ))
}

/// W3: the epoch time of W1 with the user's leaky ReLU over that with the built-in `relu`:
/// two models in one process, `--reps` (3) alternations (which goes first swaps each time),
/// the ratio of the median epoch times.
pub fn w3_custom_activation(args: &Args) -> Outcome {
    let samples = args.samples.unwrap_or(SAMPLES);
    let data = Data::new(samples, &[784], args.seed)?;
    let mut builtin = mlp_trainer(relu, args.seed)?;
    let mut custom = mlp_trainer(leaky, args.seed)?;
    builtin.epoch(&data.first(WARM)?, BATCH, args)?;
    custom.epoch(&data.first(WARM)?, BATCH, args)?;
    let (mut builtin_s, mut custom_s) = (Vec::new(), Vec::new());
    for rep in 0..args.reps.unwrap_or(3) {
        if rep % 2 == 0 {
            builtin_s.push(builtin.epoch(&data, BATCH, args)?);
            custom_s.push(custom.epoch(&data, BATCH, args)?);
        } else {
            custom_s.push(custom.epoch(&data, BATCH, args)?);
            builtin_s.push(builtin.epoch(&data, BATCH, args)?);
        }
    }
    let (c, b) = (median(&custom_s), median(&builtin_s));
    Ok((
        json!({"ratio": c / b, "custom_epoch_s": c, "builtin_epoch_s": b,
               "custom_epoch_s_all": custom_s, "builtin_epoch_s_all": builtin_s}),
        json!({"samples": samples, "batch": BATCH, "shuffle": args.shuffle}),
    ))
}

/// W4: mean microseconds of the forward pass of one sample `(1, 784)` over `--calls`
/// (10,000) calls, after 1,000 warm-up calls, on an untrained model.
pub fn w4_forward_one(args: &Args) -> Outcome {
    let data = Data::new(1, &[784], args.seed)?;
    let model = inference_mlp()?;
    for _ in 0..1_000 {
        black_box(model.forward(&data.x)?);
    }
    let (seconds, out) = timed(|| -> Result<()> {
        for _ in 0..args.calls {
            black_box(model.forward(black_box(&data.x))?);
        }
        Ok(())
    });
    out?;
    Ok((
        json!({"us_per_call": seconds * 1e6 / args.calls as f64}),
        json!({"calls": args.calls}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        let items = ["w1"].iter().chain(extra).map(|s| s.to_string());
        Args::parse(items).unwrap().unwrap()
    }

    /// The mean cross-entropy of `trainer`'s model on `data`.
    fn loss(trainer: &Trainer<Mlp>, data: &Data) -> f32 {
        let logits = trainer.model.forward(&data.x).unwrap();
        cross_entropy(&logits, &data.y)
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
    }

    #[test]
    fn epochs_train_every_layer_of_the_model() {
        // 256 random samples with random labels: only memorising them lowers the loss, which
        // the optimizer does only if it holds the model's variables.
        let data = Data::new(256, &[784], 7).unwrap();
        let mut trainer = mlp_trainer(relu, 7).unwrap();
        let before = loss(&trainer, &data);
        for _ in 0..30 {
            trainer.epoch(&data, 64, &args(&[])).unwrap();
        }
        let after = loss(&trainer, &data);
        assert!(after < 0.3 * before, "loss {before} -> {after}");
    }

    #[test]
    fn leaky_is_max_of_a_tenth_and_itself() {
        let xs = Tensor::new(&[-2.0f32, -0.5, 0.0, 3.0], &Device::Cpu).unwrap();
        let out = leaky(&xs).unwrap().to_vec1::<f32>().unwrap();
        assert_eq!(out, [-0.2, -0.05, 0.0, 3.0]);
    }

    #[test]
    fn shuffled_batches_gather_matching_inputs_and_labels() {
        let data = Data::new(10, &[3], 1).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let order = crate::common::permutation(10, true, &mut rng)
            .unwrap()
            .unwrap();
        let idx = order.to_vec1::<u32>().unwrap();
        let mut sorted = idx.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<u32>>());
        let (xs, ys) = batch(&data, Some(&order), 4, 4).unwrap();
        let all_x = data.x.to_vec2::<f32>().unwrap();
        let all_y = data.y.to_vec1::<u32>().unwrap();
        for (row, &i) in idx[4..8].iter().enumerate() {
            assert_eq!(
                xs.get(row).unwrap().to_vec1::<f32>().unwrap(),
                all_x[i as usize]
            );
            assert_eq!(
                ys.get(row).unwrap().to_scalar::<u32>().unwrap(),
                all_y[i as usize]
            );
        }
        let (xs, _) = batch(&data, None, 8, 2).unwrap();
        assert_eq!(xs.to_vec2::<f32>().unwrap(), all_x[8..10]);
    }
}
