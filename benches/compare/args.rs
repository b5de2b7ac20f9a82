//! The command line of the comparison's benchmark programs (the `compare` bench and the
//! candle side, which includes this file): one workload and its optional sizes. Each program
//! has its own `USAGE` text.

use std::process::ExitCode;

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// `w1` … `w7`.
    pub workload: String,
    /// Samples (or sequences) per epoch, if not the workload's default.
    pub samples: Option<usize>,
    /// W1: the number of epochs (each one `fit` call on the `layers` side).
    pub epochs: usize,
    /// Repetitions (meaning per workload, see the program's usage text).
    pub reps: Option<usize>,
    /// W4: timed calls.
    pub calls: usize,
    /// W5: the matrix sizes.
    pub sizes: Vec<usize>,
    /// Whether each epoch shuffles the samples.
    pub shuffle: bool,
    /// The seed of the data, the model and the shuffles.
    pub seed: u64,
}

impl Args {
    /// The program's arguments, or the exit code after printing `usage` (for `--help`, or
    /// with the error for a command line it cannot read; `program` names the program there).
    pub fn from_command_line(program: &str, usage: &str) -> Result<Args, ExitCode> {
        match Args::parse(std::env::args().skip(1)) {
            Ok(Some(args)) => Ok(args),
            Ok(None) => {
                println!("{usage}");
                Err(ExitCode::SUCCESS)
            }
            Err(message) => {
                eprintln!("{program}: {message}\n\n{usage}");
                Err(ExitCode::from(2))
            }
        }
    }

    /// Parses the arguments after the program name; `Ok(None)` for `--help`. Cargo's own
    /// `--bench` argument (given to bench targets) is ignored.
    pub fn parse(mut items: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
        let mut args = Args {
            workload: String::new(),
            samples: None,
            epochs: 1,
            reps: None,
            calls: 10_000,
            sizes: vec![256, 512, 1024, 2048],
            shuffle: true,
            seed: 42,
        };
        while let Some(item) = items.next() {
            let mut value = |name: &str| -> Result<String, String> {
                items.next().ok_or_else(|| format!("{name} needs a value"))
            };
            match item.as_str() {
                "--bench" => {}
                "-h" | "--help" => return Ok(None),
                "--no-shuffle" => args.shuffle = false,
                "--samples" => args.samples = Some(number(&value("--samples")?)?),
                "--epochs" => args.epochs = number(&value("--epochs")?)?,
                "--reps" => args.reps = Some(number(&value("--reps")?)?),
                "--calls" => args.calls = number(&value("--calls")?)?,
                "--seed" => args.seed = number(&value("--seed")?)? as u64,
                "--sizes" => {
                    args.sizes = value("--sizes")?
                        .split(',')
                        .map(number)
                        .collect::<Result<_, _>>()?
                }
                flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
                workload if args.workload.is_empty() => args.workload = workload.to_lowercase(),
                extra => return Err(format!("unexpected argument `{extra}`")),
            }
        }
        if args.workload.is_empty() {
            return Err("no workload given".into());
        }
        if args.epochs == 0 || args.calls == 0 || args.reps == Some(0) || args.samples == Some(0) {
            return Err("counts must be at least 1".into());
        }
        Ok(Some(args))
    }
}

/// A positive whole number.
fn number(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}
