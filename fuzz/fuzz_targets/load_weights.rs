//! Weights loading on arbitrary bytes: never a panic, a hang or a huge allocation. Every
//! input is read as a weights file on its own (`SavedWeights::from_bytes`) and loaded from a
//! file into a built model (`load_weights`); a file that loads holds only finite values,
//! sets exactly those values, and writes back to a file that reads the same; a file that
//! does not load leaves the model unchanged.
#![no_main]

use std::sync::OnceLock;

use layers_core::prelude::*;
use layers_core::save::{LoadOptions, SavedWeights};
use libfuzzer_sys::fuzz_target;

/// `Dense(2)` on 3 features (weights `dense.kernel` and `dense.bias`), and the file its
/// inputs are written to.
fn model() -> &'static (Sequential, std::path::PathBuf) {
    static MODEL: OnceLock<(Sequential, std::path::PathBuf)> = OnceLock::new();
    MODEL.get_or_init(|| {
        let mut model = Sequential::new().add(Dense::new(2));
        model.build([3]).expect("a dense layer builds");
        // In memory where there is a tmpfs: rewriting a file on ext4 flushes it to disk.
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        let path = dir.join(format!("layers-fuzz-{}.safetensors", std::process::id()));
        (model, path)
    })
}

fn values(layer: &dyn Layer) -> Vec<Vec<u32>> {
    let weights = layer.get_weights().expect("the model is built");
    weights.iter().map(|t| t.to_vec().iter().map(|v| v.to_bits()).collect()).collect()
}

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = SavedWeights::from_bytes(data, LoadOptions::new()) {
        assert!(file.tensors().iter().all(|(_, t)| t.all_finite()));
        let again = SavedWeights::from_bytes(&file.to_bytes().expect("a read file writes"), LoadOptions::new())
            .expect("a written file reads");
        let bits = |f: &SavedWeights| -> Vec<(String, Vec<usize>, Vec<u32>)> {
            let mut all: Vec<_> = f
                .tensors()
                .iter()
                .map(|(n, t)| (n.clone(), t.shape().to_vec(), t.to_vec().iter().map(|v| v.to_bits()).collect()))
                .collect();
            all.sort();
            all
        };
        assert_eq!(bits(&file), bits(&again));
    }
    let _ = SavedWeights::from_bytes(data, LoadOptions::new().allow_non_finite(true));

    let (model, path) = model();
    std::fs::write(path, data).expect("the fuzz file is writable");
    let before = values(model);
    match model.load_weights(path) {
        Ok(()) => {
            let file = SavedWeights::from_bytes(data, LoadOptions::new()).expect("a loaded file reads");
            for (name, weight) in model.all_weights() {
                let value = weight.value().to_vec();
                assert!(value.iter().all(|v| v.is_finite()));
                assert_eq!(file.get(&name).expect("every weight is in the file").to_vec(), value);
            }
        }
        Err(_) => assert_eq!(values(model), before, "a refused file changed the model"),
    }
});
