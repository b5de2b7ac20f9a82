//! Every loss's value and gradient with respect to `y_pred` against Keras 3's formulas,
//! evaluated independently in double precision (gradients derived by hand) by
//! `tests/reference/losses.py` (the table is `tests/reference/losses.txt`); gradients also
//! against finite differences; and the errors for bad labels and shapes.

use layers::check_gradients;
use layers::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, LOSS_NAMES, MeanAbsoluteError,
    MeanSquaredError, SparseCategoricalCrossentropy, loss_from_name,
};
use layers::prelude::*;

struct Case {
    name: &'static str,
    spec: &'static str,
    y_true: Tensor,
    y_pred: Tensor,
    value: f64,
    grad: Vec<f64>,
}

fn shape(field: &str) -> Vec<usize> {
    field.split(',').map(|d| d.parse().unwrap()).collect()
}

fn values<T: std::str::FromStr>(field: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    field.split(',').map(|v| v.parse().unwrap()).collect()
}

fn table() -> Vec<Case> {
    include_str!("../reference/losses.txt")
        .lines()
        .map(|line| {
            let f: Vec<&'static str> = line.split('\t').collect();
            Case {
                name: f[0],
                spec: f[1],
                y_true: Tensor::from_vec(values(f[3]), &shape(f[2])),
                y_pred: Tensor::from_vec(values(f[5]), &shape(f[4])),
                value: f[6].parse().unwrap(),
                grad: values(f[7]),
            }
        })
        .collect()
}

fn loss_for(spec: &str) -> Box<dyn Loss> {
    match spec {
        "mse" => Box::new(MeanSquaredError::new()),
        "mae" => Box::new(MeanAbsoluteError::new()),
        "huber:1" => Box::new(Huber::new()),
        "huber:0.5" => Box::new(Huber::new().delta(0.5)),
        "bce" => Box::new(BinaryCrossentropy::new()),
        "bce_logits" => Box::new(BinaryCrossentropy::new().from_logits(true)),
        "cce" => Box::new(CategoricalCrossentropy::new()),
        "cce_logits" => Box::new(CategoricalCrossentropy::new().from_logits(true)),
        "scce" => Box::new(SparseCategoricalCrossentropy::new()),
        "scce_logits" => Box::new(SparseCategoricalCrossentropy::new().from_logits(true)),
        other => panic!("the table names an unknown loss `{other}`"),
    }
}

fn close(found: f32, expected: f64) -> bool {
    (f64::from(found) - expected).abs() <= 1e-6 + 2e-6 * expected.abs()
}

#[test]
fn the_table_covers_every_loss_and_both_forms() {
    let specs: std::collections::BTreeSet<&str> = table().iter().map(|c| c.spec).collect();
    assert_eq!(specs.len(), 10, "{specs:?}");
}

#[test]
fn values_match_the_reference() {
    for case in table() {
        let loss = loss_for(case.spec);
        let value = loss.compute(&case.y_true, &case.y_pred).unwrap();
        assert_eq!(value.rank(), 0, "{}: the loss is a scalar", case.name);
        assert!(
            close(value.item(), case.value),
            "{}: loss {}, expected {}",
            case.name,
            value.item(),
            case.value
        );
    }
}

