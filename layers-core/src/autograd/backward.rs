//! The backward pass: a topological walk of the recorded graph, handing each op's output
//! gradient to its rule in [`rules`](super::rules).

use std::collections::{HashMap, HashSet};

use ndarray::{ArrayD, IxDyn};

use super::GradStore;
use super::rules::propagate;
use crate::error::{Error, Result};
use crate::tensor::graph::Node;
use crate::tensor::{Tensor, TensorId};

impl Tensor {
    /// Computes the gradient of this scalar (one-element) tensor with respect to every
    /// variable it was computed from.
    ///
    /// The graph is not kept: once this tensor and its inputs are dropped, their memory is
    /// freed. A variable used several times receives the sum of its gradients.
    ///
    /// # Panics
    ///
    /// If the tensor has more than one element; see [`Tensor::try_backward`] and
    /// [`Tensor::backward_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).into_variable();
    /// // y = Σ (x·x + x): dy/dx = 2x + 1
    /// let y = (&x * &x + &x).sum_all();
    /// assert_eq!(y.backward().get(&x).unwrap().to_vec(), vec![3.0, 5.0]);
    /// ```
    pub fn backward(&self) -> GradStore {
        self.try_backward().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Tensor::backward`], returning an error for a tensor with more than one
    /// element.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] if the tensor is not a single value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[2]).into_variable();
    /// assert!(x.exp().try_backward().is_err());
    /// assert!(x.exp().sum_all().try_backward().is_ok());
    /// ```
    pub fn try_backward(&self) -> Result<GradStore> {
        if self.len() != 1 {
            return Err(Error::mismatch("backward", "a single value", self.shape()));
        }
        Ok(run(self, ArrayD::ones(IxDyn(self.shape()))))
    }

    /// Backpropagates a cotangent (the gradient of some scalar with respect to this
    /// tensor) of this tensor's shape.
    ///
    /// # Panics
    ///
    /// If the cotangent's shape differs from this tensor's.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::from_vec(vec![1.0, 2.0], &[2]).into_variable();
    /// let y = &x * 3.0;
    /// let g = y.backward_with(&Tensor::from_vec(vec![1.0, 10.0], &[2]));
    /// assert_eq!(g.get(&x).unwrap().to_vec(), vec![3.0, 30.0]);
    /// ```
    pub fn backward_with(&self, cotangent: &Tensor) -> GradStore {
        self.try_backward_with(cotangent)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Like [`Tensor::backward_with`], returning an error on a shape mismatch.
    ///
    /// # Errors
    ///
    /// [`Error::IncompatibleShapes`] if the cotangent's shape differs from this tensor's.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// let x = Tensor::ones(&[2]).into_variable();
    /// assert!(x.exp().try_backward_with(&Tensor::ones(&[3])).is_err());
    /// ```
    pub fn try_backward_with(&self, cotangent: &Tensor) -> Result<GradStore> {
        if cotangent.shape() != self.shape() {
            return Err(Error::incompatible(
                "backward",
                self.shape(),
                cotangent.shape(),
                "the cotangent must have the output's shape",
            ));
        }
        Ok(run(self, cotangent.to_array()))
    }
}

/// Reverse topological order of the nodes that need a gradient, from `root`.
fn topological(root: &Tensor) -> Vec<&Tensor> {
    let mut order = Vec::new();
    let mut visited = HashSet::new();
    let mut stack = vec![(root, false)];
    while let Some((t, expanded)) = stack.pop() {
        if expanded {
            order.push(t);
            continue;
        }
        if !visited.insert(t.id()) {
            continue;
        }
        stack.push((t, true));
        if let Node::Op(op) = &t.0.node {
            for input in op.inputs() {
                if input.requires_grad() && !visited.contains(&input.id()) {
                    stack.push((input, false));
                }
            }
        }
    }
    order.reverse();
    order
}

fn accumulate(map: &mut HashMap<TensorId, ArrayD<f32>>, id: TensorId, grad: ArrayD<f32>) {
    match map.get_mut(&id) {
        Some(existing) => {
            *existing += &grad;
            crate::tensor::buffers::recycle_array(grad);
        }
        None => {
            map.insert(id, grad);
        }
    }
}

fn run(root: &Tensor, seed: ArrayD<f32>) -> GradStore {
    let mut store = GradStore::default();
    if !root.requires_grad() {
        return store;
    }
    let mut grads: HashMap<TensorId, ArrayD<f32>> = HashMap::new();
    grads.insert(root.id(), seed);
    for t in topological(root) {
        let Some(grad) = grads.remove(&t.id()) else {
            continue;
        };
        match &t.0.node {
            Node::Leaf => {}
            Node::Variable(id) => match store.grads.get_mut(id) {
                // The same variable may enter the graph through several handles.
                Some(existing) => {
                    let sum = existing.to_array() + &grad;
                    *existing = Tensor::from_array(sum);
                }
                None => {
                    store.grads.insert(*id, Tensor::from_array(grad));
                }
            },
            Node::Op(op) => propagate(op, &t.0.data, grad, &mut |input, g| {
                if input.requires_grad() {
                    debug_assert_eq!(
                        g.shape(),
                        input.shape(),
                        "gradient shape of `{}`",
                        op.name()
                    );
                    accumulate(&mut grads, input.id(), g);
                }
            }),
        }
    }
    store
}
