//! `Tensor`: an `f32` n-dimensional array on `ndarray`, behind a cheap shared handle, that
//! records the ops applied to it when a gradient is wanted.
//!
//! ```
//! use layers_core::Tensor;
//!
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
//! let b = Tensor::from_vec(vec![10.0, 20.0, 30.0], &[3]);
//! let y = &x + &b; // NumPy broadcasting: b is added to every row
//! assert_eq!(y.to_vec(), vec![11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
//! assert_eq!(y.shape(), &[2, 3]);
//! ```
//!
//! Ops are split by kind: [`binary`] (arithmetic with broadcasting), [`unary`] (elementwise
//! functions and the fused map), [`elementwise`] (more of them: `sigmoid`, `tanh`, `pow`…),
//! [`matmul`], [`reduce`], [`stats`] (`var`, `std`, `logsumexp`, `norm`), [`layout`]
//! (reshape, permute, concat, slicing), [`stack`] (`pad`, `stack`, `split`, `squeeze`…),
//! [`index`] (`gather`, `scatter_add`, `one_hot`, `argmax`, `topk`), [`scan`] (`cumsum`,
//! triangles), [`compare`] (masks and `select`), [`softmax`] and [`random`]. What a tensor records
//! is in `op` (one variant per op that has a backward rule) and `graph` (how a tensor came
//! to be, variable ids, the no-grad switch); the backward pass that reads it is
//! [`autograd`](crate::autograd)'s.

mod avx512;
pub mod binary;
pub(crate) mod buffers;
pub mod compare;
pub mod conv;
pub(crate) mod conv_fused;
pub(crate) mod conv_kernels;
pub(crate) mod conv_padding;
pub(crate) mod conv_small;
pub mod elementwise;
pub(crate) mod gemm;
pub(crate) mod gemv;
mod gemv_kernel;
pub(crate) mod graph;
pub mod index;
pub mod layout;
pub mod linear;
pub mod matmul;
pub(crate) mod op;
pub(crate) mod ordered_sum;
pub(crate) mod packed;
pub mod pool;
pub(crate) mod pool_max;
pub mod random;
pub(crate) mod recurrent;
pub(crate) mod recurrent_gru;
pub(crate) mod recurrent_lstm;
pub mod reduce;
pub mod scan;
pub(crate) mod scratch;
pub(crate) mod shape;
pub mod softmax;
pub mod stack;
pub mod stats;
pub mod unary;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{ArcArray, ArrayD, IxDyn};

use crate::error::{Error, Result};
use crate::unwind::OrRaise;
use graph::{Node, VarId};
use op::Op;

/// The storage of a tensor: a reference-counted, copy-on-write `ndarray` array.
///
/// # Examples
///
/// ```
/// use layers_core::{Tensor, tensor::Data};
/// let t = Tensor::ones(&[2]);
/// let data: &Data = t.data();
/// assert_eq!(data.len(), 2);
/// ```
pub type Data = ArcArray<f32, IxDyn>;

/// A process-unique identifier of one tensor value (one node of a graph).
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
/// let a = Tensor::ones(&[1]);
/// assert_ne!(a.id(), Tensor::ones(&[1]).id());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

pub(crate) struct Inner {
    pub(crate) id: TensorId,
    pub(crate) data: Data,
    pub(crate) node: Node,
}

impl Drop for Inner {
    // Dropping a long chain of recorded ops recursively could overflow the stack, so the
    // graph is taken apart with an explicit work list instead.
    fn drop(&mut self) {
        // A large buffer nobody else shares goes back to the cache for the next op.
        if self.data.len() >= buffers::MIN_LEN {
            buffers::recycle_data(std::mem::replace(&mut self.data, Data::zeros(IxDyn(&[0]))));
        }
        let Node::Op(op) = std::mem::replace(&mut self.node, Node::Leaf) else {
            return;
        };
        graph::node_dropped();
        // Each op's inputs are held here before the op goes, so dropping the op never drops
        // an input's node: that happens in this loop, one node at a time.
        let take_inputs = |op: Op| -> Vec<Tensor> { op.inputs().into_iter().cloned().collect() };
        let mut stack = take_inputs(op);
        while let Some(t) = stack.pop() {
            if let Ok(mut inner) = Arc::try_unwrap(t.0)
                && let Node::Op(op) = std::mem::replace(&mut inner.node, Node::Leaf)
            {
                graph::node_dropped();
                stack.extend(take_inputs(op));
            }
        }
    }
}

