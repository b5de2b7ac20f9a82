//! Where a save goes, as `std::fs::write` would have it: a read-only file is refused and
//! kept (checked as another user when the tests run as root, who may write any file), a
//! 253-byte file name works, and a symbolic link is followed and stays a link. And what a
//! model file must hold once training began: every trained weight's optimizer slots, so
//! that a file with some removed is refused instead of training on from zeroed moments.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use layers::optim::{Adam, Optimizer, RmsProp, Sgd};
use layers::prelude::*;
use layers::save::{LoadOptions, SavedWeights};

/// `Dense(3) → Dense(2)` for 4 features: weights `dense.kernel`, `dense.bias`,
/// `dense_1.kernel`, `dense_1.bias`.
fn model() -> Sequential {
    let mut model = Sequential::new()
        .seed(7)
        .add(Dense::new(3))
        .add(Dense::new(2));
    model.build([4]).unwrap();
    model
}

fn data() -> (Tensor, Tensor) {
    let x = Tensor::from_vec((0..32).map(|i| (i % 7) as f32 / 7.0).collect(), &[8, 4]);
    let y = Tensor::from_vec((0..16).map(|i| (i % 3) as f32 / 3.0).collect(), &[8, 2]);
    (x, y)
}

fn fit(model: &mut Sequential, epochs: usize) -> Vec<f32> {
    let (x, y) = data();
    let options = FitOptions::new()
        .with_epochs(epochs)
        .batch_size(4)
        .verbose(0);
    let history = model.fit(&x, &y, options).unwrap();
    history.history["loss"].clone()
}

/// [`model`] compiled with `optimizer` and trained for `epochs`.
fn trained(optimizer: impl Optimizer + 'static, epochs: usize) -> Sequential {
    let mut model = model();
    model.compile(optimizer, "mse", &[]).unwrap();
    fit(&mut model, epochs);
    model
}

fn bits(layer: &dyn Layer) -> Vec<Vec<u32>> {
    layer
        .get_weights()
        .unwrap()
        .iter()
        .map(|t| t.to_vec().iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The name of `test` in this binary, for `--exact`.
fn child_test(test: &str) -> String {
    let (_binary, module) = module_path!()
        .split_once("::")
        .expect("this file is a module of a test binary");
    format!("{module}::{test}")
}

const READ_ONLY_VAR: &str = "LAYERS_SAVE_EDGES_READ_ONLY";

/// The child of the read-only test: both saves over the file must be refused.
#[test]
fn read_only_child() {
    let Ok(path) = std::env::var(READ_ONLY_VAR) else {
        return; // an ordinary run: nothing to do
    };
    let model = trained(Adam::new(), 1);
    for err in [
        model.save_weights(&path).unwrap_err(),
        model.save(&path).unwrap_err(),
    ] {
        let Error::Io {
            path: named, cause, ..
        } = err.root_cause()
        else {
            panic!("expected Error::Io, got {err:?}");
        };
        assert_eq!(named, Path::new(&path), "{err}");
        assert_eq!(cause.kind(), ErrorKind::PermissionDenied, "{err}");
        assert!(
            err.to_string().contains("cannot be opened for writing"),
            "{err}"
        );
    }
    println!(
        "refused as uid {}",
        fs::metadata("/proc/self").unwrap().uid()
    );
}

#[test]
fn saving_over_a_read_only_file_is_refused_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    // Anyone may create files in the directory, as in a shared one: only the file's own
    // permissions stand in the way.
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let path = dir.path().join("model.safetensors");
    fs::write(&path, b"the previous model").unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    let mut exe = std::env::current_exe().unwrap();
    let root = fs::metadata(&path).unwrap().uid() == 0;
    // The test binary may sit where `nobody` cannot reach it (a checkout under /root): as
    // root, the child runs from a copy in a directory anyone may read.
    let exe_dir = tempfile::tempdir().unwrap();
    if root {
        fs::set_permissions(exe_dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let copy = exe_dir.path().join("child-test-binary");
        fs::copy(&exe, &copy).unwrap();
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o755)).unwrap();
        exe = copy;
    }
    let mut command = if root {
        // Root may write any file: the saves run as `nobody` (65534), as a user meets them.
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        command
    } else {
        Command::new(&exe)
    };
    let output = command
        .args([
            &child_test("read_only_child"),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(READ_ONLY_VAR, &path)
        .output()
        .expect("the child runs (as root, `setpriv` from util-linux must be installed)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let expected = if root {
        "refused as uid 65534".to_string()
    } else {
        "refused as uid".to_string()
    };
    assert!(stdout.contains(&expected), "{stdout}\n{stderr}");
    assert_eq!(fs::read(&path).unwrap(), b"the previous model");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(listing(dir.path()), ["model.safetensors"]);
}

#[test]
fn a_model_saves_and_loads_under_a_253_byte_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let name = format!("{}.safetensors", "m".repeat(241));
    assert_eq!(name.len(), 253);
    let path = dir.path().join(&name);
    let model = trained(Adam::new(), 1);
    model.save(&path).unwrap();
    model.save(&path).unwrap(); // over the file, too
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(bits(&loaded), bits(&model));
    let weights = dir.path().join(format!("{}.safetensors", "w".repeat(241)));
    model.save_weights(&weights).unwrap();
    let copy = model_with_seed(8);
    copy.load_weights(&weights).unwrap();
    assert_eq!(bits(&copy), bits(&model));
    assert_eq!(listing(dir.path()).len(), 2, "{:?}", listing(dir.path()));
}

fn model_with_seed(seed: u64) -> Sequential {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(3))
        .add(Dense::new(2));
    model.build([4]).unwrap();
    model
}

