//! The candle side of the `layers` comparison (issue 13): the workloads of
//! `benches/compare/main.rs` written as a candle user writes them (`candle_nn::linear`,
//! `VarMap`/`VarBuilder`, `AdamW`, `candle_nn::loss::cross_entropy`), CPU only, one workload
//! per process, one JSON line out: `workload`, `side` ("candle"), `metrics`, `params`,
//! `peak_rss_kib` (`VmHWM` of `/proc/self/status`).
//!
//! This crate is its own workspace, outside `layers`' (CI never builds it); the driver
//! `benches/compare/run --with-candle` builds it in release and runs it beside the other
//! sides. By hand:
//!
//! ```text
//! cargo run --release --manifest-path benches/compare/candle/Cargo.toml -- w1
//! ```
//!
//! Threads: candle's CPU kernels use rayon (and `gemm`'s rayon parallelism with
//! `RAYON_NUM_THREADS` threads); the driver sets `RAYON_NUM_THREADS=2`.

#[path = "../../args.rs"]
mod args;
mod common;
#[path = "../../measure.rs"]
mod measure;
mod mlp;
mod nets;

use std::process::ExitCode;

use args::Args;

/// What `--help` prints.
pub const USAGE: &str = "\
usage: layers-compare-candle WORKLOAD [options]

workloads:
  w1  MLP 784-256-128-10 training, one epoch over 60,000 samples, batch 128 (AdamW, decay 0)
  w2  the same model, forward in batches of 1024 over the 60,000 samples
  w3  W1 with a user-written leaky ReLU max(0.1·x, x): epoch time custom / built-in relu
  w4  forward of one sample (1, 784), mean µs per call
  w5  square `Tensor::matmul`, GFLOP/s
  w6  CNN (conv2d 32, pool, conv2d 64, pool, linear 10), one epoch over 10,000 1×28×28 images
  w7  LSTM 128 over 32 steps of 64 features, linear 10, one epoch over 6,400 sequences

options:
  --samples N   samples (sequences) per epoch instead of the workload's default
  --epochs N    w1: epochs, RSS read after each (default 1)
  --reps N      w2: timed passes (3); w3: alternations (3); w5: minimum repetitions (5)
  --calls N     w4: timed calls (10000)
  --sizes A,B   w5: matrix sizes (256,512,1024,2048)
  --no-shuffle  w1, w3, w6, w7: batches in order (the default shuffles every epoch)
  --seed N      seed of the data and of the shuffles (42)";

fn main() -> ExitCode {
    let args = match Args::from_command_line("compare-candle", USAGE) {
        Ok(args) => args,
        Err(code) => return code,
    };
    let outcome = match args.workload.as_str() {
        "w1" => mlp::w1_train(&args),
        "w2" => mlp::w2_forward_batched(&args),
        "w3" => mlp::w3_custom_activation(&args),
        "w4" => mlp::w4_forward_one(&args),
        "w5" => nets::w5_matmul(&args),
        "w6" => nets::w6_cnn(&args),
        "w7" => nets::w7_lstm(&args),
        other => Err(format!("unknown workload `{other}`").into()),
    };
    let outcome = outcome.map(|(metrics, mut params)| {
        params["candle_threads"] = candle_core::utils::get_num_threads().into();
        (metrics, params)
    });
    measure::report("compare-candle", "candle", &args.workload, outcome)
}
