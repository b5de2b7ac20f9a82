//! `Weight`: a named trainable (or frozen) variable with a shape and the initializer that
//! fills it; the unit that optimizers update and that saving writes.
//!
//! A weight can be created *unbuilt* (its shape not yet known, as a layer declares it before
//! it has seen an input) and built later, once, from a shape; this is what Keras's
//! `add_weight` inside `build` does.
//!
//! ```
//! use layers_core::{Initializer, Tensor, Weight};
//!
//! let w = Weight::new("kernel", &[3, 2], Initializer::glorot_uniform(), 42)?;
//! let x = Tensor::ones(&[4, 3]);
//! let loss = x.matmul(&w).sum_all();
//! let grads = loss.backward();
//! // d Σ(x·W) / dW = xᵀ·1: every entry is the column sum of x, here 4
//! assert_eq!(w.grad(&grads).unwrap().to_vec(), vec![4.0; 6]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::fmt;
use std::ops::{Add, Div, Mul, Sub};
use std::sync::{PoisonError, RwLock};

use rand::SeedableRng;
use rand::rngs::StdRng;

pub(crate) mod journal;
mod penalty;
#[doc(hidden)]
pub use penalty::{IntoConstraint, IntoRegularizer};

use crate::autograd::GradStore;
use crate::constraints::Constraint;
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::regularizers::Regularizer;
use crate::tensor::binary::Operand;
use crate::tensor::graph::VarId;
use crate::tensor::shape::checked_size;
use crate::tensor::{Data, Tensor};

/// A named variable with a shape, an initializer and a trainable flag.
///
/// Use a weight in ops like a tensor (`x.matmul(&self.kernel) + &self.bias`): each use reads
/// its current value. Its [`VarId`] stays the same when its value changes, so gradients and
/// optimizer state follow it across updates. The value sits behind a lock so that a layer can
/// build its weights lazily on its first call, and so that layers such as batch
/// normalization can update their state, through a shared reference.
///
/// # Examples
///
/// ```
/// use layers_core::{Initializer, Weight};
/// let b = Weight::new("bias", &[4], Initializer::zeros(), 0)?;
/// assert_eq!(b.name(), "bias");
/// assert_eq!(b.shape(), Some(vec![4]));
/// assert!(b.is_trainable());
/// assert_eq!(b.value().to_vec(), vec![0.0; 4]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct Weight {
    id: VarId,
    name: String,
    initializer: Initializer,
    trainable: bool,
    frozen: bool,
    /// Keras's `regularizer`: a penalty on the value that training adds to the loss.
    regularizer: Option<Regularizer>,
    /// Keras's `constraint`: a projection of the value after each optimizer update.
    constraint: Option<Constraint>,
    /// The layer settings the regularizer and the constraint come from, for errors.
    setting_names: Option<(&'static str, &'static str)>,
    data: RwLock<Option<Data>>,
}

