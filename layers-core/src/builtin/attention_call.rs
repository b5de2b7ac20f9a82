//! Keras's full call of `MultiHeadAttention`, `mha(query, value, key, query_mask=…,
//! value_mask=…, key_mask=…, attention_mask=…, return_attention_scores=…)`, as
//! [`AttentionCall`], and the layer's masked forward pass in a model (Keras's masks of
//! `mha(x, x)`).
//!
//! ```
//! use layers_core::prelude::*;
//! let mha = MultiHeadAttention::new(2, 4);
//! let (query, value) = (Tensor::ones(&[1, 3, 8]), Tensor::ones(&[1, 5, 6]));
//! let (y, scores) = mha.attention(&query, &value).run_with_scores()?;
//! assert_eq!((y.shape(), scores.shape()), (&[1, 3, 8][..], &[1, 2, 3, 5][..]));
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::attention::{MultiHeadAttention, check_inputs, check_rank};
use super::attention_mask::self_attention_mask;
use crate::error::{Error, Result};
use crate::layer::{Layer, LayerExt, catching, undoing_builds};
use crate::tensor::Tensor;

/// One call of a [`MultiHeadAttention`] on a query and a value (and a key, the value when
/// not given), with Keras's masks: what Keras's
/// `mha(query, value, key=…, query_mask=…, value_mask=…, key_mask=…, attention_mask=…,
/// use_causal_mask=…, return_attention_scores=…)` computes. Made by
/// [`MultiHeadAttention::attention`]; [`run`](AttentionCall::run) gives the output
/// `(batch, queries, output_shape)`, [`run_with_scores`](AttentionCall::run_with_scores)
/// the output and the attention probabilities `(batch, num_heads, queries, keys)`.
///
/// The query is `(batch, queries, query_features)`, the value `(batch, keys,
/// value_features)` and the key `(batch, keys, key_features)`: the three feature sizes may
/// differ. The `query`, `key` and `value` projections are built on the first call from the
/// query's, key's and value's features (Keras's `build(query_shape, value_shape,
/// key_shape)`), and the output is as wide as the query unless `output_shape` says
/// otherwise. Gradients flow to all three inputs and every weight.
///
/// The masks, 1 for a position that takes part and 0 for one that does not, are combined
/// as Keras's `_compute_attention_mask`: query `i` may attend to key `j` when
/// `query_mask[b, i]`, `value_mask[b, j]`, `key_mask[b, j]`, `attention_mask[b, i, j]` and
/// (with the causal mask) `j ≤ i` all hold; a mask not given allows everything. A query that
/// may attend to no key gets equal weights over all the keys from `run` (Keras's fused
/// attention) but all-zero weights, and so the output bias alone, from `run_with_scores` or
/// a layer with `dropout > 0` (Keras's `Softmax` path). Keras passes the query's mask on to
/// the next layer; here it is the caller's to pass on.
///
/// The layer's `padding_mask` option belongs to its one-input call (`forward`), and is not
/// used here; `use_causal_mask` is the layer's unless
/// [`use_causal_mask`](AttentionCall::use_causal_mask) sets it for this call.
///
/// # Examples
///
/// A decoder step attending to an encoder's output, in a layer of your own:
///
/// ```
/// use layers_core::prelude::*;
///
/// /// Self-attention over the last 2 steps, then attention from them to the first 3.
/// #[derive(Layer)]
/// struct Decoder {
///     #[layer(init = MultiHeadAttention::new(2, 4).use_causal_mask(true))]
///     own: MultiHeadAttention,
///     #[layer(init = MultiHeadAttention::new(2, 4))]
///     cross: MultiHeadAttention,
///     #[layer(init = Dense::new(3))]
///     memory: Dense,
/// }
///
/// impl TryCall for Decoder {
///     fn try_call(&self, x: &Tensor) -> layers_core::Result<Tensor> {
///         let memory = self.memory.forward(&x.narrow(1, 0, 3))?; // 3 features
///         let target = self.own.forward(&x.narrow(1, 3, 2))?;
///         self.cross.attention(&target, &memory).run()
///     }
/// }
///
/// let mut model = Sequential::new().add(Decoder::new()).add(Dense::new(2));
/// assert_eq!(model.build([5, 6])?, vec![2, 2]);
/// // The cross-attention's key and value kernels were built from the memory's 3 features.
/// let cross = &model.all_weights()[8..16];
/// assert_eq!(cross[2].0, "decoder.cross.key.kernel");
/// assert_eq!(cross[2].1.value().shape(), &[3, 2, 4]);
///
/// // Masks: the second query sees only the first key.
/// let mha = MultiHeadAttention::new(1, 2);
/// let (q, v) = (Tensor::ones(&[1, 2, 3]), Tensor::ones(&[1, 2, 5]));
/// let attention = Tensor::from_vec(vec![1.0, 1.0, 1.0, 0.0], &[1, 2, 2]);
/// let (_, scores) = mha.attention(&q, &v).attention_mask(&attention).run_with_scores()?;
/// assert_eq!(scores.to_vec(), vec![0.5, 0.5, 1.0, 0.0]);
/// // A value mask of another length than the value is an error naming the layer.
/// let err = mha.attention(&q, &v).value_mask(&Tensor::ones(&[1, 3])).run().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "layer `multi_head_attention` (MultiHeadAttention): `value_mask`: expected \
///      (batch, keys) = (1, 2), found shape [1, 3]"
/// );
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[must_use = "an attention call does nothing until `run` or `run_with_scores`"]
pub struct AttentionCall<'a> {
    layer: &'a MultiHeadAttention,
    query: &'a Tensor,
    value: &'a Tensor,
    key: Option<&'a Tensor>,
    query_mask: Option<&'a Tensor>,
    value_mask: Option<&'a Tensor>,
    key_mask: Option<&'a Tensor>,
    attention_mask: Option<&'a Tensor>,
    use_causal_mask: bool,
}

