//! `compile_weighted` (Keras's `compile(weighted_metrics=…)`) against Keras 3.15.1
//! (`tests/reference/keras_weighted_metrics.py`): the logs' names and values from `fit` with
//! `sample_weight`, `class_weight` and neither (with a validation split), `evaluate_weighted`
//! in several batches, `train_on_batch_weighted`, the threshold and regression metrics on a
//! binary output, a masked sequence output with one weight per position; and each refusal,
//! with the model left as it was.

use layers::metrics::{
    Average, F1Score, FBetaScore, Metric, PrecisionAtRecall, SparseCategoricalAccuracy,
};
use layers::prelude::*;

fn data() -> (Tensor, Tensor, Tensor) {
    let x = (0..16).map(|i| ((i as f64).sin() * 0.8) as f32).collect();
    let y = vec![0.0, 2.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0];
    let sw = vec![1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25];
    (
        Tensor::from_vec(x, &[8, 2]),
        Tensor::from_vec(y, &[8]),
        Tensor::from_vec(sw, &[8]),
    )
}

fn model() -> Sequential {
    let mut m = Sequential::new().add(Dense::new(3).activation("softmax"));
    m.compile_weighted(
        Sgd::new().with_learning_rate(0.5),
        "sparse_categorical_crossentropy",
        &["accuracy"],
        &["accuracy", "sparse_categorical_crossentropy"],
    )
    .unwrap();
    m.build([2]).unwrap();
    let kernel = Tensor::from_vec(vec![0.1, -0.2, 0.3, 0.4, 0.5, -0.6], &[2, 3]);
    m.set_weights(&[kernel, Tensor::from_vec(vec![0.01, -0.02, 0.03], &[3])])
        .unwrap();
    m
}

fn options() -> FitOptions {
    FitOptions::new()
        .with_epochs(2)
        .batch_size(4)
        .shuffle(false)
        .validation_split(0.25)
        .verbose(0)
}

fn close(found: f32, expected: f64, what: &str) {
    assert!(
        (f64::from(found) - expected).abs() <= 1e-5 + 1e-5 * expected.abs(),
        "{what}: {found} here, {expected} in Keras"
    );
}

/// Every name Keras logs, with its values, and no other.
fn check_history(history: &History, keras: &[(&str, [f64; 2])]) {
    let names: Vec<&str> = history.history.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = keras.iter().map(|(n, _)| *n).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
    for (name, values) in keras {
        let found = &history.history[*name];
        assert_eq!(found.len(), 2, "{name}");
        for (epoch, (&f, &e)) in found.iter().zip(values).enumerate() {
            close(f, e, &format!("{name} of epoch {}", epoch + 1));
        }
    }
}

fn check_logs(logs: &Logs, keras: &[(&str, f64)]) {
    let names: Vec<&str> = logs.names().collect();
    let expected: Vec<&str> = keras.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, expected, "the names in Keras's order");
    for (name, value) in keras {
        close(logs[*name], *value, name);
    }
}

#[test]
fn fit_with_sample_weight_weighs_the_weighted_metrics_and_validation_as_keras() {
    let (x, y, sw) = data();
    let history = model().fit(&x, &y, options().sample_weight(sw)).unwrap();
    check_history(
        &history,
        &[
            ("accuracy", [0.3333333432674408, 0.6666666865348816]),
            ("loss", [1.0879050493240356, 0.7305931448936462]),
            (
                "sparse_categorical_crossentropy",
                [1.0879050493240356, 0.7305931448936462],
            ),
            ("val_accuracy", [0.5, 0.5]),
            ("val_loss", [2.7917678356170654, 3.15134334564209]),
            (
                "val_sparse_categorical_crossentropy",
                [1.7180110216140747, 1.9392882585525513],
            ),
            (
                "val_weighted_accuracy",
                [0.07692307978868484, 0.07692307978868484],
            ),
            (
                "weighted_accuracy",
                [0.3333333432674408, 0.9166666865348816],
            ),
        ],
    );
}

