//! Metrics on small batches worked out by hand (in the comments), their running means over
//! batches of different sizes, how `accuracy` is resolved, and their errors.

use layers::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, MeanSquaredError as MseLoss,
    SparseCategoricalCrossentropy,
};
use layers::metrics::{
    BinaryAccuracy, CategoricalAccuracy, METRIC_NAMES, Mean, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalAccuracy, metric_from_name,
};
use layers::prelude::*;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

fn assert_close(found: f32, expected: f64) {
    assert!(
        (f64::from(found) - expected).abs() < 1e-6,
        "{found}, expected {expected}"
    );
}

#[test]
fn mean_weights_each_batch_by_its_size() {
    // Keras reports the epoch loss as Σ loss_b · n_b / Σ n_b:
    // batches of 32, 32 and 8 samples with losses 1.0, 0.5, 2.0 → (32 + 16 + 16) / 72.
    let mut loss = Mean::new().with_name("loss");
    for (value, samples) in [(1.0, 32.0), (0.5, 32.0), (2.0, 8.0)] {
        loss.update_state(value, samples);
    }
    assert_eq!(loss.name(), "loss");
    assert_close(loss.result(), 64.0 / 72.0);
    loss.reset();
    assert_eq!(loss.result(), 0.0);
    // Through `update`, each sample's mean counts once: samples (1, 3) and (5, 7) → 2 and 6,
    // then a batch of one sample (10) → (2 + 6 + 10) / 3.
    loss.update(&Tensor::zeros(&[0]), &t(&[1.0, 3.0, 5.0, 7.0], &[2, 2]))
        .unwrap();
    assert_close(loss.result(), 4.0);
    loss.update(&Tensor::zeros(&[0]), &t(&[10.0, 10.0], &[1, 2]))
        .unwrap();
    assert_close(loss.result(), 6.0);
}

#[test]
fn sparse_categorical_accuracy_over_batches() {
    let mut acc = SparseCategoricalAccuracy::new();
    // batch 1: argmax per row 2, 0, 1, 1 against labels 2, 1, 1, 0 → 2 of 4
    let probs = t(
        &[0.1, 0.2, 0.7, 0.5, 0.3, 0.2, 0.2, 0.6, 0.2, 0.3, 0.4, 0.3],
        &[4, 3],
    );
    acc.update(&t(&[2.0, 1.0, 1.0, 0.0], &[4]), &probs).unwrap();
    assert_close(acc.result(), 0.5);
    // batch 2, labels as a column: argmax 0 (a tie between 0 and 2 goes to the first) and 2,
    // labels 0 and 2 → 2 of 2; running: 4 of 6
    acc.update(
        &t(&[0.0, 2.0], &[2, 1]),
        &t(&[0.4, 0.2, 0.4, 0.0, 0.1, 0.9], &[2, 3]),
    )
    .unwrap();
    assert_close(acc.result(), 4.0 / 6.0);
    // logits work the same way
    acc.update(&t(&[1.0], &[1]), &t(&[-3.0, 5.0, 2.0], &[1, 3]))
        .unwrap();
    assert_close(acc.result(), 5.0 / 7.0);
    acc.reset();
    assert_eq!(acc.result(), 0.0);
}

#[test]
fn sparse_categorical_accuracy_per_sample_over_positions() {
    // (batch 2, 2 positions, 2 classes): sample 0 gets 1 of 2 positions right, sample 1 gets
    // 2 of 2 → per-sample 0.5 and 1, mean 0.75.
    let mut acc = SparseCategoricalAccuracy::new();
    let logits = t(&[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0], &[2, 2, 2]);
    acc.update(&t(&[0.0, 1.0, 1.0, 0.0], &[2, 2]), &logits)
        .unwrap();
    assert_close(acc.result(), 0.75);
}

#[test]
fn categorical_accuracy_over_batches() {
    let mut acc = CategoricalAccuracy::new();
    // one-hot classes 1, 0, 2 against argmax 1, 2, 2 → 2 of 3
    let one_hot = t(&[0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0], &[3, 3]);
    let probs = t(&[0.2, 0.5, 0.3, 0.3, 0.3, 0.4, 0.1, 0.1, 0.8], &[3, 3]);
    acc.update(&one_hot, &probs).unwrap();
    assert_close(acc.result(), 2.0 / 3.0);
    // soft targets use their argmax too: class 2 against argmax 2 → 3 of 4
    acc.update(&t(&[0.1, 0.2, 0.7], &[1, 3]), &t(&[0.0, 0.0, 1.0], &[1, 3]))
        .unwrap();
    assert_close(acc.result(), 0.75);
}

