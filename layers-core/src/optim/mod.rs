//! Keras's optimizers (SGD, Adam, AdamW, RMSprop) with gradient clipping and
//! learning-rate schedules, updating weights in place.
//!
//! ```
//! use layers_core::{Tensor, Weight};
//! use layers_core::optim::{Optimizer, Sgd};
//!
//! let w = Weight::from_tensor("w", Tensor::from_vec(vec![1.0, -2.0], &[2]));
//! let mut sgd = Sgd::new().with_learning_rate(0.25);
//! let grads = (&w * &w).sum_all().backward(); // gradient 2w
//! sgd.apply(&[&w], &grads)?;
//! assert_eq!(w.value().to_vec(), vec![0.5, -1.0]); // w − 0.25·2w
//! assert_eq!(sgd.iterations(), 1);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Every optimizer follows Keras 3's update rules and order: gradients are clipped (one of
//! `clipnorm`, `global_clipnorm`, `clipvalue`), weight decay is applied, the weights are
//! updated with the learning rate of the current step (`schedule(iterations)`), then the
//! step is counted. Optimizer state lives in slots keyed by [`Weight::id`], created on a
//! weight's first update; later steps allocate nothing.
//!
//! A step is all or nothing: settings are checked first (the builders cannot fail, so
//! [`Optimizer::validate`] runs at `compile` and before every step), then every new weight
//! and slot value is computed, in one pass over each weight, into buffers kept from the
//! last step, and only when all are finite (and so were the gradients) are the buffers
//! swapped in. A refused step changes no weight, slot or step count.
//!
//! An optimizer is saved as data in three parts: its settings, [`Optimizer::config`]
//! (Keras's `get_config`); its step count, [`Optimizer::iterations`]; and each weight's
//! state arrays, [`Optimizer::slots`]. [`optimizer_from_config`],
//! [`Optimizer::set_iterations`] and [`Optimizer::set_slots`] restore them, after which
//! training continues bit for bit as if it had not stopped.

/// The `Optimizer` methods every optimizer answers from its shared state (`Base`, at the
/// first field path given) and its slots (at the second): the current learning rate,
/// setting it, whether a schedule drives it, the step count, and the slots as data.
macro_rules! base_methods {
    ($($field:ident).+, $($slots:ident).+) => {
        fn learning_rate(&self) -> f32 {
            self.$($field).+.current_rate()
        }

        fn set_learning_rate(&mut self, learning_rate: f32) -> $crate::error::Result<()> {
            let name = self.name();
            self.$($field).+.try_set_rate(name, learning_rate)
        }

        fn refuses_non_finite(&self) -> bool {
            true
        }

        fn has_schedule(&self) -> bool {
            self.$($field).+.schedule.is_some()
        }

        fn iterations(&self) -> u64 {
            self.$($field).+.iterations
        }

        fn set_iterations(&mut self, iterations: u64) -> $crate::error::Result<()> {
            self.$($field).+.iterations = iterations;
            Ok(())
        }

        fn slots(&self, weight: &$crate::weight::Weight) -> Vec<(&'static str, $crate::tensor::Tensor)> {
            $crate::optim::state::slots_of(&self.$($slots).+, weight)
        }

        fn set_slots(
            &mut self,
            weight: &$crate::weight::Weight,
            slots: &[(String, $crate::tensor::Tensor)],
        ) -> $crate::error::Result<()> {
            let name = self.name();
            $crate::optim::state::set_slots_of(name, &mut self.$($slots).+, weight, slots)
        }
    };
}

mod adam;
mod base;
mod config;
mod decays;
mod restarts;
mod rmsprop;
mod schedule;
mod sgd;
mod state;

pub use adam::{Adam, AdamW};
pub use config::optimizer_from_config;
pub use decays::{CosineDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay};
pub use restarts::CosineDecayRestarts;
pub use rmsprop::RmsProp;
pub use schedule::{ExponentialDecay, LearningRateSchedule, schedule_from_config};
pub use sgd::Sgd;

use serde_json::Value;

use crate::Weight;
use crate::autograd::GradStore;
use crate::error::{Error, Result, names_of};
use crate::tensor::Tensor;

