//! `MultiHeadAttention`: Keras's multi-head scaled dot-product attention: in a model,
//! self-attention on one `(batch, seq, features)` input, with causal, padding and Keras's
//! masks; in a layer of your own, also cross-attention with Keras's masks
//! ([`MultiHeadAttention::attention`], in `attention_call.rs`).
//!
//! The layer is written with `#[derive(Layer)]` over four derived projection sublayers
//! ([`SplitHeadsDense`] for `query`, `key` and `value`, [`MergeHeadsDense`] for
//! `attention_output`), each built from the input it projects; every call ends in one
//! method, `compute`, on projected inputs and one combined mask.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut mha = MultiHeadAttention::new(2, 4).use_causal_mask(true);
//! assert_eq!(mha.build([5, 8])?, vec![5, 8]);
//! assert_eq!(mha.count_params()?, 3 * (8 * 2 * 4 + 2 * 4) + (2 * 4 * 8 + 8));
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::attention_mask::{PaddingMask, self_attention_mask};
use super::attention_projection::{MergeHeadsDense, SplitHeadsDense};
use crate::error::{Error, Result};
use crate::init::Initializer;
use crate::layer::config::{ConfigValue, check_fraction, check_initializer, check_size};
use crate::layer::{Context, TryCall};
use crate::{Layer, Tensor};

/// What masked scores become before the softmax, as Keras's `Softmax` layer.
const MASKED: f32 = -1e9;

/// Multi-head attention (Keras's `MultiHeadAttention`), as self-attention: a
/// `(batch, seq, features)` input is the query, key and value, and the output is
/// `(batch, seq, output_shape)` (`output_shape` defaults to `features`).
///
/// Per head `h`: `softmax(q_h · k_hᵀ / √key_dim + mask) · v_h` over the keys, with
/// `q = query(x)`, `k = key(x)`, `v = value(x)` projected to `num_heads` heads; the heads are
/// then projected back by `attention_output`. Weights as Keras 3's, in its order: `query`,
/// `key`, `value` kernels `(features, num_heads, key_dim)` (`value_dim` for `value`) with
/// biases `(num_heads, key_dim)`, then the output kernel
/// `(num_heads, value_dim, output_shape)` and bias `(output_shape,)`.
///
/// Options (Keras's names and defaults): `value_dim` (`key_dim`), `dropout` on the attention
/// probabilities in training (0; drawn from the call's seeded stream), `use_bias` (true),
/// `output_shape` (the input's features), `use_causal_mask` (false: with true, position `t`
/// attends to positions `≤ t` only), `kernel_initializer` (`glorot_uniform`),
/// `bias_initializer` (`zeros`), and `padding_mask` ([`PaddingMask`], none by default).
///
/// After a layer that makes Keras's mask (`Masking`, `Embedding` with `mask_zero`), the layer
/// is Keras's `mha(x, x)` on a masked `x`: step `i` attends to step `j` only when both are
/// real (and `j ≤ i` with the causal mask), and the mask goes on to the next layer. A padded
/// step itself, which may attend to nothing, gets equal weights over all steps, as Keras's
/// fused attention gives it (all-zero weights with `dropout > 0`, as Keras's other path);
/// the next layers ignore it through the mask. Separate query, key and value inputs, their
/// masks and the attention scores are [`attention`](MultiHeadAttention::attention)'s.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::builtin::PaddingMask;
/// let mha = MultiHeadAttention::new(2, 3)
///     .value_dim(4)
///     .output_shape(6)
///     .padding_mask(PaddingMask::Value(0.0));
/// let x = Tensor::from_vec((0..40).map(|i| (i % 7) as f32 / 7.0).collect(), &[2, 4, 5]);
/// let y = mha.try_apply(&x)?;
/// assert_eq!(y.shape(), &[2, 4, 6]);
/// let paths: Vec<String> = mha.all_weights().into_iter().map(|(p, w)| format!("{p} {:?}", w.value().shape())).collect();
/// assert_eq!(paths, [
///     "query.kernel [5, 2, 3]", "query.bias [2, 3]",
///     "key.kernel [5, 2, 3]", "key.bias [2, 3]",
///     "value.kernel [5, 2, 4]", "value.bias [2, 4]",
///     "attention_output.kernel [2, 4, 6]", "attention_output.bias [6]",
/// ]);
///
/// // A rank-2 input, or a fixed padding mask of the wrong length, is an error naming the layer.
/// let err = MultiHeadAttention::new(2, 3).build([5]).unwrap_err();
/// assert!(err.to_string().starts_with("layer `multi_head_attention` (MultiHeadAttention)"), "{err}");
/// let masked = MultiHeadAttention::new(2, 3).padding_mask(Tensor::ones(&[3]));
/// let err = masked.try_apply(&x).unwrap_err();
/// assert!(err.to_string().contains("the padding mask has shape (3,)"), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Layer, Debug)]
#[layer(input = [B, T, D], validate = Self::validate_config, masking = Self::masked)]
pub struct MultiHeadAttention {
    /// The number of attention heads.
    pub num_heads: usize,
    /// The size of each head of the queries and keys.
    pub key_dim: usize,
    /// The size of each head of the values; `key_dim` when `None`.
    #[config(default = None)]
    pub value_dim: Option<usize>,
    /// The dropout rate on the attention probabilities, in `[0, 1)`.
    #[config(default = 0.0)]
    pub dropout: f32,
    /// Whether the projections have biases.
    #[config(default = true)]
    pub use_bias: bool,
    /// The size of the output's last axis; the input's when `None`.
    #[config(default = None)]
    pub output_shape: Option<usize>,
    /// Whether each position attends only to itself and the positions before it.
    #[config(default = false)]
    pub use_causal_mask: bool,
    /// Which positions are padding (never attended to).
    #[config(default = PaddingMask::None)]
    pub padding_mask: PaddingMask,
    /// Fills the projection kernels; `glorot_uniform` by default.
    #[config(default = Initializer::glorot_uniform())]
    pub kernel_initializer: Initializer,
    /// Fills the projection biases; `zeros` by default.
    #[config(default = Initializer::zeros())]
    pub bias_initializer: Initializer,
    /// Projects the query input to `(…, num_heads, key_dim)`.
    #[layer(init = SplitHeadsDense::new(num_heads, key_dim)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer.clone())
        .bias_initializer(bias_initializer.clone()))]
    pub query: SplitHeadsDense,
    /// Projects the key input to `(…, num_heads, key_dim)`.
    #[layer(init = SplitHeadsDense::new(num_heads, key_dim)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer.clone())
        .bias_initializer(bias_initializer.clone()))]
    pub key: SplitHeadsDense,
    /// Projects the value input to `(…, num_heads, value_dim)`.
    #[layer(init = SplitHeadsDense::new(num_heads, value_dim.unwrap_or(key_dim))
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer.clone())
        .bias_initializer(bias_initializer.clone()))]
    pub value: SplitHeadsDense,
    /// Projects the attended heads to `(…, output_shape)`.
    #[layer(init = MergeHeadsDense::new(output_shape)
        .use_bias(use_bias)
        .kernel_initializer(kernel_initializer.clone())
        .bias_initializer(bias_initializer.clone()))]
    pub attention_output: MergeHeadsDense,
}

