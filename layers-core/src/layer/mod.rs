//! Layers: the object-safe [`Layer`] trait every layer implements (usually through
//! `#[derive(Layer)]`), the [`LayerExt`] methods every layer gets (build, weights in Keras's
//! order, parameter counts, freezing, summaries), and the call [`context`].
//!
//! ```
//! use layers_core::prelude::*;
//!
//! // A layer written by hand; `#[derive(Layer)]` writes all of this for you.
//! struct Double;
//! impl Layer for Double {
//!     fn type_name(&self) -> &'static str { "Double" }
//!     fn forward(&self, x: &Tensor) -> layers_core::Result<Tensor> { Ok(x * 2.0) }
//! }
//!
//! let mut layer = Double;
//! assert_eq!(layer.build([3])?, vec![3]);
//! assert_eq!(layer.try_apply(&Tensor::ones(&[1, 3]))?.to_vec(), vec![2.0; 3]);
//! assert_eq!(layer.count_params()?, 0);
//! # Ok::<(), layers_core::Error>(())
//! ```

mod call;
mod catch;
pub mod config;
mod container;
pub mod context;
pub mod gradcheck;
mod named;
pub mod registry;
mod saving;
pub mod spec;
pub(crate) mod summary;
mod swap;
pub(crate) mod weight_shape;

use std::path::Path;

use crate::error::{Error, Result};
use crate::save::LoadOptions;
use crate::{Tensor, Weight, no_grad};

pub use call::{Call, CallWithContext, TryCall};
pub use catch::catch_call;
pub(crate) use catch::{
    catching, forward as catch_forward, forward_masked as catch_forward_masked, undoing_builds,
};
pub use context::Context;
pub use named::Named;
pub use summary::{Summary, SummaryRow};
pub(crate) use swap::read_consistent;

