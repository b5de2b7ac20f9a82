//! Models and training: [`Sequential`] (a stack of layers), [`Model`] (any layer as a
//! trainable model), Keras's [`Train`] API (`compile`, `fit`, `evaluate`) with its named
//! [`Logs`], progress output, [`History`] with its plot, and [`callbacks`].
//!
//! ```
//! use layers_core::prelude::*;
//! let mut model = Sequential::new().add(Dense::new(4)).add(Activation::from_name("relu")?);
//! model.build([3])?;
//! assert_eq!(model.predict(&Tensor::ones(&[2, 3]))?.shape(), &[2, 4]);
//! # Ok::<(), layers_core::Error>(())
//! ```

mod build;
pub mod callbacks;
mod checkpoint;
mod evaluate;
mod fit;
mod history;
mod logs;
// `Model` in `model/model.rs`, beside `Sequential` in `model/sequential.rs`, as Keras keeps
// them; the file is private, so no `model::model` path reaches users.
#[allow(clippy::module_inception)]
mod model;
mod options;
mod penalties;
mod plateau;
mod predict;
pub mod progress;
mod rebuild;
mod sample_weights;
mod saving;
mod sequential;
mod state;
mod step;
pub mod train;

#[cfg(feature = "plot")]
pub use history::PlotReport;
pub use history::{History, HistoryParams};
pub use logs::{Iter as LogsIter, Logs};
pub use model::Model;
pub use progress::Verbosity;
pub use sequential::Sequential;
pub use train::{FitOptions, Train, TrainingState};
