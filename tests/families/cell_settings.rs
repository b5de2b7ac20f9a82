//! `Lstm`, `Gru` and `SimpleRnn` hold their settings twice, as their own fields and in the
//! cell that computes. A field assigned directly changed the config (and the saved file)
//! but not the computation; now the two must agree, or building and calling the layer is
//! an error naming the setting and both values.

use layers::prelude::*;
use layers::serde_json::json;

fn steps() -> Tensor {
    Tensor::from_vec(
        (0..12).map(|i| (i as f32 * 0.7).sin()).collect(),
        &[2, 3, 2],
    )
}

#[test]
fn a_units_field_assigned_directly_is_refused_at_build() {
    let mut lstm = Lstm::new(2);
    lstm.units = 3;
    let err = Sequential::new()
        .add(lstm)
        .build([3, 2])
        .unwrap_err()
        .to_string();
    assert!(err.contains("layer `lstm` (LSTM)"), "{err}");
    assert!(err.contains("`units` is 3, but the layer's cell"), "{err}");
    assert!(err.contains("LSTMCell) has 2"), "{err}");
}

#[test]
fn an_activation_assigned_after_build_is_refused_at_call_and_changes_nothing() {
    let mut gru = Gru::new(2);
    gru.build([3, 2]).unwrap();
    let before = gru.try_apply(&steps()).unwrap().to_vec();
    gru.activation = Activation::from("relu");
    let err = gru.try_apply(&steps()).unwrap_err().to_string();
    assert!(err.contains("`activation` is \"relu\""), "{err}");
    assert!(err.contains("GRUCell) has \"tanh\""), "{err}");
    // Setting the cell too is the documented way: then both agree and the layer computes
    // with it.
    gru.cell.activation = Activation::from("relu");
    let after = gru.try_apply(&steps()).unwrap().to_vec();
    assert_ne!(after, before);
    gru.activation = Activation::from("tanh");
    gru.cell.activation = Activation::from("tanh");
    assert_eq!(gru.try_apply(&steps()).unwrap().to_vec(), before);
}

#[test]
fn use_bias_on_a_simple_rnn_in_a_model_is_refused_by_predict() {
    let mut rnn = SimpleRnn::new(2);
    rnn.use_bias = false;
    let mut model = Sequential::new().add(rnn);
    let err = model.build([3, 2]).unwrap_err().to_string();
    assert!(err.contains("`use_bias` is false"), "{err}");
    assert!(err.contains("SimpleRNNCell) has true"), "{err}");
}

#[test]
fn the_builder_methods_set_both_and_build() {
    let lstm = Lstm::new(2)
        .activation("relu")
        .use_bias(false)
        .unit_forget_bias(false)
        .return_sequences(true);
    assert_eq!(lstm.cell.activation.name(), "relu");
    let mut model = Sequential::new()
        .add(lstm)
        .add(Gru::new(3).reset_after(false));
    assert_eq!(model.build([3, 2]).unwrap(), vec![3]);
}

#[test]
fn a_config_whose_layer_and_cell_disagree_is_refused() {
    let mut lstm = Lstm::new(2);
    lstm.build([3, 2]).unwrap();
    let mut config = lstm.layer_config().unwrap();
    config.config.insert("units".into(), json!(4));
    let mut made = layer_from_config(&config).unwrap();
    let err = made.build([3, 2]).unwrap_err().to_string();
    assert!(err.contains("`units` is 4"), "{err}");
}

