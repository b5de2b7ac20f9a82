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
