//! Training like Keras: `compile`, `fit`, `evaluate`, `predict`, callbacks, reproducibility,
//! and every bad input a user can hand to `fit`.

use std::sync::atomic::{AtomicUsize, Ordering};

use layers::activation::Relu;
use layers::layer::{CallWithContext, Context};
use layers::model::callbacks::{EarlyStopping, LearningRateScheduler, OnEpochEnd};
use layers::optim::{Adam, Sgd};
use layers::prelude::*;

/// Three separable blobs in 2-D, 60 samples, labels 0..3 (deterministic).
fn blobs() -> (Tensor, Tensor) {
    let centers = [(-2.0f32, -2.0f32), (2.0, -2.0), (0.0, 2.5)];
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..60 {
        let c = i % 3;
        let jitter = (
            (i * 37 % 11) as f32 / 11.0 - 0.5,
            (i * 53 % 13) as f32 / 13.0 - 0.5,
        );
        x.extend([centers[c].0 + jitter.0, centers[c].1 + jitter.1]);
        y.push(c as f32);
    }
    (Tensor::from_vec(x, &[60, 2]), Tensor::from_vec(y, &[60]))
}

fn classifier(seed: u64) -> Sequential {
    let mut m = Sequential::new()
        .seed(seed)
        .add(Dense::new(8).activation(Relu))
        .add(Dense::new(3));
    m.compile(
        Adam::new().with_learning_rate(0.05),
        layers::loss::SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )
    .unwrap();
    m
}

fn quiet(epochs: usize) -> FitOptions {
    FitOptions::new()
        .with_epochs(epochs)
        .batch_size(16)
        .verbose(0)
}

#[test]
fn fit_learns_and_reports_keras_history() {
    let (x, y) = blobs();
    let mut model = classifier(1);
    let history = model.fit(&x, &y, quiet(30).validation_split(0.2)).unwrap();
    assert_eq!(history.epoch, (0..30).collect::<Vec<_>>());
    let keys: Vec<&String> = history.history.keys().collect();
    assert_eq!(keys, ["accuracy", "loss", "val_accuracy", "val_loss"]);
    assert_eq!(history.params.steps, 3); // 48 training samples in batches of 16
    assert!(history.last("accuracy").unwrap() > 0.95, "{history:?}");
    assert!(history.last("loss").unwrap() < history.history["loss"][0]);
    let logs = model.evaluate(&x, &y, 7).unwrap();
    assert_eq!(logs.names().collect::<Vec<_>>(), ["loss", "accuracy"]);
    assert!(logs["accuracy"] > 0.95);
    let p = model.predict(&x).unwrap();
    assert_eq!(p.shape(), &[60, 3]);
}

#[test]
fn the_same_seed_gives_the_identical_history() {
    let (x, y) = blobs();
    let run = |seed| {
        let mut m = classifier(seed);
        m.fit(&x, &y, quiet(5).validation_split(0.2)).unwrap()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7).history["loss"], run(8).history["loss"]);
}

#[test]
fn dropout_training_is_reproducible_too() {
    let (x, y) = blobs();
    let run = || {
        let mut m = Sequential::new()
            .seed(3)
            .add(Dense::new(16).activation(Relu))
            .add(Dropout::new(0.3))
            .add(Dense::new(3));
        m.compile(
            "adam",
            layers::loss::SparseCategoricalCrossentropy::new().from_logits(true),
            &[],
        )
        .unwrap();
        m.fit(&x, &y, quiet(3)).unwrap().history["loss"].clone()
    };
    assert_eq!(run(), run());
}

/// A layer that counts the calls it sees in training and in inference.
#[derive(Layer)]
struct Spy {
    #[skip]
    training_calls: AtomicUsize,
    #[skip]
    inference_calls: AtomicUsize,
}

impl CallWithContext for Spy {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        let counter = if ctx.training() {
            &self.training_calls
        } else {
            &self.inference_calls
        };
        counter.fetch_add(1, Ordering::Relaxed);
        x.clone()
    }
}

