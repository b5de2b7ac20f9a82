//! A 5,000-image subset of MNIST (28×28 digits, bundled): a multilayer perceptron of
//! built-in layers reaches at least 92 % on a held-out stratified 20 %.
//!
//! Run with `cargo run --release --example mnist`. Deterministic for its seed; exits with an
//! error if the test accuracy is below 92 %.

use layers::activation::Relu;
use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;

const SEED: u64 = 7;
const REQUIRED_ACCURACY: f32 = 0.92;

fn main() -> layers::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist_5k.csv.gz");
    let mnist = Dataset::load_csv(path)?.scaled(1.0 / 255.0);
    let (train, test) = mnist.stratified_split(0.2, SEED)?;
    println!(
        "mnist_5k: {} images of {} pixels; {} for training, {} held out for testing\n",
        mnist.len(),
        mnist.num_features(),
        train.len(),
        test.len()
    );

    let mut model = Sequential::new()
        .seed(SEED)
        .add(Dense::new(128).activation(Relu))
        .add(Dropout::new(0.2))
        .add(Dense::new(10));
    model.build([mnist.num_features()])?;
    model.compile(
        Adam::new(),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )?;
    println!("{}\n", model.summary());

    model.fit(
        train.x(),
        train.y(),
        FitOptions::new()
            .with_epochs(15)
            .batch_size(64)
            .validation_split(0.1),
    )?;
    let logs = model.evaluate(test.x(), test.y(), 256)?;
    let accuracy = logs["accuracy"]; // compiled with `accuracy`
    println!(
        "\ntest accuracy on {} held-out images: {:.2} %",
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
