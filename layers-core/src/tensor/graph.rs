//! The graph a tensor records: what a node is ([`Node`], with the ops in [`Op`]), the
//! identity of a trainable variable ([`VarId`]), the switch that turns recording off
//! ([`no_grad`]) and the count of live nodes. The backward pass that walks the graph is in
//! [`autograd`](crate::autograd), which re-exports the public items.
//!
//! ```
//! use layers_core::{Tensor, no_grad};
//! let w = Tensor::ones(&[2]).into_variable();
//! assert!((&w * 2.0).requires_grad());
//! assert!(!no_grad(|| &w * 2.0).requires_grad());
//! ```

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::op::Op;

/// How a tensor came to be, which decides what `backward` does with it.
pub(crate) enum Node {
    /// A constant: no gradient flows into it.
    Leaf,
    /// A trainable leaf: its gradient is reported in the [`GradStore`](crate::GradStore).
    Variable(VarId),
    /// The result of a recorded op.
    Op(Op),
}

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
