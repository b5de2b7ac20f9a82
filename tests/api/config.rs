//! Layer configurations: nonsense values are refused when a layer is built (naming the layer
//! and the argument, before any weight is created), sizes that no machine can hold are
//! refused before allocating, automatic names stay Keras's and are found in linear time, and
//! config values print as they were written.

use std::time::{Duration, Instant};

use layers::prelude::*;

/// Builds `layer` alone in a model for per-sample inputs of `shape` and returns the error,
/// checking that the failed build created no weight.
fn build_error(layer: impl Layer + 'static, shape: &[usize]) -> String {
    let mut model = Sequential::new().add(layer);
    let err = model
        .build(shape)
        .expect_err("a nonsense config must not build")
        .to_string();
    let built: Vec<String> = model
        .all_weights()
        .into_iter()
        .filter(|(_, w)| w.is_built())
        .map(|(path, _)| path)
        .collect();
    assert!(built.is_empty(), "{err}: weights {built:?} were built");
    err
}

/// Checks that `layer` does not build, with a message that names the layer once and
/// `argument` once, and shows `value`.
fn refused(layer: impl Layer + 'static, argument: &str, value: &str) {
    let name = layers::layer::snake_case(layer.type_name());
    let err = build_error(layer, &[12]);
    assert!(
        err.starts_with(&format!("layer `{name}` (")),
        "the message names the layer: {err}"
    );
    assert!(err.contains(value), "shows {value}: {err}");
    // Said once, not once per wrapper.
    assert_eq!(
        err.matches(argument).count(),
        1,
        "names {argument} once: {err}"
    );
}

#[test]
fn every_builtin_layer_refuses_nonsense_config_at_build() {
    refused(Dense::new(0), "`units`", "got 0");
    refused(Dropout::new(f32::NAN), "`rate`", "NaN");
    refused(Dropout::new(-0.1), "`rate`", "-0.1");
    refused(Dropout::new(1.0), "`rate`", "got 1");
    refused(Dropout::new(1.5), "`rate`", "1.5");
    refused(Embedding::new(0, 4), "`input_dim`", "got 0");
    refused(Embedding::new(10, 0), "`output_dim`", "got 0");
    refused(
        BatchNormalization::new().momentum(f32::NAN),
        "`momentum`",
        "NaN",
    );
    refused(
        BatchNormalization::new().momentum(-0.5),
        "`momentum`",
        "-0.5",
    );
    refused(BatchNormalization::new().momentum(1.5), "`momentum`", "1.5");
    refused(BatchNormalization::new().epsilon(0.0), "`epsilon`", "got 0");
    refused(
        BatchNormalization::new().epsilon(f32::INFINITY),
        "`epsilon`",
        "inf",
    );
    refused(
        LayerNormalization::new().epsilon(-1e-3),
        "`epsilon`",
        "-0.001",
    );
    refused(
        LayerNormalization::new().epsilon(f32::NAN),
        "`epsilon`",
        "NaN",
    );
    refused(Reshape::new(vec![-1, -1]), "`target_shape`", "[-1, -1]");
    refused(Reshape::new(vec![0, -1]), "`target_shape`", "[0, -1]");
    refused(Reshape::new(vec![-3, 4]), "`target_shape`", "[-3, 4]");
    refused(
        Dense::new(2).kernel_initializer(Initializer::constant(f32::NAN)),
        "`kernel_initializer`",
        "NaN",
    );
    // The kernel's initializer is fine, the bias's is not: neither weight may be built.
    refused(
        Dense::new(2).bias_initializer(Initializer::RandomUniform {
            minval: 1.0,
            maxval: -1.0,
        }),
        "`bias_initializer`",
        "`minval` 1 is above `maxval` -1",
    );
    refused(
        Embedding::new(10, 4).embeddings_initializer(Initializer::RandomNormal {
            mean: 0.0,
            stddev: 0.0,
        }),
        "`embeddings_initializer`",
        "`stddev` must be positive",
    );
}

#[test]
fn a_nonsense_config_never_reaches_the_forward_pass() {
    // Called directly, outside any model: an error from `forward`, not a panic in `call`.
    let x = Tensor::ones(&[2, 4]);
    let err = Dropout::new(1.5).forward(&x).unwrap_err().to_string();
    assert_eq!(err, "`rate` must be in [0, 1), got 1.5");
    let err = Dense::new(0).forward(&x).unwrap_err().to_string();
    assert_eq!(err, "`units` must be a positive integer, got 0");
    // A named layer is checked too.
    let err = build_error(Dense::new(0).named("head"), &[4]);
    assert_eq!(
        err,
        "layer `head` (Dense): `units` must be a positive integer, got 0"
    );
    // A field changed after a successful build is checked on the next call.
    let mut bn = BatchNormalization::new();
    bn.build([3]).unwrap();
    bn.momentum = f32::NAN;
    let err = bn.forward(&Tensor::ones(&[1, 3])).unwrap_err().to_string();
    assert_eq!(err, "`momentum` must be in [0, 1], got NaN");
}

