//! A layer as data and back: [`LayerConfig`] (its class, name, config and sublayers, what a
//! saved model's file holds), [`FromConfig`] (making a layer from one), and what the code
//! `#[derive(Layer)]` generates reads a config with ([`ConfigReader`], [`Maker`]).
//!
//! ```
//! use layers_core::prelude::*;
//! let dense = Dense::new(4).activation("relu").use_bias(false);
//! let config = dense.layer_config()?;
//! assert_eq!(config.class_name, "Dense");
//! let copy = <Dense>::from_config(&config)?;
//! assert_eq!(copy.layer_config()?, config);
//! # Ok::<(), layers_core::Error>(())
//! ```

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Layer;
use super::config::ConfigValue;
use crate::error::{Error, Result};

/// A layer as data: its registered class name, the name it was given, its config (Keras's
/// `get_config`) and, in order, its sublayers' configs under the keys their weights nest
/// under. Nothing in it names code: a layer is made from it by the class registered under
/// `class_name` ([`layer_from_config`](super::registry::layer_from_config)) or by a type's
/// [`FromConfig`].
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let model = Sequential::new().add(Dense::new(2)).add(Dropout::new(0.5));
/// let config = model.layer_config()?;
/// assert_eq!(config.layers[1].key, "dropout");
/// assert_eq!(config.layers[1].layer.config["rate"], 0.5);
/// let json = serde_json::to_string(&config).unwrap();
/// assert_eq!(serde_json::from_str::<LayerConfig>(&json).unwrap(), config);
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerConfig {
    /// The class the layer is registered under: its [`Layer::type_name`].
    pub class_name: String,
    /// The name given to the layer ([`Layer::name`]), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The layer's hyperparameters ([`Layer::config`]).
    #[serde(default)]
    pub config: Map<String, Value>,
    /// The sublayers, in order ([`Layer::sublayers`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<SublayerConfig>,
}

/// A sublayer's config under the key its weights nest under (a field name, an index, a
/// `Sequential`'s layer name).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let config = vec![Dense::new(2)].layer_config()?;
/// assert_eq!((config.layers[0].key.as_str(), config.layers[0].layer.class_name.as_str()), ("0", "Dense"));
/// # Ok::<(), layers_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SublayerConfig {
    /// The key: the path segment of the sublayer's weights.
    pub key: String,
    /// The sublayer.
    pub layer: LayerConfig,
}

/// The deepest nesting of layers a config may have: deeper input is refused before it is
/// read, so a hostile file cannot exhaust the stack.
///
/// # Examples
///
/// ```
/// assert_eq!(layers_core::layer::spec::MAX_DEPTH, 64);
/// ```
pub const MAX_DEPTH: usize = 64;

