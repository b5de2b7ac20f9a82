//! Masks into `Softmax` and `TimeDistributed`, and `Rescaling` by arrays, against real
//! Keras: masked softmax outputs and input gradients (a mask given in the call, and the
//! mask of `Embedding(mask_zero)` in a `Sequential` and in a derived sequential layer),
//! `TimeDistributed` of a `Dense`, of a layer of one's own that uses the mask and of an
//! `LSTM` (outputs, output masks, three SGD steps), and `Rescaling` by per-channel arrays
//! (outputs, input gradients, Keras's config).
//!
//! The expected values come from Keras 3.15.1 (JAX backend, NumPy, Python 3.11):
//! `KERAS_BACKEND=jax python3 tests/reference/keras_masks.py`, whose output is
//! `tests/reference/keras_masks.txt` (a name, a tab, the values).

use std::collections::HashMap;

use layers::autograd::check_gradients;
use layers::builtin::Coefficient;
use layers::layer::gradcheck::check_layer;
use layers::layer::pass_mask;
use layers::optim::Sgd;
use layers::prelude::*;

use crate::named::assert_close;

const TABLE: &str = include_str!("../reference/keras_masks.txt");

fn table() -> HashMap<&'static str, Vec<f32>> {
    crate::named::read(TABLE)
}

fn tensor(name: &str, shape: &[usize]) -> Tensor {
    Tensor::from_vec(table()[name].clone(), shape)
}

fn ids() -> Tensor {
    let ids = [1, 2, 0, 0, 3, 4, 5, 0, 5, 1, 2, 3];
    Tensor::from_vec(ids.iter().map(|&v| v as f32).collect(), &[3, 4])
}

#[test]
fn softmax_with_a_mask_in_the_call_matches_keras() {
    let cases: [(&str, isize, &[usize]); 3] = [
        ("sm_keys", -1, &[2, 1, 4]), // attention style: (batch, 1, keys)
        ("sm_full", -1, &[2, 3, 4]), // floats read as > 0.5, a row masked whole
        ("sm_axis1", 1, &[3, 4]),    // over axis 1, broadcast over the batch
    ];
    for (name, axis, mask_shape) in cases {
        let x = tensor(&format!("{name}.x"), &[2, 3, 4]).into_variable();
        let mask = tensor(&format!("{name}.mask"), mask_shape);
        let c = tensor(&format!("{name}.c"), &[2, 3, 4]);
        let y = Softmax::new().axis(axis).call_masked(&x, &mask).unwrap();
        assert_close(
            &format!("{name}.y"),
            &y.to_vec(),
            &table()[&*format!("{name}.y")],
        );
        let gx = (&y * &c).sum_all().backward().get(&x).unwrap().to_vec();
        assert_close(&format!("{name}.gx"), &gx, &table()[&*format!("{name}.gx")]);
    }
}

#[test]
fn masked_softmax_gradients_match_finite_differences() {
    for (name, axis, mask_shape) in [("sm_keys", -1, &[2, 1, 4][..]), ("sm_axis1", 1, &[3, 4])] {
        let x = tensor(&format!("{name}.x"), &[2, 3, 4]);
        let mask = tensor(&format!("{name}.mask"), mask_shape);
        let softmax = Softmax::new().axis(axis);
        let r = check_gradients(&[x], |v| softmax.call_masked(&v[0], &mask).unwrap(), 1e-2);
        assert!(r.worst() < 2e-3, "{name}: {r}");
    }
}

#[test]
fn softmax_refuses_masks_that_do_not_broadcast_as_keras_does() {
    let x = Tensor::zeros(&[2, 3, 4]);
    for (shape, says) in [
        (
            &[2, 3][..],
            "(2, 3) does not broadcast to the input (2, 3, 4)",
        ),
        (&[1, 2, 3, 4][..], "(1, 2, 3, 4) does not broadcast"),
        (&[2, 3, 2][..], "(2, 3, 2) does not broadcast"),
    ] {
        let err = Softmax::new()
            .call_masked(&x, &Tensor::ones(shape))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("layer `softmax` (Softmax)") && err.contains(says),
            "{err}"
        );
    }
    let nan = Tensor::from_vec(vec![1.0, f32::NAN, 1.0, 1.0], &[4]);
    let err = Softmax::new()
        .call_masked(&x, &nan)
        .unwrap_err()
        .to_string();
    assert!(err.contains("NaN at flat position 1"), "{err}");
}

/// `(batch, steps, features)` → `(batch, steps)`: the sum of the features, the mask passed
/// on (the script's `Score`, `supports_masking = True`).
#[derive(Layer)]
#[layer(masking = pass_mask)]
struct Score {}

