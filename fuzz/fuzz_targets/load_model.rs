//! Model loading on arbitrary bytes: never a panic, a hang or a huge allocation, and never
//! anything run but the registered layer makers. Every input is read twice: as JSON text of
//! a layer config (`LayerConfig::from_json`, then `layer_from_config`: a layer made from a
//! config writes a config that makes the same layer again), and as a model file
//! (`Sequential::load`).
#![no_main]

use std::sync::OnceLock;

use layers_core::prelude::*;
use libfuzzer_sys::fuzz_target;

/// The file the inputs are written to, in memory where there is a tmpfs.
fn path() -> &'static std::path::PathBuf {
    static PATH: OnceLock<std::path::PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
        dir.join(format!("layers-fuzz-model-{}.safetensors", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(config) = LayerConfig::from_json(text)
        && let Ok(layer) = layer_from_config(&config)
    {
        let again = layer.layer_config().expect("a layer made from a config writes one");
        let remade = layer_from_config(&again).expect("a layer's own config makes it again");
        assert_eq!(remade.layer_config().expect("it writes its config"), again);
    }
    std::fs::write(path(), data).expect("the scratch file is writable");
    let _ = Sequential::load(path());
});
