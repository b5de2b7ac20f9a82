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

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, Zip};

use super::Optimizer;
use super::common::{
    Common, HasCommon, POSITIVE, Slot, SlotState, Step, check_setting, common_builders, non_finite,
    state_size,
};
use crate::Weight;
use crate::autograd::{GradStore, VarId};
use crate::error::Result;

/// The running mean of g², and when enabled the running mean of g (centred) and the
/// momentum buffer.
#[derive(Debug)]
struct Averages {
    velocity: ArrayD<f32>,
    average_gradient: Option<ArrayD<f32>>,
    momentum: Option<ArrayD<f32>>,
}

impl SlotState for Averages {
    fn size(&self) -> usize {
        let len = |a: &Option<ArrayD<f32>>| a.as_ref().map_or(0, |a| a.len());
        self.velocity.len() + len(&self.average_gradient) + len(&self.momentum)
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
    common: Common,
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

impl HasCommon for RmsProp {
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

common_builders!(RmsProp);

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
            common: Common::new(1e-3),
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
}

impl Optimizer for RmsProp {
    fn name(&self) -> &'static str {
        "rmsprop"
    }

    common_methods!(common);

    fn validate(&self) -> Result<()> {
        let name = self.name();
        self.common.validate(name)?;
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

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.validate()?;
        let (rho, momentum, eps, centered) = (self.rho, self.momentum, self.epsilon, self.centered);
        let init = |shape: &[usize]| Averages {
            velocity: ArrayD::zeros(IxDyn(shape)),
            average_gradient: centered.then(|| ArrayD::zeros(IxDyn(shape))),
            momentum: (momentum > 0.0).then(|| ArrayD::zeros(IxDyn(shape))),
        };
        // One element: the new weight, updating the averages `v`, `mg` (when centred) and
        // the momentum buffer `mom` (when momentum is on).
        let element = move |step: &Step,
                            w: f32,
                            g: f32,
                            v: &mut f32,
                            mg: Option<&mut f32>,
                            mom: Option<&mut f32>|
              -> f32 {
            let g = step.grad(g);
            *v = rho * *v + (1.0 - rho) * g * g;
            let denominator = match mg {
                Some(mg) => {
                    *mg = rho * *mg + (1.0 - rho) * g;
                    *v - *mg * *mg + eps
                }
                None => *v + eps,
            };
            let increment = step.lr * g / denominator.sqrt();
            match mom {
                Some(mom) => {
                    *mom = momentum * *mom + increment;
                    step.decayed(w) - *mom
                }
                None => step.decayed(w) - increment,
            }
        };
        let check =
            |step: &Step, w: &ArrayViewD<'_, f32>, g: &ArrayViewD<'_, f32>, s: &Averages| {
                let zip = Zip::from(w).and(g).and(&s.velocity);
                if !centered && momentum == 0.0 {
                    let bad = zip.fold(0, |bad, &w, &g, &v| {
                        let mut v = v;
                        let w = element(step, w, g, &mut v, None, None);
                        bad | non_finite([w, v])
                    });
                    return bad == 0;
                }
                // Averages not made yet (turned on after earlier steps) start at 0.
                let zero = 0.0f32;
                let zeros = ndarray::aview0(&zero).into_dyn();
                let zeros = zeros
                    .broadcast(w.raw_dim())
                    .expect("a scalar broadcasts to any shape");
                let mg = s
                    .average_gradient
                    .as_ref()
                    .map_or(zeros.view(), |a| a.view());
                let mom = s.momentum.as_ref().map_or(zeros.view(), |a| a.view());
                let bad = zip
                    .and(&mg)
                    .and(&mom)
                    .fold(0, |bad, &w, &g, &v, &mg, &mom| {
                        let (mut v, mut mg, mut mom) = (v, mg, mom);
                        let w = element(
                            step,
                            w,
                            g,
                            &mut v,
                            centered.then_some(&mut mg),
                            (momentum > 0.0).then_some(&mut mom),
                        );
                        bad | non_finite([w, v, mg, mom])
                    });
                bad == 0
            };
        let update = |step: &Step,
                      w: &mut ArrayViewMutD<'_, f32>,
                      g: &ArrayViewD<'_, f32>,
                      s: &mut Averages| {
            if centered && s.average_gradient.is_none() {
                s.average_gradient = Some(ArrayD::zeros(w.raw_dim()));
            }
            if momentum > 0.0 && s.momentum.is_none() {
                s.momentum = Some(ArrayD::zeros(w.raw_dim()));
            }
            let zip = Zip::from(w).and(g).and(&mut s.velocity);
            match (
                s.average_gradient.as_mut().filter(|_| centered),
                s.momentum.as_mut().filter(|_| momentum > 0.0),
            ) {
                (Some(mg), Some(mom)) => zip.and(mg).and(mom).for_each(|w, &g, v, mg, mom| {
                    *w = element(step, *w, g, v, Some(mg), Some(mom));
                }),
                (Some(mg), None) => zip.and(mg).for_each(|w, &g, v, mg| {
                    *w = element(step, *w, g, v, Some(mg), None);
                }),
                (None, Some(mom)) => zip.and(mom).for_each(|w, &g, v, mom| {
                    *w = element(step, *w, g, v, None, Some(mom));
                }),
                (None, None) => zip.for_each(|w, &g, v| {
                    *w = element(step, *w, g, v, None, None);
                }),
            }
        };
        self.common.apply(
            "rmsprop",
            weights,
            grads,
            &mut self.slots,
            init,
            check,
            update,
        )
    }

    fn state_size(&self) -> usize {
        state_size(&self.common, &self.slots)
    }
}