#[test]
fn a_config_without_its_made_sublayers_makes_them_from_the_settings() {
    // Keras writes an LSTM's config without its cell and a MultiHeadAttention's without its
    // projections: the layer makes them from its settings, as `new` does. Before, such a
    // config was refused ("`cell` sublayer is missing").
    let x = steps();
    for (json, reference) in [
        (
            r#"{"class_name": "LSTM", "config": {"units": 3, "return_sequences": true}}"#,
            Box::new(Lstm::new(3).return_sequences(true)) as Box<dyn Layer>,
        ),
        (
            r#"{"class_name": "GRU", "config": {"units": 2, "activation": "relu"}}"#,
            Box::new(Gru::new(2).activation(Activation::from("relu"))),
        ),
        (
            r#"{"class_name": "SimpleRNN", "config": {"units": 4, "go_backwards": true}}"#,
            Box::new(SimpleRnn::new(4).go_backwards(true)),
        ),
    ] {
        let config = LayerConfig::from_json(json).unwrap();
        let mut made = layer_from_config(&config).unwrap();
        let mut reference = reference;
        made.build([3, 2]).unwrap();
        reference.build([3, 2]).unwrap();
        // The same config (cell included) and, with the same weights, the same outputs.
        assert_eq!(
            made.layer_config().unwrap().to_json(),
            reference.layer_config().unwrap().to_json(),
            "{json}"
        );
        made.set_weights(&reference.get_weights().unwrap()).unwrap();
        assert_eq!(
            made.forward(&x).unwrap().to_vec(),
            reference.forward(&x).unwrap().to_vec(),
            "{json}"
        );
    }
    let mha = LayerConfig::from_json(
        r#"{"class_name": "MultiHeadAttention", "config": {"num_heads": 2, "key_dim": 4}}"#,
    )
    .unwrap();
    let made = MultiHeadAttention::from_config(&mha).unwrap();
    assert_eq!(
        made.layer_config().unwrap().to_json(),
        MultiHeadAttention::new(2, 4)
            .layer_config()
            .unwrap()
            .to_json()
    );
    // A cell given in the config is still the one used: one whose units disagree with the
    // layer's is refused at build, as before.
    let mut config = Lstm::new(2).layer_config().unwrap();
    config.config.insert("units".into(), json!(5));
    let mut made = layer_from_config(&config).unwrap();
    assert!(
        made.build([3, 2])
            .unwrap_err()
            .to_string()
            .contains("`units` is 5")
    );
    // A sublayer passed to `new` (not made from settings) is still required.
    let td = LayerConfig::from_json(r#"{"class_name": "TimeDistributed", "config": {}}"#).unwrap();
    let Err(err) = layer_from_config(&td) else {
        panic!("a TimeDistributed config without its layer was accepted")
    };
    let err = err.to_string();
    assert!(err.contains("sublayer is missing"), "{err}");
}

/// A change to one setting of a recurrent layer, made by direct assignment to the layer's
/// field alone (its cell keeps the value `new` gave it): the setting's config key, the
/// change.
type Change<L> = (&'static str, fn(&mut L));

/// Asserts that `changes` cover every setting a layer made by `make` shares with its cell
/// (the keys both configs hold), and that each change alone makes building the layer an
/// error naming that setting. A setting the layer forgot to compare would build.
fn each_shared_setting_is_compared<L: Layer>(
    make: fn() -> L,
    cell: fn(&L) -> &dyn Layer,
    changes: &[Change<L>],
) {
    let layer = make();
    let (own, cells) = (layer.config(), cell(&layer).config());
    let shared: std::collections::BTreeSet<&str> = cells
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| own.get(k.as_str()).is_some())
        .map(String::as_str)
        .collect();
    let listed: std::collections::BTreeSet<&str> = changes.iter().map(|(k, _)| *k).collect();
    assert_eq!(listed, shared, "{}: the shared settings", layer.type_name());
    for (key, change) in changes {
        let mut layer = make();
        change(&mut layer);
        // The change is real: the layer's config and its cell's now differ at `key`.
        assert_ne!(
            layer.config()[key],
            cell(&layer).config()[key],
            "{}: `{key}` unchanged",
            layer.type_name()
        );
        let err = layer.build([3, 2]).map(drop).unwrap_err().to_string();
        let name = layer.type_name();
        assert!(
            err.contains(&format!("({name}): `{key}` is ")),
            "{name}: `{key}`: {err}"
        );
        assert!(
            err.contains(&format!(", but the layer's cell (`cell`, {name}Cell) has ")),
            "{err}"
        );
    }
}

#[test]
fn every_setting_an_lstm_shares_with_its_cell_is_compared() {
    each_shared_setting_is_compared::<Lstm>(
        || Lstm::new(2),
        |l| &l.cell,
        &[
            ("activation", |l| l.activation = Activation::from("relu")),
            ("bias_constraint", |l| {
                l.bias_constraint = Some(Constraint::non_neg())
            }),
            ("bias_initializer", |l| {
                l.bias_initializer = Initializer::Ones
            }),
            ("bias_regularizer", |l| {
                l.bias_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("kernel_constraint", |l| {
                l.kernel_constraint = Some(Constraint::non_neg())
            }),
            ("kernel_initializer", |l| {
                l.kernel_initializer = Initializer::Ones
            }),
            ("kernel_regularizer", |l| {
                l.kernel_regularizer = Some(Regularizer::l1(0.1))
            }),
            ("recurrent_activation", |l| {
                l.recurrent_activation = Activation::from("tanh")
            }),
            ("recurrent_constraint", |l| {
                l.recurrent_constraint = Some(Constraint::unit_norm())
            }),
            ("recurrent_initializer", |l| {
                l.recurrent_initializer = Initializer::Zeros
            }),
            ("recurrent_regularizer", |l| {
                l.recurrent_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("unit_forget_bias", |l| l.unit_forget_bias = false),
            ("units", |l| l.units = 3),
            ("use_bias", |l| l.use_bias = false),
        ],
    );
}

#[test]
fn every_setting_a_gru_shares_with_its_cell_is_compared() {
    each_shared_setting_is_compared::<Gru>(
        || Gru::new(2),
        |l| &l.cell,
        &[
            ("activation", |l| l.activation = Activation::from("relu")),
            ("bias_constraint", |l| {
                l.bias_constraint = Some(Constraint::non_neg())
            }),
            ("bias_initializer", |l| {
                l.bias_initializer = Initializer::Ones
            }),
            ("bias_regularizer", |l| {
                l.bias_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("kernel_constraint", |l| {
                l.kernel_constraint = Some(Constraint::non_neg())
            }),
            ("kernel_initializer", |l| {
                l.kernel_initializer = Initializer::Ones
            }),
            ("kernel_regularizer", |l| {
                l.kernel_regularizer = Some(Regularizer::l1(0.1))
            }),
            ("recurrent_activation", |l| {
                l.recurrent_activation = Activation::from("tanh")
            }),
            ("recurrent_constraint", |l| {
                l.recurrent_constraint = Some(Constraint::unit_norm())
            }),
            ("recurrent_initializer", |l| {
                l.recurrent_initializer = Initializer::Zeros
            }),
            ("recurrent_regularizer", |l| {
                l.recurrent_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("reset_after", |l| l.reset_after = false),
            ("units", |l| l.units = 3),
            ("use_bias", |l| l.use_bias = false),
        ],
    );
}

#[test]
fn every_setting_a_simple_rnn_shares_with_its_cell_is_compared() {
    each_shared_setting_is_compared::<SimpleRnn>(
        || SimpleRnn::new(2),
        |l| &l.cell,
        &[
            ("activation", |l| l.activation = Activation::from("relu")),
            ("bias_constraint", |l| {
                l.bias_constraint = Some(Constraint::non_neg())
            }),
            ("bias_initializer", |l| {
                l.bias_initializer = Initializer::Ones
            }),
            ("bias_regularizer", |l| {
                l.bias_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("kernel_constraint", |l| {
                l.kernel_constraint = Some(Constraint::non_neg())
            }),
            ("kernel_initializer", |l| {
                l.kernel_initializer = Initializer::Ones
            }),
            ("kernel_regularizer", |l| {
                l.kernel_regularizer = Some(Regularizer::l1(0.1))
            }),
            ("recurrent_constraint", |l| {
                l.recurrent_constraint = Some(Constraint::unit_norm())
            }),
            ("recurrent_initializer", |l| {
                l.recurrent_initializer = Initializer::Zeros
            }),
            ("recurrent_regularizer", |l| {
                l.recurrent_regularizer = Some(Regularizer::l2(0.1))
            }),
            ("units", |l| l.units = 3),
            ("use_bias", |l| l.use_bias = false),
        ],
    );
}

#[test]
fn of_several_differing_settings_the_first_in_config_order_is_named() {
    // The configs are maps sorted by key, and the check used to walk the cell's: the
    // first difference named is the first key in alphabetical order.
    let mut lstm = Lstm::new(2);
    lstm.use_bias = false;
    lstm.units = 3;
    lstm.kernel_initializer = Initializer::Ones;
    let err = lstm.build([3, 2]).unwrap_err().to_string();
    assert!(err.contains("(LSTM): `kernel_initializer` is "), "{err}");
    lstm.kernel_initializer = Initializer::glorot_uniform();
    let err = lstm.build([3, 2]).unwrap_err().to_string();
    assert!(err.contains("(LSTM): `units` is "), "{err}");
}

#[test]
fn a_nan_setting_given_to_both_is_left_to_its_own_check() {
    // A NaN is unequal to itself, but the builder gave the layer and its cell the same
    // value: the error is the regularizer's own, not a disagreement with the cell.
    let mut lstm = Lstm::new(2).kernel_regularizer(Regularizer::l2(f32::NAN));
    let err = lstm.build([3, 2]).unwrap_err().to_string();
    assert!(!err.contains("but the layer's cell"), "{err}");
    assert!(err.contains("`kernel_regularizer`"), "{err}");
    assert!(err.contains("unusable"), "{err}");
}
