//! `OrthogonalRegularizer` against Keras 3.15.1 (`tests/reference/keras_metrics2.py` wrote
//! the `orth_*` lines of `keras_metrics2.txt`: the matrix, the penalty and its gradient by
//! `jax.grad`), its gradient against finite differences, its config and its refusals.

use layers::autograd::check_gradients;
use layers::prelude::*;
use layers::regularizers::OrthogonalMode;

use crate::table::{self, compare};

fn mode_of(case: &str) -> OrthogonalMode {
    if case.starts_with("orth_rows") {
        OrthogonalMode::Rows
    } else {
        OrthogonalMode::Columns
    }
}

#[test]
fn penalties_and_gradients_match_keras() {
    let cases = table::read(include_str!("../reference/keras_metrics2.txt"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for (case, fields) in cases.iter().filter(|(c, _)| c.starts_with("orth_")) {
        let factor: f32 = case.split('_').nth(2).unwrap().parse().unwrap();
        let reg = Regularizer::orthogonal(factor, mode_of(case));
        let x = fields["x"].tensor().into_variable();
        let penalty = reg.penalty(&x);
        failures.extend(compare(
            &format!("{case} penalty"),
            &penalty.detach(),
            &fields["y"],
        ));
        let grads = penalty.backward();
        let g = grads.get(&x).expect("the penalty depends on x").to_vec();
        // Keras's gradient is NaN on an all-zero row (JAX differentiates the norm at 0);
        // those entries are left out here, and the finite differences below avoid them.
        for (i, (&found, &expected)) in g.iter().zip(&fields["g"].values).enumerate() {
            if expected.is_nan() {
                continue;
            }
            if (f64::from(found) - expected).abs() > 1e-5 * expected.abs().max(1.0) {
                failures.push(format!("{case} gradient[{i}]: {found}, Keras {expected}"));
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn gradient_matches_finite_differences() {
    let x = Tensor::from_vec(
        vec![
            0.5, -1.0, 2.0, 0.1, 1.5, 0.3, -0.2, 0.7, -0.6, 0.9, 0.4, -1.1,
        ],
        &[3, 4],
    );
    for mode in [OrthogonalMode::Rows, OrthogonalMode::Columns] {
        let reg = Regularizer::orthogonal(0.3, mode);
        let report = check_gradients(std::slice::from_ref(&x), |v| reg.penalty(&v[0]), 1e-3);
        assert!(report.worst() < 2e-2, "{mode:?}: {report}");
    }
}

#[test]
fn config_round_trips_by_keras_names() {
    let reg = Regularizer::orthogonal(0.02, OrthogonalMode::Columns);
    let config = reg.to_config();
    assert_eq!(config["class_name"], "OrthogonalRegularizer");
    assert_eq!(config["config"]["mode"], "columns");
    assert_eq!(Regularizer::from_config(&config).unwrap(), reg);
    // Keras's own config, and its defaults by name
    let keras = serde_json::json!({"module": "keras.regularizers", "class_name": "OrthogonalRegularizer",
        "config": {"factor": 0.5, "mode": "rows"}, "registered_name": null});
    assert_eq!(
        Regularizer::from_config(&keras).unwrap(),
        Regularizer::orthogonal(0.5, OrthogonalMode::Rows)
    );
    assert_eq!(
        Regularizer::from_config(&serde_json::json!("orthogonal_regularizer")).unwrap(),
        Regularizer::orthogonal(0.01, OrthogonalMode::Rows)
    );
    let bad_mode =
        serde_json::json!({"class_name": "OrthogonalRegularizer", "config": {"mode": "diagonal"}});
    assert_eq!(
        Regularizer::from_config(&bad_mode).unwrap_err().to_string(),
        "`mode` of `OrthogonalRegularizer` must be \"rows\" or \"columns\", but it is \"diagonal\""
    );
    let bad_factor =
        serde_json::json!({"class_name": "OrthogonalRegularizer", "config": {"factor": -1}});
    assert!(Regularizer::from_config(&bad_factor).is_err());
}

#[test]
fn a_layer_refuses_it_on_a_weight_it_cannot_pair() {
    // a bias is 1-D: refused at build, naming the setting
    let mut dense =
        Dense::new(3).bias_regularizer(Regularizer::orthogonal(0.1, OrthogonalMode::Rows));
    let err = dense.build([4]).unwrap_err().to_string();
    assert!(err.contains("bias_regularizer"), "{err}");
    assert!(
        err.contains("it needs a weight of rank 2, but the weight has shape [3]"),
        "{err}"
    );
    // one input: a kernel (1, 3) has one row to pair
    let mut dense =
        Dense::new(3).kernel_regularizer(Regularizer::orthogonal(0.1, OrthogonalMode::Rows));
    let err = dense.build([1]).unwrap_err().to_string();
    assert!(
        err.contains("needs at least 2 rows to compare, but the weight has shape [1, 3]"),
        "{err}"
    );
    let err = Regularizer::orthogonal(f32::NAN, OrthogonalMode::Rows)
        .check()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`factor` must be a finite number ≥ 0"),
        "{err}"
    );
}

#[test]
fn training_adds_the_penalty_to_the_loss_and_a_saved_model_keeps_it() {
    let reg = Regularizer::orthogonal(0.5, OrthogonalMode::Columns);
    let mut model = Sequential::new().add(Dense::new(3).kernel_regularizer(reg.clone()));
    model.compile("sgd", "mse", &[]).unwrap();
    let x = Tensor::from_vec((0..8).map(|i| (i as f32 * 0.37).sin()).collect(), &[4, 2]);
    let y = Tensor::zeros(&[4, 3]);
    let logs = model.evaluate(&x, &y, 4).unwrap();
    let kernel = model
        .all_weights()
        .into_iter()
        .map(|(_, w)| w)
        .find(|w| w.value().rank() == 2)
        .unwrap();
    let pred = model.predict(&x).unwrap();
    let mse = pred.square().mean_all().item();
    let penalty = reg.penalty(&kernel.value()).item();
    assert!(penalty > 0.0);
    assert!(
        (logs["loss"] - (mse + penalty)).abs() < 1e-6,
        "{} vs {mse} + {penalty}",
        logs["loss"]
    );
    let dir = std::env::temp_dir().join(format!("orthogonal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    model.save(&path).unwrap();
    let mut loaded = Sequential::load(&path).unwrap();
    assert_eq!(loaded.evaluate(&x, &y, 4).unwrap()["loss"], logs["loss"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
