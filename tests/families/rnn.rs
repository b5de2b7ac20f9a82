//! The recurrent layers: gradient checks (with `return_sequences`, `go_backwards`, no
//! bias, every merge mode), errors naming the layer, whole-model saving, the state plumbing
//! of `run_cell`, and a user-written cell in `Rnn`. Values against NumPy are in
//! `rnn_reference.rs`.

use layers::builtin::{Cell, GruCell, LstmCell, MergeMode, SimpleRnnCell, run_cell};
use layers::layer::config::ConfigValue;
use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

/// A user-written cell: `h' = tanh(x·W + h·U)`, its input part in `call`.
#[derive(Layer)]
struct MinimalCell {
    units: usize,
    #[weight(shape = [input[-1], units])]
    kernel: Weight,
    #[weight(shape = [units, units], init = "orthogonal")]
    recurrent_kernel: Weight,
}

impl Call for MinimalCell {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel)
    }
}

impl Cell for MinimalCell {
    fn state_sizes(&self) -> Vec<usize> {
        vec![self.units]
    }
    fn step(&self, xw: &Tensor, state: &[Tensor]) -> (Tensor, Vec<Tensor>) {
        let h = (xw + state[0].matmul(&self.recurrent_kernel)).tanh();
        (h.clone(), vec![h])
    }
}

layers::register_layer!(Rnn<MinimalCell>);

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

fn assert_gradients(name: &str, layer: &dyn Layer, x: &Tensor) {
    let report = check_layer(layer, x, 1e-2).unwrap();
    assert!(report.worst() < 1e-2, "{name}:\n{report}");
    // Every trainable weight and the input are checked.
    assert_eq!(
        report.entries.len(),
        layer.all_weights().len() + 1,
        "{name}"
    );
}

#[test]
fn simple_rnn_gradients() {
    let x = sequence(2, 3, 2);
    assert_gradients("last", &SimpleRnn::new(3), &x);
    assert_gradients(
        "sequences backwards",
        &SimpleRnn::new(3).return_sequences(true).go_backwards(true),
        &x,
    );
    assert_gradients(
        "no bias, relu",
        &SimpleRnn::new(2).use_bias(false).activation("relu"),
        &x,
    );
}

#[test]
fn lstm_gradients() {
    let x = sequence(2, 3, 2);
    assert_gradients("last", &Lstm::new(2), &x);
    assert_gradients("sequences", &Lstm::new(2).return_sequences(true), &x);
    assert_gradients(
        "backwards, no bias",
        &Lstm::new(2).go_backwards(true).use_bias(false),
        &x,
    );
}

#[test]
fn gru_gradients() {
    let x = sequence(2, 3, 2);
    assert_gradients("last", &Gru::new(2), &x);
    assert_gradients(
        "sequences backwards",
        &Gru::new(2).return_sequences(true).go_backwards(true),
        &x,
    );
    assert_gradients("no bias", &Gru::new(2).use_bias(false), &x);
}

#[test]
fn rnn_over_cells_gradients() {
    let x = sequence(2, 3, 2);
    assert_gradients("custom cell", &Rnn::new(MinimalCell::new(2)), &x);
    assert_gradients(
        "custom cell, sequences",
        &Rnn::new(MinimalCell::new(2)).return_sequences(true),
        &x,
    );
    assert_gradients(
        "lstm cell",
        &Rnn::new(LstmCell::new(2)).go_backwards(true),
        &x,
    );
}

#[test]
fn bidirectional_gradients() {
    let x = sequence(2, 3, 2);
    for mode in [
        MergeMode::Concat,
        MergeMode::Sum,
        MergeMode::Mul,
        MergeMode::Ave,
    ] {
        let layer = Bidirectional::wrap(Gru::new(2).return_sequences(true))
            .unwrap()
            .merge_mode(mode);
        assert_gradients(&format!("{mode:?}"), &layer, &x);
    }
    assert_gradients(
        "lstm, last",
        &Bidirectional::wrap(Lstm::new(2)).unwrap(),
        &x,
    );
}