#[test]
fn layers_see_training_in_fit_and_inference_in_evaluate_and_predict() {
    let (x, y) = blobs();
    let mut model = Model::new(Spy::new());
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([2]).unwrap();
    let before = model.inference_calls.load(Ordering::Relaxed);
    model
        .fit(&x, &x, quiet(1).batch_size(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.training_calls.load(Ordering::Relaxed), 3);
    let after_fit = model.inference_calls.load(Ordering::Relaxed);
    model.evaluate(&x, &x, 60).unwrap();
    model.predict(&x).unwrap();
    assert!(model.inference_calls.load(Ordering::Relaxed) > after_fit);
    assert!(after_fit >= before);
    let _ = y;
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (x, y) = blobs();
    let mut model = Sequential::new().add(Dense::new(3));
    // fit before compile
    let err = model.fit(&x, &y, quiet(1)).unwrap_err().to_string();
    assert!(err.contains("call `compile` before `fit`"), "{err}");
    model
        .compile(
            "adam",
            layers::loss::SparseCategoricalCrossentropy::new().from_logits(true),
            &["accuracy"],
        )
        .unwrap();
    // different sample counts
    let err = model
        .fit(&x, &y.narrow(0, 0, 59), quiet(1))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "fit: x has 60 samples but y has 59");
    // labels out of range for the loss
    let bad_labels = Tensor::from_vec((0..60).map(|i| (i % 4) as f32).collect(), &[60]);
    let err = model
        .fit(&x, &bad_labels, quiet(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("out of range") && err.contains('3'), "{err}");
    // NaN and infinite inputs
    let mut values = x.to_vec();
    values[7] = f32::NAN;
    let err = model
        .fit(&Tensor::from_vec(values.clone(), &[60, 2]), &y, quiet(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("NaN or infinite value in sample 3"), "{err}");
    values[7] = f32::INFINITY;
    assert!(
        model
            .fit(&Tensor::from_vec(values, &[60, 2]), &y, quiet(1))
            .is_err()
    );
    // empty data
    let err = model
        .fit(&Tensor::zeros(&[0, 2]), &Tensor::zeros(&[0]), quiet(1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("no samples"), "{err}");
    // wrong feature width (the model was built from the first good-shaped data)
    model.build([2]).unwrap();
    let err = model
        .fit(&Tensor::zeros(&[4, 5]), &Tensor::zeros(&[4]), quiet(1))
        .unwrap_err();
    assert!(matches!(
        &err,
        Error::InputShape { expected, found, .. } if expected.0 == [2] && found.0 == [5]
    ));
    assert_eq!(
        err.to_string(),
        "`sequential` expects input of shape (None, 2) but got (None, 5)"
    );
    // batch size 0, no epochs, bad split
    assert!(
        model
            .fit(&x, &y, quiet(1).batch_size(0))
            .unwrap_err()
            .to_string()
            .contains("batch size")
    );
    assert!(model.fit(&x, &y, quiet(0)).is_err());
    assert!(model.fit(&x, &y, quiet(1).validation_split(1.0)).is_err());
    assert!(model.evaluate(&x, &y, 0).is_err());
    // nothing above panicked, and the model still trains
    assert!(model.fit(&x, &y, quiet(1)).is_ok());
}

#[test]
fn a_nan_loss_stops_training_naming_epoch_and_batch_without_updating() {
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]);
    let y = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[4, 1]);
    let mut model = Sequential::new().add(Dense::new(1));
    // A learning rate this large makes the loss overflow to infinity within a few steps.
    model
        .compile(Sgd::new().with_learning_rate(1e18), "mse", &[])
        .unwrap();
    let err = model
        .fit(&x, &y, quiet(50).batch_size(1).shuffle(false))
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("training stopped at epoch "), "{msg}");
    assert!(
        msg.contains(", batch ") && msg.contains("the update was not applied"),
        "{msg}"
    );
    let weights = model.get_weights().unwrap();
    assert!(
        weights.iter().all(|w| w.all_finite()),
        "weights are garbage: {weights:?}"
    );
}

/// Keeps a copy of the weights at the end of every epoch.
struct Snapshots(std::sync::Arc<std::sync::Mutex<Vec<Vec<Tensor>>>>);

impl layers::model::callbacks::Callback for Snapshots {
    fn on_epoch_end(
        &mut self,
        _epoch: usize,
        _logs: &Logs,
        model: &dyn Layer,
        _control: &mut layers::model::callbacks::Control,
    ) -> layers::Result<()> {
        self.0.lock().unwrap().push(model.get_weights()?);
        Ok(())
    }
}