/// An `f32` n-dimensional array with reverse-mode automatic differentiation.
///
/// Cloning a `Tensor` is cheap (it clones a reference-counted handle); the values are
/// immutable. Ops on tensors that need a gradient (variables, and results computed from
/// them) are recorded so that [`Tensor::backward`] can compute gradients; inside
/// [`no_grad`](crate::no_grad), and for tensors that need none, nothing is recorded.
/// `Tensor` is `Send + Sync`.
///
/// # Examples
///
/// ```
/// use layers_core::Tensor;
///
/// let w = Tensor::from_vec(vec![3.0], &[1]).into_variable();
/// let y = (&w * &w).sum_all(); // y = w², dy/dw = 2w = 6
/// let grads = y.backward();
/// assert_eq!(grads.get(&w).unwrap().to_vec(), vec![6.0]);
/// ```
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Inner>);

impl Tensor {
    pub(crate) fn from_parts(data: Data, node: Node) -> Tensor {
        Tensor(Arc::new(Inner {
            id: TensorId::fresh(),
            data,
            node,
        }))
    }

    /// A tensor holding `data` without copying it: the trainable leaf `variable` when given,
    /// a constant otherwise. How a weight hands out its current value.
    pub(crate) fn from_data(data: Data, variable: Option<VarId>) -> Tensor {
        Tensor::from_parts(data, variable.map_or(Node::Leaf, Node::Variable))
    }

    /// Wraps the result of an op: records `op` when gradients are enabled and any input
    /// needs a gradient, otherwise returns a constant.
    pub(crate) fn from_op(
        data: ArrayD<f32>,
        op: impl FnOnce() -> Op,
        inputs: &[&Tensor],
    ) -> Tensor {
        Tensor::from_shared_op(data.into_shared(), op, inputs)
    }

    /// [`Tensor::from_op`] for data already shared: a result that shares its storage with an
    /// input (a reshape's view of the same values), or that the op keeps a handle to.
    pub(crate) fn from_shared_op(
        data: Data,
        op: impl FnOnce() -> Op,
        inputs: &[&Tensor],
    ) -> Tensor {
        let node = if graph::is_recording() && inputs.iter().any(|t| t.requires_grad()) {
            graph::node_created();
            Node::Op(op())
        } else {
            Node::Leaf
        };
        Tensor::from_parts(data, node)
    }

    /// A constant tensor holding `array`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let t = Tensor::from_array(ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.0]]));
    /// assert_eq!(t.shape(), &[2, 2]);
    /// ```
    pub fn from_array<D: ndarray::Dimension>(array: ndarray::Array<f32, D>) -> Tensor {
        Tensor::from_parts(array.into_dyn().into_shared(), Node::Leaf)
    }

    /// A constant tensor from row-major values and a shape.
    ///
    /// # Panics
    ///
    /// If `values.len()` is not the product of `shape`, or the shape has more values than
    /// memory can address; see [`Tensor::try_from_vec`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(t.to_array()[[1, 0]], 4.0);
    /// ```
    #[track_caller]
    pub fn from_vec(values: Vec<f32>, shape: &[usize]) -> Tensor {
        Tensor::try_from_vec(values, shape).or_raise()
    }

    /// A constant tensor from row-major values and a shape, or an error if they disagree.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if `values.len()` is not the product of `shape`;
    /// [`Error::Allocation`] if that product overflows (no array can have that shape).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::{Error, Tensor};
    /// assert!(Tensor::try_from_vec(vec![1.0, 2.0, 3.0], &[2, 2]).is_err());
    /// let err = Tensor::try_from_vec(vec![], &[usize::MAX, 2]).unwrap_err();
    /// assert!(matches!(err, Error::Allocation { .. }));
    /// ```
    pub fn try_from_vec(values: Vec<f32>, shape: &[usize]) -> Result<Tensor> {
        let expected = shape::element_count(|| "`from_vec`".into(), shape)?;
        if values.len() != expected {
            return Err(Error::mismatch(
                "from_vec",
                format!("{expected} values for shape {shape:?}"),
                &[values.len()],
            ));
        }
        let array = ArrayD::from_shape_vec(IxDyn(shape), values)
            .expect("the length and the shape's size were both checked");
        Ok(Tensor::from_array(array))
    }

