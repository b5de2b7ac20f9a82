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

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

use super::Optimizer;
use super::base::{
    Base, HasBase, Lanes, Slot, SlotName, SlotState, Step, base_builders, buffer, carry,
    check_setting, floored, non_finite, state_size, values,
};
use super::config::{optimizer_config, optimizer_reader, read_base};
use crate::Weight;
use crate::autograd::{GradStore, VarId};
use crate::error::Result;
use crate::layer::config::f32_to_json;

/// The momentum buffer of one weight; none when momentum is 0 (as Keras creates none).
#[derive(Debug)]
struct Momentum(Option<ArrayD<f32>>);

impl SlotState for Momentum {
    const NAMES: &'static [SlotName] = &[SlotName {
        name: "momentum",
        required: false,
        non_negative: false,
    }];

    fn size(&self) -> usize {
        self.0.as_ref().map_or(0, |m| m.len())
    }

    fn arrays(&self) -> Vec<Option<&ArrayD<f32>>> {
        vec![self.0.as_ref()]
    }

    fn from_arrays(arrays: Vec<Option<ArrayD<f32>>>) -> Self {
        Momentum(arrays.into_iter().next().flatten())
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
    base: Base,
    momentum: f32,
    nesterov: bool,
    slots: HashMap<VarId, Slot<Momentum>>,
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd::new()
    }
}

impl HasBase for Sgd {
    fn base_mut(&mut self) -> &mut Base {
        &mut self.base
    }
}

base_builders!(Sgd);

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
            base: Base::new(0.01),
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

    /// The SGD `config` describes (its `name` already checked), not yet validated.
    pub(crate) fn from_config(config: &Value) -> Result<Sgd> {
        let r = optimizer_reader(config, "SGD", &["momentum", "nesterov"])?;
        let mut sgd = Sgd::new();
        read_base(&r, &mut sgd.base)?;
        if let Some(momentum) = r.f32("momentum")? {
            sgd.momentum = momentum;
        }
        if let Some(nesterov) = r.bool("nesterov")? {
            sgd.nesterov = nesterov;
        }
        Ok(sgd)
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &'static str {
        "SGD"
    }

    base_methods!(base, slots);

    fn validate(&self) -> Result<()> {
        self.base.validate(self.name())?;
        let m = self.momentum;
        check_setting(
            self.name(),
            "momentum",
            m,
            (0.0..=1.0).contains(&m),
            "in [0, 1]",
        )
    }

    fn config(&self) -> Result<Value> {
        self.validate()?;
        optimizer_config(
            self.name(),
            &self.base,
            [
                ("momentum", f32_to_json(self.momentum)),
                ("nesterov", Value::Bool(self.nesterov)),
            ],
        )
    }

    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()> {
        self.validate()?;
        let (momentum, nesterov) = (self.momentum, self.nesterov);
        let init =
            |shape: &[usize]| Momentum((momentum != 0.0).then(|| ArrayD::zeros(IxDyn(shape))));
        // Without momentum w ← w − lr·g; with it v ← m·v − lr·g and w ← w + v, or with
        // Nesterov w ← w + m·v − lr·g (the new v), over plain slices so that it vectorises.
        let kernel = |step: &Step, lanes: Lanes<'_>, s: &Momentum, next: &mut Momentum| {
            let Lanes { shape, w, g, out } = lanes;
            let n = w.len();
            let (g, out) = (&g[..n], &mut out[..n]);
            let mut bad = 0;
            if momentum == 0.0 {
                carry(&mut next.0, &s.0);
                for i in 0..n {
                    let wi = step.decayed(w[i]) - step.grad(g[i]) * step.lr;
                    out[i] = wi;
                    bad |= non_finite([g[i], wi]);
                }
                return bad;
            }
            // No velocity yet (momentum was 0 when the slot was made): it starts at 0.
            let velocity = s.0.as_ref().map(|a| &values(a)[..n]);
            let next_velocity = &mut buffer(&mut next.0, shape)[..n];
            for i in 0..n {
                let gi = step.grad(g[i]);
                let vi = floored(-gi * step.lr + velocity.map_or(0.0, |v| v[i]) * momentum);
                let delta = if nesterov {
                    -gi * step.lr + vi * momentum
                } else {
                    vi
                };
                let wi = step.decayed(w[i]) + delta;
                (next_velocity[i], out[i]) = (vi, wi);
                bad |= non_finite([g[i], wi, vi]);
            }
            bad
        };
        self.base
            .apply("SGD", weights, grads, &mut self.slots, init, kernel)
    }

    fn state_size(&self) -> usize {
        state_size(&self.base, &self.slots)
    }
}
