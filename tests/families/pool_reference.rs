//! The pooling ops and layers (max and average pooling 1-D and 2-D, `valid` and `same`,
//! global pooling, `ZeroPadding2D`, `UpSampling2D`, `TimeDistributed`) against values and
//! gradients computed independently in float64 by `tests/reference/pool.py` (plain loops
//! over the windows, central finite differences of `Σ y·c`), recorded in
//! `tests/reference/pool.txt`. Every value and gradient must agree to 1e-4 relative (to
//! `max(1, |expected|)`).

use std::collections::BTreeMap;

use layers::builtin::Padding;
use layers::prelude::*;

use crate::table::{self, Array, Fields, compare};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/pool.txt"))
}

/// How a case computes its output: a tensor op on the inputs, or a layer whose input is
/// `x0` and whose trainable weights, in order, are `x1`, `x2`, ….
enum Case {
    Op(fn(&[Tensor]) -> Tensor),
    Layer(fn() -> Box<dyn Layer>),
}

const NONE: [(usize, usize); 2] = [(0, 0), (0, 0)];

/// The cases, as the Python script computes them.
fn cases() -> Vec<(&'static str, Case)> {
    use Case::{Layer as L, Op};
    vec![
        (
            "max_pool2d_valid",
            Op(|v| v[0].max_pool2d([2, 2], [2, 2], NONE)),
        ),
        // `same` for 5 rows and 6 columns, window 3, stride 2: (1, 1) and (0, 1).
        (
            "max_pool2d_same_3x3_s2",
            Op(|v| v[0].max_pool2d([3, 3], [2, 2], [(1, 1), (0, 1)])),
        ),
        (
            "max_pool2d_rect_s1x2",
            Op(|v| v[0].max_pool2d([2, 3], [1, 2], NONE)),
        ),
        (
            "avg_pool2d_valid",
            Op(|v| v[0].avg_pool2d([2, 2], [2, 2], NONE)),
        ),
        (
            "avg_pool2d_same",
            Op(|v| v[0].avg_pool2d([2, 2], [2, 2], [(0, 1), (0, 1)])),
        ),
        (
            "avg_pool2d_same_3x3_s1",
            Op(|v| v[0].avg_pool2d([3, 3], [1, 1], [(1, 1), (1, 1)])),
        ),
        ("max_pool1d_valid", Op(|v| v[0].max_pool1d(2, 2, (0, 0)))),
        ("max_pool1d_same_s2", Op(|v| v[0].max_pool1d(3, 2, (0, 1)))),
        ("avg_pool1d_same", Op(|v| v[0].avg_pool1d(2, 2, (0, 1)))),
        ("avg_pool1d_overlap", Op(|v| v[0].avg_pool1d(3, 1, (0, 0)))),
        ("MaxPooling2D", L(|| Box::new(MaxPooling2D::new()))),
        (
            "MaxPooling2D_same_s1",
            L(|| {
                Box::new(
                    MaxPooling2D::new()
                        .pool_size((3, 2))
                        .strides((1, 1))
                        .padding(Padding::Same),
                )
            }),
        ),
        (
            "AveragePooling2D_same",
            L(|| Box::new(AveragePooling2D::new().padding(Padding::Same))),
        ),
        ("MaxPooling1D", L(|| Box::new(MaxPooling1D::new()))),
        (
            "AveragePooling1D_same",
            L(|| {
                Box::new(
                    AveragePooling1D::new()
                        .pool_size(3)
                        .strides(2)
                        .padding(Padding::Same),
                )
            }),
        ),
        (
            "GlobalAveragePooling1D",
            L(|| Box::new(GlobalAveragePooling1D::new())),
        ),
        (
            "GlobalAveragePooling2D_keepdims",
            L(|| Box::new(GlobalAveragePooling2D::new().keepdims(true))),
        ),
        (
            "GlobalMaxPooling1D_keepdims",
            L(|| Box::new(GlobalMaxPooling1D::new().keepdims(true))),
        ),
        (
            "GlobalMaxPooling2D",
            L(|| Box::new(GlobalMaxPooling2D::new())),
        ),
        (
            "ZeroPadding2D",
            L(|| Box::new(ZeroPadding2D::new().padding(((1, 0), (2, 1))))),
        ),
        (
            "UpSampling2D",
            L(|| Box::new(UpSampling2D::new().size((2, 3)))),
        ),
        (
            "TimeDistributed_Dense",
            L(|| Box::new(TimeDistributed::new(Dense::new(2)))),
        ),
        (
            "TimeDistributed_MaxPooling2D",
            L(|| Box::new(TimeDistributed::new(MaxPooling2D::new()))),
        ),
    ]
}

