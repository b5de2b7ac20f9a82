//! `History::plot` with values plotters cannot place by itself: NaN, infinities, spans
//! beyond `f32::MAX`, one epoch, constant series. Each plot runs on a watchdog thread, so a
//! plot that never returns fails its test instead of hanging the suite.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use layers::model::{History, HistoryParams, Logs, PlotReport};
use layers::prelude::*;

fn history(series: &[(&str, &[f32])]) -> History {
    let epochs = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let mut h = History::new(HistoryParams {
        verbose: 0,
        epochs,
        steps: 1,
    });
    for e in 0..epochs {
        let logs: Logs = series
            .iter()
            .filter_map(|(k, v)| v.get(e).map(|v| (k.to_string(), *v)))
            .collect();
        h.record(e, &logs);
    }
    h
}

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("layers-history-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Plots `h` to `name` in a temporary folder; the report and the SVG text, or the error.
fn plot_within(h: History, name: &str) -> Result<(PlotReport, String), String> {
    let path = out(name);
    let (send, recv) = mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let _ = send.send(h.plot(&p).map_err(|e| e.to_string()));
    });
    match recv.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(report)) => Ok((report, std::fs::read_to_string(&path).unwrap())),
        Ok(Err(e)) => {
            assert!(!path.exists(), "a failed plot wrote {}", path.display());
            Err(e)
        }
        Err(_) => panic!("`plot` of {name} did not return within 60 s"),
    }
}

#[test]
fn a_history_with_nothing_finite_is_an_error_and_writes_no_file() {
    let err = plot_within(history(&[("loss", &[f32::NAN, f32::NAN])]), "nan.svg").unwrap_err();
    assert_eq!(
        err,
        "`History::plot`: nothing to draw: every value of loss is NaN or infinite"
    );
    let h = history(&[
        ("loss", &[f32::INFINITY, f32::NEG_INFINITY]),
        ("val_loss", &[f32::NAN, f32::INFINITY]),
    ]);
    let err = plot_within(h, "inf.svg").unwrap_err();
    assert_eq!(
        err,
        "`History::plot`: nothing to draw: every value of loss, val_loss is NaN or infinite"
    );
    // Epochs ran but nothing was logged.
    let mut h = history(&[]);
    h.record(0, &Logs::new());
    let err = plot_within(h, "no_metrics.svg").unwrap_err();
    assert_eq!(
        err,
        "`History::plot`: the history holds no loss or metric to plot"
    );
}

#[test]
fn finite_values_are_drawn_and_the_rest_is_reported() {
    let h = history(&[
        ("loss", &[1.0, f32::NAN, 0.5, f32::INFINITY]),
        ("val_loss", &[1.0, 1.0, f32::NAN, 1.0]),
        ("accuracy", &[0.5, 0.6, 0.7, 0.8]),
    ]);
    let (report, svg) = plot_within(h, "partial.svg").unwrap();
    let expected: BTreeMap<String, Vec<usize>> = [
        ("loss".to_string(), vec![2, 4]), // epochs counted from 1
        ("val_loss".to_string(), vec![3]),
    ]
    .into();
    assert_eq!(report.left_out, expected);
    assert_eq!(
        report.to_string(),
        "left out (NaN or infinite): loss at epochs 2, 4; val_loss at epoch 3"
    );
    assert!(
        svg.contains("loss — left out (NaN or infinite): loss 2 of 4, val_loss 1 of 4"),
        "{svg}"
    );
    assert!(
        svg.contains("\naccuracy\n</text>"),
        "the complete panel has a plain caption"
    );

    // A metric with no finite value keeps its panel, captioned, beside a drawable loss.
    let h = history(&[("loss", &[2.0, 1.0]), ("mse", &[f32::INFINITY; 2])]);
    let (report, svg) = plot_within(h, "one_empty_panel.svg").unwrap();
    assert_eq!(report.left_out["mse"], vec![1, 2]);
    assert!(svg.contains("mse — nothing finite to draw"));
}

#[test]
fn spans_beyond_f32_and_values_near_its_maximum_plot() {
    // max − (−max) overflows f32; the axis then runs from about −3.7e38 to 3.7e38, so its
    // labels are in scientific notation with exponent 38.
    let h = history(&[("loss", &[f32::MAX, -f32::MAX, 0.0])]);
    let (report, svg) = plot_within(h, "huge_span.svg").unwrap();
    assert!(report.is_complete());
    assert!(svg.contains("\n3e38\n</text>"), "{svg}");
    // A constant series at f32::MAX: padding by 5 % of the magnitude stays finite in f64.
    let h = history(&[("loss", &[f32::MAX; 3]), ("val_loss", &[f32::MAX; 3])]);
    plot_within(h, "at_max.svg").unwrap();
    // Values of 1e20 (a loss on targets of 1e20) and their tiny relative spread.
    let h = history(&[("loss", &[1e20, 1.000_001e20, 1e20])]);
    plot_within(h, "1e20.svg").unwrap();
}

#[test]
fn one_epoch_and_constant_series_plot() {
    // One epoch: the single value is a dot, since a line needs two points.
    let (report, svg) = plot_within(history(&[("loss", &[0.25])]), "one_epoch.svg").unwrap();
    assert!(report.is_complete());
    assert!(svg.contains("<circle"), "{svg}");
    for (name, value) in [("zero.svg", 0.0), ("two.svg", 2.0), ("tiny.svg", 1e-30)] {
        let h = history(&[("loss", &[value; 5]), ("val_loss", &[value; 5])]);
        let (report, _) = plot_within(h, name).unwrap();
        assert!(report.is_complete(), "{name}");
    }
}

#[test]
fn a_successful_fit_whose_metric_overflows_still_plots() {
    // MAE on targets of 1e20 stays finite (about 1e20), but MSE is (1e20)² = 1e40, beyond
    // f32::MAX ≈ 3.4e38, so every `mse` value is infinite.
    let x = Tensor::ones(&[8, 1]);
    let y = Tensor::full(&[8, 1], 1e20);
    let mut model = Sequential::new().seed(1).add(Dense::new(1));
    model
        .compile("sgd", layers::loss::MeanAbsoluteError::new(), &["mse"])
        .unwrap();
    let history = model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(2).batch_size(8).verbose(0),
        )
        .unwrap();
    assert!(history.history["mse"].iter().all(|v| v.is_infinite()));
    let (report, svg) = plot_within(history, "fit_overflow.svg").unwrap();
    assert_eq!(report.left_out["mse"], vec![1, 2]);
    assert!(!report.left_out.contains_key("loss"));
    assert!(svg.contains("mse — nothing finite to draw"));
}
