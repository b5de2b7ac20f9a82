//! `MultiHeadAttention` with Keras's masks and as cross-attention, against real Keras.
//!
//! The expected values were produced by Keras 3.15.1 itself (JAX 0.10.2 backend) with
//! `KERAS_BACKEND=jax python3 tests/reference/keras_attention_mask.py >
//! tests/reference/keras_attention_mask.txt`: each case's output, attention scores (where
//! returned) and the gradients (JAX's autodiff through Keras's own layer) of
//! `Σ y·c + Σ scores·c_s` for the query, value and key and every weight in Keras's order;
//! and `BatchNormalization` given a mask (Keras's masked moments in training).
//! Each call here, given the same weights, must agree to 1e-4 relative (to
//! `max(1, |expected|)`). Then finite differences, a masked text classifier that trains,
//! save/load, and the refusals.

use std::collections::BTreeMap;

use layers::check_gradients;
use layers::layer::context::with_context;
use layers::prelude::*;

use crate::table::{self, Array, Fields};

fn table() -> BTreeMap<&'static str, Fields> {
    table::read(include_str!("../reference/keras_attention_mask.txt"))
}

/// The layer of each case, as the script made it.
fn layer_for(case: &str) -> MultiHeadAttention {
    match case {
        "self_masked" => MultiHeadAttention::new(2, 3),
        "self_masked_causal" | "self_masked_scores" => {
            MultiHeadAttention::new(2, 3).use_causal_mask(true)
        }
        "cross_plain" => MultiHeadAttention::new(2, 3).output_shape(4),
        "cross_masked" => MultiHeadAttention::new(3, 2).value_dim(4),
        "cross_all_masks" => MultiHeadAttention::new(2, 3)
            .use_bias(false)
            .use_causal_mask(true),
        "cross_all_masks_fused" => MultiHeadAttention::new(2, 3).use_causal_mask(true),
        other => panic!("no layer for case {other}"),
    }
}

/// The case's call: the self-attention cases without scores as a model runs the layer
/// (`forward_masked` with the query's mask), every other one through `attention`. Returns
/// the output, and the scores when the case has them.
fn call(mha: &MultiHeadAttention, f: &Fields, inputs: &[Tensor]) -> Result<Vec<Tensor>> {
    let mask = |name: &str| f.get(name).map(Array::tensor);
    let (qm, vm, km, am) = (mask("qm"), mask("vm"), mask("km"), mask("am"));
    let query = &inputs[0];
    let value = inputs.get(1).unwrap_or(query);
    if inputs.len() == 1 && !f.contains_key("s") {
        let (y, passed) = mha.forward_masked(query, qm.as_ref())?;
        assert_eq!(
            passed.map(|m| m.to_vec()),
            qm.as_ref().map(Tensor::to_vec),
            "the query's mask goes on"
        );
        return Ok(vec![y]);
    }
    let mut call = mha.attention(query, value);
    if let Some(k) = inputs.get(2) {
        call = call.key(k);
    }
    if let Some(m) = &qm {
        call = call.query_mask(m);
        if inputs.len() == 1 {
            call = call.value_mask(m); // `mha(x, x)` on a masked `x`
        }
    }
    for (m, set) in [
        (&vm, AttentionCall::value_mask as fn(_, _) -> _),
        (&km, AttentionCall::key_mask),
        (&am, AttentionCall::attention_mask),
    ] {
        if let Some(m) = m {
            call = set(call, m);
        }
    }
    if f.contains_key("s") {
        let (y, s) = call.run_with_scores()?;
        Ok(vec![y, s])
    } else {
        Ok(vec![call.run()?])
    }
}

