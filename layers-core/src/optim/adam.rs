//! Adam and AdamW (Adam with decoupled weight decay), as Keras 3 defines them.
//!
//! ```
//! use layers_core::{GradStore, Tensor, Weight};
//! use layers_core::optim::{Adam, Optimizer};
//! let w = Weight::from_tensor("w", Tensor::zeros(&[2]));
//! let mut grads = GradStore::default();
//! grads.insert(w.id(), Tensor::from_vec(vec![3.0, -0.2], &[2]));
//! let mut adam = Adam::new().with_learning_rate(0.1);
//! adam.apply(&[&w], &grads)?;
//! // the first step moves every weight by about the learning rate, against its gradient
//! let v = w.value().to_vec();
//! assert!((v[0] + 0.1).abs() < 1e-6 && (v[1] - 0.1).abs() < 1e-5);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

use super::Optimizer;
use super::base::{
    Base, HasBase, Lanes, POSITIVE, Slot, SlotName, SlotState, Step, base_builders, buffer, carry,
    check_setting, floored, non_finite, squared, state_size, values, values_mut,
};
use super::config::{optimizer_config, optimizer_reader, read_base};
use crate::Weight;
use crate::autograd::{GradStore, VarId};
use crate::error::Result;
use crate::layer::config::f32_to_json;
use crate::math::one_minus;
use crate::tensor::gemm::vectorized;

/// The first and second moments of one weight, and their running maximum for AMSGrad.
#[derive(Debug)]
struct Moments {
    m: ArrayD<f32>,
    v: ArrayD<f32>,
    v_hat: Option<ArrayD<f32>>,
}

impl SlotState for Moments {
    const NAMES: &'static [SlotName] = &[
        SlotName {
            name: "momentum",
            required: true,
            non_negative: false,
        },
        SlotName {
            name: "velocity",
            required: true,
            non_negative: true,
        },
        SlotName {
            name: "velocity_hat",
            required: false,
            non_negative: true,
        },
    ];

    fn size(&self) -> usize {
        self.m.len() + self.v.len() + self.v_hat.as_ref().map_or(0, |v| v.len())
    }

    fn arrays(&self) -> Vec<Option<&ArrayD<f32>>> {
        vec![Some(&self.m), Some(&self.v), self.v_hat.as_ref()]
    }

    fn from_arrays(arrays: Vec<Option<ArrayD<f32>>>) -> Self {
        let mut arrays = arrays.into_iter();
        let mut next = || arrays.next().flatten();
        let (m, v, v_hat) = (next(), next(), next());
        Moments {
            m: m.expect("`momentum` is required, checked before"),
            v: v.expect("`velocity` is required, checked before"),
            v_hat,
        }
    }
}

/// The state and settings Adam and AdamW share.
#[derive(Debug)]
struct AdamCore {
    base: Base,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    amsgrad: bool,
    slots: HashMap<VarId, Slot<Moments>>,
}

impl AdamCore {
    fn new(weight_decay: Option<f32>) -> AdamCore {
        let mut base = Base::new(1e-3);
        base.weight_decay = weight_decay;
        AdamCore {
            base,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
            amsgrad: false,
            slots: HashMap::new(),
        }
    }

    /// Checks the shared settings and Adam's own.
    fn validate(&self, name: &'static str) -> Result<()> {
        self.base.validate(name)?;
        for (setting, beta) in [("beta_1", self.beta_1), ("beta_2", self.beta_2)] {
            check_setting(name, setting, beta, (0.0..1.0).contains(&beta), "in [0, 1)")?;
        }
        check_setting(name, "epsilon", self.epsilon, self.epsilon > 0.0, POSITIVE)
    }

    /// Keras's `get_config`: the shared settings, then Adam's own.
    fn config(&self, name: &'static str) -> Result<Value> {
        self.validate(name)?;
        optimizer_config(
            name,
            &self.base,
            [
                ("beta_1", f32_to_json(self.beta_1)),
                ("beta_2", f32_to_json(self.beta_2)),
                ("epsilon", f32_to_json(self.epsilon)),
                ("amsgrad", Value::Bool(self.amsgrad)),
            ],
        )
    }

