//! The recurrent layers against NumPy: `tests/reference/rnn.py` writes Keras 3's formulas
//! for SimpleRNN, LSTM, GRU (reset_after) and Bidirectional as plain float64 loops, and the
//! gradients of `Σ y·c` by central finite differences in float64, to
//! `tests/reference/rnn.txt`. Each layer here, given the same weights, must agree to 1e-4
//! relative (to `max(1, |expected|)`) on its output and on the gradients of the input and
//! of every weight, in Keras's weight order.

use std::collections::BTreeMap;

use layers::builtin::MergeMode;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/rnn.txt"))
}

/// The layer of each case, as the Python script computes it.
fn layer(name: &str) -> Box<dyn Layer> {
    match name {
        "simple_rnn" => Box::new(SimpleRnn::new(3)),
        "simple_rnn_seq_back" => {
            Box::new(SimpleRnn::new(3).return_sequences(true).go_backwards(true))
        }
        "lstm" => Box::new(Lstm::new(2)),
        "lstm_seq" => Box::new(Lstm::new(2).return_sequences(true)),
        "lstm_back" => Box::new(Lstm::new(3).go_backwards(true)),
        "gru" => Box::new(Gru::new(2)),
        "gru_seq_back" => Box::new(Gru::new(3).return_sequences(true).go_backwards(true)),
        "gru_no_bias" => Box::new(Gru::new(2).use_bias(false)),
        "bidirectional_lstm_seq" => {
            Box::new(Bidirectional::wrap(Lstm::new(2).return_sequences(true)).unwrap())
        }
        "bidirectional_gru_sum" => Box::new(
            Bidirectional::wrap(Gru::new(2))
                .unwrap()
                .merge_mode(MergeMode::Sum),
        ),
        other => panic!("no layer for case `{other}`"),
    }
}

/// Adds to `problems` what the shared reader finds beyond its tolerance (1e-4 relative).
fn compare(what: &str, found: &Tensor, expected: &Array, problems: &mut Vec<String>) {
    problems.extend(table::compare(what, found, expected));
}

fn run_case(name: &str, fields: &Fields) -> Result<Vec<String>> {
    let mut layer = layer(name);
    let x = &fields["x"];
    layer.build(&x.shape[1..])?;
    let weights = layer.all_weights();
    let expected: Vec<&Array> = (0..)
        .map_while(|i| fields.get(format!("w{i}").as_str()))
        .collect();
    assert_eq!(weights.len(), expected.len(), "{name}: weight count");
    for ((path, w), value) in weights.iter().zip(&expected) {
        assert_eq!(
            w.shape().unwrap(),
            value.shape,
            "{name}: shape of `{path}` (Keras's order)"
        );
        w.set_value(value.tensor())?;
    }
    let input = x.tensor().into_variable();
    let y = layer.try_apply(&input)?;
    let mut problems = Vec::new();
    compare(&format!("{name} y"), &y, &fields["y"], &mut problems);
    let grads = y.backward_with(&fields["c"].tensor());
    compare(
        &format!("{name} gx"),
        grads.get(&input).expect("the input has a gradient"),
        &fields["gx"],
        &mut problems,
    );
    for (i, (path, w)) in weights.iter().enumerate() {
        let g = w.grad(&grads).expect("every weight has a gradient");
        compare(
            &format!("{name} {path}"),
            g,
            &fields[format!("gw{i}").as_str()],
            &mut problems,
        );
    }
    Ok(problems)
}

#[test]
fn recurrent_layers_match_numpy() -> Result<()> {
    let table = table();
    assert_eq!(table.len(), 10, "every case of rnn.py is read");
    let mut problems = Vec::new();
    for (name, fields) in &table {
        problems.extend(run_case(name, fields)?);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}
