//! The error type of `layers-core` and its `Result` alias.
//!
//! ```
//! use layers_core::{Error, Tensor};
//!
//! let a = Tensor::zeros(&[2, 3]);
//! let b = Tensor::zeros(&[4, 5]);
//! let err = a.try_matmul(&b).unwrap_err();
//! assert!(matches!(err, Error::IncompatibleShapes { .. }));
//! assert_eq!(
//!     err.to_string(),
//!     "`matmul` cannot combine shapes [2, 3] and [4, 5]: inner dimensions 3 and 4 differ"
//! );
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Result alias used throughout `layers-core`.
///
/// # Examples
///
/// ```
/// fn width(x: &layers_core::Tensor) -> layers_core::Result<usize> {
///     Ok(x.try_reshape(&[x.len()])?.len())
/// }
/// assert_eq!(width(&layers_core::Tensor::ones(&[2, 3]))?, 6);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A tensor's shape, every axis known (the batch axis too, if it has one), written the way
/// users read it: `[2, 3]`. The sizes are the public field.
///
/// # Examples
///
/// ```
/// use layers_core::error::Shape;
/// let shape = Shape::from(&[2usize, 3][..]);
/// assert_eq!(shape.to_string(), "[2, 3]");
/// assert_eq!(shape.0, [2, 3]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub Vec<usize>);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A per-sample shape under a batch axis of any size, written Keras style: `(None, 32)`.
/// The public field holds the per-sample sizes only (`[32]`); the batch axis is implied.
/// A model's input and output shapes, and a layer's input in [`Error::Call`], are of this
/// kind.
///
/// # Examples
///
/// ```
/// use layers_core::error::BatchShape;
/// let shape = BatchShape::from(&[28usize, 28][..]);
/// assert_eq!(shape.to_string(), "(None, 28, 28)");
/// assert_eq!(shape.0, [28, 28]);
/// assert_eq!(BatchShape::default().to_string(), "(None,)");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct BatchShape(pub Vec<usize>);

impl fmt::Display for BatchShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(None,)");
        }
        f.write_str("(None")?;
        for d in &self.0 {
            write!(f, ", {d}")?;
        }
        f.write_str(")")
    }
}

/// What [`Shape`] and [`BatchShape`] share besides their field: `Debug` as `Display`, and
/// construction from sizes.
macro_rules! shape_impls {
    ($($shape:ident),*) => {$(
        impl fmt::Debug for $shape {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl From<&[usize]> for $shape {
            fn from(dims: &[usize]) -> Self {
                $shape(dims.to_vec())
            }
        }

        impl From<Vec<usize>> for $shape {
            fn from(dims: Vec<usize>) -> Self {
                $shape(dims)
            }
        }
    )*};
}

shape_impls!(Shape, BatchShape);

/// The operating system's error behind an [`Error::Io`], shared so that [`Error`] stays
/// `Clone`. It dereferences to the [`std::io::Error`], so `cause.kind()` tells a missing
/// file from a refused permission. Two are equal when they have the same kind and message.
///
/// # Examples
///
/// ```
/// use layers_core::{Error, data::Dataset};
/// use std::io::ErrorKind;
///
/// let err = Dataset::load_csv("no/such/file.csv").unwrap_err();
/// let Error::Io { cause, .. } = &err else { panic!("{err:?}") };
/// assert_eq!(cause.kind(), ErrorKind::NotFound);
/// ```
#[derive(Clone, Debug)]
pub struct IoError(Arc<io::Error>);

impl std::ops::Deref for IoError {
    type Target = io::Error;

    fn deref(&self) -> &io::Error {
        &self.0
    }
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
            || (self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string())
    }
}

impl From<io::Error> for IoError {
    fn from(error: io::Error) -> Self {
        IoError(Arc::new(error))
    }
}