#[test]
fn early_stopping_restores_the_best_weights() {
    let (x, y) = blobs();
    let mut model = classifier(2);
    // The learning rate jumps at epoch 2, so the loss gets worse there and training stops.
    let schedule = LearningRateScheduler::new(|epoch, lr| if epoch == 2 { 5.0 } else { lr });
    let stop = EarlyStopping::new("loss")
        .patience(1)
        .restore_best_weights(true);
    let snapshots = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let history = model
        .fit(
            &x,
            &y,
            quiet(20)
                .callback(schedule)
                .callback(Snapshots(snapshots.clone()))
                .callback(stop),
        )
        .unwrap();
    let losses = &history.history["loss"];
    assert!(history.epoch.len() < 20, "did not stop: {losses:?}");
    let best = losses
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap();
    assert!(
        best + 1 < losses.len(),
        "the last epoch must not be the best: {losses:?}"
    );
    // The model now holds exactly the weights it had at the end of the best epoch.
    let snapshots = snapshots.lock().unwrap();
    let now = model.get_weights().unwrap();
    for (a, b) in now.iter().zip(&snapshots[best]) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
    assert_ne!(now[0].to_vec(), snapshots.last().unwrap()[0].to_vec());
    // What the callback decided is readable after `fit`, from the history.
    let report = &history.early_stopping[0];
    assert_eq!(report.monitor, "loss");
    assert_eq!(report.best_epoch, Some(best));
    assert_eq!(report.best, Some(losses[best]));
    assert_eq!(report.stopped_epoch, Some(losses.len() - 1));
    assert_eq!(history.stopped_epoch(), report.stopped_epoch);
}

#[test]
fn logs_are_looked_up_by_name_in_keras_order() {
    let (x, y) = blobs();
    let mut model = classifier(8);
    model
        .add_metric(layers::metrics::SparseCategoricalAccuracy::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let logs = model.evaluate(&x, &y, 16).unwrap();
    assert_eq!(
        logs.names().collect::<Vec<_>>(),
        ["loss", "accuracy", "sparse_categorical_accuracy"]
    );
    // `accuracy` resolves to the sparse categorical accuracy for this loss: same value
    assert_eq!(logs["accuracy"], logs["sparse_categorical_accuracy"]);
    assert_eq!(logs.get("val_loss"), None);
    let missing = std::panic::catch_unwind(|| logs["val_loss"]).unwrap_err();
    assert_eq!(
        missing.downcast_ref::<String>().map(String::as_str),
        Some("no log named `val_loss`; the logs hold: loss, accuracy, sparse_categorical_accuracy")
    );
    // the same type from train_on_batch, test_on_batch, callbacks and History
    let train = model.train_on_batch(&x, &y).unwrap();
    let test = model.test_on_batch(&x, &y).unwrap();
    assert_eq!(train.len(), 3);
    assert_eq!(
        test.names().collect::<Vec<_>>(),
        logs.names().collect::<Vec<_>>()
    );
    // two metrics logged under one name would lose one of them
    let err = model
        .compile("adam", "mse", &["mae", "mae"])
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "`compile`: two values would be logged as `mae`; every metric needs a name of its own, other than `loss` (metrics have `with_name`)"
    );
}

#[test]
fn closure_callbacks_see_every_epoch() {
    let (x, y) = blobs();
    let mut model = classifier(4);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    model
        .fit(
            &x,
            &y,
            quiet(3).callback(OnEpochEnd::new(move |epoch, logs: &Logs| {
                sink.lock().unwrap().push((epoch, logs.len()));
            })),
        )
        .unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![(0, 2), (1, 2), (2, 2)]);
}

#[test]
fn train_and_test_on_batch_for_custom_loops() {
    let (x, y) = blobs();
    let mut model = classifier(5);
    let first = model.test_on_batch(&x, &y).unwrap()["loss"];
    for _ in 0..30 {
        model.train_on_batch(&x, &y).unwrap();
    }
    let last = model.test_on_batch(&x, &y).unwrap()["loss"];
    assert!(last < first * 0.5, "{first} → {last}");
}

#[test]
fn summary_shows_optimizer_params_after_training() {
    let (x, y) = blobs();
    let mut model = classifier(6);
    model.fit(&x, &y, quiet(1)).unwrap();
    let text = model.summary().to_string();
    // Adam: two slots per parameter (2 · 51) plus the iteration count and the learning rate.
    assert!(
        text.ends_with(" Optimizer params: 104 (416.00 B)"),
        "{text}"
    );
}

