//! Keras 3's recurrent options against real Keras: GRU's `reset_after = false`,
//! `return_state` with initial states, and masks.
//!
//! The expected values were produced by Keras 3.15.1 itself (JAX 0.10.2 backend) with
//! `KERAS_BACKEND=jax python3 tests/reference/keras_rnn.py > tests/reference/keras_rnn.txt`:
//! each case's output, returned states and the gradients (JAX's autodiff through Keras's own
//! layer) of `Σ y·c + Σ state·c_state` for the input, the initial states and every weight
//! in Keras's order. Each layer here, given the same weights, must agree to 1e-4 relative
//! (to `max(1, |expected|)`). Finite-difference checks, config round trips and refusals
//! follow.

use std::collections::BTreeMap;

use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/keras_rnn.txt"))
}

fn compare(what: &str, found: &Tensor, expected: &Array, problems: &mut Vec<String>) {
    if found.shape() != expected.shape.as_slice() {
        problems.push(format!(
            "{what}: shape {:?}, Keras has {:?}",
            found.shape(),
            expected.shape
        ));
        return;
    }
    let mut worst = 0.0f64;
    for (&f, &e) in found.to_vec().iter().zip(&expected.values) {
        let error = (f64::from(f) - e).abs() / e.abs().max(1.0);
        worst = if error.is_nan() {
            f64::INFINITY
        } else {
            worst.max(error)
        };
    }
    if worst > 1e-4 {
        problems.push(format!("{what}: relative error {worst:e}"));
    }
}

/// The fields `prefix0`, `prefix1`, … of a case.
fn numbered<'a>(fields: &'a Fields, prefix: &str) -> Vec<&'a Array> {
    (0..)
        .map_while(|i| fields.get(format!("{prefix}{i}").as_str()))
        .collect()
}

/// Sets `layer`'s weights (built for `x`) to the case's, in Keras's order.
fn set_weights(name: &str, layer: &mut dyn Layer, fields: &Fields) -> Result<()> {
    layer.build(&fields["x"].shape[1..])?;
    let weights = layer.all_weights();
    let expected = numbered(fields, "w");
    assert_eq!(weights.len(), expected.len(), "{name}: weight count");
    for ((path, w), value) in weights.iter().zip(&expected) {
        assert_eq!(
            w.shape().unwrap(),
            value.shape,
            "{name}: shape of `{path}` (Keras's order)"
        );
        w.set_value(value.tensor())?;
    }
    Ok(())
}

/// Compares what `layer` returned for the case's input (`y`, then the states, computed
/// from `input` and the initial states `initial`) with Keras's values and gradients.
fn check_case(
    name: &str,
    layer: &dyn Layer,
    fields: &Fields,
    input: &Tensor,
    initial: &[Tensor],
    outputs: &[Tensor],
) -> Vec<String> {
    let mut problems = Vec::new();
    compare(&format!("{name} y"), &outputs[0], &fields["y"], &mut problems);
    let states = numbered(fields, "st");
    assert_eq!(outputs.len(), states.len() + 1, "{name}: number of states");
    for (i, (found, expected)) in outputs[1..].iter().zip(&states).enumerate() {
        compare(&format!("{name} state {i}"), found, expected, &mut problems);
    }
    // Σ y·c + Σ state·c_state, as one backward pass.
    let mut total = (&outputs[0] * fields["c"].tensor()).sum_all();
    for (state, c) in outputs[1..].iter().zip(numbered(fields, "cs")) {
        total = total + (state * c.tensor()).sum_all();
    }
    let grads = total.backward();
    let zero = |t: &Tensor| Tensor::zeros(t.shape());
    compare(
        &format!("{name} gx"),
        &grads.get(input).cloned().unwrap_or_else(|| zero(input)),
        &fields["gx"],
        &mut problems,
    );
    for (i, (s, expected)) in initial.iter().zip(numbered(fields, "gs")).enumerate() {
        let g = grads.get(s).cloned().unwrap_or_else(|| zero(s));
        compare(&format!("{name} gs{i}"), &g, expected, &mut problems);
    }
    for (i, (path, w)) in layer.all_weights().iter().enumerate() {
        let g = w.grad(&grads).expect("every weight has a gradient");
        compare(
            &format!("{name} {path}"),
            g,
            &fields[format!("gw{i}").as_str()],
            &mut problems,
        );
    }
    problems
}