/// Everything that can go wrong in `layers-core`, each variant with the context a user needs
/// to fix it (the op or weight, the expected and the found shapes, the unknown name).
///
/// Every message is whole: a wrapper ([`Error::Layer`], [`Error::Call`]) and [`Error::Io`]
/// print their cause in their own message, so [`source`](std::error::Error::source) returns
/// `None` and a reporter that walks the chain (anyhow's `{:#}`, eyre) prints each sentence
/// once. Code reaches the inner error through the `cause` field or
/// [`Error::root_cause`]. Shapes are [`Shape`] (every axis known: `[2, 3]`) or
/// [`BatchShape`] (per-sample, under a batch axis of any size: `(None, 32)`), so a program
/// can read the sizes.
///
/// # Examples
///
/// ```
/// use layers_core::{Error, Initializer};
///
/// let err = Initializer::from_name("glorot").unwrap_err();
/// assert!(matches!(err, Error::UnknownName { kind: "initializer", .. }));
/// assert!(err.to_string().contains("glorot_uniform"));
/// assert!(std::error::Error::source(&err).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands of an op have shapes that cannot be combined: an elementwise op whose
    /// shapes do not broadcast, a `matmul` whose inner dimensions differ.
    #[error("`{op}` cannot combine shapes {lhs} and {rhs}: {reason}")]
    IncompatibleShapes {
        /// The op, e.g. `add` or `matmul`.
        op: &'static str,
        /// Shape of the left operand.
        lhs: Shape,
        /// Shape of the right operand.
        rhs: Shape,
        /// Why they do not fit, e.g. "inner dimensions 3 and 4 differ".
        reason: String,
    },
    /// An op got an input of the wrong shape: `reshape` or `from_vec` to another number of
    /// values, `backward` or `item` on more than one value, `transpose` of fewer than two
    /// axes, a [`TypedTensor`](crate::typed::TypedTensor) of another shape, a layer whose
    /// `call` returned another shape than its signature or `output_shape` says.
    #[error("`{op}` expected {expected} but found shape {found}")]
    ShapeMismatch {
        /// The op, e.g. `reshape`.
        op: &'static str,
        /// A description of what the op expected, not always a shape: "12 elements (shape
        /// [4, 3])", "a single value", "at least 2 axes".
        expected: String,
        /// The shape it found.
        found: Shape,
    },
    /// An axis index outside the tensor's rank, given to an op that takes an axis
    /// (`softmax`, `concat`, `narrow`, `index_select`).
    #[error("`{op}`: axis {axis} is out of range for a tensor of rank {rank}")]
    InvalidAxis {
        /// The op.
        op: &'static str,
        /// The axis requested (negative counts from the end).
        axis: isize,
        /// The rank of the tensor.
        rank: usize,
    },
    /// A function's argument out of its valid range, named by the function: a learning rate
    /// that is NaN or negative, a batch size of 0, a permutation that is not one, data with
    /// no samples or NaN values given to `predict`, a history with nothing to plot.
    #[error("`{op}`: {message}")]
    InvalidArgument {
        /// The op or function, e.g. `predict`, `Sgd::with_learning_rate`.
        op: &'static str,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// A new value for a weight ([`Weight::set_value`](crate::weight::Weight::set_value),
    /// `set_weights`) whose shape differs from the weight's.
    #[error("weight `{weight}` has shape {expected} but the new value has shape {found}")]
    WeightShape {
        /// The weight's name.
        weight: String,
        /// The weight's shape.
        expected: Shape,
        /// The shape of the value given.
        found: Shape,
    },
    /// A built layer given an input whose shape needs its weights to be another shape (a
    /// `Dense` built for 4 features, called on 5).
    #[error("weight `{weight}` was built with shape {built}, but this input needs shape {needed}")]
    WeightRebuild {
        /// The weight's name.
        weight: String,
        /// The shape it has.
        built: Shape,
        /// The shape the new input needs.
        needed: Shape,
    },
    /// A weight read (its value, or by an optimizer) before its layer was built.
    #[error("weight `{weight}` is not built yet: build its layer with an input shape first")]
    UnbuiltWeight {
        /// The weight's name.
        weight: String,
    },
    /// A layer failed while it was built, called or given weights; wraps the cause with the
    /// layer's name (or its path, for a sublayer) and type. The message ends with the
    /// cause's; [`Error::root_cause`] reaches it.
    #[error("layer `{layer}` ({type_name}): {cause}")]
    Layer {
        /// The layer's name or path, e.g. `dense_1` or `block.dense`.
        layer: String,
        /// The layer's type, e.g. `Dense`.
        type_name: String,
        /// What went wrong, shown in this error's message.
        cause: Box<Error>,
    },
    /// A layer's `call` failed: an op inside it could not combine its operands (`cause`
    /// names the op and the shapes), the call returned an error, or it panicked
    /// ([`Error::Panic`]). Wrapped in [`Error::Layer`] with the layer's path.
    #[error("its call failed for input shape {input}{}: {cause}", at(.location))]
    Call {
        /// The layer's per-sample input shape: `(None, 32)`.
        input: BatchShape,
        /// Where in the code the failing op was called (`src/model.rs:12:9`), when known:
        /// ops and `apply` record it, a plain panic or a returned error does not.
        location: Option<String>,
        /// What failed, shown in this error's message.
        cause: Box<Error>,
    },
    /// A panic in a layer's own code (an `unwrap`, an index out of bounds), caught where the
    /// layer was called; inside an [`Error::Call`].
    #[error("it panicked: {message}")]
    Panic {
        /// The panic's message.
        message: String,
    },
    /// A weight shape expression (`#[weight(shape = [input[-1], units])]`) needs an input
    /// axis the input does not have; found when the layer is built.
    #[error(
        "weight `{weight}` needs input axis {axis}, but the input shape {input} has no such axis"
    )]
    InputRank {
        /// The weight.
        weight: String,
        /// The axis index used in the shape expression (per sample, negative from the end).
        axis: isize,
        /// The layer's per-sample input shape.
        input: BatchShape,
    },
    /// A layer or model used (weights read or set, `predict`) before it was built.
    #[error(
        "layer `{layer}` is not built yet: call `build` with an input shape, or call it on data first"
    )]
    Unbuilt {
        /// The layer's name.
        layer: String,
    },
    /// `set_weights` with the wrong number of values.
    #[error("layer `{layer}` expects {expected} weights, got {found}")]
    WeightCount {
        /// The layer's name.
        layer: String,
        /// How many weights the layer has.
        expected: usize,
        /// How many values were given.
        found: usize,
    },
    /// Data given to a built model (`fit`, `evaluate`, `predict`, `train_on_batch`) whose
    /// per-sample shape is not the one the model was built for.
    #[error("`{model}` expects input of shape {expected} but got {found}")]
    InputShape {
        /// The model.
        model: String,
        /// The per-sample shape the model was built for.
        expected: BatchShape,
        /// The per-sample shape of the data.
        found: BatchShape,
    },
    /// An input that does not match the signature a layer declares with
    /// `#[layer(input = [B, N])]`; checked before the layer's `call` runs.
    #[error("`{layer}` expects input of shape {signature} but got {found}")]
    InputSignature {
        /// The layer.
        layer: String,
        /// The declared signature, as written: `[B, N, N]`.
        signature: String,
        /// The input's shape, batch axis included.
        found: Shape,
    },
    /// `build` on a model already built for another per-sample input shape.
    #[error(
        "model `{model}` was built for input shape {built} and cannot be rebuilt for {requested}"
    )]
    ModelRebuild {
        /// The model.
        model: String,
        /// The per-sample input shape it was built for.
        built: BatchShape,
        /// The per-sample input shape asked for.
        requested: BatchShape,
    },
    /// A layer added to a model under a name the model cannot use: empty, holding a `.`
    /// (which separates the parts of a weight path), or already taken by another of its
    /// layers. `push` reports it at once; `add` when the model is built.
    #[error("model `{model}`: {reason}")]
    LayerName {
        /// The model.
        model: String,
        /// The name given to the layer.
        name: String,
        /// Why the model cannot use it, as a sentence.
        reason: String,
    },
    /// A name that none of the registries knows: an activation, initializer, loss, metric
    /// or optimizer name.
    #[error("unknown {kind} `{name}`; known {}: {}{}", plural(kind), known.join(", "), unknown_hint(kind))]
    UnknownName {
        /// What was looked up: `activation`, `initializer`, `loss`, `metric`, `optimizer`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Every name that is accepted.
        known: Vec<String>,
    },
    /// A file that the operating system cannot open, read or write (`load_csv`, `plot`).
    /// A file that opens but holds bad content is [`Error::Data`].
    #[error("cannot {action} `{}`: {cause}", .path.display())]
    Io {
        /// What was attempted: `read`, `write`, …
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error, shown in this error's message; `cause.kind()`
        /// tells what happened.
        cause: IoError,
    },
    /// Data that is malformed or unusable (bad values, wrong sizes, labels out of range, a
    /// CSV cell that is not a number, a gzip stream that does not decompress).
    #[error("{source_name}: {message}")]
    Data {
        /// Where the data came from: a file and line, or `x`, `y`.
        source_name: String,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// A training step refused because the loss, a gradient, a layer's state or the update
    /// became NaN or infinite; nothing of that step was applied. `fit` and `train_on_batch`
    /// both report it, each saying where.
    #[error("training stopped at {at}: {message}")]
    Training {
        /// Where: `fit`'s epoch and batch, or `train_on_batch`'s step.
        at: TrainingStep,
        /// What happened.
        message: String,
    },
    /// A model trained, evaluated or given a metric before `compile` set its optimizer and
    /// loss.
    #[error("model `{model}` is not compiled: call `compile` before `{method}`")]
    NotCompiled {
        /// The model's name.
        model: String,
        /// What was called: `fit`, `evaluate`, `train_on_batch`, `add_metric`, …
        method: &'static str,
    },
    /// An initializer that cannot fill the requested shape: its parameters are unusable (a
    /// `stddev` that is not positive) or the shape does not suit it (`orthogonal` of rank
    /// 1).
    #[error("initializer `{initializer}` cannot fill shape {shape}: {reason}")]
    InvalidInitializer {
        /// The initializer's name.
        initializer: &'static str,
        /// The requested shape.
        shape: Shape,
        /// Why not.
        reason: String,
    },
    /// A layer's config value that cannot be used (`Dense::new(0)`, a dropout rate of 1.5),
    /// found when the layer is built; wrapped in [`Error::Layer`], which names the layer.
    /// (A function's argument is [`Error::InvalidArgument`].)
    #[error("`{field}` {message}")]
    InvalidConfig {
        /// The config field, as the layer's `new` or setter names it: `units`, `rate`.
        field: String,
        /// What is wrong and what was expected, with the value found.
        message: String,
    },
    /// An optimizer step refused because a gradient, or the new value of a weight or of its
    /// optimizer state, would be NaN or infinite. Nothing changed: no weight, optimizer
    /// slot or step count.
    #[error(
        "`{optimizer}`: {}; no weight was changed",
        refused_update(.weight, *.step, *.learning_rate, *.gradient)
    )]
    NonFiniteUpdate {
        /// The optimizer's Keras name.
        optimizer: &'static str,
        /// The weight's name.
        weight: String,
        /// The weight's position in the slice passed to
        /// [`Optimizer::apply`](crate::optim::Optimizer::apply).
        index: usize,
        /// The step that was refused, counted from 1.
        step: u64,
        /// The learning rate of that step.
        learning_rate: f32,
        /// Whether the gradient itself holds NaN or infinite values (otherwise the update
        /// overflowed or divided badly).
        gradient: bool,
    },
    /// A tensor or weight too large to allocate: its number of values or bytes overflows,
    /// or it needs more memory than the machine has. Reported before allocating.
    #[error("{what} of shape {shape} {reason}")]
    Allocation {
        /// What was to be allocated: `` `zeros` ``, `` weight `kernel` ``.
        what: String,
        /// The requested shape.
        shape: Shape,
        /// Why it cannot be, with the bytes requested and the memory available.
        reason: String,
    },
    /// A weights file that cannot be read as a safetensors file of `f32` weights, with what
    /// is wrong ([`WeightsProblem`]) and, where it concerns one tensor, which. Found before
    /// any weight was changed.
    #[error("weights file `{path}`{}: {problem}", in_tensor(.tensor))]
    WeightsFile {
        /// The file, as given.
        path: String,
        /// The tensor the problem concerns, if it concerns one.
        tensor: Option<String>,
        /// What is wrong.
        problem: WeightsProblem,
    },
    /// A model file (written by `save`) whose architecture or training state cannot be
    /// used: a config that names an unregistered layer or holds a bad value, a training
    /// record that is not what `save` writes, a weights file given where a model file is
    /// expected. Found before the model is returned; nothing else was changed.
    #[error("model file `{path}`: {cause}")]
    ModelFile {
        /// The file, as given.
        path: String,
        /// What is wrong, shown in this error's message.
        cause: Box<Error>,
    },
    /// A valid weights file whose tensors do not match the weights of the layer it is
    /// loaded into: every weight missing from the file, every tensor the layer has no weight
    /// for, and every tensor of another shape, all in one error. No weight was changed.
    #[error("weights file `{path}` does not fit `{layer}`: {misfit}")]
    WeightsMismatch {
        /// The file, as given.
        path: String,
        /// The layer or model loaded into.
        layer: String,
        /// What does not fit (boxed: the lists would make every `Result` larger).
        misfit: Box<WeightsMisfit>,
    },
}

