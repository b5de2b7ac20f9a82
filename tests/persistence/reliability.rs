//! The reliability suite: every hostile or careless input the README promises to refuse,
//! each run in a process of its own (an abort, a stack overflow or an allocation failure
//! would otherwise take the whole test binary down), asserting that the process exits
//! normally and that the call returned the documented error kind.
//!
//! The parent test (`hostile_inputs_are_refused`) starts this same test binary once per case
//! with `LAYERS_RELIABILITY_CASE` set; the child test (`run_one_case`) then runs only that case
//! and prints `outcome: <kind>` (the error's variant, with the chain of `Layer` wrappers
//! unwrapped) or `outcome: ok`.

use std::process::Command;
use std::time::{Duration, Instant};

use layers::Error;

mod cases;
use cases::{CASES, Outcome};

const CASE_VAR: &str = "LAYERS_RELIABILITY_CASE";

/// The variant name of an error, looking through the wrappers that only add a layer's name.
fn kind(e: &Error) -> String {
    match e {
        Error::Layer { cause, .. } => kind(cause),
        other => {
            let debug = format!("{other:?}");
            debug
                .split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default()
                .to_string()
        }
    }
}

/// Runs in the child process only: the one case named by the environment.
#[test]
fn run_one_case() {
    let Ok(name) = std::env::var(CASE_VAR) else {
        return; // the parent run: nothing to do here
    };
    let case = CASES
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no reliability case `{name}`"));
    let line = match (case.run)() {
        Ok(()) => "outcome: ok".to_string(),
        Err(e) => format!("outcome: {}\nmessage: {e}", kind(&e)),
    };
    println!("{line}");
}

#[test]
fn hostile_inputs_are_refused() {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let mut failures = Vec::new();
    for case in CASES {
        let started = Instant::now();
        let output = Command::new(&exe)
            .args([
                &child_test("run_one_case"),
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CASE_VAR, case.name)
            .output()
            .expect("the test binary starts");
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let outcome = stdout
            .lines()
            .find_map(|l| l.split_once("outcome: ").map(|(_, kind)| kind.trim()))
            .map(str::to_string);
        let message = stdout
            .lines()
            .find_map(|l| l.split_once("message: ").map(|(_, m)| m))
            .unwrap_or("")
            .to_string();
        let expected = match case.expect {
            Outcome::Ok => "ok".to_string(),
            Outcome::Err(kind) => kind.to_string(),
        };
        let problem = if !output.status.success() {
            Some(format!(
                "the process ended with {} (an abort or a panic escaped)\n{stderr}",
                output.status
            ))
        } else if outcome.as_deref() != Some(expected.as_str()) {
            Some(format!(
                "expected {expected}, got {}: {message}",
                outcome.as_deref().unwrap_or("nothing")
            ))
        } else if !case.says.iter().all(|s| message.contains(s)) {
            Some(format!(
                "the message should contain {:?} but reads: {message}",
                case.says
            ))
        } else if took > Duration::from_secs(30) {
            Some(format!("took {took:?}: a refusal must be quick"))
        } else {
            None
        };
        if let Some(p) = problem {
            failures.push(format!("case `{}`: {p}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

/// `test`'s full name in this test binary (its module path, without the binary's name), for
/// `--exact`.
fn child_test(test: &str) -> String {
    let (_binary, module) = module_path!()
        .split_once("::")
        .expect("this file is a module of a test binary");
    format!("{module}::{test}")
}
