//! The `layers` side of the PyTorch comparison (issue 13): one workload per process, so that
//! the peak resident memory belongs to that workload alone, printed as one JSON line.
//!
//! Every workload is written as a user of the library would write it, through the public API
//! only (`use layers::prelude::*`, `compile`/`fit`, `predict_batched`, `predict`,
//! `Tensor::matmul`), so the harness measures whatever the library is when it runs. The
//! driver `benches/compare/run` builds this target once and runs it beside
//! `torch_bench.py`; run one workload by hand with
//!
//! ```text
//! cargo bench --bench compare -- w1            # or w2 … w7, see `--help`
//! cargo bench --bench compare -- w1 --epochs 3 # resident memory after each epoch
//! ```
//!
//! The result line holds `workload`, `side` ("layers"), `metrics` (the workload's figures),
//! `params` (what was run) and `peak_rss_kib` (`VmHWM` of `/proc/self/status`).

mod args;
mod common;
mod measure;
mod mlp;
mod nets;

use std::process::ExitCode;

use args::Args;

/// What `--help` prints.
pub const USAGE: &str = "\
usage: compare WORKLOAD [options]      (cargo bench --bench compare -- WORKLOAD …)

workloads:
  w1  MLP 784-256-128-10 training, one `fit` epoch over 60,000 samples, batch 128
  w2  the same model, `predict_batched` with batch 1024 over the 60,000 samples
  w3  W1 with a user-written #[activation] leaky ReLU: epoch time custom / built-in relu
  w4  `predict` of one sample, mean µs per call
  w5  square `Tensor::matmul`, GFLOP/s
  w6  CNN (Conv2D 32, pool, Conv2D 64, pool, Dense 10), one epoch over 10,000 28×28×1 images
  w7  LSTM 128 over 32 steps of 64 features, Dense 10, one epoch over 6,400 sequences

options:
  --samples N   samples (sequences) per epoch instead of the workload's default
  --epochs N    w1: epochs, each its own `fit` call, RSS read after each (default 1)
  --reps N      w2: timed passes (3); w3: alternations (3); w5: minimum repetitions (5)
  --calls N     w4: timed calls (10000)
  --sizes A,B   w5: matrix sizes (256,512,1024,2048)
  --no-shuffle  w1, w3, w6, w7: `shuffle(false)` (the default shuffles, as `fit` does)
  --seed N      seed of the data and of the model (42)";

fn main() -> ExitCode {
    let args = match Args::from_command_line("compare", USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let outcome = match args.workload.as_str() {
        "w1" => mlp::w1_train(&args),
        "w2" => mlp::w2_predict_batched(&args),
        "w3" => mlp::w3_custom_activation(&args),
        "w4" => mlp::w4_predict_one(&args),
        "w5" => nets::w5_matmul(&args),
        "w6" => nets::w6_cnn(&args),
        "w7" => nets::w7_lstm(&args),
        other => Err(format!("unknown workload `{other}`").into()),
    };
    measure::report("compare", "layers", &args.workload, outcome)
}
