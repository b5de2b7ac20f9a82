//! Three steps of every optimizer (and of momentum, Nesterov, AMSGrad, centred RMSprop,
//! weight decay, each kind of clipping and exponential decay) against trajectories computed
//! independently in double precision from Keras 3's update rules by
//! `tests/reference/optimizers.py` (the table is `tests/reference/optimizers.txt`); plus the
//! rules every optimizer keeps: frozen weights stay put, errors change nothing, state is
//! counted as Keras counts it and updated in place.

use std::collections::BTreeMap;

use layers::optim::{
    Adam, AdamW, ExponentialDecay, LearningRateSchedule, OPTIMIZER_NAMES, RmsProp, Sgd,
    optimizer_from_name,
};
use layers::prelude::*;

#[derive(Default)]
struct Case {
    shapes: Vec<Vec<usize>>,
    init: Vec<Vec<f32>>,
    /// `grads[step][weight]`
    grads: Vec<Vec<Vec<f32>>>,
    /// `after[step][weight]`
    after: Vec<Vec<Vec<f64>>>,
}

fn values<T: std::str::FromStr>(field: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    field.split(',').map(|v| v.parse().unwrap()).collect()
}

fn put<T: Default>(list: &mut Vec<T>, index: usize, value: T) {
    if list.len() <= index {
        list.resize_with(index + 1, T::default);
    }
    list[index] = value;
}

fn table() -> BTreeMap<&'static str, Case> {
    let mut cases: BTreeMap<&'static str, Case> = BTreeMap::new();
    for line in include_str!("../reference/optimizers.txt").lines() {
        let f: Vec<&'static str> = line.split('\t').collect();
        let case = cases.entry(f[1]).or_default();
        match f[0] {
            "init" => {
                let w: usize = f[2].parse().unwrap();
                put(&mut case.shapes, w, values(f[3]));
                put(&mut case.init, w, values(f[4]));
            }
            "grad" | "after" => {
                let step = f[2].parse::<usize>().unwrap() - 1;
                let w: usize = f[3].parse().unwrap();
                if f[0] == "grad" {
                    if case.grads.len() <= step {
                        case.grads.resize_with(step + 1, Vec::new);
                    }
                    put(&mut case.grads[step], w, values(f[4]));
                } else {
                    if case.after.len() <= step {
                        case.after.resize_with(step + 1, Vec::new);
                    }
                    put(&mut case.after[step], w, values(f[4]));
                }
            }
            other => panic!("unknown line kind `{other}`"),
        }
    }
    cases
}

/// The optimizer each case of `optimizers.py` describes.
fn optimizer_for(case: &str) -> Box<dyn Optimizer> {
    let decay = |initial, steps, rate, staircase| {
        ExponentialDecay::new(initial, steps, rate)
            .unwrap()
            .staircase(staircase)
    };
    match case {
        "sgd" => Box::new(Sgd::new().with_learning_rate(0.1)),
        "sgd_momentum" => Box::new(Sgd::new().with_learning_rate(0.1).momentum(0.9)),
        "sgd_nesterov" => Box::new(
            Sgd::new()
                .with_learning_rate(0.1)
                .momentum(0.9)
                .nesterov(true),
        ),
        "sgd_clipnorm" => Box::new(Sgd::new().with_learning_rate(0.1).clipnorm(1.0)),
        "sgd_clipvalue" => Box::new(Sgd::new().with_learning_rate(0.1).clipvalue(0.5)),
        "sgd_global_clipnorm" => Box::new(Sgd::new().with_learning_rate(0.1).global_clipnorm(2.0)),
        "sgd_clipnorm_and_clipvalue" => Box::new(
            Sgd::new()
                .with_learning_rate(0.1)
                .clipnorm(1.0)
                .clipvalue(0.01),
        ),
        "sgd_exponential_decay" => Box::new(Sgd::new().schedule(decay(0.1, 2, 0.5, false))),
        "sgd_exponential_decay_staircase" => {
            Box::new(Sgd::new().schedule(decay(0.1, 2, 0.5, true)).momentum(0.5))
        }
        "adam" => Box::new(Adam::new().with_learning_rate(0.1)),
        "adam_defaults" => Box::new(Adam::new()),
        "adam_amsgrad" => Box::new(Adam::new().with_learning_rate(0.1).amsgrad(true)),
        "adam_betas" => Box::new(
            Adam::new()
                .with_learning_rate(0.05)
                .beta_1(0.5)
                .beta_2(0.75)
                .epsilon(1e-3),
        ),
        "adam_global_clipnorm" => {
            Box::new(Adam::new().with_learning_rate(0.1).global_clipnorm(2.0))
        }
        "adam_exponential_decay" => Box::new(Adam::new().schedule(decay(0.1, 1, 0.5, false))),
        "adamw" => Box::new(AdamW::new().with_learning_rate(0.1)),
        "adamw_strong_decay" => Box::new(
            AdamW::new()
                .with_learning_rate(0.1)
                .weight_decay(0.5)
                .amsgrad(true),
        ),
        "adamw_exponential_decay" => Box::new(
            AdamW::new()
                .schedule(decay(0.1, 1, 0.5, true))
                .weight_decay(0.5),
        ),
        "rmsprop" => Box::new(RmsProp::new().with_learning_rate(0.01)),
        "rmsprop_momentum" => Box::new(RmsProp::new().with_learning_rate(0.01).momentum(0.9)),
        "rmsprop_centered" => Box::new(RmsProp::new().with_learning_rate(0.01).centered(true)),
        "rmsprop_centered_momentum" => Box::new(
            RmsProp::new()
                .with_learning_rate(0.01)
                .centered(true)
                .momentum(0.5)
                .rho(0.8),
        ),
        "rmsprop_clipvalue" => Box::new(RmsProp::new().with_learning_rate(0.01).clipvalue(0.5)),
        other => panic!("no optimizer for case `{other}`"),
    }
}

