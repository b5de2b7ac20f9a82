//! Keras 3's learning-rate schedules (`PiecewiseConstantDecay`, `InverseTimeDecay`,
//! `PolynomialDecay`, `CosineDecay`, `CosineDecayRestarts`, `ExponentialDecay`) against the rates and configs Keras 3.15.1 itself
//! gives (`tests/reference/keras_schedules.py`, its output in `keras_schedules.txt`), and
//! the settings they refuse.

use layers::Error;
use layers::optim::{
    CosineDecay, CosineDecayRestarts, ExponentialDecay, InverseTimeDecay, LearningRateSchedule,
    PiecewiseConstantDecay, PolynomialDecay, schedule_from_config,
};
use serde_json::Value;

const TABLE: &str = include_str!("../reference/keras_schedules.txt");

/// The schedule `keras_schedules.py` builds under `name`, built with this library.
fn case(name: &str) -> Box<dyn LearningRateSchedule> {
    let built: Box<dyn LearningRateSchedule> = match name {
        "piecewise" => {
            Box::new(PiecewiseConstantDecay::new([10, 20, 30], [0.1, 0.05, 0.01, 0.001]).unwrap())
        }
        "piecewise_one" => Box::new(PiecewiseConstantDecay::new([5], [1.0, 0.3]).unwrap()),
        "inverse_time" => Box::new(InverseTimeDecay::new(0.1, 10, 0.5).unwrap()),
        "inverse_time_stairs" => {
            Box::new(InverseTimeDecay::new(0.1, 10, 0.5).unwrap().staircase(true))
        }
        "inverse_time_odd" => Box::new(InverseTimeDecay::new(0.003, 7, 1.3).unwrap()),
        "polynomial" => Box::new(PolynomialDecay::new(0.1, 20).unwrap()),
        "polynomial_sqrt" => Box::new(
            PolynomialDecay::new(0.1, 30)
                .and_then(|s| s.end_learning_rate(0.01))
                .and_then(|s| s.power(0.5))
                .unwrap(),
        ),
        "polynomial_cycle" => Box::new(
            PolynomialDecay::new(0.1, 20)
                .and_then(|s| s.end_learning_rate(0.001))
                .and_then(|s| s.power(2.0))
                .unwrap()
                .cycle(true),
        ),
        "polynomial_up" => Box::new(
            PolynomialDecay::new(0.01, 9)
                .and_then(|s| s.end_learning_rate(0.1))
                .and_then(|s| s.power(1.7))
                .unwrap(),
        ),
        "cosine" => Box::new(CosineDecay::new(0.1, 20).unwrap()),
        "cosine_alpha" => Box::new(
            CosineDecay::new(0.1, 30)
                .and_then(|s| s.alpha(0.1))
                .unwrap(),
        ),
        "cosine_warmup" => Box::new(
            CosineDecay::new(0.0, 20)
                .and_then(|s| s.alpha(0.05))
                .and_then(|s| s.warmup(0.1, 10))
                .unwrap(),
        ),
        "cosine_warmup_from" => Box::new(
            CosineDecay::new(0.01, 7)
                .and_then(|s| s.warmup(0.2, 3))
                .unwrap(),
        ),
        "cosine_warmup_zero" => Box::new(
            CosineDecay::new(0.01, 10)
                .and_then(|s| s.warmup(0.2, 0))
                .unwrap(),
        ),
        "restarts" => Box::new(CosineDecayRestarts::new(0.1, 10).unwrap()),
        "restarts_equal" => Box::new(
            CosineDecayRestarts::new(0.1, 10)
                .and_then(|s| s.t_mul(1.0))
                .and_then(|s| s.m_mul(0.5))
                .and_then(|s| s.alpha(0.1))
                .unwrap(),
        ),
        "restarts_odd" => Box::new(
            CosineDecayRestarts::new(0.05, 7)
                .and_then(|s| s.t_mul(1.5))
                .and_then(|s| s.m_mul(0.8))
                .and_then(|s| s.alpha(0.02))
                .unwrap(),
        ),
        "exponential" => Box::new(ExponentialDecay::new(0.1, 10, 0.5).unwrap()),
        "exponential_stairs" => {
            Box::new(ExponentialDecay::new(0.3, 7, 0.9).unwrap().staircase(true))
        }
        other => panic!("no case `{other}` in this test"),
    };
    built
}

/// The table's lines, split at tabs.
fn lines(kind: &str) -> impl Iterator<Item = Vec<&'static str>> + '_ {
    TABLE
        .lines()
        .map(|line| line.split('\t').collect::<Vec<_>>())
        .filter(move |f| f[0] == kind)
}

