//! A recurrent network reads each bundled 8×8 handwritten digit row by row: a sequence of
//! 8 steps of 8 pixels, through a `GRU` of 64 units, then a dense layer of 10 logits. The
//! same stratified 20 % hold-out as `examples/digits.rs`.
//!
//! Run with `cargo run --release --example sequence`. Deterministic for its seed; exits with
//! an error if the held-out accuracy is below 95 %.

use std::time::Instant;

use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;

const SEED: u64 = 42;
const REQUIRED_ACCURACY: f32 = 0.95;

fn main() -> layers::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let digits = Dataset::load_csv(path)?.scaled(1.0 / 16.0);
    let (train, test) = digits.stratified_split(0.2, SEED)?;
    println!(
        "digits: {} images read as 8 rows of 8 pixels; {} for training, {} held out\n",
        digits.len(),
        train.len(),
        test.len()
    );

    let mut model = Sequential::new()
        .seed(SEED)
        .add(Reshape::new(vec![8, 8])) // (batch, 64) → (batch, time 8, features 8)
        .add(Gru::new(64))
        .add(Dense::new(10));
    model.build([digits.num_features()])?;
    model.compile(
        Adam::new().with_learning_rate(3e-3),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )?;
    println!("{}\n", model.summary());

    let start = Instant::now();
    model.fit(
        train.x(),
        train.y(),
        FitOptions::new()
            .with_epochs(25)
            .batch_size(32)
            .validation_split(0.1),
    )?;
    let seconds = start.elapsed().as_secs_f32();

    let accuracy = model.evaluate(test.x(), test.y(), 128)?["accuracy"];
    println!(
        "\nheld-out accuracy on {} digits: {:.2} % (trained in {seconds:.1} s)",
        test.len(),
        accuracy * 100.0
    );
    if accuracy < REQUIRED_ACCURACY {
        return Err(layers::Error::Data {
            source_name: "digits".into(),
            message: format!(
                "held-out accuracy {accuracy:.4} is below the required {REQUIRED_ACCURACY}"
            ),
        });
    }
    Ok(())
}
