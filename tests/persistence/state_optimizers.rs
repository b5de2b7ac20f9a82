//! Optimizers as data: every built-in optimizer's config reads back to the same config, and
//! an optimizer rebuilt from its config, given the slots and step count of the one it
//! copies, continues training bit for bit as the original does; configs and slots that
//! cannot be used are refused, naming what is wrong, and change nothing.

use layers::optim::{
    Adam, AdamW, ExponentialDecay, OPTIMIZER_NAMES, RmsProp, Sgd, optimizer_from_config,
    optimizer_from_name,
};
use layers::prelude::*;
use serde_json::{Value, json};

/// Two weights of different shapes, with fixed values.
fn weights() -> Vec<Weight> {
    let kernel: Vec<f32> = (0..6).map(|i| 0.3 * i as f32 - 0.7).collect();
    vec![
        Weight::from_tensor("kernel", Tensor::from_vec(kernel, &[3, 2])),
        Weight::from_tensor("bias", Tensor::from_vec(vec![0.25, -1.5], &[2])),
    ]
}

/// Fresh weights holding the same values as `weights` (other ids).
fn copies(weights: &[Weight]) -> Vec<Weight> {
    weights
        .iter()
        .map(|w| {
            Weight::from_tensor(
                w.name(),
                Tensor::from_vec(w.value().to_vec(), &w.shape().unwrap()),
            )
        })
        .collect()
}

/// Gradients that depend on the weights' values and the step, so that the trajectories of
/// two optimizers stay equal only if every update is.
fn grads(weights: &[Weight], step: usize) -> GradStore {
    let mut store = GradStore::default();
    for (k, w) in weights.iter().enumerate() {
        let g: Vec<f32> = w
            .value()
            .to_vec()
            .iter()
            .enumerate()
            .map(|(i, v)| 2.0 * v + ((i + 3 * k + 7 * step) as f32).sin())
            .collect();
        store.insert(w.id(), Tensor::from_vec(g, &w.shape().unwrap()));
    }
    store
}

fn train(opt: &mut dyn Optimizer, weights: &[Weight], steps: std::ops::Range<usize>) {
    let refs: Vec<&Weight> = weights.iter().collect();
    for step in steps {
        opt.apply(&refs, &grads(weights, step)).unwrap();
    }
}

/// The weights' values, bit for bit.
fn bits(weights: &[Weight]) -> Vec<Vec<u32>> {
    weights
        .iter()
        .map(|w| w.value().to_vec().iter().map(|v| v.to_bits()).collect())
        .collect()
}

/// A's slots for `from`, as `set_slots` takes them.
fn saved_slots(opt: &dyn Optimizer, from: &Weight) -> Vec<(String, Tensor)> {
    opt.slots(from)
        .into_iter()
        .map(|(name, t)| (name.to_string(), t))
        .collect()
}

/// Trains `a` three steps, rebuilds it from its config with its slots and step count, and
/// checks that four more steps of both, on identical copies of the weights, agree bit for
/// bit; and that without the restored state they would not (so the check can fail).
fn resumes_exactly(mut a: Box<dyn Optimizer>, slot_names: &[&str]) {
    let label = a.config().unwrap().to_string();
    let wa = weights();
    train(a.as_mut(), &wa, 0..3);
    let wb = copies(&wa);
    let wc = copies(&wa);

    let config = a.config().unwrap();
    let mut b = optimizer_from_config(&config).unwrap();
    assert_eq!(b.config().unwrap(), config, "{label}");
    for (from, to) in wa.iter().zip(&wb) {
        let names: Vec<&str> = a.slots(from).iter().map(|(n, _)| *n).collect();
        assert_eq!(names, slot_names, "{label}");
        b.set_slots(to, &saved_slots(a.as_ref(), from)).unwrap();
        let restored: Vec<Vec<u32>> = b
            .slots(to)
            .iter()
            .map(|(_, t)| t.to_vec().iter().map(|v| v.to_bits()).collect())
            .collect();
        let original: Vec<Vec<u32>> = a
            .slots(from)
            .iter()
            .map(|(_, t)| t.to_vec().iter().map(|v| v.to_bits()).collect())
            .collect();
        assert_eq!(restored, original, "{label}");
    }
    b.set_iterations(a.iterations()).unwrap();
    assert_eq!((b.iterations(), b.learning_rate()), (3, a.learning_rate()));
    assert_eq!(b.state_size(), a.state_size(), "{label}");

    // Restored from the config alone, without slots or step count.
    let mut c = optimizer_from_config(&config).unwrap();

    train(a.as_mut(), &wa, 3..7);
    train(b.as_mut(), &wb, 3..7);
    train(c.as_mut(), &wc, 3..7);
    assert_eq!(bits(&wa), bits(&wb), "{label}");
    assert_eq!(a.iterations(), b.iterations());
    assert_ne!(
        bits(&wa),
        bits(&wc),
        "{label}: the restored state must matter"
    );
}