#[test]
fn the_rates_are_keras_rates_to_1e_6() {
    let (mut points, mut same_bits, mut worst) = (0, 0, (0.0_f64, String::new()));
    for f in lines("rate") {
        let (name, step) = (f[1], f[2].parse::<u64>().unwrap());
        let keras = f32::from_bits(u32::from_str_radix(f[3], 16).unwrap());
        let ours = case(name).rate(step);
        let error = (f64::from(ours) - f64::from(keras)).abs();
        let relative = if keras == 0.0 {
            error
        } else {
            error / f64::from(keras).abs()
        };
        assert!(
            relative <= 1e-6,
            "{name} at step {step}: {ours:e}, Keras {keras:e}"
        );
        points += 1;
        same_bits += usize::from(ours.to_bits() == keras.to_bits());

        if relative > worst.0 {
            worst = (relative, format!("{name} at step {step}"));
        }
    }
    println!("{points} points, {same_bits} the same bits as Keras, worst {worst:?}");
    assert_eq!(points, 19 * 24);
    // Keras's f32 order of operations is followed (and XLA's fused multiply-adds in
    // CosineDecay's warmup form): all 456 are the same bits here; the libm behind `cos`,
    // `ln` and `powf` may differ by an ulp elsewhere, hence 90 %.
    assert!(
        same_bits * 10 >= points * 9,
        "{same_bits} of {points}; worst {worst:?}"
    );
}

#[test]
fn the_configs_are_keras_configs_and_read_back() {
    for f in lines("config") {
        let (name, keras): (&str, Value) = (f[1], serde_json::from_str(f[2]).unwrap());
        let schedule = case(name);
        let config = schedule.config().unwrap();
        assert_eq!(config["config"], keras, "{name}");
        // Keras's own config (as Keras wrote it) reads back to the same schedule.
        let class = config["class_name"].clone();
        let read = schedule_from_config(&serde_json::json!({"class_name": class, "config": keras}))
            .unwrap();
        assert_eq!(read.config().unwrap(), config, "{name}");
        for step in [0, 1, 3, 7, 10, 20, 29, 30, 31, 1000] {
            assert_eq!(
                read.rate(step).to_bits(),
                schedule.rate(step).to_bits(),
                "{name} {step}"
            );
        }
    }
}

/// The message of an `InvalidArgument`.
fn refused<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Err(e @ Error::InvalidArgument { .. }) => e.to_string(),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

#[test]
fn bad_settings_are_refused_naming_the_setting() {
    let piecewise = |b: &[u64], v: &[f32]| refused(PiecewiseConstantDecay::new(b, v));
    assert_eq!(
        piecewise(&[10, 20], &[1.0, 0.5, 0.1, 0.01]),
        "`PiecewiseConstantDecay`: values must have one more entry than boundaries (2), but it has 4"
    );
    assert!(piecewise(&[], &[1.0]).contains("boundaries must have at least one entry"));
    assert_eq!(
        piecewise(&[10, 10], &[1.0, 0.5, 0.1]),
        "`PiecewiseConstantDecay`: boundaries must be strictly increasing, but boundaries[1] = \
         10 follows boundaries[0] = 10"
    );
    assert_eq!(
        piecewise(&[10], &[1.0, f32::NAN]),
        "`PiecewiseConstantDecay`: values[1] must be a finite number ≥ 0, but it is NaN"
    );
    assert!(piecewise(&[10], &[-1.0, 0.5]).contains("values[0] must be a finite number ≥ 0"));

    assert_eq!(
        refused(InverseTimeDecay::new(0.1, 0, 0.5)),
        "`InverseTimeDecay`: decay_steps must be > 0, but it is 0"
    );
    assert!(refused(InverseTimeDecay::new(f32::NAN, 5, 0.5)).contains("initial_learning_rate"));
    assert!(refused(InverseTimeDecay::new(0.1, 5, f32::INFINITY)).contains("decay_rate"));

    assert_eq!(
        refused(PolynomialDecay::new(0.1, 0)),
        "`PolynomialDecay`: decay_steps must be > 0, but it is 0"
    );
    assert!(refused(PolynomialDecay::new(-0.1, 5)).contains("initial_learning_rate"));
    let poly = PolynomialDecay::new(0.1, 5).unwrap();
    assert!(refused(poly.clone().end_learning_rate(-1e-3)).contains("end_learning_rate"));
    assert_eq!(
        refused(poly.clone().power(f32::NAN)),
        "`PolynomialDecay`: power must be a finite number ≥ 0, but it is NaN"
    );
    assert!(refused(poly.power(-1.0)).contains("power must be"));

    assert_eq!(
        refused(CosineDecay::new(0.1, 0)),
        "`CosineDecay`: decay_steps must be > 0, but it is 0"
    );
    assert!(refused(CosineDecay::new(f32::NEG_INFINITY, 5)).contains("initial_learning_rate"));
    let cosine = CosineDecay::new(0.1, 5).unwrap();
    assert!(refused(cosine.clone().alpha(f32::NAN)).contains("alpha must be"));
    assert!(refused(cosine.warmup(-0.1, 3)).contains("warmup_target must be"));

    assert_eq!(
        refused(CosineDecayRestarts::new(0.1, 0)),
        "`CosineDecayRestarts`: first_decay_steps must be > 0, but it is 0"
    );
    assert!(refused(CosineDecayRestarts::new(f32::NAN, 5)).contains("initial_learning_rate"));
    let restarts = CosineDecayRestarts::new(0.1, 5).unwrap();
    assert_eq!(
        refused(restarts.clone().t_mul(0.0)),
        "`CosineDecayRestarts`: t_mul must be a finite number > 0, but it is 0.0"
    );
    assert!(refused(restarts.clone().m_mul(-0.5)).contains("m_mul must be"));
    assert!(refused(restarts.alpha(f32::INFINITY)).contains("alpha must be"));
}

