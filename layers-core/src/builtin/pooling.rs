//! Pooling layers, as Keras's: [`MaxPooling1D`], [`MaxPooling2D`], [`AveragePooling1D`] and
//! [`AveragePooling2D`] over sliding windows, and [`GlobalMaxPooling1D`],
//! [`GlobalMaxPooling2D`], [`GlobalAveragePooling1D`] and [`GlobalAveragePooling2D`] over
//! every step or pixel. Channels last: `(batch, steps, channels)` and
//! `(batch, height, width, channels)`.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut pool = MaxPooling2D::new();
//! assert_eq!(pool.build([26, 26, 32])?, vec![13, 13, 32]);
//! let mut global = GlobalAveragePooling2D::new();
//! assert_eq!(global.build([13, 13, 32])?, vec![32]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Shapes: a windowed pooling's signature is checked by the compiler for its rank and its
//! channels (`(B, H, W, C)` → `(B, usize, usize, C)`); its spatial output sizes depend on
//! the window, the strides and the padding, which are run-time values, so they are known
//! when the model is built. A global pooling checks the rank at compile time; its output
//! rank depends on `keepdims`, a run-time value, so what follows it is checked at build
//! time.

use crate::Layer;
use crate::builtin::padding::Padding;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::check_size;
use crate::tensor::Tensor;
use crate::typed::{NoCheck, Shape, StaticLayer};

/// The input error of a layer of type `layer` expecting `signature` (`[B, H, W, C]`).
pub(crate) fn check_rank(layer: &str, signature: &str, x: &Tensor) -> Result<()> {
    let rank = signature.split(',').count();
    if x.rank() == rank {
        return Ok(());
    }
    Err(Error::InputSignature {
        layer: layer.to_string(),
        signature: signature.to_string(),
        found: x.shape().into(),
    })
}

/// Checks a window and its strides: every size at least 1.
fn check_window(pool_size: &[usize], strides: Option<&[usize]>) -> Result<()> {
    for &size in pool_size {
        check_size("pool_size", size)?;
    }
    for &stride in strides.unwrap_or(&[]) {
        check_size("strides", stride)?;
    }
    Ok(())
}

/// The window, strides and padding of a 2-D pooling of `x` (already of rank 4).
fn geometry_2d(
    x: &Tensor,
    pool_size: (usize, usize),
    strides: Option<(usize, usize)>,
    padding: Padding,
) -> ([usize; 2], [usize; 2], [(usize, usize); 2]) {
    let window = [pool_size.0, pool_size.1];
    let strides = strides.map_or(window, |(a, b)| [a, b]);
    let pads = [0, 1].map(|i| padding.amounts(x.shape()[1 + i], window[i], strides[i], 1));
    (window, strides, pads)
}

// `#[derive(Layer)]` cannot run inside `macro_rules!` (its generated code mixes the
// struct's span with its own), so the structs are written out and only the impls shared.
macro_rules! pooling_2d {
    ($name:ident, $method:ident, $type_name:literal) => {
        impl $name {
            fn validate_config(&self) -> Result<()> {
                self.padding.check_not_causal()?;
                check_window(
                    &[self.pool_size.0, self.pool_size.1],
                    self.strides
                        .as_ref()
                        .map(|s| [s.0, s.1])
                        .as_ref()
                        .map(|s| &s[..]),
                )
            }
        }

        impl TryCall for $name {
            fn try_call(&self, x: &Tensor) -> Result<Tensor> {
                check_rank($type_name, "[B, H, W, C]", x)?;
                let (window, strides, pads) =
                    geometry_2d(x, self.pool_size, self.strides, self.padding);
                x.$method(window, strides, pads)
            }
        }

        impl StaticLayer for $name {
            type Input<In: Shape> = (In::D0, In::D1, In::D2, In::D3);
            type Output<In: Shape> = (In::D0, usize, usize, In::D3);
            type Check<In: Shape> = NoCheck;
        }
    };
}

