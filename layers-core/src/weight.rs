//! `Weight`: a named trainable (or frozen) variable with a shape and the initializer that
//! filled it; the unit that optimizers update and that saving writes.
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

use std::ops::{Add, Deref, Div, Mul, Sub};

use crate::autograd::{GradStore, VarId};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::tensor::binary::Operand;
use crate::Tensor;

/// A named variable with a shape, an initializer and a trainable flag.
///
/// A `Weight` dereferences to its current value, so it is used in ops like a tensor:
/// `x.matmul(&self.kernel) + &self.bias`. Its [`VarId`] stays the same when its value is
/// replaced, so gradients and optimizer state follow it across updates.
///
/// # Examples
///
/// ```
/// use layers_core::{Initializer, Weight};
/// let b = Weight::new("bias", &[4], Initializer::zeros(), 0)?;
/// assert_eq!(b.name(), "bias");
/// assert_eq!(b.shape(), &[4]);
/// assert!(b.is_trainable());
/// assert_eq!(b.to_vec(), vec![0.0; 4]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Weight {
    id: VarId,
    name: String,
    initializer: Initializer,
    trainable: bool,
    value: Tensor,
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
    /// assert_eq!(a.to_vec(), b.to_vec());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn new(name: impl Into<String>, shape: &[usize], initializer: Initializer, seed: u64) -> Result<Weight> {
        let values = initializer.sample_seeded(shape, seed)?;
        let id = VarId::fresh();
        Ok(Weight {
            id,
            name: name.into(),
            initializer,
            trainable: true,
            value: Tensor::variable_with_id(values.into_shared(), id),
        })
    }

    /// A trainable weight holding `value` (its initializer is recorded as `zeros`, which
    /// only matters for a config that re-creates it).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// assert_eq!(w.to_vec(), vec![1.0, 1.0]);
    /// ```
    pub fn from_tensor(name: impl Into<String>, value: Tensor) -> Weight {
        let id = VarId::fresh();
        Weight {
            id,
            name: name.into(),
            initializer: Initializer::zeros(),
            trainable: true,
            value: Tensor::variable_with_id(value.data().clone(), id),
        }
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

    /// Renames the weight.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[1]));
    /// w.set_name("kernel");
    /// assert_eq!(w.name(), "kernel");
    /// ```
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The id that keys this weight's gradient and optimizer state.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[1]));
    /// let id = w.id();
    /// w.set_value(Tensor::zeros(&[1]))?;
    /// assert_eq!(w.id(), id);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn id(&self) -> VarId {
        self.id
    }

    /// The initializer that filled the weight.
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

    /// Whether optimizers update this weight (Keras's `trainable`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// assert!(Weight::from_tensor("w", Tensor::ones(&[1])).is_trainable());
    /// ```
    pub fn is_trainable(&self) -> bool {
        self.trainable
    }

    /// Freezes (`false`) or unfreezes the weight. A frozen weight takes part in the forward
    /// pass as a constant: no gradient is computed for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// w.set_trainable(false);
    /// let grads = (&*w * 2.0).sum_all().backward();
    /// assert!(w.grad(&grads).is_none());
    /// ```
    pub fn set_trainable(&mut self, trainable: bool) {
        self.trainable = trainable;
        self.value = self.handle(self.value.data().clone());
    }

    fn handle(&self, data: crate::tensor::Data) -> Tensor {
        if self.trainable {
            Tensor::variable_with_id(data, self.id)
        } else {
            Tensor::from_parts(data, crate::tensor::Node::Leaf)
        }
    }

    /// The current value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::full(&[2], 3.0));
    /// assert_eq!(w.value().to_vec(), vec![3.0, 3.0]);
    /// ```
    pub fn value(&self) -> &Tensor {
        &self.value
    }

    /// Replaces the value, keeping the weight's identity.
    ///
    /// # Errors
    ///
    /// [`Error::WeightShape`] naming the weight if the new value's shape differs.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("kernel", Tensor::ones(&[2, 2]));
    /// w.set_value(Tensor::zeros(&[2, 2]))?;
    /// let err = w.set_value(Tensor::zeros(&[3])).unwrap_err();
    /// assert_eq!(err.to_string(), "weight `kernel` has shape [2, 2] but the new value has shape [3]");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn set_value(&mut self, value: impl Into<Tensor>) -> Result<()> {
        let value = value.into();
        if value.shape() != self.value.shape() {
            return Err(Error::WeightShape {
                weight: self.name.clone(),
                expected: self.value.shape().into(),
                found: value.shape().into(),
            });
        }
        self.value = self.handle(value.data().clone());
        Ok(())
    }

    /// Updates the value in place with `f`. The storage is reused when nothing else holds
    /// it (the usual case after a backward pass), so an optimizer step allocates nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let mut w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// w.update(|v| *v -= 0.5);
    /// assert_eq!(w.to_vec(), vec![0.5, 0.5]);
    /// ```
    pub fn update(&mut self, f: impl FnOnce(&mut ndarray::ArrayD<f32>)) {
        let placeholder = Tensor::scalar(0.0);
        let old = std::mem::replace(&mut self.value, placeholder);
        let mut data = match std::sync::Arc::try_unwrap(old.0) {
            Ok(mut inner) => std::mem::take(&mut inner.data),
            Err(shared) => shared.data.clone(),
        };
        // Copy-on-write: clones only if another tensor still shares the storage.
        let owned = data.view_mut();
        drop(owned);
        let mut array = data.into_owned();
        f(&mut array);
        self.value = self.handle(array.into_shared());
    }

    /// This weight's gradient in a store returned by [`Tensor::backward`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Tensor, Weight};
    /// let w = Weight::from_tensor("w", Tensor::ones(&[2]));
    /// let grads = (&*w * 3.0).sum_all().backward();
    /// assert_eq!(w.grad(&grads).unwrap().to_vec(), vec![3.0, 3.0]);
    /// ```
    pub fn grad<'a>(&self, grads: &'a GradStore) -> Option<&'a Tensor> {
        grads.get_by_id(self.id)
    }
}