#[cfg(feature = "plot")]
#[test]
fn history_plots_to_an_svg_file() {
    let (x, y) = blobs();
    let mut model = classifier(7);
    let history = model.fit(&x, &y, quiet(3).validation_split(0.2)).unwrap();
    let dir = std::env::temp_dir().join(format!("layers-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.svg");
    history.plot(&path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("val_loss") && svg.contains("accuracy"));
    let err = history.plot(dir.join("missing/dir/h.svg")).unwrap_err();
    assert!(err.to_string().starts_with("cannot write "), "{err}");
}

/// Keeps the weights after every epoch, in a shared list.
fn weights_per_epoch() -> (
    Snapshots,
    std::sync::Arc<std::sync::Mutex<Vec<Vec<Tensor>>>>,
) {
    let list = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    (Snapshots(list.clone()), list)
}

/// One weight `w`, no bias, built with w = 1.
fn one_weight(optimizer: impl layers::model::train::IntoOptimizer) -> Sequential {
    let mut model = Sequential::new().add(Dense::new(1).use_bias(false));
    model.compile(optimizer, "mse", &[]).unwrap();
    model.build([1]).unwrap();
    model.set_weights(&[Tensor::ones(&[1, 1])]).unwrap();
    model
}

#[test]
fn fit_keeps_the_optimizers_learning_rate_schedule() {
    use layers::optim::ExponentialDecay;
    // x = 1, y = 0 and mse make the loss w² and its gradient 2w, so plain SGD takes w to
    // w·(1 − 2·lr_t) at step t. The schedule halves the rate every step: lr_t = 0.1·0.5^t.
    let schedule = || ExponentialDecay::new(0.1, 1, 0.5).unwrap();
    let mut model = one_weight(Sgd::new().schedule(schedule()));
    let (snapshots, seen) = weights_per_epoch();
    // Four samples in batches of 2: two steps per epoch, six in all.
    model
        .fit(
            &Tensor::ones(&[4, 1]),
            &Tensor::zeros(&[4, 1]),
            quiet(3).batch_size(2).callback(snapshots),
        )
        .unwrap();
    let under_fit: Vec<f32> = seen.lock().unwrap().iter().map(|w| w[0].item()).collect();
    // The same optimizer used alone on the same weight and gradient.
    let w = Weight::from_tensor("w", Tensor::ones(&[1]));
    let mut alone = Sgd::new().schedule(schedule());
    let mut expected = Vec::new();
    for step in 0..6 {
        let grads = (&w * &w).sum_all().backward();
        alone.apply(&[&w], &grads).unwrap();
        if step % 2 == 1 {
            expected.push(w.value().item());
        }
    }
    assert_eq!(under_fit, expected);
    // And by hand: w after 2k steps is Π_{t<2k} (1 − 0.2·0.5^t).
    let mut w = 1.0f64;
    for (step, got) in (0..6).zip([None, Some(0), None, Some(1), None, Some(2)]) {
        w *= 1.0 - 0.2 * 0.5f64.powi(step);
        if let Some(epoch) = got {
            assert!(
                (f64::from(under_fit[epoch]) - w).abs() < 1e-6,
                "epoch {epoch}: {under_fit:?}"
            );
        }
    }
}

#[test]
fn a_callback_cannot_override_a_learning_rate_schedule() {
    use layers::optim::ExponentialDecay;
    let mut model = one_weight(Sgd::new().schedule(ExponentialDecay::new(0.1, 1, 0.5).unwrap()));
    let err = model
        .fit(
            &Tensor::ones(&[4, 1]),
            &Tensor::zeros(&[4, 1]),
            quiet(2).callback(LearningRateScheduler::new(|_, lr| lr * 0.5)),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("schedule") && err.contains("`SGD`") && err.contains("epoch 1"),
        "{err}"
    );
    // Nothing was trained, and the model is still compiled.
    assert_eq!(model.get_weights().unwrap()[0].to_vec(), vec![1.0]);
    assert_eq!(model.optimizer_params(), None);
    assert!(
        model
            .fit(&Tensor::ones(&[4, 1]), &Tensor::zeros(&[4, 1]), quiet(1))
            .is_ok()
    );
}

#[test]
fn a_negative_learning_rate_is_refused_at_compile_naming_it() {
    let mut model = Sequential::new().add(Dense::new(1));
    for rate in [-0.1f32, f32::NAN, f32::INFINITY] {
        let err = model
            .compile(Sgd::new().with_learning_rate(rate), "mse", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("learning_rate") && err.contains(&format!("{rate:?}")),
            "{err}"
        );
    }
    let err = model
        .compile(Adam::new().epsilon(-1.0), "mse", &[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("epsilon") && err.contains("-1.0"), "{err}");
}

#[test]
fn an_update_that_overflows_is_refused_and_changes_nothing() {
    let mut model = one_weight(Sgd::new().with_learning_rate(1e30));
    // pred = 1e5·w = 1e5, loss 1e10 (finite), gradient 2·1e5·1e5 = 2e10: lr·g = 2e40 > f32::MAX.
    let x = Tensor::full(&[2, 1], 1e5);
    let err = model
        .fit(&x, &Tensor::zeros(&[2, 1]), quiet(2).batch_size(2))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("training stopped at epoch 1, batch 1: ")
            && err.contains("learning rate 1e30")
            && err.contains("dense.kernel"),
        "{err}"
    );
    assert_eq!(model.get_weights().unwrap()[0].to_vec(), vec![1.0]);
    assert_eq!(model.optimizer_params(), None);
}

#[test]
fn a_refused_step_leaves_batch_normalization_statistics_alone() {
    let mut model = Sequential::new()
        .add(BatchNormalization::new())
        .add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([2]).unwrap();
    let before = model.get_weights().unwrap();
    // Targets near f32::MAX make (prediction − target)² overflow: the loss is infinite.
    let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 5.0], &[2, 2]);
    let y = Tensor::full(&[2, 1], 3e38);
    let err = model.train_on_batch(&x, &y).unwrap_err().to_string();
    assert!(
        err.contains("train_on_batch") && err.contains("inf") && !err.contains("epoch"),
        "{err}"
    );
    let after = model.get_weights().unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
    assert_eq!(model.optimizer_params(), None);
    let err = model.fit(&x, &y, quiet(1)).unwrap_err().to_string();
    assert!(
        err.starts_with("training stopped at epoch 1, batch 1: "),
        "{err}"
    );
    for (a, b) in before.iter().zip(&model.get_weights().unwrap()) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
}

