//! `History`: what `fit` returns, per-epoch losses and metrics, and their plot.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::callbacks::EarlyStoppingReport;
use super::logs::Logs;
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
    /// let options = FitOptions::new().epochs(10).verbose(0).callback(EarlyStopping::new("loss"));
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
    /// one per metric, train solid, validation dashed. The file is written atomically (a
    /// temporary file renamed into place).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the file if it cannot be written; [`Error::InvalidArgument`]
    /// for a history with no epochs.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::{History, HistoryParams, Logs};
    /// let mut h = History::new(HistoryParams { verbose: 0, epochs: 2, steps: 1 });
    /// h.record(0, &Logs::from([("loss", 0.9), ("val_loss", 1.0)]));
    /// h.record(1, &Logs::from([("loss", 0.5), ("val_loss", 0.7)]));
    /// let path = std::env::temp_dir().join("layers_history_doc.svg");
    /// h.plot(&path)?;
    /// assert!(std::fs::read_to_string(&path)?.starts_with("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if self.epoch.is_empty() {
            return Err(Error::invalid(
                "History::plot",
                "the history has no epochs to plot",
            ));
        }
        let names: Vec<&String> = self
            .history
            .keys()
            .filter(|k| !k.starts_with("val_"))
            .collect();
        let io = |e: String| Error::Io {
            action: "write",
            path: path.display().to_string(),
            message: e,
        };
        let tmp = path.with_extension("svg.tmp");
        {
            let panels = names.len().max(1) as u32;
            let root = SVGBackend::new(&tmp, (480 * panels, 360)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| io(e.to_string()))?;
            let areas = root.split_evenly((1, panels as usize));
            for (area, name) in areas.iter().zip(&names) {
                let train = &self.history[*name];
                let val = self.history.get(&format!("val_{name}"));
                let all = train
                    .iter()
                    .chain(val.into_iter().flatten())
                    .copied()
                    .filter(|v| v.is_finite());
                let (lo, hi) = all.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                });
                let pad = ((hi - lo) * 0.05).max(1e-6);
                let epochs = self.epoch.len() as f32;
                let mut chart = ChartBuilder::on(area)
                    .caption(name.as_str(), ("sans-serif", 20))
                    .margin(12)
                    .x_label_area_size(32)
                    .y_label_area_size(48)
                    .build_cartesian_2d(1f32..epochs.max(2.0), (lo - pad)..(hi + pad))
                    .map_err(|e| io(e.to_string()))?;
                chart
                    .configure_mesh()
                    .x_desc("epoch")
                    .x_label_formatter(&|v| format!("{v:.0}"))
                    .draw()
                    .map_err(|e| io(e.to_string()))?;
                let series = |values: &Vec<f32>| -> Vec<(f32, f32)> {
                    values
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| (i as f32 + 1.0, v))
                        .collect()
                };
                chart
                    .draw_series(LineSeries::new(series(train), BLUE.stroke_width(2)))
                    .map_err(|e| io(e.to_string()))?
                    .label(name.as_str())
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLUE));
                if let Some(val) = val {
                    chart
                        .draw_series(DashedLineSeries::new(
                            series(val),
                            6,
                            4,
                            RED.stroke_width(2),
                        ))
                        .map_err(|e| io(e.to_string()))?
                        .label(format!("val_{name}"))
                        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], RED));
                }
                chart
                    .configure_series_labels()
                    .background_style(WHITE.mix(0.8))
                    .border_style(BLACK)
                    .draw()
                    .map_err(|e| io(e.to_string()))?;
            }
            root.present().map_err(|e| io(e.to_string()))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| io(e.to_string()))
    }
}
