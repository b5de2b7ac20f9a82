//! `layers`: Keras's custom-layer workflow in Rust.
//!
//! Tensors with reverse-mode autodiff on `ndarray`, weights with Keras's initializers, and
//! (as the project grows) derive macros for layers and activations.
//!
//! ```
//! use layers::prelude::*;
//!
//! let w = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[2, 2]).into_variable();
//! let x = Tensor::from_vec(vec![1.0, 1.0], &[1, 2]);
//! let loss = x.matmul(&w).sum_all();
//! let grads = loss.backward();
//! assert_eq!(grads.get(&w).unwrap().to_vec(), vec![1.0, 1.0, 1.0, 1.0]);
//! ```
#![forbid(unsafe_code)]
#![doc(test(attr(deny(warnings))))]
#![warn(missing_docs)]

pub use layers_core::*;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