impl Weight {
    /// A weight of `shape` filled by `initializer` from `seed`; the same seed gives
    /// bit-identical values.
    ///
    /// # Errors
    ///
    /// Whatever the initializer reports for this shape, e.g.
    /// [`Error::InvalidInitializer`] for an orthogonal rank-1 weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// let a = Weight::new("w", &[8, 8], Initializer::he_normal(), 7)?;
    /// let b = Weight::new("w", &[8, 8], Initializer::he_normal(), 7)?;
    /// assert_eq!(a.value().to_vec(), b.value().to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn new(
        name: impl Into<String>,
        shape: &[usize],
        initializer: Initializer,
        seed: u64,
    ) -> Result<Weight> {
        let w = Weight::unbuilt(name, initializer, true);
        w.build(shape, &mut StdRng::seed_from_u64(seed))?;
        Ok(w)
    }

    /// A weight whose shape is not known yet; [`Weight::build`] creates its value.
    ///
    /// `trainable = false` declares state that optimizers never touch (batch
    /// normalization's moving mean).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// let w = Weight::unbuilt("kernel", Initializer::glorot_uniform(), true);
    /// assert!(!w.is_built());
    /// assert_eq!(w.shape(), None);
    /// ```
    pub fn unbuilt(name: impl Into<String>, initializer: Initializer, trainable: bool) -> Weight {
        Weight {
            id: VarId::fresh(),
            name: name.into(),
            initializer,
            trainable,
            frozen: false,
            regularizer: None,
            constraint: None,
            setting_names: None,
            data: RwLock::new(None),
        }
    }

    /// A trainable weight holding `value` (its initializer is recorded as `zeros`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// assert_eq!(w.value().to_vec(), vec![1.0, 1.0]);
    /// ```
    pub fn from_tensor(name: impl Into<String>, value: Tensor) -> Weight {
        let w = Weight::unbuilt(name, Initializer::zeros(), true);
        *w.write() = Some(value.data().clone());
        w
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<Data>> {
        // A panic while holding the lock cannot leave the `Option` half-written.
        self.data.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Data>> {
        self.data.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates the value for `shape` with the weight's initializer, if it has none yet.
    /// Building again with the same shape does nothing.
    ///
    /// # Errors
    ///
    /// [`Error::WeightRebuild`] if the weight was already built with another shape;
    /// [`Error::Allocation`] naming the weight and the bytes requested, before allocating,
    /// if the machine cannot hold the shape (a size from data or a config such as
    /// `Dense(1_000_000)` on 1,000,000 inputs: 4 TB); [`Error::InvalidArgument`] for a shape
    /// with an axis of 0 (an input axis or a setting of size 0: a weight without values);
    /// or what the initializer reports.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// use rand::SeedableRng;
    /// let w = Weight::unbuilt("kernel", Initializer::ones(), true);
    /// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    /// w.build(&[2, 3], &mut rng)?;
    /// w.build(&[2, 3], &mut rng)?; // idempotent
    /// assert!(w.build(&[4, 3], &mut rng).is_err());
    /// assert_eq!(w.value().to_vec(), vec![1.0; 6]);
    ///
    /// let huge = Weight::unbuilt("kernel", Initializer::ones(), true);
    /// let err = huge.build(&[1 << 30, 1 << 30], &mut rng).unwrap_err();
    /// assert!(err.to_string().starts_with("weight `kernel` of shape [1073741824, 1073741824] needs"));
    /// assert!(!huge.is_built());
    ///
    /// let empty = Weight::unbuilt("kernel", Initializer::ones(), true);
    /// assert!(empty.build(&[3, 0], &mut rng).unwrap_err().to_string().contains("holds no values"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn build(&self, shape: &[usize], rng: &mut StdRng) -> Result<()> {
        // Every forward pass calls this; a built weight only needs the shared read lock, so
        // threads serving predictions do not serialise here.
        if self
            .read()
            .as_ref()
            .is_some_and(|data| data.shape() == shape)
        {
            return Ok(());
        }
        let mut guard = self.write();
        match guard.as_ref() {
            Some(data) if data.shape() == shape => Ok(()),
            Some(data) => Err(Error::WeightRebuild {
                weight: self.name.clone(),
                built: data.shape().into(),
                needed: shape.into(),
            }),
            None => {
                if shape.contains(&0) {
                    return Err(Error::invalid(
                        "Weight::build",
                        format!(
                            "weight `{}` would have shape {shape:?}, which holds no values; \
                             every axis must be at least 1 (is an input axis or a setting 0?)",
                            self.name
                        ),
                    ));
                }
                self.check_penalties(shape)?;
                // Checked here as well as in `sample`, so that the error names the weight.
                checked_size(
                    || format!("weight `{}`", self.name),
                    shape,
                    self.initializer.bytes_per_value(),
                )?;
                let values = self.initializer.sample(shape, rng)?;
                *guard = Some(values.into_shared());
                journal::note_built(self.id);
                Ok(())
            }
        }
    }

    /// Returns the weight to unbuilt: a call that built it and then failed is undone so.
    pub(crate) fn unbuild(&self) {
        *self.write() = None;
    }

    /// Whether the weight has a value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert!(Weight::from_tensor("w", Tensor::ones(&[1])).is_built());
    /// ```
    pub fn is_built(&self) -> bool {
        self.read().is_some()
    }

    /// The shape, once built.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert_eq!(Weight::from_tensor("w", Tensor::ones(&[2, 5])).shape(), Some(vec![2, 5]));
    /// ```
    pub fn shape(&self) -> Option<Vec<usize>> {
        self.read().as_ref().map(|d| d.shape().to_vec())
    }

    /// The number of values (0 while unbuilt).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert_eq!(Weight::from_tensor("w", Tensor::ones(&[2, 5])).len(), 10);
    /// ```
    pub fn len(&self) -> usize {
        self.read().as_ref().map_or(0, |d| d.len())
    }

    /// Whether the weight holds no values (unbuilt, or built with a zero-size shape).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// assert!(Weight::unbuilt("w", Initializer::zeros(), true).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The weight's name (`kernel`, `bias`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert_eq!(Weight::from_tensor("gamma", Tensor::ones(&[1])).name(), "gamma");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The id that keys this weight's gradient and optimizer state.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[1]));
    /// let id = w.id();
    /// w.set_value(Tensor::zeros(&[1]))?;
    /// assert_eq!(w.id(), id);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn id(&self) -> VarId {
        self.id
    }

    /// The initializer that fills the weight when it is built.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// let w = Weight::new("w", &[2], Initializer::ones(), 0)?;
    /// assert_eq!(w.initializer(), &Initializer::ones());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn initializer(&self) -> &Initializer {
        &self.initializer
    }

    /// Whether optimizers update this weight: it was declared trainable and its layer is not
    /// frozen (Keras's `trainable`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// assert!(!Weight::unbuilt("moving_mean", Initializer::zeros(), false).is_trainable());
    /// ```
    pub fn is_trainable(&self) -> bool {
        self.trainable && !self.frozen
    }

    /// Declares the weight trainable or not (state such as a moving mean is not).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// w.set_trainable(false);
    /// let grads = (w.value() * 2.0).sum_all().backward();
    /// assert!(w.grad(&grads).is_none());
    /// ```
    pub fn set_trainable(&mut self, trainable: bool) {
        self.trainable = trainable;
    }

    /// Whether the layer holding this weight froze it (see [`Weight::set_frozen`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert!(!Weight::from_tensor("w", Tensor::ones(&[1])).is_frozen());
    /// ```
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// Freezes the weight on behalf of its layer (Keras's `layer.trainable = False`); the
    /// declared trainability comes back when it is unfrozen.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[1]));
    /// w.set_frozen(true);
    /// assert!(!w.is_trainable());
    /// w.set_frozen(false);
    /// assert!(w.is_trainable());
    /// ```
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// The current value: a variable (gradients flow into it) when the weight is trainable,
    /// a constant otherwise.
    ///
    /// # Panics
    ///
    /// If the weight is not built; see [`Weight::try_value`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::full(&[2], 3.0));
    /// assert_eq!(w.value().to_vec(), vec![3.0, 3.0]);
    /// assert!(w.value().requires_grad());
    /// ```
    #[track_caller]
    pub fn value(&self) -> Tensor {
        crate::unwind::OrRaise::or_raise(self.try_value())
    }

    /// Like [`Weight::value`], returning an error for an unbuilt weight.
    ///
    /// # Errors
    ///
    /// [`Error::UnbuiltWeight`] naming the weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Initializer, Weight};
    /// let w = Weight::unbuilt("kernel", Initializer::zeros(), true);
    /// assert_eq!(
    ///     w.try_value().unwrap_err().to_string(),
    ///     "weight `kernel` is not built yet: build its layer with an input shape first"
    /// );
    /// ```
    pub fn try_value(&self) -> Result<Tensor> {
        let guard = self.read();
        let data = guard.as_ref().ok_or_else(|| Error::UnbuiltWeight {
            weight: self.name.clone(),
        })?;
        let variable = self.is_trainable().then_some(self.id);
        Ok(Tensor::from_data(data.clone(), variable))
    }

    /// Replaces the value, keeping the weight's identity (builds an unbuilt weight).
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] naming the weight if the new value's shape differs from the
    /// built shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("kernel", Tensor::ones(&[2, 2]));
    /// w.set_value(Tensor::zeros(&[2, 2]))?;
    /// let err = w.set_value(Tensor::zeros(&[3])).unwrap_err();
    /// assert_eq!(err.to_string(), "weight `kernel` has shape [2, 2] but the new value has shape [3]");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn set_value(&self, value: impl Into<Tensor>) -> Result<()> {
        let value = value.into();
        let mut guard = self.write();
        if let Some(data) = guard.as_ref()
            && data.shape() != value.shape()
        {
            return Err(Error::WeightShape {
                weight: self.name.clone(),
                expected: data.shape().into(),
                found: value.shape().into(),
            });
        }
        *guard = Some(value.data().clone());
        Ok(())
    }

    /// Updates the value in place with `f`. The storage is reused when nothing else holds
    /// it (the usual case once a step's graph is dropped), so an optimizer step allocates
    /// nothing.
    ///
    /// # Panics
    ///
    /// If the weight is not built.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// w.update(|v| v.mapv_inplace(|x| x - 0.5));
    /// assert_eq!(w.value().to_vec(), vec![0.5, 0.5]);
    /// ```
    pub fn update(&self, f: impl FnOnce(&mut ndarray::ArrayViewMutD<'_, f32>)) {
        let mut guard = self.write();
        let data = guard
            .as_mut()
            .unwrap_or_else(|| panic!("weight `{}` is updated before it is built", self.name));
        // Copy-on-write: clones only if a tensor still shares the storage.
        f(&mut data.view_mut());
    }

    /// Runs `f` on the current value without making a tensor of it (`None` while unbuilt).
    pub(crate) fn with_data<R>(&self, f: impl FnOnce(&Data) -> R) -> Option<R> {
        self.read().as_ref().map(f)
    }

    /// Replaces the value by `next` (of the same shape), leaving the old value in `next`:
    /// the optimizers' commit, which swaps storage instead of copying it.
    pub(crate) fn swap_data(&self, next: &mut Data) {
        match self.write().as_mut() {
            Some(data) => std::mem::swap(data, next),
            None => panic!("weight `{}` is updated before it is built", self.name),
        }
    }

    /// This weight's gradient in a store returned by [`Tensor::backward`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// let grads = (w.value() * 3.0).sum_all().backward();
    /// assert_eq!(w.grad(&grads).unwrap().to_vec(), vec![3.0, 3.0]);
    /// ```
    pub fn grad<'a>(&self, grads: &'a GradStore) -> Option<&'a Tensor> {
        grads.get_by_id(self.id)
    }
}

