//! Whole models saved to one file and loaded back (`Train::save`/`Train::load`): the
//! architecture from each layer's registered class, the weights, the trainable flags and
//! the optimizer's state, so that training resumes bit for bit; custom layers and
//! activations reload with no extra code; a file never runs anything, and every bad file or
//! config is an error naming it. `ModelCheckpoint` saves through the same path.

use layers::activation::Relu;
use layers::data::Dataset;
use layers::loss::SparseCategoricalCrossentropy;
use layers::model::callbacks::ModelCheckpoint;
use layers::optim::{Adam, ExponentialDecay};
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};
use serde_json::json;

fn scratch(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.to_vec().iter().map(|x| x.to_bits()).collect()
}

/// Every weight's path, bits and trainable flag.
fn weight_state(layer: &dyn Layer) -> Vec<(String, Vec<u32>, bool)> {
    layer
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, bits(&w.value()), w.is_trainable()))
        .collect()
}

#[activation(slope = 0.1)]
fn soft_leak(x: f32, slope: f32) -> f32 {
    x.max(slope * x)
}

/// A custom layer with a weight, a config field with a default, a sublayer made by `new`
/// and one given to it.
#[derive(Layer)]
struct Block {
    units: usize,
    #[config(default = 0.5)]
    scale: f32,
    #[weight(shape = [input[-1], units], init = "he_normal")]
    w: Weight,
    #[layer(default)]
    norm: BatchNormalization,
    #[layer]
    act: Box<dyn Layer>,
}

impl TryCall for Block {
    fn try_call(&self, x: &Tensor) -> layers::Result<Tensor> {
        let h = self.norm.try_apply(&x.matmul(&self.w))?;
        self.act.try_apply(&(h * self.scale))
    }
}

fn custom_model(seed: u64) -> Sequential {
    Sequential::new()
        .seed(seed)
        .add(Dense::new(6).named("frozen"))
        .add(Block::new(5, Box::new(SoftLeak { slope: 0.25 })).scale(0.75))
        .add(Dropout::new(0.2))
        .add(Dense::new(3).kernel_initializer(Initializer::constant(0.01)))
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec(
        (0..96).map(|i| ((i * 7) % 11) as f32 * 0.3 - 1.5).collect(),
        &[24, 4],
    );
    let y = Tensor::from_vec((0..24).map(|i| (i % 3) as f32).collect(), &[24]);
    (x, y)
}

fn compile(model: &mut Sequential) {
    model
        .compile(
            Adam::new().schedule(ExponentialDecay::new(3e-3, 4, 0.9).unwrap()),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &["accuracy"],
        )
        .unwrap();
}

fn trained_custom_model() -> Sequential {
    let (x, y) = data();
    let mut model = custom_model(1);
    model.build([4]).unwrap();
    model.layer_mut("frozen").unwrap().set_trainable(false);
    compile(&mut model);
    model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(2).batch_size(8).verbose(0),
        )
        .unwrap();
    model
}

