//! The ops of issue 12 (padding, stacking and splitting, gather/scatter, one-hot, arg and
//! top-k, statistics, running sums, triangles, elementwise functions) against NumPy:
//! values and gradients computed in float64 by `tests/reference/ops.py` (NumPy's own
//! functions, and central finite differences of `Σ y·c` for the gradients), recorded in
//! `tests/reference/ops.txt`. Each op here must agree to 1e-4 relative (to
//! `max(1, |expected|)`), on every case of the table.

use std::collections::BTreeMap;

use layers::prelude::*;

use crate::table::{self, Array, Fields, compare};

/// The table, by case and then by field (`tests/common/table.rs` reads it).
fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/ops.txt"))
}

type Case = (&'static str, fn(&[Tensor]) -> Tensor);

/// The op of each case of the table, as the Python script computes it.
const CASES: &[Case] = &[
    ("pad", |v| v[0].pad(&[(1, 0), (0, 2)], 0.5)),
    ("pad_3d", |v| v[0].pad(&[(0, 1), (2, 0), (1, 1)], -1.0)),
    ("stack_0", |v| Tensor::stack(&v[..2], 0)),
    ("stack_neg1", |v| Tensor::stack(&v[..3], -1)),
    ("split_0", |v| v[0].split(&[2, 0, 3], -1)[0].clone()),
    ("split_2", |v| v[0].split(&[2, 0, 3], -1)[2].clone()),
    ("chunk_0", |v| v[0].chunk(3, 0)[0].clone()),
    ("chunk_2", |v| v[0].chunk(3, 0)[2].clone()),
    ("squeeze", |v| v[0].squeeze(1)),
    ("unsqueeze", |v| v[0].unsqueeze(-1)),
    ("gather", |v| v[0].gather(&v[1], 1)),
    ("gather_neg_axis", |v| v[0].gather(&v[1], -2)),
    ("gather_broadcast", |v| v[0].gather(&v[1], 1)),
    ("scatter_add", |v| v[0].scatter_add(&v[1], &v[2], 1)),
    ("scatter_add_axis0", |v| v[0].scatter_add(&v[1], &v[2], 0)),
    ("one_hot", |v| v[0].one_hot(4)),
    ("one_hot_2d", |v| v[0].one_hot(3)),
    ("argmax_1", |v| v[0].argmax(1)),
    ("argmax_0", |v| v[0].argmax(0)),
    ("argmin_neg1", |v| v[0].argmin(-1)),
    ("topk_values", |v| v[0].topk(3, -1).0),
    ("topk_values_axis0", |v| v[0].topk(2, 0).0),
    ("topk_indices", |v| v[0].topk(3, -1).1),
    ("min", |v| v[0].min(&[1], false)),
    ("min_all_keepdims", |v| v[0].min(&[0, 1], true)),
    ("var", |v| v[0].var(&[-1], false)),
    ("var_keepdims", |v| v[0].var(&[0, 2], true)),
    ("std", |v| v[0].std(&[0], false)),
    ("logsumexp", |v| v[0].logsumexp(&[-1], false)),
    ("logsumexp_large", |v| v[0].logsumexp(&[1], false)),
    ("logsumexp_keepdims", |v| v[0].logsumexp(&[0, 1], true)),
    ("norm", |v| v[0].norm(&[-1], false)),
    ("norm_keepdims", |v| v[0].norm(&[0], true)),
    ("cumsum", |v| v[0].cumsum(1)),
    ("cumsum_neg_axis", |v| v[0].cumsum(-2)),
    ("tril", |v| v[0].tril(0)),
    ("tril_batched", |v| v[0].tril(-1)),
    ("triu", |v| v[0].triu(1)),
    ("triu_batched", |v| v[0].triu(-1)),
    ("tril_mask", |_| Tensor::tril_mask(3, 4, 1)),
    ("triu_mask", |_| Tensor::triu_mask(3, 4, -1)),
    ("log1p", |v| v[0].log1p()),
    ("tanh", |v| v[0].tanh()),
    ("sigmoid", |v| v[0].sigmoid()),
    ("sin", |v| v[0].sin()),
    ("cos", |v| v[0].cos()),
    ("pow", |v| v[0].pow(&v[1])),
    ("pow_broadcast", |v| v[0].pow(&v[1])),
    ("clip", |v| v[0].clip(-0.5, 1.0)),
];

fn run_case(name: &str, op: fn(&[Tensor]) -> Tensor, fields: &Fields) -> Vec<String> {
    let inputs: Vec<Tensor> = (0..)
        .map_while(|i| fields.get(format!("x{i}").as_str()))
        .map(|x| x.tensor().into_variable())
        .collect();
    let y = op(&inputs);
    let mut problems = compare(&format!("{name} y"), &y, &fields["y"]);
    let Some(c) = fields.get("c") else {
        if y.requires_grad() {
            problems.push(format!(
                "{name}: a constant in NumPy, but it records a gradient"
            ));
        }
        return problems;
    };
    let grads = y.backward_with(&c.tensor());
    for (i, x) in inputs.iter().enumerate() {
        let what = format!("{name} g{i}");
        match (fields.get(format!("g{i}").as_str()), grads.get(x)) {
            (Some(expected), Some(g)) => problems.extend(compare(&what, g, expected)),
            (Some(_), None) => problems.push(format!("{what}: no gradient")),
            (None, Some(_)) => problems.push(format!("{what}: a gradient NumPy does not have")),
            (None, None) => {}
        }
    }
    problems
}

#[test]
fn the_cases_here_are_the_cases_of_the_table() {
    let table = table();
    let here: Vec<&str> = CASES.iter().map(|(name, _)| *name).collect();
    let there: Vec<&str> = table.keys().copied().collect();
    let mut here_sorted = here.clone();
    here_sorted.sort_unstable();
    here_sorted.dedup();
    assert_eq!(here_sorted.len(), here.len(), "a case is listed twice");
    assert_eq!(here_sorted, there);
}

#[test]
fn values_and_gradients_match_numpy() {
    let table = table();
    let mut problems = Vec::new();
    let mut gradients = 0;
    for &(name, op) in CASES {
        let fields = &table[name];
        gradients += fields.keys().filter(|f| f.starts_with('g')).count();
        problems.extend(run_case(name, op, fields));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The table checks gradients, not only values: every differentiable case has some.
    assert!(gradients >= 45, "only {gradients} gradients in the table");
}

/// The comparison itself fails on a wrong value: a table is no check if nothing can fail it.
#[test]
fn a_wrong_value_is_reported() {
    let expected = Array {
        shape: vec![2],
        values: vec![1.0, 2.0],
    };
    assert!(compare("t", &Tensor::from_vec(vec![1.0, 2.0], &[2]), &expected).is_empty());
    let off = compare("t", &Tensor::from_vec(vec![1.0, 2.001], &[2]), &expected);
    assert_eq!(off, vec!["t[1]: 2.001, the reference has 2".to_string()]);
    assert_eq!(
        compare("t", &Tensor::from_vec(vec![f32::NAN, 2.0], &[2]), &expected).len(),
        1
    );
    assert_eq!(compare("t", &Tensor::ones(&[1, 2]), &expected).len(), 1);
}
