//! The command line of the `compare` bench: one workload and its optional sizes.

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

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Args {
    /// `w1` … `w7`.
    pub workload: String,
    /// Samples (or sequences) per epoch, if not the workload's default.
    pub samples: Option<usize>,
    /// W1: the number of epochs, each one `fit` call.
    pub epochs: usize,
    /// Repetitions (meaning per workload, see [`USAGE`]).
    pub reps: Option<usize>,
    /// W4: timed calls.
    pub calls: usize,
    /// W5: the matrix sizes.
    pub sizes: Vec<usize>,
    /// Whether `fit` shuffles.
    pub shuffle: bool,
    /// The seed of the data and of the model.
    pub seed: u64,
}

impl Args {
    /// Parses the arguments after the program name; `Ok(None)` for `--help`. Cargo's own
    /// `--bench` argument is ignored.
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
