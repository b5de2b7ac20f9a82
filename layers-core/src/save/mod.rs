//! Saving and loading weights: a [safetensors](https://huggingface.co/docs/safetensors) file
//! with one little-endian `F32` tensor per weight, named by the weight's path
//! (`dense_1.kernel`), written atomically and read with every check done before any weight
//! changes. [`LayerExt::save_weights`](crate::layer::LayerExt::save_weights) and
//! [`LayerExt::load_weights`](crate::layer::LayerExt::load_weights) are the usual way in;
//! [`SavedWeights`] reads and writes such files without a layer.
//!
//! A weights file is data only: its header is JSON that names tensors, their dtype, shape
//! and place in the file, and three metadata strings ([`FORMAT`], [`FORMAT_VERSION`] and
//! the library's version). Nothing in it is ever run, imported or followed.
//!
//! ```
//! use layers_core::prelude::*;
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("model.safetensors");
//! let mut model = Sequential::new().seed(1).add(Dense::new(4)).add(Dense::new(2));
//! model.build([3])?;
//! model.save_weights(&path)?;
//!
//! let mut copy = Sequential::new().seed(2).add(Dense::new(4)).add(Dense::new(2));
//! copy.build([3])?;
//! copy.load_weights(&path)?;
//! let x = Tensor::ones(&[1, 3]);
//! assert_eq!(copy.predict(&x)?.to_vec(), model.predict(&x)?.to_vec());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
mod header;
mod weights;

pub use weights::SavedWeights;
pub(crate) use weights::read_into;

use crate::error::{Error, WeightsProblem};

/// The format name written in every weights file's metadata, under `format`.
///
/// # Examples
///
/// ```
/// use layers_core::save::{FORMAT, SavedWeights};
/// let file = SavedWeights::new(Vec::new())?;
/// assert_eq!(file.metadata()["format"], FORMAT);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub const FORMAT: &str = "layers.weights";

/// The format name in the metadata of a whole model's file (`save`): its weights under
/// their paths, as in a weights file, the optimizer's state under [`OPTIMIZER_PREFIX`], and
/// the architecture and training state as JSON under the `config` and `training` keys.
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::save::MODEL_FORMAT, "layers.model");
/// ```
pub const MODEL_FORMAT: &str = "layers.model";

/// The prefix of the optimizer's state in a model file: `optimizer/dense.kernel/m` is
/// Adam's first moment of weight `dense.kernel`.
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::save::OPTIMIZER_PREFIX, "optimizer/");
/// ```
pub const OPTIMIZER_PREFIX: &str = "optimizer/";

/// The version of the weights format written under `format_version`; a file giving another
/// one is refused ([`WeightsProblem::Version`]), a file giving none (written by another
/// library) is read.
///
/// # Examples
///
/// ```
/// use layers_core::save::{FORMAT_VERSION, SavedWeights};
/// let file = SavedWeights::new(Vec::new())?;
/// assert_eq!(file.metadata()["format_version"], FORMAT_VERSION);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub const FORMAT_VERSION: &str = "1";

/// The largest header read, in bytes: 100 MB, as the safetensors crate and its Python
/// package allow. A file stating a longer one is refused before anything else is read.
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::save::MAX_HEADER_BYTES, 100_000_000);
/// ```
pub const MAX_HEADER_BYTES: u64 = 100_000_000;

/// The header key under which safetensors keeps its string-to-string metadata.
const METADATA_KEY: &str = "__metadata__";

/// How weights are loaded: by default, NaN and infinite values are refused.
///
/// # Examples
///
/// ```
/// use layers_core::save::LoadOptions;
/// assert!(!LoadOptions::new().allows_non_finite());
/// assert!(LoadOptions::new().allow_non_finite(true).allows_non_finite());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    allow_non_finite: bool,
}

impl LoadOptions {
    /// The defaults: NaN and infinite values are refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::save::LoadOptions;
    /// assert_eq!(LoadOptions::new(), LoadOptions::default());
    /// ```
    pub fn new() -> LoadOptions {
        LoadOptions::default()
    }

    /// Whether NaN and infinite values are loaded (`true`) or refused as
    /// [`WeightsProblem::NonFinite`] (`false`, the default). A weight that diverged in
    /// training holds such values; loading one is rarely what is meant, so it takes this
    /// call.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Tensor;
    /// use layers_core::save::{LoadOptions, SavedWeights};
    ///
    /// let bytes = SavedWeights::new(vec![("w".into(), Tensor::from_vec(vec![f32::NAN], &[1]))])?
    ///     .to_bytes()?;
    /// assert!(SavedWeights::from_bytes(&bytes, LoadOptions::new()).is_err());
    /// let file = SavedWeights::from_bytes(&bytes, LoadOptions::new().allow_non_finite(true))?;
    /// assert!(file.get("w").unwrap().to_vec()[0].is_nan());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn allow_non_finite(mut self, allow: bool) -> LoadOptions {
        self.allow_non_finite = allow;
        self
    }

    /// Whether NaN and infinite values are loaded.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::save::LoadOptions;
    /// assert!(!LoadOptions::new().allows_non_finite());
    /// ```
    pub fn allows_non_finite(&self) -> bool {
        self.allow_non_finite
    }
}

/// The error for a problem of the weights file `path` (and of its `tensor`, if one).
fn problem(path: &str, tensor: Option<&str>, problem: WeightsProblem) -> Error {
    Error::WeightsFile {
        path: path.to_string(),
        tensor: tensor.map(str::to_string),
        problem,
    }
}