/// What is wrong with a weights file, in [`Error::WeightsFile`].
///
/// # Examples
///
/// ```
/// use layers_core::error::{Error, WeightsProblem};
/// use layers_core::save::{LoadOptions, SavedWeights};
///
/// let err = SavedWeights::from_bytes(b"", LoadOptions::new()).unwrap_err();
/// assert!(matches!(err, Error::WeightsFile { problem: WeightsProblem::Empty, .. }));
/// assert_eq!(err.to_string(), "weights file `<bytes>`: the file is empty");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsProblem {
    /// The file has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The file is not in the safetensors format: its JSON header, which starts at byte 8,
    /// does not open with `{`.
    #[error("it is not a safetensors file: its header, at byte 8, does not start with `{{`")]
    NotSafetensors,
    /// The file ends before the bytes its header describes.
    #[error("the file is truncated: it has {found} bytes, but its header describes {expected}")]
    Truncated {
        /// The file's length the header implies, in bytes.
        expected: u64,
        /// The file's length, in bytes.
        found: u64,
    },
    /// The header length in the first 8 bytes runs past the end of the file.
    #[error(
        "its header length (the first 8 bytes) says {length} bytes, more than the {file}-byte file holds after them"
    )]
    HeaderLength {
        /// The header length the file states.
        length: u64,
        /// The file's length, in bytes.
        file: u64,
    },
    /// The header length in the first 8 bytes is over the limit: refused before reading it.
    #[error("its header length (the first 8 bytes) says {length} bytes, over the limit of {limit}")]
    HeaderTooLarge {
        /// The header length the file states.
        length: u64,
        /// The largest header read, in bytes (100 MB, as the safetensors crate).
        limit: u64,
    },
    /// The header is not the JSON that safetensors writes (an object of tensors, each with
    /// `dtype`, `shape` and `data_offsets`, and string `__metadata__`).
    #[error("its header is not valid safetensors JSON: {message}")]
    InvalidHeader {
        /// The parser's message.
        message: String,
    },
    /// A tensor of another dtype than `F32`.
    #[error("its dtype is {found}; expected F32")]
    Dtype {
        /// The dtype the header gives.
        found: String,
    },
    /// A tensor's `data_offsets` that do not match its shape, overlap another tensor's,
    /// leave a gap, or point outside the data.
    #[error("{message}")]
    Offsets {
        /// What is wrong, with the offsets.
        message: String,
    },
    /// A tensor name that appears more than once in the header.
    #[error("the name appears more than once in the header")]
    DuplicateName,
    /// A tensor holding NaN or infinite values, refused unless
    /// [`LoadOptions::allow_non_finite`](crate::save::LoadOptions::allow_non_finite) allows
    /// them.
    #[error(
        "{count} of its values are NaN or infinite (load with `LoadOptions::allow_non_finite(true)` to accept them)"
    )]
    NonFinite {
        /// How many values are NaN or infinite.
        count: usize,
    },
    /// A `format_version` in the metadata that this version of `layers` does not read.
    #[error(
        "it is in weights format version `{found}`, which this version of layers does not read"
    )]
    Version {
        /// The version the file gives.
        found: String,
    },
}