impl MultiHeadAttention {
    pub(super) fn validate_config(&self) -> Result<()> {
        check_size("num_heads", self.num_heads)?;
        check_size("key_dim", self.key_dim)?;
        if let Some(v) = self.value_dim {
            check_size("value_dim", v)?;
        }
        if let Some(o) = self.output_shape {
            check_size("output_shape", o)?;
        }
        check_fraction("dropout", self.dropout, false)?;
        self.check_projections()?;
        self.padding_mask.validate()?;
        check_initializer("kernel_initializer", &self.kernel_initializer)?;
        check_initializer("bias_initializer", &self.bias_initializer)
    }

    /// The projections are made from the layer's settings; where they disagree (a model
    /// file edited by hand, a field changed after `new`), the layer would run with the
    /// projections' sizes while scaling by its own `key_dim`, so it is refused, naming the
    /// projection.
    fn check_projections(&self) -> Result<()> {
        let value_dim = self.value_dim.unwrap_or(self.key_dim);
        for (field, projection, units) in [
            ("query", &self.query, self.key_dim),
            ("key", &self.key, self.key_dim),
            ("value", &self.value, value_dim),
        ] {
            let found = (projection.heads, projection.units, projection.use_bias);
            let expected = (self.num_heads, units, self.use_bias);
            if found != expected {
                return Err(Error::InvalidConfig {
                    field: field.into(),
                    message: format!(
                        "must have the layer's (heads, units, use_bias) {expected:?}, from its \
                         num_heads, key_dim, value_dim and use_bias, but has {found:?}"
                    ),
                });
            }
        }
        let output = &self.attention_output;
        let found = (output.units.to_config(), output.use_bias);
        let expected = (self.output_shape.to_config(), self.use_bias);
        if found != expected {
            return Err(Error::InvalidConfig {
                field: "attention_output".into(),
                message: format!(
                    "must have the layer's (units, use_bias) {expected:?}, from its \
                     output_shape and use_bias, but has {found:?}"
                ),
            });
        }
        Ok(())
    }