/// A layer: a forward pass, the weights it owns, the layers it contains, and its config.
///
/// The trait is object safe (`Box<dyn Layer>`); the methods users call come from
/// [`LayerExt`]. Weights are built lazily: `forward` creates a layer's weights from the
/// first input it sees (Keras's `build`), so a layer can be used as soon as it is created.
/// Layers are `Send + Sync`: a built model serves predictions from several threads.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// struct Scale { factor: Weight }
/// impl Layer for Scale {
///     fn type_name(&self) -> &'static str { "Scale" }
///     fn forward(&self, x: &Tensor) -> layers_core::Result<Tensor> {
///         use layers_core::layer::context::with_rng;
///         with_rng(|rng| self.factor.build(&[x.shape()[1]], rng))?;
///         Ok(x * &self.factor)
///     }
///     fn weights(&self) -> Vec<&Weight> { vec![&self.factor] }
///     fn weights_mut(&mut self) -> Vec<&mut Weight> { vec![&mut self.factor] }
/// }
///
/// let mut s = Scale { factor: Weight::unbuilt("factor", Initializer::ones(), true) };
/// s.build([4])?;
/// assert_eq!(s.count_params()?, 4);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait Layer: Send + Sync {
    /// The layer's type as the summary shows it, e.g. `"Dense"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dense::new(3).type_name(), "Dense");
    /// assert_eq!(Dense::new(3).named("out").type_name(), "Dense");
    /// ```
    fn type_name(&self) -> &'static str;

    /// The name given to this layer, if one was; containers otherwise name it after its
    /// type (`dense`, `dense_1`, …).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dense::new(3).named("logits").name(), Some("logits"));
    /// assert_eq!(Dense::new(3).name(), None);
    /// ```
    fn name(&self) -> Option<&str> {
        None
    }

    /// The forward pass for a batch `x` of shape `(batch, …)`, building the layer's weights
    /// from `x`'s shape first if needed. Reads training mode and randomness from the
    /// [`context`].
    ///
    /// # Errors
    ///
    /// When the layer cannot be built for `x`'s shape, or its call fails: a
    /// `#[derive(Layer)]` layer returns an op's panic inside its call as [`Error::Call`]
    /// (see [`catch_call`]). Containers and boundaries (`build`, `fit`, `predict`,
    /// [`LayerExt::try_apply`]) catch a hand-written `forward`'s panics as well.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let dense = Dense::new(3);
    /// // The first call builds the kernel (4, 3) and the bias (3) from the input's width.
    /// let y = dense.forward(&Tensor::ones(&[2, 4]))?;
    /// assert_eq!(y.shape(), &[2, 3]);
    /// assert!(dense.forward(&Tensor::ones(&[2, 5])).is_err()); // built for width 4
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn forward(&self, x: &Tensor) -> Result<Tensor>;

    /// The forward pass with Keras's mask: `mask` is `(batch, time)`, 1 for a real time step
    /// and 0 for padding (as [`Masking`](crate::builtin::Masking) and
    /// [`Embedding`](crate::Embedding)'s `mask_zero` make it), and the result is the output
    /// with the mask for the next layer. With no mask this is [`forward`](Layer::forward)
    /// and no mask comes out: an unmasked model takes no extra step.
    ///
    /// Layers that use a mask (the recurrent layers, `Bidirectional`,
    /// `GlobalAveragePooling1D`, `MultiHeadAttention`, `BatchNormalization`, `Softmax`,
    /// `TimeDistributed`), make one
    /// (`Masking`, `Embedding`) or pass it on unchanged (`Dense`, `Dropout`, `Activation`,
    /// `LayerNormalization`) say so with `#[layer(masking = …)]`, and
    /// [`takes_mask`](Layer::takes_mask) says so to the layers around them. Any other layer
    /// refuses a mask: Keras would drop it
    /// there (with a warning) or use it in a way this library does not, so a model that
    /// needs it is an error rather than silently different numbers.
    ///
    /// # Errors
    ///
    /// A mask given to a layer that does not take one; the errors of `forward`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Masking;
    /// use layers_core::prelude::*;
    /// let x = Tensor::from_vec(vec![1.0, 0.0, 2.0, 0.0], &[1, 2, 2]);
    /// let (y, mask) = Masking::new(0.0).forward_masked(&x, None)?;
    /// assert_eq!(mask.unwrap().to_vec(), vec![1.0, 1.0]); // no step is all zeros
    /// assert_eq!(y.to_vec(), x.to_vec());
    /// let (_, none) = Dense::new(2).forward_masked(&Tensor::ones(&[1, 3]), None)?;
    /// assert!(none.is_none());
    /// let refused = Flatten::new().forward_masked(&x, Some(&Tensor::ones(&[1, 2])));
    /// assert!(refused.unwrap_err().to_string().contains("does not take a mask"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        match mask {
            None => Ok((self.forward(x)?, None)),
            Some(_) => Err(mask_refused(self.type_name())),
        }
    }

    /// Whether the layer takes Keras's mask: `true` when
    /// [`forward_masked`](Layer::forward_masked) given a mask uses it, passes it on or
    /// replaces it, `false` when it refuses it as this layer (the error "does not take a
    /// mask"). A layer that takes one may still fail inside on a mask of the wrong shape, or
    /// in a sublayer that refuses it.
    ///
    /// Wrappers ask it of the layer they hold: [`TimeDistributed`](crate::TimeDistributed)
    /// gives each step's part of the mask to an inner layer that takes one and runs one that
    /// does not without it, as Keras passes a mask only to a `call` with a `mask` argument.
    ///
    /// `false` by default, as the default `forward_masked` refuses every mask.
    /// `#[derive(Layer)]` answers for a derived layer: `true` with `#[layer(masking = …)]`
    /// (or what its `takes_mask = …` says, for a layer that refuses a mask in some
    /// configurations, as `Embedding` does without `mask_zero`) and for a
    /// `#[layer(sequential)]` one; `false` otherwise. A `Sequential` takes one (it carries it
    /// from layer to layer); `Named`, `Box` and `Model` answer for the layer they hold. A
    /// layer written by hand that overrides `forward_masked` to take a mask overrides this
    /// too.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::builtin::Masking;
    /// use layers_core::prelude::*;
    /// assert!(Lstm::new(4).takes_mask()); // uses it
    /// assert!(Dense::new(4).takes_mask()); // passes it on
    /// assert!(Masking::new(0.0).takes_mask()); // makes its own
    /// assert!(Embedding::new(10, 4).mask_zero(true).takes_mask());
    /// assert!(!Embedding::new(10, 4).takes_mask()); // refuses it without `mask_zero`
    /// assert!(!Flatten::new().takes_mask());
    /// assert!(Sequential::new().add(Flatten::new()).takes_mask()); // hands it to Flatten
    /// assert!(!Box::new(Flatten::new()).named("flat").takes_mask());
    ///
    /// // What TimeDistributed does with it: Flatten runs without the mask.
    /// let td = TimeDistributed::new(Flatten::new());
    /// let mask = Tensor::ones(&[1, 3]);
    /// let (y, _) = td.forward_masked(&Tensor::ones(&[1, 3, 2, 2]), Some(&mask))?;
    /// assert_eq!(y.shape(), &[1, 3, 4]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn takes_mask(&self) -> bool {
        false
    }

    /// The layer's inference on `rows` samples of contiguous values `x` (row-major, each
    /// sample a vector), straight on slices: no tensors, no graph, and none of `forward`'s
    /// per-call checks beyond the operands' sizes. It is
    /// the fast path of a few-sample [`Sequential::predict`](crate::Sequential::predict):
    /// where every layer of the model has one, a batch-1 prediction runs the chain of them.
    ///
    /// `None` (the default) when the layer has no such path, or cannot take this input as it
    /// stands (unbuilt, another width, a configuration its `forward` would refuse); the
    /// caller then runs [`forward`](Layer::forward), which says what is wrong. Where it gives
    /// `Some`, the values are bit for bit those of `forward` in inference mode. A
    /// `#[derive(Layer)]` layer has it when its [`Call`] or
    /// [`TryCall`] provides `call_rows`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut dense = Dense::new(3).activation("relu");
    /// dense.build([4])?;
    /// let x = [0.5, -1.0, 2.0, 0.25];
    /// let rows = dense.forward_rows(&x, 1).expect("a built Dense has the fast path");
    /// let full = dense.forward(&Tensor::from_vec(x.to_vec(), &[1, 4]))?;
    /// assert_eq!(rows, full.to_vec());
    /// assert!(dense.forward_rows(&x[..3], 1).is_none()); // another width: `forward` reports it
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let _ = (x, rows);
        None
    }

    /// The layer's own weights (not its sublayers'), in creation order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut dense = Dense::new(3);
    /// dense.build([4])?;
    /// let shapes: Vec<_> = dense.weights().iter().map(|w| w.shape()).collect();
    /// assert_eq!(shapes, [Some(vec![4, 3]), Some(vec![3])]); // kernel, bias
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn weights(&self) -> Vec<&Weight> {
        Vec::new()
    }

    /// The layer's own weights, mutably, in the same order as [`Layer::weights`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut dense = Dense::new(2);
    /// dense.build([2])?;
    /// for w in dense.weights_mut() {
    ///     w.set_trainable(false);
    /// }
    /// assert!(dense.weights().iter().all(|w| !w.is_trainable()));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        Vec::new()
    }

    /// The layers this one contains, each with the path segment its weights nest under.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let model = Sequential::new().add(Dense::new(4)).add(Dense::new(2).named("out"));
    /// let types: Vec<&str> = model.sublayers().iter().map(|(_, l)| l.type_name()).collect();
    /// assert_eq!(types, ["Dense", "Dense"]);
    /// assert!(Dense::new(2).sublayers().is_empty());
    /// ```
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        Vec::new()
    }

    /// The contained layers, mutably, in the same order as [`Layer::sublayers`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(4)).add(Dense::new(2));
    /// model.build([3])?;
    /// let (_, first) = &mut model.sublayers_mut()[0];
    /// assert_eq!(first.weights_mut().len(), 2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        Vec::new()
    }

    /// The layer's hyperparameters as JSON (Keras's `get_config`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let config = Dense::new(3).activation("relu").config();
    /// assert_eq!((config["units"].clone(), config["activation"].clone()), (3.into(), "relu".into()));
    /// ```
    fn config(&self) -> serde_json::Value {
        serde_json::Value::Object(serde_json::Map::new())
    }

    /// The layer's config, or why it cannot be written as data: what saving a model asks
    /// of every layer in it ([`LayerExt::check_config`] asks them all). By default
    /// [`config`](Layer::config); a [`Lambda`](crate::builtin::Lambda) around an unnamed
    /// closure refuses, since a file never carries code.
    ///
    /// # Errors
    ///
    /// When the layer holds something that is not data (an unnamed closure).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dense::new(3).try_config()?["units"], 3);
    /// assert!(Lambda::new(|x| x * 2.0).try_config().is_err());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn try_config(&self) -> Result<serde_json::Value> {
        Ok(self.config())
    }

    /// Whether this layer only groups its sublayers, as `Vec<L>`, `[L; N]` and an empty
    /// `Option<L>` do: summaries then show a row per sublayer (`blocks.0`, `blocks.1`)
    /// instead of one row for the group. `false` for every other layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(vec![Dense::new(2)].is_container());
    /// assert!(!Dense::new(2).is_container());
    /// assert!(!Some(Dense::new(2)).is_container()); // the layer itself
    /// ```
    fn is_container(&self) -> bool {
        false
    }

    /// The rows this layer shows in a summary: by default one per sublayer, and one per
    /// element of a sublayer that [is a container](Layer::is_container).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let model = Sequential::new().add(Dense::new(4)).add(Dense::new(2));
    /// assert_eq!(model.summary_rows().len(), 2);
    /// ```
    fn summary_rows(&self) -> Vec<SummaryRow> {
        let mut rows = Vec::new();
        for (name, layer) in self.sublayers() {
            summary::push_rows(&mut rows, &name, layer, None);
        }
        rows
    }

    /// The summary rows of this layer built for the per-sample `input_shape`: by default
    /// [`summary_rows`](Layer::summary_rows); a `#[layer(sequential)]` model also fills in
    /// each row's output shape, by running a zero sample through its fields.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::activation::Relu;
    /// use layers_core::prelude::*;
    ///
    /// #[derive(Layer)]
    /// #[layer(sequential, input = [B, 4])]
    /// struct Net {
    ///     #[layer(default)]
    ///     hidden: Dense<Const<3>>,
    ///     #[layer(default)]
    ///     act: Relu,
    /// }
    ///
    /// let rows = Net::new().summary_rows_for(&[4]);
    /// assert_eq!(rows[0].name, "hidden");
    /// assert_eq!(rows[1].output_shape, Some(vec![3]));
    /// ```
    fn summary_rows_for(&self, input_shape: &[usize]) -> Vec<SummaryRow> {
        let _ = input_shape;
        self.summary_rows()
    }
}

