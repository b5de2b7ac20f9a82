//! Regularizers and constraints saved with a model: the loaded model has them on its layers
//! and weights, and a run stopped, saved, loaded and continued is bit for bit the
//! uninterrupted run (the penalties and the projections are applied after loading too).

use layers::optim::Sgd;
use layers::prelude::*;

fn model() -> Sequential {
    let mut model = Sequential::new()
        .seed(5)
        .add(
            Conv1D::new(3, 2)
                .kernel_regularizer(Regularizer::l1_l2(0.01, 0.02))
                .kernel_constraint(Constraint::max_norm(0.4).with_axis([0, 1])),
        )
        .add(Flatten::new())
        .add(
            Dense::new(2)
                .bias_regularizer(Regularizer::l1(0.05))
                .bias_constraint(Constraint::non_neg()),
        )
        .add(LayerNormalization::new().gamma_constraint(Constraint::min_max_norm(0.5, 1.0, 0.5)));
    model.build([5, 2]).unwrap();
    model
        .compile(Sgd::new().with_learning_rate(0.1), "mse", &[])
        .unwrap();
    model
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec(
        (0..120).map(|i| (i as f32 * 0.37).sin()).collect(),
        &[12, 5, 2],
    );
    let y = Tensor::from_vec((0..24).map(|i| (i as f32 * 0.21).cos()).collect(), &[12, 2]);
    (x, y)
}

fn weight_bits(model: &Sequential) -> Vec<Vec<u32>> {
    model
        .get_weights()
        .unwrap()
        .iter()
        .map(|w| w.to_vec().iter().map(|v| v.to_bits()).collect())
        .collect()
}

#[test]
fn a_saved_model_keeps_its_regularizers_and_constraints() {
    let (x, y) = data();
    let options = |epochs| {
        FitOptions::new()
            .with_epochs(epochs)
            .batch_size(4)
            .verbose(0)
    };
    let mut straight = model();
    let whole = straight.fit(&x, &y, options(4)).unwrap();

    let mut first = model();
    first.fit(&x, &y, options(2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("regularized.safetensors");
    first.save(&path).unwrap();
    let mut loaded = Sequential::load(&path).unwrap();
    let weights: Vec<(String, Option<Regularizer>, Option<Constraint>)> = loaded
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.regularizer().cloned(), w.constraint().cloned()))
        .collect();
    let expected: Vec<(String, Option<Regularizer>, Option<Constraint>)> = first
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.regularizer().cloned(), w.constraint().cloned()))
        .collect();
    assert_eq!(weights, expected);
    assert_eq!(
        weights[0].1,
        Some(Regularizer::l1_l2(0.01, 0.02)),
        "{weights:?}"
    );
    assert_eq!(
        loaded.layer_config().unwrap(),
        first.layer_config().unwrap()
    );
    // The loss of the loaded model includes the penalties: the same as the saved model's.
    assert_eq!(
        loaded.evaluate(&x, &y, 4).unwrap()["loss"],
        first.evaluate(&x, &y, 4).unwrap()["loss"]
    );
    let rest = loaded.fit(&x, &y, options(2)).unwrap();
    assert_eq!(weight_bits(&loaded), weight_bits(&straight));
    assert_eq!(rest.history["loss"], whole.history["loss"][2..].to_vec());
}
