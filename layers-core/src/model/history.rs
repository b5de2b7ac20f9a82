//! `History`: what `fit` returns, per-epoch losses and metrics, and their plot (with the
//! default-on `plot` feature).

use std::collections::BTreeMap;
#[cfg(feature = "plot")]
use std::fmt;
#[cfg(feature = "plot")]
use std::path::Path;

#[cfg(feature = "plot")]
use plotters::prelude::*;

use super::logs::Logs;
#[cfg(feature = "plot")]
use crate::error::{Error, Result};

/// The parameters `fit` ran with (Keras's `history.params`).
///
/// # Examples
///
/// ```
/// use layers_core::model::HistoryParams;
/// let p = HistoryParams { verbose: 1, epochs: 10, steps: 47 };
/// assert_eq!(p.steps, 47);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryParams {
    /// The verbosity.
    pub verbose: u8,
    /// The number of epochs asked for.
    pub epochs: usize,
    /// Training steps per epoch.
    pub steps: usize,
}

/// What an [`EarlyStopping`](crate::model::callbacks::EarlyStopping) callback saw during `fit`,
/// kept in [`History::early_stopping`].
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::EarlyStoppingReport;
/// let report = EarlyStoppingReport {
///     monitor: "val_loss".into(),
///     best: Some(0.25),
///     best_epoch: Some(3),
///     stopped_epoch: Some(5),
/// };
/// assert_eq!(report.stopped_epoch, Some(5));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyStoppingReport {
    /// The monitored name.
    pub monitor: String,
    /// The best monitored value (None if no epoch ended).
    pub best: Option<f32>,
    /// The epoch (counted from 0, as Keras counts) that gave the best value.
    pub best_epoch: Option<usize>,
    /// The epoch (counted from 0) after which training stopped, if it stopped early.
    pub stopped_epoch: Option<usize>,
}

/// Per-epoch values of the loss and metrics (`loss`, `accuracy`, `val_loss`, …), the epoch
/// indices that ran, and the parameters: Keras's `History`.
///
/// # Examples
///
/// ```
/// use layers_core::model::{History, HistoryParams, Logs};
/// let mut h = History::new(HistoryParams { verbose: 0, epochs: 2, steps: 1 });
/// h.record(0, &Logs::from([("loss", 0.9)]));
/// h.record(1, &Logs::from([("loss", 0.5)]));
/// assert_eq!(h.history["loss"], vec![0.9, 0.5]);
/// assert_eq!(h.epoch, vec![0, 1]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// Values per metric name, one per epoch.
    pub history: BTreeMap<String, Vec<f32>>,
    /// The epochs that ran (early stopping may end before `params.epochs`).
    pub epoch: Vec<usize>,
    /// How `fit` was called.
    pub params: HistoryParams,
    /// What each [`EarlyStopping`](crate::model::callbacks::EarlyStopping) callback of the
    /// run saw, in the order the callbacks were given: its best value and epoch, and the
    /// epoch it stopped training at (Keras's `stopped_epoch` and `best`).
    pub early_stopping: Vec<EarlyStoppingReport>,
}

impl History {
    /// An empty history.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{History, HistoryParams};
    /// assert!(History::new(HistoryParams { verbose: 0, epochs: 1, steps: 1 }).epoch.is_empty());
    /// ```
    pub fn new(params: HistoryParams) -> History {
        History {
            history: BTreeMap::new(),
            epoch: Vec::new(),
            params,
            early_stopping: Vec::new(),
        }
    }

    /// Appends one epoch's logs.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{History, HistoryParams, Logs};
    /// let mut h = History::new(HistoryParams { verbose: 0, epochs: 1, steps: 1 });
    /// h.record(0, &Logs::from([("accuracy", 0.5)]));
    /// assert_eq!(h.last("accuracy"), Some(0.5));
    /// ```
    pub fn record(&mut self, epoch: usize, logs: &Logs) {
        self.epoch.push(epoch);
        for (k, v) in logs {
            self.history.entry(k.to_string()).or_default().push(v);
        }
    }

