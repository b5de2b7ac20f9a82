//! The projections of multi-head attention, Keras's `EinsumDense` layers inside
//! `MultiHeadAttention`: [`SplitHeadsDense`] maps features to heads
//! (`"abc,cde->abde"`), [`MergeHeadsDense`] maps heads back to features (`"abcd,cde->abe"`).
//! Each is one GEMM over the flattened axes.
//!
//! ```
//! use layers_core::builtin::{MergeHeadsDense, SplitHeadsDense};
//! use layers_core::prelude::*;
//! let split = SplitHeadsDense::new(4, 8);
//! let heads = split.apply(&Tensor::ones(&[2, 5, 16]));
//! assert_eq!(heads.shape(), &[2, 5, 4, 8]);
//! let merge = MergeHeadsDense::new(16usize);
//! assert_eq!(merge.apply(&heads).shape(), &[2, 5, 16]);
//! ```

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::Call;
use crate::layer::config::{ConfigValue, check_initializer, check_size};
use crate::{Layer, Tensor, Weight};

/// A dense projection of the last axis to `heads` heads of `units` each:
/// `(batch, …, features)` → `(batch, …, heads, units)`, kernel `(features, heads, units)`
/// and bias `(heads, units)` as Keras's `EinsumDense("abc,cde->abde")` in
/// `MultiHeadAttention` (its `query`, `key` and `value` sublayers).
///
/// Defaults as Keras's: a bias, kernel `glorot_uniform` with Keras 3's `EinsumDense` fans
/// (`fan_in = features`, `fan_out = heads · units`: [`Initializer::with_fan_axes`]), bias
/// `zeros`.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::SplitHeadsDense;
/// use layers_core::prelude::*;
/// let mut q = SplitHeadsDense::new(2, 3);
/// assert_eq!(q.build([7, 4])?, vec![7, 2, 3]);
/// assert_eq!(q.kernel.value().shape(), &[4, 2, 3]);
/// assert_eq!(q.count_params()?, 4 * 2 * 3 + 2 * 3);
/// let err = SplitHeadsDense::new(0, 3).build([7, 4]).unwrap_err();
/// assert!(err.to_string().ends_with("`heads` must be a positive integer, got 0"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [.., IN], output = [.., heads, units], validate = Self::validate_config)]
pub struct SplitHeadsDense {
    /// The number of heads.
    pub heads: usize,
    /// The size of each head.
    pub units: usize,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// The `(features, heads, units)` kernel.
    #[weight(shape = [input[-1], heads, units], init = kernel_initializer.clone().with_fan_axes(1))]
    pub kernel: Weight,
    /// The `(heads, units)` bias, present when `use_bias`.
    #[weight(shape = [heads, units], init = bias_initializer.clone(), enabled = use_bias)]
    pub bias: Weight,
}