/// The error for a mask reaching a layer that does not take one.
pub(crate) fn mask_refused(type_name: &str) -> Error {
    Error::invalid(
        "mask",
        format!(
            "a {type_name} does not take a mask (from `Masking` or `Embedding`'s \
             `mask_zero`); Keras would drop or use it there, so put the layers that use it \
             (recurrent layers, `Bidirectional`) before any other, or remove the mask"
        ),
    )
}

/// Keras's mask passed through unchanged: `layer`'s forward pass with the mask given back,
/// for a layer that works on each time step alone (`Dense`, `Dropout`): its
/// `#[layer(masking = pass_mask)]`.
///
/// # Errors
///
/// The errors of `layer.forward(x)`.
///
/// # Examples
///
/// ```
/// use layers_core::layer::pass_mask;
/// use layers_core::prelude::*;
/// let mask = Tensor::from_vec(vec![1.0, 0.0], &[1, 2]);
/// let (y, m) = pass_mask(&Dense::new(3), &Tensor::ones(&[1, 2, 4]), Some(&mask))?;
/// assert_eq!((y.shape(), m.unwrap().to_vec()), (&[1, 2, 3][..], vec![1.0, 0.0]));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn pass_mask<L: Layer + ?Sized>(
    layer: &L,
    x: &Tensor,
    mask: Option<&Tensor>,
) -> Result<(Tensor, Option<Tensor>)> {
    Ok((layer.forward(x)?, mask.cloned()))
}

