//! `Layer::takes_mask`: each kind of layer says whether it takes Keras's mask, and says it
//! truly (a layer that says no refuses a mask as itself; one that says yes runs with it),
//! and `TimeDistributed` asks it: over each kind of inner layer it does what Keras 3 does
//! (hands `mask[:, t]` to an inner `call` with a `mask` argument, runs any other without).
//!
//! The expected values come from Keras 3.15.1 (JAX backend, NumPy, Python 3.11):
//! `KERAS_BACKEND=jax python3 tests/reference/keras_takes_mask.py`, whose output is
//! `tests/reference/keras_takes_mask.txt` (a name, a tab, the values).

use std::collections::HashMap;

use layers::activation::Relu;
use layers::builtin::{GlobalAveragePooling1D, Masking};
use layers::prelude::*;

use crate::named::assert_close;

const TABLE: &str = include_str!("../reference/keras_takes_mask.txt");

fn table() -> HashMap<&'static str, Vec<f32>> {
    crate::named::read(TABLE)
}

/// A layer of one's own without `masking`: it refuses a mask.
#[derive(Layer)]
struct Plain {
    factor: f32,
}

impl Call for Plain {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

/// A layer of one's own with `masking`: it zeroes the masked steps and passes the mask on.
#[derive(Layer)]
#[layer(masking = Self::masked)]
struct ZeroMasked {
    factor: f32,
}

impl Call for ZeroMasked {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

impl ZeroMasked {
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let y = self.forward(x)?;
        Ok(match mask {
            None => (y, None),
            Some(m) => (&y * &m.unsqueeze(-1), Some(m.clone())),
        })
    }
}

/// A layer of one's own that takes a mask only when `uses_mask` is set, and says so with
/// `takes_mask`; otherwise it refuses one with the library's own words.
#[derive(Layer)]
#[layer(masking = Self::masked, takes_mask = |layer| layer.uses_mask)]
struct Switched {
    factor: f32,
    #[config(default = true)]
    uses_mask: bool,
}

impl Call for Switched {
    fn call(&self, x: &Tensor) -> Tensor {
        x * self.factor
    }
}

impl Switched {
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        if mask.is_some() && !self.uses_mask {
            return Err(Error::InvalidArgument {
                op: "mask",
                message: "a Switched does not take a mask unless `uses_mask`".into(),
            });
        }
        let y = self.forward(x)?;
        Ok(match mask {
            None => (y, None),
            Some(m) => (&y * &m.unsqueeze(-1), Some(m.clone())),
        })
    }
}

/// A sequential layer of one's own: it carries the mask from field to field.
#[derive(Layer)]
#[layer(sequential)]
struct Stack {
    #[layer(init = Dense::new(2))]
    dense: Dense,
    #[layer(default)]
    flatten: Flatten,
}

/// Asserts that `layer` says `takes` and that its `forward_masked` on `(2, 3, 4)` values
/// with a `(2, 3)` mask agrees: see [`says_on`].
fn says(what: &str, layer: &dyn Layer, takes: bool) {
    let x = Tensor::from_vec(
        (0..24).map(|i| (i as f32 * 0.3).sin()).collect(),
        &[2, 3, 4],
    );
    says_on(what, layer, takes, &x);
}

/// Asserts that `layer` says `takes` and that its `forward_masked` on `x` with a mask of
/// `x`'s first two axes agrees: it runs when the layer says it takes a mask, and refuses the
/// mask as this layer (its own error, not one wrapped by a sublayer) when it says not.
fn says_on(what: &str, layer: &dyn Layer, takes: bool, x: &Tensor) {
    assert_eq!(layer.takes_mask(), takes, "{what}: takes_mask");
    let mask = Tensor::from_vec(vec![1.0, 1.0, 0.0, 1.0, 0.0, 0.0], &[2, 3]);
    let run = layer.forward_masked(x, Some(&mask));
    if takes {
        assert!(run.is_ok(), "{what}: {}", run.unwrap_err());
    } else {
        let err = run.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument { op: "mask", .. }),
            "{what}: {err}"
        );
        assert!(
            err.to_string().contains("does not take a mask"),
            "{what}: {err}"
        );
    }
}

