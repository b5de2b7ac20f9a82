//! The preprocessing and parametric activation layers (`Normalization`, `Rescaling`,
//! `ReLU`, `LeakyReLU`, `ELU`, `PReLU`) beyond Keras's values (`keras_prep.rs`): gradients
//! against finite differences, whole models saved and loaded, configs by Keras's names and
//! keys, masks passed on, and every refusal.

use layers::layer::gradcheck::check_layer;
use layers::optim::Sgd;
use layers::prelude::*;

fn data(shape: &[usize], phase: f32) -> Tensor {
    let n: usize = shape.iter().product();
    let values = (0..n)
        .map(|i| ((i as f32) * 0.731 + phase).sin() * 1.7 + 0.3)
        .collect();
    Tensor::from_vec(values, shape)
}

/// The error of `result` as text; panics if it is `Ok`.
fn err<T>(result: Result<T>) -> String {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn gradients_match_finite_differences() {
    // Away from the kinks (0, thresholds, caps), so that differences see one piece.
    let x = Tensor::from_vec(
        vec![
            -2.3, -1.1, -0.45, 0.35, 0.8, 1.6, 2.7, 3.4, 5.2, 7.1, -0.7, 4.6,
        ],
        &[3, 4],
    );
    let layers: Vec<(&str, Box<dyn Layer>)> = vec![
        ("relu", Box::new(ReLU::new())),
        (
            "relu all",
            Box::new(
                ReLU::new()
                    .max_value(5.0)
                    .negative_slope(0.3)
                    .threshold(0.5),
            ),
        ),
        ("relu leaky", Box::new(ReLU::new().negative_slope(0.2))),
        ("leaky", Box::new(LeakyReLU::new())),
        ("elu", Box::new(ELU::new().alpha(0.7))),
        ("rescaling", Box::new(Rescaling::new(0.25).offset(-1.0))),
        (
            "given",
            Box::new(
                Normalization::new()
                    .mean([0.5, -1.0, 2.0, 0.0])
                    .variance([2.0, 0.25, 9.0, 1.0]),
            ),
        ),
        (
            "given invert",
            Box::new(
                Normalization::new()
                    .axis(Axes::none())
                    .mean(1.5)
                    .variance(4.0)
                    .invert(true),
            ),
        ),
    ];
    for (name, layer) in layers {
        let r = check_layer(&*layer, &x, 1e-2).unwrap();
        assert!(r.worst() < 1e-2, "{name}: {r}");
    }
    // An adapted Normalization over axes (1, 2), and PReLU's alpha with shared axes.
    let mut norm = Normalization::new().axis([1, 2]);
    norm.adapt(&data(&[6, 2, 3], 0.2)).unwrap();
    let r = check_layer(&norm, &data(&[2, 2, 3], 1.1), 1e-2).unwrap();
    assert!(r.worst() < 1e-2, "adapted: {r}");
    // The statistics are state: no gradient reaches them.
    assert!(r.entries.iter().all(|e| !e.path.contains("adapt")), "{r}");
    let mut prelu = PReLU::new()
        .alpha_initializer(Initializer::constant(0.3))
        .shared_axes(vec![1]);
    prelu.build([3, 2, 2]).unwrap();
    // Inputs at least 0.1 from the kink at 0.
    let x = data(&[2, 3, 2, 2], 0.4).to_vec();
    let x = x
        .iter()
        .map(|&v| if v.abs() < 0.1 { v + 0.3 } else { v })
        .collect();
    let r = check_layer(&prelu, &Tensor::from_vec(x, &[2, 3, 2, 2]), 1e-2).unwrap();
    assert!(r.worst() < 1e-2, "prelu: {r}");
    assert!(r.entries.iter().any(|e| e.path.contains("alpha")), "{r}");
}

/// A model with every new layer, adapted and trained a few steps.
fn model() -> Sequential {
    let x = data(&[16, 3], 0.0) * 5.0 + 2.0;
    let mut norm = Normalization::new();
    norm.adapt(&x).unwrap();
    let mut model = Sequential::new()
        .add(Rescaling::new(0.5).offset(0.1))
        .add(norm)
        .add(Dense::new(4))
        .add(PReLU::new().alpha_initializer(Initializer::constant(0.1)))
        .add(
            ReLU::new()
                .max_value(6.0)
                .negative_slope(0.05)
                .threshold(0.2),
        )
        .add(LeakyReLU::new())
        .add(ELU::new().alpha(0.5))
        .add(
            Normalization::new()
                .mean([0.1, 0.2, 0.3, 0.4])
                .variance([1.0, 2.0, 3.0, 4.0])
                .invert(true),
        )
        .add(Dense::new(1))
        .seed(3);
    model.build([3]).unwrap();
    model
        .compile(Sgd::new().with_learning_rate(0.05), "mse", &[])
        .unwrap();
    let y = data(&[16, 1], 2.0);
    model
        .fit(
            &x,
            &y,
            FitOptions::new().with_epochs(2).batch_size(4).verbose(0),
        )
        .unwrap();
    model
}

#[test]
fn a_model_of_the_new_layers_trains_and_round_trips_through_save_and_load() {
    let model = model();
    let x = data(&[5, 3], 0.7);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prep.safetensors");
    model.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(
        loaded.layer_config().unwrap(),
        model.layer_config().unwrap()
    );
    let bits = |t: Tensor| t.to_vec().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(loaded.predict(&x).unwrap()),
        bits(model.predict(&x).unwrap())
    );
    // The adapted statistics were trained by nobody and saved with the weights.
    let names: Vec<String> = model.all_weights().into_iter().map(|(p, _)| p).collect();
    assert!(
        names.contains(&"normalization.adapt_mean".to_string()),
        "{names:?}"
    );
    let stats = |m: &Sequential| {
        m.all_weights()
            .into_iter()
            .filter(|(p, _)| p.starts_with("normalization."))
            .map(|(_, w)| (w.is_trainable(), w.value().to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(stats(&loaded), stats(&model));
    assert!(stats(&model).iter().all(|(trainable, _)| !trainable));
    assert_eq!(stats(&model)[2].1, vec![16.0]); // count
    let summary = model.summary();
    assert_eq!(summary.non_trainable, 3 + 3 + 1);
    assert_eq!(summary.to_string(), loaded.summary().to_string());

    // Weights alone, into a fresh model of the same architecture (unadapted).
    let weights = dir.path().join("prep.weights.safetensors");
    model.save_weights(&weights).unwrap();
    let mut fresh = Sequential::new()
        .add(Rescaling::new(0.5).offset(0.1))
        .add(Normalization::new())
        .add(Dense::new(4))
        .add(PReLU::new())
        .add(
            ReLU::new()
                .max_value(6.0)
                .negative_slope(0.05)
                .threshold(0.2),
        )
        .add(LeakyReLU::new())
        .add(ELU::new().alpha(0.5))
        .add(
            Normalization::new()
                .mean([0.1, 0.2, 0.3, 0.4])
                .variance([1.0, 2.0, 3.0, 4.0])
                .invert(true),
        )
        .add(Dense::new(1));
    fresh.build([3]).unwrap();
    assert!(fresh.predict(&x).is_err()); // not adapted yet
    fresh.load_weights(&weights).unwrap();
    assert_eq!(
        bits(fresh.predict(&x).unwrap()),
        bits(model.predict(&x).unwrap())
    );
}

#[test]
fn configs_use_keras_class_names_and_keys_and_round_trip() {
    let model = model();
    let config = model.layer_config().unwrap();
    let classes: Vec<&str> = config
        .layers
        .iter()
        .map(|s| s.layer.class_name.as_str())
        .collect();
    assert_eq!(
        classes,
        [
            "Rescaling",
            "Normalization",
            "Dense",
            "PReLU",
            "ReLU",
            "LeakyReLU",
            "ELU",
            "Normalization",
            "Dense"
        ]
    );
    assert_eq!(
        model.layer_names(),
        [
            "rescaling",
            "normalization",
            "dense",
            "p_re_lu",
            "re_lu",
            "leaky_re_lu",
            "elu",
            "normalization_1",
            "dense_1"
        ]
    );
    let json =
        |name: &str| serde_json::Value::Object(config.sublayer(name).unwrap().config.clone());
    use serde_json::json;
    assert_eq!(json("rescaling"), json!({"scale": 0.5, "offset": 0.1}));
    // One axis is written as an integer, as `UnitNormalization`'s Keras config writes it
    // (Keras's `Normalization` writes `[-1]`; both read either).
    assert_eq!(
        json("normalization"),
        json!({"axis": -1, "mean": null, "variance": null, "invert": false})
    );
    assert_eq!(
        json("normalization_1")["variance"],
        json!([1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(
        json("re_lu"),
        json!({"max_value": 6.0, "negative_slope": 0.05, "threshold": 0.2})
    );
    assert_eq!(json("leaky_re_lu"), json!({"negative_slope": 0.3}));
    assert_eq!(json("elu"), json!({"alpha": 0.5}));
    let prelu = json("p_re_lu");
    assert_eq!(prelu["shared_axes"], json!(null));
    assert_eq!(prelu["alpha_regularizer"], json!(null));
    assert_eq!(prelu["alpha_constraint"], json!(null));
    assert!(prelu.get("alpha_initializer").is_some(), "{prelu}");
    // Each layer made again from its config writes the same config.
    for sub in &config.layers {
        let again = layer_from_config(&sub.layer).unwrap();
        assert_eq!(again.layer_config().unwrap().config, sub.layer.config);
    }
    // Keras's other spellings of a config value: an axis as an integer or null, a
    // statistic as nested lists or a number.
    let mut keras = config.sublayer("normalization").unwrap().clone();
    keras.config.insert("axis".into(), json!([1, 2]));
    keras
        .config
        .insert("mean".into(), json!([[1.0, 2.0], [3.0, 4.0]]));
    keras.config.insert("variance".into(), json!(2.0));
    assert!(layer_from_config(&keras).is_ok());
    keras.config.insert("axis".into(), json!(null));
    keras.config.insert("mean".into(), json!(1.0));
    assert!(layer_from_config(&keras).is_ok());
    keras
        .config
        .insert("mean".into(), json!([[1.0], [2.0, 3.0]]));
    let e = err(layer_from_config(&keras));
    assert!(e.contains("`mean`") && e.contains("ragged"), "{e}");
    keras.config.insert("mean".into(), json!(1.0));
    keras.config.insert("axis".into(), json!("last"));
    assert!(err(layer_from_config(&keras)).contains("`axis`"));
}

#[test]
fn each_layer_passes_a_mask_on() {
    let x = Tensor::from_vec(vec![1.0, 2.0, 0.0, 0.0, 3.0, -1.0, 0.0, 0.0], &[1, 4, 2]);
    let mask = |layer: Box<dyn Layer>| {
        let mut model = Sequential::new().add(Masking::new(0.0));
        model.push(layer).unwrap();
        let mut model = model.add(Lstm::new(2));
        model.build([4, 2]).unwrap();
        model.predict(&x).unwrap()
    };
    // A layer that did not pass the mask on would make `predict` an error ("does not take
    // a mask"); the LSTM gets it through each of these.
    for layer in [
        Box::new(ReLU::new()) as Box<dyn Layer>,
        Box::new(LeakyReLU::new()),
        Box::new(ELU::new()),
        Box::new(PReLU::new()),
        Box::new(Rescaling::new(2.0)),
        Box::new(Normalization::new().mean(0.5).variance(2.0)),
    ] {
        let name = layer.type_name().to_string();
        let y = mask(layer);
        assert_eq!(y.shape(), &[1, 2], "{name}");
    }
}

#[test]
fn settings_out_of_range_are_refused_naming_the_layer_and_setting() {
    let cases: Vec<(Box<dyn Layer>, &[usize], &str)> = vec![
        (Box::new(ReLU::new().max_value(-1.0)), &[2], "`max_value`"),
        (
            Box::new(ReLU::new().max_value(f32::NAN)),
            &[2],
            "`max_value`",
        ),
        (
            Box::new(ReLU::new().negative_slope(-0.1)),
            &[2],
            "`negative_slope`",
        ),
        (Box::new(ReLU::new().threshold(-1.0)), &[2], "`threshold`"),
        (
            Box::new(ReLU::new().threshold(f32::INFINITY)),
            &[2],
            "`threshold`",
        ),
        (
            Box::new(LeakyReLU::new().negative_slope(-0.3)),
            &[2],
            "`negative_slope`",
        ),
        (
            Box::new(LeakyReLU::new().negative_slope(f32::NAN)),
            &[2],
            "`negative_slope`",
        ),
        (Box::new(ELU::new().alpha(f32::INFINITY)), &[2], "`alpha`"),
        (Box::new(Rescaling::new(f32::NAN)), &[2], "`scale`"),
        (
            Box::new(Rescaling::new(1.0).offset(f32::INFINITY)),
            &[2],
            "`offset`",
        ),
        (
            Box::new(PReLU::new().shared_axes(vec![0])),
            &[2, 2],
            "`shared_axes`",
        ),
        (
            Box::new(PReLU::new().shared_axes(vec![3])),
            &[2, 2],
            "`shared_axes`",
        ),
        (
            Box::new(PReLU::new().shared_axes(vec![1, 1])),
            &[2, 2],
            "`shared_axes`",
        ),
        (
            Box::new(PReLU::new().alpha_regularizer(Regularizer::l2(-1.0))),
            &[2],
            "`alpha_regularizer`",
        ),
        (Box::new(Normalization::new().mean(1.0)), &[2], "`variance`"),
        (Box::new(Normalization::new().variance(1.0)), &[2], "`mean`"),
        (
            Box::new(Normalization::new().mean([1.0, 2.0]).variance(1.0)),
            &[2],
            "`variance`",
        ),
        (
            Box::new(Normalization::new().mean(0.0).variance(-1.0)),
            &[2],
            "`variance`",
        ),
        (
            Box::new(Normalization::new().mean(f32::NAN).variance(1.0)),
            &[2],
            "`mean`",
        ),
        (
            Box::new(
                Normalization::new()
                    .axis(Axes::none())
                    .mean([1.0])
                    .variance([1.0]),
            ),
            &[2],
            "`mean`",
        ),
        (
            Box::new(
                Normalization::new()
                    .mean([1.0, 2.0, 3.0])
                    .variance([1.0, 1.0, 1.0]),
            ),
            &[2],
            "`mean`",
        ),
        (Box::new(Normalization::new().axis(2)), &[3], "`axis`"),
        (Box::new(Normalization::new().axis(-3)), &[3], "`axis`"),
        (Box::new(Normalization::new().axis(0)), &[3], "`axis`"),
        (Box::new(Normalization::new().axis([1, -1])), &[3], "`axis`"),
    ];
    for (mut layer, shape, field) in cases {
        let type_name = layer.type_name().to_string();
        let e = err(layer.build(shape));
        assert!(
            e.contains(field) && e.contains(&format!("({type_name})")),
            "{type_name} {field}: {e}"
        );
    }
}

#[test]
fn normalization_refuses_data_it_cannot_adapt_to_and_calls_before_adapt() {
    // Unadapted: it builds (as in a model's summary), but refuses data, naming the layer.
    let mut model = Sequential::new()
        .add(Normalization::new())
        .add(Dense::new(1));
    model.build([3]).unwrap();
    let e = err(model.predict(&Tensor::ones(&[2, 3])));
    assert!(e.contains("normalization") && e.contains("`adapt`"), "{e}");
    model.compile("sgd", "mse", &[]).unwrap();
    let e = err(model.fit(
        &Tensor::ones(&[2, 3]),
        &Tensor::ones(&[2, 1]),
        FitOptions::new().verbose(0),
    ));
    assert!(e.contains("`adapt`"), "{e}");

    let mut norm = Normalization::new();
    let e = err(norm.adapt(&Tensor::zeros(&[0, 3])));
    assert!(
        e.contains("normalization") && e.contains("no values"),
        "{e}"
    );
    assert!(err(norm.adapt_batches(&[])).contains("no batches"));
    let nan = Tensor::from_vec(vec![1.0, f32::NAN, 2.0, 3.0], &[2, 2]);
    let e = err(Normalization::new().adapt(&nan));
    assert!(e.contains("NaN") && e.contains("position 1"), "{e}");
    let inf = Tensor::from_vec(vec![1.0, f32::INFINITY], &[2, 1]);
    assert!(err(Normalization::new().adapt(&inf)).contains("inf"));
    assert!(err(Normalization::new().adapt(&Tensor::scalar(1.0))).contains("batch axis"));

    // Built for 3 features: data of 4 is refused, and the statistics are kept.
    let mut norm = Normalization::new();
    norm.adapt(&data(&[4, 3], 0.0)).unwrap();
    let before = norm.adapt_mean.value().to_vec();
    let e = err(norm.adapt(&data(&[4, 4], 0.0)));
    assert!(e.contains("[4, 4]") && e.contains("[3]"), "{e}");
    let e = err(norm.adapt_batches(&[data(&[4, 3], 0.0), data(&[2, 2], 0.0)]));
    assert!(e.contains("batch 1"), "{e}");
    assert_eq!(norm.adapt_mean.value().to_vec(), before);
    // Another number of features in a call: the weights' shapes say so.
    assert!(norm.try_apply(&Tensor::ones(&[1, 4])).is_err());

    // Given statistics: nothing to adapt; not broadcastable to the input is refused.
    let mut given = Normalization::new().mean([1.0, 2.0]).variance([1.0, 1.0]);
    assert!(err(given.adapt(&Tensor::ones(&[2, 2]))).contains("nothing to adapt"));
    let e = err(given.build([3]));
    assert!(e.contains("`mean`") && e.contains("broadcast"), "{e}");
}
