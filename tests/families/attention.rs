//! `MultiHeadAttention` and the context's random stream: gradient checks (masks, causal,
//! `value_dim`/`output_shape`, no bias), errors naming the layer, configs and whole-model
//! saving, and reproducible randomness (`Tensor::random_normal`/`random_uniform`, attention
//! dropout) under `fit` with a seed. Values against NumPy are in `attention_reference.rs`.

use layers::builtin::{MergeHeadsDense, PaddingMask, SplitHeadsDense};
use layers::layer::context::with_context;
use layers::layer::gradcheck::{check_layer, check_layer_weights};
use layers::prelude::*;
use layers::random::with_seed;

/// A deterministic input with values in [-0.8, 0.8].
fn input(shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| ((i * 37 % 17) as f32 / 16.0 - 0.5) * 1.6)
        .collect();
    Tensor::from_vec(values, shape)
}

fn assert_gradients(layer: &MultiHeadAttention, x: &Tensor) {
    let report = check_layer(layer, x, 1e-2).unwrap();
    assert_eq!(report.entries.len(), layer.trainable_weights().len() + 1);
    assert!(report.worst() < 1e-2, "{report}");
}

#[test]
fn gradients_without_masks() {
    assert_gradients(&MultiHeadAttention::new(2, 3), &input(&[2, 3, 4]));
}

#[test]
fn gradients_with_causal_mask_value_dim_and_output_shape() {
    let mha = MultiHeadAttention::new(2, 2)
        .value_dim(3)
        .output_shape(5)
        .use_causal_mask(true);
    assert_gradients(&mha, &input(&[2, 4, 3]));
}

#[test]
fn gradients_with_a_fixed_batch_mask_causal_and_no_bias() {
    let mask = Tensor::from_vec(vec![1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0], &[2, 4]);
    let mha = MultiHeadAttention::new(3, 2)
        .use_causal_mask(true)
        .use_bias(false)
        .padding_mask(mask);
    assert_gradients(&mha, &input(&[2, 4, 3]));
    assert_eq!(mha.all_weights().len(), 4, "no biases");
}

#[test]
fn gradients_with_a_padded_query_row() {
    // The first step is padding: its query has no key left and attends to all uniformly.
    let mha =
        MultiHeadAttention::new(1, 4).padding_mask(Tensor::from_vec(vec![0.0, 1.0, 1.0], &[3]));
    assert_gradients(&mha, &input(&[2, 3, 2]));
}

#[test]
fn gradients_with_a_padding_value_mask() {
    // The mask is read from the input's values, so perturbing a padded step changes the
    // mask: the weights are checked, the input is not (the mask has no gradient).
    let mut x = input(&[2, 4, 3]).to_vec();
    x[9..12].fill(0.0);
    let x = Tensor::from_vec(x, &[2, 4, 3]);
    let mha = MultiHeadAttention::new(2, 2).padding_mask(PaddingMask::Value(0.0));
    let report = check_layer_weights(&mha, &x, 1e-2).unwrap();
    assert!(report.worst() < 1e-2, "{report}");
}

#[test]
fn padding_keys_are_not_attended_to() {
    let mha = MultiHeadAttention::new(2, 3).padding_mask(PaddingMask::Value(0.0));
    let mut x = input(&[1, 4, 3]).to_vec();
    x[9..12].fill(0.0); // step 3 is padding
    let x = Tensor::from_vec(x, &[1, 4, 3]);
    let y = mha.try_apply(&x).unwrap();
    // The real steps' outputs do not depend on the padded step at all: their gradient with
    // respect to it is exactly zero.
    let input = x.detach().into_variable();
    let out = mha.forward(&input).unwrap().narrow(1, 0, 3);
    let grads = out.sum_all().backward();
    let g = grads.get(&input).unwrap().to_vec();
    assert!(g[9..12].iter().all(|&v| v == 0.0), "{g:?}");
    assert_eq!(y.shape(), &[1, 4, 3]);
}

#[test]
fn causal_attention_ignores_the_future() {
    let mha = MultiHeadAttention::new(2, 3).use_causal_mask(true);
    let x = input(&[1, 5, 4]);
    let y = mha.try_apply(&x).unwrap();
    let mut later = x.to_vec();
    later[12..].iter_mut().for_each(|v| *v += 1.0); // change steps 3 and 4
    let y2 = mha.try_apply(&Tensor::from_vec(later, &[1, 5, 4])).unwrap();
    assert_eq!(
        y.to_vec()[..12],
        y2.to_vec()[..12],
        "steps 0..3 see only steps 0..3"
    );
    assert_ne!(y.to_vec()[12..], y2.to_vec()[12..]);
}

