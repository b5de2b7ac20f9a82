//! `MultiHeadAttention` against NumPy: outputs and gradients (of the input and of every
//! weight) computed in float64 by `tests/reference/attention.py`, by formula with plain loops
//! and central finite differences, recorded in `tests/reference/attention.txt`. Each case
//! loads the script's weights with `set_weights` (Keras's order) and must agree to 1e-4
//! relative (to `max(1, |expected|)`).

use std::collections::BTreeMap;

use layers::builtin::PaddingMask;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/attention.txt"))
}

/// The layer of each case, configured as the Python script's `cases()`.
fn layer(case: &str) -> MultiHeadAttention {
    match case {
        "plain" => MultiHeadAttention::new(2, 3),
        "causal_value_dim_output_shape" => MultiHeadAttention::new(2, 2)
            .value_dim(3)
            .output_shape(5)
            .use_causal_mask(true),
        "padding_value" => MultiHeadAttention::new(2, 2).padding_mask(PaddingMask::Value(0.0)),
        "fixed_mask_causal_no_bias" => MultiHeadAttention::new(3, 2)
            .use_causal_mask(true)
            .use_bias(false)
            .padding_mask(Tensor::from_vec(
                vec![1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0],
                &[2, 4],
            )),
        "fixed_mask_1d" => {
            MultiHeadAttention::new(1, 4).padding_mask(Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3]))
        }
        other => panic!("no layer for case {other}"),
    }
}

fn assert_close(case: &str, field: &str, got: &[f32], expected: &Array) {
    assert_eq!(got.len(), expected.values.len(), "{case} {field}: length");
    for (i, (&g, &e)) in got.iter().zip(&expected.values).enumerate() {
        let err = (f64::from(g) - e).abs() / e.abs().max(1.0);
        assert!(
            err < 1e-4,
            "{case} {field}[{i}]: got {g}, expected {e} (rel {err:.2e})"
        );
    }
}

#[test]
fn multi_head_attention_matches_numpy_values_and_gradients() {
    let table = table();
    assert_eq!(table.len(), 5, "every case of the script is checked");
    for (case, fields) in &table {
        let mha = layer(case);
        let x = fields["x"].tensor();
        mha.build_for(&x);
        let weights: Vec<Tensor> = (0..)
            .map_while(|i| fields.get(format!("w{i}").as_str()).map(Array::tensor))
            .collect();
        mha.set_weights(&weights).unwrap();

        let input = x.detach().into_variable();
        let y = mha.forward(&input).unwrap();
        assert_eq!(
            y.shape(),
            fields["y"].shape.as_slice(),
            "{case}: output shape"
        );
        assert_close(case, "y", &y.to_vec(), &fields["y"]);

        let grads = y.backward_with(&fields["c"].tensor());
        assert_close(
            case,
            "gx",
            &grads.get(&input).unwrap().to_vec(),
            &fields["gx"],
        );
        for (i, (path, w)) in mha.all_weights().into_iter().enumerate() {
            let field = format!("gw{i}");
            let g = w.grad(&grads).unwrap().to_vec();
            assert_close(
                case,
                &format!("{field} ({path})"),
                &g,
                &fields[field.as_str()],
            );
        }
    }
}

/// Builds a layer for `x`'s per-sample shape.
trait BuildFor {
    fn build_for(&self, x: &Tensor);
}

impl BuildFor for MultiHeadAttention {
    fn build_for(&self, x: &Tensor) {
        no_grad(|| self.forward(x)).unwrap();
    }
}