#[test]
fn sgd_with_momentum_resumes_exactly() {
    resumes_exactly(Box::new(Sgd::new().momentum(0.9)), &["momentum"]);
    let nesterov = Sgd::new()
        .with_learning_rate(0.05)
        .momentum(0.5)
        .nesterov(true);
    resumes_exactly(
        Box::new(nesterov.clipvalue(0.8).weight_decay(0.01)),
        &["momentum"],
    );
}

#[test]
fn adam_resumes_exactly_with_a_schedule() {
    let decay = ExponentialDecay::new(0.05, 2, 0.5).unwrap();
    resumes_exactly(
        Box::new(Adam::new().schedule(decay)),
        &["momentum", "velocity"],
    );
    let ams = Adam::new()
        .with_learning_rate(0.02)
        .amsgrad(true)
        .global_clipnorm(1.0);
    resumes_exactly(Box::new(ams), &["momentum", "velocity", "velocity_hat"]);
}

#[test]
fn adamw_resumes_exactly() {
    let opt = AdamW::new()
        .with_learning_rate(0.01)
        .beta_1(0.8)
        .clipnorm(0.5);
    resumes_exactly(Box::new(opt), &["momentum", "velocity"]);
}

#[test]
fn rmsprop_centered_with_momentum_resumes_exactly() {
    let decay = ExponentialDecay::new(0.01, 3, 0.9).unwrap().staircase(true);
    let opt = RmsProp::new().centered(true).momentum(0.5).schedule(decay);
    resumes_exactly(Box::new(opt), &["velocity", "momentum", "average_gradient"]);
    resumes_exactly(Box::new(RmsProp::new().rho(0.8)), &["velocity"]);
}

#[test]
fn plain_sgd_keeps_no_slots_and_resumes_from_its_step_count() {
    let mut a = Sgd::new().schedule(ExponentialDecay::new(0.1, 1, 0.5).unwrap());
    let w = weights();
    train(&mut a, &w, 0..2);
    assert!(w.iter().all(|w| a.slots(w).is_empty()));
    let mut b = optimizer_from_config(&a.config().unwrap()).unwrap();
    assert_eq!(b.learning_rate(), 0.1);
    b.set_iterations(2).unwrap();
    assert_eq!(b.learning_rate(), a.learning_rate());
}

