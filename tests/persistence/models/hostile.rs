//! Hostile and broken model files: each is an error naming the file (and the layer and key
//! where there is one), never a panic, a hang, a huge allocation or code run.

use super::scratch;
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};
use serde_json::{Value, json};

/// A saved, compiled `Dense(3) → Dense(2)` model's file, as tensors and metadata.
fn saved() -> (Vec<(String, Tensor)>, serde_json::Map<String, Value>, Value) {
    let mut model = Sequential::new().add(Dense::new(3)).add(Dense::new(2));
    model.compile("adam", "mse", &["mae"]).unwrap();
    model
        .train_on_batch(&Tensor::ones(&[2, 4]), &Tensor::zeros(&[2, 2]))
        .unwrap();
    let (_dir, path) = scratch("m.safetensors");
    model.save(&path).unwrap();
    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    let config: Value = serde_json::from_str(&file.metadata()["config"]).unwrap();
    let training: Value = serde_json::from_str(&file.metadata()["training"]).unwrap();
    (
        file.into_tensors(),
        config.as_object().unwrap().clone(),
        training,
    )
}

/// Writes a model file from its parts and loads it, returning the error's message.
fn load_error(tensors: Vec<(String, Tensor)>, config: &str, training: &str) -> (Error, String) {
    let (_dir, path) = scratch("hostile.safetensors");
    SavedWeights::new(tensors)
        .unwrap()
        .with_metadata("format", "layers.model")
        .with_metadata("config", config)
        .with_metadata("training", training)
        .write(&path)
        .unwrap();
    let err = Sequential::load(&path)
        .err()
        .expect("the file must be refused");
    let message = err.to_string();
    // The file is named: as a model file, or as a safetensors file for what is wrong with
    // the file as such (a NaN value, a bad offset).
    let model = format!("model file `{}`: ", path.display());
    let file = format!("weights file `{}`", path.display());
    assert!(
        message.starts_with(&model) || message.starts_with(&file),
        "{message}"
    );
    (err, message)
}

fn with_config(edit: impl FnOnce(&mut Value)) -> String {
    let (tensors, config, training) = saved();
    let mut config = Value::Object(config);
    edit(&mut config);
    load_error(tensors, &config.to_string(), &training.to_string()).1
}

fn with_training(edit: impl FnOnce(&mut Value)) -> String {
    let (tensors, config, mut training) = saved();
    edit(&mut training);
    load_error(
        tensors,
        &Value::Object(config).to_string(),
        &training.to_string(),
    )
    .1
}

#[test]
fn an_unmodified_file_loads() {
    let (tensors, config, training) = saved();
    let (_dir, path) = scratch("ok.safetensors");
    SavedWeights::new(tensors)
        .unwrap()
        .with_metadata("format", "layers.model")
        .with_metadata("config", Value::Object(config).to_string())
        .with_metadata("training", training.to_string())
        .write(&path)
        .unwrap();
    assert!(Sequential::load(&path).is_ok());
}

#[test]
fn unknown_keys_anywhere_are_refused_with_their_name() {
    let m = with_config(|c| c["exec"] = json!("rm -rf /"));
    assert!(m.contains("unknown field `exec`"), "{m}");
    let m = with_config(|c| c["layers"][0]["layer"]["config"]["unitz"] = json!(3));
    assert!(
        m.contains("layer `sequential.dense` (Dense): `unitz` is not a config field of `Dense`"),
        "{m}"
    );
    let m = with_training(|t| t["module"] = json!("os"));
    assert!(
        m.contains("`training` record is not valid: unknown field `module`"),
        "{m}"
    );
    let m = with_training(|t| t["compiled"]["optimizer"]["momentum_x"] = json!(1));
    assert!(m.contains("momentum_x"), "{m}");
}

#[test]
fn values_of_the_wrong_type_or_range_are_refused_naming_the_field() {
    for (units, found) in [
        (json!("many"), "\"many\""),
        (json!(-1), "-1"),
        (json!(1.5), "1.5"),
    ] {
        let m = with_config(|c| c["layers"][1]["layer"]["config"]["units"] = units);
        assert!(
            m.contains("layer `sequential.dense_1` (Dense): `units` expected an integer"),
            "{m}"
        );
        assert!(m.contains(&format!("found {found}")), "{m}");
    }
    let m = with_config(|c| c["layers"][0]["layer"]["config"]["activation"] = json!("rleu"));
    assert!(m.contains("unknown activation `rleu`"), "{m}");
    let m = with_config(|c| c["layers"][0]["layer"]["config"]["use_bias"] = json!(1));
    assert!(
        m.contains("`use_bias` expected true or false, found 1"),
        "{m}"
    );
    let m = with_training(|t| t["compiled"]["loss"] = json!({"name": "__import__"}));
    assert!(m.contains("unknown loss `__import__`"), "{m}");
    let m = with_training(|t| t["seed"] = json!(-3));
    assert!(m.contains("`training` record is not valid"), "{m}");
}