impl LayerConfig {
    /// The config of `layer`: what [`LayerExt::layer_config`](super::LayerExt::layer_config)
    /// returns.
    ///
    /// # Errors
    ///
    /// When a layer in it cannot be written as data ([`Layer::try_config`]: a `Lambda`
    /// around an unnamed closure), naming it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let config = LayerConfig::of(&Dense::new(3))?;
    /// assert_eq!(config.config["units"], 3);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn of(layer: &dyn Layer) -> Result<LayerConfig> {
        let config = match layer.try_config()? {
            // A layer's name is kept in `name`, not among its hyperparameters.
            Value::Object(mut map) => {
                if layer.name().is_some() && map.get("name").and_then(Value::as_str) == layer.name()
                {
                    map.remove("name");
                }
                map
            }
            Value::Null => Map::new(),
            other => {
                let mut map = Map::new();
                map.insert("value".into(), other);
                map
            }
        };
        let layers = layer
            .sublayers()
            .into_iter()
            .map(|(key, sub)| {
                let layer =
                    LayerConfig::of(sub).map_err(|e| e.in_layer(key.clone(), sub.type_name()))?;
                Ok(SublayerConfig { key, layer })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(LayerConfig {
            class_name: layer.type_name().to_string(),
            name: layer.name().map(str::to_string),
            config,
            layers,
        })
    }

    /// Reads a config from JSON text, refusing unknown keys and nesting deeper than
    /// [`MAX_DEPTH`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] with the JSON error (line and column) or the depth found.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let config = LayerConfig::from_json(r#"{"class_name": "Dense", "config": {"units": 2}}"#)?;
    /// assert_eq!(<Dense>::from_config(&config)?.units, 2);
    /// let err = LayerConfig::from_json(r#"{"class_name": "Dense", "code": "rm -rf"}"#).unwrap_err();
    /// assert!(err.to_string().contains("unknown field `code`"), "{err}");
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<LayerConfig> {
        let depth = json_depth(text);
        // Each layer level is three JSON levels: the config, `layers`, the sublayer entry.
        if depth > 3 * MAX_DEPTH + 4 {
            return Err(invalid(
                "layers",
                format!("nests {depth} levels deep; at most {MAX_DEPTH} layers deep is read"),
            ));
        }
        serde_json::from_str(text)
            .map_err(|e| invalid("config", format!("is not a layer config: {e}")))
    }

    /// The config as JSON text (what [`from_json`](Self::from_json) reads).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let text = Dense::new(2).layer_config()?.to_json();
    /// assert!(text.starts_with(r#"{"class_name":"Dense""#));
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a layer config is plain JSON data")
    }

    /// The sublayer under `key`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// let config = Sequential::new().add(Dense::new(2)).layer_config()?;
    /// assert_eq!(config.sublayer("dense").unwrap().class_name, "Dense");
    /// assert!(config.sublayer("dense_1").is_none());
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn sublayer(&self, key: &str) -> Option<&LayerConfig> {
        self.layers.iter().find(|s| s.key == key).map(|s| &s.layer)
    }

    /// The error for this layer: `error` wrapped as [`Error::Layer`] naming it.
    pub(crate) fn error(&self, error: Error) -> Error {
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| super::snake_case(&self.class_name));
        error.in_layer(name, self.class_name.clone())
    }
}

/// `error`, from making the sublayer under `key` (of class `class`), named by that key:
/// a layer's own errors name it by its display name, which the key replaces, since the key
/// is its path segment.
pub(crate) fn in_sublayer(error: Error, key: &str, class: &str) -> Error {
    match error {
        Error::Layer {
            layer,
            type_name,
            cause,
        } => {
            let rest = layer.find('.').map_or("", |i| &layer[i..]);
            Error::Layer {
                layer: format!("{key}{rest}"),
                type_name,
                cause,
            }
        }
        e => e.in_layer(key, class),
    }
}

/// The deepest nesting of arrays and objects in JSON text (strings skipped).
fn json_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn invalid(field: &str, message: String) -> Error {
    Error::InvalidConfig {
        field: field.to_string(),
        message,
    }
}

/// A layer type that can be made from its [`LayerConfig`] (Keras's `from_config`):
/// `#[derive(Layer)]` and `#[activation]` implement it, and so do the built-in layers and
/// containers. A config is data only: making a layer from it runs no code it names.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// #[derive(Layer)]
/// struct Scale {
///     factor: f32,
///     #[config(default = 1)]
///     repeat: usize,
/// }
/// impl Call for Scale {
///     fn call(&self, x: &Tensor) -> Tensor { x * (self.factor * self.repeat as f32) }
/// }
///
/// let saved = Scale::new(0.5).repeat(3).layer_config()?;
/// let loaded = Scale::from_config(&saved)?;
/// assert_eq!((loaded.factor, loaded.repeat), (0.5, 3));
/// # Ok::<(), layers_core::Error>(())
/// ```
pub trait FromConfig: Sized {
    /// The layer `config` describes, unbuilt.
    ///
    /// # Errors
    ///
    /// [`Error::Layer`] naming the layer, around [`Error::InvalidConfig`] naming the field:
    /// a class that is not this type's, a missing or unknown field, a value of the wrong
    /// type or out of range, a missing or unknown sublayer; [`Error::UnknownName`] for an
    /// unregistered class of a `Box<dyn Layer>` sublayer.
    fn from_config(config: &LayerConfig) -> Result<Self>;
}

