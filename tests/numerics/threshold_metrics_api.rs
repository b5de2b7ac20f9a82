//! The threshold metrics end to end: by Keras's names in `compile`, added by value, reported
//! by `fit` and `evaluate`, kept by `save`/`load`; their configs read back; every refusal
//! naming the metric and the value.

use layers::activation::Sigmoid;
use layers::metrics::{
    Auc, AucCurve, AucSummation, Average, F1Score, FBetaScore, FalseNegatives, Metric, Precision,
    PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TruePositives, metric_from_config,
};
use layers::prelude::*;
use serde_json::json;

/// 12 samples of 3 features, 2 independent binary labels.
fn data() -> (Tensor, Tensor) {
    let x: Vec<f32> = (0..36).map(|i| ((i * 7 % 11) as f32 / 5.0) - 1.0).collect();
    let y: Vec<f32> = (0..24)
        .map(|i| f32::from(u8::from((i * 5 + 1) % 3 == 0)))
        .collect();
    (Tensor::from_vec(x, &[12, 3]), Tensor::from_vec(y, &[12, 2]))
}

/// Every new metric, as one number each, by value.
fn by_value() -> Vec<Box<dyn Metric>> {
    vec![
        Box::new(
            Auc::new()
                .curve(AucCurve::Pr)
                .summation_method(AucSummation::Interpolation)
                .with_name("pr_auc"),
        ),
        Box::new(
            Auc::new()
                .multi_label(true)
                .label_weights(vec![1.0, 3.0])
                .thresholds(vec![0.3, 0.5, 0.6])
                .with_name("ml_auc"),
        ),
        Box::new(Precision::new().top_k(1).with_name("p_top1")),
        Box::new(
            Recall::new()
                .class_id(1)
                .thresholds(0.4)
                .with_name("r_class1"),
        ),
        Box::new(PrecisionAtRecall::new(0.5)),
        Box::new(RecallAtPrecision::new(0.4).num_thresholds(11)),
        Box::new(SensitivityAtSpecificity::new(0.5)),
        Box::new(SpecificityAtSensitivity::new(0.5).class_id(0)),
        Box::new(F1Score::new().average(Average::Macro).threshold(0.5)),
        Box::new(FBetaScore::new(2.0).average(Average::Weighted)),
    ]
}