#[test]
fn saving_through_a_symbolic_link_updates_the_file_it_names() {
    let (links, real) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let target = real.path().join("run_3.safetensors");
    let link = links.path().join("latest.safetensors");
    symlink(&target, &link).unwrap();
    let first = trained(Adam::new(), 1);
    first.save(&link).unwrap(); // the link dangles: the file it names is made
    let second = trained(Adam::new(), 2);
    second.save(&link).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), target);
    assert_eq!(bits(&Sequential::load(&target).unwrap()), bits(&second));
    assert_eq!(bits(&Sequential::load(&link).unwrap()), bits(&second));
    assert_eq!(listing(links.path()), ["latest.safetensors"]);
    assert_eq!(listing(real.path()), ["run_3.safetensors"]);

    // The same for a weights file, through a relative link.
    let weights = real.path().join("weights.safetensors");
    symlink("weights.safetensors", real.path().join("w")).unwrap();
    first.save_weights(real.path().join("w")).unwrap();
    second.save_weights(real.path().join("w")).unwrap();
    assert!(
        fs::symlink_metadata(real.path().join("w"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let copy = model_with_seed(8);
    copy.load_weights(&weights).unwrap();
    assert_eq!(bits(&copy), bits(&second));
}

/// The model file at `path` written again to a new file with only the tensors `keep`
/// accepts, and `extra` ones added.
fn rewritten(
    path: &Path,
    keep: impl Fn(&str) -> bool,
    extra: Vec<(String, Tensor)>,
) -> (tempfile::TempDir, PathBuf) {
    let file = SavedWeights::read(path, LoadOptions::new()).unwrap();
    let metadata = file.metadata().clone();
    let mut tensors: Vec<(String, Tensor)> = file
        .into_tensors()
        .into_iter()
        .filter(|(name, _)| keep(name))
        .collect();
    tensors.extend(extra);
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("edited.safetensors");
    let mut out = SavedWeights::new(tensors).unwrap();
    for key in ["format", "config", "training"] {
        out = out.with_metadata(key, metadata[key].as_str());
    }
    out.write(&edited).unwrap();
    (dir, edited)
}

/// The message of the error loading `path`, which must name the file.
fn load_error(path: &Path) -> String {
    let err = Sequential::load(path)
        .err()
        .expect("the file must be refused");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("model file `{}`: ", path.display())),
        "{message}"
    );
    message
}

/// A trained model's file, in a new directory.
fn saved(model: &Sequential) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trained.safetensors");
    model.save(&path).unwrap();
    (dir, path)
}

#[test]
fn a_trained_model_file_missing_optimizer_slots_is_refused_naming_the_slot() {
    let (_dir, path) = saved(&trained(Adam::new(), 3));
    Sequential::load(&path).unwrap();

    // One weight's slots gone.
    let (_d, edited) = rewritten(
        &path,
        |n| !n.starts_with("optimizer/dense_1.kernel/"),
        vec![],
    );
    let message = load_error(&edited);
    assert!(
        message.contains(
            "slot `momentum` of weight `dense_1.kernel` is missing from the file (tensor \
             `optimizer/dense_1.kernel/momentum`): the optimizer took 6 steps, and `adam` keeps \
             the slots `momentum`, `velocity` for every weight it trains"
        ),
        "{message}"
    );

    // All the optimizer's state gone.
    let (_d, edited) = rewritten(&path, |n| !n.starts_with("optimizer/"), vec![]);
    let message = load_error(&edited);
    assert!(
        message.contains("slot `momentum` of weight `dense.kernel` is missing"),
        "{message}"
    );

    // One slot of one weight gone.
    let (_d, edited) = rewritten(&path, |n| n != "optimizer/dense.bias/velocity", vec![]);
    let message = load_error(&edited);
    assert!(
        message.contains("slot `velocity` of weight `dense.bias` is missing"),
        "{message}"
    );
}