#[test]
fn three_steps_match_the_reference() {
    let cases = table();
    assert_eq!(cases.len(), 23);
    for (name, case) in &cases {
        let mut opt = optimizer_for(name);
        let weights: Vec<Weight> = case
            .init
            .iter()
            .zip(&case.shapes)
            .enumerate()
            .map(|(i, (v, s))| Weight::from_tensor(format!("w{i}"), Tensor::from_vec(v.clone(), s)))
            .collect();
        let refs: Vec<&Weight> = weights.iter().collect();
        for (step, grads_of_step) in case.grads.iter().enumerate() {
            let mut grads = GradStore::default();
            for (w, g) in weights.iter().zip(grads_of_step) {
                grads.insert(w.id(), Tensor::from_vec(g.clone(), &w.shape().unwrap()));
            }
            opt.apply(&refs, &grads).unwrap();
            for (i, w) in weights.iter().enumerate() {
                assert_eq!(
                    case.after[step][i].len(),
                    w.len(),
                    "{name}: the table has every value"
                );
                for (j, (&found, &expected)) in w
                    .value()
                    .to_vec()
                    .iter()
                    .zip(&case.after[step][i])
                    .enumerate()
                {
                    let err = (f64::from(found) - expected).abs();
                    assert!(
                        err <= 2e-6 + 2e-6 * expected.abs(),
                        "{name}, step {}, weight {i}[{j}]: {found}, expected {expected}",
                        step + 1
                    );
                }
            }
        }
        assert_eq!(opt.iterations(), 3, "{name}");
    }
}

fn all_kinds() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::new()),
        Box::new(Sgd::new().momentum(0.9).nesterov(true)),
        Box::new(Adam::new()),
        Box::new(Adam::new().amsgrad(true)),
        Box::new(AdamW::new()),
        Box::new(RmsProp::new()),
        Box::new(RmsProp::new().centered(true).momentum(0.5)),
    ]
}

#[test]
fn non_trainable_and_gradient_free_weights_are_never_touched() {
    for mut opt in all_kinds() {
        let trainable = Weight::from_tensor("kernel", Tensor::ones(&[2]));
        let mut declared = Weight::from_tensor("moving_mean", Tensor::ones(&[2]));
        declared.set_trainable(false);
        let mut frozen = Weight::from_tensor("frozen", Tensor::ones(&[2]));
        frozen.set_frozen(true);
        let without_grad = Weight::from_tensor("bias", Tensor::ones(&[2]));
        let mut grads = GradStore::default();
        for w in [&trainable, &declared, &frozen] {
            grads.insert(w.id(), Tensor::full(&[2], 0.5));
        }
        for _ in 0..3 {
            opt.apply(&[&trainable, &declared, &frozen, &without_grad], &grads)
                .unwrap();
        }
        assert!(
            trainable.value().to_vec().iter().all(|&v| v < 1.0),
            "{}",
            opt.name()
        );
        for w in [&declared, &frozen, &without_grad] {
            assert_eq!(
                w.value().to_vec(),
                vec![1.0, 1.0],
                "{} moved `{}`",
                opt.name(),
                w.name()
            );
        }
    }
}