#[test]
fn gradients_match_the_reference() {
    for case in table() {
        let loss = loss_for(case.spec);
        let y_pred = case.y_pred.clone().into_variable();
        let grads = loss.compute(&case.y_true, &y_pred).unwrap().backward();
        let grad = grads.get(&y_pred).unwrap();
        assert_eq!(grad.shape(), y_pred.shape());
        assert_eq!(
            case.grad.len(),
            grad.len(),
            "{}: the table has every value",
            case.name
        );
        for (i, (&found, &expected)) in grad.to_vec().iter().zip(&case.grad).enumerate() {
            assert!(
                close(found, expected),
                "{}: d loss / d y_pred[{i}] = {found}, expected {expected}",
                case.name
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    // Clipped and ±1000 cases sit on kinks or plateaus where central differences with a
    // finite step are not the derivative; the reference table covers those.
    for case in table()
        .into_iter()
        .filter(|c| !c.name.contains("clipped") && !c.name.contains("extreme"))
    {
        let loss = loss_for(case.spec);
        let report = check_gradients(
            std::slice::from_ref(&case.y_pred),
            |v| loss.compute(&case.y_true, &v[0]).unwrap(),
            1e-3,
        );
        assert!(report.worst() < 5e-3, "{}: {report}", case.name);
    }
}

#[test]
fn extreme_logits_give_finite_values_and_gradients() {
    for case in table().into_iter().filter(|c| c.name.contains("extreme")) {
        let y_pred = case.y_pred.clone().into_variable();
        let value = loss_for(case.spec).compute(&case.y_true, &y_pred).unwrap();
        assert!(value.all_finite(), "{}: {value:?}", case.name);
        let grads = value.backward();
        assert!(grads.get(&y_pred).unwrap().all_finite(), "{}", case.name);
    }
}

#[test]
fn hand_worked_values() {
    // MSE over (2, 2): per-sample means (1 + 0)/2 and (4 + 4)/2, batch mean 2.25.
    let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], &[2, 2]);
    let p = Tensor::from_vec(vec![1.0, 0.0, 3.0, -1.0], &[2, 2]);
    assert_eq!(
        MeanSquaredError::new().compute(&y, &p).unwrap().item(),
        2.25
    );
    // MAE: (1 + 0 + 2 + 2) / 4.
    assert_eq!(
        MeanAbsoluteError::new().compute(&y, &p).unwrap().item(),
        1.25
    );
    // Huber δ=1: errors 1, 0, 2, −2 → 0.5, 0, 1.5, 1.5; mean 0.875.
    assert_eq!(Huber::new().compute(&y, &p).unwrap().item(), 0.875);
    // Sparse CE on logits (0, 0): −ln ½ for any label.
    let labels = Tensor::from_vec(vec![0.0, 1.0], &[2]);
    let loss = SparseCategoricalCrossentropy::new().from_logits(true);
    let value = loss
        .compute(&labels, &Tensor::zeros(&[2, 2]))
        .unwrap()
        .item();
    assert!((value - std::f32::consts::LN_2).abs() < 1e-6);
}

#[test]
fn sparse_matches_categorical_with_one_hot_labels() {
    let labels = Tensor::from_vec(vec![2.0, 0.0, 1.0], &[3]);
    let one_hot = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], &[3, 3]);
    let p = Tensor::from_vec(vec![0.2, 0.3, 0.5, 0.6, 0.3, 0.1, 0.0, 0.9, 0.1], &[3, 3]);
    for from_logits in [false, true] {
        let sparse = SparseCategoricalCrossentropy::new().from_logits(from_logits);
        let dense = CategoricalCrossentropy::new().from_logits(from_logits);
        let a = p.clone().into_variable();
        let b = p.clone().into_variable();
        let la = sparse.compute(&labels, &a).unwrap();
        let lb = dense.compute(&one_hot, &b).unwrap();
        assert!((la.item() - lb.item()).abs() < 1e-6);
        let (ga, gb) = (la.backward(), lb.backward());
        for (x, y) in ga
            .get(&a)
            .unwrap()
            .to_vec()
            .iter()
            .zip(gb.get(&b).unwrap().to_vec())
        {
            assert!((x - y).abs() < 1e-6, "{x} vs {y}");
        }
    }
}

#[test]
fn labels_out_of_range_are_named_with_their_sample() {
    let loss = SparseCategoricalCrossentropy::new();
    let labels = Tensor::from_vec(vec![0.0, 9.0, 3.0, 12.0, 40.0], &[5]);
    let expected =
        "`sparse_categorical_crossentropy`: label 12 at sample 3 is out of range for 10 classes";
    let err = loss.compute(&labels, &Tensor::ones(&[5, 10])).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { .. }));
    assert_eq!(err.to_string(), expected);
    assert_eq!(
        loss.validate(&labels, &[10]).unwrap_err().to_string(),
        expected
    );

    let negative = Tensor::from_vec(vec![0.0, -1.0], &[2, 1]);
    assert_eq!(
        loss.from_logits(true)
            .validate(&negative, &[3])
            .unwrap_err()
            .to_string(),
        "`sparse_categorical_crossentropy`: label -1 at sample 1 is out of range for 3 classes"
    );
}

