//! Saving and loading weights: round trips that predict bit for bit the same (a trained
//! digits model; a custom layer with batch normalization state and a frozen layer; a
//! statically checked model), the file as other tools see it, every misfit reported at once,
//! the all-or-nothing swap under a concurrent `predict`, and a save killed midway. Hostile
//! files are in `weights/hostile.rs`, randomly mutated files in `weights/mutation.rs`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use layers::activation::{Relu, Tanh};
use layers::data::Dataset;
use layers::error::{MismatchedWeight, WeightsMisfit};
use layers::loss::SparseCategoricalCrossentropy;
use layers::optim::Adam;
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};
use layers::typed::{Batch1, TypedTensor};

#[path = "weights/hostile.rs"]
mod hostile;
#[path = "weights/mutation.rs"]
mod mutation;

/// A path named `name` in a new temporary directory, removed when the guard is dropped.
pub(crate) fn scratch(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    (dir, path)
}

/// A file named `name` holding `bytes`, in a new temporary directory.
pub(crate) fn written(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path) = scratch(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// `Dense(2)` on 3 features: weights `dense.kernel` (3, 2) and `dense.bias` (2,).
pub(crate) fn dense_model(seed: u64) -> Sequential {
    let mut model = Sequential::new().seed(seed).add(Dense::new(2));
    model.build([3]).unwrap();
    model
}

/// The little-endian bytes of `values`, as safetensors stores `F32`.
pub(crate) fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A safetensors file from its JSON header (padded with spaces to 8 bytes, as the format's
/// writers do) and data.
pub(crate) fn raw_file(header: impl AsRef<[u8]>, data: &[u8]) -> Vec<u8> {
    let mut header = header.as_ref().to_vec();
    header.resize(header.len().next_multiple_of(8), b' ');
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(data);
    bytes
}

/// Every weight's values, in `all_weights` order.
pub(crate) fn weights_of(layer: &dyn Layer) -> Vec<Vec<f32>> {
    layer
        .get_weights()
        .unwrap()
        .iter()
        .map(Tensor::to_vec)
        .collect()
}

/// Every weight's bits, with its path: equal only when bit for bit the same.
fn bits_of(layer: &dyn Layer) -> Vec<(String, Vec<u32>)> {
    let paths = layer.all_weights().into_iter().map(|(p, _)| p);
    paths
        .zip(weights_of(layer))
        .map(|(p, v)| (p, v.iter().map(|x| x.to_bits()).collect()))
        .collect()
}

fn tensor_bits(t: &Tensor) -> Vec<u32> {
    t.to_vec().iter().map(|x| x.to_bits()).collect()
}

/// `Dense(hidden, tanh) → Dense(out)` on `inputs` features.
fn tanh_net(seed: u64, inputs: usize, hidden: usize, out: usize) -> Sequential {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(hidden).activation(Tanh))
        .add(Dense::new(out));
    model.build([inputs]).unwrap();
    model
}

#[test]
fn a_model_loaded_into_a_fresh_copy_predicts_bit_for_bit_the_same() {
    let (_dir, path) = scratch("model.safetensors");
    let net = |seed| tanh_net(seed, 5, 8, 3);
    let model = net(1);
    model.save_weights(&path).unwrap();
    let copy = net(2);
    assert_ne!(bits_of(&copy), bits_of(&model));
    copy.load_weights(&path).unwrap();
    assert_eq!(bits_of(&copy), bits_of(&model));
    let x = Tensor::from_vec((0..20).map(|i| i as f32 * 0.37 - 3.0).collect(), &[4, 5]);
    assert_eq!(
        tensor_bits(&copy.predict(&x).unwrap()),
        tensor_bits(&model.predict(&x).unwrap())
    );
}

#[test]
fn the_file_holds_one_f32_tensor_per_weight_named_by_its_path_with_metadata() {
    let (_dir, path) = scratch("model.safetensors");
    let mut model = Sequential::new()
        .add(Dense::new(4))
        .add(BatchNormalization::new())
        .add(Dense::new(2).use_bias(false));
    model.build([3]).unwrap();
    model.save_weights(&path).unwrap();

    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    let layout: Vec<(&str, &[usize])> = file
        .tensors()
        .iter()
        .map(|(n, t)| (n.as_str(), t.shape()))
        .collect();
    // Sorted by name, as the safetensors crate writes them.
    assert_eq!(
        layout,
        [
            ("batch_normalization.beta", &[4][..]),
            ("batch_normalization.gamma", &[4]),
            ("batch_normalization.moving_mean", &[4]),
            ("batch_normalization.moving_variance", &[4]),
            ("dense.bias", &[4]),
            ("dense.kernel", &[3, 4]),
            ("dense_1.kernel", &[4, 2]),
        ]
    );
    let metadata: Vec<(&str, &str)> = file
        .metadata()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        metadata,
        [
            ("format", "layers.weights"),
            ("format_version", "1"),
            ("layers_version", env!("CARGO_PKG_VERSION")),
        ]
    );
    // The header as JSON: every tensor is F32, and nothing but data is in it.
    let bytes = std::fs::read(&path).unwrap();
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + length]).unwrap();
    let header = header.as_object().unwrap();
    assert_eq!(header.len(), 8);
    for (name, entry) in header.iter().filter(|(n, _)| *n != "__metadata__") {
        assert_eq!(entry["dtype"], "F32", "{name}");
    }
    assert_eq!(
        bytes.len(),
        8 + length + 4 * (4 * 4 + 4 + 12 + 8),
        "the data holds exactly the values"
    );
}