#[test]
fn a_custom_layer_activation_batch_norm_and_frozen_layer_round_trip_exactly() {
    let (x, _) = data();
    let model = trained_custom_model();
    let (_dir, path) = scratch("custom.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(loaded.layer_names(), model.layer_names());
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
    assert_eq!(weight_state(&loaded), weight_state(&model));
    assert!(!loaded.layer("frozen").unwrap().is_trainable());
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
    // The custom activation kept its hyperparameter, the block its config.
    let config = loaded.layer_config().unwrap();
    let block = config.sublayer("block").unwrap();
    assert_eq!(block.config["scale"], 0.75);
    assert_eq!(block.sublayer("act").unwrap().config["slope"], 0.25);
    assert_eq!(model.summary().to_string(), loaded.summary().to_string());
}

#[test]
fn training_resumed_from_a_saved_model_is_bit_for_bit_the_uninterrupted_run() {
    let (x, y) = data();
    let options = || FitOptions::new().batch_size(8).verbose(0);
    // One run of 5 epochs: shuffling, dropout, a learning-rate schedule, Adam's moments.
    let mut straight = custom_model(1);
    straight.build([4]).unwrap();
    compile(&mut straight);
    let full = straight.fit(&x, &y, options().with_epochs(5)).unwrap();

    // The same run stopped after 2 epochs, saved, loaded into a new process's model.
    let mut first = custom_model(1);
    first.build([4]).unwrap();
    compile(&mut first);
    let head = first.fit(&x, &y, options().with_epochs(2)).unwrap();
    let (_dir, path) = scratch("run.safetensors");
    first.save(&path).unwrap();
    drop(first);
    let mut resumed = Sequential::load(&path).unwrap();
    let tail = resumed.fit(&x, &y, options().with_epochs(3)).unwrap();

    assert_eq!(weight_state(&resumed), weight_state(&straight));
    let losses = |h: &layers::model::History| -> Vec<u32> {
        h.history["loss"].iter().map(|v| v.to_bits()).collect()
    };
    let mut split = losses(&head);
    split.extend(losses(&tail));
    assert_eq!(split, losses(&full));
    assert_eq!(resumed.optimizer_params(), straight.optimizer_params());
}

#[test]
fn the_file_is_safetensors_with_weights_optimizer_state_and_json_metadata() {
    let model = trained_custom_model();
    let (_dir, path) = scratch("m.safetensors");
    model.save(&path).unwrap();
    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    let meta = file.metadata();
    assert_eq!(meta["format"], "layers.model");
    let config: serde_json::Value = serde_json::from_str(&meta["config"]).unwrap();
    assert_eq!(config["class_name"], "Sequential");
    let training: serde_json::Value = serde_json::from_str(&meta["training"]).unwrap();
    assert_eq!(training["frozen"], json!(["frozen.kernel", "frozen.bias"]));
    assert_eq!(training["compiled"]["optimizer"]["name"], "adam");
    assert_eq!(training["compiled"]["epochs"], 2);
    let names: Vec<&str> = file.tensors().iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"block.w"));
    // Adam's moments under Keras 3's slot names.
    assert!(names.contains(&"optimizer/block.w/momentum"));
    assert!(names.contains(&"optimizer/block.w/velocity"));
    // frozen weights have no optimizer state
    assert!(!names.iter().any(|n| n.starts_with("optimizer/frozen.")));
    // A model file's weights load into a model made in code, as a weights file's do.
    let mut copy = custom_model(9);
    copy.build([4]).unwrap();
    copy.load_weights(&path).unwrap();
    assert_eq!(
        bits(&copy.get_weights().unwrap()[2]),
        bits(&model.get_weights().unwrap()[2])
    );
}

#[test]
fn a_trained_digits_model_saved_whole_predicts_identically() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let digits = Dataset::load_csv(path).unwrap().scaled(1.0 / 16.0);
    let (train, test) = digits.stratified_split(0.2, 42).unwrap();
    let mut model = Sequential::new()
        .seed(42)
        .add(Dense::new(32).activation(Relu))
        .add(Dense::new(10));
    model
        .compile(
            Adam::new().with_learning_rate(3e-3),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &["accuracy"],
        )
        .unwrap();
    model
        .fit(
            train.x(),
            train.y(),
            FitOptions::new().with_epochs(3).verbose(0),
        )
        .unwrap();
    let (_dir, file) = scratch("digits.safetensors");
    model.save(&file).unwrap();
    let mut loaded = Sequential::load(&file).unwrap();
    assert_eq!(
        bits(&loaded.predict(test.x()).unwrap()),
        bits(&model.predict(test.x()).unwrap())
    );
    let a = model.evaluate(test.x(), test.y(), 128).unwrap()["accuracy"];
    let b = loaded.evaluate(test.x(), test.y(), 128).unwrap()["accuracy"];
    assert_eq!(a.to_bits(), b.to_bits());
}