#[test]
fn a_bad_gradient_changes_nothing() {
    for mut opt in all_kinds() {
        let a = Weight::from_tensor("a", Tensor::ones(&[2]));
        let b = Weight::from_tensor("kernel", Tensor::ones(&[2, 3]));
        let mut grads = GradStore::default();
        grads.insert(a.id(), Tensor::ones(&[2]));
        grads.insert(b.id(), Tensor::ones(&[3, 2]));
        let err = opt.apply(&[&a, &b], &grads).unwrap_err();
        assert!(matches!(err, Error::IncompatibleShapes { .. }));
        assert_eq!(
            err.to_string(),
            format!(
                "`{}` cannot combine shapes [2, 3] and [3, 2]: the gradient of weight `kernel` must have the weight's shape",
                opt.name()
            )
        );
        assert_eq!(a.value().to_vec(), vec![1.0, 1.0]);
        assert_eq!(opt.iterations(), 0);
        // no slot was created for `a` either: only `iterations` and the learning rate
        assert_eq!(opt.state_size(), 2, "{}", opt.name());
    }
}

#[test]
fn a_non_finite_update_changes_nothing() {
    for mut opt in all_kinds() {
        let name = opt.name();
        // `fine` comes first, so an optimizer that writes as it goes would move it before
        // reaching `huge`.
        let fine = Weight::from_tensor("fine", Tensor::ones(&[2]));
        let huge = Weight::from_tensor("huge", Tensor::from_vec(vec![1.0, f32::MAX], &[2]));
        let mut grads = GradStore::default();
        grads.insert(fine.id(), Tensor::ones(&[2]));
        // Finite, but: SGD takes MAX + 0.01·MAX = inf; Adam's and RMSprop's g² = inf
        // makes their second-moment slot infinite (and centred RMSprop's √(inf − inf) NaN).
        grads.insert(huge.id(), Tensor::from_vec(vec![1.0, -f32::MAX], &[2]));
        let err = opt.apply(&[&fine, &huge], &grads).unwrap_err().to_string();
        assert!(
            err.contains("`huge`") && err.contains("NaN or infinite"),
            "{name}: {err}"
        );
        assert_eq!(fine.value().to_vec(), vec![1.0, 1.0], "{name}");
        assert_eq!(huge.value().to_vec(), vec![1.0, f32::MAX], "{name}");
        assert_eq!((opt.iterations(), opt.state_size()), (0, 2), "{name}");
        // a good step afterwards works as if the bad one had never been tried
        grads.insert(huge.id(), Tensor::ones(&[2]));
        opt.apply(&[&fine, &huge], &grads).unwrap();
        assert_eq!(opt.iterations(), 1, "{name}");
        assert!(fine.value().to_vec()[0] < 1.0, "{name}");
    }
}

/// Every kind, plain and with each kind of clipping and with weight decay: the kernels
/// have a faster loop for a step that neither clips nor decays, and a clipped gradient can
/// be finite where the gradient was not.
fn all_kinds_and_settings() -> Vec<Box<dyn Optimizer>> {
    macro_rules! each_kind {
        ($($set:tt)*) => {{
            let all: Vec<Box<dyn Optimizer>> = vec![
                Box::new(Sgd::new()$($set)*),
                Box::new(Sgd::new().momentum(0.9).nesterov(true)$($set)*),
                Box::new(Adam::new()$($set)*),
                Box::new(Adam::new().amsgrad(true)$($set)*),
                Box::new(AdamW::new()$($set)*),
                Box::new(RmsProp::new()$($set)*),
                Box::new(RmsProp::new().centered(true).momentum(0.5)$($set)*),
            ];
            all
        }};
    }
    let mut all = each_kind!();
    all.extend(each_kind!(.clipvalue(1.0)));
    all.extend(each_kind!(.clipnorm(1.0)));
    all.extend(each_kind!(.global_clipnorm(1.0)));
    all.push(Box::new(AdamW::new().weight_decay(0.1)));
    all
}