/// Updates weights from their gradients, keeping per-weight state across steps.
///
/// # Examples
///
/// ```
/// use layers_core::{Tensor, Weight};
/// use layers_core::optim::{optimizer_from_name, Optimizer};
///
/// let mut opt: Box<dyn Optimizer> = optimizer_from_name("sgd")?;
/// let w = Weight::from_tensor("w", Tensor::ones(&[1]));
/// let grads = (&w * 10.0).sum_all().backward();
/// opt.apply(&[&w], &grads)?;
/// assert_eq!(w.value().item(), 0.9); // 1 − 0.01·10
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Optimizer: Send + Sync {
    /// The Keras name of the optimizer (`SGD`, `adam`, `adamw`, `rmsprop`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Optimizer, Sgd};
    /// assert_eq!(Sgd::new().name(), "SGD");
    /// ```
    fn name(&self) -> &'static str;

    /// The learning rate the next update will use (the schedule's value at
    /// [`Optimizer::iterations`] when there is a schedule).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, Optimizer, RmsProp};
    /// let opt = RmsProp::new().schedule(ExponentialDecay::new(0.1, 100, 0.5)?);
    /// assert_eq!(opt.learning_rate(), 0.1);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn learning_rate(&self) -> f32;

    /// Sets a fixed learning rate from now on (what `fit` does for callbacks such as
    /// [`LearningRateScheduler`](crate::model::callbacks::LearningRateScheduler)).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the optimizer and the value, leaving the rate as it
    /// was: for a rate that is not a finite number ≥ 0, or when a
    /// [`LearningRateSchedule`] computes the rate (Keras refuses to set it too; build the
    /// optimizer with [`with_learning_rate`](Sgd::with_learning_rate) instead).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new();
    /// opt.set_learning_rate(0.125)?;
    /// assert_eq!(opt.learning_rate(), 0.125);
    /// let err = opt.set_learning_rate(-1.0).unwrap_err();
    /// assert_eq!(err.to_string(), "`adam`: `learning_rate` must be a finite number ≥ 0, but it is -1.0");
    /// assert_eq!(opt.learning_rate(), 0.125);
    ///
    /// let mut scheduled = Adam::new().schedule(|_: u64| 0.5);
    /// assert!(scheduled.set_learning_rate(0.1).is_err());
    /// assert_eq!(scheduled.learning_rate(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn set_learning_rate(&mut self, learning_rate: f32) -> Result<()>;

    /// Whether a [`LearningRateSchedule`] computes the learning rate (then
    /// [`Optimizer::set_learning_rate`] refuses to set it). `false` unless an optimizer says
    /// otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, Optimizer, Sgd};
    /// assert!(!Sgd::new().has_schedule());
    /// assert!(Sgd::new().schedule(ExponentialDecay::new(0.1, 10, 0.5)?).has_schedule());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn has_schedule(&self) -> bool {
        false
    }

    /// Checks every setting (the builders cannot fail, so this is where a bad value is
    /// caught): `compile` calls it, and so does every [`Optimizer::apply`] before it touches
    /// anything. `Ok` unless an optimizer says otherwise.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the optimizer, the setting and its value: a
    /// learning rate (or a schedule's next rate) or weight decay that is not a finite number
    /// ≥ 0; an ε or clipping limit that is not a finite number > 0; both `clipnorm` and
    /// `global_clipnorm`; a momentum outside `[0, 1]`; a β or ρ outside `[0, 1)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Adam, Optimizer, RmsProp, Sgd};
    /// assert!(Adam::new().validate().is_ok());
    /// assert_eq!(
    ///     Sgd::new().with_learning_rate(-0.1).validate().unwrap_err().to_string(),
    ///     "`SGD`: `learning_rate` must be a finite number ≥ 0, but it is -0.1"
    /// );
    /// assert_eq!(
    ///     Adam::new().beta_1(1.0).validate().unwrap_err().to_string(),
    ///     "`adam`: `beta_1` must be in [0, 1), but it is 1.0"
    /// );
    /// assert!(RmsProp::new().epsilon(f32::NAN).validate().is_err());
    /// ```
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// Whether [`Optimizer::apply`] itself refuses, with [`Error::NonFiniteUpdate`] and
    /// without changing anything, a gradient or update that is NaN or infinite (true for
    /// every built-in optimizer). The training loop checks the gradients itself before
    /// calling an optimizer that answers `false`, the default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Optimizer, Sgd};
    /// assert!(Sgd::new().refuses_non_finite());
    /// ```
    fn refuses_non_finite(&self) -> bool {
        false
    }

    /// The number of updates applied so far (Keras's `iterations`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::GradStore;
    /// use layers_core::optim::{Adam, Optimizer};
    /// let mut opt = Adam::new();
    /// opt.apply(&[], &GradStore::default())?;
    /// assert_eq!(opt.iterations(), 1);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn iterations(&self) -> u64;

    /// Applies one update to every trainable weight of `weights` that has a gradient in
    /// `grads`, in place, and counts the step. Non-trainable weights and weights without a
    /// gradient are never touched.
    ///
    /// The step is all or nothing: the built-in optimizers compute every new weight and
    /// slot value into buffers of their own and swap them in only if all are finite and
    /// every gradient is finite, so no NaN or infinity is ever written into a weight or the
    /// optimizer's state. (The buffers double the memory of the weights and slots a step
    /// updates.)
    ///
    /// # Errors
    ///
    /// Before touching any weight, slot or the step count: what
    /// [`Optimizer::validate`] reports; [`Error::IncompatibleShapes`] if a gradient's shape
    /// differs from its weight's; [`Error::NonFiniteUpdate`] naming the weight when its
    /// gradient holds NaN or infinite values, or its update would make it or its slots NaN
    /// or infinite (a learning rate or gradient so large that the result overflows, say);
    /// [`Error::InvalidArgument`] when the step count is already `u64::MAX` (restored with
    /// [`Optimizer::set_iterations`]) and the step could not be counted.
    ///
    /// A weight listed more than once in `weights` is updated once, with its gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor, Weight};
    /// use layers_core::optim::{Optimizer, Sgd};
    /// let mut frozen = Weight::from_tensor("moving_mean", Tensor::ones(&[2]));
    /// frozen.set_trainable(false);
    /// let mut grads = GradStore::default();
    /// grads.insert(frozen.id(), Tensor::ones(&[2]));
    /// Sgd::new().apply(&[&frozen], &grads)?;
    /// assert_eq!(frozen.value().to_vec(), vec![1.0, 1.0]);
    ///
    /// let w = Weight::from_tensor("kernel", Tensor::ones(&[2, 2]));
    /// grads.insert(w.id(), Tensor::ones(&[4]));
    /// let err = Sgd::new().apply(&[&w], &grads).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`SGD` cannot combine shapes [2, 2] and [4]: the gradient of weight `kernel` must have the weight's shape"
    /// );
    ///
    /// // 3e38 − 1·(−1e38) overflows: nothing is written
    /// let big = Weight::from_tensor("big", Tensor::full(&[1], 3e38));
    /// grads.insert(big.id(), Tensor::full(&[1], -1e38));
    /// let mut sgd = Sgd::new().with_learning_rate(1.0);
    /// let err = sgd.apply(&[&big], &grads).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`SGD`: the update of weight `big` at step 1 (learning rate 1.0) would make it or its optimizer state NaN or infinite; no weight was changed"
    /// );
    /// assert_eq!((big.value().item(), sgd.iterations()), (3e38, 0));
    ///
    /// // listed twice, updated once: 1 − 0.5·1
    /// let twice = Weight::from_tensor("twice", Tensor::ones(&[1]));
    /// grads.insert(twice.id(), Tensor::ones(&[1]));
    /// Sgd::new().with_learning_rate(0.5).apply(&[&twice, &twice], &grads)?;
    /// assert_eq!(twice.value().item(), 0.5);
    ///
    /// // no step after the last countable one
    /// let mut sgd = Sgd::new();
    /// sgd.set_iterations(u64::MAX)?;
    /// assert!(sgd.apply(&[&twice], &grads).unwrap_err().to_string().contains("the step count is"));
    /// assert_eq!(twice.value().item(), 0.5);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn apply(&mut self, weights: &[&Weight], grads: &GradStore) -> Result<()>;

    /// The number of optimizer variables, as Keras's summary counts them in "Optimizer
    /// params": `iterations`, the learning rate (unless a schedule computes it) and every
    /// slot created so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// use layers_core::optim::{Adam, Optimizer};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[3, 2]));
    /// let mut adam = Adam::new();
    /// assert_eq!(adam.state_size(), 2);
    /// adam.apply(&[&w], &w.value().sum_all().backward())?;
    /// assert_eq!(adam.state_size(), 2 + 2 * 6); // m and v
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn state_size(&self) -> usize;

    /// The optimizer's settings as data, Keras's `get_config`:
    /// `{"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, …}`, every key
    /// [`optimizer_from_config`] reads. A learning rate computed by a schedule is the
    /// schedule's config: `{"learning_rate": {"class_name": "ExponentialDecay", "config":
    /// {…}}, …}`. The state (the step count and the slots) is not part of it: see
    /// [`Optimizer::iterations`] and [`Optimizer::slots`].
    ///
    /// The keys: `name`, `learning_rate`, `weight_decay`, `clipnorm`, `global_clipnorm`,
    /// `clipvalue` (`null` when not set), then `momentum`, `nesterov` for SGD; `beta_1`,
    /// `beta_2`, `epsilon`, `amsgrad` for Adam and AdamW; `rho`, `momentum`, `epsilon`,
    /// `centered` for RMSprop.
    ///
    /// # Errors
    ///
    /// By default (an optimizer of your own), [`Error::InvalidArgument`] naming the
    /// optimizer: it cannot be saved. The built-in optimizers refuse what
    /// [`Optimizer::validate`] refuses (such a config could not be read back), and a learning
    /// rate computed by a schedule given as a closure, which is code, not data.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{Adam, ExponentialDecay, Optimizer, Sgd};
    /// use serde_json::json;
    ///
    /// let sgd = Sgd::new().momentum(0.9).clipnorm(1.0);
    /// assert_eq!(
    ///     sgd.config()?,
    ///     json!({"name": "SGD", "learning_rate": 0.01, "momentum": 0.9, "nesterov": false,
    ///            "weight_decay": null, "clipnorm": 1.0, "global_clipnorm": null, "clipvalue": null})
    /// );
    /// let decay = Adam::new().schedule(ExponentialDecay::new(0.1, 100, 0.5)?);
    /// assert_eq!(decay.config()?["learning_rate"]["class_name"], "ExponentialDecay");
    ///
    /// let closure = Adam::new().schedule(|step: u64| 1.0 / (step + 1) as f32);
    /// let err = closure.config().unwrap_err();
    /// assert!(err.to_string().contains("closure"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn config(&self) -> Result<Value> {
        Err(Error::invalid(
            self.name(),
            "cannot be saved: this optimizer does not implement `Optimizer::config`",
        ))
    }

    /// The optimizer's state arrays for `weight`, by Keras 3's slot names, in a fixed order;
    /// empty when it has none for the weight (no update yet, or plain SGD, which keeps
    /// none). Each tensor is a copy with the weight's shape.
    ///
    /// The slots: `momentum` for SGD with momentum (the velocity); `momentum`, `velocity`
    /// and, with AMSGrad, `velocity_hat` for Adam and AdamW (the first and second moments
    /// and the running maximum of the second); `velocity`, then `momentum` when momentum is
    /// used and `average_gradient` when centred, for RMSprop. Empty by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// use layers_core::optim::{Adam, Optimizer};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// let mut adam = Adam::new();
    /// assert!(adam.slots(&w).is_empty());
    /// adam.apply(&[&w], &(&w * 2.0).sum_all().backward())?; // gradient 2
    /// let slots = adam.slots(&w);
    /// let names: Vec<&str> = slots.iter().map(|(name, _)| *name).collect();
    /// assert_eq!(names, ["momentum", "velocity"]);
    /// assert!(slots[0].1.to_vec().iter().all(|m| (m - 0.2).abs() < 1e-6)); // (1 − β1)·g
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn slots(&self, weight: &Weight) -> Vec<(&'static str, Tensor)> {
        let _ = weight;
        Vec::new()
    }

    /// Restores the slots of `weight` as [`Optimizer::slots`] gave them, replacing any it
    /// has (an empty list leaves it with none, as before its first update). Everything is
    /// checked before anything changes.
    ///
    /// # Errors
    ///
    /// Nothing is changed on error. By default (an optimizer of your own) any slot is
    /// refused with [`Error::InvalidArgument`]. The built-in optimizers refuse, with
    /// [`Error::InvalidArgument`] naming the optimizer, the weight and the slot: a name the
    /// optimizer does not know, a name given twice, a missing slot the optimizer always
    /// keeps (Adam's `momentum` and `velocity`, RMSprop's `velocity`), a NaN or infinite
    /// value, a negative running mean of squares (`velocity`, `velocity_hat`); with
    /// [`Error::IncompatibleShapes`] a slot whose shape is not the weight's; with
    /// [`Error::UnbuiltWeight`] a weight not built yet.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// use layers_core::optim::{Optimizer, Sgd};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// let mut sgd = Sgd::new().momentum(0.9);
    /// sgd.set_slots(&w, &[("momentum".into(), Tensor::from_vec(vec![0.5, -0.5], &[2]))])?;
    /// assert_eq!(sgd.slots(&w)[0].1.to_vec(), vec![0.5, -0.5]);
    ///
    /// let err = sgd.set_slots(&w, &[("velocity".into(), Tensor::zeros(&[2]))]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`SGD`: weight `w` has no slot `velocity`; the slots of `SGD` are `momentum`"
    /// );
    /// let err = sgd.set_slots(&w, &[("momentum".into(), Tensor::zeros(&[3]))]).unwrap_err();
    /// assert!(err.to_string().contains("must have the weight's shape"));
    /// assert_eq!(sgd.slots(&w)[0].1.to_vec(), vec![0.5, -0.5]); // unchanged
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn set_slots(&mut self, weight: &Weight, slots: &[(String, Tensor)]) -> Result<()> {
        if slots.is_empty() {
            return Ok(());
        }
        Err(Error::invalid(
            self.name(),
            format!(
                "cannot restore the slots of weight `{}`: this optimizer does not implement \
                 `Optimizer::set_slots`",
                weight.name()
            ),
        ))
    }

    /// Sets the step count (Keras's `iterations`), as when a saved optimizer is restored:
    /// the next update is step `iterations + 1` (Adam's bias correction and a schedule's
    /// rate follow it).
    ///
    /// # Errors
    ///
    /// By default (an optimizer of your own), [`Error::InvalidArgument`] naming the
    /// optimizer, so that a restored optimizer never silently starts again from step 0.
    /// The built-in optimizers accept any count.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::optim::{ExponentialDecay, Optimizer, Sgd};
    /// let mut sgd = Sgd::new().schedule(ExponentialDecay::new(0.1, 10, 0.5)?);
    /// sgd.set_iterations(10)?;
    /// assert_eq!((sgd.iterations(), sgd.learning_rate()), (10, 0.05));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn set_iterations(&mut self, iterations: u64) -> Result<()> {
        Err(Error::invalid(
            self.name(),
            format!(
                "cannot restore the step count {iterations}: this optimizer does not implement \
                 `Optimizer::set_iterations`"
            ),
        ))
    }
}