    /// Attention of `query` `(batch, queries, features)` over `key` and `value`
    /// `(batch, keys, features)`: projects all three, scores every query against every key
    /// per head (scaled by `1/√key_dim`), sets the scores of pairs where `mask`
    /// `(batch or 1, queries, keys)` is 0 to −10⁹, takes the softmax over the keys, applies
    /// dropout in training, weights the values, and projects the heads to the output
    /// `(batch, queries, output_shape)`. With `use_causal_mask`, query `i` also sees only
    /// the keys `j ≤ i` (Keras's causal mask of `(queries, keys)`, combined with `mask`). The
    /// self-attention call is `attend(x, x, x, mask)`, the mask from the layer's options.
    /// A query whose keys are all masked attends to all of them evenly, or, with
    /// `dropout > 0`, to none (Keras's two paths; see [`AttentionCall`](super::AttentionCall)).
    /// Keras's full call, with its key, query, value and key masks and the scores, is
    /// [`attention`](MultiHeadAttention::attention).
    ///
    /// # Errors
    ///
    /// When an input is not 3-D, the batch sizes or key and value lengths differ, the mask
    /// has another shape or holds a value other than 0 and 1, or a projection cannot be
    /// built (an input's features changed since it was built); each message names the
    /// layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let (q, kv) = (Tensor::ones(&[1, 3, 4]), Tensor::ones(&[1, 5, 4]));
    /// // Only the first key may be attended to.
    /// let mask = Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 0.0].repeat(3), &[1, 3, 5]);
    /// assert_eq!(mha.attend(&q, &kv, &kv, Some(&mask))?.shape(), &[1, 3, 4]);
    /// assert!(mha.attend(&q, &kv, &kv, Some(&Tensor::ones(&[1, 5, 3]))).is_err());
    /// // A mask holds 0 (masked) and 1 (attended to) only.
    /// let half = Tensor::full(&[1, 3, 5], 0.5);
    /// let err = mha.attend(&q, &kv, &kv, Some(&half)).unwrap_err();
    /// assert!(err.to_string().contains("must hold only 0 and 1, but holds 0.5"), "{err}");
    ///
    /// // A causal layer's `attend` is causal too: the first query sees the first key only,
    /// // so changing the later keys and values leaves its output as it was.
    /// let causal = MultiHeadAttention::new(1, 2).use_causal_mask(true);
    /// let x = Tensor::from_vec((0..12).map(|i| i as f32 / 10.0).collect(), &[1, 3, 4]);
    /// let first = causal.attend(&x, &x, &x, None)?.narrow(1, 0, 1).to_vec();
    /// let later = Tensor::concat(&[x.narrow(1, 0, 1), Tensor::ones(&[1, 2, 4])], 1);
    /// assert_eq!(causal.attend(&x, &later, &later, None)?.narrow(1, 0, 1).to_vec(), first);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn attend(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<Tensor> {
        check_inputs(query, key, value, mask)?;
        let causal = self
            .use_causal_mask
            .then(|| Tensor::tril_mask(query.shape()[1], key.shape()[1], 0).unsqueeze(0));
        let mask = match (mask, causal) {
            (Some(m), Some(c)) => Some(m * &c),
            (m, c) => m.cloned().or(c),
        };
        Ok(self.compute(query, key, value, mask.as_ref(), false)?.0)
    }

    /// The attention itself, on checked inputs and a checked `(batch or 1, queries or 1,
    /// keys or 1)` mask of 0 and 1 (causality already in it): the output and the attention
    /// probabilities `(batch, heads, queries, keys)` before dropout.
    ///
    /// Keras 3 computes it on one of two paths, which differ only for a query that may see
    /// no key at all: its fused `dot_product_attention` (no dropout, no scores returned)
    /// gives such a query equal weights over all the keys, masked or not (every score is
    /// −10⁹); its explicit path (`dropout > 0` or `return_attention_scores`) goes through its
    /// `Softmax` layer, which zeroes the masked probabilities after the softmax, so such a
    /// query gets all-zero weights and its output is the output bias alone. `explicit`
    /// chooses the explicit path; a `dropout > 0` always does, as in Keras.
    pub(super) fn compute(
        &self,
        query: &Tensor,
        key: &Tensor,
        value: &Tensor,
        mask: Option<&Tensor>,
        explicit: bool,
    ) -> Result<(Tensor, Tensor)> {
        let project = |layer: &dyn Layer, x: &Tensor, name: &str| {
            layer
                .forward(x)
                .map_err(|e| e.in_layer(name, layer.type_name()))
        };
        let scale = 1.0 / (self.key_dim as f32).sqrt();
        // (batch, heads, queries, key_dim) · (batch, heads, key_dim, keys)
        let q = project(&self.query, query, "query")?
            .scale(scale)
            .permute(&[0, 2, 1, 3]);
        let k = project(&self.key, key, "key")?.permute(&[0, 2, 3, 1]);
        let v = project(&self.value, value, "value")?.permute(&[0, 2, 1, 3]);
        let scores = q.matmul(&k);
        let mask = mask.map(|m| m.detach().unsqueeze(1));
        let scores = match &mask {
            // `select`, not an added −10⁹: a masked score gets no gradient at all.
            Some(m) => m.select(&scores, MASKED),
            None => scores,
        };
        let probs = scores.softmax(-1);
        let probs = match &mask {
            Some(m) if explicit || self.dropout > 0.0 => m.select(&probs, 0.0),
            _ => probs,
        };
        let heads = self
            .dropout_on(probs.clone())
            .matmul(&v)
            .permute(&[0, 2, 1, 3]);
        self.attention_output.units.set_from_owner(query.shape()[2]);
        let output = project(&self.attention_output, &heads, "attention_output")?;
        Ok((output, probs))
    }

    /// Dropout on the attention probabilities, in training only, with draws from the call's
    /// seeded stream.
    fn dropout_on(&self, probs: Tensor) -> Tensor {
        if self.dropout == 0.0 || !Context::current().training() {
            return probs;
        }
        let keep = Tensor::random_uniform(probs.shape(), 0.0, 1.0).greater_equal(self.dropout);
        probs * keep.scale(1.0 / (1.0 - self.dropout))
    }

    /// The `(batch or 1, seq, seq)` mask of self-attention on `x` from the layer's options,
    /// or `None` when nothing is masked.
    ///
    /// # Errors
    ///
    /// When a fixed padding mask fits neither `(seq,)` nor `(batch, seq)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2).use_causal_mask(true);
    /// let m = mha.self_attention_mask(&Tensor::ones(&[1, 2, 3]))?.unwrap();
    /// assert_eq!(m.to_vec(), vec![1.0, 0.0, 1.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn self_attention_mask(&self, x: &Tensor) -> Result<Option<Tensor>> {
        check_rank("the input", x)?;
        let keep = self.padding_mask.keep(x)?;
        Ok(self_attention_mask(
            keep.as_ref(),
            x.shape()[1],
            self.use_causal_mask,
        ))
    }
}