/// Every optimizer variant's config, as `config` writes it, for the round trip.
fn variants() -> Vec<Box<dyn Optimizer>> {
    let decay = || ExponentialDecay::new(0.1, 10, 0.96).unwrap();
    vec![
        Box::new(Sgd::new()),
        Box::new(Sgd::new().momentum(0.9).nesterov(true).clipnorm(2.0)),
        Box::new(Sgd::new().schedule(decay().staircase(true)).clipvalue(0.1)),
        Box::new(Adam::new()),
        Box::new(
            Adam::new()
                .amsgrad(true)
                .beta_1(0.5)
                .beta_2(0.75)
                .epsilon(1e-3),
        ),
        Box::new(
            Adam::new()
                .weight_decay(0.1)
                .global_clipnorm(1.5)
                .schedule(decay()),
        ),
        Box::new(AdamW::new()),
        Box::new(
            AdamW::new()
                .weight_decay(0.0)
                .amsgrad(true)
                .with_learning_rate(3e-4),
        ),
        Box::new(RmsProp::new()),
        Box::new(
            RmsProp::new()
                .centered(true)
                .momentum(0.9)
                .rho(0.95)
                .epsilon(1e-6),
        ),
        Box::new(
            RmsProp::new()
                .schedule(decay())
                .clipnorm(1.0)
                .weight_decay(0.004),
        ),
    ]
}

#[test]
fn every_optimizer_config_reads_back_to_itself() {
    for opt in variants() {
        let config = opt.config().unwrap();
        let copy = optimizer_from_config(&config).unwrap();
        assert_eq!(copy.config().unwrap(), config);
        assert_eq!(copy.name(), opt.name());
        assert_eq!(copy.learning_rate(), opt.learning_rate());
        assert_eq!(copy.has_schedule(), opt.has_schedule());
    }
}

