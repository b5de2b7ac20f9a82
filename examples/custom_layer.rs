//! The tutorial's custom layer, as `layers` writes it: Keras's `CustomDenseLayer(64)` →
//! `Activation('relu')` → `CustomDenseLayer(10)` on inputs of 32 features.
//!
//! Keras needs `__init__`, `build` with two `add_weight` calls, and `call`; here the struct
//! declares its weights next to their shapes and `call` is all that is written by hand.
//!
//! Run with `cargo run --example custom_layer`.

use layers::layer::gradcheck::check_layer;
use layers::prelude::*;

/// `x · w + b`, with `w` shaped from the input's last axis when the layer is built.
#[derive(Layer)]
struct CustomDense {
    /// The number of output features.
    units: usize,
    #[weight(shape = [input[-1], units], init = "random_normal")]
    w: Weight,
    #[weight(shape = [units], init = "zeros")]
    b: Weight,
}

impl Call for CustomDense {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w) + &self.b
    }
}

fn main() -> layers::Result<()> {
    let mut model = Sequential::new()
        .add(CustomDense::new(64))
        .add(Activation::from_name("relu")?)
        .add(CustomDense::new(10));
    model.build([32])?;
    println!("{}", model.summary());
    assert_eq!(model.count_params()?, 2_762); // (32·64 + 64) + (64·10 + 10)

    let x = Tensor::from_vec(
        (0..4 * 32)
            .map(|i| ((i * 37) % 17) as f32 / 8.0 - 1.0)
            .collect(),
        &[4, 32],
    );
    let y = model.predict(&x)?;
    println!("\npredict on {:?} gives {:?}", x.shape(), y.shape());
    assert_eq!(y.shape(), &[4, 10]);

    // The tutorial warns that custom layers are hard to debug: compare the backward pass of
    // the custom layer with finite differences, weight by weight.
    let layer = CustomDense::new(3);
    let small = Tensor::from_vec(vec![0.5, -1.0, 0.25, 2.0, 0.0, -0.75], &[2, 3]);
    let report = check_layer(&layer, &small, 1e-2)?;
    println!("\ngradient check of CustomDense(3) on a (2, 3) input:\n{report}");
    assert!(report.worst() < 1e-2, "gradient check failed");

    // The tutorial's caution, "make sure the input's shape matches the weights' shapes",
    // becomes an error that names the layer.
    let mut bad = Sequential::new().add(CustomDense::new(4));
    bad.build([32])?;
    let err = bad.predict(&Tensor::zeros(&[1, 16])).unwrap_err();
    println!("feeding 16 features to a model built for 32: {err}");
    assert!(err.to_string().contains("(None, 16)"), "{err}");
    Ok(())
}
