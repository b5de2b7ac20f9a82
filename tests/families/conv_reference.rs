//! The convolution layers against NumPy: forward values and the gradients of the input and
//! of every weight, computed in float64 by `tests/reference/conv.py` from the definitions
//! (and, for `Conv2DTranspose`, the way Keras 3's JAX backend computes it), recorded in
//! `tests/reference/conv.txt`. Each must agree to 1e-4 relative (to `max(1, |expected|)`).

use std::collections::BTreeMap;

use layers::activation::Tanh;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/conv.txt"))
}

type Case = (&'static str, fn() -> Box<dyn Layer>);

/// The layer of each case, as the Python script computes it.
const CASES: &[Case] = &[
    ("conv1d_valid", || Box::new(Conv1D::new(4, 3))),
    ("conv1d_same_stride2", || {
        Box::new(Conv1D::new(2, 4).strides(2).padding(Padding::Same))
    }),
    ("conv1d_same_dilation2", || {
        Box::new(Conv1D::new(3, 3).dilation_rate(2).padding(Padding::Same))
    }),
    ("conv2d_valid", || Box::new(Conv2D::new(4, (3, 3)))),
    ("conv2d_same_stride2", || {
        Box::new(
            Conv2D::new(3, (3, 2))
                .strides((2, 2))
                .padding(Padding::Same),
        )
    }),
    ("conv2d_valid_stride23", || {
        Box::new(Conv2D::new(2, (2, 3)).strides((2, 3)))
    }),
    ("conv2d_same_dilation", || {
        Box::new(
            Conv2D::new(2, (3, 3))
                .dilation_rate((2, 1))
                .padding(Padding::Same),
        )
    }),
    ("conv2d_same_k4_tanh", || {
        Box::new(
            Conv2D::new(3, (4, 4))
                .padding(Padding::Same)
                .activation(Tanh),
        )
    }),
    ("conv2d_pointwise", || Box::new(Conv2D::new(3, (1, 1)))),
    ("depthwise_valid_m2", || {
        Box::new(DepthwiseConv2D::new((3, 3)).depth_multiplier(2))
    }),
    ("depthwise_same_stride2", || {
        Box::new(
            DepthwiseConv2D::new((3, 3))
                .strides((2, 2))
                .padding(Padding::Same),
        )
    }),
    ("depthwise_same_dilation", || {
        Box::new(
            DepthwiseConv2D::new((3, 2))
                .padding(Padding::Same)
                .depth_multiplier(3)
                .dilation_rate((2, 2)),
        )
    }),
    ("separable_same", || {
        Box::new(
            SeparableConv2D::new(4, (3, 3))
                .padding(Padding::Same)
                .depth_multiplier(2),
        )
    }),
    ("separable_valid_stride2", || {
        Box::new(SeparableConv2D::new(3, (3, 3)).strides((2, 2)))
    }),
    ("transpose_valid_stride2", || {
        Box::new(Conv2DTranspose::new(4, (3, 3)).strides((2, 2)))
    }),
    ("transpose_same_stride2", || {
        Box::new(
            Conv2DTranspose::new(3, (3, 3))
                .strides((2, 2))
                .padding(Padding::Same),
        )
    }),
    ("transpose_same_k4_stride2", || {
        Box::new(
            Conv2DTranspose::new(2, (4, 4))
                .strides((2, 2))
                .padding(Padding::Same),
        )
    }),
    ("transpose_valid_k2_stride3", || {
        Box::new(Conv2DTranspose::new(2, (2, 2)).strides((3, 3)))
    }),
    ("transpose_valid_dilation2", || {
        Box::new(Conv2DTranspose::new(2, (3, 2)).dilation_rate((2, 2)))
    }),
    ("transpose_same_stride1", || {
        Box::new(Conv2DTranspose::new(2, (3, 3)).padding(Padding::Same))
    }),
];

fn assert_close(case: &str, field: &str, got: &Tensor, want: &Array) {
    assert_eq!(got.shape(), want.shape.as_slice(), "{case} {field}: shape");
    for (i, (&g, &w)) in got.to_vec().iter().zip(&want.values).enumerate() {
        let err = (f64::from(g) - w).abs() / w.abs().max(1.0);
        assert!(
            err < 1e-4,
            "{case} {field}[{i}]: got {g}, expected {w} (relative error {err:.2e})"
        );
    }
}

#[test]
fn every_case_of_the_table_has_a_layer_and_every_layer_a_case() {
    let table = table();
    let names: Vec<&str> = CASES.iter().map(|(n, _)| *n).collect();
    let mut in_table: Vec<&str> = table.keys().copied().collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    in_table.sort_unstable();
    assert_eq!(sorted, in_table);
    assert_eq!(table.len(), 20);
}

#[test]
fn values_and_gradients_match_numpy() {
    let table = table();
    for (name, make) in CASES {
        let fields = &table[name];
        let mut layer = make();
        let x = fields["x"].tensor();
        layer.build(&x.shape()[1..]).unwrap();
        let weights = layer.all_weights();
        for (i, (path, w)) in weights.iter().enumerate() {
            let want = &fields[format!("w{i}").as_str()];
            w.set_value(want.tensor())
                .unwrap_or_else(|e| panic!("{name}: weight `{path}`: {e}"));
        }
        let x = x.into_variable();
        let y = layer.try_apply(&x).unwrap();
        assert_close(name, "y", &y, &fields["y"]);
        let loss = (&y * &fields["c"].tensor()).sum_all();
        let grads = loss.backward();
        assert_close(name, "gx", grads.get(&x).unwrap(), &fields["gx"]);
        for (i, (path, w)) in weights.iter().enumerate() {
            let field = format!("gw{i}");
            let g = w
                .grad(&grads)
                .unwrap_or_else(|| panic!("{name}: no gradient for `{path}`"));
            assert_close(name, &field, g, &fields[field.as_str()]);
        }
    }
}
