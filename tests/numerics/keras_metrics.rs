//! Keras 3's top-k accuracies, root mean squared error, crossentropy metrics, mean absolute
//! percentage and squared logarithmic errors, precision and recall against Keras 3.15.1:
//! the values were printed by `tests/reference/keras_metrics.py` (JAX backend, float32),
//! each metric updated with two batches of unequal size, so that Keras's running-mean
//! weighting is pinned too. Also: names in `compile` and `fit`'s history, configs read
//! back and saved with a model, and the refusals.

use layers::loss::SparseCategoricalCrossentropy as SparseLoss;
use layers::metrics::{
    Auc, BinaryCrossentropy, CategoricalCrossentropy, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Metric, Precision, Recall, RootMeanSquaredError,
    SparseCategoricalCrossentropy, SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy,
    metric_from_config, metric_from_name,
};
use layers::prelude::*;
use serde_json::json;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

/// Within float32 rounding of the value Keras printed.
fn assert_keras(what: &str, found: f32, keras: f64) {
    let tol = 2e-6 * keras.abs().max(1e-3);
    assert!(
        (f64::from(found) - keras).abs() <= tol,
        "{what}: {found}, Keras 3.15.1 gives {keras}"
    );
}

/// Updates `m` with the first `split` rows, then the rest.
fn two_batches(m: &mut dyn Metric, y: &Tensor, p: &Tensor, split: usize) -> f32 {
    let n = p.shape()[0];
    m.update(&y.narrow(0, 0, split), &p.narrow(0, 0, split))
        .unwrap();
    m.update(
        &y.narrow(0, split, n - split),
        &p.narrow(0, split, n - split),
    )
    .unwrap();
    m.result()
}

fn top_k_data() -> (Tensor, Tensor, Tensor) {
    // row 0: the label's 0.3 ties with two others; row 3: NaN at the label
    let p = t(
        &[
            0.3,
            0.3,
            0.1,
            0.3,
            0.0,
            0.05,
            0.1,
            0.5,
            0.25,
            0.1,
            0.6,
            0.1,
            0.1,
            0.1,
            0.1,
            f32::NAN,
            0.2,
            0.3,
            0.4,
            0.1,
        ],
        &[4, 5],
    );
    let labels = [3.0, 4.0, 1.0, 0.0];
    let mut one_hot = vec![0.0; 20];
    for (i, &l) in labels.iter().enumerate() {
        one_hot[i * 5 + l as usize] = 1.0;
    }
    (t(&labels, &[4]), t(&one_hot, &[4, 5]), p)
}

#[test]
fn top_k_accuracies_match_keras_with_ties_and_nan() {
    let (labels, one_hot, p) = top_k_data();
    for (k, keras) in [(1, 0.25), (2, 0.5), (3, 0.75), (5, 1.0)] {
        let mut top = TopKCategoricalAccuracy::new().k(k);
        assert_keras(
            &format!("top {k}"),
            two_batches(&mut top, &one_hot, &p, 3),
            keras,
        );
        let mut sparse = SparseTopKCategoricalAccuracy::new().k(k);
        assert_keras(
            &format!("sparse top {k}"),
            two_batches(&mut sparse, &labels, &p, 3),
            keras,
        );
    }
    // k defaults to 5, as in Keras
    assert_eq!(TopKCategoricalAccuracy::new().config()["k"], 5);
}

fn regression_data() -> (Tensor, Tensor) {
    let y = t(
        &[1.0, 2.0, 0.5, -1.0, 3.0, 0.0, 2.0, 4.0, 0.1, 10.0],
        &[5, 2],
    );
    let p = t(
        &[1.5, 1.0, 0.0, -2.0, 2.0, 0.5, 2.5, 3.0, 0.3, 7.0],
        &[5, 2],
    );
    (y, p)
}

#[test]
fn regression_metrics_match_keras_over_unequal_batches() {
    let (y, p) = regression_data();
    let mut rmse = RootMeanSquaredError::new();
    assert_keras(
        "rmse",
        two_batches(&mut rmse, &y, &p, 3),
        1.1849050521850586,
    );
    // the root of the running mean, not the mean of each batch's root
    let mut mape = MeanAbsolutePercentageError::new();
    // a target of 0 divides by ε = 1e-7, as in Keras
    assert_keras("mape", two_batches(&mut mape, &y, &p, 3), 50000064.0);
    let mut msle = MeanSquaredLogarithmicError::new();
    assert_keras(
        "msle",
        two_batches(&mut msle, &y, &p, 3),
        0.08286350220441818,
    );
}