/// What of a weights file does not fit the layer it is loaded into, in
/// [`Error::WeightsMismatch`]; each list is whole, the message shows the first ten of each.
///
/// # Examples
///
/// ```
/// use layers_core::error::{MismatchedWeight, WeightsMisfit};
/// let misfit = WeightsMisfit {
///     missing: vec!["dense.bias".into()],
///     unexpected: vec![],
///     mismatched: vec![MismatchedWeight { path: "dense.kernel".into(), expected: vec![3, 2].into(), found: vec![4, 2].into() }],
/// };
/// assert_eq!(
///     misfit.to_string(),
///     "1 weight missing (dense.bias); 1 tensor of another shape (dense.kernel is [4, 2] in the file, [3, 2] in the layer)"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeightsMisfit {
    /// The paths of the layer's weights that the file lacks, in the layer's order.
    pub missing: Vec<String>,
    /// The names of the file's tensors that the layer has no weight for, in file order.
    pub unexpected: Vec<String>,
    /// The tensors whose shape differs from their weight's, in the layer's order.
    pub mismatched: Vec<MismatchedWeight>,
}

impl WeightsMisfit {
    /// Whether everything fits: no list holds anything.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(layers_core::error::WeightsMisfit::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.unexpected.is_empty() && self.mismatched.is_empty()
    }
}