/// What generated `from_config` code reads a layer's config with: the class and keys are
/// checked when it is made, then each field is read by name. Not a public API (reached
/// through `__private`).
pub struct ConfigReader<'a> {
    config: &'a LayerConfig,
}

impl<'a> ConfigReader<'a> {
    /// Checks that `config` is of class `class` and has only the config fields `fields`
    /// and the sublayers `sublayers`.
    ///
    /// # Errors
    ///
    /// Naming the layer, the key and the keys expected.
    pub fn new(
        config: &'a LayerConfig,
        class: &str,
        fields: &[&str],
        sublayers: &[&str],
    ) -> Result<ConfigReader<'a>> {
        if config.class_name != class {
            return Err(config.error(invalid(
                "class_name",
                format!(
                    "is `{}`, but this config is read as a `{class}` (a config loads as the type \
                     the program asks for: a field's type, a `Model<…>`'s, the type a generic \
                     layer was registered at with `register_layer!`; a `Box<dyn Layer>` field \
                     loads any registered class)",
                    config.class_name
                ),
            )));
        }
        if let Some(key) = config.config.keys().find(|k| !fields.contains(&k.as_str())) {
            return Err(config.error(invalid(
                key,
                format!(
                    "is not a config field of `{class}`; its fields: [{}]",
                    fields.join(", ")
                ),
            )));
        }
        for (i, sub) in config.layers.iter().enumerate() {
            if !sublayers.contains(&sub.key.as_str()) {
                return Err(config.error(invalid(
                    &sub.key,
                    format!(
                        "is not a sublayer of `{class}`; its sublayers: [{}]",
                        sublayers.join(", ")
                    ),
                )));
            }
            if config.layers[..i].iter().any(|s| s.key == sub.key) {
                return Err(config.error(invalid(&sub.key, "is given twice".to_string())));
            }
        }
        Ok(ConfigReader { config })
    }

    /// The value of config field `field`, which must be there.
    ///
    /// # Errors
    ///
    /// When it is missing or not a value of type `T`, naming the layer and the field.
    pub fn required<T: ConfigValue>(&self, field: &str) -> Result<T> {
        match self.config.config.get(field) {
            Some(value) => self.read(field, value),
            None => Err(self
                .config
                .error(invalid(field, "is missing from the config".to_string()))),
        }
    }

    /// The value of config field `field`, or `None` when it is not there (the field then
    /// keeps its default).
    ///
    /// # Errors
    ///
    /// When it is there but not a value of type `T`.
    pub fn optional<T: ConfigValue>(&self, field: &str) -> Result<Option<T>> {
        self.config
            .config
            .get(field)
            .map(|value| self.read(field, value))
            .transpose()
    }

    fn read<T: ConfigValue>(&self, field: &str, value: &Value) -> Result<T> {
        self.field(field, T::from_config(value))
    }

    /// The JSON of config field `field`, which must be there.
    ///
    /// # Errors
    ///
    /// When it is missing, naming the layer and the field.
    pub fn value(&self, field: &str) -> Result<&'a Value> {
        self.config.config.get(field).ok_or_else(|| {
            self.config
                .error(invalid(field, "is missing from the config".to_string()))
        })
    }

    /// The JSON of config field `field`, if it is there.
    pub fn maybe_value(&self, field: &str) -> Option<&'a Value> {
        self.config.config.get(field)
    }

    /// `result`, field `field` read with [`ConfigValue::from_config`], with its error
    /// naming the layer and the field.
    ///
    /// # Errors
    ///
    /// `result`'s.
    pub fn field<T>(&self, field: &str, result: std::result::Result<T, String>) -> Result<T> {
        result.map_err(|message| self.config.error(invalid(field, message)))
    }

    /// The config of sublayer `key`, which must be there.
    ///
    /// # Errors
    ///
    /// When it is missing, naming the layer and the key.
    pub fn sublayer(&self, key: &str) -> Result<&'a LayerConfig> {
        self.config.sublayer(key).ok_or_else(|| {
            self.config.error(invalid(
                key,
                "sublayer is missing from the config".to_string(),
            ))
        })
    }

    /// The config of sublayer `key`, if it is there. A sublayer the layer makes from its own
    /// settings (`#[layer(init = …)]`, `#[layer(default)]`) may be left out of a config, as
    /// Keras leaves an `LSTM`'s cell and a `MultiHeadAttention`'s projections out of theirs:
    /// `from_config` then makes it as `new` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// // Keras's config of an LSTM: no cell; the cell is made from the layer's settings
    /// let keras = LayerConfig::from_json(r#"{"class_name": "LSTM", "config": {"units": 3}}"#)?;
    /// assert_eq!(Lstm::from_config(&keras)?.cell.units, 3);
    /// # Ok::<(), layers_core::Error>(())
    /// ```
    pub fn maybe_sublayer(&self, key: &str) -> Option<&'a LayerConfig> {
        self.config.sublayer(key)
    }

    /// `result`, the sublayer `key` made from its config, with its error, if any, named
    /// by its path in this layer.
    ///
    /// # Errors
    ///
    /// `result`'s error, inside this layer.
    pub fn in_sublayer<T>(&self, key: &str, result: Result<T>) -> Result<T> {
        result.map_err(|e| {
            let class = self
                .config
                .sublayer(key)
                .map_or("", |c| c.class_name.as_str());
            self.config.error(in_sublayer(e, key, class))
        })
    }
}