#[test]
fn a_non_finite_gradient_is_refused_with_or_without_clipping() {
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        for mut opt in all_kinds_and_settings() {
            let name = opt.name();
            let w = Weight::from_tensor("kernel", Tensor::from_vec(vec![0.5, -0.25, 2.0], &[3]));
            let mut grads = GradStore::default();
            grads.insert(w.id(), Tensor::from_vec(vec![0.1, bad, -0.3], &[3]));
            let err = opt.apply(&[&w], &grads).unwrap_err();
            assert!(
                matches!(err, Error::NonFiniteUpdate { gradient: true, .. }),
                "{name} with a gradient of {bad}: {err}"
            );
            assert_eq!(w.value().to_vec(), vec![0.5, -0.25, 2.0], "{name}");
            assert_eq!(opt.iterations(), 0, "{name}");
        }
    }
}

#[test]
fn the_plain_and_the_general_update_loops_agree_bit_for_bit() {
    // A clipping limit no gradient reaches takes the general loop (clipping on) through the
    // same arithmetic as the plain one.
    let pairs: Vec<(Box<dyn Optimizer>, Box<dyn Optimizer>)> = vec![
        (Box::new(Adam::new()), Box::new(Adam::new().clipvalue(1e30))),
        (
            Box::new(AdamW::new().weight_decay(0.0)),
            Box::new(AdamW::new().weight_decay(0.0).clipvalue(1e30)),
        ),
    ];
    for (mut plain, mut general) in pairs {
        let start: Vec<f32> = (0..300)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0)
            .collect();
        let (a, b) = (
            Weight::from_tensor("kernel", Tensor::from_vec(start.clone(), &[300])),
            Weight::from_tensor("kernel", Tensor::from_vec(start, &[300])),
        );
        for step in 0..5 {
            let g: Vec<f32> = (0..300)
                .map(|i| (((i * 13 + step * 7) % 29) as f32 - 14.0) * 0.37)
                .collect();
            for (opt, w) in [(&mut plain, &a), (&mut general, &b)] {
                let mut grads = GradStore::default();
                grads.insert(w.id(), Tensor::from_vec(g.clone(), &[300]));
                opt.apply(&[w], &grads).unwrap();
            }
        }
        let bits = |w: &Weight| {
            w.value()
                .to_vec()
                .iter()
                .map(|v| v.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(&a), bits(&b), "{}", plain.name());
        assert_ne!(a.value().to_vec()[0], -2.0, "the weights moved");
    }
}

#[test]
fn hyperparameters_are_checked_before_any_update() {
    let cases: Vec<(Box<dyn Optimizer>, &str)> = vec![
        (
            Box::new(Sgd::new().with_learning_rate(-0.5)),
            "`learning_rate`",
        ),
        (
            Box::new(Sgd::new().with_learning_rate(f32::NAN)),
            "`learning_rate`",
        ),
        (
            Box::new(Adam::new().with_learning_rate(f32::INFINITY)),
            "`learning_rate`",
        ),
        (Box::new(Sgd::new().momentum(1.5)), "`momentum`"),
        (Box::new(Sgd::new().momentum(-0.1)), "`momentum`"),
        (Box::new(Adam::new().beta_1(1.0)), "`beta_1`"),
        (Box::new(AdamW::new().beta_2(f32::NAN)), "`beta_2`"),
        (Box::new(Adam::new().epsilon(-1e-7)), "`epsilon`"),
        (
            Box::new(AdamW::new().weight_decay(f32::NAN)),
            "`weight_decay`",
        ),
        (Box::new(RmsProp::new().rho(2.0)), "`rho`"),
        (Box::new(RmsProp::new().momentum(f32::NAN)), "`momentum`"),
        (Box::new(RmsProp::new().epsilon(f32::INFINITY)), "`epsilon`"),
        (Box::new(Sgd::new().clipnorm(f32::INFINITY)), "`clipnorm`"),
    ];
    for (mut opt, setting) in cases {
        let w = Weight::from_tensor("w", Tensor::ones(&[2]));
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::ones(&[2]));
        let err = opt.apply(&[&w], &grads).unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("`{}`: {setting} must be", opt.name())),
            "{err}"
        );
        assert_eq!(w.value().to_vec(), vec![1.0, 1.0], "{err}");
        assert_eq!(opt.iterations(), 0, "{err}");
    }
}