impl Call for Score {
    fn call(&self, x: &Tensor) -> Tensor {
        x.sum(&[-1], false)
    }
}

fn pointer() -> Sequential {
    Sequential::new()
        .add(Embedding::new(6, 3).mask_zero(true))
        .add(Score::new())
        .add(Softmax::new())
}

#[test]
fn softmax_takes_the_mask_of_embedding_in_a_sequential_as_keras() {
    let mut model = pointer();
    model.build([4]).unwrap();
    model.set_weights(&[tensor("seq.emb", &[6, 3])]).unwrap();
    let (y, mask) = model.forward_masked(&ids(), None).unwrap();
    assert_close("seq.y", &y.to_vec(), &table()["seq.y"]);
    assert_eq!(mask.unwrap().to_vec(), table()["seq.mask"]); // passed on, as in Keras
    assert_close(
        "seq.predict",
        &model.predict(&ids()).unwrap().to_vec(),
        &table()["seq.y"],
    );

    // Straight after the embedding, the (batch, steps) mask does not fit the (batch,
    // steps, features) input: Keras raises, and so does this, naming the layer.
    let mut direct = Sequential::new()
        .add(Embedding::new(6, 3).mask_zero(true))
        .add(Softmax::new());
    let err = direct
        .build([4])
        .and_then(|_| direct.predict(&ids()).map(|_| ()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("softmax") && err.contains("does not broadcast"),
        "{err}"
    );
}

#[derive(Layer)]
#[layer(sequential)]
struct Pointer {
    #[layer(init = Embedding::new(6, 3).mask_zero(true))]
    embedding: Embedding,
    #[layer(default)]
    score: Score,
    #[layer(default)]
    softmax: Softmax,
}

#[test]
fn softmax_takes_the_mask_in_a_derived_sequential_layer() {
    let mut model = Model::new(Pointer::new());
    model.build([4]).unwrap();
    model.set_weights(&[tensor("seq.emb", &[6, 3])]).unwrap();
    let (y, mask) = model.forward_masked(&ids(), None).unwrap();
    assert_close("seq.y (derived)", &y.to_vec(), &table()["seq.y"]);
    assert_eq!(mask.unwrap().to_vec(), table()["seq.mask"]);
}

/// `x · kernel + bias`, times the mask: a layer of one's own that uses the mask (the
/// script's `MaskedDense`).
#[derive(Layer)]
#[layer(masking = Self::masked)]
struct MaskedDense {
    units: usize,
    #[weight(shape = [input[-1], units])]
    kernel: Weight,
    #[weight(shape = [units], init = "zeros")]
    bias: Weight,
}

impl Call for MaskedDense {
    fn call(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.kernel) + &self.bias
    }
}

impl MaskedDense {
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let y = self.forward(x)?;
        Ok(match mask {
            None => (y, None),
            Some(m) => (&y * &m.unsqueeze(-1), Some(m.clone())),
        })
    }
}

/// `Embedding(mask_zero)` → `TimeDistributed(inner)` from the script's weights: the
/// output and its mask, then three SGD steps (lr 0.1, MSE) compared with Keras's.
fn trains_as_keras(name: &str, inner: Box<dyn Layer>) {
    let t = table();
    let mut model = Sequential::new()
        .add(Embedding::new(6, 3).mask_zero(true))
        .add(TimeDistributed::new(inner));
    model.build([4]).unwrap();
    let weights = [
        tensor("seq.emb", &[6, 3]),
        tensor(&format!("{name}.kernel0"), &[3, 2]),
        tensor(&format!("{name}.bias0"), &[2]),
    ];
    model.set_weights(&weights).unwrap();
    let (y, mask) = model.forward_masked(&ids(), None).unwrap();
    assert_close(&format!("{name}.y"), &y.to_vec(), &t[&*format!("{name}.y")]);
    assert_eq!(mask.unwrap().to_vec(), t[&*format!("{name}.mask")]);
    let target = tensor(&format!("{name}.target"), &[3, 4, 2]);
    model
        .compile(Sgd::new().with_learning_rate(0.1), "mse", &[])
        .unwrap();
    let losses: Vec<f32> = (0..3)
        .map(|_| model.train_on_batch(&ids(), &target).unwrap()["loss"])
        .collect();
    assert_close(
        &format!("{name}.losses"),
        &losses,
        &t[&*format!("{name}.losses")],
    );
    let after = model.get_weights().unwrap();
    for (w, key) in after.iter().zip(["embeddings", "kernel", "bias"]) {
        let key = format!("{name}.{key}");
        assert_close(&key, &w.to_vec(), &t[&*key]);
    }
}