/// Class weights weigh the training metrics; the validation split keeps no class weights,
/// so its weighted metrics equal the unweighted ones.
#[test]
fn fit_with_class_weight_weighs_the_training_metrics_only_as_keras() {
    let (x, y, _) = data();
    let history = model()
        .fit(&x, &y, options().class_weight([(0, 1.0), (2, 3.0)]))
        .unwrap();
    check_history(
        &history,
        &[
            ("accuracy", [0.1666666716337204, 0.3333333432674408]),
            ("loss", [2.108600616455078, 1.7339754104614258]),
            (
                "sparse_categorical_crossentropy",
                [1.265160322189331, 1.0403852462768555],
            ),
            ("val_accuracy", [0.5, 0.0]),
            ("val_loss", [1.0566320419311523, 0.9906221628189087]),
            (
                "val_sparse_categorical_crossentropy",
                [1.0566320419311523, 0.9906221628189087],
            ),
            ("val_weighted_accuracy", [0.5, 0.0]),
            (
                "weighted_accuracy",
                [0.30000001192092896, 0.4000000059604645],
            ),
        ],
    );
}

/// Without weights the weighted metrics are the unweighted ones.
#[test]
fn fit_without_weights_gives_the_unweighted_values_as_keras() {
    let (x, y, _) = data();
    let history = model().fit(&x, &y, options()).unwrap();
    check_history(
        &history,
        &[
            ("accuracy", [0.1666666716337204, 0.6666666865348816]),
            ("loss", [1.1827799081802368, 1.0205308198928833]),
            (
                "sparse_categorical_crossentropy",
                [1.1827799081802368, 1.0205308198928833],
            ),
            ("val_accuracy", [0.5, 0.5]),
            ("val_loss", [1.1324255466461182, 1.0965354442596436]),
            (
                "val_sparse_categorical_crossentropy",
                [1.1324255466461182, 1.0965354442596436],
            ),
            ("val_weighted_accuracy", [0.5, 0.5]),
            (
                "weighted_accuracy",
                [0.1666666716337204, 0.6666666865348816],
            ),
        ],
    );
    assert_eq!(
        history.history["weighted_accuracy"],
        history.history["accuracy"]
    );
}

/// In batches of 3, 3 and 2 (and as one batch in `train_on_batch_weighted`).
#[test]
fn evaluate_and_train_on_batch_weighted_as_keras() {
    let (x, y, sw) = data();
    let keras = [
        ("loss", 1.4325298070907593),
        ("accuracy", 0.375),
        ("weighted_accuracy", 0.2432432472705841),
        ("sparse_categorical_crossentropy", 1.23894464969635),
    ];
    check_logs(&model().evaluate_weighted(&x, &y, &sw, 3).unwrap(), &keras);
    check_logs(
        &model().train_on_batch_weighted(&x, &y, &sw).unwrap(),
        &keras,
    );
    // without weights, evaluate updates the weighted metrics as the others
    let logs = model().evaluate(&x, &y, 3).unwrap();
    assert_eq!(logs["weighted_accuracy"], logs["accuracy"]);
}