#[test]
fn a_schedule_that_gives_a_bad_rate_is_refused_at_that_step() {
    let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    let mut grads = GradStore::default();
    grads.insert(w.id(), Tensor::ones(&[1]));
    let mut sgd = Sgd::new().schedule(|step: u64| if step < 2 { 0.5 } else { -0.5 });
    sgd.apply(&[&w], &grads).unwrap();
    sgd.apply(&[&w], &grads).unwrap();
    let err = sgd.apply(&[&w], &grads).unwrap_err().to_string();
    assert_eq!(
        err,
        "`SGD`: the learning-rate schedule gave -0.5 for step 2; a learning rate must be a finite number ≥ 0"
    );
    assert_eq!((w.value().item(), sgd.iterations()), (-1.0, 2));
}

#[test]
fn clipping_settings_are_checked() {
    let mut both = Sgd::new().clipnorm(1.0).global_clipnorm(1.0);
    assert_eq!(
        both.apply(&[], &GradStore::default())
            .unwrap_err()
            .to_string(),
        "`SGD`: only one of `clipnorm` and `global_clipnorm` can be set, but both are"
    );
    let mut zero = Adam::new().clipvalue(0.0);
    assert_eq!(
        zero.apply(&[], &GradStore::default())
            .unwrap_err()
            .to_string(),
        "`adam`: `clipvalue` must be a finite number > 0, but it is 0.0"
    );
    assert!(
        RmsProp::new()
            .clipnorm(-1.0)
            .apply(&[], &GradStore::default())
            .is_err()
    );
    assert!(
        RmsProp::new()
            .global_clipnorm(f32::NAN)
            .apply(&[], &GradStore::default())
            .is_err()
    );
}

#[test]
fn state_is_counted_as_keras_counts_optimizer_variables() {
    let w = Weight::from_tensor("kernel", Tensor::ones(&[3, 4]));
    let b = Weight::from_tensor("bias", Tensor::ones(&[4]));
    let n = 16;
    // iterations + learning_rate (a variable unless a schedule computes it) + slots
    let cases: Vec<(Box<dyn Optimizer>, usize)> = vec![
        (Box::new(Sgd::new()), 2),
        (Box::new(Sgd::new().momentum(0.9)), 2 + n),
        (
            Box::new(Sgd::new().momentum(0.9).schedule(|_: u64| 0.1)),
            1 + n,
        ),
        (Box::new(Adam::new()), 2 + 2 * n),
        (Box::new(Adam::new().amsgrad(true)), 2 + 3 * n),
        (Box::new(AdamW::new()), 2 + 2 * n),
        (Box::new(RmsProp::new()), 2 + n),
        (Box::new(RmsProp::new().momentum(0.5)), 2 + 2 * n),
        (
            Box::new(RmsProp::new().centered(true).momentum(0.5)),
            2 + 3 * n,
        ),
    ];
    for (mut opt, expected) in cases {
        let grads = (w.value().sum_all() + b.value().sum_all()).backward();
        opt.apply(&[&w, &b], &grads).unwrap();
        opt.apply(&[&w, &b], &grads).unwrap();
        assert_eq!(opt.state_size(), expected, "{}", opt.name());
    }
}

#[test]
fn updates_reuse_two_buffers_without_allocating() {
    // A step writes the new weight into a buffer of its own and swaps it in: from the second
    // step on, the storage alternates between the same two buffers, so no step allocates.
    for mut opt in all_kinds() {
        let w = Weight::from_tensor("w", Tensor::ones(&[64]));
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::full(&[64], 0.25));
        let mut storage = Vec::new();
        for _ in 0..6 {
            opt.apply(&[&w], &grads).unwrap();
            storage.push(w.value().data().as_ptr());
        }
        assert_ne!(storage[1], storage[2], "{}", opt.name());
        for k in 1..4 {
            assert_eq!(
                storage[k],
                storage[k + 2],
                "{} allocated a new weight buffer at step {}",
                opt.name(),
                k + 3
            );
        }
    }
}

#[test]
fn exponential_decay_follows_the_keras_formula() {
    // 0.1 · 0.5^(step / 2)
    let smooth = ExponentialDecay::new(0.1, 2, 0.5).unwrap();
    let expected: [f64; 5] = [0.1, 0.070_710_678, 0.05, 0.035_355_339, 0.025];
    for (step, e) in expected.iter().enumerate() {
        assert!(
            (f64::from(smooth.rate(step as u64)) - e).abs() < 1e-8,
            "step {step}"
        );
    }
    let stairs = smooth.staircase(true);
    let rates: Vec<f32> = (0..5).map(|s| stairs.rate(s)).collect();
    assert_eq!(rates, vec![0.1, 0.1, 0.05, 0.05, 0.025]);
    assert!(ExponentialDecay::new(0.1, 0, 0.5).is_err());
    assert!(ExponentialDecay::new(f32::NAN, 1, 0.5).is_err());
    assert!(ExponentialDecay::new(0.1, 1, -0.5).is_err());
    assert!(ExponentialDecay::new(-0.1, 1, 0.5).is_err());
}