#[test]
fn built_in_layers_say_whether_they_take_a_mask() {
    // Use it, pass it on, or make their own.
    says("LSTM", &Lstm::new(2), true);
    says("GRU", &Gru::new(2), true);
    says("SimpleRNN", &SimpleRnn::new(2), true);
    says(
        "Bidirectional",
        &Bidirectional::wrap(Lstm::new(2)).unwrap(),
        true,
    );
    // Softmax's mask broadcasts from the last axis: scores over the steps, (batch, steps).
    let scores = Tensor::from_vec((0..6).map(|i| i as f32).collect(), &[2, 3]);
    says_on("Softmax", &Softmax::new(), true, &scores);
    says("Dense", &Dense::new(2), true);
    says("Dropout", &Dropout::new(0.5), true);
    says("Activation", &Activation::from("relu"), true);
    says("ReLU", &ReLU::new(), true);
    says("Masking", &Masking::new(0.0), true);
    says("BatchNormalization", &BatchNormalization::new(), true);
    says(
        "GlobalAveragePooling1D",
        &GlobalAveragePooling1D::new(),
        true,
    );
    // Embedding reads ids: (batch 2, 3 steps) of them; with `mask_zero` a mask coming in is
    // replaced by its own.
    let ids = Tensor::from_vec(vec![1.0, 2.0, 0.0, 3.0, 0.0, 0.0], &[2, 3]);
    says_on(
        "Embedding(mask_zero)",
        &Embedding::new(8, 2).mask_zero(true),
        true,
        &ids,
    );
    // Refuse it.
    says("Flatten", &Flatten::new(), false);
    says("Reshape", &Reshape::new(vec![12]), false);
    says_on("Embedding", &Embedding::new(8, 2), false, &ids);
    says("Lambda", &Lambda::new(|x| x * 2.0), false);
    says("relu (an #[activation])", &Relu, false);
}

#[test]
fn derived_layers_say_what_their_masking_attribute_says() {
    says("no `masking`", &Plain::new(2.0), false);
    says("`masking`", &ZeroMasked::new(2.0), true);
    says("`takes_mask` true", &Switched::new(2.0), true);
    says(
        "`takes_mask` false",
        &Switched::new(2.0).uses_mask(false),
        false,
    );
    // A sequential layer hands the mask to its first field; Dense passes it on to Flatten,
    // which refuses it, as a field (not as the `Stack`).
    let stack = Stack::new();
    assert!(stack.takes_mask());
    let err = stack
        .forward_masked(&Tensor::ones(&[2, 3, 4]), Some(&Tensor::ones(&[2, 3])))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("layer `flatten` (Flatten): "), "{err}");
}

#[test]
fn sequential_and_wrappers_say_it_for_what_they_hold() {
    // A Sequential takes a mask whatever it holds: it hands it to its first layer.
    assert!(Sequential::new().add(Flatten::new()).takes_mask());
    says(
        "Sequential[Dense]",
        &Sequential::new().add(Dense::new(2)),
        true,
    );
    // Named, Box and Model answer for their layer.
    says("Named(LSTM)", &Lstm::new(2).named("l"), true);
    says("Named(Flatten)", &Flatten::new().named("f"), false);
    let boxed: Box<dyn Layer> = Box::new(Lstm::new(2));
    says("Box(LSTM)", &boxed, true);
    let boxed: Box<dyn Layer> = Box::new(Flatten::new());
    says("Box(Flatten)", &boxed, false);
    says("Model(ZeroMasked)", &Model::new(ZeroMasked::new(1.0)), true);
    says("Model(Plain)", &Model::new(Plain::new(1.0)), false);
    // TimeDistributed and Bidirectional take one whatever they hold (TimeDistributed runs
    // an inner layer that does not without it).
    let td = TimeDistributed::new(Flatten::new());
    assert!(td.takes_mask());
    assert!(TimeDistributed::new(Lstm::new(2)).takes_mask());
    assert!(Bidirectional::wrap(Gru::new(2)).unwrap().takes_mask());
    // Containers of layers refuse it, as their `forward_masked` does.
    says("Option(LSTM)", &Some(Lstm::new(2)), false);
    says("Vec[Dense]", &vec![Dense::new(2)], false);
}

/// `(batch 2, steps 2, words 3, features 4)` and its `(2, 2, 3)` mask, from the script.
fn x_and_mask() -> (Tensor, Tensor) {
    let t = table();
    (
        Tensor::from_vec(t["x"].clone(), &[2, 2, 3, 4]),
        Tensor::from_vec(t["mask"].clone(), &[2, 2, 3]),
    )
}

