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

use layers::check_gradients;
use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/keras_rnn.txt"))
}

/// Adds to `problems` what the shared reader finds beyond its tolerance (1e-4 relative).
fn compare(what: &str, found: &Tensor, expected: &Array, problems: &mut Vec<String>) {
    problems.extend(table::compare(what, found, expected));
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
    compare(
        &format!("{name} y"),
        &outputs[0],
        &fields["y"],
        &mut problems,
    );
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
        assert_eq!(
            report.entries.len(),
            layer.all_weights().len() + 1,
            "{name}"
        );
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

// ---- 2. return_state and initial states ----

fn state_layer(name: &str) -> Box<dyn Recurrent> {
    match name {
        "lstm_state" | "lstm_mask_state" if name.contains("mask") => {
            Box::new(Lstm::new(3).return_sequences(true))
        }
        "lstm_state" => Box::new(Lstm::new(3)),
        "lstm_state_seq_back" => Box::new(Lstm::new(2).return_sequences(true).go_backwards(true)),
        "gru_state_seq" => Box::new(Gru::new(3).return_sequences(true)),
        "gru_reset_before_state" => Box::new(Gru::new(3).reset_after(false)),
        "simple_rnn_state_back" => Box::new(SimpleRnn::new(3).go_backwards(true)),
        "lstm_state_no_initial" => Box::new(Lstm::new(2)),
        other => panic!("no layer for case `{other}`"),
    }
}

/// Runs a case through `call_masked` with its initial states and mask (when it has them).
fn state_case(name: &str, mut layer: Box<dyn Recurrent>, fields: &Fields) -> Result<Vec<String>> {
    set_weights(name, &mut *layer, fields)?;
    let input = fields["x"].tensor().into_variable();
    let initial: Vec<Tensor> = numbered(fields, "s")
        .iter()
        .map(|s| s.tensor().into_variable())
        .collect();
    let mask = fields.get("m").map(Array::tensor);
    let given = (!initial.is_empty()).then_some(initial.as_slice());
    let (y, states) = layer.call_masked(&input, given, mask.as_ref())?;
    let mut outputs = vec![y];
    outputs.extend(states);
    let layer: &dyn Layer = &*layer;
    Ok(check_case(name, layer, fields, &input, &initial, &outputs))
}

#[test]
fn return_state_and_initial_states_match_keras() -> Result<()> {
    let mut problems = Vec::new();
    let mut count = 0;
    for (name, fields) in &table() {
        if fields.contains_key("st0") && !fields.contains_key("m") {
            problems.extend(state_case(name, state_layer(name), fields)?);
            count += 1;
        }
    }
    assert_eq!(count, 6);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// `Σ y·c + Σ state·c` of a call with initial states, differentiated by finite differences
/// for the input and the initial states (the weights are fixed by the first call).
fn check_state_gradients(name: &str, layer: &dyn Recurrent, x: &Tensor, states: &[Tensor]) {
    layer.call_with_state(x, Some(states)).unwrap(); // builds
    let mut inputs = vec![x.clone()];
    inputs.extend(states.iter().cloned());
    let report = check_gradients(
        &inputs,
        |v| {
            let (y, s) = layer.call_with_state(&v[0], Some(&v[1..])).unwrap();
            let mut parts = vec![y.reshape(&[y.len()])];
            parts.extend(s.iter().map(|s| s.reshape(&[s.len()])));
            Tensor::concat(&parts, 0)
        },
        1e-2,
    );
    assert!(report.worst() < 1e-2, "{name}:\n{report}");
}

#[test]
fn state_gradients_match_finite_differences() {
    let x = sequence(2, 3, 3);
    let h = || Tensor::from_vec(vec![0.3, -0.5, 0.2, 0.7, -0.1, 0.4], &[2, 3]);
    let c = || Tensor::from_vec(vec![-0.2, 0.6, 0.1, -0.4, 0.3, 0.5], &[2, 3]);
    check_state_gradients("LSTM", &Lstm::new(3), &x, &[h(), c()]);
    check_state_gradients(
        "LSTM sequences backwards",
        &Lstm::new(3).return_sequences(true).go_backwards(true),
        &x,
        &[h(), c()],
    );
    check_state_gradients("GRU", &Gru::new(3), &x, &[h()]);
    check_state_gradients(
        "GRU reset before",
        &Gru::new(3).reset_after(false),
        &x,
        &[h()],
    );
    check_state_gradients("SimpleRNN", &SimpleRnn::new(3), &x, &[h()]);
    check_state_gradients(
        "Bidirectional GRU",
        &Bidirectional::wrap(Gru::new(3).return_sequences(true)).unwrap(),
        &x,
        &[h(), c()],
    );
}

/// An encoder-decoder of the user's own: the encoder's final states start the decoder.
#[derive(Layer)]
struct Seq2Seq {
    #[layer(init = Lstm::new(4))]
    encoder: Lstm,
    #[layer(init = Lstm::new(4).return_sequences(true))]
    decoder: Lstm,
}

impl TryCall for Seq2Seq {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let (_, states) = self.encoder.call_with_state(&x.narrow(1, 0, 3), None)?;
        let (y, _) = self
            .decoder
            .call_with_state(&x.narrow(1, 3, 2), Some(&states))?;
        Ok(y)
    }
}

layers::register_layer!(Seq2Seq);

#[test]
fn a_user_encoder_decoder_trains_and_round_trips() -> Result<()> {
    let x = sequence(6, 5, 3);
    let y = Tensor::from_vec((0..12).map(|i| (i % 2) as f32).collect(), &[6, 2]);
    let mut model = Sequential::new()
        .seed(5)
        .add(Seq2Seq::new())
        .add(Dense::new(2).activation("softmax"));
    model.compile("adam", "sparse_categorical_crossentropy", &[])?;
    let history = model.fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0))?;
    let losses = &history.history["loss"];
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[2] < losses[0], "{losses:?}");
    // The decoder's initial state is the encoder's: the gradient reaches the encoder.
    let out = model.forward(&x)?;
    let grads = out.narrow(2, 0, 1).sum_all().backward();
    let encoder = &model.all_weights()[0];
    // Keras's automatic name for `Seq2Seq` (`to_snake_case`): `seq2_seq`.
    assert!(encoder.0.starts_with("seq2_seq.encoder"), "{}", encoder.0);
    assert!(
        encoder
            .1
            .grad(&grads)
            .unwrap()
            .to_vec()
            .iter()
            .any(|g| *g != 0.0)
    );
    let loaded = round_trip("Seq2Seq", Seq2Seq::new(), &x);
    assert_eq!(loaded.all_weights().len(), 8);
    Ok(())
}

