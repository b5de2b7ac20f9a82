//! A convolutional network on the bundled 5,000-image MNIST subset: two `Conv2D` + max-pooling
//! blocks, dropout and a dense head, on the same stratified hold-out as `examples/mnist.rs`
//! (whose dense model reaches 94.5 %). Fails below 96.5 % held-out accuracy.
//!
//! Run with `cargo run --release --example mnist_cnn`. Deterministic for its seed.

use std::time::Instant;

use layers::activation::Relu;
use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;

const SEED: u64 = 7;
const REQUIRED_ACCURACY: f32 = 0.965;

fn main() -> layers::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist_5k.csv.gz");
    let mnist = Dataset::load_csv(path)?.scaled(1.0 / 255.0);
    let (train, test) = mnist.stratified_split(0.2, SEED)?;
    println!(
        "mnist_5k: {} images of 28×28 pixels; {} for training, {} held out for testing\n",
        mnist.len(),
        train.len(),
        test.len()
    );
    // Each row of 784 pixels as a 28×28 image with one channel.
    let images = |x: &Tensor| x.try_reshape(&[x.shape()[0], 28, 28, 1]);
    let (train_x, test_x) = (images(train.x())?, images(test.x())?);

    let mut model = Sequential::new()
        .seed(SEED)
        .add(Conv2D::new(16, (3, 3)).activation(Relu))
        .add(MaxPooling2D::new())
        .add(Conv2D::new(32, (3, 3)).activation(Relu))
        .add(MaxPooling2D::new())
        .add(Flatten::new())
        .add(Dropout::new(0.25))
        .add(Dense::new(10));
    model.build([28, 28, 1])?;
    model.compile(
        Adam::new(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )?;
    println!("{}\n", model.summary());

    let started = Instant::now();
    model.fit(
        &train_x,
        train.y(),
        FitOptions::new()
            .with_epochs(8)
            .batch_size(32)
            .validation_split(0.1),
    )?;
    let seconds = started.elapsed().as_secs_f32();
    let accuracy = model.evaluate(&test_x, test.y(), 256)?["accuracy"];
    println!(
        "\ntest accuracy on {} held-out images: {:.2} % (training took {seconds:.1} s)",
        test.len(),
        accuracy * 100.0
    );
    if accuracy < REQUIRED_ACCURACY {
        return Err(layers::Error::Data {
            source_name: "mnist".into(),
            message: format!(
                "test accuracy {accuracy:.4} is below the required {REQUIRED_ACCURACY}"
            ),
        });
    }
    Ok(())
}
