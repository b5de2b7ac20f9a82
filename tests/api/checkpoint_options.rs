//! `ModelCheckpoint`'s Keras options: `mode`, `initial_value_threshold` and `save_freq`
//! counting batches (file names checked against Keras 3.15.1: `save_freq=2` over two epochs
//! of three batches writes `m-1-2`, `m-2-1`, `m-2-3`), and their refusals before any
//! training.

use layers::model::History;
use layers::model::callbacks::{ModelCheckpoint, SaveFreq};
use layers::optim::Sgd;
use layers::prelude::*;

/// A model whose loss falls every epoch on `data()`.
fn model() -> Sequential {
    let mut m = Sequential::new().seed(5).add(Dense::new(1));
    m.compile(Sgd::new().with_learning_rate(0.05), "mse", &[])
        .unwrap();
    m
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec((0..12).map(|v| v as f32 / 12.0).collect(), &[6, 2]);
    let y = Tensor::from_vec(vec![1.0, 2.0, 1.5, 0.5, 2.5, 1.0], &[6, 1]);
    (x, y)
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn fit(m: &mut Sequential, epochs: usize, checkpoint: ModelCheckpoint) -> Result<History> {
    let (x, y) = data();
    let options = FitOptions::new()
        .with_epochs(epochs)
        .batch_size(2)
        .shuffle(false)
        .verbose(0);
    m.fit(&x, &y, options.callback(checkpoint))
}

#[test]
fn batches_are_counted_across_epochs_as_keras_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("m-{epoch}-{batch}.safetensors");
    let every_two = ModelCheckpoint::new(pattern.to_str().unwrap())
        .save_weights_only(true)
        .save_freq(2);
    fit(&mut model(), 2, every_two).unwrap();
    assert_eq!(
        names(dir.path()),
        [
            "m-1-2.safetensors",
            "m-2-1.safetensors",
            "m-2-3.safetensors"
        ]
    );
    // Four batches apart: one save per 4 of the 6 batches.
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("m-{epoch:02d}-{batch:03d}.safetensors");
    let every_four =
        ModelCheckpoint::new(pattern.to_str().unwrap()).save_freq(SaveFreq::Batches(4));
    fit(&mut model(), 2, every_four).unwrap();
    assert_eq!(names(dir.path()), ["m-02-001.safetensors"]);
}

#[test]
fn a_batch_level_save_holds_the_model_of_that_batch() {
    let dir = tempfile::tempdir().unwrap();
    // Three batches an epoch, a save every three: the files hold the model at each epoch's end.
    let whole = dir.path().join("whole-{epoch}.safetensors");
    let weights = dir.path().join("weights-{epoch}.safetensors");
    let mut m = model();
    let (x, _) = data();
    let mut after_first = None;
    for (epoch, path) in [(1, &whole), (2, &weights)] {
        let checkpoint = ModelCheckpoint::new(path.to_str().unwrap())
            .save_weights_only(epoch == 2)
            .save_freq(3);
        fit(&mut m, 1, checkpoint).unwrap();
        if epoch == 1 {
            after_first = Some(m.predict(&x).unwrap().to_vec());
        }
    }
    let loaded = Sequential::load(dir.path().join("whole-1.safetensors")).unwrap();
    assert_eq!(loaded.predict(&x).unwrap().to_vec(), after_first.unwrap());
    let mut fresh = model();
    fresh.build([2]).unwrap();
    fresh
        .load_weights(dir.path().join("weights-1.safetensors"))
        .unwrap();
    assert_eq!(
        fresh.predict(&x).unwrap().to_vec(),
        m.predict(&x).unwrap().to_vec()
    );
}