macro_rules! pooling_1d {
    ($name:ident, $method:ident, $type_name:literal) => {
        impl $name {
            fn validate_config(&self) -> Result<()> {
                self.padding.check_not_causal()?;
                check_window(
                    &[self.pool_size],
                    self.strides.as_ref().map(std::slice::from_ref),
                )
            }
        }

        impl TryCall for $name {
            fn try_call(&self, x: &Tensor) -> Result<Tensor> {
                check_rank($type_name, "[B, T, C]", x)?;
                let stride = self.strides.unwrap_or(self.pool_size);
                let pads = self
                    .padding
                    .amounts(x.shape()[1], self.pool_size, stride, 1);
                x.$method(self.pool_size, stride, pads)
            }
        }

        impl StaticLayer for $name {
            type Input<In: Shape> = (In::D0, In::D1, In::D2);
            type Output<In: Shape> = (In::D0, usize, In::D2);
            type Check<In: Shape> = NoCheck;
        }
    };
}

/// Keras's `MaxPooling2D`: the per-channel maximum over `pool_size` windows moved by
/// `strides`, `(batch, h, w, c)` → `(batch, oh, ow, c)`.
///
/// With `valid` padding `oh = floor((h − pool_rows) / stride_rows) + 1`; with `same`,
/// `oh = ceil(h / stride_rows)` and padded positions are ignored. The gradient of each
/// output goes to the first maximum of its window (row-major order), as TensorFlow's.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, h, w, c)`, or whose padded
/// spatial size is smaller than the window; when built with a zero `pool_size` or
/// `strides`. Each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::builtin::Padding;
/// let pool = MaxPooling2D::new();
/// let x = Tensor::from_vec((0..16).map(|v| v as f32).collect(), &[1, 4, 4, 1]);
/// assert_eq!(pool.try_apply(&x)?.to_vec(), vec![5.0, 7.0, 13.0, 15.0]);
///
/// let mut same = MaxPooling2D::new().pool_size((3, 3)).strides((2, 2)).padding(Padding::Same);
/// assert_eq!(same.build([5, 5, 8])?, vec![3, 3, 8]);
/// assert_eq!(same.config()["padding"], "same");
///
/// let err = MaxPooling2D::new().build([5, 8]).unwrap_err();
/// assert!(err.to_string().contains("`MaxPooling2D` expects input of shape [B, H, W, C]"), "{err}");
/// let err = MaxPooling2D::new().pool_size((3, 3)).build([2, 2, 1]).unwrap_err();
/// assert!(err.to_string().contains("larger than the input"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct MaxPooling2D {
    /// The window's `(rows, columns)`; `(2, 2)` by default.
    #[config(default = (2, 2))]
    pub pool_size: (usize, usize),
    /// How far the window moves, `(rows, columns)`; `None` (the default) moves it by
    /// `pool_size`.
    #[config(default)]
    pub strides: Option<(usize, usize)>,
    /// `valid` (the default) or `same`.
    #[config(default)]
    pub padding: Padding,
}

pooling_2d!(MaxPooling2D, try_max_pool2d, "MaxPooling2D");

/// Keras's `AveragePooling2D`: the per-channel mean over `pool_size` windows moved by
/// `strides`, `(batch, h, w, c)` → `(batch, oh, ow, c)`; with `same` padding each
/// window's mean is over its real (unpadded) elements only, as Keras's.
///
/// # Errors
///
/// As [`MaxPooling2D`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::builtin::Padding;
/// let pool = AveragePooling2D::new().padding(Padding::Same);
/// let x = Tensor::from_vec((0..9).map(|v| v as f32).collect(), &[1, 3, 3, 1]);
/// // Windows of 4, 2, 2 and 1 real pixels.
/// assert_eq!(pool.try_apply(&x)?.to_vec(), vec![2.0, 3.5, 6.5, 8.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct AveragePooling2D {
    /// The window's `(rows, columns)`; `(2, 2)` by default.
    #[config(default = (2, 2))]
    pub pool_size: (usize, usize),
    /// How far the window moves, `(rows, columns)`; `None` (the default) moves it by
    /// `pool_size`.
    #[config(default)]
    pub strides: Option<(usize, usize)>,
    /// `valid` (the default) or `same`.
    #[config(default)]
    pub padding: Padding,
}

