//! Layers that resize images without weights, as Keras's: [`ZeroPadding2D`] adds rows and
//! columns of zeros, [`UpSampling2D`] repeats rows and columns. Channels last:
//! `(batch, height, width, channels)`.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut pad = ZeroPadding2D::new();
//! assert_eq!(pad.build([28, 28, 1])?, vec![30, 30, 1]);
//! let mut up = UpSampling2D::new();
//! assert_eq!(up.build([7, 7, 16])?, vec![14, 14, 16]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Shapes: both signatures are checked by the compiler for their rank and channels,
//! `(B, H, W, C)` → `(B, usize, usize, C)`; the new height and width are sums and
//! products of run-time config values, known when the model is built.

use crate::Layer;
use crate::builtin::pooling::check_rank;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::{ConfigValue, check_size, expected};
use crate::tensor::Tensor;
use crate::typed::{NoCheck, Shape, StaticLayer};

/// The rows and columns [`ZeroPadding2D`] adds: `((top, bottom), (left, right))` as Keras
/// writes it. Made from one size for all four sides (`1`), a `(rows, columns)` pair for
/// symmetric padding (`(1, 2)`), or the four sizes; in a config it is
/// `[[top, bottom], [left, right]]`, and an integer or a pair is read too.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::SpatialPadding;
/// use layers_core::layer::config::ConfigValue;
/// let p = SpatialPadding::from((1, 2));
/// assert_eq!(p, SpatialPadding { top: 1, bottom: 1, left: 2, right: 2 });
/// assert_eq!(p.to_config(), serde_json::json!([[1, 1], [2, 2]]));
/// assert_eq!(SpatialPadding::from(((0, 1), (2, 3))).right, 3);
/// assert_eq!(SpatialPadding::from_config(&serde_json::json!(3)), Ok(SpatialPadding::from(3)));
/// assert!(SpatialPadding::from_config(&serde_json::json!([1, 2, 3])).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpatialPadding {
    /// Rows of zeros added above.
    pub top: usize,
    /// Rows of zeros added below.
    pub bottom: usize,
    /// Columns of zeros added on the left.
    pub left: usize,
    /// Columns of zeros added on the right.
    pub right: usize,
}

impl From<usize> for SpatialPadding {
    fn from(n: usize) -> Self {
        SpatialPadding::from((n, n))
    }
}

impl From<(usize, usize)> for SpatialPadding {
    fn from((rows, cols): (usize, usize)) -> Self {
        SpatialPadding::from(((rows, rows), (cols, cols)))
    }
}

impl From<((usize, usize), (usize, usize))> for SpatialPadding {
    fn from(((top, bottom), (left, right)): ((usize, usize), (usize, usize))) -> Self {
        SpatialPadding {
            top,
            bottom,
            left,
            right,
        }
    }
}

impl ConfigValue for SpatialPadding {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!([[self.top, self.bottom], [self.left, self.right]])
    }

    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let wanted = "a size, [rows, columns] or [[top, bottom], [left, right]]";
        if let Ok(n) = usize::from_config(value) {
            return Ok(n.into());
        }
        if let Ok([rows, cols]) = <[usize; 2]>::from_config(value) {
            return Ok((rows, cols).into());
        }
        match <[[usize; 2]; 2]>::from_config(value) {
            Ok([[top, bottom], [left, right]]) => Ok(((top, bottom), (left, right)).into()),
            Err(_) => Err(expected(wanted, value)),
        }
    }
}

/// Keras's `ZeroPadding2D`: adds rows and columns of zeros around each image,
/// `(batch, h, w, c)` → `(batch, top + h + bottom, left + w + right, c)`. `padding` is 1 on
/// every side by default; set it with a size, a `(rows, columns)` pair or
/// `((top, bottom), (left, right))`.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, h, w, c)`, naming the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let pad = ZeroPadding2D::new().padding(((1, 0), (0, 2)));
/// let x = Tensor::ones(&[1, 1, 1, 1]);
/// let y = pad.try_apply(&x)?;
/// assert_eq!(y.shape(), &[1, 2, 3, 1]);
/// assert_eq!(y.to_vec(), vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
/// assert_eq!(pad.config()["padding"], serde_json::json!([[1, 0], [0, 2]]));
/// let err = ZeroPadding2D::new().build([3, 3]).unwrap_err();
/// assert!(err.to_string().contains("expects input of shape [B, H, W, C]"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape)]
pub struct ZeroPadding2D {
    /// The rows and columns to add; 1 on every side by default.
    #[config(default = SpatialPadding::from(1))]
    pub padding: SpatialPadding,
}

