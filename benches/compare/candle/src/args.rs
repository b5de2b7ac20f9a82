//! The command line: one workload and its options, as `benches/compare/args.rs` takes them.

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

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// `w1` … `w7`.
    pub workload: String,
    /// Samples (or sequences) per epoch, if not the workload's default.
    pub samples: Option<usize>,
    /// W1: the number of timed epochs.
    pub epochs: usize,
    /// Repetitions (meaning per workload, see [`USAGE`]).
    pub reps: Option<usize>,
    /// W4: timed calls.
    pub calls: usize,
    /// W5: the matrix sizes.
    pub sizes: Vec<usize>,
    /// Whether each epoch shuffles the samples.
    pub shuffle: bool,
    /// The seed of the data and of the shuffles.
    pub seed: u64,
}

impl Args {
    /// Parses the arguments after the program name; `Ok(None)` for `--help`.
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

/// A whole number.
fn number(text: &str) -> Result<usize, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number"))
}
