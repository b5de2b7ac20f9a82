//! Keras 3's mean absolute percentage error, mean squared logarithmic error, log-cosh,
//! Poisson, KL divergence, cosine similarity, hinge, squared hinge and categorical hinge
//! losses: values and gradients with respect to `y_pred` against Keras 3.15.1 (printed by
//! `tests/reference/keras_metrics.py`: JAX backend, float32, `jax.grad` for the gradients),
//! gradients against finite differences, names and configs as Keras has them, and each
//! loss in `compile` by name and in a saved model.

use layers::check_gradients;
use layers::loss::{
    CategoricalHinge, CosineSimilarity, Hinge, KLDivergence, LogCosh, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Poisson, SquaredHinge, loss_from_config, loss_from_name,
};
use layers::prelude::*;
use serde_json::json;

fn t(values: &[f32], shape: &[usize]) -> Tensor {
    Tensor::from_vec(values.to_vec(), shape)
}

const RT: [f32; 12] = [1.0, 2.0, 0.0, 0.5, 3.0, -1.0, 0.2, 1.0, 0.0, 0.0, 4.0, 2.5];
const RP: [f32; 12] = [1.5, 1.0, 0.3, 0.5, 2.0, -0.5, 0.1, 3.0, 0.2, 0.4, 3.5, 2.0];
const PT: [f32; 12] = [
    0.2, 0.3, 0.5, 0.0, 0.1, 0.1, 0.1, 0.7, 0.25, 0.25, 0.25, 0.25,
];
const PP: [f32; 12] = [0.3, 0.3, 0.3, 0.1, 0.05, 0.2, 0.05, 0.7, 0.4, 0.1, 0.3, 0.2];
const HT: [f32; 12] = [
    1.0, -1.0, 1.0, -1.0, 0.0, 1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 1.0,
];
const HP: [f32; 12] = [
    0.3, -2.0, 1.5, 0.4, 0.8, -0.2, 0.0, -0.9, 0.5, 1.2, -0.4, 2.0,
];
const CHT: [f32; 12] = [0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0];

struct Case {
    name: &'static str,
    loss: Box<dyn Loss>,
    y: [f32; 12],
    p: [f32; 12],
    value: f64,
    grad: [f64; 12],
}

fn abs(v: [f32; 12]) -> [f32; 12] {
    v.map(f32::abs)
}

/// The cases of `keras_metrics.py`, with what Keras printed.
fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "mean_absolute_percentage_error",
            loss: Box::new(MeanAbsolutePercentageError::new()),
            y: RT,
            p: RP,
            value: 75000032.0,
            // At a zero error (position 3) JAX's `abs` has the derivative 1 and Keras
            // prints -16.67; the library's `abs`, as its MAE, takes 0 there (the subgradient
            // TensorFlow's `sign` gives too).
            grad: [
                8.333333969116211,
                -4.1666669845581055,
                83333336.0,
                0.0,
                -2.777777910232544,
                8.333333969116211,
                -41.66666793823242,
                8.333333969116211,
                83333336.0,
                83333336.0,
                -2.0833334922790527,
                -3.3333334922790527,
            ],
        },
        Case {
            name: "mean_squared_logarithmic_error",
            loss: Box::new(MeanSquaredLogarithmicError::new()),
            y: RT,
            p: RP,
            value: 0.0862610712647438,
            grad: [
                0.014876239001750946,
                -0.033788762986660004,
                0.0336364284157753,
                0.0,
                -0.015982337296009064,
                0.0,
                -0.01318354345858097,
                0.02888113260269165,
                0.025322426110506058,
                0.04005620256066322,
                -0.0039022411219775677,
                -0.008563929237425327,
            ],
        },
        Case {
            name: "log_cosh",
            loss: Box::new(LogCosh::new()),
            y: RT,
            p: RP,
            value: 0.23501472175121307,
            grad: [
                0.03850976750254631,
                -0.06346616894006729,
                0.02427605539560318,
                0.0,
                -0.06346616894006729,
                0.03850976750254631,
                -0.008305661380290985,
                0.08033563196659088,
                0.016447938978672028,
                0.031662411987781525,
                -0.038509756326675415,
                -0.038509756326675415,
            ],
        },
        Case {
            name: "poisson",
            loss: Box::new(Poisson::new()),
            y: abs(RT),
            p: abs(RP),
            value: 0.5143998265266418,
            grad: [
                0.027777783572673798,
                -0.083333320915699,
                0.0833333358168602,
                2.2351741790771484e-08,
                -0.0416666641831398,
                -0.08333329111337662,
                -0.08333317190408707,
                0.055555559694767,
                0.0833333358168602,
                0.0833333358168602,
                -0.0119047611951828,
                -0.0208333358168602,
            ],
        },
        Case {
            name: "kl_divergence",
            loss: Box::new(KLDivergence::new()),
            y: PT,
            p: PP,
            value: 0.12180346250534058,
            grad: [
                -0.222222238779068,
                -0.3333333730697632,
                -0.5555555820465088,
                -3.3333333249174757e-07,
                -0.6666666865348816,
                -0.1666666716337204,
                -0.6666666865348816,
                -0.3333333432674408,
                -0.2083333283662796,
                -0.8333333134651184,
                -0.2777777910232544,
                -0.4166666567325592,
            ],
        },
        Case {
            name: "cosine_similarity",
            loss: Box::new(CosineSimilarity::new()),
            y: RT,
            p: RP,
            value: -0.8812469840049744,
            grad: [
                0.04352330416440964,
                -0.0733586922287941,
                0.024060795083642006,
                0.0017109885811805725,
                -0.04309111461043358,
                0.017660290002822876,
                -0.003532057860866189,
                0.031788527965545654,
                0.004024838097393513,
                0.008049676194787025,
                0.0007414072751998901,
                -0.0033099018037319183,
            ],
        },
        Case {
            name: "hinge",
            loss: Box::new(Hinge::new()),
            y: HT,
            p: HP,
            value: 0.949999988079071,
            grad: [
                -0.0833333358168602,
                0.0,
                0.0,
                0.0833333358168602,
                0.0,
                -0.0833333358168602,
                -0.0833333358168602,
                0.0,
                0.0833333358168602,
                0.0833333358168602,
                -0.0833333358168602,
                0.0,
            ],
        },
        Case {
            name: "squared_hinge",
            loss: Box::new(SquaredHinge::new()),
            y: HT,
            p: HP,
            value: 1.3283333778381348,
            grad: [
                -0.11666666716337204,
                0.0,
                0.0,
                0.23333333432674408,
                0.0,
                -0.20000001788139343,
                -0.1666666716337204,
                0.0,
                0.25,
                0.36666667461395264,
                -0.23333333432674408,
                0.0,
            ],
        },
        Case {
            name: "categorical_hinge",
            loss: Box::new(CategoricalHinge::new()),
            y: CHT,
            p: HP,
            value: 0.13333334028720856,
            grad: [
                0.0,
                0.0,
                0.0,
                0.0,
                -0.3333333432674408,
                0.0,
                0.1666666716337204,
                0.0,
                0.0,
                0.3333333432674408,
                0.0,
                -0.3333333432674408,
            ],
        },
    ]
}

