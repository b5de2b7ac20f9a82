//! `Lambda`: any function of a tensor as a layer (Keras's `Lambda`).

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result, Shape as ErrorShape};
use crate::layer::Layer;
use crate::tensor::Tensor;
use crate::typed::{DynShape, NoCheck, Shape, StaticLayer};

type Function = dyn Fn(&Tensor) -> Tensor + Send + Sync;
type ShapeFunction = dyn Fn(&[usize]) -> Vec<usize> + Send + Sync;

/// A layer that applies a function of a tensor: Keras's `Lambda`, for a computation that
/// needs no weights (a custom activation written with tensor ops, a rescaling). Gradients
/// flow through the function's tensor ops. It has no parameters and shows in summaries as
/// `lambda (Lambda)`.
///
/// Its output shape is found by running it (when the model is built); a function given
/// with [`output_shape`](Lambda::output_shape) declares it instead, and every call checks
/// the function against it. The compiler knows nothing of a closure's shapes: in a
/// statically checked model, the fields after a `Lambda` are checked when the model is built
/// (and a `strict` model refuses it).
///
/// A closure is code, not data: [`config`](Layer::config) names the function by the name
/// given with [`registered_as`](Lambda::registered_as), and an unnamed `Lambda` cannot be
/// saved ([`try_config`](Layer::try_config) says so).
///
/// # Examples
///
/// The tutorial's custom activation, a leaky ReLU `max(0.1·x, x)`, that is
/// `max(x, 0) + 0.1·min(x, 0)`:
///
/// ```
/// use layers_core::prelude::*;
/// let leaky = |x: &Tensor| x.clamp(0.0, f32::INFINITY) + x.clamp(f32::NEG_INFINITY, 0.0) * 0.1;
/// let mut model = Sequential::new()
///     .add(Dense::new(64))
///     .add(Lambda::new(leaky))
///     .add(Dense::new(10));
/// model.build([32])?;
/// assert_eq!(model.layer_names(), ["dense", "lambda", "dense_1"]);
/// assert_eq!(model.count_params()?, 2_762);
/// assert!(model.summary().to_string().contains("│ lambda (Lambda)                 │ (None, 64)"));
///
/// let y = Lambda::new(leaky).apply(&Tensor::from_vec(vec![-2.0, 3.0], &[1, 2]));
/// assert_eq!(y.to_vec(), vec![-0.2, 3.0]);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Lambda {
    function: Arc<Function>,
    output_shape: Option<Arc<ShapeFunction>>,
    registered: Option<String>,
}

impl Lambda {
    /// The layer applying `function` to its input batch.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let double = Lambda::new(|x| x * 2.0);
    /// assert_eq!(double.apply(&Tensor::ones(&[1, 2])).to_vec(), vec![2.0, 2.0]);
    /// assert_eq!(double.type_name(), "Lambda");
    /// ```
    pub fn new(function: impl Fn(&Tensor) -> Tensor + Send + Sync + 'static) -> Lambda {
        Lambda {
            function: Arc::new(function),
            output_shape: None,
            registered: None,
        }
    }

    /// Declares the per-sample output shape for a per-sample input shape (the batch axis
    /// left out of both), as Keras's `output_shape` argument; every call then checks that
    /// the function returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// // Sums the features: (batch, n) → (batch, 1).
    /// let total = Lambda::new(|x| x.sum(&[-1], true)).output_shape(|_| vec![1]);
    /// assert_eq!(Sequential::new().add(total).build([5])?, vec![1]);
    ///
    /// let wrong = Lambda::new(|x| x.sum(&[-1], true)).output_shape(|input| input.to_vec());
    /// let err = Sequential::new().add(wrong).build([5]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "layer `lambda` (Lambda): `Lambda` expected shape [1, 5] (its `output_shape` for \
    ///      input [1, 5]) but found shape [1, 1]"
    /// );
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn output_shape(
        mut self,
        shape: impl Fn(&[usize]) -> Vec<usize> + Send + Sync + 'static,
    ) -> Lambda {
        self.output_shape = Some(Arc::new(shape));
        self
    }