#[test]
fn configs_hold_keras_keys_and_values() {
    let keys = |opt: &dyn Optimizer| -> Vec<String> {
        let mut k: Vec<String> = opt
            .config()
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    let base = [
        "clipnorm",
        "clipvalue",
        "global_clipnorm",
        "learning_rate",
        "name",
        "weight_decay",
    ];
    let with = |own: &[&str]| {
        let mut k: Vec<String> = base.iter().chain(own).map(|s| s.to_string()).collect();
        k.sort();
        k
    };
    assert_eq!(keys(&Sgd::new()), with(&["momentum", "nesterov"]));
    let adam = ["amsgrad", "beta_1", "beta_2", "epsilon"];
    assert_eq!(keys(&Adam::new()), with(&adam));
    assert_eq!(keys(&AdamW::new()), with(&adam));
    assert_eq!(
        keys(&RmsProp::new()),
        with(&["centered", "epsilon", "momentum", "rho"])
    );

    // Keras's defaults, written as Keras writes them (0.001, not 0.0010000000474974513).
    let config = AdamW::new().config().unwrap();
    assert_eq!(config["name"], "adamw");
    assert_eq!(config["learning_rate"].to_string(), "0.001");
    assert_eq!(config["weight_decay"].to_string(), "0.004");
    assert_eq!(config["epsilon"].to_string(), "1e-7");
    assert_eq!(config["clipnorm"], Value::Null);
    assert_eq!(Adam::new().config().unwrap()["weight_decay"], Value::Null);
}

#[test]
fn every_optimizer_name_makes_its_defaults_from_a_config() {
    for name in OPTIMIZER_NAMES {
        let from_config = optimizer_from_config(&json!({ "name": name })).unwrap();
        let from_name = optimizer_from_name(name).unwrap();
        assert_eq!(from_config.config().unwrap(), from_name.config().unwrap());
    }
    // Keras's class names, in any letter case.
    for name in ["SGD", "Adam", "AdamW", "RMSprop"] {
        assert!(
            optimizer_from_config(&json!({ "name": name })).is_ok(),
            "{name}"
        );
    }
}

fn refused(config: Value) -> String {
    optimizer_from_config(&config)
        .err()
        .unwrap_or_else(|| panic!("{config} must be refused"))
        .to_string()
}

#[test]
fn bad_optimizer_configs_are_refused_naming_the_key() {
    assert_eq!(
        refused(json!({"name": "adam", "beta1": 0.9})),
        "`beta1` is not a config key of optimizer `adam`; known keys: name, learning_rate, \
         weight_decay, clipnorm, global_clipnorm, clipvalue, beta_1, beta_2, epsilon, amsgrad"
    );
    // SGD has no `rho`; Keras's EMA keys are not supported.
    assert!(refused(json!({"name": "sgd", "rho": 0.9})).starts_with("`rho` is not a config key"));
    assert!(refused(json!({"name": "sgd", "use_ema": false})).starts_with("`use_ema` is not"));
    assert_eq!(
        refused(json!({"name": "rmsprop", "centered": "yes"})),
        "`centered` of optimizer `rmsprop` must be true or false, but it is \"yes\""
    );
    assert_eq!(
        refused(json!({"name": "adam", "learning_rate": "0.1"})),
        "`learning_rate` of optimizer `adam` must be a number or a schedule's config \
         (`{\"class_name\": …, \"config\": {…}}`), but it is \"0.1\""
    );
    // JSON cannot hold NaN: serde_json writes it as null, which is not a learning rate.
    assert!(refused(json!({"name": "adam", "learning_rate": f64::NAN})).contains("but it is null"));
    assert_eq!(
        refused(json!({"name": "adam", "learning_rate": 1e39})),
        "`learning_rate` of optimizer `adam` must be a number within the range of `f32`, but it is 1e+39"
    );
    assert_eq!(
        refused(json!({"name": "adam", "learning_rate": -0.5})),
        "`adam`: `learning_rate` must be a finite number ≥ 0, but it is -0.5"
    );
    assert_eq!(
        refused(json!({"name": "rmsprop", "rho": 1.0})),
        "`rmsprop`: `rho` must be in [0, 1), but it is 1.0"
    );
    assert!(
        refused(json!({"name": "sgd", "clipnorm": 1, "global_clipnorm": 1}))
            .contains("only one of")
    );
    assert_eq!(
        refused(json!({"name": "adagrad"})),
        "unknown optimizer `adagrad`; known optimizers: sgd, adam, adamw, rmsprop"
    );
    assert_eq!(
        refused(json!({"learning_rate": 0.1})),
        "`name` is missing from the optimizer config"
    );
    assert_eq!(
        refused(json!({"name": ["adam"]})),
        "`name` of the optimizer config must be a string, but it is [\"adam\"]"
    );
    assert_eq!(
        refused(json!("adam")),
        "`optimizer config` must be a JSON object, but it is \"adam\""
    );
    assert!(matches!(
        optimizer_from_config(&json!({"name": "sgd", "momentum": true})),
        Err(Error::InvalidConfig { field, .. }) if field == "momentum"
    ));
}

#[test]
fn bad_schedules_in_a_config_are_refused_naming_the_key() {
    let with = |schedule: Value| refused(json!({"name": "sgd", "learning_rate": schedule}));
    let decay = |config: Value| json!({"class_name": "ExponentialDecay", "config": config});
    assert_eq!(
        with(decay(
            json!({"initial_learning_rate": 0.1, "decay_steps": 1.5, "decay_rate": 0.5})
        )),
        "`learning_rate.config.decay_steps` of schedule `ExponentialDecay` must be a whole \
         number ≥ 0, but it is 1.5"
    );
    assert!(
        with(decay(
            json!({"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5})
        ))
        .contains("decay_steps must be > 0")
    );
    assert!(
        with(decay(
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "warmup": 3})
        ))
        .starts_with(
            "`learning_rate.config.warmup` is not a config key of schedule `ExponentialDecay`"
        )
    );
    assert_eq!(
        with(json!({"class_name": "CyclicalDecay", "config": {}})),
        "unknown learning-rate schedule `CyclicalDecay`; known learning-rate schedules: \
         CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, \
         PiecewiseConstantDecay, PolynomialDecay"
    );
    assert_eq!(
        with(json!({"class_name": "ExponentialDecay", "config": {}, "module": "keras"})),
        "`learning_rate.module` is not a config key of a learning-rate schedule; known keys: class_name, config"
    );
}

#[test]
fn a_schedule_given_as_a_closure_cannot_be_saved() {
    let opt = Adam::new().schedule(|step: u64| 0.1 / (step + 1) as f32);
    let err = opt.config().unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { op: "adam", .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "`adam`: `learning_rate`: the learning rate is computed by a schedule given as a \
         closure (or by a schedule type without `LearningRateSchedule::config`), which is \
         code, not data, and cannot be saved; use a built-in schedule such as `ExponentialDecay`"
    );
}

#[test]
fn settings_that_validate_refuses_cannot_be_saved() {
    let err = Adam::new().beta_1(1.5).config().unwrap_err();
    assert_eq!(
        err.to_string(),
        "`adam`: `beta_1` must be in [0, 1), but it is 1.5"
    );
    assert!(Sgd::new().with_learning_rate(f32::NAN).config().is_err());
}

/// An Adam trained two steps on `w`, to restore slots into.
fn trained_adam(w: &Weight) -> Adam {
    let mut adam = Adam::new().amsgrad(true);
    train(&mut adam, std::slice::from_ref(w), 0..2);
    adam
}

#[test]
fn bad_slots_are_refused_and_change_nothing() {
    let w = weights().remove(0);
    let mut adam = trained_adam(&w);
    let before = saved_slots(&adam, &w);
    let good = |name: &str| (name.to_string(), Tensor::full(&[3, 2], 0.5));
    let cases: Vec<(Vec<(String, Tensor)>, &str)> = vec![
        (
            vec![good("momentum"), good("velocity"), good("m")],
            "`adam`: weight `kernel` has no slot `m`; the slots of `adam` are `momentum`, `velocity`, `velocity_hat`",
        ),
        (
            vec![
                good("momentum"),
                ("velocity".into(), Tensor::full(&[2, 3], 0.5)),
            ],
            "`adam` cannot combine shapes [3, 2] and [2, 3]: slot `velocity` of weight `kernel` must have the weight's shape",
        ),
        (
            vec![
                good("momentum"),
                (
                    "velocity".into(),
                    Tensor::from_vec(vec![0.1, 0.2, f32::NAN, 0.0, 0.0, 0.0], &[3, 2]),
                ),
            ],
            "`adam`: slot `velocity` of weight `kernel` holds NaN at flat index 2; its values must be finite numbers ≥ 0",
        ),
        (
            vec![
                ("momentum".into(), Tensor::full(&[3, 2], f32::INFINITY)),
                good("velocity"),
            ],
            "`adam`: slot `momentum` of weight `kernel` holds inf at flat index 0; its values must be finite numbers",
        ),
        (
            vec![
                good("momentum"),
                ("velocity".into(), Tensor::full(&[3, 2], -1.0)),
            ],
            "`adam`: slot `velocity` of weight `kernel` holds -1.0 at flat index 0; its values must be finite numbers ≥ 0",
        ),
        (
            vec![good("momentum")],
            "`adam`: slot `velocity` of weight `kernel` is missing; `adam` keeps `momentum` and `velocity` for every weight",
        ),
        (
            vec![good("momentum"), good("velocity"), good("momentum")],
            "`adam`: slot `momentum` of weight `kernel` is given twice",
        ),
    ];
    for (slots, message) in cases {
        let err = adam.set_slots(&w, &slots).unwrap_err();
        assert_eq!(err.to_string(), message);
        let now = saved_slots(&adam, &w);
        assert_eq!(now.len(), before.len());
        for ((n1, t1), (n2, t2)) in now.iter().zip(&before) {
            assert_eq!((n1, t1.to_vec()), (n2, t2.to_vec()));
        }
    }
    // And the optimizer still steps exactly as one that was never given bad slots.
    let twin_w = weights().remove(0);
    let mut twin = trained_adam(&twin_w);
    train(&mut adam, std::slice::from_ref(&w), 2..4);
    train(&mut twin, std::slice::from_ref(&twin_w), 2..4);
    assert_eq!(w.value().to_vec(), twin_w.value().to_vec());
}

#[test]
fn slots_of_an_unbuilt_weight_are_refused() {
    let unbuilt = Weight::unbuilt("kernel", Initializer::zeros(), true);
    let mut sgd = Sgd::new().momentum(0.9);
    let err = sgd
        .set_slots(&unbuilt, &[("momentum".into(), Tensor::zeros(&[2]))])
        .unwrap_err();
    assert!(matches!(err, Error::UnbuiltWeight { .. }), "{err}");
    assert!(sgd.slots(&unbuilt).is_empty());
}

#[test]
fn restoring_no_slots_forgets_the_weight_state() {
    let w = weights().remove(1);
    let mut sgd = Sgd::new().momentum(0.9);
    train(&mut sgd, std::slice::from_ref(&w), 0..2);
    assert_eq!(sgd.state_size(), 2 + 2);
    sgd.set_slots(&w, &[]).unwrap();
    assert!(sgd.slots(&w).is_empty());
    assert_eq!(sgd.state_size(), 2);

    // Optional slots may be left out: RMSprop's momentum then starts again from zero.
    let mut rms = RmsProp::new().momentum(0.5);
    rms.set_slots(&w, &[("velocity".into(), Tensor::ones(&[2]))])
        .unwrap();
    let names: Vec<&str> = rms.slots(&w).iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["velocity"]);
    train(&mut rms, std::slice::from_ref(&w), 0..1);
    let names: Vec<&str> = rms.slots(&w).iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["velocity", "momentum"]);
}