pooling_2d!(AveragePooling2D, try_avg_pool2d, "AveragePooling2D");

/// Keras's `MaxPooling1D`: the per-channel maximum over windows of `pool_size` steps
/// moved by `strides`, `(batch, steps, c)` → `(batch, out, c)`. The gradient goes to
/// the first maximum of each window.
///
/// # Errors
///
/// As [`MaxPooling2D`], for inputs that are not `(batch, steps, c)`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut pool = MaxPooling1D::new();
/// assert_eq!(pool.build([7, 4])?, vec![3, 4]); // 7 steps give 3
/// let x = Tensor::from_vec(vec![1.0, 3.0, 2.0, 0.0, 5.0], &[1, 5, 1]);
/// assert_eq!(pool.try_apply(&x)?.to_vec(), vec![3.0, 2.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct MaxPooling1D {
    /// The window's length in steps; 2 by default.
    #[config(default = 2)]
    pub pool_size: usize,
    /// How far the window moves; `None` (the default) moves it by `pool_size`.
    #[config(default)]
    pub strides: Option<usize>,
    /// `valid` (the default) or `same`.
    #[config(default)]
    pub padding: Padding,
}

pooling_1d!(MaxPooling1D, try_max_pool1d, "MaxPooling1D");

/// Keras's `AveragePooling1D`: the per-channel mean over windows of `pool_size` steps
/// moved by `strides`; with `same` padding over the real steps only.
///
/// # Errors
///
/// As [`MaxPooling1D`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::builtin::Padding;
/// let pool = AveragePooling1D::new().pool_size(3).strides(1).padding(Padding::Same);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 6.0], &[1, 3, 1]);
/// assert_eq!(pool.try_apply(&x)?.to_vec(), vec![1.5, 3.0, 4.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct AveragePooling1D {
    /// The window's length in steps; 2 by default.
    #[config(default = 2)]
    pub pool_size: usize,
    /// How far the window moves; `None` (the default) moves it by `pool_size`.
    #[config(default)]
    pub strides: Option<usize>,
    /// `valid` (the default) or `same`.
    #[config(default)]
    pub padding: Padding,
}

pooling_1d!(AveragePooling1D, try_avg_pool1d, "AveragePooling1D");

macro_rules! global_pooling {
    ($name:ident, $reduce:ident, [$($axis:literal),*]) => {
        impl TryCall for $name {
            fn try_call(&self, x: &Tensor) -> Result<Tensor> {
                x.$reduce(&[$($axis),*], self.keepdims)
            }
        }
    };
}

/// Keras's `GlobalAveragePooling1D`: the mean over the steps,
/// `(batch, steps, c)` → `(batch, c)` (`(batch, 1, c)` with `keepdims`).
///
/// With a mask (from `Masking` or `Embedding`'s `mask_zero`, carried by a `Sequential`),
/// the mean is over each sample's unmasked steps only, as Keras 3 computes it (masked
/// steps count as 0, whatever they hold), and no mask goes on. A sample with every step
/// masked gives 0 (Keras divides 0 by 0 there and gives NaN).
///
/// # Errors
///
/// When called on an input that is not `(batch, steps, c)`, or with a mask that is not
/// `(batch, steps)` of 0 and 1, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 20.0], &[1, 2, 2]);
/// assert_eq!(GlobalAveragePooling1D::new().try_apply(&x)?.to_vec(), vec![2.0, 15.0]);
/// let kept = GlobalAveragePooling1D::new().keepdims(true).try_apply(&x)?;
/// assert_eq!(kept.shape(), &[1, 1, 2]);
///
/// // ids 0 are padding: the mean of the embeddings of the real ids only
/// let mut model = Sequential::new()
///     .add(Embedding::new(5, 2).mask_zero(true))
///     .add(GlobalAveragePooling1D::new());
/// let ids = Tensor::from_vec(vec![3.0, 4.0, 0.0, 0.0], &[1, 4]);
/// model.build([4])?;
/// let table = model.all_weights()[0].1.value(); // the embeddings
/// let (row3, row4) = (table.index_select(0, &[3]), table.index_select(0, &[4]));
/// let expected = ((row3 + row4) / 2.0).to_vec();
/// let found = model.predict(&ids)?.to_vec();
/// assert!(found.iter().zip(&expected).all(|(a, b)| (a - b).abs() < 1e-6));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, T, C], masking = Self::masked)]
pub struct GlobalAveragePooling1D {
    /// Whether to keep the pooled axes with size 1; `false` by default.
    #[config(default = false)]
    pub keepdims: bool,
}