fn check_case(name: &str, f: &Fields) -> Result<Vec<String>> {
    let mha = layer_for(name);
    let inputs: Vec<Tensor> = ["q", "v", "k"]
        .iter()
        .filter_map(|n| f.get(n))
        .map(|a| a.tensor().into_variable())
        .collect();
    call(&mha, f, &inputs)?; // builds
    let weights = mha.all_weights();
    let expected: Vec<&Array> = (0..)
        .map_while(|i| f.get(format!("w{i}").as_str()))
        .collect();
    assert_eq!(weights.len(), expected.len(), "{name}: weight count");
    for ((path, w), value) in weights.iter().zip(&expected) {
        assert_eq!(w.shape().unwrap(), value.shape, "{name}: `{path}`");
        w.set_value(value.tensor())?;
    }
    let outputs = call(&mha, f, &inputs)?;
    let mut problems = table::compare(&format!("{name} y"), &outputs[0], &f["y"]);
    let mut total = (&outputs[0] * f["c"].tensor()).sum_all();
    if let Some(s) = outputs.get(1) {
        problems.extend(table::compare(&format!("{name} scores"), s, &f["s"]));
        total = total + (s * f["cs"].tensor()).sum_all();
    }
    let grads = total.backward();
    for (input, field) in inputs.iter().zip(["gq", "gv", "gk"]) {
        let g = grads.get(input).expect("every input has a gradient");
        problems.extend(table::compare(&format!("{name} {field}"), g, &f[field]));
    }
    for (i, (path, w)) in mha.all_weights().iter().enumerate() {
        let g = w.grad(&grads).expect("every weight has a gradient");
        problems.extend(table::compare(
            &format!("{name} {path}"),
            g,
            &f[format!("gw{i}").as_str()],
        ));
    }
    Ok(problems)
}