/// A statically checked model: its architecture is its type.
#[derive(Layer)]
#[layer(sequential, input = [B, 6])]
struct StaticNet {
    #[layer(init = Dense::new(Const::<8>).activation(Relu))]
    hidden: Dense<Const<8>>,
    #[layer(default)]
    out: Dense<Const<3>>,
}

#[test]
fn a_statically_checked_model_loads_as_its_type() {
    let mut model = Model::new(StaticNet::new()).seed(3);
    model.build([6]).unwrap();
    let (_dir, path) = scratch("static.safetensors");
    model.save(&path).unwrap();
    let loaded = Model::<StaticNet>::load(&path).unwrap();
    let x = Tensor::ones(&[2, 6]);
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
    // Its sizes are in its type: a file of another width is refused.
    let mut wide = Sequential::new().add(Dense::new(9)).add(Dense::new(3));
    wide.build([6]).unwrap();
    let mut config = model.layer_config().unwrap();
    config.layers[0].layer.config["units"] = 9.into();
    let err = Model::<StaticNet>::from_config(&config).err().unwrap();
    assert!(
        err.to_string()
            .contains("`units` expected 8, the size this type fixes, found 9"),
        "{err}"
    );
}

/// A generic layer: registered at a type with `register_layer!`.
#[derive(Layer)]
struct Twice<L: Layer> {
    #[layer]
    inner: L,
}

impl<L: Layer> TryCall for Twice<L> {
    fn try_call(&self, x: &Tensor) -> layers::Result<Tensor> {
        self.inner.try_apply(&self.inner.try_apply(x)?)
    }
}

layers::register_layer!(Twice<Dense>);

#[test]
fn generic_layers_load_once_registered_and_unknown_classes_list_the_known_ones() {
    let mut model = Sequential::new().add(Twice::new(Dense::new(4)));
    model.build([4]).unwrap();
    let (_dir, path) = scratch("generic.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    let x = Tensor::ones(&[1, 4]);
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );

    let mut config = model.layer_config().unwrap();
    config.layers[0].layer.class_name = "Thrice".into();
    let err = Sequential::from_config(&config).err().unwrap();
    let message = err.to_string();
    assert!(
        matches!(err.root_cause(), Error::UnknownName { kind: "layer", .. }),
        "{err:?}"
    );
    assert!(
        message.contains("unknown layer `Thrice`; known layers: "),
        "{message}"
    );
    for known in ["Block", "Dense", "SoftLeak", "Twice", "Sequential"] {
        assert!(message.contains(known), "{known} in {message}");
    }
}

#[test]
fn a_lambda_is_never_loaded_from_a_file() {
    let named = Sequential::new().add(Lambda::new(|x| x * 2.0).registered_as("double"));
    let (_dir, path) = scratch("lambda.safetensors");
    named.save(&path).unwrap();
    let err = Sequential::load(&path).err().unwrap();
    assert!(
        err.to_string()
            .contains("a `Lambda`'s function is code, which is never read from a file"),
        "{err}"
    );
    // An unnamed closure cannot even be saved.
    let unnamed = Sequential::new().add(Lambda::new(|x| x * 2.0));
    let err = unnamed.save(&path).unwrap_err();
    assert!(matches!(err, Error::ModelFile { .. }), "{err:?}");
}