    /// Applies `config` (already known to be named `name`) over the defaults in `self`.
    fn read_config(mut self, name: &'static str, config: &Value) -> Result<AdamCore> {
        let r = optimizer_reader(config, name, &["beta_1", "beta_2", "epsilon", "amsgrad"])?;
        read_base(&r, &mut self.base)?;
        for (key, setting) in [
            ("beta_1", &mut self.beta_1),
            ("beta_2", &mut self.beta_2),
            ("epsilon", &mut self.epsilon),
        ] {
            if let Some(value) = r.f32(key)? {
                *setting = value;
            }
        }
        if let Some(amsgrad) = r.bool("amsgrad")? {
            self.amsgrad = amsgrad;
        }
        Ok(self)
    }

    fn apply(&mut self, name: &'static str, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.validate(name)?;
        let (b1, b2, eps, amsgrad) = (self.beta_1, self.beta_2, self.epsilon, self.amsgrad);
        let init = |shape: &[usize]| Moments {
            m: ArrayD::zeros(IxDyn(shape)),
            v: ArrayD::zeros(IxDyn(shape)),
            v_hat: amsgrad.then(|| ArrayD::zeros(IxDyn(shape))),
        };
        // 1 − β as Keras computes it (from the decimal β, in f64): see `one_minus`.
        let (one_minus_b1, one_minus_b2) = (one_minus(b1), one_minus(b2));
        // The step size of step t with both bias corrections folded in.
        let alpha = |step: &Step| {
            let t = step.t as f32;
            step.lr * (1.0 - b2.powf(t)).sqrt() / (1.0 - b1.powf(t))
        };
        // m ← m + (g − m)(1 − β1), v ← v + (g² − v)(1 − β2) (v̂ ← max(v̂, v) for AMSGrad),
        // w ← w − α·m/(√v + ε) (√v̂ for AMSGrad), over plain slices so that it vectorises.
        let kernel = |step: &Step, lanes: Lanes<'_>, s: &Moments, next: &mut Moments| {
            let alpha = alpha(step);
            let Lanes { shape, w, g, out } = lanes;
            let n = w.len();
            let (g, out) = (&g[..n], &mut out[..n]);
            let (m, v) = (&values(&s.m)[..n], &values(&s.v)[..n]);
            let (next_m, next_v) = (
                &mut values_mut(&mut next.m)[..n],
                &mut values_mut(&mut next.v)[..n],
            );
            let mut bad = 0;
            if !amsgrad {
                carry(&mut next.v_hat, &s.v_hat);
                let lanes = AdamLanes {
                    w,
                    g,
                    m,
                    v,
                    out,
                    next_m,
                    next_v,
                };
                if step.is_plain() {
                    return lanes.run(
                        #[inline(always)]
                        |l: AdamLanes<'_>| {
                            l.adam::<true>(step, alpha, eps, one_minus_b1, one_minus_b2)
                        },
                    );
                }
                return lanes.run(
                    #[inline(always)]
                    |l: AdamLanes<'_>| {
                        l.adam::<false>(step, alpha, eps, one_minus_b1, one_minus_b2)
                    },
                );
            }
            // A v̂ not made yet (AMSGrad turned on after earlier steps) starts at 0.
            let v_hat = s.v_hat.as_ref().map(|a| &values(a)[..n]);
            let next_v_hat = &mut buffer(&mut next.v_hat, shape)[..n];
            for i in 0..n {
                let gi = step.grad(g[i]);
                let mi = floored(m[i] + (gi - m[i]) * one_minus_b1);
                let vi = floored(v[i] + (squared(gi) - v[i]) * one_minus_b2);
                let hi = v_hat.map_or(0.0, |h| h[i]).max(vi);
                let wi = step.decayed(w[i]) - (mi * alpha) / (hi.sqrt() + eps);
                (next_m[i], next_v[i], next_v_hat[i], out[i]) = (mi, vi, hi, wi);
                bad |= non_finite([g[i], wi, mi, vi, hi]);
            }
            bad
        };
        self.base
            .apply(name, weights, grads, &mut self.slots, init, kernel)
    }
}

/// One (non-AMSGrad) Adam update's slices: read `w`, `g`, `m`, `v`; write `out`,
/// `next_m`, `next_v`. All of one length.
struct AdamLanes<'a> {
    w: &'a [f32],
    g: &'a [f32],
    m: &'a [f32],
    v: &'a [f32],
    out: &'a mut [f32],
    next_m: &'a mut [f32],
    next_v: &'a mut [f32],
}