    /// Names the function, so that the config can say which function this is: saving a
    /// model writes this name, and loading it will need a function registered under the
    /// same name (a file never carries code).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let square = Lambda::new(|x| x.square()).registered_as("square");
    /// assert_eq!(square.registered_name(), Some("square"));
    /// assert_eq!(square.try_config()?, serde_json::json!({ "function": "square" }));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn registered_as(mut self, name: impl Into<String>) -> Lambda {
        self.registered = Some(name.into());
        self
    }

    /// The name given with [`registered_as`](Lambda::registered_as), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Lambda::new(|x| x.clone()).registered_name(), None);
    /// ```
    pub fn registered_name(&self) -> Option<&str> {
        self.registered.as_deref()
    }
}

impl fmt::Debug for Lambda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lambda")
            .field(
                "function",
                &self.registered.as_deref().unwrap_or("<closure>"),
            )
            .field("output_shape", &self.output_shape.is_some())
            .finish()
    }
}

impl Layer for Lambda {
    fn type_name(&self) -> &'static str {
        "Lambda"
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = (self.function)(x);
        if let Some(shape) = &self.output_shape {
            // The batch axis is kept, the rest is what the declared shape says.
            let (batch, input) = x.shape().split_first().unwrap_or((&1, &[]));
            let mut expected = vec![*batch];
            expected.extend(shape(input));
            if y.shape() != expected.as_slice() {
                return Err(Error::ShapeMismatch {
                    op: "Lambda",
                    expected: format!(
                        "shape {} (its `output_shape` for input {})",
                        ErrorShape(expected),
                        ErrorShape(x.shape().to_vec())
                    ),
                    found: y.shape().into(),
                });
            }
        }
        Ok(y)
    }

    /// `{"function": name}`, the name given with [`Lambda::registered_as`] (`null` when
    /// none was).
    fn config(&self) -> serde_json::Value {
        serde_json::json!({ "function": self.registered })
    }

    /// # Errors
    ///
    /// [`Error::InvalidArgument`] when the function has no name: a closure cannot be
    /// written as data.
    fn try_config(&self) -> Result<serde_json::Value> {
        match self.registered.as_deref() {
            Some(name) if !name.is_empty() => Ok(self.config()),
            _ => Err(Error::InvalidArgument {
                op: "config",
                message: "the function is an unnamed closure, and a saved model never \
                          carries code; name it with `Lambda::new(f).registered_as(\"name\")`"
                    .to_string(),
            }),
        }
    }
}

/// The compiler knows nothing of a closure's shapes: a `Lambda` takes any shape and
/// produces a [`DynShape`], checked when the model is built.
impl StaticLayer for Lambda {
    type Input<In: Shape> = In;
    type Output<In: Shape> = DynShape;
    type Check<In: Shape> = NoCheck;
}

#[cfg(test)]
mod tests {
    use super::Lambda;
    use crate::Layer;

    #[test]
    fn an_empty_registered_name_is_no_name() {
        let lambda = Lambda::new(|x| x.clone()).registered_as("");
        let err = lambda.try_config().unwrap_err().to_string();
        assert!(err.contains("unnamed closure"), "{err}");
    }
}

/// A `Lambda` is never made from a config: its function is code, which a file never
/// carries and which is not looked up by name. The error says what to do instead.
impl crate::layer::spec::FromConfig for Lambda {
    fn from_config(config: &crate::layer::spec::LayerConfig) -> Result<Lambda> {
        let function = config
            .config
            .get("function")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("an unnamed function");
        Err(config.error(Error::InvalidConfig {
            field: "function".into(),
            message: format!(
                "is `{function}`, but a `Lambda`'s function is code, which is never read from a \
                 file: build the model in code and load its weights with `load_weights`"
            ),
        }))
    }
}

crate::register_layer!(Lambda);