/// Precision, recall, AUC, the counts, a metric at a point, RMSE and MAE with weights, on
/// a binary output in batches of 4, 4 and 1.
#[test]
fn threshold_and_regression_metrics_take_weights_as_keras() {
    let xb: Vec<f32> = (0..18).map(|i| ((i as f64).cos() * 0.9) as f32).collect();
    let xb = Tensor::from_vec(xb, &[9, 2]);
    let yb = Tensor::from_vec(vec![1., 0., 1., 1., 0., 0., 1., 0., 1.], &[9, 1]);
    let swb = Tensor::from_vec(vec![0.5, 2.0, 1.0, 0.0, 3.0, 1.0, 0.25, 1.5, 2.0], &[9]);
    let mut m = Sequential::new().add(Dense::new(1).activation("sigmoid"));
    m.compile_weighted(
        "sgd",
        "binary_crossentropy",
        &["binary_accuracy"],
        &[
            "binary_accuracy",
            "precision",
            "recall",
            "auc",
            "true_positives",
            "false_negatives",
            "root_mean_squared_error",
            "mae",
        ],
    )
    .unwrap();
    m.add_weighted_metric(PrecisionAtRecall::new(0.5)).unwrap();
    m.build([2]).unwrap();
    m.set_weights(&[
        Tensor::from_vec(vec![0.7, -1.1], &[2, 1]),
        Tensor::from_vec(vec![0.05], &[1]),
    ])
    .unwrap();
    let keras_predictions = [
        0.5362116694450378,
        0.6830707788467407,
        0.34465429186820984,
        0.4771519601345062,
        0.702734649181366,
        0.3815447986125946,
        0.42146939039230347,
        0.7085258960723877,
        0.4302297830581665,
    ];
    for (&p, &k) in m
        .predict(&xb)
        .unwrap()
        .to_vec()
        .iter()
        .zip(&keras_predictions)
    {
        close(p, k, "prediction");
    }
    check_logs(
        &m.evaluate_weighted(&xb, &yb, &swb, 4).unwrap(),
        &[
            ("loss", 1.2829978466033936),
            ("binary_accuracy", 0.2222222238779068),
            ("weighted_binary_accuracy", 0.13333334028720856),
            ("precision", 0.0714285746216774),
            ("recall", 0.13333334028720856),
            ("auc", 0.09777777642011642),
            ("true_positives", 0.5),
            ("false_negatives", 3.25),
            ("root_mean_squared_error", 0.6382787823677063),
            ("mae", 0.6302303671836853),
            ("precision_at_recall", 0.3333333432674408),
        ],
    );
}

/// `Embedding(mask_zero)` → `Dense`: the weights of masked positions (9 in the data) count
/// for nothing, each position weighs its own weight; in batches of 2 and 1.
#[test]
fn masked_sequence_with_a_weight_per_position_as_keras() {
    let tokens = Tensor::from_vec(
        vec![3., 1., 4., 0., 2., 0., 0., 0., 5., 2., 1., 3.],
        &[3, 4],
    );
    let ys = Tensor::from_vec(
        vec![1., 0., 2., 0., 2., 0., 0., 0., 0., 2., 1., 1.],
        &[3, 4],
    );
    let sws = Tensor::from_vec(
        vec![1.0, 2.0, 0.5, 9.0, 3.0, 9.0, 9.0, 9.0, 0.25, 1.0, 1.5, 2.0],
        &[3, 4],
    );
    let mut m = Sequential::new()
        .add(Embedding::new(6, 2).mask_zero(true))
        .add(Dense::new(3).activation("softmax"));
    m.compile_weighted(
        "sgd",
        "sparse_categorical_crossentropy",
        &["accuracy"],
        &["accuracy", "sparse_categorical_crossentropy"],
    )
    .unwrap();
    m.build([4]).unwrap();
    let emb = (0..12).map(|i| ((i as f64) * 0.7).sin() as f32).collect();
    m.set_weights(&[
        Tensor::from_vec(emb, &[6, 2]),
        Tensor::from_vec(vec![0.3, -0.5, 0.2, 0.6, 0.1, -0.4], &[2, 3]),
        Tensor::from_vec(vec![0.0, 0.1, -0.1], &[3]),
    ])
    .unwrap();
    let logs = m.evaluate_weighted(&tokens, &ys, &sws, 2).unwrap();
    check_logs(
        &logs,
        &[
            ("loss", 1.294089674949646),
            ("accuracy", 0.75),
            ("weighted_accuracy", 0.8222222328186035),
            ("sparse_categorical_crossentropy", 0.9095666408538818),
        ],
    );
}

#[test]
fn weighted_metrics_are_saved_and_loaded() {
    let (x, y, sw) = data();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let mut m = model();
    m.save(&path).unwrap();
    let mut loaded = Sequential::load(&path).unwrap();
    let a = m.evaluate_weighted(&x, &y, &sw, 3).unwrap();
    let b = loaded.evaluate_weighted(&x, &y, &sw, 3).unwrap();
    assert_eq!(a.as_slice(), b.as_slice());
    assert!(b.names().any(|n| n == "weighted_accuracy"));
}

