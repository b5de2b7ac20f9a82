//! Training like Keras: `compile`, `fit`, `evaluate`, `predict`, callbacks, reproducibility,
//! and every bad input a user can hand to `fit`.

use std::sync::atomic::{AtomicUsize, Ordering};

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
    FitOptions::new().epochs(epochs).batch_size(16).verbose(0)
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
    assert_eq!(logs[0].0, "loss");
    assert!(logs[1].1 > 0.95);
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
    assert_eq!(err, "fit: fit: x has 60 samples but y has 59");
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
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
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
        _logs: &[(String, f32)],
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
            quiet(3).callback(OnEpochEnd::new(move |epoch, logs: &[(String, f32)]| {
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
    let first = model.test_on_batch(&x, &y).unwrap()[0].1;
    for _ in 0..30 {
        model.train_on_batch(&x, &y).unwrap();
    }
    let last = model.test_on_batch(&x, &y).unwrap()[0].1;
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