#[test]
fn masked_and_cross_attention_match_keras() -> Result<()> {
    let table = table();
    let cases: Vec<_> = table
        .iter()
        .filter(|(name, _)| !name.starts_with("batchnorm"))
        .collect();
    assert_eq!(cases.len(), 7, "attention cases in the table");
    let mut problems = Vec::new();
    for (name, fields) in cases {
        problems.extend(check_case(name, fields)?);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

/// The self-attention cases through the explicit call agree with the model's masked pass,
/// and a fully masked query comes out of it as Keras's fused path gives it: equal weights
/// over all the keys; with scores, all-zero weights (the output bias alone).
#[test]
fn fully_masked_queries_are_as_keras_gives_them() -> Result<()> {
    let f = &table()["self_masked_causal"];
    let mha = layer_for("self_masked_causal");
    let (x, mask) = (f["q"].tensor(), f["qm"].tensor());
    let (y, _) = mha.forward_masked(&x, Some(&mask))?;
    let explicit = mha
        .attention(&x, &x)
        .query_mask(&mask)
        .value_mask(&mask)
        .run()?;
    assert_eq!(y.to_vec(), explicit.to_vec());
    // Sample 1's first step is masked: it sees no key. Fused, it attends to all 4 evenly.
    let (with_scores, scores) = mha
        .attention(&x, &x)
        .query_mask(&mask)
        .value_mask(&mask)
        .run_with_scores()?;
    let s = scores.to_vec();
    assert_eq!(s[32..36], [0.0; 4], "sample 1, head 0, query 0");
    let bias = mha.attention_output.bias.value().to_vec();
    assert_eq!(with_scores.to_vec()[24..30], bias[..]);
    // Fused, it attends to all 4 keys evenly, as the table's `self_masked_causal` y (from
    // Keras) says: its output is not the bias alone.
    assert_ne!(y.to_vec()[24..30], bias[..]);
    Ok(())
}

#[test]
fn cross_attention_gradients_match_finite_differences() {
    let f = &table()["cross_all_masks_fused"];
    let (qm, vm, km) = (f["qm"].tensor(), f["vm"].tensor(), f["km"].tensor());
    let inputs = [f["q"].tensor(), f["v"].tensor(), f["k"].tensor()];
    for scores in [false, true] {
        let mha = MultiHeadAttention::new(2, 3).value_dim(2);
        let run = |v: &[Tensor]| {
            let call = mha
                .attention(&v[0], &v[1])
                .key(&v[2])
                .query_mask(&qm)
                .value_mask(&vm)
                .key_mask(&km);
            if scores {
                let (y, s) = call.run_with_scores().unwrap();
                Tensor::concat(&[y.reshape(&[y.len()]), s.reshape(&[s.len()])], 0)
            } else {
                call.run().unwrap()
            }
        };
        run(&inputs); // builds
        let report = check_gradients(&inputs, run, 1e-2);
        assert!(report.worst() < 1e-2, "scores {scores}:\n{report}");
    }
}

/// Ids with 0 as padding: 6 sentences of 2 to 5 words, padded to 6; the class is whether
/// word 1 occurs.
fn sentences() -> (Tensor, Tensor) {
    let mut ids = Vec::new();
    let mut labels = Vec::new();
    for i in 0..12 {
        let len = 2 + i % 4;
        let words: Vec<f32> = (0..6)
            .map(|t| {
                if t < len {
                    (1 + (i * 3 + t * 5) % 7) as f32
                } else {
                    0.0
                }
            })
            .collect();
        labels.push(f32::from(words.contains(&1.0)));
        ids.extend(words);
    }
    (
        Tensor::from_vec(ids, &[12, 6]),
        Tensor::from_vec(labels, &[12]),
    )
}

fn assert_close(a: &Tensor, b: &Tensor) {
    let close = a
        .to_vec()
        .iter()
        .zip(b.to_vec())
        .all(|(x, y)| (x - y).abs() < 1e-6);
    assert!(close, "{:?} {:?}", a.to_vec(), b.to_vec());
}

fn classifier(seed: u64, causal: bool) -> Sequential {
    Sequential::new()
        .seed(seed)
        .add(Embedding::new(8, 4).mask_zero(true))
        .add(MultiHeadAttention::new(2, 3).use_causal_mask(causal))
        .add(LayerNormalization::new())
        .add(GlobalAveragePooling1D::new())
        .add(Dense::new(2).activation("softmax"))
}

#[test]
fn a_masked_text_classifier_trains_and_its_padding_changes_nothing() -> Result<()> {
    let (ids, labels) = sentences();
    for causal in [false, true] {
        let mut model = classifier(3, causal);
        model.compile("adam", "sparse_categorical_crossentropy", &[])?;
        let options = FitOptions::new().with_epochs(8).batch_size(4).verbose(0);
        let history = model.fit(&ids, &labels, options)?;
        let losses = &history.history["loss"];
        assert!(losses.iter().all(|l| l.is_finite()), "{losses:?}");
        assert!(losses[7] < losses[0], "{losses:?}");
        // The first sentence, 2 words, with 4 steps of padding, then with none: the same
        // prediction (the padding is neither attended to nor averaged).
        let padded = model.predict(&ids.narrow(0, 0, 1))?;
        let mut short = classifier(3, causal);
        short.build([2])?;
        short.set_weights(&model.get_weights()?)?;
        let trimmed = short.predict(&ids.narrow(0, 0, 1).narrow(1, 0, 2))?;
        assert_close(&padded, &trimmed);
        // Without the mask, the padding does count.
        let mut unmasked = Sequential::new()
            .add(Embedding::new(8, 4))
            .add(MultiHeadAttention::new(2, 3).use_causal_mask(causal))
            .add(LayerNormalization::new())
            .add(GlobalAveragePooling1D::new())
            .add(Dense::new(2).activation("softmax"));
        unmasked.build([6])?;
        unmasked.set_weights(&model.get_weights()?)?;
        let unmasked = unmasked.predict(&ids.narrow(0, 0, 1))?;
        assert!((unmasked.to_vec()[0] - padded.to_vec()[0]).abs() > 1e-6);
    }
    Ok(())
}

/// A text classifier of the user's own: the mask made by the embedding taken through the
/// attention and the pooling by hand.
#[derive(Layer)]
struct TextClassifier {
    #[layer(init = Embedding::new(8, 4).mask_zero(true))]
    embed: Embedding,
    #[layer(init = MultiHeadAttention::new(2, 3))]
    attend: MultiHeadAttention,
    #[layer(init = GlobalAveragePooling1D::new())]
    pool: GlobalAveragePooling1D,
}

impl TryCall for TextClassifier {
    fn try_call(&self, ids: &Tensor) -> Result<Tensor> {
        let (x, mask) = self.embed.forward_masked(ids, None)?;
        let (x, mask) = self.attend.forward_masked(&x, mask.as_ref())?;
        Ok(self.pool.forward_masked(&x, mask.as_ref())?.0)
    }
}

layers::register_layer!(TextClassifier);

#[test]
fn a_model_with_masked_attention_saves_and_loads() -> Result<()> {
    let (ids, labels) = sentences();
    let mut model = Sequential::new()
        .seed(6)
        .add(TextClassifier::new())
        .add(Dense::new(2).activation("softmax"));
    model.compile("adam", "sparse_categorical_crossentropy", &[])?;
    model.fit(&ids, &labels, FitOptions::new().with_epochs(2).verbose(0))?;
    let padded = model.predict(&ids.narrow(0, 0, 1))?;
    let mut short = Sequential::new()
        .add(TextClassifier::new())
        .add(Dense::new(2).activation("softmax"));
    short.build([2])?;
    short.set_weights(&model.get_weights()?)?;
    assert_close(
        &padded,
        &short.predict(&ids.narrow(0, 0, 1).narrow(1, 0, 2))?,
    );
    let dir = tempfile::tempdir().unwrap();
    for (name, model) in [("derived", model), ("sequential", classifier(4, true))] {
        let mut model = model;
        model.build([6])?;
        let before = model.predict(&ids)?;
        let path = dir.path().join(format!("{name}.safetensors"));
        model.save(&path)?;
        let loaded = Sequential::load(&path)?;
        assert_eq!(loaded.predict(&ids)?.to_vec(), before.to_vec(), "{name}");
        assert_eq!(loaded.layer_config()?, model.layer_config()?, "{name}");
    }
    Ok(())
}

fn error(result: Result<impl std::fmt::Debug>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_masks_and_inputs_are_errors_naming_the_layer_and_argument() {
    const NAME: &str = "layer `multi_head_attention` (MultiHeadAttention): ";
    let mha = MultiHeadAttention::new(2, 3);
    let (q, v, k) = (
        Tensor::ones(&[2, 4, 6]),
        Tensor::ones(&[2, 5, 3]),
        Tensor::ones(&[2, 5, 7]),
    );
    let cases: Vec<(Result<Tensor>, &str)> = vec![
        (
            mha.attention(&q, &v)
                .query_mask(&Tensor::ones(&[2, 5]))
                .run(),
            "`query_mask`: expected (batch, queries) = (2, 4), found shape [2, 5]",
        ),
        (
            mha.attention(&q, &v)
                .value_mask(&Tensor::ones(&[2, 4]))
                .run(),
            "`value_mask`: expected (batch, keys) = (2, 5), found shape [2, 4]",
        ),
        (
            mha.attention(&q, &v)
                .key(&k)
                .key_mask(&Tensor::ones(&[1, 5]))
                .run(),
            "`key_mask`: expected (batch, keys) = (2, 5), found shape [1, 5]",
        ),
        (
            mha.attention(&q, &v)
                .attention_mask(&Tensor::ones(&[2, 5, 4]))
                .run(),
            "`attention_mask`: expected (batch, queries, keys) = (2, 4, 5), found shape [2, 5, 4]",
        ),
        (
            mha.attention(&q, &v)
                .value_mask(&Tensor::full(&[2, 5], 0.5))
                .run(),
            "`value_mask`: a mask holds only 0 and 1, found 0.5",
        ),
        (
            mha.attention(&q, &v)
                .query_mask(&Tensor::full(&[2, 4], f32::NAN))
                .run(),
            "`query_mask`: a mask holds only 0 and 1, found NaN",
        ),
        (
            mha.attention(&q, &v).key(&Tensor::ones(&[2, 4, 7])).run(),
            "need one batch size, and key and value one length",
        ),
        (
            mha.attention(&q, &Tensor::ones(&[3, 5, 3])).run(),
            "need one batch size",
        ),
        (
            mha.attention(&Tensor::ones(&[2, 6]), &v).run(),
            "the query must have shape (batch, seq, features), got [2, 6]",
        ),
    ];
    for (result, message) in cases {
        let err = error(result);
        assert!(err.starts_with(NAME) && err.contains(message), "{err}");
    }
    assert!(
        mha.all_weights().iter().all(|(_, w)| !w.is_built()),
        "nothing built"
    );

    // Built for these features, a value of other features is refused by the projection.
    mha.attention(&q, &v).run().unwrap();
    let err = error(mha.attention(&q, &k).run());
    assert!(
        err.starts_with("layer `multi_head_attention.key` (SplitHeadsDense)"),
        "{err}"
    );
    // A bad setting is refused before anything runs.
    let err = error(
        MultiHeadAttention::new(2, 3)
            .dropout(1.5)
            .attention(&q, &v)
            .run(),
    );
    assert!(
        err.contains("`dropout` must be in [0, 1), got 1.5"),
        "{err}"
    );

    // In a model: a mask of another shape than the input's steps, naming the layer.
    let mha = MultiHeadAttention::new(2, 3);
    let err = error(mha.forward_masked(&q, Some(&Tensor::ones(&[2, 3]))));
    assert!(
        err.contains("`mask`: expected (batch, seq) = (2, 4), found shape [2, 3]"),
        "{err}"
    );
    let err = error(mha.forward_masked(&Tensor::ones(&[2, 4]), Some(&Tensor::ones(&[2, 4]))));
    assert!(
        err.contains("the input must have shape (batch, seq, features)"),
        "{err}"
    );
    let mut model = Sequential::new()
        .add(Masking::new(0.0))
        .add(MultiHeadAttention::new(2, 3))
        .add(Flatten::new());
    let err = model.build([4, 6]).unwrap_err().to_string();
    assert!(
        err.contains("`flatten`") && err.contains("does not take a mask"),
        "{err}"
    );
}

#[test]
fn batch_normalization_takes_the_mask_as_keras() -> Result<()> {
    let table = table();
    for name in ["batchnorm_training", "batchnorm_inference"] {
        let f = &table[name];
        let mut bn = BatchNormalization::new().momentum(0.9);
        bn.build(&f["x"].shape[1..])?;
        bn.gamma.set_value(f["w0"].tensor())?;
        bn.beta.set_value(f["w1"].tensor())?;
        bn.moving_mean.set_value(f["mm0"].tensor())?;
        bn.moving_variance.set_value(f["mv0"].tensor())?;
        let (x, mask) = (f["x"].tensor().into_variable(), f["m"].tensor());
        let training = name.ends_with("training");
        let (y, passed) = with_context(training, 0, || bn.forward_masked(&x, Some(&mask)))?;
        assert_eq!(passed.unwrap().to_vec(), mask.to_vec(), "the mask goes on");
        let mut problems = table::compare(&format!("{name} y"), &y, &f["y"]);
        let moving = [("mm", &bn.moving_mean), ("mv", &bn.moving_variance)];
        for (field, w) in moving {
            problems.extend(table::compare(field, &w.value(), &f[field]));
        }
        let grads = (&y * f["c"].tensor()).sum_all().backward();
        problems.extend(table::compare("gx", grads.get(&x).unwrap(), &f["gx"]));
        for (field, w) in [("gw0", &bn.gamma), ("gw1", &bn.beta)] {
            problems.extend(table::compare(field, w.grad(&grads).unwrap(), &f[field]));
        }
        assert!(problems.is_empty(), "{name}:\n{}", problems.join("\n"));
    }
    // In a model: Masking, then BatchNormalization, then the masked mean, training.
    let (x, mask) = (
        table["batchnorm_training"]["x"].tensor(),
        table["batchnorm_training"]["m"].tensor().to_vec(),
    );
    let mut model = Sequential::new()
        .add(Masking::new(50.0))
        .add(BatchNormalization::new().momentum(0.0))
        .add(GlobalAveragePooling1D::new())
        .add(Dense::new(2));
    model.compile("sgd", "mse", &[])?;
    let y = Tensor::zeros(&[3, 2]);
    model.fit(&x, &y, FitOptions::new().with_epochs(1).verbose(0))?;
    // With momentum 0 the moving mean is the batch's: the mean of the 7 real steps.
    let moving = model.all_weights()[2].1.value().to_vec();
    let values = x.to_vec();
    for (feature, found) in moving.iter().enumerate() {
        let real: Vec<f32> = (0..12)
            .filter(|&step| mask[step] == 1.0)
            .map(|step| values[step * 2 + feature])
            .collect();
        let mean = real.iter().sum::<f32>() / real.len() as f32;
        assert!((found - mean).abs() < 1e-5, "{moving:?}, expected {mean}");
    }
    // A mask of another shape is refused, naming the argument.
    let bn = BatchNormalization::new();
    let err = error(bn.forward_masked(&x, Some(&Tensor::ones(&[3, 2]))));
    assert!(err.contains("`mask`") && err.contains("[3, 4]"), "{err}");
    Ok(())
}

#[test]
fn activation_passes_the_mask_on() -> Result<()> {
    // Keras's `Activation` supports masking and keeps the mask: the attention after it
    // still sees the padding.
    let x = Tensor::from_vec(
        vec![1.0, 2.0, 0.0, 0.0, -1.0, 0.5, 3.0, 1.0, 0.0, 0.0, 2.0, -2.0],
        &[2, 3, 2],
    );
    let mask = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0, 0.0, 1.0], &[2, 3]);
    let (y, passed) = Activation::from("tanh").forward_masked(&x, Some(&mask))?;
    assert_eq!(passed.unwrap().to_vec(), mask.to_vec());
    assert_eq!(y.to_vec(), x.tanh().to_vec());
    let mut model = Sequential::new()
        .seed(1)
        .add(Masking::new(0.0))
        .add(Activation::from("tanh"))
        .add(MultiHeadAttention::new(1, 2))
        .add(GlobalAveragePooling1D::new());
    model.build([3, 2])?;
    let y = model.predict(&x)?;
    assert!(y.to_vec().iter().all(|v| v.is_finite()));
    // Without the mask the padding is attended to and averaged: other numbers.
    let mut unmasked = Sequential::new()
        .add(Activation::from("tanh"))
        .add(MultiHeadAttention::new(1, 2))
        .add(GlobalAveragePooling1D::new());
    unmasked.build([3, 2])?;
    unmasked.set_weights(&model.get_weights()?)?;
    assert_ne!(unmasked.predict(&x)?.to_vec(), y.to_vec());
    Ok(())
}

#[test]
fn masked_batch_normalization_gradients_match_finite_differences() {
    let f = &table()["batchnorm_training"];
    let mask = f["m"].tensor();
    // Padding near the real values, so that a step into it would show in the moments.
    let x = f["x"].tensor().minimum(4.0);
    let bn = BatchNormalization::new();
    let run = |v: &[Tensor]| {
        with_context(true, 0, || bn.forward_masked(&v[0], Some(&mask)))
            .unwrap()
            .0
    };
    run(std::slice::from_ref(&x)); // builds
    let report = check_gradients(&[x], run, 1e-2);
    assert!(report.worst() < 1e-2, "{report}");
}