/// Each refusal names the metric or the clash; the model keeps its compile, weights and
/// metrics.
#[test]
fn refusals_leave_the_model_as_it_was() {
    let (x, y, sw) = data();
    let mut m = model();
    let before = m.get_weights().unwrap();
    let cases: Vec<(Result<()>, &str)> = vec![
        (
            m.compile_weighted("sgd", "mse", &[], &["f1_score"]),
            "metric `f1_score` gives several values",
        ),
        (
            m.add_weighted_metric(F1Score::new()),
            "metric `f1_score` gives several values",
        ),
        (
            m.compile_weighted("sgd", "mse", &["accuracy"], &["accuracy", "accuracy"]),
            "two values would be logged as `weighted_accuracy`",
        ),
        (
            m.add_weighted_metric(SparseCategoricalAccuracy::new().with_name("accuracy")),
            "two values would be logged as `weighted_accuracy`",
        ),
        (
            m.add_weighted_metric(SparseCategoricalAccuracy::new().with_name("loss")),
            "two values would be logged as `loss`",
        ),
        (
            m.add_metric(SparseCategoricalAccuracy::new().with_name("weighted_accuracy")),
            "two values would be logged as `weighted_accuracy`",
        ),
    ];
    for (result, expected) in cases {
        let err = result.unwrap_err().to_string();
        assert!(err.contains(expected), "{err}\nexpected: {expected}");
    }
    // the compile, the metrics and the weights as they were
    let logs = m.evaluate_weighted(&x, &y, &sw, 3).unwrap();
    assert_eq!(
        logs.names().collect::<Vec<_>>(),
        [
            "loss",
            "accuracy",
            "weighted_accuracy",
            "sparse_categorical_crossentropy"
        ]
    );
    close(
        logs["weighted_accuracy"],
        0.2432432472705841,
        "weighted_accuracy as before",
    );
    // weights that do not fit: nothing trained, nothing changed
    let err = m
        .train_on_batch_weighted(&x, &y, &Tensor::ones(&[8, 2]))
        .unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
    let after = m.get_weights().unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
    assert_eq!(m.optimizer_params(), None);
}