impl MultiHeadAttention {
    /// Attention from `query` `(batch, queries, features)` to `value` `(batch, keys,
    /// value_features)`, with the options of Keras's call to set on the [`AttentionCall`]
    /// before it runs (a key, masks, scores).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(2, 3);
    /// let (q, v, k) = (Tensor::ones(&[2, 4, 5]), Tensor::ones(&[2, 6, 7]), Tensor::ones(&[2, 6, 3]));
    /// let y = mha.attention(&q, &v).key(&k).run()?;
    /// assert_eq!(y.shape(), &[2, 4, 5]);
    /// assert_eq!(mha.key.kernel.value().shape(), &[3, 2, 3]); // from the key's features
    /// assert_eq!(mha.value.kernel.value().shape(), &[7, 2, 3]); // from the value's
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn attention<'a>(&'a self, query: &'a Tensor, value: &'a Tensor) -> AttentionCall<'a> {
        AttentionCall {
            layer: self,
            query,
            value,
            key: None,
            query_mask: None,
            value_mask: None,
            key_mask: None,
            attention_mask: None,
            use_causal_mask: self.use_causal_mask,
        }
    }

    /// The `#[layer(masking = …)]` of the layer: Keras's `mha(x, x)` where `x` carries
    /// `mask` `(batch, seq)`, so that both the query and the value are masked (query `i`
    /// attends to key `j` when both are real steps), with the causal and padding masks of
    /// the layer's options; the mask goes on unchanged (Keras's output carries the query's
    /// mask). Without a mask, the plain forward pass.
    pub(super) fn masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        let Some(mask) = mask else {
            return Ok((self.forward(x)?, None));
        };
        self.validate_config()?;
        check_rank("the input", x)?;
        let (batch, seq) = (x.shape()[0], x.shape()[1]);
        check_mask("mask", mask, &[batch, seq], "(batch, seq)")?;
        let keep = match self.padding_mask.keep(x)? {
            Some(padding) => padding * mask.detach(),
            None => mask.detach(),
        };
        let pairs = self_attention_mask(Some(&keep), seq, self.use_causal_mask);
        let y = undoing_builds(self.as_dyn(), || {
            catching(x, || Ok(self.compute(x, x, x, pairs.as_ref(), false)?.0))
        })?;
        Ok((y, Some(mask.clone())))
    }
}

