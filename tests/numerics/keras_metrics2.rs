//! Keras's threshold metrics (AUC in every form, precision and recall with several
//! thresholds, `top_k` and `class_id`, the four counts, the at-a-point metrics, the
//! F-scores) against Keras 3.15.1: `tests/reference/keras_metrics2.py` wrote
//! `keras_metrics2.txt`, three batches of 5, 3 and 8 samples per case and Keras's result
//! after each. Each case's metric is built here from its name, as the script built it.

use layers::metrics::{
    Auc, AucCurve, AucSummation, Average, F1Score, FBetaScore, FalseNegatives, FalsePositives,
    Metric, Precision, PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TrueNegatives, TruePositives,
};
use layers::prelude::*;

use crate::table::{self, compare};

/// The metric the script made for `case`.
fn metric(case: &str) -> Box<dyn Metric> {
    if let Some(rest) = case.strip_prefix("auc_") {
        return Box::new(auc(rest));
    }
    if let Some((kind, rest)) = [
        "precision_at_recall_",
        "recall_at_precision_",
        "sensitivity_at_specificity_",
        "specificity_at_sensitivity_",
    ]
    .iter()
    .find_map(|p| case.strip_prefix(p).map(|rest| (*p, rest)))
    {
        return at_point(kind, rest);
    }
    if case.starts_with("f1_") || case.starts_with("fbeta") {
        return fscore(case);
    }
    let (kind, setting) = case.split_once('_').expect("a case name has a setting");
    macro_rules! confusion {
        ($ty:ident, filters) => {{
            let m = $ty::new();
            Box::new(match setting {
                "default" | "negative" | "flat4" => m,
                "t050" => m.thresholds(0.5),
                "even3" | "outside" => m.thresholds([0.0, 0.5, 1.0]),
                "list" => m.thresholds([0.2, 0.5, 0.74, 0.0]),
                "one_list" => m.thresholds([0.37]),
                "outside_list" => m.thresholds([0.0, 0.3, 1.0, 0.9]),
                "top2" => m.top_k(2),
                "top1_t" => m.top_k(1).thresholds(0.4),
                "class1" => m.class_id(1),
                "class3_top2" => m.class_id(3).top_k(2),
                "class2_list" => m.class_id(2).thresholds([0.25, 0.75]),
                other => panic!("no case {other}"),
            }) as Box<dyn Metric>
        }};
        ($ty:ident) => {{
            let m = $ty::new();
            Box::new(match setting {
                "default" => m,
                "list" => m.thresholds([0.2, 0.5, 0.74, 0.0]),
                "even5" => m.thresholds([0.0, 0.25, 0.5, 0.75, 1.0]),
                other => panic!("no case {other}"),
            }) as Box<dyn Metric>
        }};
    }
    match kind {
        "precision" => confusion!(Precision, filters),
        "recall" => confusion!(Recall, filters),
        "tp" => confusion!(TruePositives),
        "fp" => confusion!(FalsePositives),
        "tn" => confusion!(TrueNegatives),
        "fn" => confusion!(FalseNegatives),
        other => panic!("no metric {other}"),
    }
}

