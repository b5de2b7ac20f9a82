//! RMSprop, plain or centred, with optional momentum, as Keras 3 defines it.
//!
//! ```
//! use layers_core::{GradStore, Tensor, Weight};
//! use layers_core::optim::{Optimizer, RmsProp};
//! let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
//! let mut grads = GradStore::default();
//! grads.insert(w.id(), Tensor::full(&[1], 2.0));
//! let mut opt = RmsProp::new().with_learning_rate(0.1).rho(0.0);
//! opt.apply(&[&w], &grads)?; // v = g², so the step is lr·g/√(g² + ε) ≈ lr
//! assert!((w.value().item() + 0.1).abs() < 1e-6);
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

/// The running mean of g², and when enabled the running mean of g (centred) and the
/// momentum buffer.
#[derive(Debug)]
struct Averages {
    velocity: ArrayD<f32>,
    average_gradient: Option<ArrayD<f32>>,
    momentum: Option<ArrayD<f32>>,
}

impl SlotState for Averages {
    const NAMES: &'static [SlotName] = &[
        SlotName {
            name: "velocity",
            required: true,
            non_negative: true,
        },
        SlotName {
            name: "momentum",
            required: false,
            non_negative: false,
        },
        SlotName {
            name: "average_gradient",
            required: false,
            non_negative: false,
        },
    ];

    fn arrays(&self) -> Vec<Option<&ArrayD<f32>>> {
        vec![
            Some(&self.velocity),
            self.momentum.as_ref(),
            self.average_gradient.as_ref(),
        ]
    }

    fn from_arrays(arrays: Vec<Option<ArrayD<f32>>>) -> Self {
        let mut arrays = arrays.into_iter();
        let mut next = || arrays.next().flatten();
        let (velocity, momentum, average_gradient) = (next(), next(), next());
        Averages {
            velocity: velocity.expect("`velocity` is required, checked before"),
            average_gradient,
            momentum,
        }
    }

    fn size(&self) -> usize {
        let len = |a: &Option<ArrayD<f32>>| a.as_ref().map_or(0, |a| a.len());
        self.velocity.len() + len(&self.average_gradient) + len(&self.momentum)
    }
}

/// RMSprop's settings for one step's kernel.
#[derive(Clone, Copy)]
struct Settings {
    rho: f32,
    momentum: f32,
    eps: f32,
}

impl Settings {
    /// `v ← ρ·v + (1 − ρ)·g²`; when `CENTERED`, `ḡ ← ρ·ḡ + (1 − ρ)·g` and the increment is
    /// `lr·g/√(v − ḡ² + ε)`, else `lr·g/√(v + ε)`; with `MOMENTUM`,
    /// `mom ← momentum·mom + increment` and `w ← w − mom`, else `w ← w − increment`. One
    /// loop per combination, over plain slices, so that each vectorises. Averages not made
    /// yet (turned on after earlier steps) start at 0; unused ones are carried over.
    #[inline]
    fn run<const CENTERED: bool, const MOMENTUM: bool>(
        self,
        step: &Step,
        lanes: Lanes<'_>,
        s: &Averages,
        next: &mut Averages,
    ) -> u32 {
        let Settings { rho, momentum, eps } = self;
        // 1 − ρ as Keras computes it (from the decimal ρ, in f64): see `one_minus`.
        let one_minus_rho = one_minus(rho);
        let Lanes { shape, w, g, out } = lanes;
        let n = w.len();
        let (g, out) = (&g[..n], &mut out[..n]);
        let v = &values(&s.velocity)[..n];
        let next_v = &mut values_mut(&mut next.velocity)[..n];
        fn old(a: &Option<ArrayD<f32>>, n: usize) -> Option<&[f32]> {
            a.as_ref().map(|a| &values(a)[..n])
        }
        let (mg, mom) = (old(&s.average_gradient, n), old(&s.momentum, n));
        let mut next_mg = if CENTERED {
            Some(&mut buffer(&mut next.average_gradient, shape)[..n])
        } else {
            carry(&mut next.average_gradient, &s.average_gradient);
            None
        };
        let mut next_mom = if MOMENTUM {
            Some(&mut buffer(&mut next.momentum, shape)[..n])
        } else {
            carry(&mut next.momentum, &s.momentum);
            None
        };
        let mut bad = 0;
        for i in 0..n {
            let gi = step.grad(g[i]);
            let vi = floored(rho * v[i] + one_minus_rho * squared(gi));
            let mut mgi = 0.0;
            let denominator = if CENTERED {
                mgi = floored(rho * mg.map_or(0.0, |a| a[i]) + one_minus_rho * gi);
                vi - mgi * mgi + eps
            } else {
                vi + eps
            };
            let increment = step.lr * gi / denominator.sqrt();
            let mut momi = 0.0;
            let wi = if MOMENTUM {
                momi = floored(momentum * mom.map_or(0.0, |a| a[i]) + increment);
                step.decayed(w[i]) - momi
            } else {
                step.decayed(w[i]) - increment
            };
            next_v[i] = vi;
            out[i] = wi;
            if let Some(next_mg) = next_mg.as_deref_mut() {
                next_mg[i] = mgi;
            }
            if let Some(next_mom) = next_mom.as_deref_mut() {
                next_mom[i] = momi;
            }
            bad |= non_finite([g[i], wi, vi, mgi, momi]);
        }
        bad
    }
}