impl SplitHeadsDense {
    fn validate_config(&self) -> Result<()> {
        check_size("heads", self.heads)?;
        check_size("units", self.units)?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl Call for SplitHeadsDense {
    fn call(&self, x: &Tensor) -> Tensor {
        let features = x.shape()[x.rank() - 1];
        let kernel = self
            .kernel
            .value()
            .reshape(&[features, self.heads * self.units]);
        let mut shape = x.shape()[..x.rank() - 1].to_vec();
        shape.extend([self.heads, self.units]);
        let y = x.matmul(&kernel).reshape(&shape);
        if self.use_bias { y + &self.bias } else { y }
    }
}

/// The output size of a [`MergeHeadsDense`]: given (`OutputUnits::from(64)`), or left to the
/// layer that owns the projection, which sets it before the first call with
/// [`OutputUnits::set_from_owner`] — as Keras's `MultiHeadAttention` makes its output
/// projection as wide as its query when `output_shape` is `None`.
///
/// In a config it is the size, or `null` when left to the owner.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::OutputUnits;
/// let fixed = OutputUnits::from(8);
/// assert_eq!(fixed.get(), Some(8));
/// let open = OutputUnits::default();
/// assert_eq!(open.get(), None);
/// open.set_from_owner(16);
/// assert_eq!(open.get(), Some(16));
/// ```
#[derive(Clone, Debug, Default)]
pub struct OutputUnits {
    given: Option<usize>,
    from_owner: OnceLock<usize>,
}

impl OutputUnits {
    /// The size: the given one, else the owner's, else `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::OutputUnits;
    /// assert_eq!(OutputUnits::from(Some(3)).get(), Some(3));
    /// ```
    pub fn get(&self) -> Option<usize> {
        self.given.or_else(|| self.from_owner.get().copied())
    }

    /// The size chosen by the owning layer, used when none was given; the first call wins
    /// (later ones are ignored: the weights are built from it).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::OutputUnits;
    /// let u = OutputUnits::from(4);
    /// u.set_from_owner(9);
    /// assert_eq!(u.get(), Some(4)); // a given size stays
    /// ```
    pub fn set_from_owner(&self, size: usize) {
        let _ = self.from_owner.set(size);
    }

    /// The size, or the error for a projection whose size nobody chose.
    fn size(&self) -> Result<usize> {
        self.get().ok_or_else(|| Error::InvalidConfig {
            field: "units".into(),
            message: "must be given when no owning layer sets it, got None".into(),
        })
    }
}

impl From<usize> for OutputUnits {
    fn from(size: usize) -> Self {
        OutputUnits {
            given: Some(size),
            from_owner: OnceLock::new(),
        }
    }
}

impl From<Option<usize>> for OutputUnits {
    fn from(size: Option<usize>) -> Self {
        OutputUnits {
            given: size,
            from_owner: OnceLock::new(),
        }
    }
}

impl ConfigValue for OutputUnits {
    fn to_config(&self) -> serde_json::Value {
        self.given.to_config()
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        Option::<usize>::from_config(value).map(OutputUnits::from)
    }
}

/// A dense projection of heads back to features: `(batch, …, heads, head_size)` →
/// `(batch, …, units)`, kernel `(heads, head_size, units)` and bias `(units,)` as Keras's
/// `EinsumDense("abcd,cde->abe")` in `MultiHeadAttention` (its `attention_output`
/// sublayer).
///
/// `units` may be left to the owning layer ([`OutputUnits`]); otherwise defaults as
/// [`SplitHeadsDense`]'s.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::MergeHeadsDense;
/// use layers_core::prelude::*;
/// let mut out = MergeHeadsDense::new(5usize);
/// assert_eq!(out.build([7, 2, 3])?, vec![7, 5]);
/// assert_eq!(out.kernel.value().shape(), &[2, 3, 5]);
/// let err = MergeHeadsDense::new(None::<usize>).build([7, 2, 3]).unwrap_err();
/// assert!(err.to_string().ends_with("`units` must be given when no owning layer sets it, got None"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(validate = Self::validate_config)]
pub struct MergeHeadsDense {
    /// The number of output features.
    pub units: OutputUnits,
    /// Whether to add a bias.
    #[config(default = true)]
    pub use_bias: bool,
    /// Fills the kernel; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the bias; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// The `(heads, head_size, units)` kernel.
    #[weight(shape = [input[-2], input[-1], units.size()?], init = kernel_initializer.clone().with_fan_axes(2))]
    pub kernel: Weight,
    /// The `(units,)` bias, present when `use_bias`.
    #[weight(shape = [units.size()?], init = bias_initializer.clone(), enabled = use_bias)]
    pub bias: Weight,
}

impl MergeHeadsDense {
    fn validate_config(&self) -> Result<()> {
        check_size("units", self.units.size()?)?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }
}

impl Call for MergeHeadsDense {
    fn call(&self, x: &Tensor) -> Tensor {
        let kernel = self.kernel.value();
        let (heads, size, units) = (kernel.shape()[0], kernel.shape()[1], kernel.shape()[2]);
        let lead = &x.shape()[..x.rank() - 2];
        let flat: Vec<usize> = lead.iter().copied().chain([heads * size]).collect();
        let out: Vec<usize> = lead.iter().copied().chain([units]).collect();
        let y = x
            .reshape(&flat)
            .matmul(kernel.reshape(&[heads * size, units]))
            .reshape(&out);
        if self.use_bias { y + &self.bias } else { y }
    }
}