    /// The epoch (counted from 0) after which an `EarlyStopping` callback stopped training,
    /// if one did (the first, with several): Keras's `early_stopping.stopped_epoch`, read
    /// after `fit`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::EarlyStopping;
    /// let x = Tensor::ones(&[4, 1]);
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// // a learning rate of 0 never improves the loss: training stops after epoch 1
    /// model.compile(layers_core::optim::Sgd::new().with_learning_rate(0.0), "mse", &[])?;
    /// let options = FitOptions::new().with_epochs(10).verbose(0).callback(EarlyStopping::new("loss"));
    /// let history = model.fit(&x, &x, options)?;
    /// assert_eq!(history.stopped_epoch(), Some(1));
    /// assert_eq!(history.early_stopping[0].best_epoch, Some(0));
    /// assert_eq!(history.early_stopping[0].best, history.history["loss"].first().copied());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.early_stopping.iter().find_map(|r| r.stopped_epoch)
    }

    /// The last value of a metric.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{History, HistoryParams};
    /// let h = History::new(HistoryParams { verbose: 0, epochs: 1, steps: 1 });
    /// assert_eq!(h.last("loss"), None);
    /// ```
    pub fn last(&self, name: &str) -> Option<f32> {
        self.history.get(name).and_then(|v| v.last().copied())
    }

    /// Draws the training and validation curves to an SVG file: one panel for the loss and
    /// one per metric, train solid blue, validation dashed red, the y axis fitted to the
    /// values. The file is written atomically (a temporary file renamed into place).
    ///
    /// Only finite values are drawn: a NaN or infinite value leaves a gap in its line. What
    /// was left out is said twice: in each panel's caption in the file ("loss — left out
    /// (NaN or infinite): val_loss 1 of 3"), and in the returned [`PlotReport`], which lists
    /// the epochs (counted from 1, as on the x axis) of each series whose values were not
    /// drawn. Any finite values plot, however large (up to `±f32::MAX`).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be written; [`Error::InvalidArgument`]
    /// for a history with no epochs, or in which no value is finite, or if the plotting
    /// library fails to draw it (no file is written).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{History, HistoryParams, Logs};
    /// let mut h = History::new(HistoryParams { verbose: 0, epochs: 3, steps: 1 });
    /// h.record(0, &Logs::from([("loss", 0.9), ("val_loss", 1.0)]));
    /// h.record(1, &Logs::from([("loss", 0.5), ("val_loss", f32::NAN)]));
    /// h.record(2, &Logs::from([("loss", 0.4), ("val_loss", 0.7)]));
    /// let path = std::env::temp_dir().join("layers_history_doc.svg");
    /// let report = h.plot(&path)?;
    /// assert_eq!(report.left_out["val_loss"], vec![2]);
    /// let svg = std::fs::read_to_string(&path)?;
    /// assert!(svg.starts_with("<svg") && svg.contains("left out (NaN or infinite): val_loss 1 of 3"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "plot")]
    #[cfg_attr(docsrs, doc(cfg(feature = "plot")))]
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<PlotReport> {
        let path = path.as_ref();
        if self.epoch.is_empty() {
            return Err(Error::invalid(
                "History::plot",
                "the history has no epochs to plot",
            ));
        }
        let panels = self.panels();
        if panels.iter().all(|p| p.y_range.is_none()) {
            let names: Vec<&str> = self.history.keys().map(String::as_str).collect();
            return Err(Error::invalid(
                "History::plot",
                if names.is_empty() {
                    "the history holds no loss or metric to plot".to_string()
                } else {
                    format!(
                        "nothing to draw: every value of {} is NaN or infinite",
                        names.join(", ")
                    )
                },
            ));
        }
        let mut report = PlotReport::default();
        for line in panels.iter().flat_map(|p| &p.lines) {
            if !line.left_out.is_empty() {
                report
                    .left_out
                    .insert(line.name.clone(), line.left_out.clone());
            }
        }
        // Drawn in memory first: a failure of the plotting library is no file error.
        let mut svg = String::new();
        draw_panels(&mut svg, &panels).map_err(|reason| {
            Error::invalid("History::plot", format!("cannot draw the plot: {reason}"))
        })?;
        let tmp = path.with_extension("svg.tmp");
        let written = std::fs::write(&tmp, svg).and_then(|()| std::fs::rename(&tmp, path));
        written.map_err(|e| {
            // Nothing useful is left behind when writing or renaming fails.
            let _ = std::fs::remove_file(&tmp);
            Error::io("write", path, e)
        })?;
        Ok(report)
    }

    /// One panel per loss or metric name (`x` and `val_x` share the panel `x`), with the
    /// finite points of each series and the y range that holds them.
    #[cfg(feature = "plot")]
    fn panels(&self) -> Vec<Panel> {
        let mut names: Vec<&str> = self
            .history
            .keys()
            .map(|k| k.strip_prefix("val_").unwrap_or(k))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .map(|name| {
                let val = format!("val_{name}");
                let lines: Vec<Line> = [(name, false), (val.as_str(), true)]
                    .into_iter()
                    .filter_map(|(key, dashed)| {
                        self.history.get(key).map(|v| Line::new(key, v, dashed))
                    })
                    .collect();
                let epochs = self
                    .history
                    .get(name)
                    .map_or(0, Vec::len)
                    .max(self.history.get(&val).map_or(0, Vec::len));
                let y_range = lines
                    .iter()
                    .flat_map(|l| l.runs.iter().flatten())
                    .map(|&(_, v)| v)
                    .fold(None, |range: Option<(f64, f64)>, v| {
                        Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))))
                    })
                    .map(|(lo, hi)| padded(lo, hi));
                Panel {
                    name: name.to_string(),
                    lines,
                    epochs,
                    y_range,
                }
            })
            .collect()
    }
}

