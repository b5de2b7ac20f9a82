//! Optimizer states never become subnormal. A weight whose gradient turns 0 (a dead ReLU
//! unit, an embedding row absent from the batch) has its moments and velocities decay
//! geometrically towards 0; on x86 every operation on a subnormal value takes a slow
//! microcode path, which made W1's 2nd–4th `fit` epochs 2.5× slower. The optimizers store a
//! state below 1e-30 as 0 and treat a gradient whose square would be subnormal as having a
//! square of 0, as a CPU that flushes subnormals does (TensorFlow and XLA set it so).

use layers::optim::{Adam, AdamW, Optimizer, RmsProp, Sgd};
use layers::prelude::*;

/// Every optimizer setting with a state that decays: Adam (and AMSGrad, AdamW), RMSprop
/// (plain, centred, with momentum), SGD with momentum (and Nesterov).
fn optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    vec![
        ("Adam", Box::new(Adam::new())),
        ("Adam amsgrad", Box::new(Adam::new().amsgrad(true))),
        ("AdamW", Box::new(AdamW::new())),
        ("RMSprop", Box::new(RmsProp::new())),
        (
            "RMSprop centred + momentum",
            Box::new(RmsProp::new().centered(true).momentum(0.9)),
        ),
        ("SGD momentum", Box::new(Sgd::new().momentum(0.9))),
        (
            "SGD Nesterov",
            Box::new(Sgd::new().momentum(0.5).nesterov(true)),
        ),
    ]
}

fn is_subnormal(v: f32) -> bool {
    v != 0.0 && v.abs() < f32::MIN_POSITIVE
}

#[test]
fn decaying_states_reach_zero_without_passing_through_subnormal_values() {
    // Gradients from large to one whose square is subnormal (1e-20² = 1e-40), then zero.
    let first = vec![1.0, 1e-3, 1e-10, 1e-20, -1e-25];
    let zero = vec![0.0; first.len()];
    for (name, mut opt) in optimizers() {
        let w = Weight::from_tensor("w", Tensor::from_vec(vec![0.5; first.len()], &[5]));
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::from_vec(first.clone(), &[5]));
        opt.apply(&[&w], &grads).unwrap();
        grads.insert(w.id(), Tensor::from_vec(zero.clone(), &[5]));
        let mut smallest_seen = f32::INFINITY;
        for step in 0..3000 {
            opt.apply(&[&w], &grads).unwrap();
            for (slot, value) in opt.slots(&w) {
                for v in value.to_vec() {
                    assert!(
                        !is_subnormal(v),
                        "{name}: slot `{slot}` holds the subnormal {v:e} after {} steps",
                        step + 2
                    );
                    if v != 0.0 {
                        smallest_seen = smallest_seen.min(v.abs());
                    }
                }
            }
            assert!(w.value().to_vec().iter().all(|v| !is_subnormal(*v)));
        }
        // The states did decay into the small numbers (so the check above had something to
        // catch), and ended at exactly 0 where they decay fast.
        assert!(
            smallest_seen < 1e-28,
            "{name}: smallest state {smallest_seen:e}"
        );
    }
}

#[test]
fn states_above_the_floor_keep_their_exact_values() {
    // One Adam step from m = v = 0: m = 0.1·g and v = 0.001·g², as Keras computes them, for
    // gradients whose states are normal numbers; g = 1e-20 gives m = 1e-21 and a v that
    // would be 1e-43 (subnormal), stored as 0.
    let g = [2.0f32, 1e-3, 1e-13, 1e-20];
    let w = Weight::from_tensor("w", Tensor::zeros(&[4]));
    let mut grads = GradStore::default();
    grads.insert(w.id(), Tensor::from_vec(g.to_vec(), &[4]));
    let mut adam = Adam::new();
    adam.apply(&[&w], &grads).unwrap();
    let slots = adam.slots(&w);
    let get = |name: &str| {
        slots
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.to_vec())
            .unwrap()
    };
    let (m, v) = (get("momentum"), get("velocity"));
    for i in 0..3 {
        let (want_m, want_v) = (0.1 * f64::from(g[i]), 0.001 * f64::from(g[i]).powi(2));
        assert!(
            (f64::from(m[i]) - want_m).abs() <= 1e-6 * want_m.abs(),
            "m[{i}]"
        );
        assert!((f64::from(v[i]) - want_v).abs() <= 1e-6 * want_v, "v[{i}]");
    }
    assert!((f64::from(m[3]) - 1e-21).abs() <= 1e-27);
    assert_eq!(v[3], 0.0);
}