#[test]
fn each_optimizer_must_have_the_slots_its_settings_keep() {
    // SGD with momentum keeps `momentum`; RMSprop, centred with momentum, three slots.
    let sgd = trained(Sgd::new().momentum(0.9), 2);
    let (_dir, path) = saved(&sgd);
    let (_d, edited) = rewritten(&path, |n| n != "optimizer/dense.kernel/momentum", vec![]);
    let message = load_error(&edited);
    assert!(
        message.contains("slot `momentum` of weight `dense.kernel` is missing"),
        "{message}"
    );

    let rms = trained(RmsProp::new().momentum(0.5).centered(true), 2);
    let (_dir, path) = saved(&rms);
    Sequential::load(&path).unwrap();
    let (_d, edited) = rewritten(
        &path,
        |n| n != "optimizer/dense_1.bias/average_gradient",
        vec![],
    );
    let message = load_error(&edited);
    assert!(
        message.contains("slot `average_gradient` of weight `dense_1.bias` is missing"),
        "{message}"
    );

    // Plain SGD keeps none: its trained file has no optimizer state and loads.
    let plain = trained(Sgd::new(), 2);
    let (_dir, path) = saved(&plain);
    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    assert!(
        file.tensors()
            .iter()
            .all(|(n, _)| !n.starts_with("optimizer/"))
    );
    assert_eq!(bits(&Sequential::load(&path).unwrap()), bits(&plain));
}

#[test]
fn a_model_saved_before_training_has_no_slots_and_loads() {
    let mut model = model();
    model.compile(Adam::new(), "mse", &[]).unwrap();
    let (_dir, path) = saved(&model);
    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    assert!(
        file.tensors()
            .iter()
            .all(|(n, _)| !n.starts_with("optimizer/"))
    );
    let mut loaded = Sequential::load(&path).unwrap();
    assert_eq!(fit(&mut loaded, 2), fit(&mut model, 2));
    assert_eq!(bits(&loaded), bits(&model));
}

#[test]
fn optimizer_state_the_optimizer_cannot_have_is_refused() {
    let (_dir, path) = saved(&trained(Adam::new(), 1));
    let slot = |name: &str| (name.to_string(), Tensor::zeros(&[4, 3]));
    let (_d, edited) = rewritten(&path, |_| true, vec![slot("optimizer/dense.kernel/bogus")]);
    let message = load_error(&edited);
    assert!(message.contains("has no slot `bogus`"), "{message}");
    let (_d, edited) = rewritten(
        &path,
        |_| true,
        vec![slot("optimizer/dense_9.kernel/momentum")],
    );
    let message = load_error(&edited);
    assert!(
        message.contains("the file holds tensor `optimizer/dense_9.kernel/momentum`"),
        "{message}"
    );

    // A moving mean is never trained, so no optimizer keeps state for it.
    let mut model = Sequential::new()
        .seed(3)
        .add(Dense::new(3))
        .add(BatchNormalization::new())
        .add(Dense::new(2));
    model.build([4]).unwrap();
    model.compile(Adam::new(), "mse", &[]).unwrap();
    fit(&mut model, 1);
    let (_dir, path) = saved(&model);
    let mean = "batch_normalization.moving_mean";
    // Both of Adam's slots, which `set_slots` alone would take.
    let extra = ["momentum", "velocity"]
        .map(|slot| (format!("optimizer/{mean}/{slot}"), Tensor::zeros(&[3])))
        .to_vec();
    let (_d, edited) = rewritten(&path, |_| true, extra);
    let message = load_error(&edited);
    assert!(
        message.contains(&format!(
            "the file holds tensor `optimizer/{mean}/momentum`, optimizer state of weight \
             `{mean}`, which is not trainable"
        )),
        "{message}"
    );
}

#[test]
fn a_layer_frozen_while_training_then_unfrozen_saves_its_fresh_slots_and_resumes_bit_for_bit() {
    frozen_then_unfrozen(Adam::new());
    frozen_then_unfrozen(RmsProp::new().momentum(0.5).centered(true));
    frozen_then_unfrozen(Sgd::new().momentum(0.9));
}

/// Trains with `dense` frozen, unfreezes it, saves, and checks that the loaded model trains
/// on exactly as the original does.
fn frozen_then_unfrozen(optimizer: impl Optimizer + 'static) {
    let mut model = model();
    model.layer_mut("dense").unwrap().set_trainable(false);
    model.compile(optimizer, "mse", &[]).unwrap();
    fit(&mut model, 2);
    model.layer_mut("dense").unwrap().set_trainable(true);
    let (_dir, path) = saved(&model);
    // Not updated yet, `dense`'s weights get the zeros their first update starts from.
    let file = SavedWeights::read(&path, LoadOptions::new()).unwrap();
    let names: Vec<&String> = file.tensors().iter().map(|(n, _)| n).collect();
    let fresh: Vec<&Tensor> = file
        .tensors()
        .iter()
        .filter(|(n, _)| n.starts_with("optimizer/dense."))
        .map(|(_, t)| t)
        .collect();
    assert!(fresh.len() >= 2, "{names:?}");
    for t in fresh {
        assert!(t.to_vec().iter().all(|v| v.to_bits() == 0), "{names:?}");
    }
    let mut loaded = Sequential::load(&path).unwrap();
    assert_eq!(fit(&mut loaded, 2), fit(&mut model, 2));
    assert_eq!(bits(&loaded), bits(&model));
}
