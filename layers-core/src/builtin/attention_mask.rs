//! Masks for attention: [`PaddingMask`], the layer option that says which positions of a
//! sequence are padding, and the `(batch, queries, keys)` masks built from it and from
//! causality.
//!
//! ```
//! use layers_core::builtin::PaddingMask;
//! use layers_core::prelude::*;
//! let fixed = PaddingMask::from(Tensor::from_vec(vec![1.0, 1.0, 0.0], &[3]));
//! assert_eq!(fixed.to_config_json()["shape"], serde_json::json!([3]));
//! ```

use ndarray::Axis;

use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::config::ConfigValue;

/// Which positions of each input sequence are padding, for
/// [`MultiHeadAttention`](super::MultiHeadAttention): no query attends to a padding key, as
/// with Keras's padding masks (from `Masking` or `Embedding(mask_zero=True)`) on
/// self-attention. A padding query row has no key left and attends uniformly to all of them,
/// as in Keras.
///
/// - [`PaddingMask::None`] (the default): no padding.
/// - [`PaddingMask::Value`]: a position whose features all equal the value is padding
///   (Keras's `Masking(mask_value)`), found anew in every input — the form for `fit`, whose
///   batches differ.
/// - [`PaddingMask::Fixed`]: a 0/1 tensor, 1 for a real position: shape `(seq,)` for every
///   sample alike, or `(batch, seq)` for one batch of known size.
///
/// A config writes `null`, `{"mask_value": v}` or `{"shape": […], "values": […]}`.
///
/// # Examples
///
/// ```
/// use layers_core::builtin::PaddingMask;
/// use layers_core::prelude::*;
/// let x = Tensor::from_vec(vec![1.0, 2.0, 0.0, 0.0], &[1, 2, 2]);
/// let keep = PaddingMask::Value(0.0).keep(&x)?.unwrap();
/// assert_eq!(keep.to_vec(), vec![1.0, 0.0]); // the second step is all zeros: padding
/// assert!(PaddingMask::None.keep(&x)?.is_none());
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub enum PaddingMask {
    /// No position is padding.
    #[default]
    None,
    /// Positions whose features all equal this value are padding.
    Value(f32),
    /// 1 for a real position, 0 for padding: `(seq,)` or `(batch, seq)`.
    Fixed(Tensor),
}

impl From<Tensor> for PaddingMask {
    fn from(mask: Tensor) -> Self {
        PaddingMask::Fixed(mask)
    }
}

impl PaddingMask {
    /// Checks the option itself: a fixed mask of rank 1 or 2 holding only 0 and 1; a value
    /// that is not NaN (NaN equals nothing).
    pub(crate) fn validate(&self) -> Result<()> {
        let invalid = |message: String| Error::InvalidConfig {
            field: "padding_mask".into(),
            message,
        };
        match self {
            PaddingMask::None => Ok(()),
            PaddingMask::Value(v) if v.is_nan() => {
                Err(invalid("must not be NaN (NaN equals nothing)".into()))
            }
            PaddingMask::Value(_) => Ok(()),
            PaddingMask::Fixed(m) if !(1..=2).contains(&m.rank()) => Err(invalid(format!(
                "must have shape (seq,) or (batch, seq), got {:?}",
                m.shape()
            ))),
            PaddingMask::Fixed(m) => match m.to_vec().into_iter().find(|&v| v != 0.0 && v != 1.0) {
                Some(v) => Err(invalid(format!("must hold only 0 and 1, got {v}"))),
                None => Ok(()),
            },
        }
    }

    /// The `(batch or 1, seq)` mask of real positions of `x`, a `(batch, seq, features)`
    /// input; `None` without padding.
    ///
    /// # Errors
    ///
    /// When a fixed mask's shape fits neither `(seq,)` nor `(batch, seq)` of `x`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::PaddingMask;
    /// use layers_core::prelude::*;
    /// let mask = PaddingMask::from(Tensor::ones(&[4]));
    /// let err = mask.keep(&Tensor::ones(&[2, 3, 5])).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "`multi_head_attention`: the padding mask has shape (4,) but the input has 2 \
    ///      sequences of 3 steps: give (3,) or (2, 3)"
    /// );
    /// ```
    pub fn keep(&self, x: &Tensor) -> Result<Option<Tensor>> {
        let (batch, seq) = (x.shape()[0], x.shape()[1]);
        match self {
            PaddingMask::None => Ok(None),
            PaddingMask::Value(pad) => {
                let view = x.view();
                let keep: Vec<f32> = view
                    .lanes(Axis(2))
                    .into_iter()
                    .map(|step| f32::from(step.iter().any(|v| v != pad)))
                    .collect();
                Ok(Some(Tensor::from_vec(keep, &[batch, seq])))
            }
            PaddingMask::Fixed(m) => match m.shape() {
                [s] if *s == seq => Ok(Some(m.detach().reshape(&[1, seq]))),
                [b, s] if *b == batch && *s == seq => Ok(Some(m.detach())),
                shape => {
                    let shape = match shape {
                        [s] => format!("({s},)"),
                        other => format!("({})", join(other)),
                    };
                    Err(Error::invalid(
                        "multi_head_attention",
                        format!(
                            "the padding mask has shape {shape} but the input has {batch} \
                             sequences of {seq} steps: give ({seq},) or ({batch}, {seq})"
                        ),
                    ))
                }
            },
        }
    }

    /// The config as JSON (what [`ConfigValue::to_config`] writes).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::PaddingMask;
    /// assert_eq!(PaddingMask::Value(0.0).to_config_json()["mask_value"], 0.0);
    /// ```
    pub fn to_config_json(&self) -> serde_json::Value {
        match self {
            PaddingMask::None => serde_json::Value::Null,
            PaddingMask::Value(v) => serde_json::json!({ "mask_value": v.to_config() }),
            PaddingMask::Fixed(m) => serde_json::json!({
                "shape": m.shape().to_vec().to_config(),
                "values": m.to_vec().to_config(),
            }),
        }
    }
}

fn join(dims: &[usize]) -> String {
    dims.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl ConfigValue for PaddingMask {
    fn to_config(&self) -> serde_json::Value {
        self.to_config_json()
    }
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let expected = || {
            format!(
                "expected null, {{\"mask_value\": v}} or {{\"shape\": […], \"values\": […]}}, found {value}"
            )
        };
        if value.is_null() {
            return Ok(PaddingMask::None);
        }
        if let Some(v) = value.get("mask_value") {
            return f32::from_config(v).map(PaddingMask::Value);
        }
        let (Some(shape), Some(values)) = (value.get("shape"), value.get("values")) else {
            return Err(expected());
        };
        let shape = Vec::<usize>::from_config(shape)?;
        let values = Vec::<f32>::from_config(values)?;
        Tensor::try_from_vec(values, &shape)
            .map(PaddingMask::Fixed)
            .map_err(|e| e.to_string())
    }
}

/// The `(batch or 1, queries, keys)` mask of allowed query–key pairs for self-attention on
/// `x`: both positions real (`keep`, `(batch or 1, seq)`) and, when `causal`, the key not
/// after the query. `None` when everything is allowed.
pub(crate) fn self_attention_mask(
    keep: Option<&Tensor>,
    seq: usize,
    causal: bool,
) -> Option<Tensor> {
    let pairs = keep.map(|k| k.unsqueeze(2) * k.unsqueeze(1));
    let causal = causal.then(|| Tensor::tril_mask(seq, seq, 0).unsqueeze(0));
    match (pairs, causal) {
        (Some(p), Some(c)) => Some(p * c),
        (p, c) => p.or(c),
    }
}