#[test]
fn time_distributed_dense_passes_the_mask_on_and_trains_as_keras() {
    // Keras's Dense takes no mask; the padding steps still leave the loss.
    trains_as_keras("td_dense", Box::new(Dense::new(2)));
}

#[test]
fn time_distributed_gives_each_step_its_mask_and_trains_as_keras() {
    // The inner layer zeroes its padding steps only if it got the mask (`td_inner.y`).
    trains_as_keras("td_inner", Box::new(MaskedDense::new(2)));
}

#[test]
fn time_distributed_lstm_gets_each_steps_mask_as_keras() {
    // (batch 2, steps 2, words 3): each step's (batch, words) mask goes to the LSTM.
    let ids3 = [1, 2, 0, 3, 0, 0, 0, 0, 0, 4, 5, 1];
    let ids3 = Tensor::from_vec(ids3.iter().map(|&v| v as f32).collect(), &[2, 2, 3]);
    let mut model = Sequential::new()
        .add(Embedding::new(6, 3).mask_zero(true))
        .add(TimeDistributed::new(Lstm::new(2)));
    model.build([2, 3]).unwrap();
    let weights = [
        tensor("seq.emb", &[6, 3]),
        tensor("td_lstm.kernel", &[3, 8]),
        tensor("td_lstm.recurrent", &[2, 8]),
        tensor("td_lstm.bias", &[8]),
    ];
    model.set_weights(&weights).unwrap();
    let (y, mask) = model.forward_masked(&ids3, None).unwrap();
    assert_close("td_lstm.y", &y.to_vec(), &table()["td_lstm.y"]);
    let mask = mask.unwrap();
    assert_eq!(mask.shape(), &[2, 2, 3]); // the mask that came in, as Keras's
    assert_eq!(mask.to_vec(), table()["td_lstm.mask"]);
}

#[test]
fn time_distributed_runs_a_layer_without_masks_unmasked_and_checks_the_mask() {
    // Keras passes no mask to a `call` without a `mask` argument (Flatten's).
    let td = TimeDistributed::new(Flatten::new());
    let x = Tensor::from_vec((0..24).map(|i| i as f32).collect(), &[2, 3, 2, 2]);
    let mask = Tensor::from_vec(vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0], &[2, 3]);
    let (y, out) = td.forward_masked(&x, Some(&mask)).unwrap();
    assert_eq!(y.to_vec(), td.try_apply(&x).unwrap().to_vec());
    assert_eq!(y.shape(), &[2, 3, 4]);
    assert_eq!(out.unwrap().to_vec(), mask.to_vec());
    // The same boxed, as a loaded model holds it.
    let boxed: TimeDistributed = TimeDistributed::new(Box::new(Flatten::new()));
    let (y_boxed, _) = boxed.forward_masked(&x, Some(&mask)).unwrap();
    assert_eq!(y_boxed.to_vec(), y.to_vec());

    // A mask whose (batch, steps) are not the input's: Keras raises, and so does this.
    let err = td
        .forward_masked(&x, Some(&Tensor::ones(&[2, 4])))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("TimeDistributed") && err.contains("(batch, steps) = (2, 3)"),
        "{err}"
    );
    let err = td
        .forward_masked(&x, Some(&Tensor::ones(&[2])))
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 2 axes"), "{err}");

    // An inner layer that fails with the mask for another reason keeps its error.
    let softmax = TimeDistributed::new(Softmax::new());
    let err = softmax
        .forward_masked(&Tensor::zeros(&[2, 3, 4]), Some(&Tensor::ones(&[2, 3])))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("(6,) does not broadcast to the input (6, 4)"),
        "{err}"
    );
}

#[test]
fn masked_time_distributed_models_save_and_load() {
    let dir = tempfile::tempdir().unwrap();
    let ids3 = Tensor::from_vec(
        vec![1., 2., 0., 3., 0., 0., 0., 0., 0., 4., 5., 1.],
        &[2, 2, 3],
    );
    let dense: Box<dyn Layer> = Box::new(Dense::new(2));
    let lstm: Box<dyn Layer> = Box::new(Lstm::new(2));
    for (file, inner, x) in [
        ("dense.safetensors", dense, ids()),
        ("lstm.safetensors", lstm, ids3),
    ] {
        let mut model = Sequential::new()
            .add(Embedding::new(6, 3).mask_zero(true))
            .add(TimeDistributed::new(inner));
        model.build(&x.shape()[1..]).unwrap();
        let path = dir.path().join(file);
        model.save(&path).unwrap();
        let loaded = Sequential::load(&path).unwrap();
        let (a, ma) = model.forward_masked(&x, None).unwrap();
        let (b, mb) = loaded.forward_masked(&x, None).unwrap();
        assert_eq!(a.to_vec(), b.to_vec(), "{file}");
        assert_eq!(ma.unwrap().to_vec(), mb.unwrap().to_vec(), "{file}");
    }
}