/// Keras's automatic name for a layer type: snake_case of the type name
/// (`CustomDense` → `custom_dense`, `ReLU` → `re_lu`, `LSTM` → `lstm`, `Block2Dense` →
/// `block2_dense`), by Keras's `to_snake_case`: an `_` before each capital followed by
/// lowercase letters (after any character, a digit included), then between a lowercase
/// letter and a capital, then all in lowercase.
///
/// # Examples
///
/// ```
/// use layers_core::layer::snake_case;
/// assert_eq!(snake_case("CustomDense"), "custom_dense");
/// assert_eq!(snake_case("BatchNormalization"), "batch_normalization");
/// assert_eq!(snake_case("LSTM"), "lstm");
/// assert_eq!(snake_case("Conv2D"), "conv2d");
/// assert_eq!(snake_case("Block2Dense"), "block2_dense");
/// ```
pub fn snake_case(type_name: &str) -> String {
    let chars: Vec<char> = type_name.chars().collect();
    // Keras's `re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)`: matches do not overlap, and
    // each takes the character before the capital and the whole run of lowercase after it.
    let mut words = Vec::with_capacity(chars.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        words.push(chars[i]);
        let starts_word = |j: usize| {
            chars.get(j).is_some_and(char::is_ascii_uppercase)
                && chars.get(j + 1).is_some_and(char::is_ascii_lowercase)
        };
        if starts_word(i + 1) {
            words.push('_');
            let mut j = i + 2;
            while chars.get(j).is_some_and(char::is_ascii_lowercase) {
                j += 1;
            }
            words.extend_from_slice(&chars[i + 1..j]);
            i = j;
        } else {
            i += 1;
        }
    }
    // Then `re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()`.
    let mut out = String::with_capacity(words.len() + 4);
    let mut k = 0;
    while k < words.len() {
        let c = words[k];
        out.extend(c.to_lowercase());
        if c.is_ascii_lowercase() && words.get(k + 1).is_some_and(char::is_ascii_uppercase) {
            out.push('_');
            out.extend(words[k + 1].to_lowercase());
            k += 2;
        } else {
            k += 1;
        }
    }
    out
}

/// Visits `layer` and every layer below it, depth first in Keras's order (a layer before its
/// sublayers), with its path: `""` for `layer` itself, then `block`, `block.dense`, …
/// One path buffer is grown and cut back as the walk goes, so visiting allocates no path.
pub(crate) fn visit_layers<'a>(layer: &'a dyn Layer, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
    fn walk<'a>(layer: &'a dyn Layer, path: &mut String, f: &mut dyn FnMut(&str, &'a dyn Layer)) {
        f(path, layer);
        for (name, sub) in layer.sublayers() {
            let len = path.len();
            if len > 0 {
                path.push('.');
            }
            path.push_str(&name);
            walk(sub, path, f);
            path.truncate(len);
        }
    }
    walk(layer, &mut String::new(), f);
}

/// `path.name`, or `name` at the top.
fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// Every weight with its path, each layer's trainable weights before its others.
fn collect_weights(layer: &dyn Layer) -> Vec<(String, &Weight)> {
    let mut out = Vec::new();
    visit_layers(layer, &mut |path, layer| {
        let own = layer.weights();
        let (trainable, frozen): (Vec<&Weight>, Vec<&Weight>) =
            own.into_iter().partition(|w| w.is_trainable());
        for w in trainable.into_iter().chain(frozen) {
            out.push((join(path, w.name()), w));
        }
    });
    out
}

/// The trainable weights in Keras's order (own, then each sublayer's), without their paths:
/// what the training loop hands the optimizer every step.
pub(crate) fn trainable_weight_refs(layer: &dyn Layer) -> Vec<&Weight> {
    let mut out = Vec::new();
    visit_layers(layer, &mut |_, layer| {
        out.extend(layer.weights().into_iter().filter(|w| w.is_trainable()));
    });
    out
}