fn auc(rest: &str) -> Auc {
    let mut parts = rest.split('_');
    let curve = AucCurve::from_keras_name(parts.next().unwrap()).unwrap();
    let mut auc = Auc::new().curve(curve);
    let weights = vec![0.5, 1.0, 2.0];
    let uneven = vec![0.7, 0.25, 0.5, 0.05];
    let uneven3 = vec![0.2, 0.45, 0.9];
    let settings: Vec<&str> = parts.collect();
    for (i, s) in settings.iter().enumerate() {
        auc = match *s {
            "interpolation" | "minoring" | "majoring" => {
                auc.summation_method(AucSummation::from_keras_name(s).unwrap())
            }
            "n7" => auc.num_thresholds(7),
            "n2" => auc.num_thresholds(2),
            "n3" => auc.num_thresholds(3),
            "n5" => auc.num_thresholds(5),
            "outside" | "negative" | "flat3" => auc,
            "uneven" if settings.contains(&"logits") => auc.thresholds(vec![0.3, 0.6]),
            "uneven" if settings[..i].contains(&"weights") => auc.thresholds(uneven3.clone()),
            "uneven" => auc.thresholds(uneven.clone()),
            "even" => auc.thresholds(vec![0.5, 0.25, 0.75]),
            "logits" => auc.from_logits(true),
            "weights" if settings.contains(&"multi") && rest.starts_with("PR") => {
                auc.label_weights(vec![0.5, 0.0, 2.0])
            }
            "weights" => auc.label_weights(weights.clone()),
            "multi" if rest.starts_with("PR_multi") && settings.len() == 1 => {
                auc.multi_label(true).num_labels(3)
            }
            "multi" => auc.multi_label(true),
            other => panic!("no AUC setting {other}"),
        };
    }
    auc
}

fn at_point(kind: &str, rest: &str) -> Box<dyn Metric> {
    let (value, extra) = rest.split_once('_').unwrap_or((rest, ""));
    let value: f32 = format!("{}.{}", &value[..1], &value[1..]).parse().unwrap();
    macro_rules! make {
        ($ty:ident) => {{
            let m = $ty::new(value);
            Box::new(match extra {
                "" | "negative" => m,
                "n1" => m.num_thresholds(1),
                "n9" => m.num_thresholds(9),
                "class2" => m.class_id(2),
                other => panic!("no setting {other}"),
            }) as Box<dyn Metric>
        }};
    }
    match kind {
        "precision_at_recall_" => make!(PrecisionAtRecall),
        "recall_at_precision_" => make!(RecallAtPrecision),
        "sensitivity_at_specificity_" => make!(SensitivityAtSpecificity),
        _ => make!(SpecificityAtSensitivity),
    }
}

fn fscore(case: &str) -> Box<dyn Metric> {
    let parts: Vec<&str> = case.split('_').collect();
    let mut m = match parts[0] {
        "f1" => F1Score::new(),
        "fbeta2" => FBetaScore::new(2.0).threshold(0.5),
        _ => FBetaScore::new(0.5),
    };
    m = match parts[1] {
        "micro" => m.average(Average::Micro),
        "macro" => m.average(Average::Macro),
        "weighted" => m.average(Average::Weighted),
        _ => m,
    };
    if parts.get(2) == Some(&"t04") {
        m = m.threshold(0.4);
    }
    Box::new(m)
}

#[test]
fn threshold_metrics_match_keras_batch_by_batch() {
    let cases = table::read(include_str!("../reference/keras_metrics2.txt"));
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut worst = 0.0f64;
    for (case, fields) in cases.iter().filter(|(c, _)| !c.starts_with("orth_")) {
        let mut m = metric(case);
        for b in 0..3 {
            let (t, p) = (
                &fields[format!("t{b}").as_str()],
                &fields[format!("p{b}").as_str()],
            );
            m.update(&t.tensor(), &p.tensor())
                .unwrap_or_else(|e| panic!("{case} batch {b}: {e}"));
            let expected = &fields[format!("r{b}").as_str()];
            let found = if expected.shape.is_empty() {
                assert!(m.is_scalar(), "{case} gives one value in Keras");
                Tensor::scalar(m.result())
            } else {
                assert!(!m.is_scalar(), "{case} gives several values in Keras");
                let r = m.results();
                let n = r.len();
                Tensor::from_vec(r, &[n])
            };
            for (f, e) in found.to_vec().iter().zip(&expected.values) {
                worst = worst.max((f64::from(*f) - e).abs());
            }
            failures.extend(compare(
                &format!("{case} after batch {b}"),
                &found,
                expected,
            ));
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 116, "every case of the table");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Counts are exact; the ratios and areas agree to float32 rounding.
    eprintln!("worst difference from Keras: {worst:e}");
    assert!(worst < 1e-5, "worst difference {worst}");
}