/// Runs the cases whose name starts with `prefix` through `layer_for`, calling each with
/// `try_apply`.
fn plain_cases(prefix: &str, layer_for: impl Fn(&str) -> Box<dyn Layer>) -> Result<usize> {
    let mut problems = Vec::new();
    let mut count = 0;
    for (name, fields) in table().iter().filter(|(n, _)| n.starts_with(prefix)) {
        if fields.contains_key("s0") || fields.contains_key("st0") || fields.contains_key("m") {
            continue;
        }
        let mut layer = layer_for(name);
        set_weights(name, layer.as_mut(), fields)?;
        let input = fields["x"].tensor().into_variable();
        let y = layer.try_apply(&input)?;
        problems.extend(check_case(name, layer.as_ref(), fields, &input, &[], &[y]));
        count += 1;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(count)
}

// ---- 1. GRU's reset_after = false ----

fn gru_reset_before(name: &str) -> Box<dyn Layer> {
    match name {
        "gru_reset_before" => Box::new(Gru::new(3).reset_after(false)),
        "gru_reset_before_seq_back" => Box::new(
            Gru::new(3)
                .reset_after(false)
                .return_sequences(true)
                .go_backwards(true),
        ),
        "gru_reset_before_no_bias" => Box::new(
            Gru::new(2)
                .reset_after(false)
                .use_bias(false)
                .return_sequences(true),
        ),
        other => panic!("no layer for case `{other}`"),
    }
}

#[test]
fn gru_reset_before_matches_keras() -> Result<()> {
    assert_eq!(plain_cases("gru_reset_before", gru_reset_before)?, 3);
    Ok(())
}

/// A `(batch, time, features)` input with varied values in [-1, 1].
fn sequence(batch: usize, time: usize, features: usize) -> Tensor {
    let n = batch * time * features;
    Tensor::from_vec(
        (0..n)
            .map(|i| ((i * 37 % 23) as f32 / 11.0) - 1.0)
            .collect(),
        &[batch, time, features],
    )
}

#[test]
fn gru_reset_before_gradients_match_finite_differences() {
    let x = sequence(2, 4, 3);
    for (name, layer) in [
        ("last", Gru::new(3).reset_after(false)),
        (
            "sequences backwards",
            Gru::new(3)
                .reset_after(false)
                .return_sequences(true)
                .go_backwards(true),
        ),
        ("no bias", Gru::new(2).reset_after(false).use_bias(false)),
    ] {
        let report = check_layer(&layer, &x, 1e-2).unwrap();
        assert!(report.worst() < 1e-2, "{name}:\n{report}");
        assert_eq!(report.entries.len(), layer.all_weights().len() + 1, "{name}");
    }
}

/// Saves a model holding `layer`, loads it, and asserts the same predictions and config;
/// returns the loaded model.
fn round_trip(name: &str, layer: impl Layer + 'static, x: &Tensor) -> Sequential {
    let mut model = Sequential::new().seed(3).add(layer).add(Dense::new(2));
    model.build(&x.shape()[1..]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.predict(x).unwrap().to_vec(),
        model.predict(x).unwrap().to_vec(),
        "{name}"
    );
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap(),
        "{name}"
    );
    loaded
}

#[test]
fn gru_reset_before_round_trips_through_a_saved_model() -> Result<()> {
    let x = sequence(2, 4, 3);
    let loaded = round_trip("GRU", Gru::new(3).reset_after(false), &x);
    let config = loaded.layer_config()?;
    let text = serde_json::to_string(&config.config).unwrap();
    assert!(text.contains("\"reset_after\":false"), "{text}");
    assert_eq!(loaded.get_weights()?[2].shape(), &[9]); // Keras's (3·units,) bias
    round_trip(
        "Bidirectional GRU",
        Bidirectional::wrap(Gru::new(2).reset_after(false).return_sequences(true))?,
        &x,
    );
    Ok(())
}
