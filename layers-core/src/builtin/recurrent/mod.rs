//! Recurrent layers: Keras's [`SimpleRnn`], [`Lstm`] and [`Gru`] (both `reset_after`
//! forms), [`Bidirectional`], and [`Rnn`], which runs any [`Cell`] — one written by you with
//! `#[derive(Layer)]` as well as the built-in [`SimpleRnnCell`], [`LstmCell`] and
//! [`GruCell`].
//!
//! Every recurrent layer takes `(batch, time, features)` and returns the last step's output
//! `(batch, units)`, or every step's `(batch, time, units)` with `return_sequences`. The
//! input part of every step is computed first, in one matrix product over
//! `(batch·time, features)`; then each step adds the recurrent part (see [`run_cell`]).
//!
//! ```
//! use layers_core::builtin::{Bidirectional, Gru, Lstm};
//! use layers_core::prelude::*;
//! let mut model = Sequential::new()
//!     .add(Bidirectional::wrap(Lstm::new(16).return_sequences(true))?)
//!     .add(Gru::new(8))
//!     .add(Dense::new(10));
//! assert_eq!(model.build([8, 8])?, vec![10]); // 8 steps of 8 features
//! let y = model.predict(&Tensor::zeros(&[2, 8, 8]))?;
//! assert_eq!(y.shape(), &[2, 10]);
//! # Ok::<(), layers_core::Error>(())
//! ```

mod agree;
mod bidirectional;
mod cell;
mod gru;
mod lstm;
mod rnn;
mod simple;
mod state;

pub use bidirectional::{Bidirectional, MergeMode};
pub(crate) use cell::check_mask;
pub use cell::{Cell, CellRun, run_cell};
pub use gru::{Gru, GruCell};
pub use lstm::{Lstm, LstmCell};
pub use rnn::Rnn;
pub use simple::{SimpleRnn, SimpleRnnCell};
pub use state::Recurrent;