#[test]
fn binary_accuracy_thresholds_predictions() {
    let mut acc = BinaryAccuracy::new();
    // (2 samples, 3 outputs): thresholded (1, 0, 1) vs (1, 1, 1) → 2/3; (0, 0, 1) vs
    // (0, 1, 0) → 1/3; 0.5 itself is not above the threshold. Mean 0.5.
    let y = t(&[1.0, 1.0, 1.0, 0.0, 1.0, 0.0], &[2, 3]);
    let p = t(&[0.9, 0.5, 0.51, 0.1, 0.2, 0.7], &[2, 3]);
    acc.update(&y, &p).unwrap();
    assert_close(acc.result(), 0.5);
    // a batch of 1 sample (per-sample 1.0): (0.5 + 0.5 + 1) / 3
    acc.update(&t(&[0.0, 0.0, 1.0], &[1, 3]), &t(&[0.0, 0.4, 0.6], &[1, 3]))
        .unwrap();
    assert_close(acc.result(), 2.0 / 3.0);

    // threshold 0 for logits; (batch,) targets against (batch, 1) predictions
    let mut logits = BinaryAccuracy::new().threshold(0.0);
    logits
        .update(
            &t(&[1.0, 0.0, 0.0, 1.0], &[4]),
            &t(&[3.0, -2.0, 0.5, -0.1], &[4, 1]),
        )
        .unwrap();
    assert_close(logits.result(), 0.5);
}

#[test]
fn regression_metrics_over_batches() {
    let mut mae = MeanAbsoluteError::new();
    let mut mse = MeanSquaredError::new();
    // batch 1 (2 samples × 2): errors (1, −1) and (2, 0) → per-sample |e| means 1 and 1,
    // e² means 1 and 2
    let (y1, p1) = (
        t(&[0.0, 0.0, 1.0, 1.0], &[2, 2]),
        t(&[1.0, -1.0, 3.0, 1.0], &[2, 2]),
    );
    // batch 2 (1 sample): errors (−3, 1) → |e| mean 2, e² mean 5
    let (y2, p2) = (t(&[3.0, 0.0], &[1, 2]), t(&[0.0, 1.0], &[1, 2]));
    for m in [&mut mae as &mut dyn Metric, &mut mse] {
        m.update(&y1, &p1).unwrap();
    }
    assert_close(mae.result(), 1.0);
    assert_close(mse.result(), 1.5);
    for m in [&mut mae as &mut dyn Metric, &mut mse] {
        m.update(&y2, &p2).unwrap();
    }
    assert_close(mae.result(), 4.0 / 3.0); // (1 + 1 + 2) / 3
    assert_close(mse.result(), 8.0 / 3.0); // (1 + 2 + 5) / 3
    assert_eq!(
        (mae.name(), mse.name()),
        ("mean_absolute_error", "mean_squared_error")
    );
}

