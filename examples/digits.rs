//! The main job: a model built from a custom `#[derive(Layer)]` layer and a custom
//! `#[activation]` learns to read the bundled 8×8 handwritten digits (1,797 images, UCI via
//! scikit-learn), with Keras's summary, progress bars, a validation split, the test accuracy
//! on a held-out stratified 20 %, the loss and accuracy curves written to an SVG file, and the
//! trained model saved whole and loaded back, and its weights loaded into a new model, both
//! scoring the same.
//!
//! Run with `cargo run --release --example digits`. Deterministic for its seed; exits with an
//! error if the test accuracy is below 96 %.

use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;

/// The tutorial's custom dense layer: `x · w + b`, shaped from the input when built.
#[derive(Layer)]
struct CustomDense {
    /// The number of output features.
    units: usize,
    #[weight(shape = [input[-1], units], init = "glorot_uniform")]
    w: Weight,
    #[weight(shape = [units], init = "zeros")]
    b: Weight,
}

impl Call for CustomDense {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.w) + &self.b
    }
}

/// The tutorial's custom activation: a leaky ReLU with slope 0.1, exact derivative included.
#[activation]
fn leaky(x: f32) -> f32 {
    x.max(0.1 * x)
}

const SEED: u64 = 42;
const REQUIRED_ACCURACY: f32 = 0.96;

fn main() -> layers::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let digits = Dataset::load_csv(path)?.scaled(1.0 / 16.0);
    let (train, test) = digits.stratified_split(0.2, SEED)?;
    println!(
        "digits: {} images of {} pixels, {} classes; {} for training, {} held out for testing\n",
        digits.len(),
        digits.num_features(),
        digits.num_classes()?,
        train.len(),
        test.len()
    );

    let mut model = new_model(SEED, digits.num_features())?;
    println!("{}\n", model.summary());

    let history = model.fit(
        train.x(),
        train.y(),
        FitOptions::new()
            .with_epochs(60)
            .batch_size(32)
            .validation_split(0.1),
    )?;

    let logs = model.evaluate(test.x(), test.y(), 128)?;
    let accuracy = logs["accuracy"]; // compiled with `accuracy`
    let plot = std::env::temp_dir().join("layers_digits_history.svg");
    history.plot(&plot)?;
    println!(
        "\ntest accuracy on {} held-out digits: {:.2} %",
        test.len(),
        accuracy * 100.0
    );
    println!("loss and accuracy curves: {}", plot.display());

    // The whole trained model (architecture, weights, optimizer state) saved to one file and
    // loaded with no code describing it: the custom layer and activation registered
    // themselves. It scores exactly the same.
    let saved = std::env::temp_dir().join("layers_digits.model.safetensors");
    model.save(&saved)?;
    let mut loaded = Sequential::load(&saved)?;
    check_same(
        &mut loaded,
        &test,
        accuracy,
        &saved,
        "the model loaded from",
    )?;

    // The weights alone, loaded into a new model made in code from another seed.
    let weights = std::env::temp_dir().join("layers_digits.safetensors");
    model.save_weights(&weights)?;
    let mut copy = new_model(SEED + 1, digits.num_features())?;
    copy.load_weights(&weights)?;
    check_same(
        &mut copy,
        &test,
        accuracy,
        &weights,
        "a new model given the weights in",
    )?;
    if accuracy < REQUIRED_ACCURACY {
        return Err(layers::Error::Data {
            source_name: "digits".into(),
            message: format!(
                "test accuracy {accuracy:.4} is below the required {REQUIRED_ACCURACY}"
            ),
        });
    }
    Ok(())
}

/// Prints the held-out accuracy of `model`, read from `file`, and fails unless it is
/// exactly `accuracy`, the trained model's.
fn check_same(
    model: &mut Sequential,
    test: &Dataset,
    accuracy: f32,
    file: &std::path::Path,
    what: &str,
) -> layers::Result<()> {
    // A loaded model is compiled as it was saved: with its `accuracy` metric.
    let loaded_accuracy = model.evaluate(test.x(), test.y(), 128)?["accuracy"];
    println!(
        "test accuracy of {what} {}: {:.2} %",
        file.display(),
        loaded_accuracy * 100.0
    );
    if loaded_accuracy != accuracy {
        return Err(layers::Error::Data {
            source_name: file.display().to_string(),
            message: format!("the loaded model scores {loaded_accuracy}, the saved one {accuracy}"),
        });
    }
    Ok(())
}

/// The model: the custom dense layer and activation, dropout, and a dense output of logits,
/// built for `features` inputs and compiled.
fn new_model(seed: u64, features: usize) -> layers::Result<Sequential> {
    let mut model = Sequential::new()
        .seed(seed)
        .add(CustomDense::new(64))
        .add(Leaky)
        .add(Dropout::new(0.1))
        .add(Dense::new(10));
    model.build([features])?;
    model.compile(
        Adam::new().with_learning_rate(3e-3),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )?;
    Ok(model)
}