fn lstm_weights(name: &str) -> Vec<Tensor> {
    let t = table();
    vec![
        Tensor::from_vec(t[&*format!("{name}.kernel")].clone(), &[4, 8]),
        Tensor::from_vec(t[&*format!("{name}.recurrent")].clone(), &[2, 8]),
        Tensor::from_vec(t[&*format!("{name}.bias")].clone(), &[8]),
    ]
}

#[test]
fn time_distributed_runs_an_embedding_without_mask_zero_unmasked_as_keras() {
    // Keras's `Embedding.call` has no `mask` argument (`emb.has_mask_arg` is 0): it gets
    // none, and each id is looked up. Before `takes_mask`, the refusal's text (naming
    // "Embedding without `mask_zero`") was not the one looked for, and this was an error.
    let t = table();
    assert_eq!(t["emb.has_mask_arg"], [0.0]);
    let (_, mask) = x_and_mask();
    let mut td = TimeDistributed::new(Embedding::new(5, 2));
    td.build([2, 3]).unwrap();
    td.layer
        .embeddings
        .set_value(Tensor::from_vec(t["emb.embeddings"].clone(), &[5, 2]))
        .unwrap();
    let ids = Tensor::from_vec(t["emb.ids"].clone(), &[2, 2, 3]);
    let (y, out) = td.forward_masked(&ids, Some(&mask)).unwrap();
    assert_eq!(y.shape(), &[2, 2, 3, 2]);
    assert_close("emb.y", &y.to_vec(), &t["emb.y"]);
    assert_eq!(out.unwrap().to_vec(), mask.to_vec());
}

#[test]
fn time_distributed_hands_the_mask_to_a_sequential_as_keras() {
    let t = table();
    assert_eq!(t["seq.has_mask_arg"], [1.0]);
    let (x, mask) = x_and_mask();
    let mut td = TimeDistributed::new(Sequential::new().add(Lstm::new(2)));
    td.build([2, 3, 4]).unwrap();
    td.set_weights(&lstm_weights("seq")).unwrap();
    let (y, out) = td.forward_masked(&x, Some(&mask)).unwrap();
    assert_close("seq.y", &y.to_vec(), &t["seq.y"]);
    assert_eq!(out.unwrap().to_vec(), mask.to_vec());
    // The mask mattered: unmasked, the numbers are Keras's unmasked ones.
    let unmasked = td.try_apply(&x).unwrap();
    assert_close("seq.y_unmasked", &unmasked.to_vec(), &t["seq.y_unmasked"]);
    assert_ne!(unmasked.to_vec(), y.to_vec());
}

#[test]
fn time_distributed_hands_the_mask_to_a_bidirectional_as_keras() {
    let t = table();
    assert_eq!(t["bi.has_mask_arg"], [1.0]);
    let (x, mask) = x_and_mask();
    let mut td = TimeDistributed::new(Bidirectional::wrap(Lstm::new(2)).unwrap());
    td.build([2, 3, 4]).unwrap();
    let mut weights = lstm_weights("bi.forward");
    weights.extend(lstm_weights("bi.backward"));
    td.set_weights(&weights).unwrap();
    let (y, _) = td.forward_masked(&x, Some(&mask)).unwrap();
    assert_eq!(y.shape(), &[2, 2, 4]);
    assert_close("bi.y", &y.to_vec(), &t["bi.y"]);
}

#[test]
fn time_distributed_over_layers_of_ones_own_asks_them() {
    // (batch 1, steps 2, words 3, features 1) of ones; a word masked in each step.
    let x = Tensor::ones(&[1, 2, 3, 1]);
    let mask = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.0, 1.0, 1.0], &[1, 2, 3]);
    let masked_out = vec![2.0, 0.0, 2.0, 0.0, 2.0, 2.0];
    let run = |layer: Box<dyn Layer>| {
        let td: TimeDistributed = TimeDistributed::new(layer);
        let (y, out) = td.forward_masked(&x, Some(&mask)).unwrap();
        assert_eq!(out.unwrap().to_vec(), mask.to_vec());
        y.to_vec()
    };
    // One that takes the mask gets each step's part of it: the masked words are zeroed.
    assert_eq!(run(Box::new(ZeroMasked::new(2.0))), masked_out);
    assert_eq!(run(Box::new(Switched::new(2.0))), masked_out);
    // One that refuses it runs without it, as Keras runs a `call` without `mask`.
    assert_eq!(run(Box::new(Plain::new(2.0))), vec![2.0; 6]);
    assert_eq!(
        run(Box::new(Switched::new(2.0).uses_mask(false))),
        vec![2.0; 6]
    );
}