/// Below this many values an update runs on one core: the update is bound by memory
/// bandwidth, which a second core adds to, but waking it costs tens of microseconds.
const PARALLEL_UPDATE: usize = 1 << 17;

impl<'a> AdamLanes<'a> {
    /// The Adam update over the lanes; non-zero if the gradient or a new value is NaN or
    /// infinite. `PLAIN` says the step neither clips the gradient nor decays the weight
    /// ([`Step::is_plain`]), which the loop then leaves out.
    ///
    /// Only the new `v` and `w` (and, when clipping, the gradient) are checked, which finds
    /// the same steps as checking every value: an unclipped NaN or infinite gradient makes
    /// the new `v` NaN or infinite (1 − β2 > 0; `|g| > 1.8e19` already overflows `g²`, long
    /// before `m` can overflow); a NaN or infinite new `m` makes the new `w` NaN or infinite.
    /// A clipped gradient can be finite where the gradient was not, so that one is checked
    /// itself. Plain and with half the checks, the loop takes 25 % less time.
    #[inline(always)]
    fn adam<const PLAIN: bool>(
        self,
        step: &Step,
        alpha: f32,
        eps: f32,
        one_minus_b1: f32,
        one_minus_b2: f32,
    ) -> u32 {
        // Every slice cut to one length, so that the loop has no bounds checks and
        // vectorises.
        let n = self.w.len();
        let (w, g, m, v) = (self.w, &self.g[..n], &self.m[..n], &self.v[..n]);
        let (out, next_m, next_v) = (
            &mut self.out[..n],
            &mut self.next_m[..n],
            &mut self.next_v[..n],
        );
        let mut bad = 0;
        for i in 0..n {
            let (gi, wi) = if PLAIN {
                (g[i], w[i])
            } else {
                (step.grad(g[i]), step.decayed(w[i]))
            };
            let mi = floored(m[i] + (gi - m[i]) * one_minus_b1);
            let vi = floored(v[i] + (squared(gi) - v[i]) * one_minus_b2);
            let wi = wi - (mi * alpha) / (vi.sqrt() + eps);
            (next_m[i], next_v[i], out[i]) = (mi, vi, wi);
            bad |= if PLAIN {
                non_finite([vi, wi])
            } else {
                non_finite([g[i], vi, wi])
            };
        }
        bad
    }

    /// Runs `kernel` over the lanes, split in halves over both cores while they are long;
    /// the OR of the kernels' non-finite flags.
    /// [`AdamLanes::update`] with a kernel given by value (so that a closure can be marked
    /// `#[inline(always)]` where it is written).
    fn run<K: Fn(AdamLanes<'_>) -> u32 + Sync>(self, kernel: K) -> u32 {
        self.update(&kernel)
    }

    fn update<K: Fn(AdamLanes<'_>) -> u32 + Sync>(self, kernel: &K) -> u32 {
        let n = self.w.len();
        if n < PARALLEL_UPDATE {
            return vectorized(
                #[inline(always)]
                || kernel(self),
            );
        }
        let (left, right) = self.split(n / 2);
        let (a, b) = rayon::join(|| left.update(kernel), || right.update(kernel));
        a | b
    }

    fn split(self, at: usize) -> (AdamLanes<'a>, AdamLanes<'a>) {
        let (w0, w1) = self.w.split_at(at);
        let (g0, g1) = self.g.split_at(at);
        let (m0, m1) = self.m.split_at(at);
        let (v0, v1) = self.v.split_at(at);
        let (o0, o1) = self.out.split_at_mut(at);
        let (nm0, nm1) = self.next_m.split_at_mut(at);
        let (nv0, nv1) = self.next_v.split_at_mut(at);
        (
            AdamLanes {
                w: w0,
                g: g0,
                m: m0,
                v: v0,
                out: o0,
                next_m: nm0,
                next_v: nv0,
            },
            AdamLanes {
                w: w1,
                g: g1,
                m: m1,
                v: v1,
                out: o1,
                next_m: nm1,
                next_v: nv1,
            },
        )
    }
}