#[test]
fn wrong_initial_states_are_errors_naming_the_layer() {
    let x = sequence(2, 3, 3);
    let lstm = Lstm::new(4).named("encoder");
    let err = lstm
        .call_with_state(&x, Some(&[Tensor::zeros(&[2, 4]), Tensor::zeros(&[2, 5])]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`encoder`") && err.contains("(2, 4)") && err.contains("[2, 5]"),
        "{err}"
    );
    let err = lstm
        .call_with_state(&x, Some(&[Tensor::zeros(&[2, 4])]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`encoder`") && err.contains("2 state tensors, but 1"),
        "{err}"
    );
    // Another batch size.
    let err = Gru::new(4)
        .call_with_state(&x, Some(&[Tensor::zeros(&[3, 4])]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`gru`") && err.contains("(2, 4)"), "{err}");
    let bi = Bidirectional::wrap(Gru::new(2)).unwrap();
    let err = bi
        .call_with_state(&x, Some(&[Tensor::zeros(&[2, 2])]))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`bidirectional`") && err.contains("even number"),
        "{err}"
    );
    // A failed first call leaves the layer unbuilt, as it was.
    let fresh = Lstm::new(4);
    assert!(fresh.call_with_state(&x, Some(&[])).is_err());
    assert!(!fresh.is_built());
}

// ---- 3. Masks ----

fn masked_layer(name: &str) -> Box<dyn Layer> {
    match name {
        "simple_rnn_mask_seq" => Box::new(SimpleRnn::new(3).return_sequences(true)),
        "simple_rnn_mask_seq_back" => {
            Box::new(SimpleRnn::new(3).return_sequences(true).go_backwards(true))
        }
        "lstm_mask" => Box::new(Lstm::new(3)),
        "lstm_mask_seq" => Box::new(Lstm::new(3).return_sequences(true)),
        "lstm_mask_seq_back" => Box::new(Lstm::new(2).return_sequences(true).go_backwards(true)),
        "gru_mask_seq" => Box::new(Gru::new(3).return_sequences(true)),
        "gru_mask_back" => Box::new(Gru::new(3).go_backwards(true)),
        "gru_reset_before_mask_seq" => {
            Box::new(Gru::new(3).reset_after(false).return_sequences(true))
        }
        "bidirectional_lstm_mask_seq" => {
            Box::new(Bidirectional::wrap(Lstm::new(2).return_sequences(true)).unwrap())
        }
        "bidirectional_gru_mask_sum" => Box::new(
            Bidirectional::wrap(Gru::new(2))
                .unwrap()
                .merge_mode(layers::builtin::MergeMode::Sum),
        ),
        other => panic!("no layer for case `{other}`"),
    }
}

/// The masked cases without states, each run two ways: given the mask directly
/// (`forward_masked`), and in a `Sequential` after `Masking(0.0)` (the masked steps of the
/// input are zeros), whose mask is the same.
#[test]
fn masked_layers_match_keras() -> Result<()> {
    let mut problems = Vec::new();
    let mut count = 0;
    for (name, fields) in &table() {
        if !fields.contains_key("m") || fields.contains_key("st0") {
            continue;
        }
        count += 1;
        let input = fields["x"].tensor().into_variable();
        let mask = fields["m"].tensor();

        let mut layer = masked_layer(name);
        set_weights(name, layer.as_mut(), fields)?;
        let (y, _) = layer.forward_masked(&input, Some(&mask))?;
        problems.extend(check_case(name, layer.as_ref(), fields, &input, &[], &[y]));

        let mut model = Sequential::new()
            .add(Masking::new(0.0))
            .add(masked_layer(name));
        set_weights(name, &mut model, fields)?;
        let y = model.forward(&input)?;
        let what = format!("{name} after Masking");
        problems.extend(check_case(&what, &model, fields, &input, &[], &[y]));
    }
    assert_eq!(count, 10);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

#[test]
fn masked_states_match_keras() -> Result<()> {
    let table = table();
    let problems = state_case(
        "lstm_mask_state",
        Box::new(Lstm::new(3).return_sequences(true)),
        &table["lstm_mask_state"],
    )?;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// A 0/1 mask `(batch, time)` with right padding, a hole and a masked first step.
fn mask_3x4() -> Tensor {
    Tensor::from_vec(
        vec![1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0],
        &[3, 4],
    )
}

/// A layer run with a fixed mask, for `check_layer`.
struct WithMask {
    inner: Box<dyn Layer>,
    mask: Tensor,
}

impl Layer for WithMask {
    fn type_name(&self) -> &'static str {
        "WithMask"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.inner.forward_masked(x, Some(&self.mask))?.0)
    }
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        vec![("inner".into(), self.inner.as_ref())]
    }
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        vec![("inner".into(), self.inner.as_mut())]
    }
}

#[test]
fn masked_gradients_match_finite_differences() {
    let x = sequence(3, 4, 2);
    let layers: Vec<(&str, Box<dyn Layer>)> = vec![
        (
            "SimpleRNN",
            Box::new(SimpleRnn::new(3).return_sequences(true)),
        ),
        ("LSTM backwards", Box::new(Lstm::new(2).go_backwards(true))),
        ("GRU", Box::new(Gru::new(3).return_sequences(true))),
        ("GRU reset before", Box::new(Gru::new(2).reset_after(false))),
        (
            "Bidirectional LSTM",
            Box::new(Bidirectional::wrap(Lstm::new(2).return_sequences(true)).unwrap()),
        ),
    ];
    for (name, inner) in layers {
        let layer = WithMask {
            inner,
            mask: mask_3x4(),
        };
        let report = check_layer(&layer, &x, 1e-2).unwrap();
        assert!(report.worst() < 1e-2, "{name}:\n{report}");
        assert_eq!(
            report.entries.len(),
            layer.all_weights().len() + 1,
            "{name}"
        );
    }
}

#[test]
fn embedding_mask_zero_masks_the_recurrent_layer() -> Result<()> {
    // Ids, 0 the padding: the second sample is the first with two steps of padding.
    let ids = Tensor::from_vec(vec![3.0, 1.0, 4.0, 0.0, 0.0, 3.0, 1.0, 4.0], &[2, 4]);
    let mut model = Sequential::new()
        .seed(2)
        .add(Embedding::new(5, 3).mask_zero(true))
        .add(Gru::new(4))
        .add(Dense::new(2));
    model.build([4])?;
    let y = model.predict(&ids)?.to_vec();
    // Right padding changes nothing: the last output is that of the last real step. With
    // the padding first (a masked first step), the state starts from zeros as well.
    let trimmed = model.predict(&Tensor::from_vec(vec![3.0, 1.0, 4.0, 1.0], &[1, 4]))?;
    assert_ne!(y[..2], trimmed.to_vec()[..]);
    assert!(
        (y[0] - y[2]).abs() < 1e-6 && (y[1] - y[3]).abs() < 1e-6,
        "{y:?}"
    );
    // The same as the GRU given the mask of the non-zero ids.
    let gru = &model.all_weights();
    assert_eq!(gru.len(), 6);
    let config = model.layer_config()?;
    let text = serde_json::to_string(&config.config).unwrap();
    assert!(text.contains("\"mask_zero\":true"), "{text}");
    // Saved and loaded: the same predictions, the mask_zero kept.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    model.save(&path)?;
    let loaded = Sequential::load(&path)?;
    assert_eq!(loaded.predict(&ids)?.to_vec(), y);
    Ok(())
}

#[test]
fn masking_round_trips_through_a_saved_model() -> Result<()> {
    let mut x = sequence(3, 4, 2).to_vec();
    x[6..8].fill(-1.0); // sample 0, step 3: padding
    let x = Tensor::from_vec(x, &[3, 4, 2]);
    let mut model = Sequential::new()
        .seed(4)
        .add(Masking::new(-1.0))
        .add(Bidirectional::wrap(Lstm::new(2).return_sequences(true))?)
        .add(Dense::new(3))
        .add(Lstm::new(2));
    model.build([4, 2])?;
    let before = model.predict(&x)?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    model.save(&path)?;
    let loaded = Sequential::load(&path)?;
    assert_eq!(loaded.predict(&x)?.to_vec(), before.to_vec());
    assert_eq!(loaded.layer_config()?, model.layer_config()?);
    // The mask made a difference: without Masking the model gives other numbers.
    let unmasked = Sequential::new()
        .add(Bidirectional::wrap(Lstm::new(2).return_sequences(true))?)
        .add(Dense::new(3))
        .add(Lstm::new(2));
    let mut unmasked = unmasked;
    unmasked.build([4, 2])?;
    unmasked.set_weights(&model.get_weights()?)?;
    assert_ne!(unmasked.predict(&x)?.to_vec(), before.to_vec());
    Ok(())
}

#[test]
fn a_masked_model_fits() -> Result<()> {
    // Sequences of 1 to 5 real steps, right-padded with zeros; the class is the length's
    // parity.
    let (n, time) = (24, 5);
    let mut x = Vec::new();
    let mut y = Vec::new();
    for i in 0..n {
        let len = 1 + i % time;
        for t in 0..time {
            let v = if t < len {
                0.5 + (i * 7 + t) as f32 % 3.0
            } else {
                0.0
            };
            x.push(v);
        }
        y.push((len % 2) as f32);
    }
    let x = Tensor::from_vec(x, &[n, time, 1]);
    let y = Tensor::from_vec(y, &[n]);
    let mut model = Sequential::new()
        .seed(1)
        .add(Masking::new(0.0))
        .add(Lstm::new(8))
        .add(Dense::new(2).activation("softmax"));
    model.compile("adam", "sparse_categorical_crossentropy", &[])?;
    let history = model.fit(
        &x,
        &y,
        FitOptions::new().with_epochs(5).batch_size(8).verbose(0),
    )?;
    let losses = &history.history["loss"];
    assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
    assert!(losses[4] < losses[0], "{losses:?}");
    Ok(())
}

#[test]
fn masks_are_refused_where_they_cannot_be_used() {
    let x = sequence(2, 3, 2);
    // A layer that does not take a mask, after Masking: an error naming it.
    let mut model = Sequential::new()
        .add(Masking::new(0.0))
        .add(Flatten::new())
        .add(Dense::new(2));
    let err = model.build([3, 2]).unwrap_err().to_string();
    assert!(
        err.contains("`flatten`") && err.contains("does not take a mask"),
        "{err}"
    );
    // A recurrent layer without return_sequences ends the mask: layers after it are fine.
    let mut model = Sequential::new()
        .add(Masking::new(0.0))
        .add(Lstm::new(2))
        .add(Dense::new(2));
    assert_eq!(model.build([3, 2]).unwrap(), vec![2]);
    // A mask of the wrong shape or with values other than 0 and 1.
    let lstm = Lstm::new(2);
    let err = lstm
        .call_masked(&x, None, Some(&Tensor::ones(&[2, 4])))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`lstm`") && err.contains("(2, 3)") && err.contains("[2, 4]"),
        "{err}"
    );
    let half = Tensor::from_vec(vec![1.0, 0.5, 1.0, 1.0, 1.0, 1.0], &[2, 3]);
    let err = lstm
        .call_masked(&x, None, Some(&half))
        .unwrap_err()
        .to_string();
    assert!(err.contains("`lstm`") && err.contains("0.5"), "{err}");
    // A NaN mask value.
    let err = Sequential::new()
        .add(Masking::new(f32::NAN))
        .add(Lstm::new(2))
        .build([3, 2])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`masking`") && err.contains("`mask_value`"),
        "{err}"
    );
    // A failed masked call leaves the layer as it was.
    assert!(!lstm.is_built());
}