#[test]
fn absurd_sizes_are_refused_before_allocating() {
    // A Dense of 10^12 units: 4 TB of kernel, refused with the weight named.
    let started = std::time::Instant::now();
    let m =
        with_config(|c| c["layers"][0]["layer"]["config"]["units"] = json!(1_000_000_000_000u64));
    assert!(m.contains("kernel"), "{m}");
    assert!(m.contains("bytes"), "{m}");
    assert!(started.elapsed().as_secs() < 30);
    let m = with_training(|t| t["input_shape"] = json!([1_000_000_000_000u64]));
    assert!(m.contains("bytes") || m.contains("memory"), "{m}");
}

#[test]
fn classes_are_looked_up_in_the_registry_and_nothing_else() {
    for class in ["std::process::Command", "os.system", "", "../../evil"] {
        let m = with_config(|c| c["layers"][0]["layer"]["class_name"] = json!(class));
        assert!(
            m.contains(&format!("unknown layer `{class}`; known layers: ")),
            "{m}"
        );
    }
}

#[test]
fn nesting_deeper_than_the_limit_is_refused_without_recursion() {
    // Built as text: a value this deep would overflow the test's own stack.
    let depth = 5000;
    let mut config =
        r#"{"class_name": "Sequential", "layers": [{"key": "s", "layer": "#.repeat(depth);
    config.push_str(r#"{"class_name": "Dense", "config": {"units": 1}}"#);
    config.push_str(&"}]}".repeat(depth));
    let (tensors, _, training) = saved();
    let (_, m) = load_error(tensors, &config, &training.to_string());
    assert!(m.contains("at most 64 layers deep is read"), "{m}");
}

#[test]
fn invalid_json_missing_metadata_and_other_formats_are_refused() {
    let (tensors, config, training) = saved();
    let (_, m) = load_error(
        tensors.clone(),
        "{\"class_name\": \"Seq",
        &training.to_string(),
    );
    assert!(
        m.contains("is not a layer config: EOF while parsing"),
        "{m}"
    );
    let (_, m) = load_error(tensors, &Value::Object(config).to_string(), "[1, 2");
    assert!(m.contains("`training` record is not valid"), "{m}");

    // A weights file is not a model file.
    let mut model = Sequential::new().add(Dense::new(2));
    model.build([3]).unwrap();
    let (_dir, path) = scratch("w.safetensors");
    model.save_weights(&path).unwrap();
    let m = Sequential::load(&path).err().unwrap().to_string();
    assert!(
        m.contains("it is a `layers.weights` file, not a model file written by `save`"),
        "{m}"
    );
    // Nor is a file without metadata.
    SavedWeights::new(vec![])
        .unwrap()
        .with_metadata("format", "x")
        .write(&path)
        .unwrap();
    assert!(Sequential::load(&path).is_err());
}

#[test]
fn missing_extra_and_misshapen_tensors_are_refused() {
    let (tensors, config, training) = saved();
    let (config, training) = (Value::Object(config).to_string(), training.to_string());
    let without: Vec<_> = tensors
        .iter()
        .filter(|(n, _)| n != "dense.bias")
        .cloned()
        .collect();
    let (_, m) = load_error(without, &config, &training);
    assert!(
        m.contains("weight `dense.bias` is missing from the file"),
        "{m}"
    );

    let mut extra = tensors.clone();
    extra.push(("payload".into(), Tensor::ones(&[1])));
    let (_, m) = load_error(extra, &config, &training);
    assert!(m.contains("the file holds tensor `payload`"), "{m}");

    let reshaped: Vec<_> = tensors
        .iter()
        .map(|(n, t)| {
            if n == "dense.kernel" {
                (n.clone(), Tensor::ones(&[3, 4]))
            } else {
                (n.clone(), t.clone())
            }
        })
        .collect();
    let (_, m) = load_error(reshaped, &config, &training);
    assert!(
        m.contains("weight `dense.kernel` has shape [3, 4] in the file, but the model's is [4, 3]"),
        "{m}"
    );

    let bad_slot: Vec<_> = tensors
        .iter()
        .map(|(n, t)| {
            if n == "optimizer/dense.kernel/momentum" {
                (n.clone(), Tensor::ones(&[2]))
            } else {
                (n.clone(), t.clone())
            }
        })
        .collect();
    let (_, m) = load_error(bad_slot, &config, &training);
    assert!(m.contains("dense.kernel") || m.contains("shape"), "{m}");

    let nan: Vec<_> = tensors
        .iter()
        .map(|(n, t)| {
            if n == "dense.bias" {
                (n.clone(), Tensor::full(&[3], f32::NAN))
            } else {
                (n.clone(), t.clone())
            }
        })
        .collect();
    let (_, m) = load_error(nan, &config, &training);
    assert!(m.contains("NaN or infinite"), "{m}");
}