#[test]
fn model_checkpoint_saves_the_best_epochs_whole_or_their_weights() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let pattern = dir
        .path()
        .join("ckpt-{epoch:02d}-{val_loss:.3f}.safetensors");
    let mut model = custom_model(1);
    compile(&mut model);
    let checkpoint = ModelCheckpoint::new(pattern.to_str().unwrap()).save_best_only(true);
    let history = model
        .fit(
            &x,
            &y,
            FitOptions::new()
                .with_epochs(4)
                .batch_size(8)
                .validation_split(0.25)
                .verbose(0)
                .callback(checkpoint),
        )
        .unwrap();
    // One file per epoch that improved on the best val_loss so far.
    let val: Vec<f32> = history.history["val_loss"].clone();
    let mut best = f32::INFINITY;
    let mut expected = Vec::new();
    for (epoch, v) in val.iter().enumerate() {
        if *v < best {
            best = *v;
            expected.push(format!("ckpt-{:02}-{v:.3}.safetensors", epoch + 1));
        }
    }
    let mut found: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    found.sort();
    assert_eq!(found, expected);
    // The last one is the whole model, loadable with its optimizer.
    let last = Sequential::load(dir.path().join(expected.last().unwrap())).unwrap();
    assert!(last.optimizer_params().is_some());

    // Weights only, every epoch, to one file.
    let weights = dir.path().join("weights.safetensors");
    let mut model = custom_model(1);
    compile(&mut model);
    let checkpoint = ModelCheckpoint::new(weights.to_str().unwrap()).save_weights_only(true);
    model
        .fit(
            &x,
            &y,
            FitOptions::new()
                .with_epochs(2)
                .verbose(0)
                .callback(checkpoint),
        )
        .unwrap();
    let file = SavedWeights::read(&weights, LoadOptions::new()).unwrap();
    assert_eq!(file.metadata()["format"], "layers.weights");
    let mut copy = custom_model(5);
    copy.build([4]).unwrap();
    copy.load_weights(&weights).unwrap();
    assert_eq!(
        bits(&copy.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );

    // A monitor that is not logged is an error naming what is.
    let mut model = custom_model(1);
    compile(&mut model);
    let checkpoint = ModelCheckpoint::new(weights.to_str().unwrap()).save_best_only(true);
    let err = model
        .fit(&x, &y, FitOptions::new().verbose(0).callback(checkpoint))
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "monitor `val_loss` is not among the logs of epoch 1; the logs hold: loss, accuracy"
        ),
        "{err}"
    );
}

#[path = "models/hostile.rs"]
mod hostile;

#[test]
fn a_save_that_fails_leaves_the_previous_file_whole() {
    let (x, _) = data();
    let (dir, path) = scratch("model.safetensors");
    let model = trained_custom_model();
    model.save(&path).unwrap();
    // A model that cannot be written as data: refused before the file is touched.
    let unsaveable = Sequential::new().add(Lambda::new(|x| x * 2.0));
    assert!(matches!(
        unsaveable.save(&path),
        Err(Error::ModelFile { .. })
    ));
    // A directory that does not exist: refused with the path named.
    let err = model
        .save(dir.path().join("missing/model.safetensors"))
        .unwrap_err();
    assert!(
        err.to_string().contains("missing/model.safetensors"),
        "{err}"
    );
    // The first file is still there, whole, and no temporary file was left behind.
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn every_dense_family_builtin_round_trips_through_a_model_file() {
    let x = Tensor::from_vec((0..48).map(|i| (i % 5) as f32).collect(), &[2, 24]);
    let mut model = Sequential::new()
        .seed(4)
        .add(Embedding::new(5, 3))
        .add(Reshape::new(vec![6, 12]))
        .add(LayerNormalization::new())
        .add(Dense::new(4).activation("gelu").use_bias(false))
        .add(Flatten::new())
        .add(BatchNormalization::new().momentum(0.9))
        .add(Dropout::new(0.3))
        .add(Activation::from_name("elu").unwrap())
        .add(Dense::new(3).named("logits"))
        .add(Softmax::new())
        .add(LogSoftmax::new());
    model.build([24]).unwrap();
    let (_dir, path) = scratch("builtins.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
    assert_eq!(weight_state(&loaded), weight_state(&model));
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
    for class in [
        "Embedding",
        "Reshape",
        "LayerNormalization",
        "Flatten",
        "Softmax",
        "LogSoftmax",
    ] {
        assert!(registered_layers().contains(&class), "{class}");
    }
}