pub(super) fn check_rank(what: &str, x: &Tensor) -> Result<()> {
    if x.rank() != 3 {
        return Err(Error::invalid(
            "multi_head_attention",
            format!(
                "{what} must have shape (batch, seq, features), got {:?}",
                x.shape()
            ),
        ));
    }
    Ok(())
}

pub(super) fn check_inputs(
    query: &Tensor,
    key: &Tensor,
    value: &Tensor,
    mask: Option<&Tensor>,
) -> Result<()> {
    check_rank("the query", query)?;
    check_rank("the key", key)?;
    check_rank("the value", value)?;
    let (batch, queries, keys) = (query.shape()[0], query.shape()[1], key.shape()[1]);
    if key.shape()[0] != batch || value.shape()[0] != batch || value.shape()[1] != keys {
        return Err(Error::invalid(
            "multi_head_attention",
            format!(
                "query {:?}, key {:?} and value {:?} need one batch size, and key and value one length",
                query.shape(),
                key.shape(),
                value.shape()
            ),
        ));
    }
    if let Some(m) = mask {
        let fits = matches!(m.shape(), [b, t, s] if (*b == batch || *b == 1) && *t == queries && *s == keys);
        if !fits {
            return Err(Error::invalid(
                "multi_head_attention",
                format!(
                    "the attention mask has shape {:?}, not (batch, queries, keys) = ({batch}, {queries}, {keys})",
                    m.shape()
                ),
            ));
        }
        // Anything else is no answer to "may this query see this key?" (NaN, 0.5).
        if let Some(v) = m.to_vec().into_iter().find(|&v| v != 0.0 && v != 1.0) {
            return Err(Error::invalid(
                "multi_head_attention",
                format!("the attention mask must hold only 0 and 1, but holds {v}"),
            ));
        }
    }
    Ok(())
}

impl TryCall for MultiHeadAttention {
    fn try_call(&self, x: &Tensor) -> Result<Tensor> {
        let mask = self.self_attention_mask(x)?;
        self.attend(x, x, x, mask.as_ref())
    }
}