#[test]
fn edge_values_that_make_sense_are_accepted() {
    // Keras accepts all of these: momentum 0 and 1 (keep nothing / keep everything), a rate
    // of 0 (no dropout), one unit, a single id, and a `-1` that fills the rest.
    let mut model = Sequential::new()
        .add(Dense::new(1))
        .add(Dropout::new(0.0))
        .add(BatchNormalization::new().momentum(0.0))
        .add(BatchNormalization::new().momentum(1.0))
        .add(LayerNormalization::new().epsilon(1e-12))
        .add(Reshape::new(vec![-1]));
    assert_eq!(model.build([3]).unwrap(), vec![1]);
    let mut e = Embedding::new(1, 1);
    assert_eq!(e.build([2]).unwrap(), vec![2, 1]);
    // Equal uniform bounds fill with that value.
    let w = Initializer::RandomUniform {
        minval: 0.5,
        maxval: 0.5,
    }
    .sample_seeded(&[2], 0)
    .unwrap();
    assert_eq!(w.as_slice(), Some(&[0.5, 0.5][..]));
}

#[test]
fn every_initializer_parameter_is_checked() {
    let bad = [
        (
            Initializer::constant(f32::NAN),
            "`value` must be finite, got NaN",
        ),
        (
            Initializer::constant(f32::NEG_INFINITY),
            "`value` must be finite, got -inf",
        ),
        (
            Initializer::RandomNormal {
                mean: 0.0,
                stddev: 0.0,
            },
            "`stddev` must be positive and finite, got 0",
        ),
        (
            Initializer::TruncatedNormal {
                mean: f32::NAN,
                stddev: 1.0,
            },
            "`mean` must be finite, got NaN",
        ),
        (
            Initializer::RandomUniform {
                minval: f32::NAN,
                maxval: 1.0,
            },
            "bounds must be finite, got [NaN, 1)",
        ),
        (
            Initializer::RandomUniform {
                minval: 2.0,
                maxval: 1.0,
            },
            "`minval` 2 is above `maxval` 1",
        ),
        (
            Initializer::Orthogonal { gain: f32::NAN },
            "`gain` must be finite, got NaN",
        ),
    ];
    for (init, reason) in bad {
        // Checked without a shape (what a layer's build does first) and when sampling.
        let err = init.validate().unwrap_err().to_string();
        assert!(err.ends_with(reason), "{err}");
        let err = init.sample_seeded(&[2, 2], 0).unwrap_err().to_string();
        assert!(err.ends_with(reason), "{err}");
    }
}

/// Bytes in the machine's memory, from /proc/meminfo (`MemTotal: N kB`).
fn total_memory() -> u64 {
    let text = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kb: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb * 1024
}

#[test]
fn a_weight_larger_than_the_machine_is_refused_before_allocating() {
    // 10^6 × 10^6 f32 values = 4·10^12 bytes (4 TB), far more than this machine has.
    assert!(total_memory() < 4_000_000_000_000);
    let start = Instant::now();
    let mut model = Sequential::new().add(Dense::new(1_000_000));
    let err = model.build([1_000_000]).unwrap_err().to_string();
    assert!(
        err.starts_with("layer `dense` (Dense): weight `kernel` of shape [1000000, 1000000] needs 4000000000000 bytes"),
        "{err}"
    );
    assert!(err.contains("memory"), "{err}");
    assert!(!model.is_built());
    // Refused, not attempted: no time is spent filling memory.
    assert!(start.elapsed() < Duration::from_secs(5));

    let err = Weight::new("table", &[1 << 20, 1 << 20], Initializer::zeros(), 0)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("weight `table` of shape [1048576, 1048576] needs 4398046511104 bytes"),
        "{err}"
    );
    // A byte count that overflows is refused too, naming the weight.
    let err = Weight::new("big", &[usize::MAX / 2, 3], Initializer::ones(), 0)
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("weight `big` of shape ["), "{err}");
    assert!(err.contains("more values than memory can address"), "{err}");
}

#[test]
fn an_input_shape_larger_than_the_machine_is_an_error_at_build() {
    // The dry run's zero sample is allocated from the shape the user gives.
    let mut model = Sequential::new().add(Dense::new(2));
    let err = model.build([1_000_000, 1_000_000]).unwrap_err().to_string();
    assert!(
        err.starts_with("an input batch of shape [1, 1000000, 1000000] needs 4000000000000 bytes"),
        "{err}"
    );
    let mut d = Dense::new(2);
    let err = d.build([usize::MAX, 2]).unwrap_err().to_string();
    assert!(err.contains("memory can address"), "{err}");
}

