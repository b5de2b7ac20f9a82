//! A call that fails leaves the model as it was: a failed `fit`, `evaluate` or
//! `train_on_batch` on an unbuilt model does not leave it built for the failed call's `x`
//! (nor a built one changed), and a layer whose output drops or adds samples is refused,
//! naming the layer.

use layers::optim::Sgd;
use layers::prelude::*;

fn compiled() -> Sequential {
    let mut m = Sequential::new()
        .seed(3)
        .add(Dense::new(4))
        .add(Dense::new(3));
    m.compile(Sgd::new(), "sparse_categorical_crossentropy", &[])
        .unwrap();
    m
}

type Call = fn(&mut Sequential, &Tensor, &Tensor) -> Result<()>;

/// The three entry points that build a model from their `x`.
const CALLS: [(&str, Call); 3] = [
    ("fit", |m, x, y| {
        m.fit(x, y, FitOptions::new().batch_size(4).verbose(0))
            .map(drop)
    }),
    ("evaluate", |m, x, y| m.evaluate(x, y, 4).map(drop)),
    ("train_on_batch", |m, x, y| m.train_on_batch(x, y).map(drop)),
];

#[test]
fn a_failed_first_call_leaves_the_model_unbuilt() {
    let (x5, x6) = (Tensor::ones(&[8, 5]), Tensor::ones(&[8, 6]));
    // Three classes: label 3 is out of range, found after `x` built the model.
    let (bad, good) = (Tensor::full(&[8], 3.0), Tensor::zeros(&[8]));
    for (what, call) in CALLS {
        let mut m = compiled();
        let err = call(&mut m, &x5, &bad).unwrap_err();
        assert!(err.to_string().contains("label"), "{what}: {err}");
        assert!(
            !m.is_built(),
            "{what}: the failed call left the model built"
        );
        assert!(m.get_weights().is_err(), "{what}: weights left behind");
        // Not locked to the failed call's width: another one builds and runs.
        call(&mut m, &x6, &good).unwrap();
        assert_eq!(m.get_weights().unwrap()[0].shape(), &[6, 4], "{what}");
    }
}

#[test]
fn validation_data_of_the_wrong_width_leaves_the_model_unbuilt() {
    let mut m = compiled();
    let options = FitOptions::new()
        .verbose(0)
        .validation_data(Tensor::ones(&[4, 6]), Tensor::zeros(&[4]));
    let err = m
        .fit(&Tensor::ones(&[8, 5]), &Tensor::zeros(&[8]), options)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fit (validation data): `sequential` expects input of shape (None, 5) but got (None, 6)"
    );
    assert!(!m.is_built());
    m.fit(
        &Tensor::ones(&[8, 6]),
        &Tensor::zeros(&[8]),
        FitOptions::new().verbose(0),
    )
    .unwrap();
}

#[test]
fn a_failed_call_leaves_a_built_model_built_and_unchanged() {
    for (what, call) in CALLS {
        let mut m = compiled();
        m.build([5]).unwrap();
        let before = m.get_weights().unwrap();
        call(&mut m, &Tensor::ones(&[8, 5]), &Tensor::full(&[8], 3.0)).unwrap_err();
        assert!(m.is_built(), "{what}");
        for (a, b) in m.get_weights().unwrap().iter().zip(&before) {
            assert_eq!(a.to_vec(), b.to_vec(), "{what}");
        }
    }
}

#[test]
fn a_fit_that_fails_after_training_steps_keeps_what_it_trained() {
    let mut m = Sequential::new().seed(3).add(Dense::new(1));
    m.compile(Sgd::new(), "mse", &[]).unwrap();
    // The last batch's target overflows the squared error: steps 1 and 2 were applied.
    let mut y = vec![0.0f32; 12];
    y[11] = 3e38;
    let err = m
        .fit(
            &Tensor::ones(&[12, 2]),
            &Tensor::from_vec(y, &[12, 1]),
            FitOptions::new().batch_size(4).shuffle(false).verbose(0),
        )
        .unwrap_err();
    assert!(err.to_string().contains("batch 3"), "{err}");
    assert!(
        m.is_built(),
        "the two applied steps are kept, with the build"
    );
}

