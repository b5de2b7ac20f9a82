//! Procedural macros for `layers`: `#[derive(Layer)]` and `#[activation]`.
//!
//! This crate is re-exported by the `layers` facade (and by `layers-core`); depend on
//! `layers` and write `use layers::prelude::*;` rather than depending on this crate
//! directly. The generated code names the runtime through its hidden `__private` module,
//! found as `::layers`, `::layers_core`, or the path given with `crate = path`.
//!
//! Each macro runs in stages that use only the stages before them, as serde_derive's and
//! thiserror's do: parse the attributes (`layer/attr/`, `activation/attr.rs`) into the input
//! the later stages see (`layer/ast.rs`); check what needs the whole item (`layer/check/`,
//! `activation/check.rs`, and `activation/dual.rs`, which rewrites the body to dual numbers
//! and reports what it cannot differentiate); then generate code (`layer/expand/`,
//! `activation/expand.rs`), which reports nothing. What both macros share is in
//! `internals/`: the error context, which collects every error and must be checked before it
//! is dropped, the typed attribute helper, where the runtime is, and message text. Errors
//! are reported together, on the smallest culprit token; on errors the expansion still emits
//! the item's public surface with unreachable bodies, so that each mistake is one error.
#![doc(test(attr(deny(warnings))))]

mod activation;
mod initializer_names;
mod internals;
mod layer;

use proc_macro::TokenStream;