#[test]
fn rescaling_by_arrays_matches_keras_and_writes_keras_config() {
    let t = table();
    let offset = Tensor::from_vec(vec![1.0, 0.0, -1.5], &[3, 1]);
    let layer = Rescaling::new([0.5, 2.0, -1.0]).offset(&offset);
    let x = tensor("resc.x", &[2, 3, 3]).into_variable();
    let c = tensor("resc.c", &[2, 3, 3]);
    let y = layer.try_apply(&x).unwrap();
    assert_close("resc.y", &y.to_vec(), &t["resc.y"]);
    let gx = (&y * &c).sum_all().backward().get(&x).unwrap().to_vec();
    assert_close("resc.gx", &gx, &t["resc.gx"]);
    let r = check_layer(&layer, &tensor("resc.x", &[2, 3, 3]), 1e-2).unwrap();
    assert!(r.worst() < 1e-3, "{r}");

    // Keras's config, `__numpy__` arrays: written the same, and read back.
    let keras_line = TABLE
        .lines()
        .find_map(|l| l.strip_prefix("resc.config "))
        .unwrap();
    let keras: serde_json::Value = serde_json::from_str(keras_line).unwrap();
    let config = layer.config();
    assert_eq!(config["scale"], keras["scale"]);
    assert_eq!(config["offset"], keras["offset"]);
    let spec: LayerConfig =
        serde_json::from_value(serde_json::json!({"class_name": "Rescaling", "config": keras}))
            .unwrap();
    let read = Rescaling::from_config(&spec).unwrap();
    assert_eq!(read.scale.shape(), &[3]);
    assert_eq!(read.offset.values(), &[1.0, 0.0, -1.5]);
    // A Python list given to Keras is written as a list; it reads too, as do numbers.
    let spec: LayerConfig = serde_json::from_value(serde_json::json!({
        "class_name": "Rescaling", "config": {"scale": [0.5, 2.0], "offset": 0.25}
    }))
    .unwrap();
    let read = Rescaling::from_config(&spec).unwrap();
    assert_eq!(
        (read.scale.values(), read.offset.values()),
        (&[0.5, 2.0][..], &[0.25][..])
    );
    assert_eq!(
        Rescaling::new(0.5).config()["scale"],
        serde_json::json!(0.5)
    );
}

#[test]
fn rescaling_refuses_arrays_that_do_not_broadcast_and_nan_values() {
    let refused = |layer: Rescaling, says: &[&str]| {
        let mut model = Sequential::new().add(layer);
        let err = model.build([2, 3]).unwrap_err().to_string();
        for s in says {
            assert!(err.contains(s), "{s:?} in {err}");
        }
    };
    refused(
        Rescaling::new([1.0, 2.0]),
        &[
            "rescaling",
            "`scale` has shape (2,)",
            "the input (None, 2, 3)",
        ],
    );
    refused(
        Rescaling::new(1.0).offset(Tensor::ones(&[3, 3])),
        &["`offset` has shape (3, 3)", "(None, 2, 3)"],
    );
    refused(
        Rescaling::new(Tensor::ones(&[1, 1, 2, 3])),
        &["`scale` has shape (1, 1, 2, 3)", "more axes"],
    );
    refused(
        Rescaling::new([1.0, f32::NAN, 1.0]),
        &[
            "`scale` must be finite",
            "NaN at flat position 1 of its shape (3,)",
        ],
    );
    refused(
        Rescaling::new(1.0).offset([0.0, f32::INFINITY, 0.0]),
        &["`offset` must be finite", "inf"],
    );
    let spec: LayerConfig = serde_json::from_value(serde_json::json!({
        "class_name": "Rescaling", "config": {"scale": [[1.0], [2.0, 3.0]]}
    }))
    .unwrap();
    let err = Rescaling::from_config(&spec).unwrap_err().to_string();
    assert!(err.contains("scale") && err.contains("ragged"), "{err}");
    // A per-channel scale that fits builds, trains and round-trips through a file.
    let mut model = Sequential::new()
        .add(Rescaling::new(Coefficient::from([1.0, 10.0, 100.0])).offset([0.0, 1.0, 2.0]))
        .add(Dense::new(1));
    model.build([2, 3]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rescaling.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
    let x = Tensor::from_vec((0..12).map(|i| i as f32 / 12.0).collect(), &[2, 2, 3]);
    assert_eq!(
        loaded.predict(&x).unwrap().to_vec(),
        model.predict(&x).unwrap().to_vec()
    );
}
