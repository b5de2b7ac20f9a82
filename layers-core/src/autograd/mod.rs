//! Reverse-mode automatic differentiation: the backward pass with one rule per recorded op,
//! the gradient store and finite-difference gradient checks. The graph itself (the ops a
//! tensor records, variable ids, the no-grad switch) is the tensor's data, in
//! [`tensor`](crate::tensor); its public items are re-exported here.
//!
//! ```
//! use layers_core::{Tensor, no_grad};
//!
//! let w = Tensor::from_vec(vec![2.0, -1.0], &[2]).into_variable();
//! let loss = (&w * &w).sum_all(); // Σ w², gradient 2w
//! let grads = loss.backward();
//! assert_eq!(grads.get(&w).unwrap().to_vec(), vec![4.0, -2.0]);
//!
//! // Inference records nothing.
//! let y = no_grad(|| &w * &w);
//! assert!(!y.requires_grad());
//! ```

mod backward;
pub mod gradcheck;
mod rules;
mod rules_conv;
mod rules_index;
mod rules_linear;
mod rules_pool;

use std::collections::HashMap;

use crate::tensor::Tensor;
pub use crate::tensor::graph::{NoGradGuard, VarId, is_recording, live_graph_nodes, no_grad};
pub use gradcheck::{GradCheck, InputCheck, check_gradients};

/// Gradients computed by [`Tensor::backward`], keyed by variable.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// let a = Tensor::from_vec(vec![1.0, 2.0], &[2]).into_variable();
/// let b = Tensor::from_vec(vec![3.0, 4.0], &[2]).into_variable();
/// let grads = (&a * &b).sum_all().backward();
/// assert_eq!(grads.get(&a).unwrap().to_vec(), vec![3.0, 4.0]);
/// assert_eq!(grads.get(&b).unwrap().to_vec(), vec![1.0, 2.0]);
/// assert_eq!(grads.len(), 2);
/// ```
#[derive(Debug, Default, Clone)]
pub struct GradStore {
    grads: HashMap<VarId, Tensor>,
}

impl GradStore {
    /// The gradient of a variable tensor, if it took part in the computation.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[2]).into_variable();
    /// let unused = Tensor::ones(&[2]).into_variable();
    /// let grads = a.sum_all().backward();
    /// assert!(grads.get(&a).is_some());
    /// assert!(grads.get(&unused).is_none());
    /// ```
    pub fn get(&self, variable: &Tensor) -> Option<&Tensor> {
        variable.var_id().and_then(|id| self.grads.get(&id))
    }

    /// The gradient of the variable with this id.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[1]).into_variable();
    /// let grads = (&a * 5.0).sum_all().backward();
    /// assert_eq!(grads.get_by_id(a.var_id().unwrap()).unwrap().item(), 5.0);
    /// ```
    pub fn get_by_id(&self, id: VarId) -> Option<&Tensor> {
        self.grads.get(&id)
    }

    /// Removes and returns the gradient of the variable with this id.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[1]).into_variable();
    /// let mut grads = a.sum_all().backward();
    /// assert!(grads.remove(a.var_id().unwrap()).is_some());
    /// assert!(grads.is_empty());
    /// ```
    pub fn remove(&mut self, id: VarId) -> Option<Tensor> {
        self.grads.remove(&id)
    }

    /// Sets (replaces) the gradient of a variable, e.g. after clipping.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{GradStore, Tensor};
    /// let a = Tensor::ones(&[1]).into_variable();
    /// let mut grads = GradStore::default();
    /// grads.insert(a.var_id().unwrap(), Tensor::scalar(1.0));
    /// assert_eq!(grads.len(), 1);
    /// ```
    pub fn insert(&mut self, id: VarId, grad: Tensor) {
        self.grads.insert(id, grad);
    }

    /// The number of variables with a gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::GradStore;
    /// assert_eq!(GradStore::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.grads.len()
    }

    /// Whether no variable has a gradient.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::GradStore;
    /// assert!(GradStore::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    /// Iterates over `(variable id, gradient)` pairs in no particular order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[3]).into_variable();
    /// let grads = a.sum_all().backward();
    /// assert_eq!(grads.iter().count(), 1);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (VarId, &Tensor)> {
        self.grads.iter().map(|(id, g)| (*id, g))
    }
}
