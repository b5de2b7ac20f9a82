//! Keras's `fit` progress output: a 20-character bar per epoch on a terminal (drawn with
//! `indicatif`, with the default-on `progress` feature), the finished bar line per epoch
//! otherwise, one short line per epoch at verbosity 2, nothing at verbosity 0.

#[cfg(feature = "progress")]
use std::io::IsTerminal;
use std::time::Duration;

#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How much `fit` prints (Keras's `verbose`).
///
/// # Examples
///
/// ```
/// use layers_core::model::Verbosity;
/// assert_eq!(Verbosity::from(2), Verbosity::Line);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verbosity {
    /// Nothing (`verbose=0`).
    Silent,
    /// A progress bar per epoch (`verbose=1`, the default): live on a terminal with the
    /// `progress` feature, else the finished bar line once the epoch ends.
    #[default]
    Bar,
    /// One line per epoch (`verbose=2`).
    Line,
}

impl From<u8> for Verbosity {
    fn from(v: u8) -> Verbosity {
        match v {
            0 => Verbosity::Silent,
            1 => Verbosity::Bar,
            _ => Verbosity::Line,
        }
    }
}

/// A metric value as Keras prints it: 4 decimals, scientific below 1e-3.
///
/// # Examples
///
/// ```
/// use layers_core::model::progress::format_value;
/// assert_eq!(format_value(0.30118), "0.3012");
/// assert_eq!(format_value(0.000123), "1.2300e-4");
/// ```
pub fn format_value(v: f32) -> String {
    if v.abs() > 1e-3 || v == 0.0 {
        format!("{v:.4}")
    } else {
        format!("{v:.4e}")
    }
}

/// A time per step as Keras prints it: `2s/step`, `20ms/step`, `830us/step`.
///
/// # Examples
///
/// ```
/// use layers_core::model::progress::format_step_time;
/// use std::time::Duration;
/// assert_eq!(format_step_time(Duration::from_micros(20_400)), "20ms/step");
/// assert_eq!(format_step_time(Duration::from_micros(830)), "830us/step");
/// ```
pub fn format_step_time(per_step: Duration) -> String {
    let s = per_step.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.0}s/step")
    } else if s >= 1e-3 {
        format!("{:.0}ms/step", s * 1e3)
    } else {
        format!("{:.0}us/step", s * 1e6)
    }
}

/// ` - accuracy: 0.9123 - loss: 0.3012`, sorted by name.
///
/// # Examples
///
/// ```
/// use layers_core::model::progress::format_logs;
/// let logs = [("loss".to_string(), 0.5), ("accuracy".to_string(), 0.25)];
/// assert_eq!(format_logs(&logs), " - accuracy: 0.2500 - loss: 0.5000");
/// ```
pub fn format_logs(logs: &[(String, f32)]) -> String {
    let mut sorted: Vec<&(String, f32)> = logs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!(" - {k}: {}", format_value(*v)))
        .collect()
}

const BAR: &str = "━━━━━━━━━━━━━━━━━━━━";

/// Prints one epoch's progress.
pub(crate) struct EpochProgress {
    verbosity: Verbosity,
    steps: usize,
    #[cfg(feature = "progress")]
    bar: Option<ProgressBar>,
    start: std::time::Instant,
}

impl EpochProgress {
    pub(crate) fn start(
        verbosity: Verbosity,
        epoch: usize,
        epochs: usize,
        steps: usize,
    ) -> EpochProgress {
        if verbosity != Verbosity::Silent && epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, epochs);
        }
        #[cfg(feature = "progress")]
        let bar = (verbosity == Verbosity::Bar && std::io::stdout().is_terminal()).then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(steps as u64), ProgressDrawTarget::stdout());
            let style = ProgressStyle::with_template("{pos}/{len} {bar:20.green/dim} {msg}")
                .expect("a valid template")
                .progress_chars("━━");
            bar.set_style(style);
            bar
        });
        EpochProgress {
            verbosity,
            steps,
            #[cfg(feature = "progress")]
            bar,
            start: std::time::Instant::now(),
        }
    }

    /// Moves the live bar to `done` steps; without the `progress` feature there is no live
    /// bar and nothing to do.
    #[cfg_attr(not(feature = "progress"), expect(unused_variables))]
    pub(crate) fn step(&self, done: usize, logs: &[(String, f32)]) {
        #[cfg(feature = "progress")]
        if let Some(bar) = &self.bar {
            let elapsed = self.start.elapsed();
            let per_step = elapsed / done.max(1) as u32;
            let eta = per_step * (self.steps - done) as u32;
            bar.set_position(done as u64);
            bar.set_message(format!(
                "{:.0}s {}{}",
                eta.as_secs_f64(),
                format_step_time(per_step),
                format_logs(logs)
            ));
        }
    }

    pub(crate) fn finish(self, logs: &[(String, f32)]) {
        let elapsed = self.start.elapsed();
        let per_step = elapsed / self.steps.max(1) as u32;
        let secs = elapsed.as_secs_f64().round();
        match self.verbosity {
            Verbosity::Silent => {}
            Verbosity::Bar => {
                let line = format!(
                    "{}/{} {BAR} {secs:.0}s {}{}",
                    self.steps,
                    self.steps,
                    format_step_time(per_step),
                    format_logs(logs)
                );
                #[cfg(feature = "progress")]
                if let Some(bar) = self.bar {
                    bar.finish_and_clear();
                    println!(
                        "{}/{} \x1b[32m{BAR}\x1b[0m {}",
                        self.steps,
                        self.steps,
                        &line[line.find(BAR).map_or(0, |i| i + BAR.len() + 1)..]
                    );
                    return;
                }
                println!("{line}");
            }
            Verbosity::Line => println!(
                "{}/{} - {secs:.0}s - {}{}",
                self.steps,
                self.steps,
                format_step_time(per_step),
                format_logs(logs)
            ),
        }
    }
}