/// Derives `Layer` for a struct with named fields: `new(...)`, builder setters, lazy weight
/// building from the input's shape, weight and sublayer visiting, and the config.
///
/// Fields are classified by their attributes:
///
/// | field | meaning |
/// | --- | --- |
/// | `units: usize` (no attribute) | config: a `new` argument, in declaration order, and a key of `config()`; a field of a non-primitive type that is not a type parameter of the struct is taken as `impl Into<Type>`, as the setters take it (`Rescaling::new(0.5)` or `Rescaling::new([0.5, 2.0])` for its `Coefficient`) |
/// | `#[config(default = EXPR)]` | optional config: not a `new` argument; a builder method `.field(value)` |
/// | `#[config(default)]` | optional config defaulting to `Default::default()` |
/// | `#[weight(shape = [..], init = .., trainable = ..)]` | a `Weight`, created from the first input |
/// | `#[layer]` | a sublayer: a `new` argument; its weights nest under the field name. Also `Vec<L>` and `[L; N]` (elements `blocks.0`, `blocks.1`, …), `Option<L>` and `Box<dyn Layer>` |
/// | `#[layer(default)]`, `#[layer(init = EXPR)]` | a sublayer made by `new` |
/// | `#[skip]` | left alone: `Default::default()` in `new` |
///
/// `#[weight(...)]` keys:
/// - `shape = [d0, d1, …]` (required): each dimension is an expression over config fields
///   and `input[i]`, the input's per-sample axis `i` (negative counts from the end, as in
///   Keras: `input[-1]` is the last); `ALL_CAPS` constants are allowed too. A shape whose
///   rank depends on the config is written `shape = if COND { [..] } else { [..] }`
///   (GRU's bias: `if reset_after { [2, 3 * units] } else { [3 * units] }`). A shape whose
///   rank follows the input is `shape = Self::method`, a
///   `fn(&self, input: &[usize]) -> Result<Vec<usize>>` given the input's per-sample shape
///   (PReLU's `alpha`, one per input value); its error fails the build.
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
/// `#[layer(validate = Self::validate_config)]` names a `fn(&Self) -> Result<()>` that
/// checks the config. `new` and the setters cannot fail, so the forward pass calls it first,
/// before any weight is built: building the layer (or a model holding it) with a nonsense
/// value is an error naming the layer, and the value never reaches `call`. Report a field
/// with `Error::InvalidConfig`, as Keras's constructors do:
///
/// ```
/// use layers::prelude::*;
///
/// #[derive(Layer)]
/// #[layer(validate = Self::validate_config)]
/// struct Scale {
///     factor: f32,
/// }
///
/// impl Scale {
///     fn validate_config(&self) -> layers::Result<()> {
///         if !self.factor.is_finite() {
///             return Err(Error::InvalidConfig {
///                 field: "factor".into(),
///                 message: format!("must be finite, got {}", self.factor),
///             });
///         }
///         Ok(())
///     }
/// }
///
/// impl Call for Scale {
///     fn call(&self, x: &Tensor) -> Tensor {
///         x * self.factor
///     }
/// }
///
/// assert_eq!(Scale::new(2.0).build([3])?, vec![3]);
/// let err = Scale::new(f32::NAN).build([3]).unwrap_err();
/// assert_eq!(err.to_string(), "layer `scale` (Scale): `factor` must be finite, got NaN");
/// # Ok::<(), layers::Error>(())
/// ```
///
/// # Masks
///
/// Without more, a layer refuses Keras's mask (`forward_masked` with a mask is an error
/// naming it, and `Layer::takes_mask` is `false`). `#[layer(masking = Self::masked)]` names
/// a `fn(&Self, &Tensor, Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)>` that runs the
/// layer with the mask (or none) and gives the next layer's mask: the layer's
/// `forward_masked`, and its `takes_mask` is `true`. When that function refuses a mask in
/// some configurations, `takes_mask = EXPR` (a `fn(&Self) -> bool`, only with `masking`)
/// says in which, so that `TimeDistributed` knows whether to hand the mask on without
/// trying. A `#[layer(sequential)]` layer carries the mask from field to field as a
/// `Sequential` does, and takes one.
///
/// ```
/// use layers::layer::pass_mask;
/// use layers::prelude::*;
///
/// #[derive(Layer)]
/// #[layer(masking = Self::masked, takes_mask = |layer| layer.per_step)]
/// struct Gain {
///     factor: f32,
///     #[config(default = true)]
///     per_step: bool,
/// }
///
/// impl Gain {
///     fn masked(&self, x: &Tensor, mask: Option<&Tensor>) -> Result<(Tensor, Option<Tensor>)> {
///         if mask.is_some() && !self.per_step {
///             return Err(Error::InvalidArgument {
///                 op: "Gain",
///                 message: "takes no mask unless `per_step`".into(),
///             });
///         }
///         pass_mask(self, x, mask)
///     }
/// }
///
/// impl Call for Gain {
///     fn call(&self, x: &Tensor) -> Tensor {
///         x * self.factor
///     }
/// }
///
/// let mask = Tensor::from_vec(vec![1.0, 0.0], &[1, 2]);
/// let (_, out) = Gain::new(2.0).forward_masked(&Tensor::ones(&[1, 2, 3]), Some(&mask))?;
/// assert_eq!(out.unwrap().to_vec(), vec![1.0, 0.0]);
/// assert!(Gain::new(2.0).takes_mask());
/// assert!(!Gain::new(2.0).per_step(false).takes_mask());
/// # Ok::<(), layers::Error>(())
/// ```
///
/// # Shape signatures
///
/// `#[layer(input = [...], output = [...])]` gives the layer a shape signature, batch axis
/// first. Each entry is one of:
/// - a name starting with an uppercase letter (`B`, `IN`): binds the size the layer
///   receives there (the same name twice requires equal sizes); usable in weight shapes
///   (`#[weight(shape = [IN, units])]`) and in `output`;
/// - a literal (`64`) or a const generic parameter (`N`): a size known at compile time;
/// - a config field (`units`, of type `usize` or `Const<N>`): its size;
/// - `..` first: any number of leading axes, passed on by `..` in `output`.
///
/// The compiler checks the signature wherever the layer sits in a statically checked model;
/// every call also checks the input at run time (an error naming the layer) and the output
/// (a `call` that breaks its own signature is reported). Without a signature a layer takes
/// any shape and produces one the compiler knows nothing about (`DynShape`), checked at run
/// time only; `#[layer(custom_shape)]` leaves the `StaticLayer` impl to you.
///
/// `#[layer(sequential, input = [B, 784])]` on a struct of `#[layer]` fields makes a
/// statically checked model: its forward pass runs the fields in order, and the compiler
/// checks, where the struct is defined, that each field accepts what the previous one
/// produces; a mismatch is an error on the field naming both shapes. An `output = [...]` is
/// checked against what the last field produces. A reshape's element count is checked by a
/// compile-time assertion when the model has no generic parameters. A `Vec<L>`, `[L; N]` or
/// `Option<L>` field runs its elements in turn, so they must keep the shape they receive.
///
/// A field whose layer has no signature (a `Lambda`, a `Box<dyn Layer>`, a layer without
/// `input`/`output`) produces a shape the compiler does not know, so it and every field
/// after it are checked when the model is built; the summary ends with the fields checked
/// only at run time. `#[layer(sequential, strict, input = [B, 784])]` makes such a field a
/// compile error instead.
///
/// ```
/// use layers::activation::Relu;
/// use layers::prelude::*;
///
/// #[derive(Layer)]
/// #[layer(input = [B, 64], output = [B, 64])]
/// struct Residual {
///     #[layer(default)]
///     inner: Dense<Const<64>>,
/// }
///
/// impl Call for Residual {
///     fn call(&self, x: &Tensor) -> Tensor {
///         x + self.inner.apply(x)
///     }
/// }
///
/// #[derive(Layer)]
/// #[layer(sequential, input = [B, 784], output = [B, 10])]
/// struct Mlp {
///     #[layer(default)]
///     hidden: Dense<Const<64>>,
///     #[layer(default)]
///     act: Relu,
///     #[layer(default)]
///     r: Residual, // with `Dense<Const<32>>` above: "shape mismatch: layer `r` (`Residual`) …"
///     #[layer(default)]
///     out: Dense<Const<10>>,
/// }
///
/// let mut model = Model::new(Mlp::new());
/// assert_eq!(model.build([784])?, vec![10]);
/// // data of another width: an error naming the model
/// assert!(Model::new(Mlp::new()).build([780]).is_err());
/// # Ok::<(), layers::Error>(())
/// ```
///
/// When `new` takes no arguments the derive also implements `Default` as `new()`, so that
/// the layer can be a `#[layer(default)]` field (do not derive `Default` as well).
///
/// The author writes only the forward pass, as `impl Call` (or `impl CallWithContext` when
/// it needs the training flag or randomness, `impl TryCall` when it can fail with an error).
/// An op in it that panics (a shape mismatch) is returned by `fit`, `predict` and
/// `try_apply` as an error naming the layer, the op and its line. A layer that is not
/// `sequential` also gets `Layer::forward_rows` (the slice path of a few-sample `predict`):
/// its `validate` function, then the call's `call_rows` (`None` unless the author writes one).
///
/// # Examples
///
/// ```
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
/// assert_eq!(layer.build([32])?, vec![64]); // per-sample shapes: (batch, 32) → (batch, 64)
/// assert_eq!(layer.count_params()?, 32 * 64 + 64);
/// assert_eq!(layer.config().to_string(), r#"{"units":64}"#);
/// let paths: Vec<String> = layer.all_weights().into_iter().map(|(path, _)| path).collect();
/// assert_eq!(paths, ["w", "b"]);
/// # Ok::<(), layers::Error>(())
/// ```
///
/// Optional config, expression initializers, sublayers and skipped fields:
///
/// ```
/// use layers::prelude::*;
///
/// #[derive(Layer)]
/// struct Scale {
///     #[config(default = 1.0)]
///     initial: f32,
///     #[weight(shape = [input[-1]], init = Initializer::constant(initial))]
///     gain: Weight,
/// }
///
/// impl Call for Scale {
///     fn call(&self, x: &Tensor) -> Tensor {
///         x * &self.gain
///     }
/// }
///
/// #[derive(Layer)]
/// struct Block {
///     #[layer]
///     first: Scale,
///     #[layer(init = Scale::new().initial(3.0))]
///     second: Scale,
///     #[skip]
///     note: String,
/// }
///
/// impl Call for Block {
///     fn call(&self, x: &Tensor) -> Tensor {
///         self.second.apply(&self.first.apply(x))
///     }
/// }
///
/// let block = Block::new(Scale::new().initial(2.0));
/// let y = block.apply(&Tensor::ones(&[1, 2])); // built on its first call
/// assert_eq!(y.to_vec(), vec![6.0, 6.0]);
/// let paths: Vec<String> = block.all_weights().into_iter().map(|(path, _)| path).collect();
/// assert_eq!(paths, ["first.gain", "second.gain"]);
/// assert!(block.note.is_empty()); // `#[skip]` fields start as `Default::default()`
/// ```
#[proc_macro_derive(Layer, attributes(layer, weight, config, skip))]
pub fn derive_layer(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    layer::derive(&input).into()
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
/// ```
/// use layers::activation::ActivationFn;
/// use layers::prelude::*;
///
/// /// A leaky ReLU with slope 0.1.
/// #[activation]
/// fn leaky(x: f32) -> f32 {
///     x.max(0.1 * x)
/// }
///
/// assert_eq!(leaky(-2.0), -0.2); // still a plain function
/// assert_eq!(Leaky.value_and_derivative(-2.0), (-0.2, 0.1));
/// assert_eq!(Activation::from_name("leaky")?.name(), "leaky");
///
/// /// Exponential linear unit.
/// #[activation(alpha = 1.0)]
/// fn elu2(x: f32, alpha: f32) -> f32 {
///     if x > 0.0 { x } else { alpha * (x.exp() - 1.0) }
/// }
///
/// assert_eq!(Elu2::default(), Elu2 { alpha: 1.0 });
/// // d/dx α(eˣ − 1) at 0⁻ is α
/// assert_eq!(Elu2::new(0.5).value_and_derivative(-0.0), (0.0, 0.5));
/// let elu = Activation::from(Elu2::new(0.5));
/// assert_eq!(elu.to_config().to_string(), r#"{"alpha":0.5,"name":"elu2"}"#);
/// # Ok::<(), layers::Error>(())
/// ```
///
/// The body may use `if`, `match`, `let` (with or without `: f32`), loops, the `f32`
/// methods (`max`, `exp`, `tanh`, `powi`, `powf`, `sqrt`, `abs`, …), `f32::max(a, b)`,
/// `f32::consts`, `layers::math::erf`, casts to and from integers, and float literals. It may
/// call helpers written once against `layers::Scalar` (`fn helper<S: Scalar>(x: S) -> S`,
/// with stable `x.sigmoid()`, `x.softplus()`, …), which run on `f32` for the value and on
/// `Dual` for the derivative; a helper that takes `f32` is a compile error that says so. It
/// cannot cast the input to `f64` (reported at compile time). A NaN input gives NaN, value
/// and derivative, whatever the body makes of it.
#[proc_macro_attribute]
pub fn activation(args: TokenStream, item: TokenStream) -> TokenStream {
    activation::activation(args.into(), item.into()).into()
}

/// The initializer names `Initializer::from_name` accepts, as an enum, for `layers-core`
/// only: the names `#[weight(init = "name")]` is checked against come from the same table.
#[doc(hidden)]
#[proc_macro]
pub fn __initializer_names(input: TokenStream) -> TokenStream {
    initializer_names::expand(input.into()).into()
}
