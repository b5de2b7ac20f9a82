//! `History::plot` under values plotters cannot place: NaN, infinities, huge spans.

use std::sync::mpsc;
use std::time::Duration;

use layers::model::{History, HistoryParams};

fn history(series: &[(&str, &[f32])]) -> History {
    let epochs = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
    let mut h = History::new(HistoryParams {
        verbose: 0,
        epochs,
        steps: 1,
    });
    for e in 0..epochs {
        let logs: Vec<(String, f32)> = series
            .iter()
            .filter_map(|(k, v)| v.get(e).map(|v| (k.to_string(), *v)))
            .collect();
        h.record(e, &logs);
    }
    h
}

/// Runs `plot` on another thread so that a plot that never returns fails the test instead
/// of hanging it.
fn plot_within(h: History, name: &str) -> Result<String, String> {
    let dir = std::env::temp_dir().join(format!("layers-history-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let (send, recv) = mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let _ = send.send(h.plot(&p).map(|_| ()).map_err(|e| e.to_string()));
    });
    match recv.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok(())) => Ok(std::fs::read_to_string(&path).unwrap()),
        Ok(Err(e)) => Err(e),
        Err(_) => panic!("`plot` of {name} did not return within 30 s"),
    }
}

#[test]
fn probe_only_nan() {
    let err = plot_within(history(&[("loss", &[f32::NAN, f32::NAN])]), "nan.svg").unwrap_err();
    assert!(err.contains("finite"), "{err}");
}

#[test]
fn probe_span_beyond_f32() {
    let svg = plot_within(
        history(&[("loss", &[f32::MAX, -f32::MAX, 0.0])]),
        "huge.svg",
    )
    .unwrap();
    assert!(svg.starts_with("<svg"));
}
