//! Losses, metrics and learning-rate schedules as data: every built-in reads back from its
//! config to the same config and the same behaviour; bad configs are refused naming the key.

use layers::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, LOSS_NAMES, MeanAbsoluteError,
    MeanSquaredError, SparseCategoricalCrossentropy, loss_from_config, loss_from_name,
};
use layers::metrics::{
    BinaryAccuracy, CategoricalAccuracy, METRIC_NAMES, Mean, MeanMetric, Measure,
    SparseCategoricalAccuracy, metric_from_config, metric_from_name,
};
use layers::optim::{ExponentialDecay, LearningRateSchedule, schedule_from_config};
use layers::prelude::*;
use serde_json::{Value, json};

fn losses() -> Vec<Box<dyn Loss>> {
    vec![
        Box::new(MeanSquaredError::new()),
        Box::new(MeanAbsoluteError::new()),
        Box::new(Huber::new()),
        Box::new(Huber::new().delta(0.25)),
        Box::new(BinaryCrossentropy::new()),
        Box::new(BinaryCrossentropy::new().from_logits(true)),
        Box::new(CategoricalCrossentropy::new().from_logits(true)),
        Box::new(SparseCategoricalCrossentropy::new()),
        Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
    ]
}

/// Targets and predictions every built-in loss can take: one-hot rows (integer labels for
/// the sparse crossentropy) against logits outside [0, 1], so that `from_logits` matters.
fn batch(loss: &dyn Loss) -> (Tensor, Tensor) {
    let y_pred = Tensor::from_vec(vec![2.0, -1.0, 0.5, 0.1, 0.3, 0.4], &[2, 3]);
    if loss.name() == "sparse_categorical_crossentropy" {
        (Tensor::from_vec(vec![0.0, 2.0], &[2]), y_pred.softmax(-1))
    } else if loss.name() == "categorical_crossentropy" {
        (
            Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0], &[2, 3]),
            y_pred,
        )
    } else {
        (
            Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0], &[2, 3]),
            y_pred.clamp(0.05, 0.95),
        )
    }
}

#[test]
fn every_loss_reads_back_to_the_same_config_and_values() {
    for loss in losses() {
        let config = loss.config();
        let copy = loss_from_config(&config).unwrap();
        assert_eq!(copy.config(), config);
        let (y, p) = batch(loss.as_ref());
        assert_eq!(
            copy.compute(&y, &p).unwrap().item().to_bits(),
            loss.compute(&y, &p).unwrap().item().to_bits(),
            "{config}"
        );
    }
    // The settings are not lost on the way (from_logits changes the value).
    let logits = BinaryCrossentropy::new().from_logits(true);
    let (y, p) = batch(&logits);
    let copy = loss_from_config(&logits.config()).unwrap();
    let probs = BinaryCrossentropy::new();
    assert_ne!(
        copy.compute(&y, &p).unwrap().item(),
        probs.compute(&y, &p).unwrap().item()
    );
}

#[test]
fn every_loss_name_is_a_config() {
    for name in LOSS_NAMES {
        let loss = loss_from_config(&json!({ "name": name })).unwrap();
        assert_eq!(loss.config(), loss_from_name(name).unwrap().config());
    }
}

#[test]
fn bad_loss_configs_are_refused_naming_the_key() {
    let refused = |config: Value| loss_from_config(&config).err().unwrap().to_string();
    assert_eq!(
        refused(json!({"name": "binary_crossentropy", "reduction": "sum"})),
        "`reduction` is not a config key of loss `binary_crossentropy`; known keys: name, from_logits, label_smoothing"
    );
    // Keras 3's sparse crossentropy has no label smoothing.
    assert_eq!(
        refused(json!({"name": "sparse_categorical_crossentropy", "label_smoothing": 0.1})),
        "`label_smoothing` is not a config key of loss `sparse_categorical_crossentropy`; known keys: name, from_logits"
    );
    assert_eq!(
        refused(json!({"name": "categorical_crossentropy", "from_logits": 1})),
        "`from_logits` of loss `categorical_crossentropy` must be true or false, but it is 1"
    );
    assert_eq!(
        refused(json!({"name": "huber", "delta": -1.0})),
        "`huber_loss`: delta must be a finite number ≥ 0, but it is -1"
    );
    assert!(refused(json!({"name": "huber", "delta": f64::NAN})).contains("but it is null"));
    assert!(refused(json!({"name": "dice"})).starts_with("unknown loss `dice`; known losses:"));
    assert_eq!(refused(json!({})), "`name` is missing from the loss config");
    assert_eq!(
        refused(json!(null)),
        "`loss config` must be a JSON object, but it is null"
    );
}

/// Every built-in metric, as `compile` makes them and renamed.
fn metrics() -> Vec<Box<dyn Metric>> {
    vec![
        Box::new(SparseCategoricalAccuracy::new()),
        Box::new(CategoricalAccuracy::new().with_name("cat")),
        Box::new(BinaryAccuracy::new()),
        Box::new(BinaryAccuracy::new().threshold(0.8).with_name("strict")),
        Box::new(layers::metrics::MeanAbsoluteError::new().with_name("mae")),
        Box::new(layers::metrics::MeanSquaredError::new()),
        Box::new(Mean::new().with_name("loss")),
    ]
}

#[test]
fn every_metric_reads_back_to_the_same_config() {
    let loss = MeanSquaredError::new();
    for metric in metrics() {
        let config = metric.config();
        let copy = metric_from_config(&config, &loss).unwrap();
        assert_eq!(copy.config(), config);
        assert_eq!(copy.name(), metric.name());
    }
    // By name, as `compile` makes them, for every loss (`accuracy` not resolved yet).
    for loss in losses() {
        for name in METRIC_NAMES {
            let metric = metric_from_name(name, loss.as_ref()).unwrap();
            let config = metric.config();
            let copy = metric_from_config(&config, loss.as_ref()).unwrap();
            assert_eq!(copy.config(), config, "{name} with {}", loss.name());
        }
    }
}