impl Clone for Weight {
    /// A deep copy with a new identity: the copy's gradients and optimizer state are its own.
    fn clone(&self) -> Weight {
        Weight {
            id: VarId::fresh(),
            name: self.name.clone(),
            initializer: self.initializer.clone(),
            trainable: self.trainable,
            frozen: self.frozen,
            regularizer: self.regularizer.clone(),
            constraint: self.constraint.clone(),
            setting_names: self.setting_names,
            data: RwLock::new(self.read().clone()),
        }
    }
}

impl fmt::Debug for Weight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Weight")
            .field("name", &self.name)
            .field("shape", &self.shape())
            .field("initializer", &self.initializer.name())
            .field("trainable", &self.is_trainable())
            .finish()
    }
}

impl Operand for &Weight {
    fn into_tensor(self) -> Tensor {
        self.value()
    }
}

macro_rules! weight_operator {
    ($trait:ident, $method:ident) => {
        impl $trait<&Weight> for Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(&self, rhs.value())
            }
        }
        impl $trait<&Weight> for &Tensor {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(self, rhs.value())
            }
        }
        impl $trait<&Tensor> for &Weight {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$method(&self.value(), rhs)
            }
        }
        impl $trait<Tensor> for &Weight {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$method(&self.value(), rhs)
            }
        }
        impl $trait<&Weight> for &Weight {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(&self.value(), rhs.value())
            }
        }
        impl $trait<f32> for &Weight {
            type Output = Tensor;
            #[track_caller]
            fn $method(self, rhs: f32) -> Tensor {
                $trait::$method(self.value(), rhs)
            }
        }
    };
}

weight_operator!(Add, add);
weight_operator!(Sub, sub);
weight_operator!(Mul, mul);
weight_operator!(Div, div);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_reuses_storage_when_unshared() {
        let w = Weight::from_tensor("w", Tensor::zeros(&[1024]));
        let before = w.value().data().as_ptr();
        w.update(|v| v.mapv_inplace(|x| x + 1.0));
        assert_eq!(w.value().data().as_ptr(), before);
        assert_eq!(w.value().to_vec(), vec![1.0; 1024]);
    }

    #[test]
    fn update_copies_when_shared() {
        let w = Weight::from_tensor("w", Tensor::zeros(&[4]));
        let held = w.value();
        w.update(|v| v.mapv_inplace(|x| x + 1.0));
        assert_eq!(held.to_vec(), vec![0.0; 4]);
        assert_eq!(w.value().to_vec(), vec![1.0; 4]);
    }

    #[test]
    fn weights_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Weight>();
    }
}