#[test]
fn root_mean_squared_error_is_the_root_of_the_running_mean() {
    let mut rmse = RootMeanSquaredError::new();
    rmse.update(&Tensor::zeros(&[3, 1]), &Tensor::full(&[3, 1], 1.0))
        .unwrap();
    rmse.update(&Tensor::zeros(&[1, 1]), &Tensor::full(&[1, 1], 5.0))
        .unwrap();
    // (3·1 + 25) / 4 = 7, √7; the mean of the batch roots would be 3
    assert_keras("rmse", rmse.result(), 7f64.sqrt());
    rmse.reset();
    assert_eq!(rmse.result(), 0.0);
}

/// A case: what, the metric, targets, predictions, Keras's result.
type Labelled<'a> = (&'a str, Box<dyn Metric>, &'a Tensor, &'a Tensor, f64);

#[test]
fn crossentropy_metrics_match_keras() {
    let bt = t(&[1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0], &[5, 2]);
    let bp = t(&[0.9, 0.2, 0.4, 0.0, 0.7, 1.0, 0.3, 0.6, 0.5, 0.1], &[5, 2]);
    let bl = t(
        &[2.0, -1.0, 0.5, -3.0, 1.0, 4.0, -0.5, 0.2, 0.0, -2.0],
        &[5, 2],
    );
    let cases: [(&str, Box<dyn Metric>, &Tensor, f64); 3] = [
        (
            "bce",
            Box::new(BinaryCrossentropy::new()),
            &bp,
            0.2862012982368469,
        ),
        (
            "bce smoothed",
            Box::new(BinaryCrossentropy::new().label_smoothing(0.1)),
            &bp,
            0.48793506622314453,
        ),
        (
            "bce logits",
            Box::new(BinaryCrossentropy::new().from_logits(true)),
            &bl,
            0.3686556816101074,
        ),
    ];
    for (what, mut m, p, keras) in cases {
        assert_keras(what, two_batches(m.as_mut(), &bt, p, 3), keras);
    }
    let labels = [0usize, 2, 1, 1, 0];
    let mut one_hot = vec![0.0; 15];
    for (i, &l) in labels.iter().enumerate() {
        one_hot[i * 3 + l] = 1.0;
    }
    let ct = t(&one_hot, &[5, 3]);
    let st = t(&labels.map(|l| l as f32), &[5]);
    let cp = t(
        &[
            0.7, 0.2, 0.1, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4, 0.0, 1.0, 0.0, 0.2, 0.5, 0.3,
        ],
        &[5, 3],
    );
    let cl = t(
        &[
            2.0, 0.5, -1.0, 0.0, 0.0, 3.0, 1.0, -1.0, 0.5, -2.0, 2.0, 0.0, 0.3, 0.3, 0.3,
        ],
        &[5, 3],
    );
    let cases: [Labelled<'_>; 5] = [
        (
            "cce",
            Box::new(CategoricalCrossentropy::new()),
            &ct,
            &cp,
            0.6786458492279053,
        ),
        (
            "cce smoothed",
            Box::new(CategoricalCrossentropy::new().label_smoothing(0.2)),
            &ct,
            &cp,
            1.185103416442871,
        ),
        (
            "cce logits",
            Box::new(CategoricalCrossentropy::new().from_logits(true)),
            &ct,
            &cl,
            0.8265470266342163,
        ),
        (
            "scce",
            Box::new(SparseCategoricalCrossentropy::new()),
            &st,
            &cp,
            0.6786458492279053,
        ),
        (
            "scce logits",
            Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
            &st,
            &cl,
            0.8265470266342163,
        ),
    ];
    for (what, mut m, y, p, keras) in cases {
        assert_keras(what, two_batches(m.as_mut(), y, p, 2), keras);
    }
}

#[test]
fn precision_and_recall_match_keras() {
    let y = t(&[1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0], &[5, 2]);
    let p = t(&[0.9, 0.2, 0.4, 0.0, 0.7, 1.0, 0.3, 0.6, 0.5, 0.1], &[5, 2]);
    // (threshold, precision, recall) as Keras printed them; None is Keras's default 0.5
    let cases = [
        (None, 1.0, 0.800000011920929),
        (Some(0.3), 0.8333333134651184, 1.0),
        (Some(0.0), 0.5555555820465088, 1.0),
        (Some(1.0), 0.0, 0.0),
    ];
    for (threshold, precision, recall) in cases {
        let (mut pm, mut rm) = (Precision::new(), Recall::new());
        if let Some(th) = threshold {
            (pm, rm) = (pm.thresholds(th), rm.thresholds(th));
        }
        assert_keras("precision", two_batches(&mut pm, &y, &p, 3), precision);
        assert_keras("recall", two_batches(&mut rm, &y, &p, 3), recall);
    }
    // nothing predicted positive: 0, as Keras's divide_no_nan
    let mut none = Precision::new();
    none.update(&Tensor::ones(&[2, 1]), &Tensor::zeros(&[2, 1]))
        .unwrap();
    assert_eq!(none.result(), 0.0);
}