#[test]
fn every_missing_unexpected_and_mismatched_weight_is_reported_in_one_error() {
    let (_dir, path) = scratch("model.safetensors");
    let mut saved = Sequential::new()
        .add(Dense::new(4))
        .add(Dense::new(2))
        .add(Dense::new(2).named("head"));
    saved.build([3]).unwrap();
    saved.save_weights(&path).unwrap();

    let mut other = Sequential::new()
        .add(Dense::new(5))
        .add(Dense::new(2))
        .add(Dense::new(1));
    other.build([3]).unwrap();
    let before = weights_of(&other);
    let err = other.load_weights(&path).unwrap_err();
    let mismatch = |path: &str, expected: &[usize], found: &[usize]| MismatchedWeight {
        path: path.into(),
        expected: expected.into(),
        found: found.into(),
    };
    assert_eq!(
        err,
        Error::WeightsMismatch {
            path: path.display().to_string(),
            layer: "sequential".into(),
            misfit: Box::new(WeightsMisfit {
                missing: vec!["dense_2.kernel".into(), "dense_2.bias".into()],
                unexpected: vec!["head.bias".into(), "head.kernel".into()],
                mismatched: vec![
                    mismatch("dense.kernel", &[3, 5], &[3, 4]),
                    mismatch("dense.bias", &[5], &[4]),
                    mismatch("dense_1.kernel", &[5, 2], &[4, 2]),
                ],
            }),
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "weights file `{}` does not fit `sequential`: 2 weights missing (dense_2.kernel, \
             dense_2.bias); 2 unexpected tensors (head.bias, head.kernel); 3 tensors of another \
             shape (dense.kernel is [3, 4] in the file, [3, 5] in the layer, dense.bias is [4] in \
             the file, [5] in the layer, dense_1.kernel is [4, 2] in the file, [5, 2] in the layer)",
            path.display()
        )
    );
    assert_eq!(weights_of(&other), before, "no weight changed");
}

#[test]
fn a_long_list_of_misfits_is_cut_short_in_the_message_but_whole_in_the_error() {
    let (_dir, path) = scratch("wide.safetensors");
    let mut wide = Sequential::new();
    for _ in 0..12 {
        wide.push(Dense::new(2)).unwrap();
    }
    wide.build([2]).unwrap();
    wide.save_weights(&path).unwrap();
    let err = dense_model(1).load_weights(&path).unwrap_err();
    let Error::WeightsMismatch { misfit, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(misfit.unexpected.len(), 22);
    assert!(err.to_string().contains(" and 12 more)"), "{err}");
}

#[test]
fn an_unbuilt_model_is_told_to_build_first() {
    let (_dir, path) = scratch("model.safetensors");
    dense_model(1).save_weights(&path).unwrap();
    let unbuilt = Sequential::new().add(Dense::new(2));
    let err = unbuilt.load_weights(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        "layer `sequential` is not built yet: call `build` with an input shape, or call it on data first"
    );
    let err = unbuilt.save_weights(&path).unwrap_err();
    assert!(matches!(err, Error::Unbuilt { .. }), "{err:?}");
    // The failed save left the earlier file in place.
    let model = dense_model(2);
    model.load_weights(&path).unwrap();
    assert_eq!(bits_of(&model), bits_of(&dense_model(1)));
}

/// A custom layer with its own weight and a batch normalization sublayer.
#[derive(Layer)]
struct NormedDense {
    units: usize,
    #[weight(shape = [input[-1], units], init = "glorot_uniform")]
    w: Weight,
    #[layer(default)]
    norm: BatchNormalization,
}

impl Call for NormedDense {
    fn call(&self, x: &Tensor) -> Tensor {
        self.norm.apply(&x.matmul(&self.w))
    }
}

fn normed_model(seed: u64) -> Sequential {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(6).named("frozen"))
        .add(NormedDense::new(5))
        .add(Relu)
        .add(Dense::new(3));
    model.build([4]).unwrap();
    model.layer_mut("frozen").unwrap().set_trainable(false);
    model
}

