//! Reverse-mode automatic differentiation: the recorded ops, the backward pass, the gradient
//! store and the no-grad scope.
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
pub mod check;

pub use check::{GradCheck, InputCheck, check_gradients};
mod op;

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub(crate) use op::Op;

use crate::Tensor;

/// The identity of a trainable variable, stable across value updates; gradients are keyed
/// by it.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// let w = Tensor::ones(&[2]).into_variable();
/// let id = w.var_id().unwrap();
/// let grads = w.sum_all().backward();
/// assert!(grads.get_by_id(id).is_some());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VarId(u64);

impl VarId {
    /// A new, never used id.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::autograd::VarId;
    /// assert_ne!(VarId::fresh(), VarId::fresh());
    /// ```
    pub fn fresh() -> VarId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        VarId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

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

thread_local! {
    static NO_GRAD_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Whether ops on this thread are being recorded (false inside [`no_grad`]).
///
/// # Examples
///
/// ```
/// use layers_core::{is_recording, no_grad};
/// assert!(is_recording());
/// no_grad(|| assert!(!is_recording()));
/// ```
pub fn is_recording() -> bool {
    NO_GRAD_DEPTH.with(|d| d.get() == 0)
}

/// A guard that turns recording off on this thread until it is dropped; scopes nest.
///
/// # Examples
///
/// ```
/// use layers_core::{NoGradGuard, Tensor};
/// let w = Tensor::ones(&[2]).into_variable();
/// let y = {
///     let _guard = NoGradGuard::new();
///     &w * 2.0
/// };
/// assert!(!y.requires_grad());
/// assert!((&w * 2.0).requires_grad());
/// ```
#[must_use = "recording resumes as soon as the guard is dropped"]
pub struct NoGradGuard {
    _not_send: std::marker::PhantomData<*const ()>,
}

impl NoGradGuard {
    /// Turns recording off until the guard is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{is_recording, NoGradGuard};
    /// let g = NoGradGuard::new();
    /// assert!(!is_recording());
    /// drop(g);
    /// assert!(is_recording());
    /// ```
    pub fn new() -> NoGradGuard {
        NO_GRAD_DEPTH.with(|d| d.set(d.get() + 1));
        NoGradGuard {
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Default for NoGradGuard {
    fn default() -> Self {
        NoGradGuard::new()
    }
}

impl Drop for NoGradGuard {
    fn drop(&mut self) {
        NO_GRAD_DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// Runs `f` with recording turned off on this thread (inference mode): the tensors it
/// computes carry no graph and need no memory for backward.
///
/// # Examples
///
/// ```
/// use layers_core::{no_grad, Tensor};
/// let w = Tensor::ones(&[2]).into_variable();
/// let y = no_grad(|| w.exp());
/// assert!(!y.requires_grad());
/// ```
pub fn no_grad<R>(f: impl FnOnce() -> R) -> R {
    let _guard = NoGradGuard::new();
    f()
}

static LIVE_NODES: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn node_created() {
    LIVE_NODES.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn node_dropped() {
    LIVE_NODES.fetch_sub(1, Ordering::Relaxed);
}

/// The number of recorded graph nodes alive in this process. A training loop that frees
/// its graphs returns to the same count after every step; tests use this to prove it.
///
/// # Examples
///
/// ```
/// use layers_core::{live_graph_nodes, Tensor};
/// let w = Tensor::ones(&[2]).into_variable();
/// let before = live_graph_nodes();
/// {
///     let loss = (&w * 3.0).sum_all();
///     assert!(live_graph_nodes() > before); // the graph of `loss`
///     assert_eq!(loss.backward().get(&w).unwrap().to_vec(), vec![3.0, 3.0]);
/// }
/// // Freed with `loss`. (The count is per process: compare it where no other thread records,
/// // as in this example, which runs in a process of its own.)
/// assert_eq!(live_graph_nodes(), before);
/// ```
pub fn live_graph_nodes() -> usize {
    LIVE_NODES.load(Ordering::Relaxed)
}