    /// A tensor of the given shape filled with `value`.
    ///
    /// # Panics
    ///
    /// If the machine cannot hold the shape; see [`Tensor::try_full`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::full(&[2], 7.5).to_vec(), vec![7.5, 7.5]);
    /// ```
    pub fn full(shape: &[usize], value: f32) -> Tensor {
        Tensor::filled("full", shape, value).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor of the given shape filled with `value`, if the machine can hold it.
    ///
    /// # Errors
    ///
    /// [`Error::Allocation`], before allocating, if the number of values or bytes overflows
    /// or exceeds the machine's memory (or the allocator refuses), with the bytes requested.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::try_full(&[2], 7.5)?.to_vec(), vec![7.5, 7.5]);
    /// // 2^50 values of 4 bytes: 4 PB.
    /// assert!(Tensor::try_full(&[1 << 50], 0.5).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_full(shape: &[usize], value: f32) -> Result<Tensor> {
        Tensor::filled("full", shape, value)
    }

    /// A tensor of zeros.
    ///
    /// # Panics
    ///
    /// If the machine cannot hold the shape; see [`Tensor::try_zeros`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::zeros(&[2, 2]).sum_all().item(), 0.0);
    /// ```
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::filled("zeros", shape, 0.0).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor of zeros, if the machine can hold it.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_full`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::try_zeros(&[2, 2])?.len(), 4);
    /// let err = Tensor::try_zeros(&[1 << 30, 1 << 30]).unwrap_err();
    /// assert!(err.to_string().starts_with("`zeros` of shape [1073741824, 1073741824] needs"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_zeros(shape: &[usize]) -> Result<Tensor> {
        Tensor::filled("zeros", shape, 0.0)
    }

    /// A tensor of ones.
    ///
    /// # Panics
    ///
    /// If the machine cannot hold the shape; see [`Tensor::try_ones`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::ones(&[2, 3]).sum_all().item(), 6.0);
    /// ```
    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::filled("ones", shape, 1.0).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A tensor of ones, if the machine can hold it.
    ///
    /// # Errors
    ///
    /// As [`Tensor::try_full`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::try_ones(&[3])?.to_vec(), vec![1.0; 3]);
    /// assert!(Tensor::try_ones(&[usize::MAX, 2]).is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn try_ones(shape: &[usize]) -> Result<Tensor> {
        Tensor::filled("ones", shape, 1.0)
    }

    /// A batch of zeros for a dry run of a model or layer, refused like
    /// [`Tensor::try_zeros`] (an input shape given to `build` is user data), with an error
    /// that speaks of the input rather than of `zeros`.
    pub(crate) fn try_zero_batch(shape: &[usize]) -> Result<Tensor> {
        Tensor::filled_as(|| "an input batch".into(), shape, 0.0)
    }

    /// The tensor behind `full`, `zeros` and `ones`.
    fn filled(op: &'static str, shape: &[usize], value: f32) -> Result<Tensor> {
        Tensor::filled_as(|| format!("`{op}`"), shape, value)
    }

    /// A tensor filled with `value`: the size is checked against the machine, then the
    /// buffer is allocated fallibly; errors name `what`.
    fn filled_as(what: impl Fn() -> String, shape: &[usize], value: f32) -> Result<Tensor> {
        let what = &what;
        let len = shape::checked_size(what, shape, size_of::<f32>())?;
        let mut values = shape::try_buffer(what, shape, len)?;
        values.resize(len, value);
        let array = ArrayD::from_shape_vec(IxDyn(shape), values)
            .expect("the buffer holds the shape's checked number of values");
        Ok(Tensor::from_array(array))
    }

    /// A rank-0 tensor holding one value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let s = Tensor::scalar(2.5);
    /// assert_eq!(s.rank(), 0);
    /// assert_eq!(s.item(), 2.5);
    /// ```
    pub fn scalar(value: f32) -> Tensor {
        Tensor::full(&[], value)
    }

    /// A trainable leaf with the same values: its gradient appears in the
    /// [`GradStore`](crate::GradStore) returned by [`Tensor::backward`].
    ///
    /// Layers hold their parameters as [`Weight`](crate::Weight)s, which do this for you;
    /// this is for working with tensors directly.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let w = Tensor::ones(&[2]).into_variable();
    /// assert!(w.requires_grad());
    /// ```
    pub fn into_variable(self) -> Tensor {
        Tensor::from_parts(self.0.data.clone(), Node::Variable(VarId::fresh()))
    }

    /// The same values, cut off from the graph: no gradient flows through the result.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let w = Tensor::ones(&[2]).into_variable();
    /// assert!(!(&w * 2.0).detach().requires_grad());
    /// ```
    pub fn detach(&self) -> Tensor {
        Tensor::from_parts(self.0.data.clone(), Node::Leaf)
    }

    /// Whether a gradient can flow into this tensor: it is a variable, or it was computed
    /// from one while recording.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(!Tensor::ones(&[1]).requires_grad());
    /// ```
    pub fn requires_grad(&self) -> bool {
        !matches!(self.0.node, Node::Leaf)
    }

    /// The variable id of a trainable leaf, `None` for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[1]).into_variable().var_id().is_some());
    /// assert!(Tensor::ones(&[1]).var_id().is_none());
    /// ```
    pub fn var_id(&self) -> Option<VarId> {
        match self.0.node {
            Node::Variable(id) => Some(id),
            _ => None,
        }
    }

    /// This tensor's unique id.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[1]);
    /// assert_eq!(a.id(), a.clone().id());
    /// assert_ne!(a.id(), a.detach().id());
    /// ```
    pub fn id(&self) -> TensorId {
        self.0.id
    }

    /// The shape, `(d0, d1, …)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::zeros(&[4, 3]).shape(), &[4, 3]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        self.0.data.shape()
    }

    /// The number of axes.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::zeros(&[4, 3, 2]).rank(), 3);
    /// ```
    pub fn rank(&self) -> usize {
        self.0.data.ndim()
    }

    /// The number of elements.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::zeros(&[4, 3]).len(), 12);
    /// ```
    pub fn len(&self) -> usize {
        self.0.data.len()
    }

    /// Whether the tensor has no elements.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::zeros(&[0, 3]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.0.data.is_empty()
    }

    /// A read-only view of the values.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, 2.0], &[2]);
    /// assert_eq!(t.view()[1], 2.0);
    /// ```
    pub fn view(&self) -> ndarray::ArrayViewD<'_, f32> {
        self.0.data.view()
    }

    /// The shared storage (cheap to clone, copy-on-write).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let t = Tensor::ones(&[3]);
    /// assert_eq!(t.data().len(), 3);
    /// ```
    pub fn data(&self) -> &Data {
        &self.0.data
    }

    /// The values as an owned `ndarray` array.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let a = Tensor::ones(&[2, 2]).to_array();
    /// assert_eq!(a.shape(), &[2, 2]);
    /// ```
    pub fn to_array(&self) -> ArrayD<f32> {
        self.0.data.to_owned()
    }

    /// The values in row-major order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let t = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).transpose();
    /// assert_eq!(t.to_vec(), vec![1.0, 3.0, 2.0, 4.0]);
    /// ```
    pub fn to_vec(&self) -> Vec<f32> {
        self.0.data.iter().copied().collect()
    }

    /// The single value of a one-element tensor.
    ///
    /// # Panics
    ///
    /// If the tensor does not have exactly one element.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert_eq!(Tensor::from_vec(vec![4.0], &[1, 1]).item(), 4.0);
    /// ```
    #[track_caller]
    pub fn item(&self) -> f32 {
        if self.len() != 1 {
            crate::unwind::raise(Error::mismatch("item", "one element", self.shape()));
        }
        *self.0.data.iter().next().expect("length checked above")
    }

    /// Whether every value is finite (no NaN or infinity).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// assert!(Tensor::ones(&[2]).all_finite());
    /// assert!(!Tensor::from_vec(vec![1.0, f32::NAN], &[2]).all_finite());
    /// ```
    pub fn all_finite(&self) -> bool {
        // An f32 is NaN or infinite exactly when its exponent bits are all ones. The bits
        // are ORed over the whole slice without an early exit, so that the loop vectorises.
        let bad = |v: &f32| u32::from((v.to_bits() & 0x7fff_ffff) >= 0x7f80_0000);
        match self.0.data.as_slice_memory_order() {
            Some(values) => values.iter().fold(0, |acc, v| acc | bad(v)) == 0,
            None => self.0.data.iter().all(|v| v.is_finite()),
        }
    }
}

impl<D: ndarray::Dimension> From<ndarray::Array<f32, D>> for Tensor {
    fn from(array: ndarray::Array<f32, D>) -> Tensor {
        Tensor::from_array(array)
    }
}

impl From<f32> for Tensor {
    fn from(value: f32) -> Tensor {
        Tensor::scalar(value)
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0.node {
            Node::Leaf => "constant",
            Node::Variable(_) => "variable",
            Node::Op(ref op) => op.name(),
        };
        write!(
            f,
            "Tensor(shape={:?}, {kind}, {})",
            self.shape(),
            self.0.data
        )
    }
}

impl fmt::Display for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.data, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn tensor_is_send_and_sync() {
        assert_send_sync::<Tensor>();
    }
}
