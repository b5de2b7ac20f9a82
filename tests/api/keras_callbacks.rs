//! Keras 3's `ReduceLROnPlateau` and `EarlyStopping`'s `mode`, `baseline` and
//! `start_from_epoch`, against real Keras 3.15.1: each case feeds both the same sequence of
//! monitored values (Keras's numbers come from `tests/reference/keras_callbacks.py`, which
//! drives Keras's callbacks the same way), and the refusals of settings that cannot be used.

use layers::model::Logs;
use layers::model::callbacks::{Callback, Control, EarlyStopping, ReduceLROnPlateau};
use layers::prelude::*;

/// The monitored values of the loss-like cases (lower is better).
const LOSS: [f32; 15] = [
    1.0, 0.9, 0.95, 0.93, 0.91, 0.89, 0.92, 0.94, 0.96, 0.97, 0.98, 0.5, 0.6, 0.7, 0.8,
];
/// The monitored values of the accuracy-like cases (higher is better, unless the mode says
/// otherwise).
const ACC: [f32; 15] = [
    0.5, 0.6, 0.58, 0.59, 0.6, 0.65, 0.64, 0.63, 0.62, 0.61, 0.7, 0.69, 0.68, 0.67, 0.66,
];

/// A `ReduceLROnPlateau` case: the rate after each epoch's end, as Keras left it.
struct Plateau {
    keras: &'static str,
    callback: ReduceLROnPlateau,
    rate: f32,
    values: &'static [f32],
    rates: [f32; 15],
}

#[test]
fn reduce_lr_on_plateau_lowers_the_rate_as_keras_does() {
    let cases = [
        Plateau {
            keras: "{}",
            callback: ReduceLROnPlateau::new("val_loss"),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
            ],
        },
        Plateau {
            keras: "{patience: 2}",
            callback: ReduceLROnPlateau::new("val_loss").patience(2),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1,
                0.1,
                0.1,
                0.01,
                0.01,
                0.01,
                0.01,
                0.0009999999,
                0.0009999999,
                9.999999e-05,
                9.999999e-05,
                9.999999e-05,
                9.999999e-05,
                9.999999e-06,
                9.999999e-06,
            ],
        },
        Plateau {
            keras: "{patience: 1, factor: 0.5}",
            callback: ReduceLROnPlateau::new("val_loss").patience(1).factor(0.5),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1,
                0.1,
                0.05,
                0.025,
                0.0125,
                0.0125,
                0.00625,
                0.003125,
                0.0015625,
                0.00078125,
                0.000390625,
                0.000390625,
                0.0001953125,
                9.765625e-05,
                4.8828126e-05,
            ],
        },
        Plateau {
            keras: "{patience: 1, factor: 0.5, cooldown: 2}",
            callback: ReduceLROnPlateau::new("val_loss")
                .patience(1)
                .factor(0.5)
                .cooldown(2),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625, 0.003125,
                0.003125, 0.0015625, 0.0015625, 0.00078125,
            ],
        },
        Plateau {
            keras: "{patience: 1, factor: 0.3, min_lr: 0.01}",
            callback: ReduceLROnPlateau::new("val_loss")
                .patience(1)
                .factor(0.3)
                .min_lr(0.01),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1,
                0.1,
                0.030000001,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
                0.01,
            ],
        },
        Plateau {
            keras: "{patience: 1, factor: 0.5, min_delta: 0.05}",
            callback: ReduceLROnPlateau::new("val_loss")
                .patience(1)
                .factor(0.5)
                .min_delta(0.05),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1,
                0.1,
                0.05,
                0.025,
                0.0125,
                0.00625,
                0.003125,
                0.0015625,
                0.00078125,
                0.000390625,
                0.0001953125,
                0.0001953125,
                9.765625e-05,
                4.8828126e-05,
                2.4414063e-05,
            ],
        },
        Plateau {
            keras: "{monitor: val_accuracy, patience: 1, factor: 0.5}",
            callback: ReduceLROnPlateau::new("val_accuracy")
                .patience(1)
                .factor(0.5),
            rate: 0.1,
            values: &ACC,
            rates: [
                0.1,
                0.1,
                0.05,
                0.025,
                0.0125,
                0.0125,
                0.00625,
                0.003125,
                0.0015625,
                0.00078125,
                0.00078125,
                0.000390625,
                0.0001953125,
                9.765625e-05,
                4.8828126e-05,
            ],
        },
        Plateau {
            keras: "{monitor: acc_like, mode: max, patience: 2, factor: 0.2}",
            callback: ReduceLROnPlateau::new("acc_like")
                .mode("max")
                .patience(2)
                .factor(0.2),
            rate: 0.1,
            values: &ACC,
            rates: [
                0.1,
                0.1,
                0.1,
                0.02,
                0.02,
                0.02,
                0.02,
                0.0039999997,
                0.0039999997,
                0.0007999999,
                0.0007999999,
                0.0007999999,
                0.00015999998,
                0.00015999998,
                3.1999996e-05,
            ],
        },
        Plateau {
            keras: "{monitor: val_accuracy, mode: min, patience: 1, factor: 0.5}",
            callback: ReduceLROnPlateau::new("val_accuracy")
                .mode("min")
                .patience(1)
                .factor(0.5),
            rate: 0.1,
            values: &ACC,
            rates: [
                0.1,
                0.05,
                0.025,
                0.0125,
                0.00625,
                0.003125,
                0.0015625,
                0.00078125,
                0.000390625,
                0.0001953125,
                9.765625e-05,
                4.8828126e-05,
                2.4414063e-05,
                1.2207031e-05,
                6.1035157e-06,
            ],
        },
        Plateau {
            keras: "{patience: 0, factor: 0.5}",
            callback: ReduceLROnPlateau::new("val_loss").patience(0).factor(0.5),
            rate: 0.01,
            values: &LOSS,
            rates: [
                0.01,
                0.01,
                0.005,
                0.0025,
                0.00125,
                0.00125,
                0.000625,
                0.0003125,
                0.00015625,
                7.8125e-05,
                3.90625e-05,
                3.90625e-05,
                1.953125e-05,
                9.765625e-06,
                4.8828124e-06,
            ],
        },
        Plateau {
            keras: "{patience: 1, factor: 0.5, min_lr: 0.2}",
            callback: ReduceLROnPlateau::new("val_loss")
                .patience(1)
                .factor(0.5)
                .min_lr(0.2),
            rate: 0.1,
            values: &LOSS,
            rates: [
                0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
            ],
        },
    ];
    let model = Sequential::new();
    for mut case in cases {
        case.callback.on_train_begin(&model).unwrap();
        let mut control = Control::new(case.rate);
        let mut rates = Vec::new();
        for (epoch, &value) in case.values.iter().enumerate() {
            let logs = Logs::from([(case.callback.monitor(), value)]);
            case.callback
                .on_epoch_end(epoch, &logs, &model, &mut control)
                .unwrap();
            assert!(!control.stop_training);
            rates.push(control.learning_rate);
        }
        // bit for bit: Keras computes the new rate in f64 and stores it as f32
        let bits = |r: &[f32]| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&rates),
            bits(&case.rates),
            "Keras {}: {rates:?}",
            case.keras
        );
    }
}

