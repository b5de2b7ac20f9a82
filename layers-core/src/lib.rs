//! The runtime of `layers`: tensors with reverse-mode autodiff on `ndarray`, weights, and
//! Keras's initializers.
//!
//! ```
//! use layers_core::prelude::*;
//!
//! let w = Weight::new("kernel", &[3, 1], Initializer::ones(), 0)?;
//! let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]);
//! let y = x.matmul(&w);            // 1 + 2 + 3
//! assert_eq!(y.item(), 6.0);
//! let grads = y.sum_all().backward();
//! assert_eq!(w.grad(&grads).unwrap().to_vec(), vec![1.0, 2.0, 3.0]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Dependencies flow one way: [`tensor`] → [`autograd`] → [`weight`] (with [`init`]).
#![deny(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

extern crate self as layers_core;

pub mod autograd;
// pub mod dual;
pub mod error;
pub mod init;
// pub mod math;
pub mod tensor;
pub mod weight;

pub use autograd::check::{GradCheck, check_gradients};
pub use autograd::{GradStore, NoGradGuard, VarId, is_recording, live_graph_nodes, no_grad};
// pub use dual::Dual;
pub use error::{Error, Result};
pub use init::Initializer;
pub use tensor::Tensor;
pub use tensor::binary::Operand;
pub use weight::Weight;

/// The names most programs need: `use layers_core::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Error, GradStore, Initializer, Operand, Result, Tensor, Weight, no_grad,
    };
}
