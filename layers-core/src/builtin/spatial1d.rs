//! Layers that resize sequences without weights, as Keras's: [`ZeroPadding1D`] adds steps
//! of zeros, [`Cropping1D`] removes steps, [`UpSampling1D`] repeats steps. Channels last:
//! `(batch, steps, features)`.
//!
//! ```
//! use layers_core::prelude::*;
//! assert_eq!(ZeroPadding1D::new().build([10, 4])?, vec![12, 4]);
//! assert_eq!(Cropping1D::new().cropping((2, 3)).build([10, 4])?, vec![5, 4]);
//! assert_eq!(UpSampling1D::new().build([10, 4])?, vec![20, 4]);
//! # Ok::<(), layers_core::Error>(())
//! ```
//!
//! Shapes: the signatures are checked by the compiler for their rank and features,
//! `(B, T, F)` → `(B, usize, F)`; the new number of steps is known when the model is built.

use crate::Layer;
use crate::builtin::pooling::check_rank;
use crate::builtin::spatial::repeated;
use crate::error::{Error, Result};
use crate::layer::TryCall;
use crate::layer::config::{ConfigValue, check_size, expected};
use crate::tensor::Tensor;
use crate::typed::{NoCheck, Shape, StaticLayer};

/// What is added or removed at the two ends of an axis: `(before, after)` as Keras writes
/// it. Made from one size for both ends (`1`) or a pair (`(1, 2)`); in a config it is
/// `[before, after]`, and an integer is read too.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::Margin;
/// use layers_core::layer::config::ConfigValue;
/// assert_eq!(Margin::from(2), Margin { before: 2, after: 2 });
/// assert_eq!(Margin::from((0, 3)).to_config(), serde_json::json!([0, 3]));
/// assert_eq!(Margin::from_config(&serde_json::json!(1)), Ok(Margin::from(1)));
/// assert!(Margin::from_config(&serde_json::json!([1, 2, 3])).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Margin {
    /// The steps at the start.
    pub before: usize,
    /// The steps at the end.
    pub after: usize,
}

impl Margin {
    /// `before + after`, saturating.
    ///
    /// ```
    /// assert_eq!(layers_core::builtin::Margin::from((1, 2)).total(), 3);
    /// ```
    pub fn total(&self) -> usize {
        self.before.saturating_add(self.after)
    }
}

impl From<usize> for Margin {
    fn from(n: usize) -> Self {
        Margin::from((n, n))
    }
}

impl From<(usize, usize)> for Margin {
    fn from((before, after): (usize, usize)) -> Self {
        Margin { before, after }
    }
}

impl ConfigValue for Margin {
    fn to_config(&self) -> serde_json::Value {
        serde_json::json!([self.before, self.after])
    }

    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        if let Ok(n) = usize::from_config(value) {
            return Ok(n.into());
        }
        match <[usize; 2]>::from_config(value) {
            Ok([before, after]) => Ok((before, after).into()),
            Err(_) => Err(expected("a size or [before, after]", value)),
        }
    }
}

/// Refuses a `data_format` other than Keras's `"channels_last"`, the only one supported.
pub(crate) fn check_channels_last(data_format: &str) -> Result<()> {
    if data_format != "channels_last" {
        return Err(Error::InvalidConfig {
            field: "data_format".into(),
            message: format!(
                "must be \"channels_last\" (the only one supported), got {data_format:?}"
            ),
        });
    }
    Ok(())
}

/// Keras's `ZeroPadding1D`: adds steps of zeros at both ends of each sequence,
/// `(batch, steps, features)` → `(batch, before + steps + after, features)`. `padding` is
/// 1 at each end by default; set it with a size or a `(before, after)` pair. Like Keras's,
/// it takes no mask.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, steps, features)`, or built
/// with a `data_format` other than `"channels_last"`; each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let pad = ZeroPadding1D::new().padding((1, 2));
/// let y = pad.try_apply(&Tensor::ones(&[1, 1, 1]))?;
/// assert_eq!(y.to_vec(), vec![0.0, 1.0, 0.0, 0.0]);
/// assert_eq!(
///     pad.config(),
///     serde_json::json!({"padding": [1, 2], "data_format": "channels_last"})
/// );
/// let err = ZeroPadding1D::new().build([3]).unwrap_err();
/// assert!(err.to_string().contains("`ZeroPadding1D` expects input of shape [B, T, C]"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct ZeroPadding1D {
    /// The steps of zeros to add at the start and at the end; 1 and 1 by default.
    #[config(default = Margin::from(1))]
    pub padding: Margin,
    /// `"channels_last"`, the default and the only one supported.
    #[config(default = String::from("channels_last"))]
    pub data_format: String,
}