#[test]
fn weights_have_keras_shapes_and_order() {
    let mut mha = MultiHeadAttention::new(4, 8).value_dim(6).output_shape(10);
    assert_eq!(mha.build([7, 16]).unwrap(), vec![7, 10]);
    let shapes: Vec<(String, Vec<usize>)> = mha
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.value().shape().to_vec()))
        .collect();
    let expected = [
        ("query.kernel", vec![16, 4, 8]),
        ("query.bias", vec![4, 8]),
        ("key.kernel", vec![16, 4, 8]),
        ("key.bias", vec![4, 8]),
        ("value.kernel", vec![16, 4, 6]),
        ("value.bias", vec![4, 6]),
        ("attention_output.kernel", vec![4, 6, 10]),
        ("attention_output.bias", vec![10]),
    ];
    let expected: Vec<(String, Vec<usize>)> = expected
        .into_iter()
        .map(|(p, s)| (p.to_string(), s))
        .collect();
    assert_eq!(shapes, expected);
    // Keras's default output size is the input's features.
    assert_eq!(
        MultiHeadAttention::new(2, 3).build([5, 9]).unwrap(),
        vec![5, 9]
    );
}

fn error_of(result: layers::Result<impl std::fmt::Debug>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_input_is_an_error_naming_the_layer() {
    const NAME: &str = "layer `multi_head_attention` (MultiHeadAttention)";
    // rank 2 (a per-sample shape of rank 1)
    let err = error_of(MultiHeadAttention::new(2, 3).build([5]));
    assert!(err.starts_with(NAME), "{err}");
    // features changed since build
    let mha = MultiHeadAttention::new(2, 3);
    mha.try_apply(&input(&[1, 3, 4])).unwrap();
    let err = error_of(mha.try_apply(&input(&[1, 3, 5])));
    assert!(
        err.starts_with("layer `multi_head_attention.query` (SplitHeadsDense): weight `kernel` was built with shape [4, 2, 3], but this input needs shape [5, 2, 3]"),
        "{err}"
    );
    // a fixed padding mask of the wrong length, or for another batch size
    let mha = MultiHeadAttention::new(2, 3).padding_mask(Tensor::ones(&[4]));
    let err = error_of(mha.try_apply(&input(&[2, 3, 4])));
    assert!(err.starts_with(NAME), "{err}");
    assert!(err.contains("the padding mask has shape (4,) but the input has 2 sequences of 3 steps: give (3,) or (2, 3)"), "{err}");
    let mha = MultiHeadAttention::new(2, 3).padding_mask(Tensor::ones(&[3, 3]));
    let err = error_of(mha.try_apply(&input(&[2, 3, 4])));
    assert!(
        err.starts_with(NAME) && err.contains("shape (3, 3)"),
        "{err}"
    );
    // an attention mask of the wrong shape given to `attend`
    let mha = MultiHeadAttention::new(2, 3);
    let x = input(&[2, 3, 4]);
    let err = error_of(mha.attend(&x, &x, &x, Some(&Tensor::ones(&[2, 3, 4]))));
    assert!(
        err.contains(
            "the attention mask has shape [2, 3, 4], not (batch, queries, keys) = (2, 3, 3)"
        ),
        "{err}"
    );
}

#[test]
fn bad_config_is_an_error_naming_the_layer_and_field() {
    let cases = [
        (
            MultiHeadAttention::new(0, 3),
            "`num_heads` must be a positive integer, got 0",
        ),
        (
            MultiHeadAttention::new(2, 0),
            "`key_dim` must be a positive integer, got 0",
        ),
        (
            MultiHeadAttention::new(2, 3).value_dim(0),
            "`value_dim` must be a positive integer, got 0",
        ),
        (
            MultiHeadAttention::new(2, 3).output_shape(0),
            "`output_shape` must be a positive integer, got 0",
        ),
        (
            MultiHeadAttention::new(2, 3).dropout(1.0),
            "`dropout` must be in [0, 1), got 1",
        ),
        (
            MultiHeadAttention::new(2, 3).padding_mask(Tensor::from_vec(vec![1.0, 2.0, 1.0], &[3])),
            "`padding_mask` must hold only 0 and 1, got 2",
        ),
        (
            MultiHeadAttention::new(2, 3).padding_mask(Tensor::ones(&[1, 1, 3])),
            "`padding_mask` must have shape (seq,) or (batch, seq), got [1, 1, 3]",
        ),
        (
            MultiHeadAttention::new(2, 3).padding_mask(PaddingMask::Value(f32::NAN)),
            "`padding_mask` must not be NaN (NaN equals nothing)",
        ),
    ];
    for (mut mha, message) in cases {
        let err = error_of(mha.build([3, 4]));
        assert_eq!(
            err,
            format!("layer `multi_head_attention` (MultiHeadAttention): {message}")
        );
        assert!(
            mha.all_weights().iter().all(|(_, w)| !w.is_built()),
            "nothing half-built"
        );
    }
}

#[test]
fn configs_round_trip_with_every_option() {
    let layers = [
        MultiHeadAttention::new(2, 3),
        MultiHeadAttention::new(2, 3)
            .value_dim(4)
            .output_shape(6)
            .dropout(0.25)
            .use_bias(false)
            .use_causal_mask(true)
            .padding_mask(PaddingMask::Value(-1.0))
            .kernel_initializer(Initializer::he_normal()),
        MultiHeadAttention::new(1, 2)
            .padding_mask(Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0], &[2, 2])),
    ];
    for mha in layers {
        let config = mha.layer_config().unwrap();
        let loaded = layer_from_config(&config).unwrap();
        assert_eq!(loaded.layer_config().unwrap(), config);
    }
    let config = MultiHeadAttention::new(2, 3)
        .padding_mask(PaddingMask::Value(0.0))
        .config();
    assert_eq!(config["num_heads"], 2);
    assert_eq!(config["key_dim"], 3);
    assert_eq!(config["value_dim"], serde_json::Value::Null);
    assert_eq!(
        config["padding_mask"],
        serde_json::json!({ "mask_value": 0.0 })
    );
}