#[test]
fn bad_configs_are_refused_naming_the_key() {
    let refused = |class: &str, config: Value| {
        schedule_from_config(&serde_json::json!({"class_name": class, "config": config}))
            .err()
            .unwrap()
            .to_string()
    };
    use serde_json::json;
    assert_eq!(
        refused(
            "PiecewiseConstantDecay",
            json!({"boundaries": [10, 5.5], "values": [1, 2, 3]})
        ),
        "`config.boundaries[1]` of schedule `PiecewiseConstantDecay` must be a whole number ≥ 0, \
         but it is 5.5"
    );
    assert_eq!(
        refused("PiecewiseConstantDecay", json!({"boundaries": [10]})),
        "`config.values` is missing from the config of schedule `PiecewiseConstantDecay`"
    );
    assert_eq!(
        refused(
            "PiecewiseConstantDecay",
            json!({"boundaries": 10, "values": [1, 2]})
        ),
        "`config.boundaries` of schedule `PiecewiseConstantDecay` must be a list, but it is 10"
    );
    assert!(
        refused(
            "PiecewiseConstantDecay",
            json!({"boundaries": [10], "values": [1, "x"]})
        )
        .starts_with("`config.values[1]` of schedule `PiecewiseConstantDecay` must be a number")
    );
    assert!(
        refused(
            "PiecewiseConstantDecay",
            json!({"boundaries": [20, 10], "values": [1, 2, 3]})
        )
        .contains("boundaries must be strictly increasing")
    );
    assert!(
        refused(
            "InverseTimeDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "warmup": 1})
        )
        .starts_with(
            "`config.warmup` is not a config key of schedule `InverseTimeDecay`; known keys:"
        )
    );
    assert_eq!(
        refused(
            "InverseTimeDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5})
        ),
        "`config.decay_rate` is missing from the config of schedule `InverseTimeDecay`"
    );
    assert!(
        refused(
            "InverseTimeDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5})
        )
        .contains("decay_steps must be > 0")
    );
    assert_eq!(
        refused(
            "PolynomialDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "power": "2"})
        ),
        "`config.power` of schedule `PolynomialDecay` must be a number, but it is \"2\""
    );
    assert!(
        refused(
            "PolynomialDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "power": -2})
        )
        .contains("power must be a finite number ≥ 0")
    );
    assert_eq!(
        refused(
            "PolynomialDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "cycle": 1})
        ),
        "`config.cycle` of schedule `PolynomialDecay` must be true or false, but it is 1"
    );
    assert_eq!(
        refused("CosineDecay", json!({"decay_steps": 5})),
        "`config.initial_learning_rate` is missing from the config of schedule `CosineDecay`"
    );
    assert!(
        refused(
            "CosineDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "warmup_target": -1})
        )
        .contains("warmup_target must be a finite number ≥ 0")
    );
    assert_eq!(
        refused(
            "CosineDecay",
            json!({"initial_learning_rate": 0.1, "decay_steps": 5, "name": 3})
        ),
        "`config.name` of schedule `CosineDecay` must be a string, but it is 3"
    );
    assert_eq!(
        refused(
            "CosineDecayRestarts",
            json!({"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": -2})
        ),
        "`CosineDecayRestarts`: t_mul must be a finite number > 0, but it is -2.0"
    );
    assert_eq!(
        refused("CosineDecayRestarts", json!({"initial_learning_rate": 0.1})),
        "`config.first_decay_steps` is missing from the config of schedule `CosineDecayRestarts`"
    );
    assert!(
        refused("CyclicalDecay", json!({}))
            .starts_with("unknown learning-rate schedule `CyclicalDecay`; known learning-rate schedules: CosineDecay, CosineDecayRestarts, ExponentialDecay,")
    );
}
