//! A masked output's loss and mean metrics are over its unmasked positions, as Keras 3
//! weighs them (reference values from `tests/reference/keras_masked_loss.py`, Keras 3.15.1):
//! `Embedding(mask_zero)` → `LSTM(return_sequences)` → `Dense`, whose padding steps count
//! for nothing in `evaluate`, in the metrics or in a training step's gradient.

use layers::prelude::*;

/// `0.5 · sin(i + 1 + offset)` over each weight in order, as the reference script fills them.
fn fill(model: &Sequential) -> Vec<Tensor> {
    let mut offset = 0usize;
    let mut out = Vec::new();
    for w in model.get_weights().unwrap() {
        let n = w.len();
        let values = (0..n)
            .map(|i| (0.5 * ((i + 1 + offset) as f64).sin()) as f32)
            .collect();
        out.push(Tensor::from_vec(values, w.shape()));
        offset += n;
    }
    out
}

fn ids() -> Tensor {
    let ids = [3, 1, 0, 0, 2, 4, 1, 0, 5, 0, 0, 0];
    Tensor::from_vec(ids.iter().map(|&v| v as f32).collect(), &[3, 4])
}

fn model(units: usize, activation: &str) -> Sequential {
    let mut model = Sequential::new()
        .add(Embedding::new(6, 3).mask_zero(true))
        .add(Lstm::new(2).return_sequences(true))
        .add(Dense::new(units).activation(activation));
    model.build([4]).unwrap();
    let weights = fill(&model);
    model.set_weights(&weights).unwrap();
    model
}

fn close(found: &[f32], expected: &[f64], what: &str) {
    assert_eq!(found.len(), expected.len(), "{what}");
    for (i, (&f, &e)) in found.iter().zip(expected).enumerate() {
        assert!(
            (f64::from(f) - e).abs() <= 1e-5 + 1e-5 * e.abs(),
            "{what}[{i}]: {f} here, {e} in Keras"
        );
    }
}

