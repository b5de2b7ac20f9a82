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
/// assert!(matches!(err, Error::UnknownInitializer { .. }));
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
    /// A weight read before its layer was built.
    #[error("weight `{weight}` is not built yet: build its layer with an input shape first")]
    UnbuiltWeight {
        /// The weight's name.
        weight: String,
    },
    /// An initializer name that is not known.
    #[error("unknown initializer `{name}`; known initializers: {}", known.join(", "))]
    UnknownInitializer {
        /// The name given.
        name: String,
        /// Every name that is accepted.
        known: Vec<&'static str>,
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
}

impl Error {
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

    pub(crate) fn invalid(op: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            op,
            message: message.into(),
        }
    }
}
