//! Timing and memory readings shared by both sides of the comparison (the `compare` bench
//! and the candle side, which includes this file).

use std::process::ExitCode;
use std::time::Instant;

use serde_json::Value;

/// The seconds `f` takes, and its result.
pub fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let out = f();
    (start.elapsed().as_secs_f64(), out)
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// A field of `/proc/self/status` in KiB (`VmHWM`: peak resident memory, `VmRSS`: now).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process's peak resident memory so far, in KiB (`null` off Linux).
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

/// The process's resident memory now, in KiB.
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// Prints a workload's outcome: one JSON line (`side` names the library) on success, the
/// error on standard error otherwise (`program` names the program there).
pub fn report<E: std::fmt::Display>(
    program: &str,
    side: &str,
    workload: &str,
    outcome: Result<(Value, Value), E>,
) -> ExitCode {
    match outcome {
        Ok((metrics, params)) => {
            let line = serde_json::json!({
                "workload": workload,
                "side": side,
                "metrics": metrics,
                "params": params,
                "peak_rss_kib": peak_rss_kib(),
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{program} {workload}: {error}");
            ExitCode::FAILURE
        }
    }
}