/// Keras's `RMSprop`: learning rate 1e-3, ρ 0.9, momentum 0, ε 1e-7, not centred.
///
/// `v ← ρ·v + (1 − ρ)·g²`; the increment is `lr·g/√(v + ε)` (ε inside the root), or when
/// centred, with `ḡ ← ρ·ḡ + (1 − ρ)·g`, `lr·g/√(v − ḡ² + ε)`. With momentum the weight
/// moves by `mom ← momentum·mom + increment`, otherwise by the increment.
///
/// # Examples
///
/// ```
/// use layers_core::{GradStore, Tensor, Weight};
/// use layers_core::optim::{Optimizer, RmsProp};
/// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
/// let mut grads = GradStore::default();
/// grads.insert(w.id(), Tensor::ones(&[1]));
/// let mut opt = RmsProp::new();
/// opt.apply(&[&w], &grads)?; // v = 0.1: −1e-3·1/√0.1
/// assert!((w.value().item() + 1e-3 / 0.1f32.sqrt()).abs() < 1e-8);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug)]
pub struct RmsProp {
    base: Base,
    rho: f32,
    momentum: f32,
    epsilon: f32,
    centered: bool,
    slots: HashMap<VarId, Slot<Averages>>,
}

impl Default for RmsProp {
    fn default() -> Self {
        RmsProp::new()
    }
}

impl HasBase for RmsProp {
    fn base_mut(&mut self) -> &mut Base {
        &mut self.base
    }
}

base_builders!(RmsProp);

impl RmsProp {
    /// RMSprop with Keras's defaults (the default optimizer of Keras's `compile`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Optimizer, RmsProp};
    /// let opt = RmsProp::new();
    /// assert_eq!((opt.name(), opt.learning_rate()), ("rmsprop", 1e-3));
    /// ```
    pub fn new() -> RmsProp {
        RmsProp {
            base: Base::new(1e-3),
            rho: 0.9,
            momentum: 0.0,
            epsilon: 1e-7,
            centered: false,
            slots: HashMap::new(),
        }
    }