impl fmt::Display for WeightsMisfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = [
            listed(&self.missing, "weight missing", "weights missing"),
            listed(&self.unexpected, "unexpected tensor", "unexpected tensors"),
            listed(
                &self.mismatched,
                "tensor of another shape",
                "tensors of another shape",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        f.write_str(&parts.join("; "))
    }
}

/// A tensor of a weights file whose shape differs from its weight's, in
/// [`Error::WeightsMismatch`].
///
/// # Examples
///
/// ```
/// use layers_core::error::MismatchedWeight;
/// let m = MismatchedWeight { path: "dense.kernel".into(), expected: vec![3, 2].into(), found: vec![4, 2].into() };
/// assert_eq!(m.to_string(), "dense.kernel is [4, 2] in the file, [3, 2] in the layer");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MismatchedWeight {
    /// The weight's path (`dense.kernel`).
    pub path: String,
    /// The weight's shape.
    pub expected: Shape,
    /// The tensor's shape in the file.
    pub found: Shape,
}

impl fmt::Display for MismatchedWeight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is {} in the file, {} in the layer",
            self.path, self.found, self.expected
        )
    }
}

fn in_tensor(tensor: &Option<String>) -> String {
    tensor
        .as_ref()
        .map_or_else(String::new, |t| format!(", tensor `{t}`"))
}