#[test]
fn a_step_that_would_make_layer_state_non_finite_is_refused() {
    let mut model = Sequential::new()
        .add(BatchNormalization::new())
        .add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    model.build([1]).unwrap();
    let before = model.get_weights().unwrap();
    // The batch variance mean((±1e20)²) = 1e40 overflows f32: the moving variance would
    // become 0.99 + 0.01·inf = inf, while the normalised output x/√inf = 0 and the loss
    // stay finite.
    let x = Tensor::from_vec(vec![1e20, -1e20], &[2, 1]);
    let err = model
        .train_on_batch(&x, &Tensor::zeros(&[2, 1]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "training stopped at `train_on_batch` step 1: the layer state `batch_normalization.moving_variance` became NaN or infinite in the forward pass; the update was not applied"
    );
    for (a, b) in before.iter().zip(&model.get_weights().unwrap()) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
}

/// A layer that scales its input by a trainable weight and counts its training calls in a
/// non-trainable weight, written during `call`; it fails (with an error, or by panicking)
/// on a training call while `fail` is set.
struct Counting {
    scale: Weight,
    calls: Weight,
    fail: std::sync::atomic::AtomicU8,
}

const FAIL_NONE: u8 = 0;
const FAIL_ERR: u8 = 1;
const FAIL_PANIC: u8 = 2;

impl Counting {
    fn new() -> Counting {
        let mut calls = Weight::from_tensor("calls", Tensor::zeros(&[1]));
        calls.set_trainable(false);
        Counting {
            scale: Weight::from_tensor("scale", Tensor::ones(&[1])),
            calls,
            fail: std::sync::atomic::AtomicU8::new(FAIL_NONE),
        }
    }
}

impl Layer for Counting {
    fn type_name(&self) -> &'static str {
        "Counting"
    }

    fn forward(&self, x: &Tensor) -> layers::Result<Tensor> {
        if layers::layer::context::is_training() {
            self.calls.set_value(self.calls.value() + 1.0)?;
            match self.fail.load(Ordering::Relaxed) {
                FAIL_ERR => {
                    return Err(Error::InvalidArgument {
                        op: "Counting::forward",
                        message: "told to fail".into(),
                    });
                }
                FAIL_PANIC => panic!("told to panic"),
                _ => {}
            }
        }
        Ok(x * &self.scale)
    }

    fn weights(&self) -> Vec<&Weight> {
        vec![&self.scale, &self.calls]
    }

    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        vec![&mut self.scale, &mut self.calls]
    }
}