/// Builder methods for Adam's settings, shared by [`Adam`] and [`AdamW`].
macro_rules! adam_builders {
    ($ty:ident) => {
        impl $ty {
            /// Sets the decay rate of the first-moment (mean) estimate, 0.9 by default.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) refuse a
            /// value outside `[0, 1)`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
            /// let mut grads = GradStore::default();
            /// grads.insert(w.id(), Tensor::ones(&[1]));
            /// // with β1 = 0 and β2 = 0, a step is lr·g/(|g| + ε)
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().weight_decay(0.0).beta_1(0.0).beta_2(0.0);")]
            /// opt.apply(&[&w], &grads)?;
            /// assert!((w.value().item() + 1e-3).abs() < 1e-9);
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn beta_1(mut self, beta_1: f32) -> Self {
                self.core.beta_1 = beta_1;
                self
            }

            /// Sets the decay rate of the second-moment (uncentred variance) estimate,
            /// 0.999 by default.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) refuse a
            /// value outside `[0, 1)`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
            /// let mut grads = GradStore::default();
            /// grads.insert(w.id(), Tensor::full(&[1], 2.0));
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().weight_decay(0.0).beta_2(0.5);")]
            /// opt.apply(&[&w], &grads)?; // bias correction makes the first step lr·g/|g| again
            /// assert!((w.value().item() + 1e-3).abs() < 1e-9);
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn beta_2(mut self, beta_2: f32) -> Self {
                self.core.beta_2 = beta_2;
                self
            }

            /// Sets ε, added to `√v` in the denominator, 1e-7 by default.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) refuse an
            /// ε that is not a finite number > 0 (with 0, a weight whose gradients are all 0
            /// would be updated by 0/0).
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
            /// let mut grads = GradStore::default();
            /// grads.insert(w.id(), Tensor::ones(&[1]));
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().beta_1(0.0).beta_2(0.0).epsilon(1.0);")]
            /// opt.apply(&[&w], &grads)?; // m = v = 1, so lr·1/(√1 + 1)
            /// assert!((w.value().item() + 5e-4).abs() < 1e-9);
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn epsilon(mut self, epsilon: f32) -> Self {
                self.core.epsilon = epsilon;
                self
            }

            /// Uses AMSGrad: the denominator uses the running maximum of `v`, so the step
            /// size never grows back when gradients shrink.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let w = Weight::from_tensor("w", Tensor::zeros(&[4]));
            /// let mut grads = GradStore::default();
            /// grads.insert(w.id(), Tensor::ones(&[4]));
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().amsgrad(true);")]
            /// opt.apply(&[&w], &grads)?;
            /// // iterations, learning rate, and m, v, v̂ of 4 values each
            /// assert_eq!(opt.state_size(), 2 + 3 * 4);
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn amsgrad(mut self, amsgrad: bool) -> Self {
                self.core.amsgrad = amsgrad;
                self
            }
        }

        impl HasBase for $ty {
            fn base_mut(&mut self) -> &mut Base {
                &mut self.core.base
            }
        }

        base_builders!($ty);

        impl Default for $ty {
            fn default() -> Self {
                $ty::new()
            }
        }
    };
}

/// Keras's `Adam`: learning rate 1e-3, β1 0.9, β2 0.999, ε 1e-7, no AMSGrad.
///
/// At step `t` (1 for the first update), with `α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)`:
/// `m ← m + (g − m)(1 − β1)`, `v ← v + (g² − v)(1 − β2)`, `w ← w − α·m/(√v + ε)`.
///
/// # Examples
///
/// ```
/// use layers_core::{GradStore, Tensor, Weight};
/// use layers_core::optim::{Adam, Optimizer};
/// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
/// let mut grads = GradStore::default();
/// grads.insert(w.id(), Tensor::full(&[1], 0.5));
/// let mut adam = Adam::new();
/// adam.apply(&[&w], &grads)?;
/// adam.apply(&[&w], &grads)?;
/// // a constant gradient moves the weight by (almost exactly) lr per step
/// assert!((w.value().item() + 2e-3).abs() < 1e-7);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Adam {
    core: AdamCore,
}

impl Adam {
    /// Adam with Keras's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Adam, Optimizer};
    /// let adam = Adam::new();
    /// assert_eq!((adam.name(), adam.learning_rate()), ("adam", 1e-3));
    /// ```
    pub fn new() -> Adam {
        Adam {
            core: AdamCore::new(None),
        }
    }

    /// The Adam `config` describes (its `name` already checked), not yet validated.
    pub(crate) fn from_config(config: &Value) -> Result<Adam> {
        let core = Adam::new().core.read_config("adam", config)?;
        Ok(Adam { core })
    }
}