/// How many names of a list the message shows; the error's fields hold them all.
const LISTED: usize = 10;

fn listed<T: fmt::Display>(items: &[T], one: &str, many: &str) -> Option<String> {
    if items.is_empty() {
        return None;
    }
    let shown: Vec<String> = items.iter().take(LISTED).map(ToString::to_string).collect();
    let more = match items.len().saturating_sub(LISTED) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let what = if items.len() == 1 { one } else { many };
    Some(format!(
        "{} {what} ({}{more})",
        items.len(),
        shown.join(", ")
    ))
}

/// The names of a registry's table, in order: the one list of names is the table itself.
pub(crate) const fn names_of<T, const N: usize>(
    table: &[(&'static str, T); N],
) -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = table[i].0;
        i += 1;
    }
    names
}

/// How a layer class comes to be known, after the list of the registered ones.
const LAYER_HINT: &str = " (a `#[derive(Layer)]` or `#[activation]` type registers itself when \
    the program links it; a generic one is registered at a type with \
    `layers::register_layer!(Type<Inner>)`, a hand-written `impl Layer` with a `FromConfig` \
    impl and `register_layer!`)";

/// How a name comes to be known, for the registries a program fills itself.
fn unknown_hint(kind: &str) -> &'static str {
    if kind == "layer" { LAYER_HINT } else { "" }
}

fn plural(kind: &str) -> String {
    if kind.ends_with('s') {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    }
}

fn refused_update(weight: &str, step: u64, learning_rate: f32, gradient: bool) -> String {
    if gradient {
        format!("the gradient of weight `{weight}` at step {step} holds NaN or infinite values")
    } else {
        format!(
            "the update of weight `{weight}` at step {step} (learning rate {learning_rate:?}) \
             would make it or its optimizer state NaN or infinite"
        )
    }
}