/// An optimizer of one's own that implements only what it must.
struct Halving(u64);

impl Optimizer for Halving {
    fn name(&self) -> &'static str {
        "halving"
    }
    fn learning_rate(&self) -> f32 {
        0.5
    }
    fn set_learning_rate(&mut self, _: f32) -> Result<()> {
        Ok(())
    }
    fn iterations(&self) -> u64 {
        self.0
    }
    fn apply(&mut self, _: &[&Weight], _: &GradStore) -> Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn state_size(&self) -> usize {
        1
    }
}

#[test]
fn optimizers_of_ones_own_refuse_to_be_saved_or_restored_by_default() {
    let w = weights().remove(1);
    let mut opt = Halving(0);
    assert_eq!(
        opt.config().unwrap_err().to_string(),
        "`halving`: cannot be saved: this optimizer does not implement `Optimizer::config`"
    );
    assert!(opt.slots(&w).is_empty());
    assert!(opt.set_slots(&w, &[]).is_ok());
    assert!(
        opt.set_slots(&w, &[("momentum".into(), Tensor::zeros(&[2]))])
            .is_err()
    );
    let err = opt.set_iterations(5).unwrap_err();
    assert!(
        err.to_string().contains("cannot restore the step count 5"),
        "{err}"
    );
    assert_eq!(opt.iterations(), 0);
}

#[test]
fn settings_survive_json_text_bit_for_bit() {
    // A spread of f32 values over many magnitudes, and Keras's usual settings.
    let mut values: Vec<f32> = (0..4000u32)
        .map(|i| f32::from_bits(0x3000_0000 + i.wrapping_mul(0x0004_1a7b) % 0x0f80_0000))
        .collect();
    values.extend([0.1, 1e-3, 3e-4, 1e-7, 0.9, 0.999, 0.95, 0.004]);
    for v in values {
        let opt = RmsProp::new()
            .with_learning_rate(v)
            .rho(v.min(0.99))
            .epsilon(v);
        let text = opt.config().unwrap().to_string();
        let copy = optimizer_from_config(&serde_json::from_str(&text).unwrap()).unwrap();
        assert_eq!(copy.learning_rate().to_bits(), v.to_bits(), "{text}");
        assert_eq!(copy.config().unwrap().to_string(), text);
    }
}