#[test]
fn a_custom_layer_with_batch_norm_state_and_a_frozen_layer_round_trips_exactly() {
    let x = Tensor::from_vec(
        (0..96).map(|i| ((i * 7) % 11) as f32 * 0.3 - 1.5).collect(),
        &[24, 4],
    );
    let y = Tensor::from_vec((0..24).map(|i| (i % 3) as f32).collect(), &[24]);
    let mut model = normed_model(1);
    let frozen_before = model.layer("frozen").unwrap().get_weights().unwrap()[0].to_vec();
    model
        .compile(
            Adam::new(),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &[],
        )
        .unwrap();
    model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(3).batch_size(8).verbose(0),
        )
        .unwrap();
    // Training moved the moving statistics and left the frozen layer alone.
    let weights = model.all_weights();
    let (_, moving_mean) = weights
        .iter()
        .find(|(p, _)| p == "normed_dense.norm.moving_mean")
        .unwrap();
    let moving_mean = moving_mean.value().to_vec();
    assert!(moving_mean.iter().any(|&m| m != 0.0));
    assert_eq!(
        model.layer("frozen").unwrap().get_weights().unwrap()[0].to_vec(),
        frozen_before
    );

    let (_dir, path) = scratch("normed.safetensors");
    model.save_weights(&path).unwrap();
    let copy = normed_model(2);
    copy.load_weights(&path).unwrap();
    assert_eq!(bits_of(&copy), bits_of(&model));
    assert_eq!(
        tensor_bits(&copy.predict(&x).unwrap()),
        tensor_bits(&model.predict(&x).unwrap())
    );
    // The file holds values, not the trainable flags: those belong to the architecture.
    assert!(!copy.layer("frozen").unwrap().is_trainable());
    assert_eq!(
        copy.trainable_weights().len(),
        model.trainable_weights().len()
    );
}

/// A statically checked model: its sizes are in its type.
#[derive(Layer)]
#[layer(sequential, input = [B, 6])]
struct StaticNet {
    /// 6 → 8 features, with its activation.
    #[layer(init = Dense::new(Const::<8>).activation(Relu))]
    hidden: Dense<Const<8>>,
    /// Given to `new`; its moving statistics are weights too.
    #[layer]
    norm: BatchNormalization,
    /// 8 → 3: the output width is in the type.
    #[layer(default)]
    out: Dense<Const<3>>,
}

#[test]
fn a_statically_checked_model_saves_and_loads_its_weights() {
    let (_dir, path) = scratch("static.safetensors");
    let mut model = Model::new(StaticNet::new(BatchNormalization::new())).seed(1);
    model.build([6]).unwrap();
    model.save_weights(&path).unwrap();
    let mut copy = Model::new(StaticNet::new(BatchNormalization::new())).seed(2);
    copy.build([6]).unwrap();
    copy.load_weights(&path).unwrap();
    assert_eq!(bits_of(&copy), bits_of(&model));

    let x = TypedTensor::<Batch1<6>>::new(Tensor::from_vec(
        (0..12).map(|i| i as f32 - 5.5).collect(),
        &[2, 6],
    ))
    .unwrap();
    let a: TypedTensor<(usize, Const<3>)> = model.predict(&x).unwrap();
    let b: TypedTensor<(usize, Const<3>)> = copy.predict(&x).unwrap();
    assert_eq!(tensor_bits(a.tensor()), tensor_bits(b.tensor()));
    let paths: Vec<String> = copy.all_weights().into_iter().map(|(p, _)| p).collect();
    let norm = [
        "norm.gamma",
        "norm.beta",
        "norm.moving_mean",
        "norm.moving_variance",
    ];
    assert_eq!(paths[..2], ["hidden.kernel", "hidden.bias"]);
    assert_eq!(paths[2..6], norm);
    assert_eq!(paths[6..], ["out.kernel", "out.bias"]);
}

fn digits_model(seed: u64) -> Sequential {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(32).activation(Relu))
        .add(Dense::new(10));
    model.build([64]).unwrap();
    model
        .compile(
            Adam::new().with_learning_rate(3e-3),
            SparseCategoricalCrossentropy::new().from_logits(true),
            &["accuracy"],
        )
        .unwrap();
    model
}

#[test]
fn a_trained_digits_model_loaded_into_a_new_model_predicts_identically() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");
    let digits = Dataset::load_csv(path).unwrap().scaled(1.0 / 16.0);
    let (train, test) = digits.stratified_split(0.2, 42).unwrap();
    let mut model = digits_model(42);
    model
        .fit(
            train.x(),
            train.y(),
            FitOptions::new().with_epochs(4).batch_size(32).verbose(0),
        )
        .unwrap();
    let accuracy = model.evaluate(test.x(), test.y(), 128).unwrap()["accuracy"];
    assert!(accuracy > 0.85, "trained: {accuracy}");

    let (_dir, file) = scratch("digits.safetensors");
    model.save_weights(&file).unwrap();
    let mut loaded = digits_model(7);
    loaded.load_weights(&file).unwrap();
    assert_eq!(
        tensor_bits(&loaded.predict(test.x()).unwrap()),
        tensor_bits(&model.predict(test.x()).unwrap())
    );
    let reloaded = loaded.evaluate(test.x(), test.y(), 128).unwrap()["accuracy"];
    assert_eq!(reloaded.to_bits(), accuracy.to_bits());
}