/// Real Keras 3 `fit` (SGD at 0.01, `monitor="loss", min_delta=10, patience=1, factor=0.5,
/// cooldown=1`): no epoch improves on the first by 10, so the rate is halved after every
/// epoch from the second on; the history holds the rate each epoch trained with.
#[test]
fn reduce_lr_on_plateau_in_fit_logs_the_rate_as_keras_does() {
    let x = Tensor::from_vec(vec![-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0], &[4, 1]);
    let y = Tensor::ones(&[4, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    let reduce = ReduceLROnPlateau::new("loss")
        .min_delta(10.0)
        .patience(1)
        .factor(0.5)
        .cooldown(1);
    let options = FitOptions::new().with_epochs(6).verbose(0).callback(reduce);
    let history = model.fit(&x, &y, options).unwrap();
    let keras = [0.01, 0.01, 0.005, 0.0025, 0.00125, 0.000625];
    assert_eq!(history.history["learning_rate"], keras);
}

/// An `EarlyStopping` case: the epoch it stopped after, whose weights the model ends with,
/// and the best value and epoch, as Keras found them.
struct Stopping {
    keras: &'static str,
    callback: EarlyStopping,
    values: &'static [f32],
    stopped: Option<usize>,
    restored: usize,
    best: Option<f32>,
    best_epoch: Option<usize>,
}

#[test]
fn early_stopping_mode_baseline_and_start_from_epoch_match_keras() {
    let cases = [
        Stopping {
            keras: "{patience: 2, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(2)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: Some(3),
            restored: 1,
            best: Some(0.9),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{patience: 2, baseline: 0.85, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(2)
                .baseline(0.85)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: Some(2),
            restored: 1,
            best: Some(0.9),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{patience: 2, baseline: 0.95, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(2)
                .baseline(0.95)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: Some(3),
            restored: 1,
            best: Some(0.9),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{patience: 3, baseline: 0.3}",
            callback: EarlyStopping::new("val_loss").patience(3).baseline(0.3),
            values: &LOSS,
            stopped: Some(2),
            restored: 2,
            best: Some(0.9),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{patience: 1, start_from_epoch: 3, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(1)
                .start_from_epoch(3)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: Some(6),
            restored: 5,
            best: Some(0.89),
            best_epoch: Some(5),
        },
        Stopping {
            keras: "{patience: 1, start_from_epoch: 20, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(1)
                .start_from_epoch(20)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: None,
            restored: 14,
            best: None,
            best_epoch: None,
        },
        Stopping {
            keras: "{monitor: val_accuracy, patience: 3, restore_best_weights: True}",
            callback: EarlyStopping::new("val_accuracy")
                .patience(3)
                .restore_best_weights(true),
            values: &ACC,
            stopped: Some(4),
            restored: 1,
            best: Some(0.6),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{monitor: score, mode: max, patience: 2, restore_best_weights: True}",
            callback: EarlyStopping::new("score")
                .mode("max")
                .patience(2)
                .restore_best_weights(true),
            values: &ACC,
            stopped: Some(3),
            restored: 1,
            best: Some(0.6),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{monitor: val_accuracy, mode: min, patience: 1}",
            callback: EarlyStopping::new("val_accuracy").mode("min").patience(1),
            values: &ACC,
            stopped: Some(1),
            restored: 1,
            best: Some(0.5),
            best_epoch: Some(0),
        },
        Stopping {
            keras: "{monitor: score, mode: max, patience: 1, baseline: 0.62, restore_best_weights: True}",
            callback: EarlyStopping::new("score")
                .mode("max")
                .patience(1)
                .baseline(0.62)
                .restore_best_weights(true),
            values: &ACC,
            stopped: Some(2),
            restored: 1,
            best: Some(0.6),
            best_epoch: Some(1),
        },
        Stopping {
            keras: "{patience: 1, min_delta: 0.05, baseline: 0.92, restore_best_weights: True}",
            callback: EarlyStopping::new("val_loss")
                .patience(1)
                .min_delta(0.05)
                .baseline(0.92)
                .restore_best_weights(true),
            values: &LOSS,
            stopped: Some(2),
            restored: 1,
            best: Some(0.9),
            best_epoch: Some(1),
        },
    ];
    let mut model = Sequential::new().add(Dense::new(1));
    model.build([1]).unwrap();
    for mut case in cases {
        case.callback.on_train_begin(&model).unwrap();
        let mut control = Control::new(0.1);
        let mut stopped = None;
        for (epoch, &value) in case.values.iter().enumerate() {
            // the kernel holds the epoch: the restored kernel names the restored epoch
            let epoch_weights = [Tensor::full(&[1, 1], epoch as f32), Tensor::zeros(&[1])];
            model.set_weights(&epoch_weights).unwrap();
            let logs = Logs::from([(case.callback.monitor(), value)]);
            case.callback
                .on_epoch_end(epoch, &logs, &model, &mut control)
                .unwrap();
            if control.stop_training {
                stopped = Some(epoch);
                break;
            }
        }
        case.callback.on_train_end(&model).unwrap();
        let restored = model.get_weights().unwrap()[0].to_vec()[0];
        let found = (
            stopped,
            case.callback.stopped_epoch(),
            restored,
            case.callback.best(),
            case.callback.best_epoch(),
        );
        let keras = (
            case.stopped,
            case.stopped,
            case.restored as f32,
            case.best,
            case.best_epoch,
        );
        assert_eq!(found, keras, "Keras {}", case.keras);
    }
}

/// Real Keras 3 `fit` (`monitor="loss", min_delta=10, patience=2, start_from_epoch=3`):
/// epochs 0 to 2 are not monitored, epoch 3 is the first best, and training stops after
/// epoch 5, 6 epochs in.
#[test]
fn early_stopping_start_from_epoch_in_fit_stops_where_keras_does() {
    let x = Tensor::from_vec(vec![-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0], &[4, 1]);
    let y = Tensor::ones(&[4, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    let stop = EarlyStopping::new("loss")
        .min_delta(10.0)
        .patience(2)
        .start_from_epoch(3);
    let options = FitOptions::new().with_epochs(20).verbose(0).callback(stop);
    let history = model.fit(&x, &y, options).unwrap();
    assert_eq!(history.history["loss"].len(), 6);
    assert_eq!(history.stopped_epoch(), Some(5));
    assert_eq!(history.early_stopping[0].best_epoch, Some(3));
}

/// The names `mode="auto"` maximizes, as Keras 3 does for the metrics whose direction is
/// "up"; every other name, the losses first, is minimized.
#[test]
fn auto_mode_maximizes_what_keras_maximizes() {
    let model = Sequential::new();
    for (monitor, higher_is_better) in [
        ("val_loss", false),
        ("loss", false),
        ("mae", false),
        ("val_mean_squared_error", false),
        ("accuracy", true),
        ("val_sparse_categorical_accuracy", true),
        ("auc", true),
        ("val_auc", true),
        ("precision", true),
        ("val_recall", true),
        ("f1_score", true),
        ("r2_score", true),
    ] {
        // 0.5 then 0.6: an improvement only where higher is better
        let mut stop = EarlyStopping::new(monitor);
        stop.on_train_begin(&model).unwrap();
        let mut control = Control::new(0.1);
        for (epoch, value) in [0.5, 0.6].into_iter().enumerate() {
            let logs = Logs::from([(monitor, value)]);
            stop.on_epoch_end(epoch, &logs, &model, &mut control)
                .unwrap();
        }
        assert_eq!(control.stop_training, !higher_is_better, "{monitor}");
        let mut reduce = ReduceLROnPlateau::new(monitor).patience(1);
        reduce.on_train_begin(&model).unwrap();
        let mut control = Control::new(0.1);
        for (epoch, value) in [0.5, 0.6].into_iter().enumerate() {
            let logs = Logs::from([(monitor, value)]);
            reduce
                .on_epoch_end(epoch, &logs, &model, &mut control)
                .unwrap();
        }
        assert_eq!(control.learning_rate == 0.1, higher_is_better, "{monitor}");
    }
}

/// Settings that cannot be used are refused when training begins, naming the callback, the
/// setting and the value, and `fit` then trains nothing.
#[test]
fn unusable_callback_settings_are_refused_naming_them() {
    let model = Sequential::new();
    let refused = |mut cb: Box<dyn Callback>| cb.on_train_begin(&model).unwrap_err();
    for (cb, says) in [
        (
            ReduceLROnPlateau::new("loss").factor(1.0),
            "`factor` must be above 0 and below 1, but it is 1",
        ),
        (ReduceLROnPlateau::new("loss").factor(2.0), "but it is 2"),
        (ReduceLROnPlateau::new("loss").factor(0.0), "but it is 0"),
        (
            ReduceLROnPlateau::new("loss").factor(-0.5),
            "but it is -0.5",
        ),
        (
            ReduceLROnPlateau::new("loss").factor(f32::NAN),
            "`factor` must be above 0 and below 1, but it is NaN",
        ),
        (
            ReduceLROnPlateau::new("loss").min_lr(-0.001),
            "`min_lr` must be a finite number ≥ 0, but it is -0.001",
        ),
        (
            ReduceLROnPlateau::new("loss").min_lr(f32::NAN),
            "`min_lr` must be a finite number ≥ 0, but it is NaN",
        ),
        (
            ReduceLROnPlateau::new("loss").min_delta(f32::INFINITY),
            "`min_delta` must be a finite number",
        ),
        (
            ReduceLROnPlateau::new("loss").mode("maximum"),
            "`mode` must be one of auto, min, max, but it is \"maximum\"",
        ),
    ] {
        let err = refused(Box::new(cb));
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("ReduceLROnPlateau") && text.contains(says),
            "{text}"
        );
    }
    for (cb, says) in [
        (
            EarlyStopping::new("loss").mode("Max"),
            "`mode` must be one of auto, min, max, but it is \"Max\"",
        ),
        (
            EarlyStopping::new("loss").baseline(f32::NAN),
            "`baseline` must be a number, but it is NaN",
        ),
    ] {
        let err = refused(Box::new(cb));
        assert!(matches!(err, Error::InvalidArgument { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("EarlyStopping") && text.contains(says),
            "{text}"
        );
    }
    // in `fit`, before any training: the model keeps its weights
    let x = Tensor::ones(&[4, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([1]).unwrap();
    let before = model.get_weights().unwrap()[0].to_vec();
    let options = FitOptions::new()
        .verbose(0)
        .callback(ReduceLROnPlateau::new("loss").factor(1.5));
    let err = model.fit(&x, &x, options).unwrap_err();
    assert!(err.to_string().contains("`factor`"), "{err}");
    assert_eq!(model.get_weights().unwrap()[0].to_vec(), before);
}

/// A monitored name missing from the logs is an error naming it and what the logs hold,
/// as for `EarlyStopping` (Keras only warns and does nothing).
#[test]
fn reduce_lr_on_plateau_names_a_missing_monitor() {
    let x = Tensor::ones(&[4, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    let options = FitOptions::new()
        .verbose(0)
        .callback(ReduceLROnPlateau::new("val_loss"));
    let err = model.fit(&x, &x, options).unwrap_err().to_string();
    assert!(
        err.contains("ReduceLROnPlateau") && err.contains("`val_loss`") && err.contains("loss"),
        "{err}"
    );
}
