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

mod args;
mod common;
mod mlp;
mod nets;

use std::process::ExitCode;

use args::Args;
use common::peak_rss_kib;

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{}", args::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("compare-candle: {message}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
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
    match outcome {
        Ok((metrics, mut params)) => {
            params["candle_threads"] = candle_core::utils::get_num_threads().into();
            let line = serde_json::json!({
                "workload": args.workload,
                "side": "candle",
                "metrics": metrics,
                "params": params,
                "peak_rss_kib": peak_rss_kib(),
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("compare-candle {}: {error}", args.workload);
            ExitCode::FAILURE
        }
    }
}