#[test]
fn the_built_in_layers_are_their_cells_in_the_rnn_loop() {
    let x = sequence(3, 4, 2);
    let lstm = Lstm::new(3).return_sequences(true);
    let rnn = Rnn::new(LstmCell::new(3)).return_sequences(true);
    lstm.try_apply(&x).unwrap();
    rnn.try_apply(&x).unwrap();
    for ((_, a), (_, b)) in lstm.all_weights().into_iter().zip(rnn.all_weights()) {
        b.set_value(a.value()).unwrap();
    }
    // Both run the cell's fused sequence op: the same values bit for bit.
    let (fused, rnn_fused) = (lstm.try_apply(&x).unwrap(), rnn.try_apply(&x).unwrap());
    assert_eq!(fused.to_vec(), rnn_fused.to_vec());
    // `run_cell` is the per-step graph: the same formulas, with the gates' exp computed
    // differently, so equal to float rounding.
    let plain = run_cell(&rnn.cell, &x, None, false).unwrap().output(true);
    for (a, b) in fused.to_vec().iter().zip(plain.to_vec()) {
        assert!((a - b).abs() <= 1e-5 * 1f32.max(b.abs()), "{a} vs {b}");
    }
}

#[test]
fn states_carry_over_between_runs() {
    // Running the first 2 steps, then the last 3 from the states reached, is the 5-step run.
    let x = sequence(2, 5, 3);
    let lstm = LstmCell::new(4);
    let whole = run_cell(&lstm, &x, None, false).unwrap();
    let first = run_cell(&lstm, &x.narrow(1, 0, 2), None, false).unwrap();
    let rest = run_cell(&lstm, &x.narrow(1, 2, 3), Some(first.states.clone()), false).unwrap();
    assert_eq!(first.states.len(), 2); // [h, c]
    for (a, b) in whole.states.iter().zip(&rest.states) {
        let (a, b) = (a.to_vec(), b.to_vec());
        assert!(
            a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-6),
            "{a:?} {b:?}"
        );
    }
    let gru = GruCell::new(2);
    let err = run_cell(&gru, &x, Some(vec![Tensor::zeros(&[2, 3])]), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`initial_state` expected a (2, 2) state, (batch, units), as state 0 of 1 but found shape [2, 3]"
    );
    let err = run_cell(&gru, &x, Some(vec![]), false).unwrap_err();
    assert!(
        err.to_string()
            .contains("1 state tensors, but 0 were given"),
        "{err}"
    );
}

#[test]
fn go_backwards_returns_the_steps_in_reading_order() {
    // Keras: the backwards sequence output's step 0 has read only the last input step.
    let x = sequence(1, 4, 2);
    let back = SimpleRnn::new(2).return_sequences(true).go_backwards(true);
    let y = back.try_apply(&x).unwrap();
    let last_only = SimpleRnn::new(2);
    last_only.try_apply(&x).unwrap();
    for ((_, a), (_, b)) in back.all_weights().into_iter().zip(last_only.all_weights()) {
        b.set_value(a.value()).unwrap();
    }
    let single = last_only.try_apply(&x.narrow(1, 3, 1)).unwrap();
    assert_eq!(y.narrow(1, 0, 1).reshape(&[1, 2]).to_vec(), single.to_vec());
}

#[test]
fn lstm_forget_bias_is_set_once_and_loaded_weights_stay() {
    let lstm = Lstm::new(2);
    lstm.try_apply(&sequence(1, 2, 3)).unwrap();
    assert_eq!(
        lstm.cell.bias.value().to_vec(),
        [0., 0., 1., 1., 0., 0., 0., 0.]
    );
    lstm.cell.bias.set_value(Tensor::full(&[8], 0.5)).unwrap();
    lstm.try_apply(&sequence(1, 2, 3)).unwrap();
    assert_eq!(lstm.cell.bias.value().to_vec(), vec![0.5; 8]);
    let plain = Lstm::new(2).unit_forget_bias(false);
    plain.try_apply(&sequence(1, 2, 3)).unwrap();
    assert_eq!(plain.cell.bias.value().to_vec(), vec![0.0; 8]);
}

