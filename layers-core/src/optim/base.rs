//! What every optimizer shares: the learning rate or its schedule, gradient clipping,
//! decoupled weight decay, the step counter, and the all-or-nothing step that computes
//! each weight's new value and slots into reused buffers and swaps them in.
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

use ndarray::{ArrayD, IxDyn};

use super::LearningRateSchedule;
use crate::autograd::{GradStore, VarId};
use crate::error::{Error, Result};
use crate::tensor::Data;
use crate::{Tensor, Weight};

/// The settings and the step counter every optimizer has (Keras's `BaseOptimizer`).
pub(crate) struct Base {
    pub(crate) learning_rate: f32,
    pub(crate) schedule: Option<Box<dyn LearningRateSchedule>>,
    pub(crate) clipnorm: Option<f32>,
    pub(crate) clipvalue: Option<f32>,
    pub(crate) global_clipnorm: Option<f32>,
    pub(crate) weight_decay: Option<f32>,
    pub(crate) iterations: u64,
}

impl fmt::Debug for Base {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Base")
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
/// check gradients without allocating), the optimizer's arrays, and the buffers the next
/// step writes into (`next`, `next_weight`). A step computes every new value into the
/// buffers and swaps them in only when all of them are finite, so a refused step writes
/// nothing and an accepted one copies nothing.
#[derive(Debug)]
pub(crate) struct Slot<S> {
    shape: Vec<usize>,
    pub(crate) state: S,
    next: S,
    next_weight: Option<Data>,
}

impl<S> Slot<S> {
    /// The slot of a weight of `shape` restored from saved arrays: `state` holds them and
    /// `next`, a copy, is the buffer the next step writes into.
    pub(crate) fn restored(shape: Vec<usize>, state: S, next: S) -> Slot<S> {
        Slot {
            shape,
            state,
            next,
            next_weight: None,
        }
    }
}

/// Optimizer state that can say how many values it holds (Keras's optimizer variables)
/// and be read and restored array by array, by Keras's slot names.
pub(crate) trait SlotState: Sized {
    /// The slot arrays this optimizer knows, in the order `slots` gives them.
    const NAMES: &'static [SlotName];

    fn size(&self) -> usize;

    /// The arrays held, in the order of [`SlotState::NAMES`] (`None` for an optional array
    /// not made).
    fn arrays(&self) -> Vec<Option<&ArrayD<f32>>>;

    /// The state made of `arrays`, in the order of [`SlotState::NAMES`]; every required
    /// array is `Some` and has the weight's shape, in standard layout.
    fn from_arrays(arrays: Vec<Option<ArrayD<f32>>>) -> Self;
}

/// One slot array of an optimizer: its Keras name, whether every state has it (rather than
/// only some settings), and whether its values can never be negative (a running mean of
/// squares).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SlotName {
    pub(crate) name: &'static str,
    pub(crate) required: bool,
    pub(crate) non_negative: bool,
}

/// One weight's step as the optimizer's kernel sees it: the current values of the weight
/// and its gradient, in standard (row-major) order, and the buffer for the new weight.
pub(crate) struct Lanes<'a> {
    pub(crate) shape: &'a [usize],
    pub(crate) w: &'a [f32],
    pub(crate) g: &'a [f32],
    pub(crate) out: &'a mut [f32],
}

/// A slot array as a slice: the optimizers create every slot array themselves, in
/// standard layout.
pub(crate) fn values(a: &ArrayD<f32>) -> &[f32] {
    a.as_slice()
        .expect("optimizer slots are created in standard layout")
}

/// [`values`] for writing.
pub(crate) fn values_mut(a: &mut ArrayD<f32>) -> &mut [f32] {
    a.as_slice_mut()
        .expect("optimizer slots are created in standard layout")
}

/// The next-step buffer `slot` of the weight's shape, made (zeros) the first time the
/// optimizer needs it.
pub(crate) fn buffer<'a>(slot: &'a mut Option<ArrayD<f32>>, shape: &[usize]) -> &'a mut [f32] {
    values_mut(slot.get_or_insert_with(|| ArrayD::zeros(IxDyn(shape))))
}

