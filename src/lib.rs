//! `layers`: Keras's custom-layer workflow in Rust.
//!
//! Tensors with reverse-mode autodiff on `ndarray`, weights with Keras's initializers,
//! layers, activations, and models trained with `compile`/`fit`/`evaluate`/`predict`. A layer
//! is a struct with `#[derive(Layer)]`; any `fn(f32) -> f32` becomes an activation with an
//! exact derivative with `#[activation]`. This crate re-exports `layers-core` (the runtime,
//! macros included); `use layers::prelude::*;` brings what a program needs.
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
//!
//! # Features
//!
//! The heavy optional parts are each behind a feature, all on by default. With
//! `default-features = false` a model is still built, trained with `fit` (which then prints
//! the finished bar line per epoch instead of a live bar) and run.
//!
//! | feature | adds | dependency |
//! | --- | --- | --- |
//! | `plot` | `History::plot` and `PlotReport` (in [`model`]): training curves as SVG | `plotters` |
//! | `progress` | `fit`'s live progress bar on a terminal | `indicatif` |
//! | `gzip` | gzipped files in [`Dataset::load_csv`](data::Dataset::load_csv) (without it, such a file is an [`Error::Io`]) | `flate2` |
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

// The macros `Layer` and `activation` come with these: `layers-core` re-exports them.
pub use layers_core::*;

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
