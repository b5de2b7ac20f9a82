//! `GlobalAveragePooling1D` with a mask (Keras 3's masked mean): the values Keras 3.15.1
//! gives after `Masking(0.0)` (worked out by hand too: sample 0 averages steps 0 and 2,
//! sample 1 steps 0, 1 and 3), the gradient only at unmasked steps, a fully masked sample,
//! and the text-classification shape Embedding(mask_zero) → pooling → Dense training.

use layers::prelude::*;

/// Two samples of 4 steps of 3 features; all-zero steps are masked by `Masking(0.0)`.
fn x() -> Tensor {
    Tensor::from_vec(
        vec![
            1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 4.0, 5.0, 6.0, 0.0, 0.0, 0.0, //
            0.5, -1.0, 2.0, 3.0, 0.0, 1.0, 0.0, 0.0, 0.0, -2.0, 1.0, 0.25,
        ],
        &[2, 4, 3],
    )
}

#[test]
fn the_masked_mean_is_keras_masked_mean() {
    // Keras 3.15.1: Sequential([Masking(0.0), GlobalAveragePooling1D(keepdims=k)])(x)
    let keras = [2.5, 3.5, 4.5, 0.5, 0.0, 1.083_333_4];
    for keepdims in [false, true] {
        let mut model = Sequential::new()
            .add(Masking::new(0.0))
            .add(GlobalAveragePooling1D::new().keepdims(keepdims));
        model.build([4, 3]).unwrap();
        let y = model.predict(&x()).unwrap();
        let shape: &[usize] = if keepdims { &[2, 1, 3] } else { &[2, 3] };
        assert_eq!(y.shape(), shape);
        for (found, expected) in y.to_vec().iter().zip(keras) {
            assert!((found - expected).abs() < 1e-6, "{:?}", y.to_vec());
        }
    }
    // Without the mask, the plain mean over all 4 steps.
    let plain = GlobalAveragePooling1D::new().try_apply(&x()).unwrap();
    assert_eq!(plain.to_vec()[..3], [1.25, 1.75, 2.25]);
}

#[test]
fn the_gradient_reaches_the_unmasked_steps_only() {
    let pool = GlobalAveragePooling1D::new();
    let x = x().into_variable();
    let mask = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], &[2, 4]);
    let (y, passed) = pool.forward_masked(&x, Some(&mask)).unwrap();
    assert!(passed.is_none(), "the pooled output carries no mask");
    let grads = y.sum_all().backward();
    let g = grads.get(&x).unwrap().to_vec();
    let per_step: Vec<f32> = g.chunks(3).map(|step| step[0]).collect();
    let third = 1.0 / 3.0;
    assert_eq!(per_step, [0.5, 0.0, 0.5, 0.0, third, third, 0.0, third]);
    assert!(g.chunks(3).all(|step| step.iter().all(|&v| v == step[0])));
}

#[test]
fn a_fully_masked_sample_gives_zeros_and_a_bad_mask_is_refused() {
    let pool = GlobalAveragePooling1D::new();
    let mask = Tensor::from_vec(vec![0.0; 8], &[2, 4]);
    let (y, _) = pool.forward_masked(&x(), Some(&mask)).unwrap();
    assert_eq!(y.to_vec(), vec![0.0; 6]); // Keras: NaN (0 / 0)

    let wrong = Tensor::from_vec(vec![1.0; 6], &[2, 3]);
    let err = pool
        .forward_masked(&x(), Some(&wrong))
        .unwrap_err()
        .to_string();
    assert!(err.contains("(batch, time) = (2, 4) mask"), "{err}");
    let half = Tensor::from_vec(vec![0.5; 8], &[2, 4]);
    let err = pool
        .forward_masked(&x(), Some(&half))
        .unwrap_err()
        .to_string();
    assert!(err.contains("found 0.5"), "{err}");
    // GlobalMaxPooling1D takes no mask (nor does Keras's): refused, naming the layer.
    let mut model = Sequential::new()
        .add(Masking::new(0.0))
        .add(GlobalMaxPooling1D::new());
    let err = model.build([4, 3]).unwrap_err().to_string();
    assert!(err.contains("does not take a mask"), "{err}");
}

#[test]
fn padded_ids_through_embedding_and_pooling_train() {
    // Sequences of ids padded with 0; the label is whether id 1 appears.
    let rows: Vec<[f32; 5]> = (0..32)
        .map(|i| {
            let len = 1 + i % 5;
            let mut row = [0.0; 5];
            for (t, v) in row.iter_mut().enumerate().take(len) {
                *v = (2 + (i * 7 + t * 3) % 4) as f32;
            }
            if i % 2 == 0 {
                row[i % len] = 1.0;
            }
            row
        })
        .collect();
    let x = Tensor::from_vec(rows.concat(), &[32, 5]);
    let y = Tensor::from_vec((0..32).map(|i| ((i + 1) % 2) as f32).collect(), &[32, 1]);
    let mut model = Sequential::new()
        .seed(1)
        .add(Embedding::new(6, 4).mask_zero(true))
        .add(GlobalAveragePooling1D::new())
        .add(Dense::new(1).activation(layers::activation::Sigmoid));
    let adam = layers::optim::Adam::new().with_learning_rate(0.05);
    model
        .compile(adam, "binary_crossentropy", &["accuracy"])
        .unwrap();
    let options = FitOptions::new().with_epochs(40).batch_size(8).verbose(0);
    let history = model.fit(&x, &y, options).unwrap();
    let loss = &history.history["loss"];
    assert!(loss[39] < 0.5 * loss[0], "{loss:?}");
    // Padding counts for nothing: ids 3, 1 and padding average as ids 3, 1, 3, 1 do (an
    // unmasked mean would weigh in the padding's embedding).
    let padded = Tensor::from_vec(vec![3.0, 1.0, 0.0, 0.0, 0.0], &[1, 5]);
    let repeated = Tensor::from_vec(vec![3.0, 1.0, 3.0, 1.0, 0.0], &[1, 5]);
    let (a, b) = (
        model.predict(&padded).unwrap(),
        model.predict(&repeated).unwrap(),
    );
    assert!((a.to_vec()[0] - b.to_vec()[0]).abs() < 1e-6, "{a:?} {b:?}");
}