#[test]
fn sparse_crossentropy_and_accuracy_over_unmasked_steps_as_keras() {
    let labels = [1., 2., 0., 0., 0., 1., 2., 1., 2., 0., 1., 1.];
    let y = Tensor::from_vec(labels.to_vec(), &[3, 4]);
    let mut m = model(3, "softmax");
    m.compile(
        Sgd::new().with_learning_rate(0.5),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let logs = m.evaluate(&ids(), &y, 3).unwrap();
    close(
        &[logs["loss"], logs["accuracy"]],
        &[1.0777809619903564, 0.5],
        "evaluate",
    );
    let logs = m.evaluate(&ids(), &y, 2).unwrap();
    close(
        &[logs["loss"], logs["accuracy"]],
        &[1.055188536643982, 0.5],
        "batches of 2",
    );

    // Over every step, padding included, the loss would differ.
    let pred = m.predict(&ids()).unwrap();
    let unmasked = layers::loss::SparseCategoricalCrossentropy::new()
        .compute(&y, &pred)
        .unwrap()
        .item();
    assert!((unmasked - 1.0777809).abs() > 1e-3, "{unmasked}");

    m.train_on_batch(&ids(), &y).unwrap();
    let w = m.get_weights().unwrap();
    close(
        &w[w.len() - 2].to_vec(),
        &[
            -0.4343434274196625,
            -0.44999781250953674,
            -0.049775008112192154,
            0.3785521388053894,
            0.4794164001941681,
            0.13141581416130066,
        ],
        "dense.kernel after one SGD step",
    );
    // The padding id's embedding row (0) gets no gradient; the others move as in Keras.
    close(
        &w[0].to_vec()[..9],
        &[
            0.4207354784011841,
            0.4546487033367157,
            0.07056000083684921,
            -0.3820955753326416,
            -0.48225700855255127,
            -0.1352001130580902,
            0.3304387629032135,
            0.4965251088142395,
            0.20357660949230194,
        ],
        "embedding after one SGD step",
    );
}

#[test]
fn mse_and_mae_over_unmasked_steps_as_keras() {
    let targets = (0..12).map(|i| (i as f64).sin() as f32).collect();
    let y = Tensor::from_vec(targets, &[3, 4, 1]);
    let mut m = model(1, "linear");
    m.compile(Sgd::new().with_learning_rate(0.5), "mse", &["mae"])
        .unwrap();
    let logs = m.evaluate(&ids(), &y, 3).unwrap();
    close(
        &[logs["loss"], logs["mae"]],
        &[0.5465423464775085, 0.6317930817604065],
        "evaluate",
    );
    // In batches of 2 and 1 the loss is the batch-size-weighted mean of each batch's masked
    // mean, as Keras reports it; the metric is still the mean over all unmasked steps.
    let logs = m.evaluate(&ids(), &y, 2).unwrap();
    close(
        &[logs["loss"], logs["mae"]],
        &[0.6707281470298767, 0.6317930817604065],
        "evaluate in batches of 2",
    );
    m.train_on_batch(&ids(), &y).unwrap();
    let w = m.get_weights().unwrap();
    close(
        &w[w.len() - 2].to_vec(),
        &[-0.40615659952163696, -0.4608346223831177],
        "dense.kernel after one SGD step",
    );
    close(
        &w[0].to_vec()[3..9],
        &[
            -0.37007588148117065,
            -0.4817928969860077,
            -0.1473548710346222,
            0.3144734501838684,
            0.49292847514152527,
            0.22058852016925812,
        ],
        "embedding after one SGD step",
    );
}

/// A batch whose every step is padding adds nothing: the loss is 0 and the weights the
/// mean metrics hold are unchanged, as Keras's `divide_no_nan` gives.
#[test]
fn fully_masked_batch_weighs_nothing() {
    let mut m = model(1, "linear");
    m.compile("sgd", "mse", &["mae"]).unwrap();
    let x = Tensor::zeros(&[2, 4]);
    let logs = m.evaluate(&x, &Tensor::ones(&[2, 4, 1]), 2).unwrap();
    assert_eq!((logs["loss"], logs["mae"]), (0.0, 0.0));
}

/// A user's loss without per-position values cannot be weighed by the mask: the error
/// names it and says what to implement, and nothing trains.
#[test]
fn a_loss_without_values_is_refused_on_a_masked_output() {
    struct Plain;
    impl Loss for Plain {
        fn name(&self) -> &'static str {
            "plain"
        }
        fn compute(&self, y_true: &Tensor, y_pred: &Tensor) -> layers::Result<Tensor> {
            Ok((y_pred - y_true).square().mean_all())
        }
        fn validate(&self, _: &Tensor, _: &[usize]) -> layers::Result<()> {
            Ok(())
        }
    }
    let mut m = model(1, "linear");
    m.compile("sgd", Plain, &[]).unwrap();
    let before = m.get_weights().unwrap();
    let err = m
        .train_on_batch(&ids(), &Tensor::ones(&[3, 4, 1]))
        .unwrap_err();
    assert!(err.to_string().contains("`plain`"), "{err}");
    assert!(err.to_string().contains("implement `values`"), "{err}");
    let after = m.get_weights().unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a.to_vec(), b.to_vec());
    }
}

/// The same tagger as a `#[derive(Layer)] #[layer(sequential)]` struct trained through
/// `Model`: the mask goes from field to field as in a `Sequential`, so the loss, the metric
/// and a training step are Keras's, as above.
#[derive(Layer)]
#[layer(sequential)]
struct Tagger {
    #[layer(init = Embedding::new(6, 3).mask_zero(true))]
    embedding: Embedding,
    #[layer(init = Lstm::new(2).return_sequences(true))]
    lstm: Lstm,
    #[layer(init = Dense::new(3).activation("softmax"))]
    dense: Dense,
}

#[test]
fn masks_go_through_a_derived_sequential_layer() {
    let labels = [1., 2., 0., 0., 0., 1., 2., 1., 2., 0., 1., 1.];
    let y = Tensor::from_vec(labels.to_vec(), &[3, 4]);
    let mut m = Model::new(Tagger::new());
    m.build([4]).unwrap();
    let reference = model(3, "softmax");
    m.set_weights(&reference.get_weights().unwrap()).unwrap();
    m.compile(
        Sgd::new().with_learning_rate(0.5),
        "sparse_categorical_crossentropy",
        &["accuracy"],
    )
    .unwrap();
    let logs = m.evaluate(&ids(), &y, 3).unwrap();
    close(
        &[logs["loss"], logs["accuracy"]],
        &[1.0777809619903564, 0.5],
        "evaluate",
    );
    // The last layer's output carries the mask out of the derived layer.
    let (_, mask) = m.forward_masked(&ids(), None).unwrap();
    assert_eq!(mask.unwrap().shape(), &[3, 4]);
}
