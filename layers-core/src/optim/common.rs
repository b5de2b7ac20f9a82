//! What every optimizer shares: the learning rate or its schedule, gradient clipping,
//! decoupled weight decay, the step counter, and the loop that updates each weight in
//! place from its gradient and its slots.
//!
//! ```
//! use layers_core::{GradStore, Tensor, Weight};
//! use layers_core::optim::{Optimizer, Sgd};
//! let w = Weight::from_tensor("w", Tensor::from_vec(vec![0.0, 0.0], &[2]));
//! let mut grads = GradStore::default();
//! grads.insert(w.id(), Tensor::from_vec(vec![6.0, 8.0], &[2])); // norm 10
//! let mut sgd = Sgd::new().with_learning_rate(1.0).clipnorm(5.0);
//! sgd.apply(&[&w], &grads)?;
//! assert_eq!(w.value().to_vec(), vec![-3.0, -4.0]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;

use ndarray::{ArrayViewD, ArrayViewMutD};

use super::LearningRateSchedule;
use crate::autograd::{GradStore, VarId};
use crate::error::{Error, Result};
use crate::{Tensor, Weight};

/// The settings and the step counter every optimizer has (Keras's `BaseOptimizer`).
pub(crate) struct Common {
    pub(crate) learning_rate: f32,
    pub(crate) schedule: Option<Box<dyn LearningRateSchedule>>,
    pub(crate) clipnorm: Option<f32>,
    pub(crate) clipvalue: Option<f32>,
    pub(crate) global_clipnorm: Option<f32>,
    pub(crate) weight_decay: Option<f32>,
    pub(crate) iterations: u64,
}

impl fmt::Debug for Common {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Common")
            .field("learning_rate", &self.learning_rate)
            .field("schedule", &self.schedule.as_ref().map(|_| "<schedule>"))
            .field("clipnorm", &self.clipnorm)
            .field("clipvalue", &self.clipvalue)
            .field("global_clipnorm", &self.global_clipnorm)
            .field("weight_decay", &self.weight_decay)
            .field("iterations", &self.iterations)
            .finish()
    }
}

/// The optimizer state of one weight: its shape (recorded once, so that later steps can
/// check gradients without allocating) and the optimizer's arrays.
#[derive(Debug)]
pub(crate) struct Slot<S> {
    shape: Vec<usize>,
    pub(crate) state: S,
}

/// Optimizer state that can say how many values it holds (Keras's optimizer variables).
pub(crate) trait SlotState {
    fn size(&self) -> usize;
}

/// What one update of one weight needs besides its slots: the learning rate, the step
/// number `t` (1 for the first update) and the gradient transform.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    pub(crate) lr: f32,
    pub(crate) t: u64,
    scale: f32,
    clip: f32,
    decay: f32,
}

impl Step {
    /// The gradient after clipping: scaled for `clipnorm`/`global_clipnorm`, clamped for
    /// `clipvalue` (only one of them is ever active, as in Keras).
    #[inline]
    pub(crate) fn grad(&self, g: f32) -> f32 {
        (g * self.scale).clamp(-self.clip, self.clip)
    }

    /// The weight after decoupled weight decay, `w − w·wd·lr` (unchanged without decay).
    #[inline]
    pub(crate) fn decayed(&self, w: f32) -> f32 {
        w - w * self.decay
    }
}

/// The trainable weights that have a gradient, with it.
fn pairs<'a>(
    weights: &'a [&'a Weight],
    grads: &'a GradStore,
) -> impl Iterator<Item = (&'a Weight, &'a Tensor)> {
    weights
        .iter()
        .filter(|w| w.is_trainable())
        .filter_map(move |w| w.grad(grads).map(|g| (*w, g)))
}