/// Every name [`optimizer_from_name`] accepts (in any letter case).
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::optim::OPTIMIZER_NAMES, &["sgd", "adam", "adamw", "rmsprop"]);
/// ```
pub const OPTIMIZER_NAMES: &[&str] = &names_of(&OPTIMIZERS);

/// How one optimizer is made: with Keras's defaults, and from a config whose `name` was
/// checked (not yet validated).
struct MakeOptimizer {
    defaults: fn() -> Box<dyn Optimizer>,
    from_config: fn(&Value) -> Result<Box<dyn Optimizer>>,
}

/// Every optimizer [`optimizer_from_name`] and [`optimizer_from_config`] make, by its
/// lowercase name.
const OPTIMIZERS: [(&str, MakeOptimizer); 4] = [
    (
        "sgd",
        MakeOptimizer {
            defaults: || Box::new(Sgd::new()),
            from_config: |c| Ok(Box::new(Sgd::from_config(c)?)),
        },
    ),
    (
        "adam",
        MakeOptimizer {
            defaults: || Box::new(Adam::new()),
            from_config: |c| Ok(Box::new(Adam::from_config(c)?)),
        },
    ),
    (
        "adamw",
        MakeOptimizer {
            defaults: || Box::new(AdamW::new()),
            from_config: |c| Ok(Box::new(AdamW::from_config(c)?)),
        },
    ),
    (
        "rmsprop",
        MakeOptimizer {
            defaults: || Box::new(RmsProp::new()),
            from_config: |c| Ok(Box::new(RmsProp::from_config(c)?)),
        },
    ),
];