impl<'a> AttentionCall<'a> {
    /// The key `(batch, keys, key_features)`; the value when not given (Keras's `key`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let (q, v) = (Tensor::ones(&[1, 2, 3]), Tensor::ones(&[1, 4, 3]));
    /// // A key of another length than the value is refused.
    /// let err = mha.attention(&q, &v).key(&Tensor::ones(&[1, 5, 3])).run().unwrap_err();
    /// assert!(err.to_string().contains("key and value one length"), "{err}");
    /// ```
    pub fn key(mut self, key: &'a Tensor) -> Self {
        self.key = Some(key);
        self
    }

    /// Which queries take part, `(batch, queries)` of 0 and 1 (Keras's `query_mask`, the
    /// mask the query carries): a masked query attends to no key.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let x = Tensor::ones(&[1, 2, 3]);
    /// let mask = Tensor::from_vec(vec![1.0, 0.0], &[1, 2]);
    /// let (_, scores) = mha.attention(&x, &x).query_mask(&mask).run_with_scores()?;
    /// assert_eq!(scores.to_vec(), vec![0.5, 0.5, 0.0, 0.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn query_mask(mut self, mask: &'a Tensor) -> Self {
        self.query_mask = Some(mask);
        self
    }

    /// Which values take part, `(batch, keys)` of 0 and 1 (Keras's `value_mask`): no query
    /// attends to a masked value.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let x = Tensor::ones(&[1, 2, 3]);
    /// let mask = Tensor::from_vec(vec![0.0, 1.0], &[1, 2]);
    /// let (_, scores) = mha.attention(&x, &x).value_mask(&mask).run_with_scores()?;
    /// assert_eq!(scores.to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn value_mask(mut self, mask: &'a Tensor) -> Self {
        self.value_mask = Some(mask);
        self
    }

    /// Which keys take part, `(batch, keys)` of 0 and 1 (Keras's `key_mask`), combined
    /// with the value mask.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let x = Tensor::ones(&[1, 2, 3]);
    /// let (keys, values) = (Tensor::from_vec(vec![1.0, 0.0], &[1, 2]), Tensor::ones(&[1, 2]));
    /// let call = mha.attention(&x, &x).key(&x).key_mask(&keys).value_mask(&values);
    /// assert_eq!(call.run_with_scores()?.1.to_vec(), vec![1.0, 0.0, 1.0, 0.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn key_mask(mut self, mask: &'a Tensor) -> Self {
        self.key_mask = Some(mask);
        self
    }

    /// Which query–key pairs may attend, `(batch, queries, keys)` (or `(1, queries, keys)`
    /// for every sample) of 0 and 1 (Keras's `attention_mask`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let x = Tensor::ones(&[1, 2, 3]);
    /// let err = mha.attention(&x, &x).attention_mask(&Tensor::ones(&[1, 2])).run().unwrap_err();
    /// assert!(err.to_string().contains("(batch, queries, keys) = (1, 2, 2)"), "{err}");
    /// ```
    pub fn attention_mask(mut self, mask: &'a Tensor) -> Self {
        self.attention_mask = Some(mask);
        self
    }

    /// Whether query `i` sees only the keys `j ≤ i` in this call (Keras's call argument
    /// `use_causal_mask`); the layer's option by default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(1, 2);
    /// let x = Tensor::ones(&[1, 2, 3]);
    /// let (_, scores) = mha.attention(&x, &x).use_causal_mask(true).run_with_scores()?;
    /// assert_eq!(scores.to_vec(), vec![1.0, 0.0, 0.5, 0.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn use_causal_mask(mut self, causal: bool) -> Self {
        self.use_causal_mask = causal;
        self
    }

    /// The output `(batch, queries, output_shape)`.
    ///
    /// # Errors
    ///
    /// Naming the layer: an input that is not `(batch, steps, features)`, inputs of
    /// different batch sizes, a key and a value of different lengths, a mask of another
    /// shape than the inputs' or holding anything but 0 and 1, an input whose features
    /// differ from those its projection was built for, a bad setting of the layer. A
    /// projection built by the failed call is unbuilt again.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(2, 3).output_shape(4);
    /// let y = mha.attention(&Tensor::ones(&[2, 3, 5]), &Tensor::ones(&[2, 7, 6])).run()?;
    /// assert_eq!(y.shape(), &[2, 3, 4]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn run(self) -> Result<Tensor> {
        Ok(self.go(false)?.0)
    }

    /// The output and Keras's attention scores: the probabilities each query gives each
    /// key, `(batch, num_heads, queries, keys)`, before dropout (Keras's
    /// `return_attention_scores=True`). A masked pair has probability 0.
    ///
    /// # Errors
    ///
    /// As [`run`](AttentionCall::run).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mha = MultiHeadAttention::new(3, 2);
    /// let (query, value) = (Tensor::ones(&[1, 2, 4]), Tensor::ones(&[1, 5, 4]));
    /// let (y, scores) = mha.attention(&query, &value).run_with_scores()?;
    /// assert_eq!((y.shape(), scores.shape()), (&[1, 2, 4][..], &[1, 3, 2, 5][..]));
    /// assert!(scores.to_vec().iter().all(|&p| (p - 0.2).abs() < 1e-6)); // equal keys
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn run_with_scores(self) -> Result<(Tensor, Tensor)> {
        self.go(true)
    }

    fn go(self, scores: bool) -> Result<(Tensor, Tensor)> {
        let layer = self.layer;
        let run = || {
            layer.validate_config()?;
            let key = self.key.unwrap_or(self.value);
            check_inputs(self.query, key, self.value, None)?;
            let mask = self.combined_mask(key)?;
            undoing_builds(layer.as_dyn(), || {
                catching(self.query, || {
                    layer.compute(self.query, key, self.value, mask.as_ref(), scores)
                })
            })
        };
        run().map_err(|e| e.in_layer(layer.display_name(), layer.type_name()))
    }

    /// Keras's `_compute_attention_mask`: the product of the masks given and the causal
    /// mask, `(batch or 1, queries or 1, keys or 1)`; `None` when nothing is masked.
    fn combined_mask(&self, key: &Tensor) -> Result<Option<Tensor>> {
        let (batch, queries, keys) = (self.query.shape()[0], self.query.shape()[1], key.shape()[1]);
        let mut parts = Vec::new();
        if let Some(m) = self.query_mask {
            check_mask("query_mask", m, &[batch, queries], "(batch, queries)")?;
            parts.push(m.detach().unsqueeze(2));
        }
        for (name, mask) in [("value_mask", self.value_mask), ("key_mask", self.key_mask)] {
            if let Some(m) = mask {
                check_mask(name, m, &[batch, keys], "(batch, keys)")?;
                parts.push(m.detach().unsqueeze(1));
            }
        }
        if self.use_causal_mask {
            parts.push(Tensor::tril_mask(queries, keys, 0).unsqueeze(0));
        }
        if let Some(m) = self.attention_mask {
            let shape = if m.shape().first() == Some(&1) {
                [1, queries, keys]
            } else {
                [batch, queries, keys]
            };
            check_mask("attention_mask", m, &shape, "(batch, queries, keys)")?;
            parts.push(m.detach());
        }
        Ok(parts.into_iter().reduce(|a, b| a * b))
    }
}

/// Refuses a mask of another shape than `expected` (`what` names its axes) or holding
/// anything but 0 and 1, naming the argument.
fn check_mask(name: &'static str, mask: &Tensor, expected: &[usize], what: &str) -> Result<()> {
    if mask.shape() != expected {
        let dims: Vec<String> = expected.iter().map(usize::to_string).collect();
        let dims = dims.join(", ");
        return Err(Error::invalid(
            name,
            format!("expected {what} = ({dims}), found shape {:?}", mask.shape()),
        ));
    }
    // Anything else is no answer to "does this position take part?" (NaN, 0.5).
    if let Some(v) = mask.to_vec().into_iter().find(|&v| v != 0.0 && v != 1.0) {
        return Err(Error::invalid(
            name,
            format!("a mask holds only 0 and 1, found {v}"),
        ));
    }
    Ok(())
}
