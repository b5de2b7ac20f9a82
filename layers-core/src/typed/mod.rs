//! Shapes as types, checked by the compiler (a tensor's shape at run time is the `&[usize]`
//! of [`Tensor::shape`](crate::tensor::Tensor::shape)).
//!
//! A dimension is a size known at compile time ([`Const<N>`]) or only at run time (`usize`),
//! one trait ([`Dim`]) over both. A [`Shape`] is a tuple of dimensions, such as
//! `(usize, Const<784>)`. Every layer has a [`StaticLayer`] signature saying which shape it
//! takes and which it produces; a model written as
//!
//! ```
//! use layers_core::activation::Relu;
//! use layers_core::prelude::*;
//!
//! #[derive(Layer)]
//! #[layer(sequential, input = [B, 784])]
//! struct Mlp {
//!     #[layer(default)]
//!     hidden: Dense<Const<128>>,
//!     #[layer(default)]
//!     act: Relu,
//!     #[layer(default)]
//!     out: Dense<Const<10>>,
//! }
//! let mut model = Model::new(Mlp::new());
//! model.build([784])?;
//! assert_eq!(model.predict(&Tensor::zeros(&[2, 784]))?.shape(), &[2, 10]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! is checked by the compiler where it is defined: each field must accept what the previous
//! one produces. Two compile-time sizes must be equal; anything against a runtime size is
//! checked when the model is built and reported as an error naming the layer.
//!
//! What the types cannot express:
//! - a reshape's element count is checked by a compile-time assertion (evaluated by the
//!   compiler where a model without generic parameters is defined; for a generic model,
//!   where an instance of it is compiled, and at build time);
//! - the width after `Flatten` is a runtime size (its product is not computed in types), so
//!   layers after it are checked at build time;
//! - a layer without a signature (a [`Lambda`](crate::builtin::Lambda), a `Box<dyn Layer>`,
//!   a `Sequential`) produces a [`DynShape`], so it and every field after it are checked at
//!   build time only. The model's summary lists those fields; `#[layer(sequential, strict,
//!   input = [...])]` makes such a field a compile error instead ([`StrictFits`]).
//!
//! A `Vec<L>`, `[L; N]` or `Option<L>` field runs its element any number of times, so it
//! takes only shapes that fit both the element's input and its output ([`Both`]): a stack of
//! blocks that keep the shape they receive.

mod containers;
mod dim;
mod fits;
pub(crate) mod layer;
mod shapes;
pub(crate) mod signature;
pub(crate) mod strict;
mod tensor;
#[cfg(test)]
mod tests;

pub use dim::{Const, Dim};
pub use fits::{Both, DataDimFits, DataFits, DimFits, Fits};
pub use layer::{Mismatch, NoCheck, ShapeCheck, StaticLayer};
pub(crate) use shapes::product;
pub use shapes::{Batch1, Batch2, Batch3, DynShape, Rank1, Rank2, Rank3, Rank4, Shape};
pub use strict::{KnownShape, StrictFits};
pub use tensor::{ModelInput, Tensor1, Tensor2, Tensor3, Tensor4, TypedTensor};
