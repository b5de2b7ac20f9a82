//! The registry of layer classes: every `#[derive(Layer)]` and `#[activation]` type (and
//! every built-in) registers a maker under its class name at link time, so that a saved
//! model's layers are made again by name with no list of custom objects to pass, and a name
//! that is not registered is an error listing those that are. The containers' [`FromConfig`]
//! impls are here too.
//!
//! ```
//! use layers_core::prelude::*;
//! let config = Dense::new(3).layer_config()?;
//! let layer: Box<dyn Layer> = layer_from_config(&config)?;
//! assert_eq!(layer.type_name(), "Dense");
//! assert!(registered_layers().contains(&"BatchNormalization"));
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::Layer;
use super::named::Named;
use super::spec::{FromConfig, LayerConfig, in_sublayer};
use crate::error::{Error, Result};

/// A registered layer class: its name and the function that makes a layer of it from a
/// config. Written by `#[derive(Layer)]`, `#[activation]` and [`register_layer!`](crate::register_layer); not
/// otherwise a public API.
///
/// # Examples
///
/// ```
/// use layers_core::layer::registry::LayerEntry;
/// use layers_core::prelude::*;
/// let entry = LayerEntry::of::<Dense>("Dense");
/// let config = Dense::new(3).layer_config()?;
/// assert_eq!((entry.make)(&config)?.type_name(), "Dense");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub struct LayerEntry {
    /// The class name: the type's [`Layer::type_name`].
    pub class_name: &'static str,
    /// Makes the layer from its config.
    pub make: fn(&LayerConfig) -> Result<Box<dyn Layer>>,
}

inventory::collect!(LayerEntry);

impl LayerEntry {
    /// The entry for `T` under `class_name`.
    ///
    /// # Examples
    ///
    /// See [`LayerEntry`].
    pub const fn of<T: FromConfig + Layer + 'static>(class_name: &'static str) -> LayerEntry {
        LayerEntry {
            class_name,
            make: make::<T>,
        }
    }
}

fn make<T: FromConfig + Layer + 'static>(config: &LayerConfig) -> Result<Box<dyn Layer>> {
    T::from_config(config).map(|layer| Box::new(layer) as Box<dyn Layer>)
}

/// Registers a layer type that `#[derive(Layer)]` cannot register itself (a generic one,
/// at a given type: `register_layer!(Block<Dense>)`, or a hand-written one with a
/// [`FromConfig`] impl), under its class name as [`Layer::type_name`] gives it.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
///
/// #[derive(Layer)]
/// struct Twice<L: Layer> {
///     #[layer]
///     inner: L,
/// }
/// impl<L: Layer> TryCall for Twice<L> {
///     fn try_call(&self, x: &Tensor) -> layers_core::Result<Tensor> {
///         self.inner.try_apply(&self.inner.try_apply(x)?)
///     }
/// }
/// layers_core::register_layer!(Twice<Dense>);
///
/// let config = Twice::new(Dense::new(3)).layer_config()?;
/// assert_eq!(layer_from_config(&config)?.type_name(), "Twice");
/// # Ok::<(), layers_core::Error>(())
/// ```
#[macro_export]
macro_rules! register_layer {
    ($ty:ty) => {
        const _: () = {
            use $crate::__private as __layers;
            const NAME: &str = {
                // The type name as `#[derive(Layer)]` writes it (`Twice`, not `Twice<Dense>`).
                let full = ::core::stringify!($ty).as_bytes();
                let mut end = 0;
                while end < full.len() && full[end] != b'<' && full[end] != b' ' {
                    end += 1;
                }
                match ::core::str::from_utf8(full.split_at(end).0) {
                    Ok(name) => name,
                    Err(_) => panic!("a type name is UTF-8"),
                }
            };
            __layers::inventory::submit! { __layers::LayerEntry::of::<$ty>(NAME) }
        };
    };
}

/// Every registered layer class name, sorted.
///
/// # Examples
///
/// ```
/// let names = layers_core::registered_layers();
/// assert!(names.contains(&"Dense") && names.contains(&"Sequential"));
/// assert!(names.windows(2).all(|w| w[0] <= w[1]));
/// ```
pub fn registered_layers() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = inventory::iter::<LayerEntry>
        .into_iter()
        .map(|e| e.class_name)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The layer a config describes, made by the class registered under its `class_name`
