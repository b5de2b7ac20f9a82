//! The built-in layers, written with `#[derive(Layer)]` like any user's layer: [`Dense`],
//! [`Dropout`], [`Flatten`], [`Reshape`], [`BatchNormalization`], [`LayerNormalization`],
//! [`Embedding`], [`Softmax`] and [`LogSoftmax`]; the convolutions [`Conv1D`], [`Conv2D`],
//! [`DepthwiseConv2D`], [`SeparableConv2D`] and [`Conv2DTranspose`]; and [`Lambda`], any
//! function of a tensor; the preprocessing layers [`Normalization`] and [`Rescaling`];
//! the activation layers with settings [`ReLU`], [`LeakyReLU`], [`PReLU`] and [`ELU`]; the
//! weightless reshaping layers [`RepeatVector`], [`Permute`], [`Cropping1D`], [`Cropping2D`],
//! [`ZeroPadding1D`] and [`UpSampling1D`]; the normalizations [`UnitNormalization`] and
//! [`GroupNormalization`]; and the training-only noise layers [`GaussianNoise`],
//! [`GaussianDropout`], [`SpatialDropout1D`], [`SpatialDropout2D`] and [`AlphaDropout`].
//! (Keras's `Activation` layer is [`Activation`](crate::Activation).)
//!
//! ```
//! use layers_core::activation::Relu;
//! use layers_core::prelude::*;
//! let mut model = Sequential::new()
//!     .add(Dense::new(8).activation(Relu))
//!     .add(Dropout::new(0.5))
//!     .add(Dense::new(3))
//!     .add(Softmax::new());
//! model.build([4])?;
//! let p = model.predict(&Tensor::ones(&[2, 4]))?;
//! assert!((p.sum(&[-1], false).to_vec()[0] - 1.0).abs() < 1e-6);
//! # Ok::<(), layers_core::Error>(())
//! ```

mod activation_layers;
mod activity;
mod alpha_dropout;
mod attention;
mod attention_call;
mod attention_mask;
mod attention_projection;
mod axes;
mod conv;
mod conv_depthwise;
mod conv_transpose;
mod cropping2d;
mod dense;
mod dropout;
mod embedding;
mod group_normalization;
mod lambda;
mod masking;
mod noise;
mod normalization;
mod padding;
mod pooling;
mod preprocessing;
mod repeat;
mod rescaling;
mod reshape;
mod softmax;
mod spatial;
mod spatial1d;
mod spatial_dropout;
mod statistic;
mod time_distributed;
mod unit_normalization;

pub use activation_layers::{ELU, LeakyReLU, PReLU, ReLU};
pub use activity::ActivityRegularization;
pub use alpha_dropout::AlphaDropout;
pub use attention::MultiHeadAttention;
pub use attention_call::AttentionCall;
pub use attention_mask::PaddingMask;
pub use attention_projection::{MergeHeadsDense, OutputUnits, SplitHeadsDense};
pub use conv::{Conv1D, Conv2D};
pub use conv_depthwise::{DepthwiseConv2D, SeparableConv2D};
pub use conv_transpose::Conv2DTranspose;
pub use cropping2d::Cropping2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use group_normalization::GroupNormalization;
pub use lambda::Lambda;
pub use masking::Masking;
pub use noise::{GaussianDropout, GaussianNoise};
pub use normalization::{BatchNormalization, LayerNormalization};
pub use padding::Padding;
pub use pooling::{
    AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D,
};
pub use preprocessing::{EPSILON, Normalization};
pub use repeat::{Permute, RepeatVector};
pub use rescaling::{Coefficient, Rescaling};
pub use reshape::{Flatten, Reshape, ReshapeCheck, ReshapeTarget};
pub use softmax::{LogSoftmax, Softmax};

pub mod recurrent;
pub use axes::Axes;
pub use recurrent::{
    Bidirectional, Cell, CellRun, Gru, GruCell, Lstm, LstmCell, MergeMode, Recurrent, Rnn,
    SimpleRnn, SimpleRnnCell, run_cell,
};
pub use spatial::{SpatialPadding, UpSampling2D, ZeroPadding2D};
pub use spatial_dropout::{SpatialDropout1D, SpatialDropout2D};
pub use spatial1d::{Cropping1D, Margin, UpSampling1D, ZeroPadding1D};
pub use statistic::Statistic;
pub use time_distributed::TimeDistributed;
pub use unit_normalization::UnitNormalization;
