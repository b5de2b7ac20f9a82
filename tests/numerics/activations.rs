//! Every built-in activation's value and derivative against Keras 3's formulas, evaluated
//! independently in double precision by `tests/reference/activations.py` (the table is
//! `tests/reference/activations.txt`), from −80 to 80 so large |x| is covered; their tails to
//! 1e-6 relative against mpmath (`tests/reference/activation_tails.py`); NaN in, NaN out for
//! every activation, built-in or written with `#[activation]`; helpers generic over `Scalar`;
//! activations given to `Dense` by name.

use layers::activation::report::ActivationReport;
use layers::activation::{ActivationFn, Elu, Gelu, LeakyRelu, Relu};
use layers::prelude::*;

struct Case {
    name: &'static str,
    x: f32,
    value: f64,
    derivative: f64,
}

fn table() -> Vec<Case> {
    include_str!("../reference/activations.txt")
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
        if name == "naive_swish_beta" {
            continue; // the counterexample below
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

/// `|found − expected| ≤ tol·|expected|`, and exactly 0 where the reference is 0.
fn relatively_close(found: f32, expected: f64, tol: f64) -> bool {
    if expected == 0.0 {
        return found == 0.0;
    }
    (f64::from(found) - expected).abs() <= tol * expected.abs()
}

#[test]
fn smooth_activations_keep_relative_precision_in_their_tails() {
    // Values from mpmath at 50 digits (reference/activation_tails.py). The exact GELU at −6 is
    // −5.92e-9: `0.5·x·(1 + erf(x/√2))` gave −0.0 there, as 1 + erf(−4.24) rounds to 0.
    let mut wrong = Vec::new();
    for line in include_str!("../reference/activation_tails.txt").lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let (name, x): (&str, f32) = (parts[0], parts[1].parse().unwrap());
        let value: f64 = parts[2].parse().unwrap();
        let derivative: f64 = parts[3].parse().unwrap();
        let a = Activation::from_name(name).unwrap();
        let (v, d) = a.value_and_derivative(x).unwrap();
        // Inference computes the value alone, by the plain `f32` function.
        let inferred = a.apply(&Tensor::from_vec(vec![x], &[1])).item();
        // gelu_approximate is e^(2u) in its tail, u = √(2/π)·(x + 0.044715·x³) a polynomial
        // evaluated in f32 (as Keras does in float32), whose few roundings, each 2⁻²⁴
        // relative, become relative errors of |2u|·2⁻²⁴ each in e^(2u): 7e-6 at x = −10.
        // Everything else holds to 1e-6.
        let tol = if name == "gelu_approximate" {
            let x = f64::from(x);
            let two_u = 2.0 * (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x.powi(3));
            1e-6 + two_u.abs() * 2f64.powi(-22)
        } else {
            1e-6
        };
        for (what, found, expected) in [
            ("value", v, value),
            ("derivative", d, derivative),
            ("inference value", inferred, value),
        ] {
            if !relatively_close(found, expected, tol) {
                wrong.push(format!(
                    "{name} {what} at {x}: {found:e}, expected {expected:e}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// User activations written the ways the docs show, with the piecewise forms that a NaN can
// slip through: a comparison's `else`, `max`/`min`/`clamp`, and the `f32::max` path form.

#[activation]
fn relu_by_comparison(x: f32) -> f32 {
    if x > 0.0 { x } else { 0.0 }
}

#[activation]
fn relu_by_max(x: f32) -> f32 {
    x.max(0.0)
}

#[activation]
fn relu_by_path(x: f32) -> f32 {
    f32::max(0.0, x)
}

#[activation]
fn capped_at_six(x: f32) -> f32 {
    x.min(6.0)
}

#[activation]
fn clipped(x: f32) -> f32 {
    x.clamp(-1.0, 1.0)
}

#[activation(slope = 0.1)]
fn leaky_by_max(x: f32, slope: f32) -> f32 {
    x.max(slope * x)
}

#[test]
fn every_activation_maps_nan_to_nan_with_a_nan_derivative() {
    // Every registered name: the 18 built-ins, softmax and log_softmax, and the six above.
    let names = layers::activation::registered_names();
    assert!(names.len() >= 26, "{names:?}");
    for name in names {
        let a = Activation::from_name(&name).unwrap();
        // Inference: the value alone.
        let y = a.apply(&Tensor::from_vec(vec![f32::NAN, 1.0], &[1, 2]));
        assert!(y.to_vec()[0].is_nan(), "{name}(NaN) = {}", y.to_vec()[0]);
        // The scalar value and derivative.
        if let Some((v, d)) = a.value_and_derivative(f32::NAN) {
            assert!(v.is_nan() && d.is_nan(), "{name} at NaN: ({v}, {d})");
        }
        // Training: the value with the derivative, and the gradient that flows back.
        let x = Tensor::from_vec(vec![f32::NAN], &[1, 1]).into_variable();
        let y = a.apply(&x);
        assert!(
            y.item().is_nan(),
            "{name}(NaN) while training = {}",
            y.item()
        );
        let g = y.sum_all().backward();
        let g = g.get(&x).map_or(0.0, |g| g.item());
        assert!(g.is_nan(), "{name}'(NaN) while training = {g}");
    }
}

#[test]
fn kinks_keep_their_derivative_conventions() {
    // The flat side at the kinks, as TensorFlow's kernels (worked out from the definitions:
    // relu at 0, relu6 at 0 and 6, hard_sigmoid and hard_silu at ±3 take the constant piece).
    let cases = [
        ("relu", 0.0, 0.0, 0.0),
        ("relu6", 0.0, 0.0, 0.0),
        ("relu6", 6.0, 6.0, 0.0),
        ("hard_sigmoid", -3.0, 0.0, 0.0),
        ("hard_sigmoid", 3.0, 1.0, 0.0),
        ("hard_silu", -3.0, 0.0, 0.0),
        ("hard_silu", 3.0, 3.0, 1.0),
        ("leaky_relu", 0.0, 0.0, 0.2),
        ("elu", 0.0, 0.0, 1.0),
    ];
    for (name, x, value, derivative) in cases {
        let a = Activation::from_name(name).unwrap();
        assert_eq!(
            a.value_and_derivative(x),
            Some((value, derivative)),
            "{name} at {x}"
        );
    }
}

#[test]
fn the_plain_builtin_functions_propagate_nan() {
    use layers::activation as act;
    type Unary = (&'static str, fn(f32) -> f32);
    let unary: [Unary; 16] = [
        ("linear", act::identity),
        ("relu", act::relu),
        ("relu6", act::relu6),
        ("selu", act::selu),
        ("gelu", act::gelu),
        ("gelu_approximate", act::gelu_approximate),
        ("sigmoid", act::sigmoid),
        ("hard_sigmoid", act::hard_sigmoid),
        ("tanh", act::tanh),
        ("softplus", act::softplus),
        ("softsign", act::softsign),
        ("silu", act::silu),
        ("swish", act::swish),
        ("mish", act::mish),
        ("exponential", act::exponential),
        ("hard_silu", act::hard_silu),
    ];
    for (name, f) in unary {
        assert!(f(f32::NAN).is_nan(), "{name}(NaN) = {}", f(f32::NAN));
    }
    assert!(act::leaky_relu(f32::NAN, 0.2).is_nan());
    assert!(act::elu(f32::NAN, 1.0).is_nan());
}

#[test]
fn dense_with_nan_weights_predicts_nan() {
    // All-NaN weights make x·W + b NaN everywhere; a relu must not turn that into zeros.
    let mut dense = Dense::new(3).activation(Relu);
    dense.build([2]).unwrap();
    dense
        .set_weights(&[
            Tensor::full(&[2, 3], f32::NAN),
            Tensor::full(&[3], f32::NAN),
        ])
        .unwrap();
    let y = dense.apply(&Tensor::ones(&[4, 2]));
    assert!(y.to_vec().iter().all(|v| v.is_nan()), "{:?}", y.to_vec());
}

/// Swish with a sharpness β, written once for `f32` and `Dual`.
fn sharp_swish<S: Scalar>(x: S, beta: S) -> S {
    x * (x * beta).sigmoid()
}

#[activation(beta = 10.0)]
fn swish_beta(x: f32, beta: f32) -> f32 {
    sharp_swish(x, beta)
}

/// The same with the textbook sigmoid, 1/(1 + e^(−βx)).
#[activation(beta = 10.0)]
fn naive_swish_beta(x: f32, beta: f32) -> f32 {
    x / (1.0 + (-beta * x).exp())
}

/// σ(t) in f64, each branch free of overflow.
fn sigma(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        t.exp() / (1.0 + t.exp())
    }
}

#[test]
fn a_generic_helper_gives_the_exact_derivative() {
    // d/dx x·σ(βx) = σ(βx) + x·β·σ'(βx) = σ(βx)·(1 + βx·σ(−βx)), by the product and chain
    // rules with σ' = σ(t)·σ(−t); evaluated in f64. At x = −100, σ(−1000) is 0 in f64 too.
    let beta = 10.0_f64;
    for x in [-100.0_f32, -5.0, -1.0, -0.25, 0.0, 0.5, 3.0, 100.0] {
        let t = beta * f64::from(x);
        let value = f64::from(x) * sigma(t);
        let derivative = sigma(t) * (1.0 + t * sigma(-t));
        let (v, d) = SwishBeta::default().value_and_derivative(x);
        assert!(
            relatively_close(v, value, 1e-6),
            "swish_beta({x}) = {v:e}, expected {value:e}"
        );
        assert!(
            relatively_close(d, derivative, 1e-6),
            "swish_beta'({x}) = {d:e}, expected {derivative:e}"
        );
    }
    // The copied textbook formula overflows there: e^(1000) = ∞, and its derivative is NaN.
    let (_, d) = NaiveSwishBeta::default().value_and_derivative(-100.0);
    assert!(d.is_nan());
}

#[test]
fn scalar_methods_agree_on_f32_and_dual() {
    // Each stable method's value on `Dual` is its value on `f32`, and its derivative is the
    // closed form: σ' = σ(x)σ(−x), softplus' = σ(x), log_sigmoid' = σ(−x), Φ' = φ.
    let phi = |x: f64| (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
    for x in [-90.0_f32, -30.0, -7.5, -1.0, 0.0, 0.3, 4.0, 30.0] {
        let x64 = f64::from(x);
        let cases: [(&str, f32, Dual, f64); 4] = [
            (
                "sigmoid",
                x.sigmoid(),
                Dual::variable(x).sigmoid(),
                sigma(x64) * sigma(-x64),
            ),
            (
                "softplus",
                x.softplus(),
                Dual::variable(x).softplus(),
                sigma(x64),
            ),
            (
                "log_sigmoid",
                x.log_sigmoid(),
                Dual::variable(x).log_sigmoid(),
                sigma(-x64),
            ),
            (
                "normal_cdf",
                x.normal_cdf(),
                Dual::variable(x).normal_cdf(),
                phi(x64),
            ),
        ];
        for (name, single, dual, derivative) in cases {
            assert_eq!(single.to_bits(), dual.value.to_bits(), "{name}({x})");
            // Below f32's normal range the derivative has no relative precision left.
            if derivative.abs() > 1.2e-38 {
                assert!(
                    relatively_close(dual.deriv, derivative, 1e-6),
                    "{name}'({x}) = {:e}, expected {derivative:e}",
                    dual.deriv
                );
            } else {
                assert!(
                    dual.deriv.abs() < 1.2e-38,
                    "{name}'({x}) = {:e}",
                    dual.deriv
                );
            }
        }
    }
}

#[test]
fn dense_takes_an_activation_by_name() {
    // Keras's `Dense(4, activation="relu")`.
    let mut dense = Dense::new(4).activation("relu");
    assert_eq!(dense.build([3]).unwrap(), vec![4]);
    assert_eq!(dense.config()["activation"], "relu");
    assert_eq!(dense.activation, Activation::from_name("relu").unwrap());
    let y = dense.apply(&Tensor::from_vec(
        vec![-5.0, 1.0, 5.0, 2.0, -3.0, 0.5],
        &[2, 3],
    ));
    assert!(y.to_vec().iter().all(|&v| v >= 0.0), "{:?}", y.to_vec());
    // An owned name, one with hyperparameters (their defaults), and the existing forms.
    let leaky = Dense::new(2).activation(String::from("leaky_relu"));
    assert_eq!(leaky.activation.params(), vec![("negative_slope", 0.2)]);
    assert_eq!(
        Dense::new(2).activation("softmax").activation.name(),
        "softmax"
    );
    assert_eq!(Dense::new(2).activation(Relu).activation.name(), "relu");
    let elu = Dense::new(2).activation(Activation::from(Elu { alpha: 0.5 }));
    assert_eq!(elu.activation.params(), vec![("alpha", 0.5)]);
}

#[test]
fn an_unknown_activation_name_fails_the_build_naming_the_layer() {
    let mut dense = Dense::new(4).activation("rleu");
    let err = dense.build([3]).unwrap_err().to_string();
    assert!(err.starts_with("layer `dense` (Dense): "), "{err}");
    assert!(
        err.contains("unknown activation `rleu`; known activations: "),
        "{err}"
    );
    for known in ["elu", "gelu", "relu", "softmax", "tanh"] {
        assert!(err.contains(known), "{err}");
    }
    // In a model, and as a layer of its own.
    let mut model = Sequential::new().add(Dense::new(4).activation("Relu"));
    let err = model.build([3]).unwrap_err().to_string();
    assert!(err.contains("unknown activation `Relu`"), "{err}");
    let mut model = Sequential::new()
        .add(Dense::new(4))
        .add(Activation::from("sigmod"));
    let err = model.build([3]).unwrap_err().to_string();
    assert!(err.contains("unknown activation `sigmod`"), "{err}");
    // The name stays what was given, for the config and the message.
    assert_eq!(Activation::from("rleu").name(), "rleu");
    assert_eq!(Activation::from("rleu").to_config(), "rleu");
}