impl ZeroPadding1D {
    fn validate_config(&self) -> Result<()> {
        check_channels_last(&self.data_format)
    }
}

impl TryCall for ZeroPadding1D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("ZeroPadding1D", "[B, T, C]", x)?;
        let p = self.padding;
        x.try_pad(&[(0, 0), (p.before, p.after), (0, 0)], 0.0)
    }
}

/// Keras's `Cropping1D`: removes steps at both ends of each sequence,
/// `(batch, steps, features)` → `(batch, steps − before − after, features)`. `cropping` is
/// 1 at each end by default; set it with a size or a `(before, after)` pair. Like Keras's,
/// it takes no mask.
///
/// # Errors
///
/// When called (or built) on an input that is not `(batch, steps, features)`, or whose
/// steps are not more than `before + after` (nothing would be left); each error names the
/// layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let crop = Cropping1D::new().cropping((1, 0));
/// let y = crop.try_apply(&Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3, 1]))?;
/// assert_eq!(y.to_vec(), vec![2.0, 3.0]);
/// assert_eq!(crop.config(), serde_json::json!({"cropping": [1, 0]}));
///
/// let err = Cropping1D::new().cropping(2).build([4, 1]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `cropping1d` (Cropping1D): its call failed for input shape (None, 4, 1): \
///      `Cropping1D`: `cropping` [2, 2] must remove fewer than the input's 4 steps"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape)]
pub struct Cropping1D {
    /// The steps to remove at the start and at the end; 1 and 1 by default.
    #[config(default = Margin::from(1))]
    pub cropping: Margin,
}

impl TryCall for Cropping1D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("Cropping1D", "[B, T, C]", x)?;
        let steps = x.shape()[1];
        let c = self.cropping;
        if c.total() >= steps {
            return Err(Error::invalid(
                "Cropping1D",
                format!(
                    "`cropping` [{}, {}] must remove fewer than the input's {steps} steps",
                    c.before, c.after
                ),
            ));
        }
        x.try_narrow(1, c.before, steps - c.total())
    }
}

/// Keras's `UpSampling1D`: repeats each step `size` times, `(batch, steps, features)` →
/// `(batch, steps·size, features)`. The gradient of each input step is the sum over its
/// copies. Like Keras's, it takes no mask.
///
/// # Errors
///
/// When built with a zero `size`, or called (or built) on an input that is not
/// `(batch, steps, features)`; each error names the layer.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let up = UpSampling1D::new().size(3);
/// let y = up.try_apply(&Tensor::from_vec(vec![1.0, 2.0], &[1, 2, 1]))?;
/// assert_eq!(y.to_vec(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
/// assert_eq!(up.config(), serde_json::json!({"size": 3}));
/// let err = UpSampling1D::new().size(0).build([2, 1]).unwrap_err();
/// assert!(err.to_string().ends_with("`size` must be a positive integer, got 0"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(custom_shape, validate = Self::validate_config)]
pub struct UpSampling1D {
    /// How many times each step is repeated; 2 by default.
    #[config(default = 2)]
    pub size: usize,
}

impl UpSampling1D {
    fn validate_config(&self) -> Result<()> {
        check_size("size", self.size)
    }
}

impl TryCall for UpSampling1D {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        check_rank("UpSampling1D", "[B, T, C]", x)?;
        let steps = x.shape()[1];
        use crate::tensor::shape::checked_size;
        let out = [x.shape()[0], steps.saturating_mul(self.size), x.shape()[2]];
        checked_size(
            || "`UpSampling1D`'s output".to_string(),
            &out,
            size_of::<f32>(),
        )?;
        checked_size(
            || "`UpSampling1D`'s step indices".to_string(),
            &[steps, self.size],
            size_of::<usize>(),
        )?;
        x.try_index_select(1, &repeated(steps, self.size))
    }
}

macro_rules! sequence_shape {
    ($($layer:ty),*) => {$(
        impl StaticLayer for $layer {
            type Input<In: Shape> = (In::D0, In::D1, In::D2);
            type Output<In: Shape> = (In::D0, usize, In::D2);
            type Check<In: Shape> = NoCheck;
        }
    )*};
}

sequence_shape!(ZeroPadding1D, Cropping1D, UpSampling1D);
