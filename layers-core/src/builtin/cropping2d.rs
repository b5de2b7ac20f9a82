//! [`Cropping2D`]: Keras's layer that removes rows and columns at the edges of each image,
//! channels last, `(batch, height, width, channels)`.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut crop = Cropping2D::new().cropping(((2, 2), (4, 4)));
//! assert_eq!(crop.build([28, 28, 3])?, vec![24, 20, 3]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use crate::Layer;
use crate::builtin::pooling::check_rank;
use crate::builtin::spatial::SpatialPadding;
use crate::builtin::spatial1d::check_channels_last;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::tensor::Tensor;
use crate::typed::{NoCheck, Shape, StaticLayer};

/// Keras's `Cropping2D`: removes rows and columns at the edges of each image,
/// `(batch, h, w, c)` → `(batch, h − top − bottom, w − left − right, c)`. `cropping` is
/// the same type as [`ZeroPadding2D`](crate::ZeroPadding2D)'s `padding`,
/// `((top, bottom), (left, right))`, made from one size for all four sides, a
/// `(rows, columns)` pair or the four sizes; nothing is cropped by default, as in Keras.
/// Like Keras's, it takes no mask.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, h, w, c)`, or whose height or
/// width is not more than what is cropped from it (nothing would be left); when built with
/// a `data_format` other than `"channels_last"`. Each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let crop = Cropping2D::new().cropping(((1, 0), (0, 1)));
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0, 4.0], &[1, 2, 2, 1]);
/// assert_eq!(crop.try_apply(&x)?.to_vec(), vec![3.0]);
/// assert_eq!(
///     crop.config(),
///     serde_json::json!({"cropping": [[1, 0], [0, 1]], "data_format": "channels_last"})
/// );
///
/// let err = Cropping2D::new().cropping((1, 2)).build([3, 4, 1]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `cropping2d` (Cropping2D): its call failed for input shape (None, 3, 4, 1): \
///      `Cropping2D`: `cropping` [[1, 1], [2, 2]] must remove fewer than the input's 3 rows \
///      and 4 columns"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct Cropping2D {
    /// The rows and columns to remove; none by default.
    #[config(default = SpatialPadding::from(0))]
    pub cropping: SpatialPadding,
    /// `"channels_last"`, the default and the only one supported.
    #[config(default = String::from("channels_last"))]
    pub data_format: String,
}

impl Cropping2D {
    fn validate_config(&self) -> Result<()> {
        check_channels_last(&self.data_format)
    }
}

impl TryCall for Cropping2D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("Cropping2D", "[B, H, W, C]", x)?;
        let (h, w) = (x.shape()[1], x.shape()[2]);
        let c = self.cropping;
        let rows = c.top.saturating_add(c.bottom);
        let cols = c.left.saturating_add(c.right);
        if rows >= h || cols >= w {
            return Err(Error::invalid(
                "Cropping2D",
                format!(
                    "`cropping` [[{}, {}], [{}, {}]] must remove fewer than the input's {h} rows \
                     and {w} columns",
                    c.top, c.bottom, c.left, c.right
                ),
            ));
        }
        x.try_narrow(1, c.top, h - rows)?
            .try_narrow(2, c.left, w - cols)
    }
}

impl StaticLayer for Cropping2D {
    type Input<In: Shape> = (In::D0, In::D1, In::D2, In::D3);
    type Output<In: Shape> = (In::D0, usize, usize, In::D3);
    type Check<In: Shape> = NoCheck;
}