#[test]
fn configs_use_keras_names_and_defaults() {
    let config = Lstm::new(8).config();
    let keys: Vec<&str> = config
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "activation",
            "bias_constraint",
            "bias_initializer",
            "bias_regularizer",
            "go_backwards",
            "kernel_constraint",
            "kernel_initializer",
            "kernel_regularizer",
            "recurrent_activation",
            "recurrent_constraint",
            "recurrent_initializer",
            "recurrent_regularizer",
            "return_sequences",
            "unit_forget_bias",
            "units",
            "use_bias",
        ]
    );
    assert_eq!(config["activation"], "tanh");
    assert_eq!(
        config["recurrent_initializer"],
        ConfigValue::to_config(&Initializer::orthogonal())
    );
    assert_eq!(config["unit_forget_bias"], true);
    assert_eq!(Gru::new(3).type_name(), "GRU");
    assert_eq!(SimpleRnn::new(3).type_name(), "SimpleRNN");
    assert_eq!(Rnn::new(SimpleRnnCell::new(3)).type_name(), "Rnn");
    assert_eq!(
        Bidirectional::wrap(Lstm::new(1)).unwrap().config()["merge_mode"],
        "concat"
    );
    // A setter remakes the cell from the new value.
    assert_eq!(
        Lstm::new(3).activation("relu").cell.activation.name(),
        "relu"
    );
}

#[test]
fn bad_input_and_config_are_errors_naming_the_layer() {
    let err = Lstm::new(4).try_apply(&Tensor::ones(&[2, 3])).unwrap_err();
    assert!(err.to_string().starts_with("layer `lstm` (LSTM):"), "{err}");

    let gru = Gru::new(4);
    gru.try_apply(&sequence(2, 3, 5)).unwrap();
    let err = gru.try_apply(&sequence(2, 3, 6)).unwrap_err().to_string();
    assert!(err.starts_with("layer `gru.gru_cell` (GRUCell)"), "{err}");
    assert!(err.contains("kernel"), "{err}");

    let err = SimpleRnn::new(0).build([3, 2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `simple_rnn` (SimpleRNN): `units` must be a positive integer, got 0"
    );

    let err = Rnn::new(MinimalCell::new(2))
        .try_apply(&Tensor::ones(&[2, 0, 3]))
        .unwrap_err();
    assert!(err.to_string().contains("no time step"), "{err}");

    let err = Bidirectional::new(
        Lstm::new(2),
        Lstm::new(2).go_backwards(true).return_sequences(true),
    )
    .build([3, 2])
    .unwrap_err();
    assert!(err.to_string().contains("`return_sequences`"), "{err}");
    assert!(Bidirectional::wrap(Dense::new(2)).is_err());
}

fn round_trip(name: &str, layer: impl Layer + 'static) {
    let x = sequence(3, 4, 2);
    let mut model = Sequential::new().seed(3).add(layer).add(Dense::new(2));
    model.build([4, 2]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.predict(&x).unwrap().to_vec(),
        model.predict(&x).unwrap().to_vec(),
        "{name}"
    );
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap(),
        "{name}"
    );
}

#[test]
fn models_with_recurrent_layers_save_and_load() {
    round_trip("SimpleRNN", SimpleRnn::new(3).go_backwards(true));
    round_trip("LSTM", Lstm::new(3).activation("relu"));
    round_trip("GRU", Gru::new(3).use_bias(false));
    round_trip("RNN", Rnn::new(MinimalCell::new(3)).return_sequences(true));
    round_trip(
        "Bidirectional",
        Bidirectional::wrap(Lstm::new(2))
            .unwrap()
            .merge_mode(MergeMode::Ave),
    );
    // Every recurrent layer, not only the LSTM: they load as a `Bidirectional` of a boxed
    // layer (a `Bidirectional(GRU)` was refused as "read as a `LSTM`").
    round_trip(
        "Bidirectional GRU",
        Bidirectional::wrap(Gru::new(2)).unwrap(),
    );
    round_trip(
        "Bidirectional SimpleRNN",
        Bidirectional::wrap(SimpleRnn::new(3).return_sequences(true)).unwrap(),
    );
    round_trip(
        "Bidirectional RNN",
        Bidirectional::wrap(Rnn::new(MinimalCell::new(2))).unwrap(),
    );
}

#[test]
fn seeded_training_gives_the_same_bits_on_any_number_of_threads() {
    // The fused sequences cut a large enough batch (24 · 12 steps · 64 units is) into one
    // part per thread.
    let model = || {
        Sequential::new()
            .add(Lstm::new(64).return_sequences(true))
            .add(Bidirectional::wrap(Gru::new(8)).unwrap())
            .add(Dense::new(3))
    };
    crate::assert_same_bits_on_any_number_of_threads(model, &sequence(48, 12, 5));
}