/// A metric of the user's own that does not implement `update_weighted` cannot be a
/// weighted metric.
#[test]
fn a_metric_without_update_weighted_is_refused() {
    struct Count(f32);
    impl Metric for Count {
        fn name(&self) -> &str {
            "count"
        }
        fn update(&mut self, _: &Tensor, y_pred: &Tensor) -> Result<()> {
            self.0 += y_pred.shape()[0] as f32;
            Ok(())
        }
        fn result(&self) -> f32 {
            self.0
        }
        fn reset(&mut self) {
            self.0 = 0.0;
        }
    }
    let mut m = model();
    let err = m.add_weighted_metric(Count(0.0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`add_weighted_metric`: weighted metric `count` cannot take sample weights \
         (`takes_sample_weight` is false): give it among the unweighted metrics"
    );
    m.add_metric(Count(0.0)).unwrap();
    let mut c = Count(0.0);
    let err = c
        .update_weighted(
            &Tensor::zeros(&[2]),
            &Tensor::zeros(&[2, 3]),
            &Tensor::ones(&[2]),
            None,
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("metric `count` cannot take sample weights"),
        "{err}"
    );
}

/// A weighted metric logs under its own name when no unweighted metric has it, even when
/// that name begins with `weighted_`.
#[test]
fn names_without_a_clash_are_kept() {
    let (x, y, sw) = data();
    let mut m = model();
    m.compile_weighted(
        "sgd",
        "sparse_categorical_crossentropy",
        &[],
        &["accuracy", "acc"],
    )
    .unwrap();
    m.add_metric(SparseCategoricalAccuracy::new().with_name("weighted_accuracy"))
        .unwrap();
    let logs = m.evaluate_weighted(&x, &y, &sw, 3).unwrap();
    assert_eq!(
        logs.names().collect::<Vec<_>>(),
        ["loss", "weighted_accuracy", "accuracy", "acc"]
    );
    assert_eq!(logs["weighted_accuracy"], 0.375);
    assert_eq!(logs["accuracy"], logs["acc"]);
    assert!((logs["accuracy"] - 9.0 / 37.0).abs() < 1e-6);
}

/// The F-scores weigh each sample's counts (one-hot targets of the first data, in batches
/// of 3, 3 and 2).
#[test]
fn f_scores_take_weights_as_keras() {
    let (x, y, sw) = data();
    let one_hot = Tensor::from_vec(
        (y.to_vec().iter())
            .flat_map(|&c| (0..3).map(move |k| f32::from(u8::from(k as f32 == c))))
            .collect(),
        &[8, 3],
    );
    let mut m = Sequential::new().add(Dense::new(3).activation("softmax"));
    m.compile("sgd", "categorical_crossentropy", &[]).unwrap();
    m.add_weighted_metric(F1Score::new().average(Average::Macro))
        .unwrap();
    m.add_weighted_metric(
        FBetaScore::new(2.0)
            .average(Average::Weighted)
            .threshold(0.35),
    )
    .unwrap();
    m.add_weighted_metric(F1Score::new().average(Average::Micro).with_name("f1_micro"))
        .unwrap();
    m.build([2]).unwrap();
    let kernel = Tensor::from_vec(vec![0.1, -0.2, 0.3, 0.4, 0.5, -0.6], &[2, 3]);
    m.set_weights(&[kernel, Tensor::from_vec(vec![0.01, -0.02, 0.03], &[3])])
        .unwrap();
    check_logs(
        &m.evaluate_weighted(&x, &one_hot, &sw, 3).unwrap(),
        &[
            ("loss", 1.4325298070907593),
            ("f1_score", 0.3068782687187195),
            ("fbeta_score", 0.2910301685333252),
            ("f1_micro", 0.24324320256710052),
        ],
    );
}

/// Callbacks see the weighted metrics' logs (names in Keras's order, `val_` forms), an
/// `EarlyStopping` can watch one, and the progress line shows them sorted by name.
#[test]
fn callbacks_and_the_progress_line_see_the_weighted_logs() {
    use layers::model::callbacks::{EarlyStopping, OnEpochEnd};
    use layers::model::progress::format_logs;
    use std::sync::{Arc, Mutex};
    let (x, y, sw) = data();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let record = OnEpochEnd::new(move |_, logs: &Logs| {
        let pairs: Vec<(String, f32)> = logs.names().map(|n| (n.to_string(), logs[n])).collect();
        sink.lock().unwrap().push(pairs);
    });
    let stop = EarlyStopping::new("val_weighted_accuracy")
        .mode("max")
        .patience(0);
    let history = model()
        .fit(
            &x,
            &y,
            options().sample_weight(sw).callback(record).callback(stop),
        )
        .unwrap();
    let seen = seen.lock().unwrap();
    let names: Vec<&str> = seen[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "loss",
            "accuracy",
            "weighted_accuracy",
            "sparse_categorical_crossentropy",
            "val_loss",
            "val_accuracy",
            "val_weighted_accuracy",
            "val_sparse_categorical_crossentropy",
        ]
    );
    // Keras's val_weighted_accuracy is 1/13 in both epochs: no improvement, so it stops
    // after the second epoch (patience 0) with the first as its best
    assert_eq!(history.epoch, [0, 1]);
    let report = &history.early_stopping[0];
    assert_eq!(report.monitor, "val_weighted_accuracy");
    assert_eq!(report.best_epoch, Some(0));
    close(report.best.unwrap(), 0.07692307978868484, "best");
    let line = format_logs(&seen[0]);
    assert!(
        line.starts_with(" - accuracy: 0.3333 - loss: 1.0879 - sparse_categorical_crossentropy:"),
        "{line}"
    );
    assert!(
        line.ends_with(" - val_weighted_accuracy: 0.0769 - weighted_accuracy: 0.3333"),
        "{line}"
    );
}