#[test]
fn auc_matches_keras_with_its_buckets() {
    let y = t(&[1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0], &[5, 2]);
    let p = t(&[0.9, 0.2, 0.4, 0.0, 0.7, 1.0, 0.3, 0.6, 0.5, 0.1], &[5, 2]);
    assert_keras("auc", two_batches(&mut Auc::new(), &y, &p, 3), 1.0);
    let mut three = Auc::new().num_thresholds(3);
    assert_keras(
        "auc 3",
        two_batches(&mut three, &y, &p, 3),
        0.8999999761581421,
    );
    // predictions outside [0, 1] (clipped) and on the bucket boundaries (0.5 with 3)
    let y = t(&[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0], &[8]);
    let p = t(&[1.7, -0.2, 0.5, 0.5, 0.25, 0.75, 0.0, 1.0], &[8]);
    assert_keras(
        "auc edges",
        two_batches(&mut Auc::new(), &y, &p, 5),
        0.40625,
    );
    let mut three = Auc::new().num_thresholds(3);
    assert_keras("auc edges 3", two_batches(&mut three, &y, &p, 5), 0.375);
    three.reset();
    assert_eq!(three.result(), 0.0);
    // Keras's config (less dtype) reads back; settings we do not have are refused
    let loss = SparseLoss::new();
    let keras = json!({"name": "auc", "num_thresholds": 200, "curve": "ROC",
        "summation_method": "interpolation", "multi_label": false, "num_labels": null,
        "label_weights": null, "from_logits": false});
    let auc = metric_from_config(&keras, &loss).unwrap();
    assert_eq!(auc.config(), {
        let mut c = keras.clone();
        c["metric"] = json!("auc");
        c
    });
    let err = metric_from_config(&json!({"name": "auc", "curve": "PRC"}), &loss)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "`curve` of metric `auc` must be \"ROC\", \"PR\" or \"PRGAIN\", but it is \"PRC\""
    );
    let err = metric_from_config(&json!({"name": "auc", "num_thresholds": 1}), &loss)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "`num_thresholds` of metric `auc` must be a whole number ≥ 2, but it is 1"
    );
}

#[test]
fn names_are_keras_names_and_report_as_given() {
    let loss = SparseLoss::new();
    for (name, metric) in [
        ("top_k_categorical_accuracy", "top_k_categorical_accuracy"),
        ("TopKCategoricalAccuracy", "top_k_categorical_accuracy"),
        (
            "sparse_top_k_categorical_accuracy",
            "sparse_top_k_categorical_accuracy",
        ),
        (
            "SparseTopKCategoricalAccuracy",
            "sparse_top_k_categorical_accuracy",
        ),
        ("root_mean_squared_error", "root_mean_squared_error"),
        ("RootMeanSquaredError", "root_mean_squared_error"),
        ("binary_crossentropy", "binary_crossentropy"),
        ("bce", "binary_crossentropy"),
        ("BCE", "binary_crossentropy"),
        ("categorical_crossentropy", "categorical_crossentropy"),
        ("CategoricalCrossentropy", "categorical_crossentropy"),
        (
            "sparse_categorical_crossentropy",
            "sparse_categorical_crossentropy",
        ),
        ("mape", "mean_absolute_percentage_error"),
        ("MAPE", "mean_absolute_percentage_error"),
        (
            "mean_absolute_percentage_error",
            "mean_absolute_percentage_error",
        ),
        ("msle", "mean_squared_logarithmic_error"),
        (
            "MeanSquaredLogarithmicError",
            "mean_squared_logarithmic_error",
        ),
        ("precision", "precision"),
        ("Precision", "precision"),
        ("recall", "recall"),
        ("Recall", "recall"),
        ("auc", "auc"),
        ("AUC", "auc"),
    ] {
        let m = metric_from_name(name, &loss).unwrap();
        assert_eq!(m.name(), name);
        assert_eq!(m.config()["metric"], metric, "{name}");
    }
}