#[test]
fn fit_and_evaluate_report_them_by_keras_names_and_a_saved_model_keeps_them() {
    let (x, y) = data();
    let mut model = Sequential::new().add(Dense::new(2).activation(Sigmoid));
    let names = [
        "AUC",
        "true_positives",
        "FalseNegatives",
        "TrueNegatives",
        "false_positives",
    ];
    model
        .compile("adam", "binary_crossentropy", &names)
        .unwrap();
    let fresh = by_value();
    for m in by_value() {
        model.add_metric(BoxedMetric(m)).unwrap();
    }
    let options = FitOptions::new().with_epochs(2).batch_size(5).verbose(0);
    let history = model.fit(&x, &y, options).unwrap();
    for name in names.iter().copied().chain(fresh.iter().map(|m| m.name())) {
        assert_eq!(history.history[name].len(), 2, "{name}");
    }
    // evaluate in batches of 5, 5 and 2 against each metric fed the whole prediction at once
    let logs = model.evaluate(&x, &y, 5).unwrap();
    let pred = model.predict(&x).unwrap();
    let mut expected = fresh;
    for name in names {
        expected.push(
            layers::metrics::metric_from_name(name, &layers::loss::BinaryCrossentropy::new())
                .unwrap(),
        );
    }
    for m in &mut expected {
        m.update(&y, &pred).unwrap();
        assert!(
            (logs[m.name()] - m.result()).abs() < 1e-6,
            "{}: {} vs {}",
            m.name(),
            logs[m.name()],
            m.result()
        );
    }
    assert_eq!(
        logs["true_positives"] + logs["FalseNegatives"],
        y.to_vec().iter().sum::<f32>()
    );
    assert_eq!(
        logs["true_positives"]
            + logs["FalseNegatives"]
            + logs["TrueNegatives"]
            + logs["false_positives"],
        24.0
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let mut loaded = Sequential::load(&path).unwrap();
    let after = loaded.evaluate(&x, &y, 5).unwrap();
    assert_eq!(
        after.names().collect::<Vec<_>>(),
        logs.names().collect::<Vec<_>>()
    );
    for name in logs.names() {
        assert_eq!(after[name], logs[name], "{name}");
    }
}

/// A boxed metric as a metric, for `add_metric` (which takes one by value).
struct BoxedMetric(Box<dyn Metric>);

impl Metric for BoxedMetric {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn update(&mut self, y_true: &Tensor, y_pred: &Tensor) -> Result<()> {
        self.0.update(y_true, y_pred)
    }
    fn result(&self) -> f32 {
        self.0.result()
    }
    fn reset(&mut self) {
        self.0.reset();
    }
    fn config(&self) -> serde_json::Value {
        self.0.config()
    }
    fn is_scalar(&self) -> bool {
        self.0.is_scalar()
    }
}

#[test]
fn several_values_are_refused_by_compile_but_given_standalone() {
    let mut model = Sequential::new().add(Dense::new(3));
    let err = model.compile("sgd", "mse", &["f1_score"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`compile`: metric `f1_score` gives several values (one per threshold or class), but the \
         logs hold one number per metric: give it one threshold (or an `average`), or update it \
         outside `fit`"
    );
    model.compile("sgd", "mse", &[]).unwrap();
    let err = model
        .add_metric(Precision::new().thresholds([0.3, 0.6]))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`add_metric`: metric `precision` gives several values"),
        "{err}"
    );
    assert!(model.add_metric(Precision::new().thresholds([0.3])).is_ok());
    // standalone: the vector Keras's result() is
    let mut f1 = F1Score::new();
    f1.update(
        &Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0], &[2, 2]),
        &Tensor::from_vec(vec![0.9, 0.1, 0.2, 0.8], &[2, 2]),
    )
    .unwrap();
    assert_eq!(f1.results().len(), 2);
}

#[test]
fn configs_read_back_as_themselves() {
    let loss = layers::loss::MeanSquaredError::new();
    let mut all = by_value();
    all.push(Box::new(
        Precision::new().thresholds([0.2, 0.7]).class_id(2).top_k(3),
    ));
    all.push(Box::new(TruePositives::new().thresholds(0.25)));
    all.push(Box::new(FalseNegatives::new().thresholds([0.1, 0.9])));
    all.push(Box::new(
        Auc::new()
            .num_thresholds(17)
            .curve(AucCurve::PrGain)
            .summation_method(AucSummation::Majoring)
            .from_logits(true),
    ));
    all.push(Box::new(Auc::new().label_weights(vec![0.5, 2.0])));
    all.push(Box::new(FBetaScore::new(0.5)));
    for m in all {
        let copy = metric_from_config(&m.config(), &loss)
            .unwrap_or_else(|e| panic!("{}: {e}", m.config()));
        assert_eq!(copy.config(), m.config());
    }
    // Keras's own configs, as Keras 3.15.1 writes them (without `metric`: the name says)
    let keras = [
        json!({"name": "auc", "num_thresholds": 5, "curve": "PR", "summation_method": "minoring",
               "multi_label": true, "num_labels": 3, "label_weights": [1.0, 2.0, 0.5], "from_logits": false,
               "thresholds": [0.25, 0.5, 0.75]}),
        json!({"name": "precision", "thresholds": [0.2, 0.4], "top_k": 2, "class_id": 1}),
        json!({"name": "true_negatives", "thresholds": 0.3}),
        json!({"name": "precision_at_recall", "num_thresholds": 200, "recall": 0.8, "class_id": null}),
        json!({"name": "f1_score", "average": "micro", "threshold": 0.5}),
        json!({"name": "fbeta_score", "average": null, "beta": 2.0, "threshold": null}),
    ];
    for config in keras {
        metric_from_config(&config, &loss).unwrap_or_else(|e| panic!("{config}: {e}"));
    }
}