#[test]
fn a_model_wrapping_a_layer_is_left_unbuilt_too() {
    let mut m = Model::new(Dense::new(3));
    m.compile(Sgd::new(), "mse", &[]).unwrap();
    let err = m
        .fit(
            &Tensor::ones(&[4, 2]),
            &Tensor::zeros(&[4, 5]),
            FitOptions::new().verbose(0),
        )
        .unwrap_err();
    assert!(err.to_string().contains('5'), "{err}");
    assert!(!m.is_built());
    m.fit(
        &Tensor::ones(&[4, 7]),
        &Tensor::zeros(&[4, 3]),
        FitOptions::new().verbose(0),
    )
    .unwrap();
}

#[test]
fn a_layer_that_changes_the_number_of_samples_is_refused_naming_it() {
    let first_sample = Lambda::new(|x: &Tensor| x.narrow(0, 0, 1));
    let mut m = Sequential::new().add(Dense::new(2)).add(first_sample);
    m.build([3]).unwrap();
    let x = Tensor::ones(&[4, 3]);
    for err in [
        m.predict(&x).unwrap_err(),
        m.predict_batched(&x, 2).unwrap_err(),
    ] {
        let text = err.to_string();
        assert!(text.starts_with("layer `lambda` (Lambda): "), "{text}");
        assert!(text.contains("an output of"), "{text}");
        assert!(text.contains("[1, 2]"), "{text}");
    }
    // The same through `fit`: the layer is named, not the loss.
    m.compile(Sgd::new(), "mse", &[]).unwrap();
    let err = m
        .fit(&x, &Tensor::zeros(&[4, 2]), FitOptions::new().verbose(0))
        .unwrap_err();
    assert!(err.to_string().contains("`lambda`"), "{err}");
    // A layer called on its own is checked the same way.
    let err = Lambda::new(|x: &Tensor| x.sum_all())
        .try_apply(&x)
        .unwrap_err();
    assert!(err.to_string().contains("an output of 4 samples"), "{err}");
}

#[test]
fn bad_loss_settings_and_targets_are_refused_before_training() {
    let mut m = compiled();
    let err = m
        .compile(Sgd::new(), layers::loss::Huber::new().delta(-1.0), &[])
        .unwrap_err();
    assert!(err.to_string().contains("delta"), "{err}");
    // The earlier compile stays: its loss still refuses a label out of range.
    assert!(
        m.evaluate(&Tensor::ones(&[2, 5]), &Tensor::full(&[2], 3.0), 2)
            .is_err()
    );
    // Categorical targets are probabilities.
    m.compile(Sgd::new(), "categorical_crossentropy", &[])
        .unwrap();
    for bad in [-1.0, 5.0] {
        let mut y = vec![0.0; 6];
        y[4] = bad;
        let err = m
            .fit(
                &Tensor::ones(&[2, 5]),
                &Tensor::from_vec(y, &[2, 3]),
                FitOptions::new().verbose(0),
            )
            .unwrap_err();
        assert!(err.to_string().contains("outside [0, 1]"), "{err}");
        assert!(!m.is_built());
    }
}

#[test]
fn callbacks_with_bad_settings_fail_before_the_first_epoch() {
    use layers::model::callbacks::{EarlyStopping, ModelCheckpoint};
    let (x, y) = (Tensor::ones(&[8, 5]), Tensor::zeros(&[8]));
    let missing = std::env::temp_dir()
        .join("layers-no-such-dir-3141")
        .join("m.safetensors");
    let dir = std::env::temp_dir();
    let in_dir = |pattern: &str| dir.join(pattern).to_str().unwrap().to_string();
    let options = [
        (
            FitOptions::new().callback(ModelCheckpoint::new(missing.to_str().unwrap())),
            "does not exist",
        ),
        (
            FitOptions::new().callback(EarlyStopping::new("loss").min_delta(f32::NAN)),
            "min_delta",
        ),
        // Mistakes in the path's pattern (they were found only after the first epoch).
        (
            FitOptions::new().callback(ModelCheckpoint::new(in_dir("m-{epoch.keras"))),
            "does not close",
        ),
        (
            FitOptions::new().callback(ModelCheckpoint::new(in_dir("m-{epoch:x}.keras"))),
            "`{epoch:0Nd}`",
        ),
        (
            FitOptions::new().callback(ModelCheckpoint::new(in_dir("m-{loss:4}.keras"))),
            "`{loss:.Nf}`",
        ),
        (
            FitOptions::new().callback(ModelCheckpoint::new(in_dir("{epoch}/.."))),
            "names no file",
        ),
    ];
    for (options, expected) in options {
        let mut m = compiled();
        let err = m
            .fit(&x, &y, options.with_epochs(3).verbose(0))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{expected}: {text}");
        assert!(!m.is_built(), "no epoch ran: {text}");
    }
}