#[test]
fn twenty_thousand_default_names_are_found_in_linear_time() {
    // Quadratic naming took 0.6 s for 1,000 layers and 405 s for 10,000; linear naming
    // does 20,000 in milliseconds. The budget is checked as layers are added, so a
    // quadratic algorithm fails here in seconds instead of running for half an hour.
    let budget = Duration::from_secs(10);
    let start = Instant::now();
    let mut model = Sequential::new();
    // Explicit names are respected and skipped by the automatic ones.
    model.push(Softmax::new().named("softmax_2")).unwrap();
    for i in 0..20_000 {
        model.push(Softmax::new()).unwrap();
        if i % 1000 == 0 {
            assert!(
                start.elapsed() < budget,
                "{i} layers took {:?}",
                start.elapsed()
            );
        }
    }
    model.build([3]).unwrap();
    assert!(start.elapsed() < budget, "took {:?}", start.elapsed());
    let names = model.layer_names();
    assert_eq!(names.len(), 20_001);
    // Keras's names: `softmax`, `softmax_1`, then `softmax_3` (2 is taken), …
    assert_eq!(
        names[..5],
        [
            "softmax_2",
            "softmax",
            "softmax_1",
            "softmax_3",
            "softmax_4"
        ]
    );
    assert_eq!(names[20_000], "softmax_20000");
    // An explicit name that an automatic one already took is still refused.
    let err = model.push(Softmax::new().named("softmax_7")).unwrap_err();
    assert!(
        err.to_string()
            .contains("a layer named `softmax_7` is already in the model")
    );
    // And another automatic one continues after the last.
    model.push(Softmax::new()).unwrap();
    assert_eq!(model.layer_names()[20_001], "softmax_20001");
}

#[test]
fn explicit_names_after_default_ones_keep_keras_numbering() {
    let model = Sequential::new()
        .add(Dense::new(1))
        .add(Dense::new(1).named("dense_1"))
        .add(Dense::new(1))
        .add(Dropout::new(0.5))
        .add(Dense::new(1).named("dense_9"))
        .add(Dense::new(1));
    assert_eq!(
        model.layer_names(),
        [
            "dense", "dense_1", "dense_2", "dropout", "dense_9", "dense_3"
        ]
    );
}

#[test]
fn explicit_names_that_break_weight_paths_are_refused() {
    let mut model = Sequential::new();
    let err = model.push(Dense::new(1).named("")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model `sequential`: a layer name must not be empty"
    );
    let err = model.push(Dense::new(1).named("block.out")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "model `sequential`: the layer name `block.out` holds a `.`, but `.` separates the \
         parts of weight paths (`dense.kernel`)"
    );
    assert!(model.layer_names().is_empty());
    // Through `add`, the first error is reported by `build`.
    let err = Sequential::new()
        .add(Dense::new(1).named("a.b"))
        .build([2])
        .unwrap_err();
    assert!(err.to_string().contains("`a.b` holds a `.`"), "{err}");
}

#[test]
fn config_floats_print_as_written() {
    // 0.95 as f32 is 0.949999988079071… in f64; the config shows the shortest text that
    // reads back as the same f32.
    let bn = BatchNormalization::new().momentum(0.95).epsilon(1e-5);
    let config = bn.config();
    assert_eq!(config["momentum"].to_string(), "0.95");
    // 1e-5 as f32 is 0.000009999999747378752… in f64.
    assert_eq!(config["epsilon"].to_string(), "0.00001");
    assert_eq!(Dropout::new(0.3).config()["rate"].to_string(), "0.3");
    // The default momentum 0.99 and epsilon 1e-3 too.
    let text = BatchNormalization::new().config().to_string();
    assert_eq!(
        text,
        r#"{"beta_constraint":null,"beta_regularizer":null,"epsilon":0.001,"gamma_constraint":null,"gamma_regularizer":null,"momentum":0.99}"#
    );
    // Activation hyperparameters: leaky_relu's default slope 0.2.
    let d = Dense::new(2).activation(Activation::from_name("leaky_relu").unwrap());
    assert_eq!(
        d.config()["activation"].to_string(),
        r#"{"name":"leaky_relu","negative_slope":0.2}"#
    );
    // And the text reads back as the same f32.
    for x in [0.1f32, 0.95, 1e-7, 3.4028235e38, -2.5e-3, 123456.79] {
        let v = layers::layer::config::ConfigValue::to_config(&x);
        let back = v.as_f64().unwrap() as f32;
        assert_eq!(back.to_bits(), x.to_bits(), "{x} printed as {v}");
        assert_eq!(v.to_string().parse::<f32>().unwrap(), x);
    }
}

#[test]
fn from_config_takes_the_reexported_serde_json() {
    // `from_config` takes a `serde_json::Map`; users reach it through `layers`.
    let mut params = layers::serde_json::Map::new();
    params.insert("alpha".into(), layers::serde_json::json!(0.5));
    let elu = Activation::from_config("elu", &params).unwrap();
    assert_eq!(elu.params(), vec![("alpha", 0.5)]);
    // The same crate as layers_core's.
    let map: layers_core::serde_json::Map<String, layers::serde_json::Value> = params;
    assert_eq!(map.len(), 1);
}