#[test]
fn a_failed_step_undoes_state_written_during_the_call() {
    let mut model = Model::new(Counting::new());
    model.compile("sgd", "mse", &[]).unwrap();
    let (x, y) = (Tensor::ones(&[2, 1]), Tensor::zeros(&[2, 1]));
    model.train_on_batch(&x, &y).unwrap();
    let after_one = model.get_weights().unwrap();
    assert_eq!(after_one[1].to_vec(), vec![1.0]);
    for mode in [FAIL_ERR, FAIL_PANIC] {
        model.fail.store(mode, Ordering::Relaxed);
        let quiet_fit = std::panic::AssertUnwindSafe(|| model.fit(&x, &y, quiet(1)));
        match std::panic::catch_unwind(quiet_fit) {
            Ok(result) => assert!(result.is_err(), "mode {mode}"),
            Err(_) => assert_eq!(mode, FAIL_PANIC),
        }
        model.fail.store(FAIL_NONE, Ordering::Relaxed);
        let now = model.get_weights().unwrap();
        for (a, b) in after_one.iter().zip(&now) {
            assert_eq!(a.to_vec(), b.to_vec(), "mode {mode}");
        }
        // The compiled optimizer, loss and metrics are still in place.
        assert!(model.evaluate(&x, &y, 2).is_ok(), "mode {mode}");
    }
    model.train_on_batch(&x, &y).unwrap();
    assert_eq!(model.get_weights().unwrap()[1].to_vec(), vec![2.0]);
}

/// A layer that counts every forward pass it runs: training steps, evaluation batches and
/// dry runs alike.
struct Forwards {
    scale: Weight,
    calls: AtomicUsize,
}

impl Forwards {
    fn new() -> Forwards {
        Forwards {
            scale: Weight::from_tensor("scale", Tensor::ones(&[1])),
            calls: AtomicUsize::new(0),
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::Relaxed)
    }
}

impl Layer for Forwards {
    fn type_name(&self) -> &'static str {
        "Forwards"
    }

    fn forward(&self, x: &Tensor) -> layers::Result<Tensor> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(x * &self.scale)
    }

    fn weights(&self) -> Vec<&Weight> {
        vec![&self.scale]
    }

    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        vec![&mut self.scale]
    }
}

#[test]
fn each_train_on_batch_runs_the_model_once() {
    let mut model = Model::new(Forwards::new());
    model.compile("sgd", "mse", &["mae"]).unwrap();
    let (x, y) = (Tensor::ones(&[4, 1]), Tensor::zeros(&[4, 1]));
    // The first call builds the model: one dry run on a zero sample, then the step.
    model.train_on_batch(&x, &y).unwrap();
    assert_eq!(model.calls(), 2);
    for _ in 0..10 {
        model.train_on_batch(&x, &y).unwrap();
    }
    assert_eq!(model.calls(), 12);
    // Evaluating runs one forward pass per batch, and nothing else.
    model.test_on_batch(&x, &y).unwrap();
    assert_eq!(model.calls(), 13);
    model.evaluate(&x, &y, 3).unwrap();
    assert_eq!(model.calls(), 15);
    // `fit`: one step per batch, one validation pass per batch of validation data.
    let options = FitOptions::new()
        .with_epochs(2)
        .batch_size(2)
        .validation_data(Tensor::ones(&[2, 1]), Tensor::zeros(&[2, 1]))
        .verbose(0);
    model.fit(&x, &y, options).unwrap();
    assert_eq!(model.calls(), 15 + 2 * (2 + 1));
}

#[test]
fn training_follows_a_model_changed_after_it_was_built() {
    let x = Tensor::ones(&[2, 4]);
    let mut model = Sequential::new().add(Dense::new(3));
    model.compile("sgd", "mse", &[]).unwrap();
    model.train_on_batch(&x, &Tensor::zeros(&[2, 3])).unwrap();
    model.push(Dense::new(1)).unwrap();
    model.train_on_batch(&x, &Tensor::zeros(&[2, 1])).unwrap();
    let err = model
        .train_on_batch(&x, &Tensor::zeros(&[2, 3]))
        .unwrap_err();
    assert!(err.to_string().contains("[2, 3]"), "{err}");

    // The same through `Model`'s mutable access to the layer it wraps.
    let mut model = Model::new(Sequential::new().add(Dense::new(3)));
    model.compile("sgd", "mse", &[]).unwrap();
    model.train_on_batch(&x, &Tensor::zeros(&[2, 3])).unwrap();
    model.push(Dense::new(1)).unwrap();
    model.train_on_batch(&x, &Tensor::zeros(&[2, 1])).unwrap();
}
