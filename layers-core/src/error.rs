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

/// A shape written the way users read it: `[2, 3]`.
///
/// # Examples
///
/// ```
/// use layers_core::error::Shape;
/// assert_eq!(Shape::from(&[2usize, 3][..]).to_string(), "[2, 3]");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Shape(pub Vec<usize>);

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<&[usize]> for Shape {
    fn from(dims: &[usize]) -> Self {
        Shape(dims.to_vec())
    }
}

impl From<Vec<usize>> for Shape {
    fn from(dims: Vec<usize>) -> Self {
        Shape(dims)
    }
}

/// Everything that can go wrong in `layers-core`, each variant with the context a user needs
/// to fix it (the op or weight, the expected and the found shapes, the unknown name).
///
/// # Examples
///
/// ```
/// use layers_core::{Error, Initializer};
///
/// let err = Initializer::from_name("glorot").unwrap_err();
/// assert!(matches!(err, Error::UnknownName { kind: "initializer", .. }));
/// assert!(err.to_string().contains("glorot_uniform"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two operands of an op have shapes that cannot be combined.
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
    /// An op got an input of the wrong shape.
    #[error("`{op}` expected {expected} but found shape {found}")]
    ShapeMismatch {
        /// The op, e.g. `reshape`.
        op: &'static str,
        /// What the op expected, written as a phrase ("12 elements", "rank 2").
        expected: String,
        /// The shape it found.
        found: Shape,
    },
    /// An axis index outside the tensor's rank.
    #[error("`{op}`: axis {axis} is out of range for a tensor of rank {rank}")]
    InvalidAxis {
        /// The op.
        op: &'static str,
        /// The axis requested (negative counts from the end).
        axis: isize,
        /// The rank of the tensor.
        rank: usize,
    },
    /// An argument that is out of its valid range.
    #[error("`{op}`: {message}")]
    InvalidArgument {
        /// The op or function.
        op: &'static str,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// A new value for a weight whose shape differs from the weight's.
    #[error("weight `{weight}` has shape {expected} but the new value has shape {found}")]
    WeightShape {
        /// The weight's name.
        weight: String,
        /// The weight's shape.
        expected: Shape,
        /// The shape of the value given.
        found: Shape,
    },
    /// A built layer given an input whose shape needs its weights to be another shape.
    #[error("weight `{weight}` was built with shape {built}, but this input needs shape {needed}")]
    WeightRebuild {
        /// The weight's name.
        weight: String,
        /// The shape it has.
        built: Shape,
        /// The shape the new input needs.
        needed: Shape,
    },
    /// A weight read before its layer was built.
    #[error("weight `{weight}` is not built yet: build its layer with an input shape first")]
    UnbuiltWeight {
        /// The weight's name.
        weight: String,
    },
    /// A layer failed; wraps the cause with the layer's name (or path) and type.
    #[error("layer `{layer}` ({type_name}): {source}")]
    Layer {
        /// The layer's name or path, e.g. `dense_1` or `block.dense`.
        layer: String,
        /// The layer's type, e.g. `Dense`.
        type_name: String,
        /// What went wrong.
        source: Box<Error>,
    },
    /// A layer's `call` failed: an op inside it could not combine its operands (`source`
    /// names the op and the shapes), the call returned an error, or it panicked
    /// ([`Error::Panic`]). Wrapped in [`Error::Layer`] with the layer's path.
    #[error("its call failed for input shape {input}{}: {source}", at(.location))]
    Call {
        /// The input shape, Keras style: `(None, 32)`.
        input: String,
        /// Where in the code the failing op was called (`src/model.rs:12:9`), when known:
        /// ops and `apply` record it, a plain panic or a returned error does not.
        location: Option<String>,
        /// What failed.
        source: Box<Error>,
    },
    /// A panic in a layer's own code (an `unwrap`, an index out of bounds), caught where the
    /// layer was called.
    #[error("it panicked: {message}")]
    Panic {
        /// The panic's message.
        message: String,
    },
    /// A weight shape expression needs an input axis the input does not have.
    #[error(
        "weight `{weight}` needs input axis {axis}, but the input shape {input} has no such axis"
    )]
    InputRank {
        /// The weight.
        weight: String,
        /// The axis index used in the shape expression (per sample, negative from the end).
        axis: isize,
        /// The input shape, Keras style.
        input: String,
    },
    /// A layer or model used before it was built.
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
    /// Data whose shape does not fit a model's input.
    #[error("`{layer}` expects input of shape {expected} but got {found}")]
    InputShape {
        /// The model or layer.
        layer: String,
        /// The expected shape, Keras style.
        expected: String,
        /// The shape given, Keras style.
        found: String,
    },
    /// A configuration that cannot be used (bad rate, duplicate name, …).
    #[error("layer `{layer}`: {message}")]
    Config {
        /// The layer.
        layer: String,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// A name that none of the registries knows: an activation, initializer, loss, metric
    /// or optimizer name.
    #[error("unknown {kind} `{name}`; known {}: {}", plural(kind), known.join(", "))]
    UnknownName {
        /// What was looked up: `activation`, `initializer`, `loss`, `metric`, `optimizer`.
        kind: &'static str,
        /// The name given.
        name: String,
        /// Every name that is accepted.
        known: Vec<String>,
    },
    /// A file that cannot be read or written.
    #[error("cannot {action} `{path}`: {message}")]
    Io {
        /// What was attempted: `read`, `write`, …
        action: &'static str,
        /// The file.
        path: String,
        /// The operating system's or the parser's message.
        message: String,
    },
    /// Data that is malformed or unusable (bad values, wrong sizes, labels out of range).
    #[error("{source_name}: {message}")]
    Data {
        /// Where the data came from: a file and line, or `x`, `y`.
        source_name: String,
        /// What is wrong, as a sentence.
        message: String,
    },
    /// Training went wrong at a given step (a NaN or infinite loss or gradient).
    #[error("training stopped at epoch {epoch}, batch {batch}: {message}")]
    Training {
        /// The epoch, counted from 1.
        epoch: usize,
        /// The batch within the epoch, counted from 1.
        batch: usize,
        /// What happened.
        message: String,
    },
    /// An initializer that cannot produce a value of the requested shape.
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

fn at(location: &Option<String>) -> String {
    location
        .as_ref()
        .map_or_else(String::new, |l| format!(" at {l}"))
}

/// Writes a per-sample shape with the batch axis in front, Keras style: `(None, 32)`.
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::error::batch_shape(&[32]), "(None, 32)");
/// assert_eq!(layers_core::error::batch_shape(&[]), "(None,)");
/// ```
pub fn batch_shape(per_sample: &[usize]) -> String {
    if per_sample.is_empty() {
        return "(None,)".to_string();
    }
    let dims: Vec<String> = per_sample.iter().map(|d| d.to_string()).collect();
    format!("(None, {})", dims.join(", "))
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
                source,
            } => Error::Layer {
                layer: format!("{}.{inner}", layer.into()),
                type_name,
                source,
            },
            e => Error::Layer {
                layer: layer.into(),
                type_name: type_name.into(),
                source: Box::new(e),
            },
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
