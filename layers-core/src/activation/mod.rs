//! Activations: scalar functions with exact derivatives, usable as layers and as the
//! `activation` of a `Dense`, found by name for configs.
//!
//! Write one with `#[activation]` on a plain `fn(f32) -> f32`; the built-ins are written
//! the same way, so a custom activation costs what a built-in does. Helpers that activations
//! share are written once against [`Scalar`](crate::math::Scalar).
//!
//! ```
//! use layers_core::prelude::*;
//! let relu = Activation::from_name("relu")?;
//! let y = relu.apply(&Tensor::from_vec(vec![-1.0, 2.0], &[2]));
//! assert_eq!(y.to_vec(), vec![0.0, 2.0]);
//! assert!(Activation::from_name("rleu").is_err());
//! // By name where an activation is expected, as Keras's `activation="relu"`.
//! let mut dense = Dense::new(4).activation("relu");
//! dense.build([3])?;
//! assert!(Dense::new(4).activation("rleu").build([3]).is_err());
//! # Ok::<(), layers_core::Error>(())
//! ```

mod builtin;
pub(crate) mod function;
pub(crate) mod registry;
pub mod report;

use std::fmt;
use std::sync::Arc;

use crate::Tensor;
use crate::error::{Error, Result};
use crate::layer::Layer;
use crate::layer::config::{ConfigValue, f32_to_json};
use crate::tensor::gemm::vectorized;
use crate::tensor::linear::InPlace;

pub use builtin::*;
pub use function::ActivationFn;
pub use registry::registered_names;

use function::apply_activation;
use registry::ActivationEntry;

/// The object-safe face of an activation, so that [`Activation`] can hold any of them.
trait DynActivation: Send + Sync {
    fn name(&self) -> &str;
    fn apply(&self, x: &Tensor) -> Tensor;
    /// Hyperparameters; none unless elementwise with parameters.
    fn params(&self) -> Vec<(&'static str, f32)> {
        Vec::new()
    }
    fn value_and_derivative(&self, _x: f32) -> Option<(f32, f32)> {
        None
    }
    /// The activation as an in-place elementwise pass, for fused layer kernels; `None` for
    /// activations that are not elementwise.
    fn in_place(&self) -> Option<&dyn InPlace> {
        None
    }
    /// The error of an activation that cannot run.
    fn check(&self) -> Result<()> {
        Ok(())
    }
    /// Applies the activation in place to rows of `width` values (softmax over each row);
    /// `false` where it cannot (it then leaves `v` as it was).
    fn rows(&self, v: &mut [f32], _width: usize) -> bool {
        match self.in_place() {
            Some(f) => {
                f.values(v);
                true
            }
            None => false,
        }
    }
}

struct Elementwise<A>(A);

impl<A: ActivationFn> DynActivation for Elementwise<A> {
    fn name(&self) -> &str {
        A::NAME
    }
    fn apply(&self, x: &Tensor) -> Tensor {
        apply_activation(&self.0, x)
    }
    fn params(&self) -> Vec<(&'static str, f32)> {
        self.0.params()
    }
    fn value_and_derivative(&self, x: f32) -> Option<(f32, f32)> {
        Some(self.0.value_and_derivative(x))
    }
    fn in_place(&self) -> Option<&dyn InPlace> {
        Some(self)
    }
}

impl<A: ActivationFn> InPlace for Elementwise<A> {
    fn values(&self, v: &mut [f32]) {
        vectorized(
            #[inline(always)]
            || {
                for x in v {
                    *x = self.0.value(*x);
                }
            },
        );
    }
    fn values_and_derivatives(&self, v: &mut [f32], d: &mut [f32]) {
        vectorized(
            #[inline(always)]
            || {
                for (x, d) in v.iter_mut().zip(d) {
                    (*x, *d) = self.0.value_and_derivative(*x);
                }
            },
        );
    }
}

/// Softmax and log-softmax over the last axis: activations that are not elementwise.
struct LastAxis {
    log: bool,
}

