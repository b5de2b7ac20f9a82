//! The runtime of `layers`: tensors with reverse-mode autodiff on `ndarray`, weights,
//! Keras's initializers, layers, activations and models.
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
//! # Modules, bottom to top
//!
//! Dependencies flow one way: each module uses only modules listed before it (the test
//! `tests/architecture/main.rs` fails on a back-edge).
//!
//! 1. [`error`]: the [`Error`] type every fallible function returns.
//! 2. [`math`]: scalar special functions (`erf`, stable `sigmoid`, `softplus`) and the
//!    [`Scalar`] trait that activation bodies are written against.
//! 3. [`dual`]: dual numbers, [`Dual`], which carry an exact derivative through `f32` code.
//! 4. `unwind` (internal): how an op that cannot return an error fails to the boundary of
//!    the layer that called it.
//! 5. [`random`]: the seeded random stream (per-call frames over a default stream) that
//!    initializers, dropout and random tensors draw from.
//! 6. [`tensor`]: [`Tensor`] and its ops, and the graph a tensor records for the backward
//!    pass: the recorded ops, variable ids, the no-grad switch.
//! 7. [`autograd`]: the backward pass (one rule per recorded op), [`GradStore`] and
//!    finite-difference gradient checks.
//! 8. [`init`]: Keras's weight [`Initializer`]s.
//! 9. [`regularizers`] and [`constraints`]: Keras's weight [`Regularizer`]s (penalties
//!    added to the loss) and [`Constraint`]s (projections after each update).
//! 10. [`weight`]: [`Weight`], a named, lazily built variable.
//! 11. [`layer`]: the [`Layer`] trait and what a layer is made of: its forward pass
//!     ([`Call`]), its call [`Context`], its config, its summary, a renamed layer and the
//!     containers of layers, and gradient checks for whole layers.
//! 12. [`typed`]: shapes in types, checked by the compiler ([`Const`], [`TypedTensor`]), and
//!     each layer's shape signature ([`StaticLayer`](typed::StaticLayer)).
//! 13. [`activation`](mod@activation): activations, usable as functions and as layers, and
//!     their registry of names.
//! 14. [`builtin`]: the built-in layers ([`Dense`], [`Dropout`], [`Embedding`], …), written
//!     with `#[derive(Layer)]`.
//! 15. [`loss`]: Keras's losses.
//! 16. [`metrics`]: Keras's metrics (a loss can be one).
//! 17. [`optim`]: Keras's optimizers and learning-rate schedules.
//! 18. [`data`]: data sets: CSV loading, scaling, shuffling, splits.
//! 19. [`model`]: [`Sequential`], [`Model`] and training ([`Train`]: `compile`, `fit`,
//!     `evaluate`, `predict`), with logs, callbacks and history.
//!
//! The root re-exports the types most programs use, [`prelude`] holds them for a glob
//! import, and `__private` (hidden) is what the derive macros' generated code names.
#![doc(test(attr(deny(warnings))))]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate self as layers_core;

pub mod activation;
pub mod autograd;
pub mod builtin;
pub mod constraints;
pub mod data;
pub mod dual;
pub mod error;
pub mod init;
mod json;
pub mod layer;
pub mod loss;
pub mod math;
pub mod metrics;
pub mod model;
pub mod optim;
pub mod random;
pub mod regularizers;
pub mod save;
pub mod tensor;
pub mod typed;
mod unwind;
pub mod weight;

pub use activation::Activation;
pub use autograd::gradcheck::{GradCheck, check_gradients};
pub use autograd::{GradStore, NoGradGuard, VarId, is_recording, live_graph_nodes, no_grad};
pub use builtin::ActivityRegularization;
pub use builtin::{
    AlphaDropout, Cropping1D, Cropping2D, GaussianDropout, GaussianNoise, GroupNormalization,
    Permute, RepeatVector, SpatialDropout1D, SpatialDropout2D, UnitNormalization, UpSampling1D,
    ZeroPadding1D,
};
pub use builtin::{AttentionCall, MultiHeadAttention};
pub use builtin::{
    AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, TimeDistributed,
    UpSampling2D, ZeroPadding2D,
};
pub use builtin::{Axes, ELU, LeakyReLU, Normalization, PReLU, ReLU, Rescaling};
pub use builtin::{
    BatchNormalization, Dense, Dropout, Embedding, Flatten, Lambda, LayerNormalization, LogSoftmax,
    Reshape, Softmax,
};
pub use builtin::{Bidirectional, Cell, Gru, Lstm, Masking, Recurrent, Rnn, SimpleRnn};
pub use builtin::{Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D};
pub use constraints::Constraint;
pub use dual::Dual;
pub use error::{Error, Result};
pub use init::Initializer;
pub use layer::registry::{layer_from_config, registered_layers};
pub use layer::spec::{FromConfig, LayerConfig};
pub use layer::{Call, CallWithContext, Context, Layer, LayerExt, TryCall};
pub use layers_derive::{Layer, activation};
pub use loss::{Loss, loss_from_config, loss_from_name};
pub use math::Scalar;
pub use metrics::{Metric, metric_from_config, metric_from_name};
pub use model::{FitOptions, Logs, Model, Sequential, Train};
pub use optim::{LearningRateSchedule, Optimizer, optimizer_from_config, optimizer_from_name};
pub use regularizers::Regularizer;
pub use tensor::Tensor;
pub use tensor::binary::Operand;
pub use tensor::buffers::release_cached_buffers;
pub use typed::{Const, TypedTensor};
pub use weight::Weight;