#[test]
fn every_bad_setting_is_refused_naming_the_metric_and_the_value() {
    let y = Tensor::from_vec(vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0], &[2, 3]);
    let p = Tensor::from_vec(vec![0.9, 0.2, 0.4, 0.1, 0.7, 0.3], &[2, 3]);
    let refused = |mut m: Box<dyn Metric>| m.update(&y, &p).unwrap_err().to_string();
    let cases: Vec<(Box<dyn Metric>, &str)> = vec![
        (
            Box::new(Auc::new().num_thresholds(1)),
            "`auc`: num_thresholds must be at least 2, but it is 1",
        ),
        (
            Box::new(Auc::new().thresholds(vec![0.5, 1.5])),
            "`auc`: thresholds must be in [0, 1], but one is 1.5",
        ),
        (
            Box::new(Auc::new().thresholds(vec![f32::NAN])),
            "`auc`: thresholds must be in [0, 1], but one is NaN",
        ),
        (
            Box::new(Auc::new().num_labels(3)),
            "`auc`: num_labels is needed only when multi_label is true",
        ),
        (
            Box::new(Auc::new().multi_label(true).num_labels(2)),
            "`auc`: y_pred has 3 labels (shape [2, 3]), but the metric counts 2",
        ),
        (
            Box::new(Auc::new().multi_label(true).label_weights(vec![1.0, 2.0])),
            "`auc`: label_weights has 2 values, but y_pred has 3 labels (shape [2, 3])",
        ),
        (
            Box::new(Auc::new().label_weights(vec![1.0, 2.0])),
            "`auc`: label_weights has 2 values, but y_pred has 3 labels (shape [2, 3])",
        ),
        (
            Box::new(Auc::new().label_weights(vec![1.0, -2.0, 1.0])),
            "`auc`: label_weights must be finite and ≥ 0, but one is -2",
        ),
        (
            Box::new(Precision::new().thresholds([0.5, -0.1])),
            "`precision`: thresholds must be in [0, 1], but it is -0.1",
        ),
        (
            Box::new(Recall::new().thresholds(Vec::new())),
            "`recall`: thresholds must hold at least one value, but it is empty",
        ),
        (
            Box::new(Precision::new().class_id(3)),
            "`precision`: class_id 3 is out of range for y_pred of shape [2, 3]: it needs shape (batch, classes) with more than 3 classes",
        ),
        (
            Box::new(Recall::new().top_k(0)),
            "`recall`: top_k must be at least 1, but it is 0",
        ),
        (
            Box::new(Recall::new().top_k(4)),
            "`recall`: top_k 4 is more than the 3 predictions of each sample (y_pred [2, 3])",
        ),
        (
            Box::new(TruePositives::new().thresholds(2.0)),
            "`true_positives`: thresholds must be in [0, 1], but it is 2",
        ),
        (
            Box::new(PrecisionAtRecall::new(1.5)),
            "`precision_at_recall`: recall must be in [0, 1], but it is 1.5",
        ),
        (
            Box::new(RecallAtPrecision::new(f32::NAN)),
            "`recall_at_precision`: precision must be in [0, 1], but it is NaN",
        ),
        (
            Box::new(SensitivityAtSpecificity::new(0.5).num_thresholds(0)),
            "`sensitivity_at_specificity`: num_thresholds must be at least 1, but it is 0",
        ),
        (
            Box::new(SpecificityAtSensitivity::new(0.5).class_id(7)),
            "`specificity_at_sensitivity`: class_id 7 is out of range for y_pred of shape [2, 3]: it needs shape (batch, classes) with more than 7 classes",
        ),
        (
            Box::new(FBetaScore::new(-1.0)),
            "`fbeta_score`: beta must be a finite number > 0, but it is -1",
        ),
        (
            Box::new(F1Score::new().threshold(1.5)),
            "`f1_score`: threshold must be in (0, 1], but it is 1.5",
        ),
    ];
    for (m, expected) in cases {
        assert_eq!(refused(m), expected);
    }
    // mismatched shapes, and a later batch with another label count: the state is kept
    let mut auc = Auc::new().multi_label(true);
    auc.update(&y, &p).unwrap();
    let before = auc.result();
    let err = auc
        .update(&Tensor::zeros(&[2, 2]), &Tensor::zeros(&[2, 2]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`auc`: y_pred has 2 labels (shape [2, 2]), but the metric counts 3"
    );
    assert_eq!(auc.result(), before);
    let mut f1 = F1Score::new();
    f1.update(&y, &p).unwrap();
    let err = f1
        .update(&Tensor::zeros(&[2, 2]), &Tensor::zeros(&[2, 2]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`f1_score`: y_pred has 2 classes (shape [2, 2]), but the metric counts 3"
    );
    let err = F1Score::new()
        .update(&Tensor::zeros(&[4]), &Tensor::zeros(&[4]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("must both have shape (batch, classes)"),
        "{err}"
    );
    let err = Recall::new()
        .top_k(1)
        .update(&Tensor::zeros(&[4]), &Tensor::zeros(&[4, 1]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`recall` cannot combine shapes [4] and [4, 1]: top_k and class_id need y_true and \
         y_pred of the same shape (batch, classes)"
    );
    let err = Precision::new()
        .update(&Tensor::zeros(&[2, 3]), &Tensor::zeros(&[2, 2]))
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`precision` cannot combine shapes [2, 3] and [2, 2]"),
        "{err}"
    );
    // in configs: the key, the metric and the value
    let loss = layers::loss::MeanSquaredError::new();
    let bad = [
        (
            json!({"name": "auc", "num_labels": 3}),
            "`num_labels` of metric `auc` must be null unless multi_label is true, but it is 3",
        ),
        (
            json!({"name": "auc", "summation_method": "trapezoid"}),
            "`summation_method` of metric `auc` must be \"interpolation\", \"minoring\" or \"majoring\", but it is \"trapezoid\"",
        ),
        (
            json!({"name": "auc", "thresholds": [0.5, 3]}),
            "`thresholds` of metric `auc` must be numbers in [0, 1], but it is [0.5,3]",
        ),
        (
            json!({"name": "precision", "class_id": -1}),
            "`class_id` of metric `precision` must be a whole number ≥ 0 or null, but it is -1",
        ),
        (
            json!({"name": "precision_at_recall"}),
            "`recall` of metric `precision_at_recall` must be a number in [0, 1], but it is null",
        ),
        (
            json!({"name": "recall_at_precision", "precision": 2}),
            "`precision` of metric `recall_at_precision` must be a number in [0, 1], but it is 2",
        ),
        (
            json!({"name": "f1_score", "average": "samples"}),
            "`average` of metric `f1_score` must be \"micro\", \"macro\", \"weighted\" or null, but it is \"samples\"",
        ),
        (
            json!({"name": "fbeta_score", "beta": 0}),
            "`beta` of metric `fbeta_score` must be a finite number > 0, but it is 0",
        ),
        (
            json!({"name": "f1_score", "threshold": 0}),
            "`threshold` of metric `f1_score` must be a number in (0, 1] or null, but it is 0",
        ),
        (
            json!({"name": "f1_score", "beta": 2.0}),
            "`beta` is not a config key of metric `f1_score`; known keys: name, metric, average, threshold",
        ),
    ];
    for (config, expected) in bad {
        let err = metric_from_config(&config, &loss).err().unwrap();
        assert_eq!(err.to_string(), expected, "{config}");
    }
}