impl DynActivation for LastAxis {
    fn name(&self) -> &str {
        if self.log { "log_softmax" } else { "softmax" }
    }
    fn apply(&self, x: &Tensor) -> Tensor {
        if self.log {
            x.log_softmax(-1)
        } else {
            x.softmax(-1)
        }
    }
    fn rows(&self, v: &mut [f32], width: usize) -> bool {
        crate::tensor::softmax::softmax_rows(v, width, self.log);
        true
    }
}

/// A name given where an activation is expected (`Dense::new(4).activation("rleu")`) that is
/// not registered. A conversion cannot fail, so the error waits for the layer's build, which
/// reports it naming the layer; the activation never runs.
struct Unresolved {
    error: Error,
    name: String,
}

impl DynActivation for Unresolved {
    fn name(&self) -> &str {
        &self.name
    }
    fn apply(&self, _x: &Tensor) -> Tensor {
        // Inside a layer's `call`, which has no error path: the layer's build runs the call
        // once and turns this panic into its error.
        panic!("{}", self.error)
    }
    fn check(&self) -> Result<()> {
        Err(self.error.clone())
    }
}

/// Any activation, by value: an `#[activation]` type, or a name looked up in the registry.
/// It is a layer (Keras's `Activation`) and the `activation` of a `Dense`, which also takes a
/// name (`Dense::new(64).activation("relu")`, through `From<&str>`).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::activation::Elu;
/// let a: Activation = Elu { alpha: 0.5 }.into();
/// assert_eq!(a.name(), "elu");
/// assert_eq!(a.params(), vec![("alpha", 0.5)]);
/// let y = a.apply(&Tensor::from_vec(vec![1.0], &[1]));
/// assert_eq!(y.to_vec(), vec![1.0]);
/// ```
#[derive(Clone)]
pub struct Activation {
    inner: Arc<dyn DynActivation>,
}

impl Activation {
    /// Wraps an activation function.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::activation::Tanh;
    /// assert_eq!(Activation::new(Tanh).name(), "tanh");
    /// ```
    pub fn new<A: ActivationFn>(activation: A) -> Activation {
        Activation {
            inner: Arc::new(Elementwise(activation)),
        }
    }

    /// The identity (`"linear"`), Dense's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Activation::linear().name(), "linear");
    /// ```
    pub fn linear() -> Activation {
        Activation::new(Identity)
    }

    /// Softmax over the last axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let p = Activation::softmax().apply(&Tensor::zeros(&[1, 4]));
    /// assert_eq!(p.to_vec(), vec![0.25; 4]);
    /// ```
    pub fn softmax() -> Activation {
        Activation {
            inner: Arc::new(LastAxis { log: false }),
        }
    }

    /// Log-softmax over the last axis.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let p = Activation::log_softmax().apply(&Tensor::zeros(&[1, 2]));
    /// assert_eq!(p.to_vec(), vec![-(2f32.ln()); 2]);
    /// ```
    pub fn log_softmax() -> Activation {
        Activation {
            inner: Arc::new(LastAxis { log: true }),
        }
    }

