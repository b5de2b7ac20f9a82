//! Writes a small dense model's weights for other tools to read: `model.safetensors` (its
//! weights), `model.json` (its config), `inputs.json` and `outputs.json` (a batch and what
//! `predict` returns for it), into the directory given as the first argument.
//! `tests/interop/check_weights.py` then loads the weights with NumPy and the `safetensors`
//! package, recomputes the outputs and compares; `.ci/run` runs both.
//!
//! Run with `cargo run --example weights_for_python -- DIR`.

use std::path::PathBuf;

use layers::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir =
        PathBuf::from(
            std::env::args()
                .nth(1)
                .ok_or_else(|| layers::Error::InvalidArgument {
                    op: "weights_for_python",
                    message: "give the output directory as the first argument".into(),
                })?,
        );
    let mut model = Sequential::new()
        .seed(11)
        .add(Dense::new(16).activation("relu"))
        .add(Dense::new(8).activation("tanh"))
        .add(Dense::new(4).activation("sigmoid").use_bias(false))
        .add(Dense::new(3).activation("softmax"));
    model.build([5])?;

    let rows: Vec<Vec<f32>> = (0..10)
        .map(|i| {
            (0..5)
                .map(|j| ((i * 5 + j) as f32 * 0.61).sin() * 2.0)
                .collect()
        })
        .collect();
    let x = Tensor::from_vec(rows.concat(), &[10, 5]);
    let y = model.predict(&x)?;
    let outputs: Vec<Vec<f32>> = y.to_vec().chunks(3).map(<[f32]>::to_vec).collect();

    model.save_weights(dir.join("model.safetensors"))?;
    let write = |name: &str, value: serde_json::Value| {
        let path = dir.join(name);
        std::fs::write(&path, value.to_string())
    };
    write("model.json", model.config())?;
    write("inputs.json", serde_json::json!(rows))?;
    write("outputs.json", serde_json::json!(outputs))?;
    println!(
        "wrote model.safetensors, model.json, inputs.json and outputs.json to {}",
        dir.display()
    );
    Ok(())
}