#[test]
fn projections_work_alone() {
    let split = SplitHeadsDense::new(3, 2).use_bias(false);
    let heads = split.try_apply(&input(&[2, 5, 4])).unwrap();
    assert_eq!(heads.shape(), &[2, 5, 3, 2]);
    // (…, features) · kernel (features, heads, units), by hand for one entry
    let (x, k) = (input(&[2, 5, 4]).to_vec(), split.kernel.value().to_vec());
    let expected: f32 = (0..4).map(|f| x[f] * k[f * 6 + 1]).sum();
    assert!((heads.to_vec()[1] - expected).abs() < 1e-6);
    let merge = MergeHeadsDense::new(7usize);
    assert_eq!(merge.try_apply(&heads).unwrap().shape(), &[2, 5, 7]);
    let r = check_layer(&merge, &input(&[2, 2, 3, 2]), 1e-2).unwrap();
    assert!(r.worst() < 1e-2, "{r}");
}

/// Training data: 32 sequences of 3 steps of 4 features, and a target per sequence.
fn sequences() -> (Tensor, Tensor) {
    let x = input(&[32, 3, 4]);
    let y = x.sum(&[1, 2], false).reshape(&[32, 1]).scale(0.1);
    (x, y)
}

fn attention_model(seed: u64, dropout: f32) -> Sequential {
    let mut model = Sequential::new()
        .seed(seed)
        .add(
            MultiHeadAttention::new(2, 4)
                .dropout(dropout)
                .use_causal_mask(true),
        )
        .add(Flatten::new())
        .add(Dense::new(1));
    model.compile("adam", "mse", &[]).unwrap();
    let (x, y) = sequences();
    model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(2).batch_size(8).verbose(0),
        )
        .unwrap();
    model
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.to_vec().iter().map(|v| v.to_bits()).collect()
}

fn weight_bits(model: &Sequential) -> Vec<Vec<u32>> {
    model.get_weights().unwrap().iter().map(bits).collect()
}

#[test]
fn attention_dropout_under_fit_is_reproducible_with_a_seed() {
    let a = attention_model(5, 0.5);
    let b = attention_model(5, 0.5);
    assert_eq!(weight_bits(&a), weight_bits(&b));
    // The draws matter: without dropout the same seed trains to other weights.
    assert_ne!(weight_bits(&a), weight_bits(&attention_model(5, 0.0)));
}