    /// The activation registered under `name` with its default hyperparameters: every
    /// built-in (`relu`, `gelu`, `softmax`, …) and every `#[activation]` in the program.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] listing the registered names; [`Error::InvalidConfig`] when
    /// two different activations are registered under `name` (a program's own `relu`
    /// next to the built-in one), rather than whichever the linker put first.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Activation::from_name("silu")?.name(), "silu");
    /// let err = Activation::from_name("nope").unwrap_err();
    /// assert!(err.to_string().contains("relu"));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_name(name: &str) -> Result<Activation> {
        Activation::from_config(name, &serde_json::Map::new())
    }

    /// The activation registered under `name`, with hyperparameters from `params`
    /// (missing ones take their defaults).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] for an unknown name; [`Error::InvalidConfig`] for a name
    /// registered by two different activations; [`Error::InvalidArgument`] for a
    /// parameter that is not a number or not a parameter of this activation.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let mut params = serde_json::Map::new();
    /// params.insert("alpha".into(), 0.5.into());
    /// let elu = Activation::from_config("elu", &params)?;
    /// assert_eq!(elu.params(), vec![("alpha", 0.5)]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_config(
        name: &str,
        params: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Activation> {
        match name {
            "softmax" if params.is_empty() => return Ok(Activation::softmax()),
            "log_softmax" if params.is_empty() => return Ok(Activation::log_softmax()),
            _ => {}
        }
        let mut found = inventory::iter::<ActivationEntry>
            .into_iter()
            .filter(|e| e.name == name);
        let entry = found
            .next()
            .ok_or_else(|| Error::unknown_name("activation", name, registered_names()))?;
        // Which of two entries `inventory` yields first depends on link order: taking it
        // would make a name mean one function in one build and another in the next.
        if found.any(|other| !std::ptr::fn_addr_eq(other.make, entry.make)) {
            return Err(Error::InvalidConfig {
                field: "activation".into(),
                message: format!(
                    "`{name}` is the name of two registered activations (a built-in one \
                     and one of your own, or two of your own); register yours under \
                     another name with `#[activation(name = \"…\")]`"
                ),
            });
        }
        (entry.make)(params)
    }

    /// The registered name (for one given by an unknown name, that name).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Activation::softmax().name(), "softmax");
    /// ```
    pub fn name(&self) -> &str {
        self.inner.name()
    }

    /// Whether the activation can run: `Ok` unless it was given by a name that is not
    /// registered (`Activation::from("rleu")`).
    ///
    /// # Errors
    ///
    /// [`Error::UnknownName`] listing the registered names.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(Activation::from("relu").check().is_ok());
    /// let err = Activation::from("rleu").check().unwrap_err();
    /// assert!(err.to_string().starts_with("unknown activation `rleu`; known activations: "));
    /// ```
    pub fn check(&self) -> Result<()> {
        self.inner.check()
    }

    /// The activation as an in-place elementwise pass (`None` for softmax and the other
    /// activations that are not elementwise), for layers that fuse it into their output.
    pub(crate) fn in_place(&self) -> Option<&dyn InPlace> {
        self.inner.in_place()
    }

    /// Applies the activation in place to rows of `width` values, as [`apply`](Self::apply)
    /// does to a `(rows, width)` tensor, bit for bit (softmax over each row); `None` for an
    /// activation that cannot run.
    pub(crate) fn apply_rows(&self, v: &mut [f32], width: usize) -> Option<()> {
        (self.check().is_ok() && self.inner.rows(v, width)).then_some(())
    }

    /// The hyperparameters with their values.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert!(Activation::linear().params().is_empty());
    /// ```
    pub fn params(&self) -> Vec<(&'static str, f32)> {
        self.inner.params()
    }

    /// Applies the activation to a tensor (elementwise, or over the last axis for softmax).
    ///
    /// # Panics
    ///
    /// If the activation was given by a name that is not registered (see
    /// [`check`](Activation::check)); the panic message is that error. Building the layer
    /// that holds it reports the error instead, so a built model never gets here.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let y = Activation::from_name("sigmoid")?.apply(&Tensor::zeros(&[1]));
    /// assert_eq!(y.to_vec(), vec![0.5]);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn apply(&self, x: &Tensor) -> Tensor {
        self.inner.apply(x)
    }

    /// The value and derivative at a scalar `x`, for elementwise activations (`None` for
    /// softmax, which is not elementwise).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let relu = Activation::from_name("relu")?;
    /// assert_eq!(relu.value_and_derivative(2.0), Some((2.0, 1.0)));
    /// assert_eq!(Activation::softmax().value_and_derivative(2.0), None);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn value_and_derivative(&self, x: f32) -> Option<(f32, f32)> {
        self.inner.value_and_derivative(x)
    }

    /// The activation as config JSON: its name, and an object with its parameters when it
    /// has any (`{"name": "elu", "alpha": 0.5}`).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Activation::linear().to_config(), serde_json::json!("linear"));
    /// ```
    pub fn to_config(&self) -> serde_json::Value {
        let params = self.params();
        if params.is_empty() {
            return self.name().into();
        }
        let mut map = serde_json::Map::new();
        map.insert("name".into(), self.name().into());
        for (k, v) in params {
            map.insert(k.into(), f32_to_json(v));
        }
        map.into()
    }
}

impl<A: ActivationFn> From<A> for Activation {
    fn from(activation: A) -> Activation {
        Activation::new(activation)
    }
}