impl Deref for Weight {
    type Target = Tensor;

    fn deref(&self) -> &Tensor {
        &self.value
    }
}

impl AsRef<Tensor> for Weight {
    fn as_ref(&self) -> &Tensor {
        &self.value
    }
}

impl Operand for &Weight {
    fn into_tensor(self) -> Tensor {
        self.value.clone()
    }
}

macro_rules! weight_operator {
    ($trait:ident, $method:ident) => {
        impl $trait<&Weight> for Tensor {
            type Output = Tensor;
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(&self, &rhs.value)
            }
        }
        impl $trait<&Weight> for &Tensor {
            type Output = Tensor;
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(self, &rhs.value)
            }
        }
        impl $trait<&Tensor> for &Weight {
            type Output = Tensor;
            fn $method(self, rhs: &Tensor) -> Tensor {
                Tensor::$method(&self.value, rhs)
            }
        }
        impl $trait<Tensor> for &Weight {
            type Output = Tensor;
            fn $method(self, rhs: Tensor) -> Tensor {
                Tensor::$method(&self.value, &rhs)
            }
        }
        impl $trait<&Weight> for &Weight {
            type Output = Tensor;
            fn $method(self, rhs: &Weight) -> Tensor {
                Tensor::$method(&self.value, &rhs.value)
            }
        }
        impl $trait<f32> for &Weight {
            type Output = Tensor;
            fn $method(self, rhs: f32) -> Tensor {
                $trait::$method(&self.value, rhs)
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
        let mut w = Weight::from_tensor("w", Tensor::zeros(&[1024]));
        let before = w.value().data().as_ptr();
        w.update(|v| *v += 1.0);
        assert_eq!(w.value().data().as_ptr(), before);
        assert_eq!(w.to_vec(), vec![1.0; 1024]);
    }

    #[test]
    fn update_copies_when_shared() {
        let mut w = Weight::from_tensor("w", Tensor::zeros(&[4]));
        let held = w.value().clone();
        w.update(|v| *v += 1.0);
        assert_eq!(held.to_vec(), vec![0.0; 4]);
        assert_eq!(w.to_vec(), vec![1.0; 4]);
    }
}