#[test]
fn a_model_with_attention_saves_and_loads_to_identical_predictions() {
    let model = attention_model(3, 0.1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attention.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    let (x, _) = sequences();
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
}

#[test]
fn a_padding_masked_model_saves_and_loads() {
    let mut model = Sequential::new()
        .add(
            MultiHeadAttention::new(2, 2).padding_mask(Tensor::from_vec(vec![1.0, 1.0, 0.0], &[3])),
        )
        .add(Flatten::new());
    model.build([3, 4]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("masked.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    let x = input(&[2, 3, 4]);
    assert_eq!(
        bits(&loaded.predict(&x).unwrap()),
        bits(&model.predict(&x).unwrap())
    );
}

/// Gaussian noise in training, drawn from the context's stream: `Tensor::random_normal`
/// inside a layer's call, as a user writes it.
#[derive(Layer)]
struct Noise {
    #[config(default = 0.5)]
    stddev: f32,
}

impl CallWithContext for Noise {
    fn call_with(&self, x: &Tensor, ctx: &Context) -> Tensor {
        if ctx.training() && self.stddev > 0.0 {
            x + Tensor::random_normal(x.shape(), 0.0, self.stddev)
        } else {
            x.clone()
        }
    }
}

fn noisy_model(seed: u64, stddev: f32) -> Vec<Vec<u32>> {
    let mut model = Sequential::new()
        .seed(seed)
        .add(Dense::new(4))
        .add(Noise::new().stddev(stddev))
        .add(Dense::new(1));
    model.compile("sgd", "mse", &[]).unwrap();
    let x = input(&[16, 3]);
    let y = x.sum(&[1], true);
    model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(2).batch_size(4).verbose(0),
        )
        .unwrap();
    weight_bits(&model)
}

#[test]
fn random_tensors_in_a_call_are_reproducible_under_fit_with_a_seed() {
    assert_eq!(noisy_model(11, 0.5), noisy_model(11, 0.5));
    assert_ne!(
        noisy_model(11, 0.5),
        noisy_model(11, 0.0),
        "the noise was drawn and used"
    );
    assert_ne!(noisy_model(11, 0.5), noisy_model(12, 0.5));
}

#[test]
fn random_tensors_follow_the_current_stream() {
    let draw = || {
        (
            Tensor::random_normal(&[4], 0.0, 1.0),
            Tensor::random_uniform(&[4], -1.0, 1.0),
        )
    };
    let (a, b) = with_context(true, 9, draw);
    let (c, d) = with_seed(9, draw);
    assert_eq!(
        (a.to_vec(), b.to_vec()),
        (c.to_vec(), d.to_vec()),
        "a context seeds as with_seed does"
    );
    let (e, _) = with_seed(10, draw);
    assert_ne!(a.to_vec(), e.to_vec());
    // Outside any context: the thread's default stream, reseedable.
    layers::random::set_default_seed(4);
    let first = Tensor::random_uniform(&[3], 0.0, 1.0).to_vec();
    layers::random::set_default_seed(4);
    assert_eq!(first, Tensor::random_uniform(&[3], 0.0, 1.0).to_vec());
    // The old paths still work.
    layers::layer::context::set_default_seed(4);
    assert_eq!(first, Tensor::random_uniform(&[3], 0.0, 1.0).to_vec());
    assert!(Tensor::try_random_uniform(&[2], 1.0, 0.0).is_err());
    assert!(Tensor::try_random_normal(&[2], 0.0, -1.0).is_err());
}

#[test]
fn seeded_training_gives_the_same_bits_on_any_number_of_threads() {
    let model = || {
        Sequential::new()
            .add(MultiHeadAttention::new(2, 4))
            .add(LayerNormalization::new())
            .add(GlobalAveragePooling1D::new())
            .add(Dense::new(3))
    };
    crate::assert_same_bits_on_any_number_of_threads(model, &input(&[48, 6, 5]));
}

#[test]
fn projections_that_disagree_with_the_layer_s_settings_are_refused() {
    let x = input(&[2, 3, 4]);
    // A field changed after `new`: the projections were made for key_dim 2.
    let mut changed = MultiHeadAttention::new(2, 2);
    changed.key_dim = 5;
    let err = changed.try_apply(&x).unwrap_err();
    assert!(err.to_string().contains("`query`"), "{err}");
    // A model file edited by hand: key_dim (which sets the 1/√key_dim scaling), num_heads,
    // value_dim, output_shape and use_bias at the top, the projections left as they were.
    let config = MultiHeadAttention::new(2, 3).layer_config().unwrap();
    for (key, value, field) in [
        ("key_dim", serde_json::json!(4), "query"),
        ("num_heads", serde_json::json!(1), "query"),
        ("value_dim", serde_json::json!(7), "value"),
        ("output_shape", serde_json::json!(9), "attention_output"),
        ("use_bias", serde_json::json!(false), "query"),
    ] {
        let mut edited = config.clone();
        edited.config.insert(key.into(), value);
        let layer = layer_from_config(&edited).unwrap();
        let err = layer.try_apply(&x).unwrap_err();
        assert!(
            err.to_string().contains(&format!("`{field}`")),
            "{key}: {err}"
        );
    }
    // As made, the settings agree.
    let layer = layer_from_config(&config).unwrap();
    assert!(layer.try_apply(&x).is_ok());
}