/// Where a training step was refused ([`Error::Training`]).
///
/// # Examples
///
/// ```
/// use layers_core::error::TrainingStep;
/// assert_eq!(TrainingStep::Batch { epoch: 2, batch: 7 }.to_string(), "epoch 2, batch 7");
/// assert_eq!(TrainingStep::Step(12).to_string(), "`train_on_batch` step 12");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrainingStep {
    /// In `fit`: the epoch and the batch within it, both counted from 1.
    Batch {
        /// The epoch, counted from 1.
        epoch: usize,
        /// The batch within the epoch, counted from 1.
        batch: usize,
    },
    /// In `train_on_batch`: the model's step, counted from 1 over all of its training.
    Step(u64),
}

impl fmt::Display for TrainingStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrainingStep::Batch { epoch, batch } => write!(f, "epoch {epoch}, batch {batch}"),
            TrainingStep::Step(step) => write!(f, "`train_on_batch` step {step}"),
        }
    }
}

fn at(location: &Option<String>) -> String {
    location
        .as_ref()
        .map_or_else(String::new, |l| format!(" at {l}"))
}

impl Error {
    /// Wraps this error with the layer it happened in. An error that already names a
    /// sublayer gets the sublayer's path under this layer (`block.dense`), keeping the
    /// sublayer's type.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::Error;
    /// let e = Error::Unbuilt { layer: "x".into() }.in_layer("dense", "Dense");
    /// assert!(e.to_string().starts_with("layer `dense` (Dense): "));
    /// let e = e.in_layer("block", "Block");
    /// assert!(e.to_string().starts_with("layer `block.dense` (Dense): "));
    /// ```
    pub fn in_layer(self, layer: impl Into<String>, type_name: impl Into<String>) -> Error {
        match self {
            Error::Layer {
                layer: inner,
                type_name,
                cause,
            } => Error::Layer {
                layer: format!("{}.{inner}", layer.into()),
                type_name,
                cause,
            },
            e => Error::Layer {
                layer: layer.into(),
                type_name: type_name.into(),
                cause: Box::new(e),
            },
        }
    }

    /// The error inside the wrappers that only say where it happened ([`Error::Layer`],
    /// [`Error::Call`]): what actually failed, to match on. Any other error is its own root
    /// cause.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::Error;
    ///
    /// let mut model = Sequential::new().add(Dense::new(2));
    /// model.build([3])?;
    /// let err = model.set_weights(&[Tensor::zeros(&[4, 2]), Tensor::zeros(&[2])]).unwrap_err();
    /// assert!(matches!(err, Error::Layer { .. }));
    /// let cause = err.root_cause();
    /// assert!(matches!(cause, Error::WeightShape { weight, .. } if weight == "dense.kernel"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn root_cause(&self) -> &Error {
        let mut error = self;
        while let Error::Layer { cause, .. }
        | Error::Call { cause, .. }
        | Error::ModelFile { cause, .. } = error
        {
            error = cause;
        }
        error
    }

    /// The error for the operating system's `error` while trying to `action` (`read`,
    /// `write`) the file at `path`.
    pub(crate) fn io(action: &'static str, path: impl AsRef<Path>, error: io::Error) -> Self {
        Error::Io {
            action,
            path: path.as_ref().to_path_buf(),
            cause: error.into(),
        }
    }

    pub(crate) fn incompatible(
        op: &'static str,
        lhs: &[usize],
        rhs: &[usize],
        reason: impl Into<String>,
    ) -> Self {
        Error::IncompatibleShapes {
            op,
            lhs: lhs.into(),
            rhs: rhs.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn mismatch(op: &'static str, expected: impl Into<String>, found: &[usize]) -> Self {
        Error::ShapeMismatch {
            op,
            expected: expected.into(),
            found: found.into(),
        }
    }

    /// The error for a name `kind`'s registry does not hold, listing `known`.
    pub(crate) fn unknown_name(
        kind: &'static str,
        name: &str,
        known: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Error::UnknownName {
            kind,
            name: name.to_string(),
            known: known.into_iter().map(Into::into).collect(),
        }
    }

    pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests;
