//! Every built-in activation's value and derivative against Keras 3's formulas, evaluated
//! independently in double precision by `tests/reference/activations.py` (the table is
//! `tests/reference/activations.txt`), from −80 to 80 so large |x| is covered.

use layers::activation::report::ActivationReport;
use layers::prelude::*;

struct Case {
    name: &'static str,
    x: f32,
    value: f64,
    derivative: f64,
}

fn table() -> Vec<Case> {
    include_str!("reference/activations.txt")
        .lines()
        .map(|line| {
            let parts: Vec<&'static str> = line.split(' ').collect();
            Case {
                name: parts[0],
                x: parts[1].parse().unwrap(),
                value: parts[2].parse().unwrap(),
                derivative: parts[3].parse().unwrap(),
            }
        })
        .collect()
}

fn close(found: f32, expected: f64) -> bool {
    let err = (f64::from(found) - expected).abs();
    err <= 2e-6 * expected.abs().max(1.0)
}

#[test]
fn the_table_covers_every_builtin() {
    let names: std::collections::BTreeSet<&str> = table().iter().map(|c| c.name).collect();
    assert_eq!(names.len(), 18);
    for name in names {
        assert!(
            Activation::from_name(name).is_ok(),
            "{name} is not registered"
        );
    }
}

#[test]
fn values_and_derivatives_match_keras_formulas() {
    for case in table() {
        let a = Activation::from_name(case.name).unwrap();
        let (v, d) = a.value_and_derivative(case.x).unwrap();
        assert!(
            v.is_finite() && d.is_finite(),
            "{} at {}: {v}, {d}",
            case.name,
            case.x
        );
        assert!(
            close(v, case.value),
            "{}({}) = {v}, expected {}",
            case.name,
            case.x,
            case.value
        );
        assert!(
            close(d, case.derivative),
            "{}'({}) = {d}, expected {}",
            case.name,
            case.x,
            case.derivative
        );
    }
}

#[test]
fn tensor_forward_and_backward_agree_with_the_table() {
    for case in table() {
        let a = Activation::from_name(case.name).unwrap();
        let x = Tensor::from_vec(vec![case.x], &[1, 1]).into_variable();
        let y = a.apply(&x);
        assert!(
            close(y.item(), case.value),
            "{} tensor value at {}",
            case.name,
            case.x
        );
        let g = y.sum_all().backward();
        let d = g.get(&x).map_or(0.0, |g| g.item());
        assert!(
            close(d, case.derivative),
            "{} tensor derivative at {}: {d}",
            case.name,
            case.x
        );
    }
}

#[test]
fn no_nan_at_extreme_inputs() {
    for name in layers::activation::registered_names() {
        let a = Activation::from_name(&name).unwrap();
        if name == "exponential" {
            continue; // eˣ overflows f32 above 88.7, as in Keras
        }
        for x in [-1e30f32, -1e4, -100.0, 100.0, 1e4, 1e30] {
            if let Some((v, d)) = a.value_and_derivative(x) {
                assert!(!v.is_nan() && !d.is_nan(), "{name} at {x}: {v}, {d}");
            }
        }
    }
}

#[test]
fn layer_types_are_the_same_functions() {
    let x = Tensor::from_vec(vec![-2.0, -0.5, 0.5, 2.0], &[1, 4]);
    let by_type = Gelu.apply(&x).to_vec();
    let by_name = Activation::from_name("gelu").unwrap().apply(&x).to_vec();
    assert_eq!(by_type, by_name);
    assert_eq!(
        Elu { alpha: 0.5 }.apply(&x).to_vec()[0],
        0.5 * (-2f32).exp_m1()
    );
    assert_eq!(LeakyRelu::default().negative_slope, 0.2);
}

#[test]
fn softmax_by_name_is_over_the_last_axis() {
    let p = Activation::from_name("softmax")
        .unwrap()
        .apply(&Tensor::zeros(&[2, 5]));
    assert_eq!(p.to_vec(), vec![0.2; 10]);
}

#[test]
fn unknown_names_and_parameters_are_errors() {
    let err = Activation::from_name("rleu").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown activation `rleu`; known activations: ")
    );
    assert!(err.to_string().contains("relu"));
    let mut params = serde_json::Map::new();
    params.insert("alpah".into(), 1.0.into());
    let err = Activation::from_config("elu", &params).unwrap_err();
    assert!(
        err.to_string().contains("`elu` has no parameter `alpah`"),
        "{err}"
    );
    params.clear();
    params.insert("alpha".into(), "big".into());
    assert!(Activation::from_config("elu", &params).is_err());
}

#[test]
fn report_finds_where_gradients_vanish_or_explode() {
    // tanh′ = 1 − tanh² < 1e-3 where |x| > atanh(√0.999) ≈ 4.147: on [-10, 10] that is
    // (10 − 4.147) · 2 / 20 ≈ 58.5 % of the range.
    let r = ActivationReport::over(&Activation::from_name("tanh").unwrap(), -10.0..=10.0, 20001)
        .unwrap();
    assert!((r.vanishing_share - 0.5853).abs() < 1e-3, "{r}");
    assert_eq!(r.max_derivative, 1.0);
    assert_eq!(r.exploding_share, 0.0);
    // eˣ > 10 where x > ln 10 ≈ 2.303: on [0, 5] that is 53.9 %.
    let r = ActivationReport::over(
        &Activation::from_name("exponential").unwrap(),
        0.0..=5.0,
        5001,
    )
    .unwrap();
    assert!(
        (r.exploding_share - (5.0 - 10f32.ln()) / 5.0).abs() < 1e-3,
        "{r}"
    );
    assert!(
        ActivationReport::over(&Activation::from_name("relu").unwrap(), 1.0..=1.0, 10).is_err()
    );
}