/// The activation registered under a name, with its default hyperparameters, as Keras takes
/// `activation="relu"`: what lets `Dense::new(64).activation("relu")` compile.
///
/// A name that is not registered gives an activation that cannot run: building the layer
/// that holds it fails with [`Error::UnknownName`] naming the layer and listing the
/// registered names ([`Activation::check`] tells at once; [`Activation::from_name`] returns
/// the error directly).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut dense = Dense::new(2).activation("gelu");
/// dense.build([3])?;
/// assert_eq!(dense.activation.name(), "gelu");
///
/// let err = Dense::new(2).activation("gleu").build([3]).unwrap_err();
/// assert!(err.to_string().starts_with("layer `dense` (Dense): "));
/// assert!(err.to_string().contains("unknown activation `gleu`; known activations: "));
/// # Ok::<(), layers_core::Error>(())
/// ```
impl From<&str> for Activation {
    fn from(name: &str) -> Activation {
        Activation::from_name(name).unwrap_or_else(|error| Activation {
            inner: Arc::new(Unresolved {
                error,
                name: name.to_string(),
            }),
        })
    }
}

/// As `From<&str>`: the activation registered under the name.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let name = String::from("tanh");
/// assert_eq!(Activation::from(name).name(), "tanh");
/// ```
impl From<String> for Activation {
    fn from(name: String) -> Activation {
        Activation::from(name.as_str())
    }
}

impl fmt::Debug for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Activation({}", self.name())?;
        for (k, v) in self.params() {
            write!(f, ", {k}={v}")?;
        }
        write!(f, ")")
    }
}

impl PartialEq for Activation {
    fn eq(&self, other: &Activation) -> bool {
        self.name() == other.name() && self.params() == other.params()
    }
}

/// In a layer's config an activation is its name, with its parameters when it has any.
impl ConfigValue for Activation {
    fn to_config(&self) -> serde_json::Value {
        Activation::to_config(self)
    }
    /// A registered name (`"relu"`), or an object with the name and hyperparameters
    /// (`{"name": "elu", "alpha": 0.5}`); nothing else, and never an unknown name.
    fn from_config(value: &serde_json::Value) -> std::result::Result<Self, String> {
        let result = match value {
            serde_json::Value::String(name) => Activation::from_name(name),
            serde_json::Value::Object(params) => match params.get("name") {
                Some(serde_json::Value::String(name)) => Activation::from_config(name, params),
                _ => {
                    return Err(crate::layer::config::expected(
                        "an activation object with a string `name`",
                        value,
                    ));
                }
            },
            _ => {
                return Err(crate::layer::config::expected(
                    "an activation name or object",
                    value,
                ));
            }
        };
        result.map_err(|e| e.to_string())
    }
}

impl Layer for Activation {
    fn type_name(&self) -> &'static str {
        "Activation"
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.check()?;
        Ok(self.apply(x))
    }
    /// Keras's `Activation` passes a mask on unchanged: it works on each value alone.
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        crate::layer::pass_mask(self, x, mask)
    }
    fn takes_mask(&self) -> bool {
        true
    }
    /// The activation on a copy of the values, softmax over each sample (`None` for an
    /// activation that cannot run).
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        let width = x.len().checked_div(rows)?;
        if width * rows != x.len() {
            return None;
        }
        let mut y = x.to_vec();
        self.apply_rows(&mut y, width)?;
        Some(y)
    }
    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "activation": self.to_config() })
    }
}

/// The `Activation` layer's config: `{"activation": "relu"}` (or the name with
/// hyperparameters).
impl crate::layer::spec::FromConfig for Activation {
    fn from_config(config: &crate::layer::spec::LayerConfig) -> Result<Activation> {
        let reader =
            crate::layer::spec::ConfigReader::new(config, "Activation", &["activation"], &[])?;
        reader.required::<Activation>("activation")
    }
}

crate::register_layer!(Activation);

impl crate::typed::StaticLayer for Activation {
    type Input<In: crate::typed::Shape> = In;
    type Output<In: crate::typed::Shape> = In;
    type Check<In: crate::typed::Shape> = crate::typed::NoCheck;
}