#[test]
fn the_schedule_is_read_before_each_step() {
    let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    let mut grads = GradStore::default();
    grads.insert(w.id(), Tensor::ones(&[1]));
    let mut sgd = Sgd::new().schedule(|step: u64| [0.5, 0.25, 0.125][step as usize % 3]);
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(sgd.learning_rate());
        sgd.apply(&[&w], &grads).unwrap();
    }
    assert_eq!(seen, vec![0.5, 0.25, 0.125]);
    assert_eq!(w.value().item(), -0.875);
    // as in Keras, the rate of a scheduled optimizer cannot be set; the builder replaces it
    let err = sgd.set_learning_rate(1.0).unwrap_err().to_string();
    assert!(
        err.starts_with("`SGD`: the learning rate is computed by a schedule"),
        "{err}"
    );
    assert_eq!(sgd.learning_rate(), 0.5);
    let mut sgd = sgd.with_learning_rate(1.0);
    sgd.apply(&[&w], &grads).unwrap();
    assert_eq!((sgd.learning_rate(), w.value().item()), (1.0, -1.875));
    assert!(!sgd.has_schedule());
}

#[test]
fn set_learning_rate_refuses_a_bad_rate_and_keeps_the_old_one() {
    for mut opt in all_kinds() {
        for rate in [-1e-3, f32::NAN, f32::INFINITY] {
            let err = opt.set_learning_rate(rate).unwrap_err().to_string();
            assert_eq!(
                err,
                format!(
                    "`{}`: `learning_rate` must be a finite number ≥ 0, but it is {rate:?}",
                    opt.name()
                )
            );
        }
        let before = opt.learning_rate();
        assert!(before > 0.0);
        opt.set_learning_rate(0.0).unwrap();
        assert_eq!(opt.learning_rate(), 0.0);
    }
}

#[test]
fn names_resolve_as_in_keras() {
    let expected = [
        ("sgd", "SGD", 0.01),
        ("adam", "adam", 1e-3),
        ("adamw", "adamw", 1e-3),
        ("rmsprop", "rmsprop", 1e-3),
    ];
    for (name, keras_name, lr) in expected {
        let opt = optimizer_from_name(name).unwrap();
        assert_eq!(
            (opt.name(), opt.learning_rate(), opt.iterations()),
            (keras_name, lr, 0)
        );
        assert_eq!(
            optimizer_from_name(&name.to_uppercase()).unwrap().name(),
            keras_name
        );
    }
    assert_eq!(OPTIMIZER_NAMES.len(), 4);
    let err = optimizer_from_name("nadam").err().unwrap();
    assert!(matches!(
        err,
        Error::UnknownName {
            kind: "optimizer",
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "unknown optimizer `nadam`; known optimizers: sgd, adam, adamw, rmsprop"
    );
}

#[test]
fn a_loss_and_an_optimizer_fit_a_line() {
    // y = 2x − 1 from four points, MSE, Adam with lr 0.1: a smoke test that the pieces fit.
    let x = Tensor::from_vec(vec![0.0, 1.0, 2.0, 3.0], &[4, 1]);
    let y = Tensor::from_vec(vec![-1.0, 1.0, 3.0, 5.0], &[4, 1]);
    let kernel = Weight::from_tensor("kernel", Tensor::zeros(&[1, 1]));
    let bias = Weight::from_tensor("bias", Tensor::zeros(&[1]));
    let loss = layers::loss::loss_from_name("mse").unwrap();
    let mut opt = Adam::new().with_learning_rate(0.1);
    for _ in 0..500 {
        let grads = loss
            .compute(&y, &(x.matmul(&kernel) + &bias))
            .unwrap()
            .backward();
        opt.apply(&[&kernel, &bias], &grads).unwrap();
    }
    assert!((kernel.value().item() - 2.0).abs() < 1e-2, "{kernel:?}");
    assert!((bias.value().item() + 1.0).abs() < 2e-2, "{bias:?}");
}