#[test]
fn configs_use_keras_keys_and_read_back() {
    let loss = SparseLoss::new();
    let metrics: Vec<Box<dyn Metric>> = vec![
        Box::new(TopKCategoricalAccuracy::new().k(3)),
        Box::new(SparseTopKCategoricalAccuracy::new().k(2).with_name("top2")),
        Box::new(RootMeanSquaredError::new().with_name("rmse")),
        Box::new(MeanAbsolutePercentageError::new()),
        Box::new(MeanSquaredLogarithmicError::new()),
        Box::new(
            BinaryCrossentropy::new()
                .from_logits(true)
                .label_smoothing(0.25),
        ),
        Box::new(CategoricalCrossentropy::new().label_smoothing(0.5)),
        Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
        Box::new(Precision::new().thresholds(0.25)),
        Box::new(Recall::new()),
    ];
    for m in &metrics {
        let copy = metric_from_config(&m.config(), &loss).unwrap();
        assert_eq!(copy.config(), m.config());
        assert_eq!(copy.name(), m.name());
    }
    assert_eq!(
        metrics[0].config(),
        json!({"name": "top_k_categorical_accuracy", "metric": "top_k_categorical_accuracy", "k": 3})
    );
    assert_eq!(
        metrics[5].config(),
        json!({"name": "binary_crossentropy", "metric": "binary_crossentropy",
               "from_logits": true, "label_smoothing": 0.25})
    );
    assert_eq!(
        metrics[8].config(),
        json!({"name": "precision", "metric": "precision", "thresholds": 0.25,
               "top_k": null, "class_id": null})
    );
    // Keras's own configs (get_config, less `dtype`) read as they are
    for keras in [
        json!({"name": "top_k_categorical_accuracy", "k": 3}),
        json!({"name": "sparse_top_k_categorical_accuracy", "k": 3}),
        json!({"name": "binary_crossentropy", "from_logits": false, "label_smoothing": 0}),
        json!({"name": "categorical_crossentropy", "from_logits": false, "label_smoothing": 0, "axis": -1}),
        json!({"name": "sparse_categorical_crossentropy", "from_logits": false, "ignore_class": null, "axis": -1}),
        json!({"name": "precision", "thresholds": null, "top_k": null, "class_id": null}),
        json!({"name": "recall", "thresholds": [0.3], "top_k": null, "class_id": null}),
    ] {
        let m = metric_from_config(&keras, &loss).unwrap_or_else(|e| panic!("{keras}: {e}"));
        assert_eq!(m.name(), keras["name"]);
    }
    let recall =
        metric_from_config(&json!({"name": "recall", "thresholds": [0.3]}), &loss).unwrap();
    // written back as given, a list of one, as Keras writes it
    assert_eq!(recall.config()["thresholds"], json!([0.3]));
}

#[test]
fn refusals_name_the_metric_and_the_value() {
    let (labels, one_hot, p) = top_k_data();
    let loss = SparseLoss::new();
    // k = 0, when updated and in a config
    let err = TopKCategoricalAccuracy::new()
        .k(0)
        .update(&one_hot, &p)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`top_k_categorical_accuracy`: k must be at least 1, but it is 0 (no class is ever among the top 0)"
    );
    let err = SparseTopKCategoricalAccuracy::new()
        .k(0)
        .update(&labels, &p)
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("`sparse_top_k_categorical_accuracy`: k must be at least 1")
    );
    let err = metric_from_config(
        &json!({"name": "top5", "metric": "top_k_categorical_accuracy", "k": 0}),
        &loss,
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "`k` of metric `top5` must be a whole number ≥ 1, but it is 0"
    );
    // labels out of range or not integers, for the sparse top-k; the state unchanged
    let mut sparse = SparseTopKCategoricalAccuracy::new();
    sparse.update(&labels, &p).unwrap();
    for (bad, message) in [
        (5.0, "label 5 at sample 1 is out of range for 5 classes"),
        (-1.0, "label -1 at sample 1 is out of range for 5 classes"),
        (f32::NAN, "label NaN at sample 1 is not an integer"),
        (1.5, "label 1.5 at sample 1 is not an integer"),
    ] {
        let y = t(&[3.0, bad, 1.0, 0.0], &[4]);
        let err = sparse.update(&y, &p).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("`sparse_top_k_categorical_accuracy`: {message}")
        );
        assert_eq!(sparse.result(), 1.0);
    }
    // one-hot labels point to the one-hot metric, not to a loss
    let err = sparse.update(&one_hot, &p).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`sparse_top_k_categorical_accuracy` cannot combine shapes [4, 5] and [4, 5]: integer \
         labels have one axis fewer than the predictions; one-hot labels need \
         `top_k_categorical_accuracy`"
    );
    // thresholds outside [0, 1] or NaN
    for bad in [1.5, -0.1, f32::NAN] {
        let mut pm = Precision::new().thresholds(bad);
        let err = pm
            .update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("`precision`: thresholds must be in [0, 1], but it is {bad}")
        );
        let mut rm = Recall::new().thresholds(bad);
        assert!(
            rm.update(&Tensor::ones(&[1, 1]), &Tensor::ones(&[1, 1]))
                .is_err()
        );
        assert_eq!(rm.result(), 0.0);
    }
    let err = metric_from_config(&json!({"name": "recall", "thresholds": 2}), &loss)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "`thresholds` of metric `recall` must be a number in [0, 1], but it is 2"
    );
    let err = metric_from_config(&json!({"name": "recall", "thresholds": []}), &loss)
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("numbers in [0, 1] (at least one)"),
        "{err}"
    );
    let err = metric_from_config(&json!({"name": "precision", "top_k": 0}), &loss)
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "`top_k` of metric `precision` must be a whole number ≥ 1 or null, but it is 0"
    );
    // label_smoothing outside [0, 1]
    let err = metric_from_config(
        &json!({"name": "bce", "metric": "binary_crossentropy", "label_smoothing": 1.5}),
        &loss,
    )
    .err()
    .unwrap();
    assert_eq!(
        err.to_string(),
        "`label_smoothing` of metric `bce` must be a number in [0, 1], but it is 1.5"
    );
    // shapes that do not fit name both
    let err = RootMeanSquaredError::new()
        .update(&Tensor::zeros(&[2, 3]), &Tensor::zeros(&[2, 2]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`root_mean_squared_error` cannot combine shapes [2, 3] and [2, 2]: y_true and y_pred must have the same shape"
    );
}