#[test]
fn a_predict_running_while_weights_load_sees_the_old_or_the_new_weights_never_a_mix() {
    let dir = tempfile::tempdir().unwrap();
    let net = |seed| tanh_net(seed, 16, 64, 4);
    let paths = [
        dir.path().join("a.safetensors"),
        dir.path().join("b.safetensors"),
    ];
    let x = Tensor::from_vec((0..64).map(|i| (i as f32).sin()).collect(), &[4, 16]);
    let mut expected = Vec::new();
    for (seed, path) in [1, 2].into_iter().zip(&paths) {
        let m = net(seed);
        m.save_weights(path).unwrap();
        expected.push(tensor_bits(&m.predict(&x).unwrap()));
    }
    let model = net(1);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..200 {
                model.load_weights(&paths[i % 2]).unwrap();
            }
        });
        for _ in 0..400 {
            let y = tensor_bits(&model.predict(&x).unwrap());
            assert!(y == expected[0] || y == expected[1], "a mix of two sets");
        }
    });
}

#[test]
fn a_layer_whose_weights_share_a_path_is_refused_before_writing() {
    struct Twins {
        a: Weight,
        b: Weight,
    }
    impl Layer for Twins {
        fn type_name(&self) -> &'static str {
            "Twins"
        }
        fn forward(&self, x: &Tensor) -> layers::Result<Tensor> {
            Ok(x * &self.a + &self.b)
        }
        fn weights(&self) -> Vec<&Weight> {
            vec![&self.a, &self.b]
        }
    }
    let twins = Twins {
        a: Weight::from_tensor("w", Tensor::ones(&[2])),
        b: Weight::from_tensor("w", Tensor::zeros(&[2])),
    };
    let (_dir, path) = scratch("twins.safetensors");
    let err = twins.save_weights(&path).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("layer `twins` (Twins): `save_weights`: two weights have the path `w`"),
        "{err}"
    );
    assert!(!path.exists());
}

/// Set in the child process of the kill test: the file it saves to, again and again.
const SAVER_VAR: &str = "LAYERS_WEIGHTS_SAVER";

/// About 2 MB of weights, so that a save takes long enough to be killed in the middle.
fn big_model(seed: u64) -> Sequential {
    let mut model = Sequential::new().seed(seed).add(Dense::new(512));
    model.build([1024]).unwrap();
    model
}

/// The child of the kill test: saves two models in turn to one file until it is killed.
#[test]
fn saver_child() {
    let Ok(path) = std::env::var(SAVER_VAR) else {
        return; // an ordinary run: nothing to do
    };
    let models = [big_model(1), big_model(2)];
    println!("saving");
    for i in 0.. {
        models[i % 2].save_weights(&path).unwrap();
    }
}

#[test]
fn a_save_killed_midway_leaves_the_previous_file_whole() {
    let (dir, path) = scratch("model.safetensors");
    let (a, b) = (big_model(1), big_model(2));
    let whole = [bits_of(&a), bits_of(&b)];
    a.save_weights(&path).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut killed_mid_write = 0;
    for round in 0..8u64 {
        let mut child = Command::new(&exe)
            .args([
                &child_test("saver_child"),
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(SAVER_VAR, &path)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        // The test harness prints its own text first, on the same line too.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.trim_end().ends_with("saving") {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the child stopped"
            );
        }
        std::thread::sleep(Duration::from_millis(30 + 23 * round));
        child.kill().unwrap();
        child.wait().unwrap();
        killed_mid_write += temp_files(dir.path());
        let loaded = big_model(3);
        loaded
            .load_weights(&path)
            .unwrap_or_else(|e| panic!("round {round}: the file is not whole: {e}"));
        assert!(whole.contains(&bits_of(&loaded)), "round {round}");
    }
    eprintln!(
        "a save was killed while writing its temporary file in {killed_mid_write} of 8 rounds"
    );
}

/// Removes the temporary files a killed save left behind and returns how many there were.
fn temp_files(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tmp") {
            std::fs::remove_file(path).unwrap();
            n += 1;
        }
    }
    n
}

/// `test`'s full name in this test binary (its module path, without the binary's name), for
/// `--exact`.
fn child_test(test: &str) -> String {
    let (_binary, module) = module_path!()
        .split_once("::")
        .expect("this file is a module of a test binary");
    format!("{module}::{test}")
}