/// Makes a sublayer of type `T` from its config in generated code: through `T`'s
/// [`FromConfig`] when it has one ([`MakeFromConfig`]), and otherwise with an error that
/// says what to implement ([`MakeFallback`]), so that a struct holding a layer written by
/// hand still derives. Not a public API.
pub struct Maker<T>(PhantomData<T>);

impl<T> Maker<T> {
    /// The maker of `T`.
    pub fn new() -> Maker<T> {
        Maker(PhantomData)
    }
}

impl<T> Default for Maker<T> {
    fn default() -> Self {
        Maker::new()
    }
}

/// The maker for a type with [`FromConfig`] (see [`Maker`]).
pub trait MakeFromConfig<T> {
    /// `T::from_config(config)`.
    ///
    /// # Errors
    ///
    /// `T::from_config`'s.
    fn make(&self, config: &LayerConfig) -> Result<T>;
}

impl<T: FromConfig> MakeFromConfig<T> for Maker<T> {
    fn make(&self, config: &LayerConfig) -> Result<T> {
        T::from_config(config)
    }
}

/// The maker for a type without [`FromConfig`] (see [`Maker`]).
pub trait MakeFallback<T> {
    /// An error naming the type.
    ///
    /// # Errors
    ///
    /// Always.
    fn make(&self, config: &LayerConfig) -> Result<T>;
}

impl<T> MakeFallback<T> for &Maker<T> {
    fn make(&self, config: &LayerConfig) -> Result<T> {
        Err(config.error(invalid(
            "class_name",
            format!(
                "a `{}` cannot be made from a config: implement `layers::FromConfig` for it",
                std::any::type_name::<T>()
            ),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::json_depth;

    #[test]
    fn depth_counts_brackets_outside_strings() {
        assert_eq!(json_depth(r#"{"a": [1, {"b": "[[[{"}]}"#), 3);
        assert_eq!(json_depth(r#""\"[""#), 0);
        assert_eq!(json_depth(""), 0);
    }
}