#[test]
fn nan_predictions_follow_keras() {
    // a NaN prediction is not a positive (Keras compares `y_pred > threshold`)
    let mut precision = Precision::new();
    precision
        .update(&t(&[1.0, 0.0], &[2, 1]), &t(&[0.9, f32::NAN], &[2, 1]))
        .unwrap();
    assert_eq!(precision.result(), 1.0);
    // NaN errors make NaN results, as mean absolute error does
    let mut mape = MeanAbsolutePercentageError::new();
    mape.update(&t(&[1.0], &[1, 1]), &t(&[f32::NAN], &[1, 1]))
        .unwrap();
    assert!(mape.result().is_nan());
}

fn classifier() -> Sequential {
    let mut model = Sequential::new()
        .seed(5)
        .add(Dense::new(6).activation("relu"))
        .add(Dense::new(4).activation("softmax"));
    model.build([3]).unwrap();
    model
}

fn class_data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec(
        (0..36).map(|i| ((i * 7) % 11) as f32 * 0.2 - 1.0).collect(),
        &[12, 3],
    );
    let y = Tensor::from_vec((0..12).map(|i| (i % 4) as f32).collect(), &[12]);
    (x, y)
}

#[test]
fn fit_reports_the_new_metrics_by_their_keras_names_and_a_saved_model_keeps_them() {
    let (x, y) = class_data();
    let mut model = classifier();
    let names = [
        "sparse_top_k_categorical_accuracy",
        "SparseTopKCategoricalAccuracy",
        "sparse_categorical_crossentropy",
    ];
    model
        .compile("adam", "sparse_categorical_crossentropy", &names)
        .unwrap();
    let options = FitOptions::new().with_epochs(2).batch_size(5).verbose(0);
    let history = model.fit(&x, &y, options).unwrap();
    for name in names {
        assert_eq!(history.history[name].len(), 2, "{name}");
    }
    // top-5 of 4 classes: always 1
    assert_eq!(
        history.history["sparse_top_k_categorical_accuracy"],
        [1.0, 1.0]
    );
    // the crossentropy metric over the epoch is the loss Keras reports for the epoch
    // (both weigh each batch by its size); the loss is taken before each step's update
    let loss = &history.history["loss"];
    let metric = &history.history["sparse_categorical_crossentropy"];
    for (l, m) in loss.iter().zip(metric) {
        assert!((l - m).abs() < 1e-6, "loss {l}, metric {m}");
    }
    let before = model.evaluate(&x, &y, 5).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let mut loaded = Sequential::load(&path).unwrap();
    let after = loaded.evaluate(&x, &y, 5).unwrap();
    assert_eq!(
        after.names().collect::<Vec<_>>(),
        [
            "loss",
            "sparse_top_k_categorical_accuracy",
            "SparseTopKCategoricalAccuracy",
            "sparse_categorical_crossentropy"
        ]
    );
    for name in names {
        assert_eq!(after[name], before[name], "{name}");
    }
}