#[test]
fn mode_and_initial_value_threshold_choose_what_improves() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("{epoch}.safetensors");
    let best = |mode: &str| {
        ModelCheckpoint::new(pattern.to_str().unwrap())
            .monitor("loss")
            .mode(mode)
            .save_weights_only(true)
            .save_best_only(true)
    };
    let history = fit(&mut model(), 4, best("min")).unwrap();
    let losses = &history.history["loss"];
    assert!(losses.windows(2).all(|w| w[1] < w[0]), "{losses:?}");
    assert_eq!(names(dir.path()).len(), 4);

    let dir2 = tempfile::tempdir().unwrap();
    let pattern = dir2.path().join("{epoch}.safetensors");
    let max = ModelCheckpoint::new(pattern.to_str().unwrap())
        .monitor("loss")
        .mode("max")
        .save_weights_only(true)
        .save_best_only(true);
    fit(&mut model(), 4, max).unwrap();
    assert_eq!(names(dir2.path()), ["1.safetensors"]);

    // A threshold between the second and third epochs' losses: saves from the third on.
    let dir3 = tempfile::tempdir().unwrap();
    let pattern = dir3.path().join("{epoch}.safetensors");
    let threshold = (losses[1] + losses[2]) / 2.0;
    let from_third = ModelCheckpoint::new(pattern.to_str().unwrap())
        .monitor("loss")
        .save_weights_only(true)
        .save_best_only(true)
        .initial_value_threshold(threshold);
    fit(&mut model(), 4, from_third).unwrap();
    assert_eq!(names(dir3.path()), ["3.safetensors", "4.safetensors"]);
}

#[test]
fn batch_level_save_best_only_watches_the_running_value() {
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir.path().join("{epoch}-{batch}.safetensors");
    // "max" on a falling running loss: the first batch of training, and any later batch
    // whose running loss is higher still.
    let checkpoint = ModelCheckpoint::new(pattern.to_str().unwrap())
        .monitor("loss")
        .mode("max")
        .save_best_only(true)
        .save_weights_only(true)
        .save_freq(1);
    fit(&mut model(), 1, checkpoint).unwrap();
    let saved = names(dir.path());
    assert_eq!(saved[0], "1-1.safetensors", "{saved:?}");

    // A monitor the batch's logs do not hold is an error naming it, the batch and the logs.
    let missing = ModelCheckpoint::new(pattern.to_str().unwrap())
        .monitor("accuracy")
        .save_best_only(true)
        .save_freq(1);
    let err = fit(&mut model(), 1, missing).unwrap_err().to_string();
    assert!(
        err.contains("it monitors `accuracy`, which is not among the logs of batch 1 of epoch 1; they hold: loss"),
        "{err}"
    );
}

#[test]
fn settings_that_could_only_fail_later_are_refused_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let cases = [
        (
            ModelCheckpoint::new(path("m.safetensors")).save_freq(0),
            "`save_freq` must be a positive number of batches, but it is 0",
        ),
        (
            ModelCheckpoint::new(path("m.safetensors"))
                .save_best_only(true)
                .save_freq(2),
            "the monitor `val_loss` is a validation value, known only at an epoch's end; monitor `loss` or save per epoch",
        ),
        (
            ModelCheckpoint::new(path("m-{batch}.safetensors")),
            "holds `{batch}`, which is known only when `save_freq` counts batches",
        ),
        (
            ModelCheckpoint::new(path("m.safetensors"))
                .monitor("loss")
                .initial_value_threshold(f32::NAN),
            "`initial_value_threshold` must be a number, but it is NaN",
        ),
        (
            ModelCheckpoint::new(path("m.safetensors")).mode("lowest"),
            "`mode` must be one of auto, min, max, but it is \"lowest\"",
        ),
        (
            ModelCheckpoint::new(path("m-{batch:x}.safetensors")).save_freq(1),
            "the batch takes `{batch}` or `{batch:0Nd}`",
        ),
    ];
    for (checkpoint, expected) in cases {
        let mut m = model();
        let err = fit(&mut m, 2, checkpoint).unwrap_err().to_string();
        assert!(err.contains("ModelCheckpoint"), "{err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(!m.is_built(), "no batch trained: {err}");
    }
    assert!(names(dir.path()).is_empty());
}
