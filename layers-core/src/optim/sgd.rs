//! Stochastic gradient descent, with optional (Nesterov) momentum, as Keras 3 defines it.
//!
//! ```
//! use layers_core::{GradStore, Tensor, Weight};
//! use layers_core::optim::{Optimizer, Sgd};
//! let w = Weight::from_tensor("w", Tensor::from_vec(vec![1.0], &[1]));
//! let mut grads = GradStore::default();
//! grads.insert(w.id(), Tensor::from_vec(vec![0.5], &[1]));
//! let mut sgd = Sgd::new().with_learning_rate(0.1);
//! sgd.apply(&[&w], &grads)?;
//! assert_eq!(w.value().item(), 0.95); // 1 − 0.1·0.5
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::collections::HashMap;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, IxDyn, Zip};

use super::Optimizer;
use super::common::{
    Common, HasCommon, Slot, SlotState, Step, check_setting, common_builders, non_finite,
    state_size,
};
use crate::Weight;
use crate::autograd::{GradStore, VarId};
use crate::error::Result;

/// The momentum buffer of one weight; none when momentum is 0 (as Keras creates none).
#[derive(Debug)]
struct Momentum(Option<ArrayD<f32>>);

impl SlotState for Momentum {
    fn size(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }
}

/// Keras's `SGD`: learning rate 0.01, momentum 0, no Nesterov.
///
/// Without momentum each weight moves by `−lr·g`. With momentum `m`, a velocity
/// `v ← m·v − lr·g` is kept per weight and the weight moves by `v`, or with Nesterov by
/// `m·v − lr·g` (using the new `v`).
///
/// # Examples
///
/// ```
/// use layers_core::{GradStore, Tensor, Weight};
/// use layers_core::optim::{Optimizer, Sgd};
/// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
/// let mut grads = GradStore::default();
/// grads.insert(w.id(), Tensor::ones(&[1]));
/// let mut sgd = Sgd::new().with_learning_rate(0.5).momentum(0.5);
/// sgd.apply(&[&w], &grads)?; // v = −0.5, w = −0.5
/// sgd.apply(&[&w], &grads)?; // v = −0.25 − 0.5 = −0.75, w = −1.25
/// assert_eq!(w.value().item(), -1.25);
/// assert_eq!(sgd.iterations(), 2);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Debug)]
pub struct Sgd {
    common: Common,
    momentum: f32,
    nesterov: bool,
    slots: HashMap<VarId, Slot<Momentum>>,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd::new()
    }
}

impl HasCommon for Sgd {
    fn common_mut(&mut self) -> &mut Common {
        &mut self.common
    }
}

common_builders!(Sgd);

impl Sgd {
    /// Plain SGD with Keras's defaults (learning rate 0.01, no momentum).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Optimizer, Sgd};
    /// let sgd = Sgd::new();
    /// assert_eq!((sgd.name(), sgd.learning_rate()), ("SGD", 0.01));
    /// ```
    pub fn new() -> Sgd {
        Sgd {
            common: Common::new(0.01),
            momentum: 0.0,
            nesterov: false,
            slots: HashMap::new(),
        }
    }

    /// Sets the momentum, in `[0, 1]` (0, the default, turns it off).
    ///
    /// # Errors
    ///
    /// `compile` and [`Optimizer::apply`] refuse a momentum outside `[0, 1]`, as Keras does.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, Sgd};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[3]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::ones(&[3]));
    /// let mut sgd = Sgd::new().momentum(0.9);
    /// sgd.apply(&[&w], &grads)?;
    /// // iterations, learning rate, and a 3-value velocity
    /// assert_eq!(sgd.state_size(), 2 + 3);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn momentum(mut self, momentum: f32) -> Sgd {
        self.momentum = momentum;
        self
    }

    /// Uses Nesterov momentum: the weight moves by `m·v − lr·g` instead of `v`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, Sgd};
    /// let w = Weight::from_tensor("w", Tensor::zeros(&[1]));
    /// let mut grads = GradStore::default();
    /// grads.insert(w.id(), Tensor::ones(&[1]));
    /// let mut sgd = Sgd::new().with_learning_rate(0.5).momentum(0.5).nesterov(true);
    /// sgd.apply(&[&w], &grads)?; // v = −0.5; w += 0.5·(−0.5) − 0.5
    /// assert_eq!(w.value().item(), -0.75);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn nesterov(mut self, nesterov: bool) -> Sgd {
        self.nesterov = nesterov;
        self
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &'static str {
        "SGD"
    }

    common_methods!(common);

    fn validate(&self) -> Result<()> {
        self.common.validate(self.name())?;
        let m = self.momentum;
        check_setting(
            self.name(),
            "momentum",
            m,
            (0.0..=1.0).contains(&m),
            "in [0, 1]",
        )
    }

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.validate()?;
        let (momentum, nesterov) = (self.momentum, self.nesterov);
        // One element: the new weight, updating the velocity `v` (unused without momentum).
        let element = move |step: &Step, w: f32, g: f32, v: &mut f32| -> f32 {
            let g = step.grad(g);
            if momentum == 0.0 {
                return step.decayed(w) - g * step.lr;
            }
            *v = -g * step.lr + *v * momentum;
            let delta = if nesterov {
                -g * step.lr + *v * momentum
            } else {
                *v
            };
            step.decayed(w) + delta
        };
        let init =
            |shape: &[usize]| Momentum((momentum != 0.0).then(|| ArrayD::zeros(IxDyn(shape))));
        let check =
            |step: &Step, w: &ArrayViewD<'_, f32>, g: &ArrayViewD<'_, f32>, s: &Momentum| {
                let bad = match s.0.as_ref().filter(|_| momentum != 0.0) {
                    Some(v) => Zip::from(w).and(g).and(v).fold(0, |bad, &w, &g, &v| {
                        let mut v = v;
                        let w = element(step, w, g, &mut v);
                        bad | non_finite([w, v])
                    }),
                    // No velocity yet (momentum was 0 when the slot was made): it starts at 0.
                    None => Zip::from(w).and(g).fold(0, |bad, &w, &g| {
                        let mut v = 0.0;
                        let w = element(step, w, g, &mut v);
                        bad | non_finite([w, v])
                    }),
                };
                bad == 0
            };
        let update = |step: &Step,
                      w: &mut ArrayViewMutD<'_, f32>,
                      g: &ArrayViewD<'_, f32>,
                      slot: &mut Momentum| {
            if momentum == 0.0 {
                Zip::from(w).and(g).for_each(|w, &g| {
                    *w = element(step, *w, g, &mut 0.0);
                });
                return;
            }
            let v = slot.0.get_or_insert_with(|| ArrayD::zeros(w.raw_dim()));
            Zip::from(w)
                .and(g)
                .and(v)
                .for_each(|w, &g, v| *w = element(step, *w, g, v));
        };
        self.common
            .apply("SGD", weights, grads, &mut self.slots, init, check, update)
    }

    fn state_size(&self) -> usize {
        state_size(&self.common, &self.slots)
    }
}
