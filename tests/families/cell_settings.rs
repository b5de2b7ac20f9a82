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