    /// Sets ρ, the decay rate of the running averages (0.9 by default).
    ///
    /// # Errors
    ///
    /// `compile` and [`Optimizer::apply`] refuse a ρ outside `[0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, RmsProp};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::full(&[1], 4.0));
    /// let mut opt = RmsProp::new().with_learning_rate(1.0).rho(0.75);
    /// opt.apply(&[&w], &grads)?; // v = 0.25·16 = 4: −4/√4
    /// assert!((w.value().item() + 2.0).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn rho(mut self, rho: f32) -> RmsProp {
        self.rho = rho;
        self
    }

    /// Sets the momentum (0 by default, which keeps no momentum buffer).
    ///
    /// # Errors
    ///
    /// `compile` and [`Optimizer::apply`] refuse a momentum outside `[0, 1]`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, RmsProp};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::full(&[1], 4.0));
    /// let mut opt = RmsProp::new().with_learning_rate(1.0).rho(0.75).momentum(0.5);
    /// opt.apply(&[&w], &grads)?; // increment 2, mom = 2
    /// opt.apply(&[&w], &grads)?; // v = 0.75·4 + 4 = 7; mom = 1 + 4/√7
    /// assert!((w.value().item() + 3.0 + 4.0 / 7f32.sqrt()).abs() < 1e-5);
    /// assert_eq!(opt.state_size(), 2 + 2); // iterations, learning rate, v, mom
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: f32) -> RmsProp {
        self.momentum = momentum;
        self
    }

    /// Sets ε, added to the average under the square root (1e-7 by default).
    ///
    /// # Errors
    ///
    /// `compile` and [`Optimizer::apply`] refuse an ε that is not a finite number > 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, RmsProp};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::full(&[1], 2.0));
    /// let mut opt = RmsProp::new().with_learning_rate(1.0).rho(0.0).epsilon(5.0);
    /// opt.apply(&[&w], &grads)?; // −2/√(4 + 5)
    /// assert!((w.value().item() + 2.0 / 3.0).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn epsilon(mut self, epsilon: f32) -> RmsProp {
        self.epsilon = epsilon;
        self
    }

    /// Centres the second moment: divides by an estimate of the gradient's variance,
    /// `v − ḡ²`, instead of its uncentred second moment `v`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, RmsProp};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::full(&[1], 2.0));
    /// let mut opt = RmsProp::new().with_learning_rate(1.0).rho(0.5).centered(true);
    /// opt.apply(&[&w], &grads)?; // v = 2, ḡ = 1: −2/√(2 − 1)
    /// assert!((w.value().item() + 2.0).abs() < 1e-6);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn centered(mut self, centered: bool) -> RmsProp {
        self.centered = centered;
        self
    }

    /// The RMSprop `config` describes (its `name` already checked), not yet validated.
    pub(crate) fn from_config(config: &Value) -> Result<RmsProp> {
        let own = ["rho", "momentum", "epsilon", "centered"];
        let r = optimizer_reader(config, "rmsprop", &own)?;
        let mut opt = RmsProp::new();
        read_base(&r, &mut opt.base)?;
        for (key, setting) in [
            ("rho", &mut opt.rho),
            ("momentum", &mut opt.momentum),
            ("epsilon", &mut opt.epsilon),
        ] {
            if let Some(value) = r.f32(key)? {
                *setting = value;
            }
        }
        if let Some(centered) = r.bool("centered")? {
            opt.centered = centered;
        }
        Ok(opt)
    }
}

impl Optimizer for RmsProp {
    fn name(&self) -> &'static str {
        "rmsprop"
    }

    base_methods!(base, slots);

    fn validate(&self) -> Result<()> {
        let name = self.name();
        self.base.validate(name)?;
        check_setting(
            name,
            "rho",
            self.rho,
            (0.0..1.0).contains(&self.rho),
            "in [0, 1)",
        )?;
        let m = self.momentum;
        check_setting(name, "momentum", m, (0.0..=1.0).contains(&m), "in [0, 1]")?;
        check_setting(name, "epsilon", self.epsilon, self.epsilon > 0.0, POSITIVE)
    }

    fn config(&self) -> Result<Value> {
        self.validate()?;
        optimizer_config(
            self.name(),
            &self.base,
            [
                ("rho", f32_to_json(self.rho)),
                ("momentum", f32_to_json(self.momentum)),
                ("epsilon", f32_to_json(self.epsilon)),
                ("centered", Value::Bool(self.centered)),
            ],
        )
    }

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.validate()?;
        let (rho, momentum, eps, centered) = (self.rho, self.momentum, self.epsilon, self.centered);
        let init = |shape: &[usize]| Averages {
            velocity: ArrayD::zeros(IxDyn(shape)),
            average_gradient: centered.then(|| ArrayD::zeros(IxDyn(shape))),
            momentum: (momentum > 0.0).then(|| ArrayD::zeros(IxDyn(shape))),
        };
        let kernel = |step: &Step, lanes: Lanes<'_>, s: &Averages, next: &mut Averages| {
            let settings = Settings { rho, momentum, eps };
            match (centered, momentum > 0.0) {
                (false, false) => settings.run::<false, false>(step, lanes, s, next),
                (false, true) => settings.run::<false, true>(step, lanes, s, next),
                (true, false) => settings.run::<true, false>(step, lanes, s, next),
                (true, true) => settings.run::<true, true>(step, lanes, s, next),
            }
        };
        self.base
            .apply("rmsprop", weights, grads, &mut self.slots, init, kernel)
    }

    fn state_size(&self) -> usize {
        state_size(&self.base, &self.slots)
    }
}