fn visit_weights_mut(layer: &mut dyn Layer, f: &mut dyn FnMut(&mut Weight)) {
    for w in layer.weights_mut() {
        f(w);
    }
    for (_, sub) in layer.sublayers_mut() {
        visit_weights_mut(sub, f);
    }
}

/// What every layer can do, given [`Layer`]: Keras's layer API.
///
/// Implemented for every `Layer`, including `dyn Layer`.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// let mut model = Sequential::new().add(Dense::new(4)).add(Dense::new(2));
/// model.build([3])?;
/// let names: Vec<String> = model.all_weights().into_iter().map(|(path, _)| path).collect();
/// assert_eq!(names, ["dense.kernel", "dense.bias", "dense_1.kernel", "dense_1.bias"]);
/// assert_eq!(model.count_params()?, 3 * 4 + 4 + 4 * 2 + 2);
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait LayerExt: Layer {
    /// The layer's name: the one given, or the snake_case of its type.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dense::new(3).display_name(), "dense");
    /// assert_eq!(Dense::new(3).named("out").display_name(), "out");
    /// ```
    fn display_name(&self) -> String {
        self.name()
            .map(str::to_string)
            .unwrap_or_else(|| snake_case(self.type_name()))
    }

    /// The layer as data: its class, name, config and sublayers ([`spec::LayerConfig`]),
    /// which [`spec::FromConfig`] and [`registry::layer_from_config`] make a layer from.
    ///
    /// # Errors
    ///
    /// When a layer in it cannot be written as data (a `Lambda` around an unnamed closure).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let config = Dense::new(3).named("out").layer_config()?;
    /// assert_eq!((config.class_name.as_str(), config.name.as_deref()), ("Dense", Some("out")));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn layer_config(&self) -> Result<spec::LayerConfig> {
        spec::LayerConfig::of(self.as_dyn())
    }

    /// Builds the layer (and its sublayers) for inputs of per-sample shape `input_shape`
    /// (the batch axis is implied) and returns the per-sample output shape.
    ///
    /// This runs the forward pass once on a zero batch of one sample, without recording,
    /// so every weight is created and every shape inside `call` is checked. Building again
    /// with the same shape does nothing new; with another shape it is an error.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming the layer, wrapping the cause: a weight whose shape no longer
    /// fits, an input of too low a rank, or an op inside `call` whose shapes do not fit.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(5);
    /// assert_eq!(d.build([3])?, vec![5]);
    /// let err = d.build([4]).unwrap_err();
    /// assert!(err.to_string().starts_with("layer `dense` (Dense): "), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn build(&mut self, input_shape: impl AsRef<[usize]>) -> Result<Vec<usize>> {
        let shape = input_shape.as_ref();
        let layer = self.as_dyn();
        undoing_builds(layer, || dry_run(layer, shape)).map_err(|e| match e {
            e @ Error::Layer { .. } => e,
            e => e.in_layer(self.display_name(), self.type_name()),
        })
    }

    /// Calls the layer on `x` (building it first if needed), for use inside another layer's
    /// [`Call::call`]; the panicking twin of [`LayerExt::try_apply`].
    ///
    /// Inside a layer's call its failure travels, without printing, to the layer that
    /// catches it (see [`catch_call`]), which returns it as an error naming this layer:
    /// `fit` and `predict` return it like any other.
    ///
    /// # Panics
    ///
    /// When [`LayerExt::try_apply`] returns an error, with its message, at the caller's
    /// line.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let relu = Activation::from_name("relu")?;
    /// let y = relu.apply(&Tensor::from_vec(vec![-1.0, 2.0], &[1, 2]));
    /// assert_eq!(y.to_vec(), vec![0.0, 2.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    #[track_caller]
    fn apply(&self, x: &Tensor) -> Tensor {
        match self.try_apply(x) {
            Ok(y) => y,
            Err(e) => crate::unwind::raise(e),
        }
    }

    /// Calls the layer on `x` (building it first if needed), returning its failure as an
    /// error: for a [`TryCall`] that uses sublayers (`self.dense.try_apply(x)?`), or to
    /// call a layer outside a model.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming this layer (and the path to the sublayer that failed),
    /// wrapping the cause: a weight that cannot be built for `x`, an input the layer does not
    /// take, or [`Error::Call`] when its call failed, with the op, its shapes and its line.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut e = Embedding::new(3, 2);
    /// e.build([1])?;
    /// assert_eq!(e.try_apply(&Tensor::zeros(&[1, 1]))?.shape(), &[1, 1, 2]);
    /// let err = e.try_apply(&Tensor::full(&[1, 1], 7.0)).unwrap_err();
    /// assert!(err.to_string().starts_with("layer `embedding` (Embedding): its call failed"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn try_apply(&self, x: &Tensor) -> Result<Tensor> {
        let layer = self.as_dyn();
        undoing_builds(layer, || catch::forward(layer, x))
            .map_err(|e| e.in_layer(self.display_name(), self.type_name()))
    }

    /// Whether every weight of the layer and its sublayers exists.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(2);
    /// assert!(!d.is_built());
    /// d.build([3])?;
    /// assert!(d.is_built());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn is_built(&self) -> bool {
        self.weights().iter().all(|w| w.is_built())
            && self.sublayers().iter().all(|(_, l)| l.is_built())
    }

    /// Every weight with its path (`dense_1.kernel`), in Keras's order: the layer's own
    /// trainable weights in creation order, then its own non-trainable ones, then each
    /// sublayer's, recursively.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut bn = BatchNormalization::new();
    /// bn.build([3])?;
    /// let paths: Vec<String> = bn.all_weights().into_iter().map(|(p, _)| p).collect();
    /// assert_eq!(paths, ["gamma", "beta", "moving_mean", "moving_variance"]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn all_weights(&self) -> Vec<(String, &Weight)> {
        collect_weights(self.as_dyn())
    }

    /// The weights optimizers update, with their paths, in Keras's order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut bn = BatchNormalization::new();
    /// bn.build([3])?;
    /// assert_eq!(bn.trainable_weights().len(), 2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn trainable_weights(&self) -> Vec<(String, &Weight)> {
        self.all_weights()
            .into_iter()
            .filter(|(_, w)| w.is_trainable())
            .collect()
    }

    /// The weights optimizers leave alone (state, or frozen layers), with their paths.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut bn = BatchNormalization::new();
    /// bn.build([3])?;
    /// assert_eq!(bn.non_trainable_weights().len(), 2);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn non_trainable_weights(&self) -> Vec<(String, &Weight)> {
        self.all_weights()
            .into_iter()
            .filter(|(_, w)| !w.is_trainable())
            .collect()
    }

    /// The number of values in all weights.
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`] naming the layer if it is not built.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(64);
    /// assert!(d.count_params().is_err());
    /// d.build([32])?;
    /// assert_eq!(d.count_params()?, 32 * 64 + 64);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn count_params(&self) -> Result<usize> {
        if !self.is_built() {
            return Err(Error::Unbuilt {
                layer: self.display_name(),
            });
        }
        Ok(self.all_weights().iter().map(|(_, w)| w.len()).sum())
    }

    /// The values of all weights, in [`LayerExt::all_weights`] order.
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`] if the layer is not built.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(2);
    /// d.build([3])?;
    /// let w = d.get_weights()?;
    /// assert_eq!(w[0].shape(), &[3, 2]);
    /// assert_eq!(w[1].shape(), &[2]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn get_weights(&self) -> Result<Vec<Tensor>> {
        if !self.is_built() {
            return Err(Error::Unbuilt {
                layer: self.display_name(),
            });
        }
        let weights = self.all_weights();
        // One set, even while another thread sets the weights.
        Ok(read_consistent(|| {
            weights.iter().map(|(_, w)| w.value().detach()).collect()
        }))
    }

    /// Sets all weights from values in [`LayerExt::all_weights`] order; the count is checked
    /// first, then every shape, before anything is changed.
    ///
    /// The weights change as a whole: a `predict` or [`LayerExt::get_weights`] running on
    /// another thread at the same time uses either the old set or the new one, never a
    /// mixture (a prediction that overlapped the change runs again).
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`] if the layer is not built (its weights have no shapes to check
    /// the values against yet: build it first); [`Error::WeightCount`] for the wrong number
    /// of values, [`Error::Layer`] wrapping [`Error::WeightShape`] for a value of the wrong
    /// shape (naming the weight's path); [`Error::InvalidArgument`] when called from a
    /// layer's call during `predict`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(2);
    /// // Before the build the kernel's shape is unknown: nothing to check the values against.
    /// let err = d.set_weights(&[Tensor::zeros(&[3, 2]), Tensor::ones(&[2])]).unwrap_err();
    /// assert!(matches!(err, Error::Unbuilt { .. }));
    /// d.build([3])?;
    /// let err = d.set_weights(&[Tensor::zeros(&[3, 2])]).unwrap_err();
    /// assert_eq!(err.to_string(), "layer `dense` expects 2 weights, got 1");
    /// d.set_weights(&[Tensor::zeros(&[3, 2]), Tensor::ones(&[2])])?;
    /// assert_eq!(d.get_weights()?[1].to_vec(), vec![1.0, 1.0]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn set_weights(&self, values: &[Tensor]) -> Result<()> {
        if !self.is_built() {
            return Err(Error::Unbuilt {
                layer: self.display_name(),
            });
        }
        let weights = self.all_weights();
        if weights.len() != values.len() {
            return Err(Error::WeightCount {
                layer: self.display_name(),
                expected: weights.len(),
                found: values.len(),
            });
        }
        for ((path, w), v) in weights.iter().zip(values) {
            match w.shape() {
                Some(shape) if shape != v.shape() => {
                    return Err(Error::WeightShape {
                        weight: path.clone(),
                        expected: shape.into(),
                        found: v.shape().into(),
                    }
                    .in_layer(self.display_name(), self.type_name()));
                }
                _ => {}
            }
        }
        let values: Vec<Tensor> = values.iter().map(Tensor::detach).collect();
        swap::write_set(|| {
            for ((_, w), v) in weights.iter().zip(values) {
                w.set_value(v)?;
            }
            Ok(())
        })
    }

    /// Saves every weight to `path` as a safetensors file: one little-endian `F32` tensor per
    /// weight, named by its path in [`LayerExt::all_weights`] (`dense_1.kernel`), with the
    /// format's name and version and the library's version as metadata. The file is written
    /// atomically (see [`SavedWeights::write`](crate::save::SavedWeights::write)): `path`
    /// holds its previous content or the whole new file, never part of one.
    ///
    /// # Errors
    ///
    /// [`Error::Unbuilt`] if the layer is not built; [`Error::Io`] naming `path` when it
    /// cannot be written (the previous file is then intact); [`Error::Layer`] wrapping
    /// [`Error::InvalidArgument`] when two weights share a path.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::save::{LoadOptions, SavedWeights};
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("dense.safetensors");
    /// let mut d = Dense::new(2);
    /// d.build([3])?;
    /// d.save_weights(&path)?;
    /// let file = SavedWeights::read(&path, LoadOptions::new())?;
    /// assert_eq!(file.get("kernel").unwrap().to_vec(), d.kernel.value().to_vec());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        saving::save(self.as_dyn(), path.as_ref())
    }

    /// Loads every weight from a file [`LayerExt::save_weights`] wrote (or any safetensors
    /// file of `F32` tensors named by the weights' paths), refusing NaN and infinite values:
    /// [`LayerExt::load_weights_with`] with the default [`LoadOptions`].
    ///
    /// # Errors
    ///
    /// As [`LayerExt::load_weights_with`].
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("dense.safetensors");
    /// let mut a = Dense::new(2);
    /// a.build([3])?;
    /// a.save_weights(&path)?;
    /// let mut b = Dense::new(2);
    /// b.build([3])?;
    /// b.load_weights(&path)?;
    /// assert_eq!(b.get_weights()?[0].to_vec(), a.get_weights()?[0].to_vec());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn load_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        self.load_weights_with(path, LoadOptions::new())
    }

    /// Loads every weight from the safetensors file at `path`, as `options` says.
    ///
    /// The layer must be built (a file's shapes cannot tell how to build every layer: build
    /// it with [`LayerExt::build`] or the model's `build` first). The file's header is
    /// checked, then every tensor's name and shape against the layer's weights, then the
    /// data; only when everything fits are the weights set, all at once, as
    /// [`LayerExt::set_weights`] does (a `predict` on another thread sees the old weights or
    /// the new ones, never a mix). On any error no weight has changed. The file's
    /// `format_version` must be [`FORMAT_VERSION`](crate::save::FORMAT_VERSION) if it gives
    /// one; files without one (written by other tools) are read by their tensor names.
    ///
    /// # Errors
    ///
    /// - [`Error::Unbuilt`] if the layer is not built;
    /// - [`Error::Io`] naming the file when it cannot be read: missing, a directory, not a
    ///   regular file;
    /// - [`Error::WeightsFile`] naming the file (and the tensor, where it concerns one) when
    ///   it is not a valid safetensors file of `F32` tensors, or holds NaN or infinite values
    ///   `options` does not allow: see [`WeightsProblem`](crate::error::WeightsProblem);
    /// - [`Error::WeightsMismatch`] listing every weight the file lacks, every tensor the
    ///   layer has no weight for, and every tensor of another shape.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::save::LoadOptions;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("model.safetensors");
    /// let mut model = Sequential::new().add(Dense::new(4)).add(Dense::new(2));
    /// model.build([3])?;
    /// model.save_weights(&path)?;
    ///
    /// let mut other = Sequential::new().add(Dense::new(5)).add(Dense::new(2));
    /// other.build([3])?;
    /// let err = other.load_weights_with(&path, LoadOptions::new()).unwrap_err();
    /// assert!(matches!(err, Error::WeightsMismatch { .. }));
    /// assert!(err.to_string().ends_with(
    ///     "3 tensors of another shape (dense.kernel is [3, 4] in the file, [3, 5] in the layer, \
    ///      dense.bias is [4] in the file, [5] in the layer, \
    ///      dense_1.kernel is [4, 2] in the file, [5, 2] in the layer)"
    /// ), "{err}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn load_weights_with(&self, path: impl AsRef<Path>, options: LoadOptions) -> Result<()> {
        saving::load(self.as_dyn(), path.as_ref(), options)
    }

    /// Freezes (`false`) or unfreezes the layer and all its sublayers (Keras's
    /// `layer.trainable = …`). Weights declared non-trainable stay so when unfrozen.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut d = Dense::new(2);
    /// d.build([3])?;
    /// d.set_trainable(false);
    /// assert!(d.trainable_weights().is_empty());
    /// assert!(!d.is_trainable());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn set_trainable(&mut self, trainable: bool) {
        visit_weights_mut(self.as_dyn_mut(), &mut |w| w.set_frozen(!trainable));
    }

    /// Whether the layer is not frozen (layers without weights always are trainable).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(Dense::new(1).is_trainable());
    /// ```
    fn is_trainable(&self) -> bool {
        self.all_weights().iter().all(|(_, w)| !w.is_frozen())
    }

    /// Gives the layer a name (instead of the automatic `dense_1`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let model = Sequential::new().add(Dense::new(3).named("hidden"));
    /// assert_eq!(model.layer_names(), ["hidden"]);
    /// ```
    fn named(self, name: impl Into<String>) -> Named<Self>
    where
        Self: Sized,
    {
        Named::new(name, self)
    }

    /// Keras's summary table of the layer: its sublayers with output shapes and parameter
    /// counts, and the totals.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut model = Sequential::new().add(Dense::new(64)).add(Dense::new(10));
    /// model.build([32])?;
    /// let text = model.summary().to_string();
    /// assert!(text.contains(" Total params: 2,762 (10.79 KB)"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn summary(&self) -> Summary {
        Summary::of(self.as_dyn())
    }

    /// Checks that this layer and every layer in it can write its config as data
    /// ([`Layer::try_config`]): what saving a model asks first, so that a model holding an
    /// unnamed closure is refused before anything is written.
    ///
    /// # Errors
    ///
    /// The first layer that cannot, as [`Error::Layer`] naming its path and type.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let model = Sequential::new().add(Dense::new(2)).add(Lambda::new(|x| x.square()));
    /// let err = model.check_config().unwrap_err();
    /// assert!(err.to_string().starts_with("layer `lambda` (Lambda): "), "{err}");
    ///
    /// let square = Lambda::new(|x| x.square()).registered_as("square");
    /// Sequential::new().add(Dense::new(2)).add(square).check_config()?;
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn check_config(&self) -> Result<()> {
        let mut result = Ok(());
        visit_layers(self.as_dyn(), &mut |path, layer| {
            // A container's config is its elements': they are checked one by one, so that
            // the error names the element (`blocks.1`).
            if result.is_ok() && (path.is_empty() || !layer.is_container()) {
                result = layer.try_config().map(drop).map_err(|e| {
                    let name = if path.is_empty() {
                        self.display_name()
                    } else {
                        path.to_string()
                    };
                    e.in_layer(name, layer.type_name())
                });
            }
        });
        result
    }

    /// This layer as a trait object.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let (dense, dropout) = (Dense::new(2), Dropout::new(0.5));
    /// let layers: Vec<&dyn Layer> = vec![dense.as_dyn(), dropout.as_dyn()];
    /// assert_eq!(layers[1].type_name(), "Dropout");
    /// ```
    fn as_dyn(&self) -> &dyn Layer;

    /// This layer as a mutable trait object.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut dense = Dense::new(2);
    /// dense.as_dyn_mut().build([3])?;
    /// assert_eq!(dense.count_params()?, 8);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    fn as_dyn_mut(&mut self) -> &mut dyn Layer;
}