#[test]
fn a_restored_threshold_is_used() {
    let strict = BinaryAccuracy::new().threshold(0.8);
    let mut copy = metric_from_config(&strict.config(), &MeanSquaredError::new()).unwrap();
    let y = Tensor::from_vec(vec![1.0, 1.0], &[2, 1]);
    copy.update(&y, &Tensor::from_vec(vec![0.7, 0.9], &[2, 1]))
        .unwrap();
    assert_eq!(copy.result(), 0.5); // 0.7 is not above 0.8
}

/// `accuracy` resolves by the first batch's shapes, whatever the loss (as Keras 3's
/// `get_metric`); its config names the accuracy once resolved, so a saved model keeps it.
#[test]
fn accuracy_by_name_resolves_by_the_shapes() {
    let config = json!({"name": "accuracy"});
    let mut sparse = metric_from_config(&config, &SparseCategoricalCrossentropy::new()).unwrap();
    assert_eq!(sparse.config(), config); // no kind before the first batch
    sparse
        .update(
            &Tensor::from_vec(vec![1.0], &[1]),
            &Tensor::from_vec(vec![0.2, 0.8], &[1, 2]),
        )
        .unwrap();
    assert_eq!(sparse.config()["metric"], "sparse_categorical_accuracy");
    let resolved = metric_from_config(&sparse.config(), &MeanSquaredError::new()).unwrap();
    assert_eq!(resolved.config(), sparse.config());
    let mut binary = metric_from_config(&config, &BinaryCrossentropy::new()).unwrap();
    binary
        .update(
            &Tensor::from_vec(vec![1.0], &[1, 1]),
            &Tensor::from_vec(vec![0.8], &[1, 1]),
        )
        .unwrap();
    assert_eq!(binary.config()["metric"], "binary_accuracy");
    let by_shape = metric_from_config(&config, &MeanSquaredError::new()).unwrap();
    assert_eq!(by_shape.config(), config);
}

/// A metric of one's own, built on `MeanMetric`.
#[derive(Clone, Debug, Default)]
struct Close;

impl Measure for Close {
    const NAME: &'static str = "close";
    fn measure(&self, _: &Tensor, y_pred: &Tensor) -> Result<layers::metrics::Batch> {
        Ok(layers::metrics::Batch::new(
            0.0,
            y_pred.len(),
            y_pred.shape()[0],
        ))
    }
}

#[test]
fn bad_metric_configs_are_refused_naming_the_key() {
    let loss = MeanSquaredError::new();
    let refused = |config: Value| {
        metric_from_config(&config, &loss)
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        refused(json!({"name": "binary_accuracy", "threshold": "high"})),
        "`threshold` of metric `binary_accuracy` must be a number, but it is \"high\""
    );
    assert_eq!(
        refused(json!({"name": "acc", "threshold": 0.5})),
        "`threshold` is not a config key of metric `acc`; known keys: name, metric"
    );
    assert_eq!(
        refused(json!({"name": "x", "metric": 3})),
        "`metric` of metric `x` must be a string, but it is 3"
    );
    assert!(refused(json!({"name": "iou"})).starts_with("unknown metric `iou`"));
    // A metric of one's own names its measure, which is no built-in: refused, not replaced.
    let own = MeanMetric::<Close>::new().with_name("accuracy");
    assert_eq!(own.config(), json!({"name": "accuracy", "metric": "close"}));
    assert!(
        refused(own.config())
            .starts_with("unknown metric `close`; known metrics: sparse_categorical_accuracy,")
    );
}

#[test]
fn schedules_read_back_to_the_same_config_and_rates() {
    for schedule in [
        ExponentialDecay::new(0.1, 7, 0.5).unwrap(),
        ExponentialDecay::new(1e-3, 1000, 0.96)
            .unwrap()
            .staircase(true),
    ] {
        let config = schedule.config().unwrap();
        let copy = schedule_from_config(&config).unwrap();
        assert_eq!(copy.config().unwrap(), config);
        for step in [0, 1, 6, 7, 13, 5000] {
            assert_eq!(copy.rate(step).to_bits(), schedule.rate(step).to_bits());
        }
    }
}

#[test]
fn bad_schedule_configs_are_refused_naming_the_key() {
    let refused = |config: Value| schedule_from_config(&config).err().unwrap().to_string();
    assert_eq!(
        refused(json!({"config": {}})),
        "`class_name` is missing from the schedule's config"
    );
    assert_eq!(
        refused(json!({"class_name": "ExponentialDecay", "config": {
            "initial_learning_rate": -0.1, "decay_steps": 10, "decay_rate": 0.5}})),
        "`ExponentialDecay`: initial_learning_rate must be a finite number ≥ 0, but it is -0.1"
    );
    assert_eq!(
        refused(json!({"class_name": "ExponentialDecay", "config": {
            "initial_learning_rate": 0.1, "decay_steps": -10, "decay_rate": 0.5}})),
        "`config.decay_steps` of schedule `ExponentialDecay` must be a whole number ≥ 0, but it is -10"
    );
    assert_eq!(
        refused(json!({"class_name": "ExponentialDecay"})),
        "`config` must be a JSON object, but it is null"
    );
    let closure = |_: u64| 0.1;
    assert!(
        closure
            .config()
            .unwrap_err()
            .to_string()
            .contains("closure")
    );
}
