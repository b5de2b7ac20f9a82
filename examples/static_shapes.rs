//! A statically checked model: the compiler checks that its layers fit together, and the
//! typed data that goes into `fit`, `evaluate` and `predict`. It learns the bundled 8×8
//! digits (64 pixels, 10 classes) with a residual block of fixed width.
//!
//! Run with `cargo run --release --example static_shapes`. Change `Dense<Const<64>>` in
//! `Digits` to `Dense<Const<32>>` and it no longer compiles:
//!
//! ```text
//! error[E0277]: shape mismatch: layer `block` (`Residual`) takes `(usize, layers::Const<64>)` but receives `(usize, layers::Const<32>)`
//! ```

use layers::activation::Relu;
use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use layers::typed::{Batch1, Shape, StaticLayer};

/// `x + relu(x · w + b)`: a residual block that takes and returns 64 features.
#[derive(Layer)]
#[layer(input = [B, 64], output = [B, 64])]
struct Residual {
    #[layer(init = Dense::new(Const::<64>).activation(Relu))]
    inner: Dense<Const<64>>,
}

impl Call for Residual {
    fn call(&self, x: &Tensor) -> Tensor {
        x + self.inner.apply(x)
    }
}

/// The model: every size known to the compiler, checked where the struct is defined.
#[derive(Layer)]
#[layer(sequential, input = [B, 64], output = [B, 10])]
struct Digits {
    #[layer(init = Dense::new(Const::<64>).activation(Relu))]
    hidden: Dense<Const<64>>,
    #[layer(default)]
    block: Residual,
    #[layer(init = Dropout::new(0.1))]
    dropout: Dropout,
    #[layer(default)]
    logits: Dense<Const<10>>,
}

const SEED: u64 = 7;
const REQUIRED_ACCURACY: f32 = 0.95;

fn main() -> layers::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let digits = Dataset::load_csv(path)?.scaled(1.0 / 16.0);
    let (train, test) = digits.stratified_split(0.2, SEED)?;

    // Typed data: 64 features per sample, checked once here; from now on the compiler knows.
    let train_x = train.typed_x::<Batch1<64>>()?;
    let test_x = test.typed_x::<Batch1<64>>()?;

    type Output = <Digits as StaticLayer>::Output<Batch1<64>>;
    println!(
        "the compiler's view: Digits takes {} and produces {}\n",
        Batch1::<64>::describe(),
        Output::describe()
    );

    let mut model = Model::new(Digits::new()).seed(SEED);
    model.build([64])?;
    model.compile(
        Adam::new().with_learning_rate(3e-3),
        SparseCategoricalCrossentropy::new().from_logits(true),
        &["accuracy"],
    )?;
    println!("{}\n", model.summary());

    model.fit(
        &train_x,
        train.y(),
        FitOptions::new().with_epochs(25).batch_size(32).verbose(2),
    )?;
    let logs = model.evaluate(&test_x, test.y(), 128)?;
    let accuracy = logs["accuracy"]; // compiled with `accuracy`

    // `predict` on typed data returns typed data: `(usize, Const<10>)` here.
    let logits = model.predict(&test_x)?;
    println!(
        "\npredictions: {:?} of type TypedTensor<{}>",
        logits.tensor().shape(),
        Output::describe()
    );
    println!(
        "test accuracy on {} held-out digits: {:.2} %",
        test.len(),
        accuracy * 100.0
    );
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
