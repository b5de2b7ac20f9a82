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
            eprintln!("compare: {message}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
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
    match outcome {
        Ok((metrics, params)) => {
            let line = serde_json::json!({
                "workload": args.workload,
                "side": "layers",
                "metrics": metrics,
                "params": params,
                "peak_rss_kib": peak_rss_kib(),
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("compare {}: {error}", args.workload);
            ExitCode::FAILURE
        }
    }
}