fn squared_norm(g: &Tensor) -> f64 {
    g.data().iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

impl Common {
    pub(crate) fn new(learning_rate: f32) -> Common {
        Common {
            learning_rate,
            schedule: None,
            clipnorm: None,
            clipvalue: None,
            global_clipnorm: None,
            weight_decay: None,
            iterations: 0,
        }
    }

    /// The learning rate of the next update.
    pub(crate) fn current_rate(&self) -> f32 {
        match &self.schedule {
            Some(s) => s.rate(self.iterations),
            None => self.learning_rate,
        }
    }

    /// A fixed rate from now on; a schedule, if any, is dropped.
    pub(crate) fn set_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
        self.schedule = None;
    }

    /// Keras counts `iterations` and, unless a schedule computes it, `learning_rate` among
    /// an optimizer's variables.
    pub(crate) fn base_state_size(&self) -> usize {
        if self.schedule.is_some() { 1 } else { 2 }
    }

    fn check(&self, op: &'static str) -> Result<()> {
        if self.clipnorm.is_some() && self.global_clipnorm.is_some() {
            return Err(Error::invalid(
                op,
                "only one of `clipnorm` and `global_clipnorm` can be set, but both are",
            ));
        }
        let limits = [
            ("clipnorm", self.clipnorm),
            ("global_clipnorm", self.global_clipnorm),
            ("clipvalue", self.clipvalue),
        ];
        for (name, value) in limits {
            if let Some(v) = value
                && (v.is_nan() || v <= 0.0)
            {
                return Err(Error::invalid(
                    op,
                    format!("`{name}` must be positive, but it is {v}"),
                ));
            }
        }
        Ok(())
    }

    /// One optimizer step: checks every gradient first (so that an error leaves every
    /// weight untouched), then updates each trainable weight that has a gradient in place
    /// with `update(step, weight, gradient, slots)`, then counts the step.
    ///
    /// Slots are created by `init` on a weight's first step; later steps allocate nothing.
    pub(crate) fn apply<S: SlotState>(
        &mut self,
        op: &'static str,
        weights: &[&Weight],
        grads: &GradStore,
        slots: &mut HashMap<VarId, Slot<S>>,
        init: impl Fn(&[usize]) -> S,
        mut update: impl FnMut(&Step, &mut ArrayViewMutD<'_, f32>, &ArrayViewD<'_, f32>, &mut S),
    ) -> Result<()> {
        self.check(op)?;
        let mut global_sq = 0.0f64;
        for (w, g) in pairs(weights, grads) {
            let slot = match slots.entry(w.id()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let shape = w.shape().ok_or_else(|| Error::UnbuiltWeight {
                        weight: w.name().to_string(),
                    })?;
                    e.insert(Slot {
                        state: init(&shape),
                        shape,
                    })
                }
            };
            if g.shape() != slot.shape.as_slice() {
                return Err(Error::incompatible(
                    op,
                    &slot.shape,
                    g.shape(),
                    format!(
                        "the gradient of weight `{}` must have the weight's shape",
                        w.name()
                    ),
                ));
            }
            if self.global_clipnorm.is_some() {
                global_sq += squared_norm(g);
            }
        }
        // Keras's `clip_by_global_norm`: a no-op below the limit, NaN for a non-finite norm.
        let global_scale = self.global_clipnorm.map(|c| {
            let norm = global_sq.sqrt() as f32;
            if norm.is_finite() {
                c * (1.0 / norm).min(1.0 / c)
            } else {
                f32::NAN
            }
        });
        let lr = self.current_rate();
        let decay = self.weight_decay.map_or(0.0, |wd| wd * lr);
        for (w, g) in pairs(weights, grads) {
            let Some(slot) = slots.get_mut(&w.id()) else {
                continue;
            };
            // Keras applies exactly one of clipnorm, global_clipnorm, clipvalue, in that
            // order of precedence.
            let (scale, clip) = match (self.clipnorm, global_scale, self.clipvalue) {
                (Some(c), _, _) => (c / (squared_norm(g).sqrt() as f32).max(c), f32::INFINITY),
                (None, Some(s), _) => (s, f32::INFINITY),
                (None, None, Some(v)) => (1.0, v),
                (None, None, None) => (1.0, f32::INFINITY),
            };
            let step = Step {
                lr,
                t: self.iterations + 1,
                scale,
                clip,
                decay,
            };
            let gradient = g.view();
            w.update(|view| update(&step, view, &gradient, &mut slot.state));
        }
        self.iterations += 1;
        Ok(())
    }
}