/// What [`History::plot`] left out of the plot: for each series with values that are NaN
/// or infinite, the epochs (counted from 1, as on the plot's x axis) of those values.
///
/// # Examples
///
/// ```
/// use layers_core::model::{History, HistoryParams, Logs};
/// let mut h = History::new(HistoryParams { verbose: 0, epochs: 2, steps: 1 });
/// h.record(0, &Logs::from([("loss", 1.0), ("mse", f32::INFINITY)]));
/// h.record(1, &Logs::from([("loss", 0.5), ("mse", f32::INFINITY)]));
/// let report = h.plot(std::env::temp_dir().join("layers_plot_report_doc.svg"))?;
/// assert!(!report.is_complete());
/// assert_eq!(report.to_string(), "left out (NaN or infinite): mse at epochs 1, 2");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[cfg(feature = "plot")]
#[cfg_attr(docsrs, doc(cfg(feature = "plot")))]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlotReport {
    /// Per series name (`loss`, `val_accuracy`, …), the epochs whose values were not drawn.
    pub left_out: BTreeMap<String, Vec<usize>>,
}

#[cfg(feature = "plot")]
impl PlotReport {
    /// Whether every value was drawn.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(layers_core::model::PlotReport::default().is_complete());
    /// ```
    pub fn is_complete(&self) -> bool {
        self.left_out.is_empty()
    }
}

#[cfg(feature = "plot")]
impl fmt::Display for PlotReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_complete() {
            return f.write_str("every value drawn");
        }
        f.write_str("left out (NaN or infinite): ")?;
        for (i, (name, epochs)) in self.left_out.iter().enumerate() {
            let list: Vec<String> = epochs.iter().map(usize::to_string).collect();
            let s = if epochs.len() == 1 { "" } else { "s" };
            let sep = if i == 0 { "" } else { "; " };
            write!(f, "{sep}{name} at epoch{s} {}", list.join(", "))?;
        }
        Ok(())
    }
}

/// One series of a panel: its finite points `(epoch, value)` in runs between the values
/// left out, so a gap shows where a value was NaN or infinite.
#[cfg(feature = "plot")]
struct Line {
    name: String,
    dashed: bool,
    len: usize,
    runs: Vec<Vec<(usize, f64)>>,
    left_out: Vec<usize>,
}