#[test]
fn non_integer_labels_are_rejected() {
    let loss = SparseCategoricalCrossentropy::new().from_logits(true);
    let labels = Tensor::from_vec(vec![1.0, 2.5, 0.0], &[3]);
    assert_eq!(
        loss.compute(&labels, &Tensor::zeros(&[3, 4]))
            .unwrap_err()
            .to_string(),
        "`sparse_categorical_crossentropy`: label 2.5 at sample 1 is not an integer"
    );
    let nan = Tensor::from_vec(vec![f32::NAN], &[1]);
    assert_eq!(
        loss.validate(&nan, &[4]).unwrap_err().to_string(),
        "`sparse_categorical_crossentropy`: label NaN at sample 0 is not an integer"
    );
}

#[test]
fn sparse_label_shapes_are_checked() {
    let loss = SparseCategoricalCrossentropy::new();
    let err = loss
        .compute(&Tensor::zeros(&[4, 2]), &Tensor::ones(&[4, 10]))
        .unwrap_err();
    assert!(matches!(err, Error::IncompatibleShapes { .. }));
    assert_eq!(
        err.to_string(),
        "`sparse_categorical_crossentropy` cannot combine shapes [4, 2] and [4, 10]: \
         integer labels must have shape [4] or [4, 1] for predictions of shape [4, 10]"
    );
    // one-hot labels get a hint
    let err = loss.validate(&Tensor::zeros(&[4, 10]), &[10]).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("one-hot labels need `categorical_crossentropy`"),
        "{err}"
    );
    // a different batch size
    let err = loss
        .compute(&Tensor::zeros(&[3]), &Tensor::ones(&[4, 10]))
        .unwrap_err();
    assert!(err.to_string().contains("shapes [3] and [4, 10]"), "{err}");
    // predictions without a class axis
    let err = loss
        .compute(&Tensor::zeros(&[4]), &Tensor::ones(&[4]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`sparse_categorical_crossentropy`: y_pred of shape [4] needs a batch axis and a class axis: \
         shape (batch, classes)"
    );
}