fn inputs(fields: &Fields) -> Vec<Tensor> {
    (0..)
        .map_while(|i| fields.get(format!("x{i}").as_str()))
        .map(Array::tensor)
        .collect()
}

fn run_case(name: &str, case: &Case, fields: &Fields) -> Vec<String> {
    let x = inputs(fields);
    let c = fields["c"].tensor();
    let mut problems = Vec::new();
    let mut check_grad = |i: usize, g: Option<Tensor>| match g {
        Some(g) => problems.extend(compare(
            &format!("{name} g{i}"),
            &g,
            &fields[format!("g{i}").as_str()],
        )),
        None => problems.push(format!("{name} g{i}: no gradient")),
    };
    match case {
        Case::Op(op) => {
            let vars: Vec<Tensor> = x.iter().map(|t| t.clone().into_variable()).collect();
            let y = op(&vars);
            let mut found = compare(&format!("{name} y"), &y, &fields["y"]);
            let grads = y.backward_with(&c);
            for (i, v) in vars.iter().enumerate() {
                check_grad(i, grads.get(v).cloned());
            }
            found.append(&mut problems);
            found
        }
        Case::Layer(make) => {
            let mut layer = make();
            let input = x[0].clone().into_variable();
            layer.build(&x[0].shape()[1..]).unwrap();
            let weights = layer.trainable_weights();
            assert_eq!(weights.len(), x.len() - 1, "{name}: the table's weights");
            for ((_, w), value) in weights.iter().zip(&x[1..]) {
                w.set_value(value.clone()).unwrap();
            }
            let y = layer.try_apply(&input).unwrap();
            let mut found = compare(&format!("{name} y"), &y, &fields["y"]);
            let grads = y.backward_with(&c);
            check_grad(0, grads.get(&input).cloned());
            for (i, (_, w)) in weights.iter().enumerate() {
                check_grad(i + 1, w.grad(&grads).cloned());
            }
            found.append(&mut problems);
            found
        }
    }
}

#[test]
fn the_cases_here_are_the_cases_of_the_table() {
    let here: Vec<&str> = cases().iter().map(|(name, _)| *name).collect();
    let mut sorted = here.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), here.len(), "a case is listed twice");
    assert_eq!(sorted, table().keys().copied().collect::<Vec<_>>());
}

#[test]
fn values_and_gradients_match_the_loops_in_float64() {
    let table = table();
    let mut problems = Vec::new();
    let mut gradients = 0;
    for (name, case) in &cases() {
        let fields = &table[name];
        gradients += fields.keys().filter(|f| f.starts_with('g')).count();
        problems.extend(run_case(name, case, fields));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        gradients, 25,
        "every case checks the gradient of every input"
    );
}

/// The comparison fails on a wrong value, so the table is a check.
#[test]
fn a_wrong_value_is_reported() {
    let expected = Array {
        shape: vec![2],
        values: vec![1.0, 2.0],
    };
    assert!(compare("t", &Tensor::from_vec(vec![1.0, 2.0], &[2]), &expected).is_empty());
    let off = compare("t", &Tensor::from_vec(vec![1.0, 2.001], &[2]), &expected);
    assert_eq!(off, vec!["t[1]: 2.001, the reference has 2".to_string()]);
    assert_eq!(compare("t", &Tensor::ones(&[1, 2]), &expected).len(), 1);
    // A max pooling that took the last maximum instead of the first, or averaged over the
    // padding, would disagree with the table: the table's `same` average has windows of
    // fewer real elements.
    let table = table();
    let avg = &table["avg_pool2d_same"];
    let wrong = avg
        .get("x0")
        .unwrap()
        .tensor()
        .pad(&[(0, 0), (0, 1), (0, 1), (0, 0)], 0.0);
    let over_padding = wrong.avg_pool2d([2, 2], [2, 2], NONE);
    assert!(!compare("avg", &over_padding, &avg["y"]).is_empty());
}
