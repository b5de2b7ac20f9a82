//! Procedural macros for `layers`: `#[derive(Layer)]` and `#[activation]`.
//!
//! This crate is re-exported by the `layers` facade (and by `layers-core`); depend on
//! `layers` and write `use layers::prelude::*;` rather than depending on this crate
//! directly. The generated code names the runtime through its hidden `__private` module,
//! found as `::layers`, `::layers_core`, or the path given with `crate = path`.
//!
//! The stages follow serde_derive and thiserror: the parsed input ([`layer::ast`]),
//! attribute parsing ([`layer::attr`], [`activation::attr`]), checks of the whole item
//! ([`layer::check`]), and code generation ([`layer::expand`], [`activation::expand`]), with
//! every error collected in a [`ctxt::Ctxt`] and reported together.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod activation;
mod crate_path;
mod ctxt;
mod layer;
mod text;

use proc_macro::TokenStream;

/// Derives `Layer` for a struct with named fields: `new(...)`, builder setters, lazy weight
/// building from the input's shape, weight and sublayer visiting, and the config.
///
/// Fields are classified by their attributes:
///
/// | field | meaning |
/// | --- | --- |
/// | `units: usize` (no attribute) | config: a `new` argument, in declaration order, and a key of `config()` |
/// | `#[config(default = EXPR)]` | optional config: not a `new` argument; a builder method `.field(value)` |
/// | `#[config(default)]` | optional config defaulting to `Default::default()` |
/// | `#[weight(shape = [..], init = .., trainable = ..)]` | a `Weight`, created from the first input |
/// | `#[layer]` | a sublayer: a `new` argument; its weights nest under the field name |
/// | `#[layer(default)]`, `#[layer(init = EXPR)]` | a sublayer made by `new` |
/// | `#[skip]` | left alone: `Default::default()` in `new` |
///
/// `#[weight(...)]` keys:
/// - `shape = [d0, d1, …]` (required): each dimension is an expression over config fields
///   and `input[i]`, the input's per-sample axis `i` (negative counts from the end, as in
///   Keras: `input[-1]` is the last); `ALL_CAPS` constants are allowed too.
/// - `init = "name"` (a Keras initializer name: `zeros`, `ones`, `constant`,
///   `random_normal`, `random_uniform`, `truncated_normal`, `variance_scaling`,
///   `glorot_uniform`, `glorot_normal`, `he_normal`, `he_uniform`, `lecun_normal`,
///   `lecun_uniform`, `orthogonal`, or their Keras class names) or `init = EXPR` (an
///   `Initializer`, config fields in scope). Default: `"glorot_uniform"`, as Keras's
///   `add_weight`.
/// - `trainable = false` for state that optimizers leave alone (default `true`).
///
/// On the struct, `#[layer(name = "TypeName")]` sets the type name shown in summaries and
/// `#[layer(crate = path)]` says where the runtime is when it is renamed.
///
/// The author writes only the forward pass, as `impl Call` (or `impl CallWithContext` when
/// it needs the training flag or randomness).
///
/// # Examples
///
/// ```text
/// use layers::prelude::*;
///
/// #[derive(Layer)]
/// struct CustomDense {
///     units: usize,
///     #[weight(shape = [input[-1], units], init = "random_normal")]
///     w: Weight,
///     #[weight(shape = [units], init = "zeros")]
///     b: Weight,
/// }
///
/// impl Call for CustomDense {
///     fn call(&self, x: &Tensor) -> Tensor {
///         x.matmul(&self.w) + &self.b
///     }
/// }
///
/// let mut layer = CustomDense::new(64);
/// layer.build([32])?;
/// assert_eq!(layer.count_params()?, 32 * 64 + 64);
/// ```
///
/// (Runnable versions of this example are in the `layers` crate's docs and tests.)
#[proc_macro_derive(Layer, attributes(layer, weight, config, skip))]
pub fn derive_layer(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    layer::expand::derive(&input).into()
}

/// Turns a plain `fn(f32) -> f32` into an activation: the function stays as written, and a
/// layer type named after it in CamelCase (`leaky` → `Leaky`) is generated, with the exact
/// derivative, and registered under the function's name for `Activation::from_name` and
/// configs.
///
/// - Extra `f32` arguments are hyperparameters, each with a default in the attribute:
///   `#[activation(alpha = 1.0)] fn elu(x: f32, alpha: f32) -> f32` gives
///   `struct Elu { pub alpha: f32 }` with `Default` and `Elu::new(alpha)`.
/// - The derivative comes from running the same body on dual numbers, so `if`, `max`,
///   `exp`, `tanh`, `powi`, `erf`… just work; `#[activation(derivative = path)]` uses your
///   own `fn(f32, hyperparameters…) -> f32` instead.
/// - `#[activation(name = "my_name")]` registers under another name;
///   `#[activation(crate = path)]` says where the runtime is when it is renamed.
///
/// # Examples
///
/// ```text
/// use layers::prelude::*;
///
/// /// A leaky ReLU with slope 0.1.
/// #[activation]
/// fn leaky(x: f32) -> f32 {
///     x.max(0.1 * x)
/// }
///
/// assert_eq!(leaky(-2.0), -0.2);
/// assert_eq!(Leaky.value_and_derivative(-2.0), (-0.2, 0.1));
/// assert_eq!(Activation::from_name("leaky")?.name(), "leaky");
/// ```
///
/// (Runnable versions of this example are in the `layers` crate's docs and tests.)
#[proc_macro_attribute]
pub fn activation(args: TokenStream, item: TokenStream) -> TokenStream {
    activation::expand::activation(args.into(), item.into()).into()
}
