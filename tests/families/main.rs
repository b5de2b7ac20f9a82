//! The layer-families test binary: convolution, pooling, recurrent and attention layers,
//! each checked by finite differences (`conv`, `pool`, `rnn`, `attention`) and against
//! float64 NumPy tables (`*_reference`, read by `tests/common/table.rs`) or Keras itself
//! (`keras_*`: `keras_shape` for the reshaping and normalization layers, `keras_noise` for
//! the training-only noise layers, by their statistics). One binary links
//! the library once for all of them (`cargo test --test families rnn_reference::`).

#[path = "../common/named.rs"]
mod named;
#[path = "../common/table.rs"]
mod table;

mod attention;
mod attention_reference;
mod cell_settings;
mod conv;
mod conv_reference;
mod keras_attention_mask;
mod keras_diff;
mod keras_diff2;
mod keras_masks;
mod keras_noise;
mod keras_prep;
mod keras_rnn;
mod keras_shape;
mod masked_loss;
mod masked_pooling;
mod output_padding;
mod pool;
mod pool_reference;
mod prep;
mod regularizers;
mod rnn;
mod rnn_reference;
mod takes_mask;

use layers::prelude::*;

/// Trains the model `make` gives, seeded, for 2 epochs on `x` (3 classes) on rayon pools of
/// 1, 2, 3 and 5 threads, and asserts that the weights come out the same, bit for bit. Sums
/// over a batch run in parallel; they must add their partial sums in an order fixed by the
/// data alone, or the same seeded run rounds differently from run to run and from machine
/// to machine.
fn assert_same_bits_on_any_number_of_threads(make: impl Fn() -> Sequential + Sync, x: &Tensor) {
    let batch = x.shape()[0];
    let y = Tensor::from_vec((0..batch).map(|i| (i % 3) as f32).collect(), &[batch]);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut model = make().seed(11);
            model
                .compile("adam", "sparse_categorical_crossentropy", &[])
                .unwrap();
            let options = FitOptions::new()
                .with_epochs(2)
                .batch_size(batch / 2)
                .verbose(0);
            model.fit(x, &y, options).unwrap();
            let weights = model.get_weights().unwrap();
            weights.iter().map(Tensor::to_vec).collect::<Vec<_>>()
        })
    };
    let one = on(1);
    for threads in [2, 3, 5] {
        assert!(on(threads) == one, "{threads} threads round differently");
    }
}

/// The dense layers' products at batch 256 are cut across threads by the GEMM.
#[test]
fn dense_training_gives_the_same_bits_on_any_number_of_threads() {
    let n = 512 * 300;
    let x = Tensor::from_vec(
        (0..n)
            .map(|i| ((i * 37 % 23) as f32 / 11.0) - 1.0)
            .collect(),
        &[512, 300],
    );
    let model = || {
        Sequential::new()
            .add(Dense::new(256).activation("relu"))
            .add(Dense::new(130).activation("relu"))
            .add(Dense::new(3))
    };
    assert_same_bits_on_any_number_of_threads(model, &x);
}