/// (Keras's `deserialize` without `custom_objects`: `#[derive(Layer)]` types register
/// themselves). Nothing is run but the registered maker.
///
/// # Errors
///
/// [`Error::UnknownName`] listing the registered classes, for a class that is not one;
/// [`Error::InvalidConfig`] when two types are registered under the name (give one
/// `#[layer(name = "…")]`); the maker's errors.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let mut config = Dropout::new(0.25).layer_config()?;
/// assert_eq!(layer_from_config(&config)?.config()["rate"], 0.25);
/// config.class_name = "Dropuot".into();
/// let err = layer_from_config(&config).err().unwrap();
/// assert!(err.to_string().starts_with("unknown layer `Dropuot`; known layers: "), "{err}");
/// # Ok::<(), layers_core::Error>(())
/// ```
pub fn layer_from_config(config: &LayerConfig) -> Result<Box<dyn Layer>> {
    let mut found = inventory::iter::<LayerEntry>
        .into_iter()
        .filter(|e| e.class_name == config.class_name);
    let Some(entry) = found.next() else {
        return Err(Error::unknown_name(
            "layer",
            &config.class_name,
            registered_layers(),
        ));
    };
    if found.any(|other| !std::ptr::fn_addr_eq(other.make, entry.make)) {
        return Err(Error::InvalidConfig {
            field: "class_name".into(),
            message: format!(
                "`{}` is the name of two registered layer types; give one of them \
                 `#[layer(name = \"…\")]` (an `#[activation]` layer is named after its \
                 function: rename the function)",
                config.class_name
            ),
        });
    }
    (entry.make)(config)
}

/// A boxed layer of any registered class.
impl FromConfig for Box<dyn Layer> {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        layer_from_config(config)
    }
}

impl<L: FromConfig> FromConfig for Box<L> {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        L::from_config(config).map(Box::new)
    }
}

/// `None` is the class `None` with nothing in it; anything else is the layer.
impl<L: FromConfig> FromConfig for Option<L> {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        if config.class_name != "None" {
            return L::from_config(config).map(Some);
        }
        if !config.config.is_empty() || !config.layers.is_empty() {
            return Err(config.error(Error::InvalidConfig {
                field: "class_name".into(),
                message: "is `None`, the absent layer, which has no config or sublayers".into(),
            }));
        }
        Ok(None)
    }
}

/// The layer, named as the config names it.
impl<L: FromConfig> FromConfig for Named<L> {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let Some(name) = config.name.clone() else {
            return Err(config.error(Error::InvalidConfig {
                field: "name".into(),
                message: "is missing: a named layer's config gives its name".into(),
            }));
        };
        Ok(Named::new(name, L::from_config(config)?))
    }
}

/// The elements, from the sublayers `0`, `1`, … in order.
fn list<L: FromConfig>(config: &LayerConfig, class: &str) -> Result<Vec<L>> {
    let wrong = |field: &str, message: String| {
        config.error(Error::InvalidConfig {
            field: field.into(),
            message,
        })
    };
    if config.class_name != class {
        return Err(wrong(
            "class_name",
            format!(
                "is `{}`, but this config is read as a `{class}`",
                config.class_name
            ),
        ));
    }
    if let Some(key) = config.config.keys().find(|k| *k != "layers") {
        return Err(wrong(
            key,
            format!("is not a config field of `{class}`; its fields: [layers]"),
        ));
    }
    config
        .layers
        .iter()
        .enumerate()
        .map(|(i, sub)| {
            if sub.key != i.to_string() {
                return Err(wrong(&sub.key, format!("is not element {i} of the list")));
            }
            L::from_config(&sub.layer)
                .map_err(|e| config.error(in_sublayer(e, &sub.key, &sub.layer.class_name)))
        })
        .collect()
}

impl<L: FromConfig> FromConfig for Vec<L> {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        list(config, "Vec")
    }
}

impl<L: FromConfig, const N: usize> FromConfig for [L; N] {
    fn from_config(config: &LayerConfig) -> Result<Self> {
        let elements = list(config, "Array")?;
        let n = elements.len();
        elements.try_into().map_err(|_| {
            config.error(Error::InvalidConfig {
                field: "layers".into(),
                message: format!("has {n} elements, where this array holds {N}"),
            })
        })
    }
}