/// Keras 3's `get_metric` resolves `accuracy` from the shapes alone, whatever the loss
/// (checked on Keras 3.15.1; `tests/families/keras_diff2.rs` pins its values).
#[test]
fn accuracy_is_resolved_from_the_shapes_whatever_the_loss() {
    let labels = t(&[2.0, 0.0], &[2]);
    let probs = t(&[0.1, 0.2, 0.7, 0.3, 0.6, 0.1], &[2, 3]);

    let mut sparse = metric_from_name("accuracy", &SparseCategoricalCrossentropy::new()).unwrap();
    sparse.update(&labels, &probs).unwrap();
    assert_eq!((sparse.name(), sparse.result()), ("accuracy", 0.5));

    // integer labels under categorical crossentropy: sparse accuracy, by the shapes
    let mut by_labels = metric_from_name("accuracy", &CategoricalCrossentropy::new()).unwrap();
    by_labels.update(&labels, &probs).unwrap();
    assert_eq!(by_labels.result(), 0.5);
    assert_eq!(by_labels.config()["metric"], "sparse_categorical_accuracy");

    let mut categorical = metric_from_name("accuracy", &CategoricalCrossentropy::new()).unwrap();
    let one_hot = t(&[0.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[2, 3]);
    categorical.update(&one_hot, &probs).unwrap();
    assert_eq!(
        (categorical.name(), categorical.result()),
        ("accuracy", 0.5)
    );
    // once resolved, the kind stays: integer labels no longer fit
    assert!(categorical.update(&labels, &probs).is_err());

    // binary crossentropy on several outputs (multi-label): categorical accuracy, as in
    // Keras 3, not the thresholded binary accuracy (that one is `binary_accuracy`)
    let mut multi = metric_from_name("acc", &BinaryCrossentropy::new()).unwrap();
    multi.update(&one_hot, &probs).unwrap();
    // argmax 2 vs 2 → right; argmax 0 vs 1 → wrong (binary accuracy would give 2/3)
    assert_eq!(multi.result(), 0.5);
    assert_eq!(multi.name(), "acc"); // Keras 3 reports a metric under the name it was given

    // binary crossentropy on one output: binary accuracy
    let mut binary = metric_from_name("accuracy", &BinaryCrossentropy::new()).unwrap();
    binary
        .update(&t(&[1.0, 0.0], &[2, 1]), &t(&[0.7, 0.7], &[2, 1]))
        .unwrap();
    assert_eq!(binary.result(), 0.5);
}

#[test]
fn accuracy_for_other_losses_follows_the_shapes() {
    // Keras 3's rule: last axis 1 → binary; lower-rank targets → sparse; else categorical.
    let mut binary = metric_from_name("accuracy", &MseLoss::new()).unwrap();
    binary
        .update(&t(&[1.0, 0.0], &[2, 1]), &t(&[0.7, 0.7], &[2, 1]))
        .unwrap();
    assert_eq!(binary.result(), 0.5);

    let mut sparse = metric_from_name("accuracy", &MseLoss::new()).unwrap();
    sparse
        .update(&t(&[1.0, 1.0], &[2]), &t(&[0.2, 0.8, 0.9, 0.1], &[2, 2]))
        .unwrap();
    assert_eq!(sparse.result(), 0.5);

    let mut categorical = metric_from_name("accuracy", &MseLoss::new()).unwrap();
    categorical
        .update(
            &t(&[0.0, 1.0, 0.0, 1.0], &[2, 2]),
            &t(&[0.2, 0.8, 0.9, 0.1], &[2, 2]),
        )
        .unwrap();
    assert_eq!(categorical.result(), 0.5);
    categorical.reset();
    assert_eq!(
        (categorical.name(), categorical.result()),
        ("accuracy", 0.0)
    );
}

#[test]
fn names_resolve_as_in_keras() {
    let loss = SparseCategoricalCrossentropy::new();
    for name in METRIC_NAMES {
        assert_eq!(metric_from_name(name, &loss).unwrap().name(), *name);
    }
    let mut mae = metric_from_name("mae", &loss).unwrap();
    mae.update(&t(&[1.0], &[1, 1]), &t(&[3.0], &[1, 1]))
        .unwrap();
    assert_eq!(mae.result(), 2.0);
    let err = metric_from_name("iou", &loss).err().unwrap();
    assert!(matches!(err, Error::UnknownName { kind: "metric", .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "unknown metric `iou`; known metrics: {}",
            METRIC_NAMES.join(", ")
        )
    );
}

#[test]
fn shape_mismatches_name_both_shapes() {
    let mut metrics: Vec<Box<dyn Metric>> = vec![
        Box::new(CategoricalAccuracy::new()),
        Box::new(BinaryAccuracy::new()),
        Box::new(MeanAbsoluteError::new()),
        Box::new(MeanSquaredError::new()),
    ];
    for m in &mut metrics {
        let err = m
            .update(&Tensor::zeros(&[4, 3]), &Tensor::zeros(&[4, 2]))
            .unwrap_err();
        assert!(
            matches!(err, Error::IncompatibleShapes { .. }),
            "{}",
            m.name()
        );
        assert!(
            err.to_string().ends_with("cannot combine shapes [4, 3] and [4, 2]: y_true and y_pred must have the same shape"),
            "{err}"
        );
        assert_eq!(
            m.result(),
            0.0,
            "{}: a failed update counts nothing",
            m.name()
        );
    }
    let err = SparseCategoricalAccuracy::new()
        .update(&Tensor::zeros(&[4, 2]), &Tensor::zeros(&[4, 3]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`sparse_categorical_accuracy` cannot combine shapes [4, 2] and [4, 3]: integer labels must have shape [4] or [4, 1]"
    );
    let err = SparseCategoricalAccuracy::new()
        .update(&Tensor::zeros(&[4]), &Tensor::zeros(&[4]))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("needs a batch axis and a class axis"),
        "{err}"
    );
}