/// Access to the shared settings, for the builder methods every optimizer has.
pub(crate) trait HasCommon {
    fn common_mut(&mut self) -> &mut Common;
}

/// The total size of the optimizer's slots plus Keras's `iterations` and `learning_rate`.
pub(crate) fn state_size<S: SlotState>(common: &Common, slots: &HashMap<VarId, Slot<S>>) -> usize {
    common.base_state_size() + slots.values().map(|s| s.state.size()).sum::<usize>()
}

/// The builder methods for the settings every optimizer shares, with examples run against
/// each optimizer type.
macro_rules! common_builders {
    ($ty:ident) => {
        impl $ty {
            /// Sets a fixed learning rate, replacing any schedule.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            #[doc = concat!("let opt = ", stringify!($ty), "::new().with_learning_rate(0.5);")]
            /// assert_eq!(opt.learning_rate(), 0.5);
            /// ```
            pub fn with_learning_rate(mut self, learning_rate: f32) -> Self {
                self.common_mut().set_rate(learning_rate);
                self
            }

            /// Computes the learning rate from the step count with a schedule (an
            /// [`ExponentialDecay`](crate::optim::ExponentialDecay) or any
            /// `Fn(u64) -> f32` closure); the first update uses `schedule.rate(0)`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::GradStore;
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().schedule(|step: u64| 0.5 / (step + 1) as f32);")]
            /// assert_eq!(opt.learning_rate(), 0.5);
            /// opt.apply(&[], &GradStore::default())?; // a step without gradients still counts
            /// assert_eq!(opt.learning_rate(), 0.25);
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn schedule(mut self, schedule: impl crate::optim::LearningRateSchedule + 'static) -> Self {
                self.common_mut().schedule = Some(Box::new(schedule));
                self
            }

            /// Rescales each gradient tensor whose L2 norm exceeds `clipnorm` to that norm
            /// (Keras's `clipnorm`). Takes precedence over `clipvalue`; cannot be combined
            /// with `global_clipnorm`.
            ///
            /// # Errors
            ///
            /// [`Optimizer::apply`](crate::optim::Optimizer::apply) reports a limit that is
            /// not positive, or both `clipnorm` and `global_clipnorm`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let step = |opt: &mut dyn Optimizer, g: Vec<f32>| -> layers_core::Result<Vec<f32>> {
            ///     let w = Weight::from_tensor("w", Tensor::ones(&[2]));
            ///     let mut grads = GradStore::default();
            ///     grads.insert(w.id(), Tensor::from_vec(g, &[2]));
            ///     opt.apply(&[&w], &grads)?;
            ///     Ok(w.value().to_vec())
            /// };
            /// // a gradient of norm 10 clipped to norm 5 is halved
            #[doc = concat!("let clipped = step(&mut ", stringify!($ty), "::new().clipnorm(5.0), vec![6.0, 8.0])?;")]
            #[doc = concat!("assert_eq!(clipped, step(&mut ", stringify!($ty), "::new(), vec![3.0, 4.0])?);")]
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn clipnorm(mut self, clipnorm: f32) -> Self {
                self.common_mut().clipnorm = Some(clipnorm);
                self
            }

            /// Clamps every gradient value into `[−clipvalue, clipvalue]` (Keras's
            /// `clipvalue`; ignored, as in Keras, when `clipnorm` or `global_clipnorm` is
            /// set).
            ///
            /// # Errors
            ///
            /// [`Optimizer::apply`](crate::optim::Optimizer::apply) reports a limit that is
            /// not positive.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let step = |opt: &mut dyn Optimizer, g: f32| -> layers_core::Result<f32> {
            ///     let w = Weight::from_tensor("w", Tensor::ones(&[1]));
            ///     let mut grads = GradStore::default();
            ///     grads.insert(w.id(), Tensor::full(&[1], g));
            ///     opt.apply(&[&w], &grads)?;
            ///     Ok(w.value().item())
            /// };
            #[doc = concat!("let clipped = step(&mut ", stringify!($ty), "::new().clipvalue(0.5), 100.0)?;")]
            #[doc = concat!("assert_eq!(clipped, step(&mut ", stringify!($ty), "::new(), 0.5)?);")]
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn clipvalue(mut self, clipvalue: f32) -> Self {
                self.common_mut().clipvalue = Some(clipvalue);
                self
            }

            /// Rescales all gradients together when their joint L2 norm exceeds
            /// `global_clipnorm` (Keras's `global_clipnorm`); cannot be combined with
            /// `clipnorm`.
            ///
            /// # Errors
            ///
            /// [`Optimizer::apply`](crate::optim::Optimizer::apply) reports a limit that is
            /// not positive, or both `clipnorm` and `global_clipnorm`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let step = |opt: &mut dyn Optimizer, g: [f32; 2]| -> layers_core::Result<[f32; 2]> {
            ///     let a = Weight::from_tensor("a", Tensor::ones(&[1]));
            ///     let b = Weight::from_tensor("b", Tensor::ones(&[1]));
            ///     let mut grads = GradStore::default();
            ///     grads.insert(a.id(), Tensor::full(&[1], g[0]));
            ///     grads.insert(b.id(), Tensor::full(&[1], g[1]));
            ///     opt.apply(&[&a, &b], &grads)?;
            ///     Ok([a.value().item(), b.value().item()])
            /// };
            /// // the joint norm of (6, 8) is 10: both are halved
            #[doc = concat!("let clipped = step(&mut ", stringify!($ty), "::new().global_clipnorm(5.0), [6.0, 8.0])?;")]
            #[doc = concat!("assert_eq!(clipped, step(&mut ", stringify!($ty), "::new(), [3.0, 4.0])?);")]
            #[doc = concat!("let mut both = ", stringify!($ty), "::new().clipnorm(1.0).global_clipnorm(1.0);")]
            /// let err = both.apply(&[], &GradStore::default()).unwrap_err();
            /// assert!(err.to_string().ends_with("only one of `clipnorm` and `global_clipnorm` can be set, but both are"));
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn global_clipnorm(mut self, global_clipnorm: f32) -> Self {
                self.common_mut().global_clipnorm = Some(global_clipnorm);
                self
            }

            /// Decoupled weight decay (Keras's `weight_decay`): before each update, every
            /// updated weight loses `w·weight_decay·learning_rate`.
            ///
            /// # Examples
            ///
            /// ```
            /// use layers_core::{GradStore, Tensor, Weight};
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            /// let w = Weight::from_tensor("w", Tensor::ones(&[1]));
            /// let mut grads = GradStore::default();
            /// grads.insert(w.id(), Tensor::zeros(&[1])); // a zero gradient moves nothing else
            #[doc = concat!("let mut opt = ", stringify!($ty), "::new().with_learning_rate(0.1).weight_decay(0.5);")]
            /// opt.apply(&[&w], &grads)?;
            /// assert!((w.value().item() - 0.95).abs() < 1e-7); // 1 − 1·0.5·0.1
            /// # Ok::<(), layers_core::Error>(())
            /// ```
            pub fn weight_decay(mut self, weight_decay: f32) -> Self {
                self.common_mut().weight_decay = Some(weight_decay);
                self
            }
        }
    };
}

pub(crate) use common_builders;