adam_builders!(Adam);

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        "adam"
    }

    base_methods!(core.base, core.slots);

    fn validate(&self) -> Result<()> {
        self.core.validate("adam")
    }

    fn config(&self) -> Result<Value> {
        self.core.config("adam")
    }

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.core.apply("adam", weights, grads)
    }

    fn state_size(&self) -> usize {
        state_size(&self.core.base, &self.core.slots)
    }
}

/// Keras's `AdamW`: [`Adam`] whose weights first decay by `w·weight_decay·lr` on every
/// step (weight decay 0.004 by default, other settings as Adam).
///
/// # Examples
///
/// ```
/// use layers_core::{GradStore, Tensor, Weight};
/// use layers_core::optim::{AdamW, Optimizer};
/// let w = Weight::from_tensor("w", Tensor::full(&[1], 10.0));
/// let mut grads = GradStore::default();
/// grads.insert(w.id(), Tensor::zeros(&[1]));
/// let mut opt = AdamW::new().with_learning_rate(0.5);
/// opt.apply(&[&w], &grads)?; // 10 − 10·0.004·0.5
/// assert!((w.value().item() - 9.98).abs() < 1e-6);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug)]
pub struct AdamW {
    core: AdamCore,
}

impl AdamW {
    /// AdamW with Keras's defaults (weight decay 0.004).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{AdamW, Optimizer};
    /// let opt = AdamW::new();
    /// assert_eq!((opt.name(), opt.learning_rate()), ("adamw", 1e-3));
    /// ```
    pub fn new() -> AdamW {
        AdamW {
            core: AdamCore::new(Some(0.004)),
        }
    }

    /// The AdamW `config` describes (its `name` already checked), not yet validated.
    pub(crate) fn from_config(config: &Value) -> Result<AdamW> {
        let core = AdamW::new().core.read_config("adamw", config)?;
        Ok(AdamW { core })
    }
}

adam_builders!(AdamW);

impl Optimizer for AdamW {
    fn name(&self) -> &'static str {
        "adamw"
    }

    base_methods!(core.base, core.slots);

    fn validate(&self) -> Result<()> {
        self.core.validate("adamw")
    }

    fn config(&self) -> Result<Value> {
        self.core.config("adamw")
    }

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.core.apply("adamw", weights, grads)
    }

    fn state_size(&self) -> usize {
        state_size(&self.core.base, &self.core.slots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Tensor;

    /// A weight long enough that its update is split over both cores: two steps checked
    /// value by value against Adam's formula evaluated in f64, and a NaN in the second half
    /// refused with nothing written.
    #[test]
    fn a_long_weight_updates_as_the_formula_says_in_both_halves() {
        let n = 2 * PARALLEL_UPDATE + 3;
        let start: Vec<f32> = (0..n).map(|i| (i % 17) as f32 * 0.1 - 0.8).collect();
        let grad: Vec<f32> = (0..n).map(|i| (i % 13) as f32 * 0.05 - 0.3).collect();
        let w = Weight::from_tensor("w", Tensor::from_vec(start.clone(), &[n]));
        let mut grads = GradStore::default();
        grads.insert(w.id(), Tensor::from_vec(grad.clone(), &[n]));
        let mut adam = Adam::new().with_learning_rate(0.01);
        adam.apply(&[&w], &grads).unwrap();
        adam.apply(&[&w], &grads).unwrap();
        let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-7f64, 0.01f64);
        let got = w.value().to_vec();
        for i in (0..n).step_by(997).chain([n / 2 - 1, n / 2, n - 1]) {
            let (mut x, g) = (f64::from(start[i]), f64::from(grad[i]));
            let (mut m, mut v) = (0.0, 0.0);
            for t in 1..=2 {
                m = b1 * m + (1.0 - b1) * g;
                v = b2 * v + (1.0 - b2) * g * g;
                let alpha = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
                x -= alpha * m / (v.sqrt() + eps);
            }
            assert!(
                (f64::from(got[i]) - x).abs() < 1e-5,
                "at {i}: {} vs {x}",
                got[i]
            );
        }
        let mut bad = grad.clone();
        bad[n - 2] = f32::NAN;
        grads.insert(w.id(), Tensor::from_vec(bad, &[n]));
        assert!(adam.apply(&[&w], &grads).is_err());
        assert_eq!(w.value().to_vec(), got);
        assert_eq!(adam.iterations(), 2);
    }
}