/// Within float32 rounding of Keras's value.
fn close(found: f32, keras: f64) -> bool {
    (f64::from(found) - keras).abs() <= 1e-6 * keras.abs().max(1e-2)
}

#[test]
fn values_and_gradients_match_keras() {
    for case in cases() {
        let y = t(&case.y, &[3, 4]);
        let p = t(&case.p, &[3, 4]).into_variable();
        let value = case.loss.compute(&y, &p).unwrap();
        assert_eq!(case.loss.name(), case.name);
        assert!(
            close(value.item(), case.value),
            "{}: {}, Keras {}",
            case.name,
            value.item(),
            case.value
        );
        let grads = value.backward();
        let grad = grads.get(&p).unwrap().to_vec();
        for (i, (&found, &keras)) in grad.iter().zip(&case.grad).enumerate() {
            assert!(
                close(found, keras),
                "{}: d/dŷ[{i}] = {found}, Keras {keras}",
                case.name
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    // Cases away from the kinks (hinge margins at 0, clipping bounds, a zero error).
    let smooth = |v: [f32; 12]| v.map(|x| x * 0.9 + 0.05);
    for case in cases() {
        let y = t(&case.y, &[3, 4]);
        let p = t(&smooth(case.p), &[3, 4]);
        if case.name == "mean_absolute_percentage_error" {
            // its gradient is 100/ε where a target is 0: finite differences of step 1e-3
            // see that too, but relative to a value of 1e7
            continue;
        }
        let report = check_gradients(
            std::slice::from_ref(&p),
            |v| case.loss.compute(&y, &v[0]).unwrap(),
            1e-3,
        );
        assert!(report.worst() < 5e-3, "{}: {report}", case.name);
    }
    let mape = MeanAbsolutePercentageError::new();
    let y = t(&[1.0, 2.0, -4.0, 0.5], &[2, 2]);
    let p = t(&[1.5, 1.0, -3.0, 0.7], &[2, 2]);
    let report = check_gradients(
        std::slice::from_ref(&p),
        |v| mape.compute(&y, &v[0]).unwrap(),
        1e-3,
    );
    assert!(report.worst() < 5e-3, "mape: {report}");
}

#[test]
fn cosine_similarity_of_a_zero_vector_is_zero_with_finite_gradients() {
    // Keras 3.15.1: -0.3999999761581421 (row 0 is a zero target: 0; row 1: −0.8)
    let y = t(&[0.0, 0.0, 1.0, 2.0], &[2, 2]);
    let p = t(&[1.0, 1.0, 2.0, 1.0], &[2, 2]);
    let value = CosineSimilarity::new().compute(&y, &p).unwrap();
    assert!(close(value.item(), -0.3999999761581421), "{}", value.item());
    // a zero prediction: 0, and a gradient that is a number (not 0·∞)
    let zero = Tensor::zeros(&[2, 2]).into_variable();
    let value = CosineSimilarity::new().compute(&p, &zero).unwrap();
    assert_eq!(value.item(), 0.0);
    assert!(value.backward().get(&zero).unwrap().all_finite());
}

#[test]
fn hinge_reads_binary_labels_as_plus_and_minus_one_as_keras() {
    // all labels 0 or 1: 0 is read as −1
    let y = t(&[1.0, 0.0], &[1, 2]);
    let p = t(&[0.5, 0.5], &[1, 2]);
    assert_eq!(Hinge::new().compute(&y, &p).unwrap().item(), 1.0); // (0.5 + 1.5) / 2
    // with a −1 among them, 0 stays 0 (margin 1)
    let y = t(&[-1.0, 0.0], &[1, 2]);
    assert_eq!(Hinge::new().compute(&y, &p).unwrap().item(), 1.25); // (1.5 + 1) / 2
}

#[test]
fn names_and_configs_are_keras_names() {
    for (name, loss) in [
        (
            "mean_absolute_percentage_error",
            "mean_absolute_percentage_error",
        ),
        ("mape", "mean_absolute_percentage_error"),
        ("MAPE", "mean_absolute_percentage_error"),
        (
            "MeanAbsolutePercentageError",
            "mean_absolute_percentage_error",
        ),
        ("msle", "mean_squared_logarithmic_error"),
        ("MSLE", "mean_squared_logarithmic_error"),
        (
            "MeanSquaredLogarithmicError",
            "mean_squared_logarithmic_error",
        ),
        ("log_cosh", "log_cosh"),
        ("LogCosh", "log_cosh"),
        ("poisson", "poisson"),
        ("Poisson", "poisson"),
        ("kl_divergence", "kl_divergence"),
        ("kld", "kl_divergence"),
        ("KLD", "kl_divergence"),
        ("KLDivergence", "kl_divergence"),
        ("cosine_similarity", "cosine_similarity"),
        ("CosineSimilarity", "cosine_similarity"),
        ("hinge", "hinge"),
        ("Hinge", "hinge"),
        ("squared_hinge", "squared_hinge"),
        ("SquaredHinge", "squared_hinge"),
        ("categorical_hinge", "categorical_hinge"),
        ("CategoricalHinge", "categorical_hinge"),
    ] {
        let made = loss_from_name(name).unwrap();
        assert_eq!(made.name(), loss, "{name}");
        // the config is Keras's (less `reduction`), and reads back
        assert_eq!(made.config(), json!({ "name": loss }));
        let copy = loss_from_config(&made.config()).unwrap();
        assert_eq!(copy.name(), loss);
        let copy = loss_from_config(&json!({ "name": name })).unwrap();
        assert_eq!(copy.name(), loss);
    }
    let err = loss_from_config(&json!({"name": "hinge", "delta": 1.0}))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "`delta` is not a config key of loss `hinge`; known keys: name"
    );
}

#[test]
fn shape_mismatches_name_the_loss_and_both_shapes() {
    for case in cases() {
        let err = case
            .loss
            .compute(&Tensor::zeros(&[3, 2]), &Tensor::zeros(&[3, 4]))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` cannot combine shapes [3, 2] and [3, 4]: y_true and y_pred must have the same shape",
                case.name
            )
        );
        let err = case
            .loss
            .validate(&Tensor::zeros(&[5, 3]), &[4])
            .unwrap_err();
        assert!(
            err.to_string().starts_with(&format!("`{}`", case.name)),
            "{err}"
        );
    }
}

#[test]
fn each_loss_trains_by_name_and_is_saved_with_the_model() {
    let x = Tensor::from_vec(
        (0..24).map(|i| ((i * 5) % 7) as f32 * 0.3 - 0.9).collect(),
        &[8, 3],
    );
    // targets that suit every loss: one-hot rows (0 or 1, distributions after clipping)
    let y = Tensor::from_vec(
        (0..16)
            .map(|i| if i % 3 == 0 { 1.0 } else { 0.0 })
            .collect(),
        &[8, 2],
    );
    for name in [
        "mape",
        "msle",
        "log_cosh",
        "poisson",
        "kld",
        "cosine_similarity",
        "hinge",
        "squared_hinge",
        "categorical_hinge",
    ] {
        let mut model = Sequential::new()
            .seed(1)
            .add(Dense::new(4).activation("relu"))
            .add(Dense::new(2).activation("sigmoid"));
        model.build([3]).unwrap();
        model.compile("sgd", name, &["mae"]).unwrap();
        let options = FitOptions::new().with_epochs(2).batch_size(3).verbose(0);
        let history = model.fit(&x, &y, options).unwrap();
        assert!(
            history.history["loss"].iter().all(|l| l.is_finite()),
            "{name}"
        );
        let before = model.evaluate(&x, &y, 4).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        model.save(&path).unwrap();
        let mut loaded = Sequential::load(&path).unwrap();
        let after = loaded.evaluate(&x, &y, 4).unwrap();
        assert_eq!(after["loss"], before["loss"], "{name}");
    }
}