global_pooling!(GlobalAveragePooling1D, try_mean, [1]);

impl GlobalAveragePooling1D {
    /// The `#[layer(masking = …)]` of the layer: Keras 3's masked mean,
    /// `Σ where(mask, x, 0) / Σ mask` over the steps; the plain mean without a mask.
    fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        // The plain pass checks the input and builds the layer.
        self.forward(x)?;
        let (batch, steps) = (x.shape()[0], x.shape()[1]);
        crate::builtin::recurrent::check_mask(mask, batch, steps)?;
        // A sample with every step masked averages nothing: 0 here, where Keras divides
        // 0 by 0 (NaN).
        let counts = mask.try_sum(&[1], true)?.maximum(1.0);
        let mask = mask.unsqueeze(2);
        let kept = mask.try_select(x, 0.0)?;
        // counts are (batch, 1): (batch, 1, 1) against a kept axis
        let counts = if self.keepdims {
            counts.unsqueeze(2)
        } else {
            counts
        };
        let mean = kept.try_sum(&[1], self.keepdims)?.try_div(&counts)?;
        Ok((mean, None))
    }
}

/// Keras's `GlobalAveragePooling2D`: the mean over the pixels,
/// `(batch, h, w, c)` → `(batch, c)` (`(batch, 1, 1, c)` with `keepdims`).
///
/// # Errors
///
/// When called on an input that is not `(batch, h, w, c)`, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 6.0], &[1, 2, 2, 1]);
/// assert_eq!(GlobalAveragePooling2D::new().try_apply(&x)?.to_vec(), vec![3.0]);
/// let mut kept = GlobalAveragePooling2D::new().keepdims(true);
/// assert_eq!(kept.build([5, 5, 8])?, vec![1, 1, 8]);
/// let err = GlobalAveragePooling2D::new().build([5, 8]).unwrap_err();
/// assert!(err.to_string().contains("expects input of shape [B, H, W, C]"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C])]
pub struct GlobalAveragePooling2D {
    /// Whether to keep the pooled axes with size 1; `false` by default.
    #[config(default = false)]
    pub keepdims: bool,
}

global_pooling!(GlobalAveragePooling2D, try_mean, [1, 2]);

/// Keras's `GlobalMaxPooling1D`: the maximum over the steps,
/// `(batch, steps, c)` → `(batch, c)` (`(batch, 1, c)` with `keepdims`). The gradient
/// goes to the first maximum.
///
/// # Errors
///
/// When called on an input that is not `(batch, steps, c)`, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0, 10.0, 3.0, 20.0], &[1, 2, 2]);
/// assert_eq!(GlobalMaxPooling1D::new().try_apply(&x)?.to_vec(), vec![3.0, 20.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, T, C])]
pub struct GlobalMaxPooling1D {
    /// Whether to keep the pooled axes with size 1; `false` by default.
    #[config(default = false)]
    pub keepdims: bool,
}

global_pooling!(GlobalMaxPooling1D, try_max, [1]);

/// Keras's `GlobalMaxPooling2D`: the maximum over the pixels,
/// `(batch, h, w, c)` → `(batch, c)` (`(batch, 1, 1, c)` with `keepdims`).
///
/// # Errors
///
/// When called on an input that is not `(batch, h, w, c)`, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 6.0], &[1, 2, 2, 1]);
/// assert_eq!(GlobalMaxPooling2D::new().try_apply(&x)?.to_vec(), vec![6.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, H, W, C])]
pub struct GlobalMaxPooling2D {
    /// Whether to keep the pooled axes with size 1; `false` by default.
    #[config(default = false)]
    pub keepdims: bool,
}

global_pooling!(GlobalMaxPooling2D, try_max, [1, 2]);