#[cfg(feature = "plot")]
impl Line {
    fn new(name: &str, values: &[f32], dashed: bool) -> Line {
        let (mut runs, mut run, mut left_out) = (Vec::new(), Vec::new(), Vec::new());
        for (i, &v) in values.iter().enumerate() {
            if v.is_finite() {
                run.push((i + 1, f64::from(v)));
            } else {
                left_out.push(i + 1);
                if !run.is_empty() {
                    runs.push(std::mem::take(&mut run));
                }
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        Line {
            name: name.to_string(),
            dashed,
            len: values.len(),
            runs,
            left_out,
        }
    }
}

/// One panel: a loss or metric with its validation twin.
#[cfg(feature = "plot")]
struct Panel {
    name: String,
    lines: Vec<Line>,
    epochs: usize,
    /// `None` when no value is finite.
    y_range: Option<(f64, f64)>,
}

#[cfg(feature = "plot")]
impl Panel {
    /// The caption: the name, and what was left out of it.
    fn caption(&self) -> String {
        if self.y_range.is_none() {
            return format!("{} — nothing finite to draw", self.name);
        }
        let left: Vec<String> = self
            .lines
            .iter()
            .filter(|l| !l.left_out.is_empty())
            .map(|l| format!("{} {} of {}", l.name, l.left_out.len(), l.len))
            .collect();
        if left.is_empty() {
            self.name.clone()
        } else {
            format!(
                "{} — left out (NaN or infinite): {}",
                self.name,
                left.join(", ")
            )
        }
    }
}

/// Widens `lo..=hi` by 5 % of its span on each side, or by 5 % of the magnitude for a
/// (nearly) constant series, so the axis always has a positive, finite extent. Works in
/// f64, where the span of any two f32 values is finite.
#[cfg(feature = "plot")]
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let magnitude = lo.abs().max(hi.abs());
    let pad = if hi - lo > magnitude * 1e-6 {
        (hi - lo) * 0.05
    } else if magnitude > 0.0 {
        magnitude * 0.05
    } else {
        1.0
    };
    (lo - pad, hi + pad)
}

/// An axis label: plain for ordinary magnitudes, scientific for huge or tiny ones, at most
/// four significant digits.
#[cfg(feature = "plot")]
fn axis_label(v: f64) -> String {
    let magnitude = v.abs();
    if magnitude != 0.0 && !(1e-3..1e5).contains(&magnitude) {
        let text = format!("{v:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exponent}")
    } else {
        let text = format!("{v:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" {
            "0".into()
        } else {
            text.into()
        }
    }
}

/// Draws `panels` side by side as SVG text into `svg`.
#[cfg(feature = "plot")]
fn draw_panels(svg: &mut String, panels: &[Panel]) -> std::result::Result<(), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let width = u32::try_from(panels.len().max(1))
        .unwrap_or(u32::MAX)
        .saturating_mul(480);
    let root = SVGBackend::with_string(svg, (width, 360)).into_drawing_area();
    root.fill(&WHITE).map_err(|x| e(&x))?;
    let areas = root.split_evenly((1, panels.len().max(1)));
    for (area, panel) in areas.iter().zip(panels) {
        let (lo, hi) = panel.y_range.unwrap_or((0.0, 1.0));
        let mut chart = ChartBuilder::on(area)
            .caption(panel.caption(), ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(32)
            .y_label_area_size(64)
            .build_cartesian_2d(1usize..panel.epochs.max(2), lo..hi)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_label_formatter(&|v| axis_label(*v))
            .draw()
            .map_err(|x| e(&x))?;
        for line in &panel.lines {
            let color = if line.dashed { RED } else { BLUE };
            let style = color.stroke_width(2);
            for (i, run) in line.runs.iter().enumerate() {
                let drawn = if run.len() == 1 {
                    // A lone value (one epoch, or between two left out) shows as a dot.
                    chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))
                } else if line.dashed {
                    chart.draw_series(DashedLineSeries::new(run.iter().copied(), 6, 4, style))
                } else {
                    chart.draw_series(LineSeries::new(run.iter().copied(), style))
                }
                .map_err(|x| e(&x))?;
                if i == 0 {
                    drawn
                        .label(line.name.as_str())
                        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
                }
            }
        }
        if panel.y_range.is_some() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(|x| e(&x))?;
        }
    }
    root.present().map_err(|x| e(&x))
}