#[test]
fn shape_mismatches_name_both_shapes() {
    let y = Tensor::zeros(&[4, 3]);
    let p = Tensor::ones(&[4, 2]);
    let losses: Vec<Box<dyn Loss>> = vec![
        Box::new(MeanSquaredError::new()),
        Box::new(MeanAbsoluteError::new()),
        Box::new(Huber::new()),
        Box::new(BinaryCrossentropy::new()),
        Box::new(BinaryCrossentropy::new().from_logits(true)),
        Box::new(CategoricalCrossentropy::new()),
        Box::new(CategoricalCrossentropy::new().from_logits(true)),
    ];
    for loss in &losses {
        let err = loss.compute(&y, &p).unwrap_err();
        assert!(
            matches!(err, Error::IncompatibleShapes { .. }),
            "{}: {err:?}",
            loss.name()
        );
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` cannot combine shapes [4, 3] and [4, 2]: y_true and y_pred must have the same shape",
                loss.name()
            )
        );
        // (batch,) against (batch, 1) is fine, (batch,) against (batch, 2) is not
        assert!(
            loss.compute(&Tensor::zeros(&[4]), &Tensor::full(&[4, 1], 0.5))
                .is_ok()
        );
        assert!(
            loss.compute(&Tensor::zeros(&[2]), &Tensor::full(&[2, 2], 0.5))
                .is_err()
        );
    }
}

#[test]
fn categorical_crossentropy_points_integer_labels_to_the_sparse_loss() {
    let err = CategoricalCrossentropy::new()
        .compute(&Tensor::zeros(&[4]), &Tensor::ones(&[4, 3]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`categorical_crossentropy` cannot combine shapes [4] and [4, 3]: y_true looks like integer labels, \
         which need `sparse_categorical_crossentropy`; `categorical_crossentropy` takes one-hot labels of \
         y_pred's shape"
    );
    assert!(
        CategoricalCrossentropy::new()
            .validate(&Tensor::zeros(&[7, 1]), &[3])
            .is_err()
    );
}

#[test]
fn validate_checks_targets_against_the_output_shape() {
    let mse = MeanSquaredError::new();
    assert!(mse.validate(&Tensor::zeros(&[100, 3]), &[3]).is_ok());
    assert!(mse.validate(&Tensor::zeros(&[100]), &[1]).is_ok());
    assert_eq!(
        mse.validate(&Tensor::zeros(&[100, 3]), &[2])
            .unwrap_err()
            .to_string(),
        "`mean_squared_error` cannot combine shapes [100, 3] and [100, 2]: \
         y_true must have the shape of the model's output"
    );
    assert!(mse.validate(&Tensor::scalar(1.0), &[1]).is_err());

    let bce = BinaryCrossentropy::new();
    assert!(
        bce.validate(&Tensor::from_vec(vec![0.0, 1.0, 0.25], &[3, 1]), &[1])
            .is_ok()
    );
    assert_eq!(
        bce.validate(&Tensor::from_vec(vec![0.0, 1.0, 2.0], &[3]), &[1])
            .unwrap_err()
            .to_string(),
        "`binary_crossentropy`: target 2 at sample 2 is outside [0, 1]; binary targets are 0, 1 or a probability"
    );
    assert!(
        CategoricalCrossentropy::new()
            .validate(&Tensor::zeros(&[5, 3]), &[3])
            .is_ok()
    );
    assert!(
        SparseCategoricalCrossentropy::new()
            .validate(&Tensor::scalar(0.0), &[3])
            .is_err()
    );
}

#[test]
fn bad_parameters_and_batches_are_errors() {
    let (y, p) = (Tensor::zeros(&[2, 1]), Tensor::ones(&[2, 1]));
    assert_eq!(
        Huber::new()
            .delta(-1.0)
            .compute(&y, &p)
            .unwrap_err()
            .to_string(),
        "`huber_loss`: delta must be a finite number ≥ 0, but it is -1"
    );
    assert!(Huber::new().delta(f32::NAN).validate(&y, &[1]).is_err());
    assert_eq!(
        MeanSquaredError::new()
            .compute(&Tensor::zeros(&[0, 3]), &Tensor::zeros(&[0, 3]))
            .unwrap_err()
            .to_string(),
        "`mean_squared_error`: y_pred of shape [0, 3] has no elements, so there is nothing to average"
    );
    assert!(
        MeanSquaredError::new()
            .compute(&Tensor::scalar(1.0), &Tensor::scalar(1.0))
            .is_err()
    );
}

#[test]
fn names_resolve_as_in_keras() {
    let expected = [
        ("mse", "mean_squared_error"),
        ("mean_squared_error", "mean_squared_error"),
        ("mae", "mean_absolute_error"),
        ("mean_absolute_error", "mean_absolute_error"),
        ("huber", "huber_loss"),
        ("binary_crossentropy", "binary_crossentropy"),
        ("categorical_crossentropy", "categorical_crossentropy"),
        (
            "sparse_categorical_crossentropy",
            "sparse_categorical_crossentropy",
        ),
        (
            "SparseCategoricalCrossentropy",
            "sparse_categorical_crossentropy",
        ),
    ];
    for (name, loss_name) in expected {
        assert_eq!(loss_from_name(name).unwrap().name(), loss_name);
    }
    for name in LOSS_NAMES {
        assert!(loss_from_name(name).is_ok(), "{name}");
    }
    let err = loss_from_name("cross_entropy").err().unwrap();
    assert!(matches!(err, Error::UnknownName { kind: "loss", .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "unknown loss `cross_entropy`; known losses: {}",
            LOSS_NAMES.join(", ")
        )
    );
}

#[test]
fn from_name_losses_take_probabilities() {
    // Keras's string losses default to from_logits=False: p = 1 is clipped, not a logit.
    let loss = loss_from_name("binary_crossentropy").unwrap();
    let value = loss
        .compute(&Tensor::zeros(&[1, 1]), &Tensor::ones(&[1, 1]))
        .unwrap();
    assert!(
        (value.item() + (1.0f32 - (1.0 - 1e-7f32)).ln()).abs() < 1e-4,
        "{value:?}"
    );
}