/// The `serde_json` that configs are written in: [`Layer::config`] returns its `Value`,
/// [`Activation::from_config`] takes its `Map`. Re-exported so that the versions match.
///
/// ```
/// let mut params = layers_core::serde_json::Map::new();
/// params.insert("alpha".into(), layers_core::serde_json::json!(0.5));
/// let elu = layers_core::Activation::from_config("elu", &params)?;
/// assert_eq!(elu.params(), vec![("alpha", 0.5)]);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub use serde_json;

/// The traits and core types most programs need, for one glob import:
/// `use layers::prelude::*;` (`layers_core::prelude` without the facade). The activation
/// types stay in [`activation`](mod@activation) (`use layers::activation::Relu;`); by name
/// they are one [`Activation`] (`Activation::from_name("relu")`, `.activation("relu")`).
/// The optimizers and callbacks are here too; losses and metrics stay in [`loss`] and
/// [`metrics`], where Keras's shared names (`MeanSquaredError` is both) do not clash, and
/// are usually given by name.
///
/// ```
/// use layers_core::prelude::*;
/// let mut model = Sequential::new().add(Dense::new(2).activation("relu"));
/// assert_eq!(model.build([3])?, vec![2]);
///
/// model.compile(Adam::new().with_learning_rate(0.01), "mse", &["mae"])?;
/// let stop = EarlyStopping::new("loss").patience(2);
/// let options = FitOptions::new().with_epochs(3).verbose(0).callback(stop);
/// model.fit(&Tensor::ones(&[4, 3]), &Tensor::zeros(&[4, 2]), options)?;
/// # Ok::<(), Error>(())
/// ```
pub mod prelude {
    pub use crate::ActivityRegularization;
    pub use crate::data::Dataset;
    pub use crate::math::{Scalar, erf};
    pub use crate::model::History;
    pub use crate::model::callbacks::{
        Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
    };
    pub use crate::optim::{Adam, AdamW, RmsProp, Sgd};
    pub use crate::regularizers::OrthogonalMode;
    pub use crate::tensor::conv::Padding;
    pub use crate::typed::{Const, Dim, StaticLayer, TypedTensor};
    pub use crate::{
        Activation, BatchNormalization, Call, CallWithContext, Constraint, Context, Dense, Dropout,
        Dual, Embedding, Error, FitOptions, Flatten, FromConfig, GradStore, Initializer, Lambda,
        Layer, LayerConfig, LayerExt, LayerNormalization, LogSoftmax, Logs, Model, Operand,
        Regularizer, Reshape, Result, Sequential, Softmax, Tensor, Train, TryCall, Weight,
        layer_from_config, no_grad, registered_layers,
    };
    pub use crate::{
        AlphaDropout, Cropping1D, Cropping2D, GaussianDropout, GaussianNoise, GroupNormalization,
        Permute, RepeatVector, SpatialDropout1D, SpatialDropout2D, UnitNormalization, UpSampling1D,
        ZeroPadding1D,
    };
    pub use crate::{AttentionCall, MultiHeadAttention};
    pub use crate::{
        AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D, TimeDistributed,
        UpSampling2D, ZeroPadding2D,
    };
    pub use crate::{Axes, ELU, LeakyReLU, Normalization, PReLU, ReLU, Rescaling};
    pub use crate::{Bidirectional, Cell, Gru, Lstm, Masking, Recurrent, Rnn, SimpleRnn};
    pub use crate::{Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D};
    pub use crate::{Loss, Metric, Optimizer};
    pub use layers_derive::activation;
}

/// What the code generated by `#[derive(Layer)]` and `#[activation]` names. Not a public
/// API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    /// What a `#[layer(masking = …)]` function returns: the output and the next mask.
    pub type MaskedOutput = crate::Result<(crate::Tensor, Option<crate::Tensor>)>;
    pub use crate::activation::function::{activation_rows, apply_activation};
    pub use crate::activation::registry::{ActivationEntry, check_params, param};
    pub use crate::activation::{Activation, ActivationFn};
    // `TakesScalar` is not named by generated code, but by the error for a helper that cannot
    // take dual numbers, which prints the path it is reachable at.
    pub use crate::constraints::Constraint;
    pub use crate::dual::Dual;
    pub use crate::dual::scalar::{DualCall, DualCallF32, DualCallScalar, TakesScalar};
    pub use crate::error::{Error, Result};
    pub use crate::init::Initializer;
    pub use crate::layer::config::ConfigValue;
    pub use crate::layer::context::with_rng;
    pub use crate::layer::registry::LayerEntry;
    pub use crate::layer::spec::{
        ConfigReader, FromConfig, LayerConfig, MakeFallback, MakeFromConfig, Maker,
    };
    pub use crate::layer::summary::{sequential_summary_rows, static_summary_rows};
    pub use crate::layer::weight_shape::{SampleShape, ToDim};
    pub use crate::layer::{Call, Layer, LayerExt, SummaryRow, TryCall, catch_call};
    pub use crate::regularizers::Regularizer;
    pub use crate::tensor::Tensor;
    pub use crate::typed::layer::{FieldName, expect_output, step};
    pub use crate::typed::signature::{SignatureDim, check_input, check_output};
    pub use crate::typed::strict::{shape_known, strict_step};
    pub use crate::typed::{Const, Dim, DynShape, NoCheck, Shape, StaticLayer};
    pub use crate::weight::{IntoConstraint, IntoRegularizer, Weight};
    pub use inventory;
    pub use serde_json;
    pub use std::result::Result as StdResult;
    pub use std::string::String;
    pub use std::vec::Vec;
}