/// An optional slot array the current settings do not use (AMSGrad's v̂ after AMSGrad was
/// turned off): carried over unchanged into the next state.
pub(crate) fn carry(next: &mut Option<ArrayD<f32>>, current: &Option<ArrayD<f32>>) {
    if next.is_some() || current.is_some() {
        next.clone_from(current);
    }
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
        let g = g * self.scale;
        // `f32::clamp` without its assertion (the limit is validated > 0), so that the
        // loops vectorise; NaN stays NaN.
        if g < -self.clip {
            -self.clip
        } else if g > self.clip {
            self.clip
        } else {
            g
        }
    }

    /// The weight after decoupled weight decay, `w − w·wd·lr` (unchanged without decay).
    #[inline]
    pub(crate) fn decayed(&self, w: f32) -> f32 {
        w - w * self.decay
    }

    /// Whether [`Step::grad`] and [`Step::decayed`] return their argument unchanged (no
    /// clipping, no weight decay), so that a kernel can leave both out of its loop.
    pub(crate) fn is_plain(&self) -> bool {
        self.scale == 1.0 && self.clip == f32::INFINITY && self.decay == 0.0
    }
}

fn squared_norm(g: &Tensor) -> f64 {
    g.data().iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

impl Base {
    pub(crate) fn new(learning_rate: f32) -> Base {
        Base {
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

    /// A fixed rate from now on (the builders' `with_learning_rate`); a schedule, if any, is
    /// dropped.
    pub(crate) fn set_rate(&mut self, learning_rate: f32) {
        self.learning_rate = learning_rate;
        self.schedule = None;
    }

    /// `Optimizer::set_learning_rate`: a valid fixed rate, refused (as Keras refuses it) when
    /// a schedule computes the rate.
    pub(crate) fn try_set_rate(&mut self, op: &'static str, learning_rate: f32) -> Result<()> {
        if self.schedule.is_some() {
            return Err(Error::invalid(
                op,
                format!(
                    "the learning rate is computed by a schedule and cannot be set to \
                     {learning_rate:?} (as in Keras); build the optimizer without the schedule \
                     to set its rate"
                ),
            ));
        }
        check_setting(
            op,
            "learning_rate",
            learning_rate,
            learning_rate >= 0.0,
            NON_NEGATIVE,
        )?;
        self.learning_rate = learning_rate;
        Ok(())
    }

    /// Keras counts `iterations` and, unless a schedule computes it, `learning_rate` among
    /// an optimizer's variables.
    pub(crate) fn base_state_size(&self) -> usize {
        if self.schedule.is_some() { 1 } else { 2 }
    }

    /// The learning rate of the next update, refused unless it is a finite number ≥ 0 (a
    /// schedule is asked again at every step, so it is checked at every step).
    pub(crate) fn step_rate(&self, op: &'static str) -> Result<f32> {
        let lr = self.current_rate();
        if lr.is_finite() && lr >= 0.0 {
            return Ok(lr);
        }
        Err(match self.schedule {
            Some(_) => Error::invalid(
                op,
                format!(
                    "the learning-rate schedule gave {lr:?} for step {}; a learning rate must \
                     be {NON_NEGATIVE}",
                    self.iterations
                ),
            ),
            None => setting_error(op, "learning_rate", lr, NON_NEGATIVE),
        })
    }

    /// Checks the shared settings: the learning rate (or the schedule's next one), the
    /// clipping limits and the weight decay. Every optimizer calls this from its
    /// `validate`, which `compile` and every update call.
    pub(crate) fn validate(&self, op: &'static str) -> Result<()> {
        self.step_rate(op)?;
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
            if let Some(v) = value {
                check_setting(op, name, v, v > 0.0, POSITIVE)?;
            }
        }
        if let Some(wd) = self.weight_decay {
            check_setting(op, "weight_decay", wd, wd >= 0.0, NON_NEGATIVE)?;
        }
        Ok(())
    }

    /// How the gradient of one weight is transformed at this step: exactly one of
    /// clipnorm, global_clipnorm, clipvalue, in Keras's order of precedence.
    fn step(&self, g: &Tensor, lr: f32, global_scale: Option<f32>) -> Step {
        let (scale, clip) = match (self.clipnorm, global_scale, self.clipvalue) {
            (Some(c), _, _) => (c / (squared_norm(g).sqrt() as f32).max(c), f32::INFINITY),
            (None, Some(s), _) => (s, f32::INFINITY),
            (None, None, Some(v)) => (1.0, v),
            (None, None, None) => (1.0, f32::INFINITY),
        };
        Step {
            lr,
            t: self.iterations + 1,
            scale,
            clip,
            decay: self.weight_decay.map_or(0.0, |wd| wd * lr),
        }
    }

    /// One optimizer step, all or nothing. First every gradient's shape is checked and the
    /// slots of weights seen for the first time are created; then `kernel(step, lanes,
    /// state, next)` computes each weight's new values into the next-step buffers (the new
    /// weight into `lanes.out`, the new slot arrays into `next`), returning non-zero if any
    /// gradient or new value is NaN or infinite (see [`non_finite`]); only when every
    /// weight's kernel returned 0 are the buffers swapped in and the step counted. Any error
    /// (a bad shape, a non-finite gradient or new value) leaves every weight, slot and the
    /// step count as they were; slots created for the refused step are removed again.
    ///
    /// Each gradient is looked up once; the kernel reads every value once and writes every
    /// new value once; accepting swaps buffers without copying. The buffers double the
    /// memory of the weights and slots a step updates; they are made on the first step and
    /// reused after, so later steps allocate nothing (unless a tensor still shares a
    /// weight's old storage, which then stays with that tensor).
    pub(crate) fn apply<S: SlotState>(
        &mut self,
        op: &'static str,
        weights: &[&Weight],
        grads: &GradStore,
        slots: &mut HashMap<VarId, Slot<S>>,
        init: impl Fn(&[usize]) -> S,
        kernel: impl Fn(&Step, Lanes<'_>, &S, &mut S) -> u32,
    ) -> Result<()> {
        let lr = self.step_rate(op)?;
        if self.iterations == u64::MAX {
            // A restored count (`set_iterations`) at the limit: the step would count as 0.
            return Err(Error::invalid(
                op,
                format!(
                    "the step count is {}, the largest there is: no further step can be \
                     counted (restore a smaller one with `set_iterations`)",
                    self.iterations
                ),
            ));
        }
        // The trainable weights that have a gradient, with it and their place in `weights`;
        // a weight listed twice is updated once (its gradient already sums every use), as
        // swapping its buffers twice would put its old value back. The earlier entries are
        // compared directly: a model has tens of weights, and a step allocates no set.
        let updates: Vec<(usize, &Weight, &Tensor)> = weights
            .iter()
            .enumerate()
            .filter(|&(i, w)| {
                w.is_trainable() && !weights[..i].iter().any(|earlier| earlier.id() == w.id())
            })
            .filter_map(|(i, w)| w.grad(grads).map(|g| (i, *w, g)))
            .collect();
        // Weights updated for the first time: their slots go again if the step is refused.
        let mut created: Vec<VarId> = Vec::new();
        let forget = |slots: &mut HashMap<VarId, Slot<S>>, created: &[VarId]| {
            for id in created {
                slots.remove(id);
            }
        };
        let mut global_sq = 0.0f64;
        for &(_, w, g) in &updates {
            let slot = match slots.entry(w.id()) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    let Some(shape) = w.shape() else {
                        forget(slots, &created);
                        return Err(Error::UnbuiltWeight {
                            weight: w.name().to_string(),
                        });
                    };
                    created.push(w.id());
                    e.insert(Slot {
                        state: init(&shape),
                        next: init(&shape),
                        next_weight: None,
                        shape,
                    })
                }
            };
            if g.shape() != slot.shape.as_slice() {
                let err = Error::incompatible(
                    op,
                    &slot.shape,
                    g.shape(),
                    format!(
                        "the gradient of weight `{}` must have the weight's shape",
                        w.name()
                    ),
                );
                forget(slots, &created);
                return Err(err);
            }
            // A constraint set on a weight after it was built is checked here, before any
            // weight changes (a layer's weights were checked when they were built).
            if let Some(c) = w.constraint()
                && let Err(e) = c.check(&slot.shape)
            {
                forget(slots, &created);
                return Err(Error::invalid(
                    op,
                    format!(
                        "the constraint of weight `{}` does not fit it: {e}",
                        w.name()
                    ),
                ));
            }
            if self.global_clipnorm.is_some() {
                global_sq += squared_norm(g);
            }
        }
        // Keras's `clip_by_global_norm`: a no-op below the limit, NaN for a non-finite norm
        // (which the kernels then refuse).
        let global_scale = self.global_clipnorm.map(|c| {
            let norm = global_sq.sqrt() as f32;
            if norm.is_finite() {
                c * (1.0 / norm).min(1.0 / c)
            } else {
                f32::NAN
            }
        });
        for &(index, w, g) in &updates {
            let slot = slots
                .get_mut(&w.id())
                .expect("every slot was created above");
            let step = self.step(g, lr, global_scale);
            // The new weight goes into a buffer of its own: the old one, kept from the last
            // step, unless a tensor still shares it.
            let mut out = match slot.next_weight.take() {
                Some(buffer) if buffer.is_unique() && buffer.is_standard_layout() => buffer,
                _ => Data::zeros(IxDyn(&slot.shape)),
            };
            let gradient = g.data().as_standard_layout();
            let bad = w.with_data(|value| {
                let value = value.as_standard_layout();
                let lanes = Lanes {
                    shape: &slot.shape,
                    w: value.as_slice().expect("made standard above"),
                    g: gradient.as_slice().expect("made standard above"),
                    out: out.as_slice_mut().expect("made standard above"),
                };
                kernel(&step, lanes, &slot.state, &mut slot.next)
            });
            // Keras applies a weight's constraint to its new value after the update.
            if bad == Some(0)
                && let Some(c) = w.constraint()
            {
                c.apply_in_place(out.view_mut());
            }
            slot.next_weight = Some(out);
            if bad.is_none_or(|bad| bad != 0) {
                forget(slots, &created);
                return Err(Error::NonFiniteUpdate {
                    optimizer: op,
                    weight: w.name().to_string(),
                    index,
                    step: self.iterations + 1,
                    learning_rate: lr,
                    gradient: !g.all_finite(),
                });
            }
        }
        for &(_, w, _) in &updates {
            let slot = slots
                .get_mut(&w.id())
                .expect("every slot was created above");
            let next = slot
                .next_weight
                .as_mut()
                .expect("every kernel above wrote its weight's buffer");
            w.swap_data(next);
            std::mem::swap(&mut slot.state, &mut slot.next);
        }
        self.iterations += 1;
        Ok(())
    }
}

/// What a learning rate, a decay or a weight decay must be.
pub(crate) const NON_NEGATIVE: &str = "a finite number ≥ 0";
/// What ε and the clipping limits must be.
pub(crate) const POSITIVE: &str = "a finite number > 0";

/// The error for a setting outside its range: "`adam`: `beta_1` must be in [0, 1), but it
/// is 1.5".
pub(crate) fn setting_error(op: &'static str, name: &str, value: f32, expected: &str) -> Error {
    Error::invalid(
        op,
        format!("`{name}` must be {expected}, but it is {value:?}"),
    )
}

/// Refuses a setting that is not finite or for which `in_range` is false.
pub(crate) fn check_setting(
    op: &'static str,
    name: &str,
    value: f32,
    in_range: bool,
    expected: &str,
) -> Result<()> {
    if value.is_finite() && in_range {
        Ok(())
    } else {
        Err(setting_error(op, name, value, expected))
    }
}

/// 1 if any of `values` is NaN or infinite, else 0. The kernels OR this into a local `u32`
/// over their loop: integer bit tests keep the loop branch-free and vectorised, where an
/// early exit or a captured accumulator would keep it scalar.
#[inline]
pub(crate) fn non_finite<const N: usize>(values: [f32; N]) -> u32 {
    // An f32 is NaN or infinite exactly when its exponent bits are all ones.
    values.iter().fold(0, |bad, v| {
        bad | u32::from((v.to_bits() & 0x7fff_ffff) >= 0x7f80_0000)
    })
}

/// Optimizer states (moments, velocities) smaller than this in magnitude are stored as 0.
///
/// A state whose gradients are 0 (a dead ReLU unit, an embedding row absent from the batch,
/// a masked step) decays geometrically: Adam's first moment by 0.9 a step, so it reaches the
/// subnormal range (below 1.2e-38) after about 800 steps. Arithmetic on subnormal numbers
/// takes a slow microcode path on x86 CPUs: without this floor, W1 of the benchmarks (an MLP
/// with ReLU and Adam) ran its 2nd–4th epochs at 78k, 61k and 63k samples/s after 155k in
/// the first. The floor sits well above the subnormal range so that the state times a decay
/// rate (or Adam's `(g − m)·(1 − β1)`) is never subnormal either. What it drops moves a
/// weight by less than `lr · 1e-30 / ε` (1e-26 with Keras's defaults), far below an f32
/// weight's resolution. TensorFlow and XLA, the backends Keras runs on, flush subnormals to
/// zero on the CPU, which is the same for every value that matters.
pub(crate) const STATE_FLOOR: f32 = 1e-30;

/// `x`, or 0 when `|x| <` [`STATE_FLOOR`] (NaN and infinities pass through, for the
/// non-finite checks).
#[inline(always)]
pub(crate) fn floored(x: f32) -> f32 {
    if x.abs() < STATE_FLOOR { 0.0 } else { x }
}

/// `g²`, or 0 when it would be subnormal (`|g|` below `√f32::MIN_POSITIVE`), computed
/// without ever making the subnormal value: where the CPU flushes subnormals to zero, as
/// TensorFlow and XLA set it, `g²` is 0 there too.
#[inline(always)]
pub(crate) fn squared(g: f32) -> f32 {
    // √(2⁻¹²⁶) = 2⁻⁶³.
    const SMALLEST: f32 = 1.084_202_2e-19;
    let g = if g.abs() < SMALLEST { 0.0 } else { g };
    g * g
}

/// Access to the shared settings, for the builder methods every optimizer has.
pub(crate) trait HasBase {
    fn base_mut(&mut self) -> &mut Base;
}

/// The total size of the optimizer's slots plus Keras's `iterations` and `learning_rate`.
pub(crate) fn state_size<S: SlotState>(base: &Base, slots: &HashMap<VarId, Slot<S>>) -> usize {
    base.base_state_size() + slots.values().map(|s| s.state.size()).sum::<usize>()
}

/// The builder methods for the settings every optimizer shares, with examples run against
/// each optimizer type.
macro_rules! base_builders {
    ($ty:ident) => {
        impl $ty {
            /// Sets a fixed learning rate, replacing any schedule.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) refuse a
            /// rate that is not a finite number ≥ 0, naming it.
            ///
            /// # Examples
            ///
            /// ```
            #[doc = concat!("use layers_core::optim::{Optimizer, ", stringify!($ty), "};")]
            #[doc = concat!("let opt = ", stringify!($ty), "::new().with_learning_rate(0.5);")]
            /// assert_eq!(opt.learning_rate(), 0.5);
            /// ```
            pub fn with_learning_rate(mut self, learning_rate: f32) -> Self {
                self.base_mut().set_rate(learning_rate);
                self
            }

            /// Computes the learning rate from the step count with a schedule (an
            /// [`ExponentialDecay`](crate::optim::ExponentialDecay) or any
            /// `Fn(u64) -> f32` closure); the first update uses `schedule.rate(0)`.
            /// The rate is then not settable: `set_learning_rate`, and callbacks such as
            /// `LearningRateScheduler` in `fit`, are refused, as in Keras.
            ///
            /// # Errors
            ///
            /// [`Optimizer::apply`](crate::optim::Optimizer::apply) refuses a step for which
            /// the schedule gives a rate that is not a finite number ≥ 0.
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
                self.base_mut().schedule = Some(Box::new(schedule));
                self
            }

            /// Rescales each gradient tensor whose L2 norm exceeds `clipnorm` to that norm
            /// (Keras's `clipnorm`). Takes precedence over `clipvalue`; cannot be combined
            /// with `global_clipnorm`.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) report a
            /// limit that is not a finite number > 0, or both `clipnorm` and `global_clipnorm`.
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
                self.base_mut().clipnorm = Some(clipnorm);
                self
            }

            /// Clamps every gradient value into `[−clipvalue, clipvalue]` (Keras's
            /// `clipvalue`; ignored, as in Keras, when `clipnorm` or `global_clipnorm` is
            /// set).
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) report a
            /// limit that is not a finite number > 0.
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
                self.base_mut().clipvalue = Some(clipvalue);
                self
            }

            /// Rescales all gradients together when their joint L2 norm exceeds
            /// `global_clipnorm` (Keras's `global_clipnorm`); cannot be combined with
            /// `clipnorm`.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) report a
            /// limit that is not a finite number > 0, or both `clipnorm` and `global_clipnorm`.
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
                self.base_mut().global_clipnorm = Some(global_clipnorm);
                self
            }

            /// Decoupled weight decay (Keras's `weight_decay`): before each update, every
            /// updated weight loses `w·weight_decay·learning_rate`.
            ///
            /// # Errors
            ///
            /// `compile` and [`Optimizer::apply`](crate::optim::Optimizer::apply) refuse a
            /// weight decay that is not a finite number ≥ 0.
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
                self.base_mut().weight_decay = Some(weight_decay);
                self
            }
        }
    };
}

pub(crate) use base_builders;