/// The entry of [`OPTIMIZERS`] for `name`, in any letter case.
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown name, listing the known ones.
fn find_optimizer(name: &str) -> Result<&'static MakeOptimizer> {
    let lowercase = name.to_ascii_lowercase();
    OPTIMIZERS
        .iter()
        .find(|(known, _)| *known == lowercase)
        .map(|(_, make)| make)
        .ok_or_else(|| Error::unknown_name("optimizer", name, OPTIMIZER_NAMES.iter().copied()))
}

/// The optimizer Keras's `optimizer="…"` names, with Keras's defaults; names are matched
/// regardless of case, as Keras does (`SGD`, `RMSprop`).
///
/// # Errors
///
/// [`Error::UnknownName`] for an unknown name, listing the known ones.
///
/// # Examples
///
/// ```
/// use layers_core::optim::optimizer_from_name;
/// assert_eq!(optimizer_from_name("RMSprop")?.name(), "rmsprop");
/// assert_eq!(optimizer_from_name("adamw")?.learning_rate(), 1e-3);
/// let err = optimizer_from_name("adagrad").err().unwrap();
/// assert_eq!(
///     err.to_string(),
///     "unknown optimizer `adagrad`; known optimizers: sgd, adam, adamw, rmsprop"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn optimizer_from_name(name: &str) -> Result<Box<dyn Optimizer>> {
    find_optimizer(name).map(|make| (make.defaults)())
}