impl<L: Layer> LayerExt for L {
    fn as_dyn(&self) -> &dyn Layer {
        self
    }

    fn as_dyn_mut(&mut self) -> &mut dyn Layer {
        self
    }
}

impl<'a> LayerExt for dyn Layer + 'a {
    fn as_dyn(&self) -> &dyn Layer {
        self
    }

    fn as_dyn_mut(&mut self) -> &mut dyn Layer {
        self
    }
}

/// Runs the forward pass once on a zero batch of one sample, without recording and in
/// inference mode, turning a panic inside `call` into an error.
pub(crate) fn dry_run(layer: &dyn Layer, shape: &[usize]) -> Result<Vec<usize>> {
    let mut batch = vec![1];
    batch.extend_from_slice(shape);
    let x = Tensor::try_zero_batch(&batch)?;
    let out = context::as_dry_run(|| no_grad(|| catch::forward(layer, &x)))?;
    Ok(out.shape().get(1..).unwrap_or(&[]).to_vec())
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_matches_keras() {
        assert_eq!(snake_case("Dense"), "dense");
        assert_eq!(snake_case("CustomDense"), "custom_dense");
        assert_eq!(snake_case("ReLU"), "re_lu");
        assert_eq!(snake_case("Conv2D"), "conv2d");
        assert_eq!(snake_case("GELU"), "gelu");
        assert_eq!(snake_case("LeakyReLU"), "leaky_re_lu");
        // Values from Keras 3.15.1's `keras.src.utils.naming.to_snake_case`.
        assert_eq!(snake_case("Block2Dense"), "block2_dense");
        assert_eq!(snake_case("MLP2Block"), "mlp2_block");
        assert_eq!(snake_case("Conv2DTranspose"), "conv2d_transpose");
        assert_eq!(
            snake_case("GlobalAveragePooling1D"),
            "global_average_pooling1d"
        );
        assert_eq!(snake_case("PReLU"), "p_re_lu");
        assert_eq!(snake_case("ABcDe"), "a_bc_de");
        assert_eq!(snake_case("XAbCd"), "x_ab_cd");
        assert_eq!(snake_case("HTTPServer2X"), "http_server2x");
        assert_eq!(snake_case("A"), "a");
        assert_eq!(snake_case(""), "");
    }
}