impl TryCall for ZeroPadding2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("ZeroPadding2D", "[B, H, W, C]", x)?;
        let p = self.padding;
        x.try_pad(&[(0, 0), (p.top, p.bottom), (p.left, p.right), (0, 0)], 0.0)
    }
}

impl StaticLayer for ZeroPadding2D {
    type Input<In: Shape> = (In::D0, In::D1, In::D2, In::D3);
    type Output<In: Shape> = (In::D0, usize, usize, In::D3);
    type Check<In: Shape> = NoCheck;
}

/// Keras's `UpSampling2D`: repeats each row `size.0` times and each column `size.1` times,
/// `(batch, h, w, c)` → `(batch, h·rows, w·cols, c)`, with `nearest` interpolation (the
/// only one supported; Keras's `bilinear` and others are refused when the layer is built).
/// The gradient of each input pixel is the sum over its copies.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, h, w, c)`; when built with a
/// zero `size` or an interpolation other than `nearest`. Each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let up = UpSampling2D::new().size((1, 2));
/// let x = Tensor::from_vec(vec![1.0, 2.0], &[1, 1, 2, 1]);
/// assert_eq!(up.try_apply(&x)?.to_vec(), vec![1.0, 1.0, 2.0, 2.0]);
/// let err = UpSampling2D::new().interpolation("bilinear").build([2, 2, 1]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `up_sampling2d` (UpSampling2D): `interpolation` must be \"nearest\" (the only \
///      one supported), got \"bilinear\""
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct UpSampling2D {
    /// How many times each row and each column is repeated; `(2, 2)` by default.
    #[config(default = (2, 2))]
    pub size: (usize, usize),
    /// `"nearest"`, the default and the only one supported.
    #[config(default = String::from("nearest"))]
    pub interpolation: String,
}

impl UpSampling2D {
    fn validate_config(&self) -> Result<()> {
        check_size("size", self.size.0)?;
        check_size("size", self.size.1)?;
        if self.interpolation != "nearest" {
            return Err(Error::InvalidConfig {
                field: "interpolation".into(),
                message: format!(
                    "must be \"nearest\" (the only one supported), got {:?}",
                    self.interpolation
                ),
            });
        }
        Ok(())
    }
}

/// `0, 0, …, 1, 1, …`: each index of an axis of `n` repeated `times` times.
pub(crate) fn repeated(n: usize, times: usize) -> Vec<usize> {
    (0..n).flat_map(|i| std::iter::repeat_n(i, times)).collect()
}

impl TryCall for UpSampling2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("UpSampling2D", "[B, H, W, C]", x)?;
        let (h, w) = (x.shape()[1], x.shape()[2]);
        // The output (and the index lists) refused before allocating when too large.
        let grown = |n: usize, times: usize| n.saturating_mul(times);
        let out = [
            x.shape()[0],
            grown(h, self.size.0),
            grown(w, self.size.1),
            x.shape()[3],
        ];
        use crate::tensor::shape::checked_size;
        checked_size(
            || "`UpSampling2D`'s output".to_string(),
            &out,
            size_of::<f32>(),
        )?;
        for (n, times) in [(h, self.size.0), (w, self.size.1)] {
            checked_size(
                || "`UpSampling2D`'s row indices".to_string(),
                &[n, times],
                size_of::<usize>(),
            )?;
        }
        let rows = x.try_index_select(1, &repeated(h, self.size.0))?;
        rows.try_index_select(2, &repeated(w, self.size.1))
    }
}

impl StaticLayer for UpSampling2D {
    type Input<In: Shape> = (In::D0, In::D1, In::D2, In::D3);
    type Output<In: Shape> = (In::D0, usize, usize, In::D3);
    type Check<In: Shape> = NoCheck;
}
