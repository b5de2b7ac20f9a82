//! `Sequential` and `Model` made from their configs: a `Sequential`'s layers are made by
//! the classes registered under their names and get their saved names back; a `Model` is
//! its layer's type made from the config.

use super::model::Model;
use super::sequential::Sequential;
use crate::error::{Error, Result};
use crate::layer::registry::layer_from_config;
use crate::layer::spec::{FromConfig, LayerConfig, in_sublayer};
use crate::layer::{Layer, Named};

/// The model with its name and layers, each made by its registered class; its seed is the
/// default one (a saved model's file keeps the seed).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let model = Sequential::new().with_name("mlp").add(Dense::new(8).named("hidden")).add(Dense::new(2));
/// let copy = Sequential::from_config(&model.layer_config()?)?;
/// assert_eq!(copy.layer_names(), ["hidden", "dense"]);
/// assert_eq!(copy.layer_config()?, model.layer_config()?);
/// # Ok::<(), layers_core::Error>(())
/// ```
impl FromConfig for Sequential {
    fn from_config(config: &LayerConfig) -> Result<Sequential> {
        let wrong = |field: &str, message: String| {
            config.error(Error::InvalidConfig {
                field: field.into(),
                message,
            })
        };
        if config.class_name != "Sequential" {
            return Err(wrong(
                "class_name",
                format!(
                    "is `{}`, but this config is read as a `Sequential`",
                    config.class_name
                ),
            ));
        }
        // `layers` in the config is Keras's list; the layers are made from `config.layers`.
        if let Some(key) = config
            .config
            .keys()
            .find(|k| *k != "layers" && *k != "name")
        {
            return Err(wrong(
                key,
                "is not a config field of `Sequential`; its fields: [name, layers]".into(),
            ));
        }
        let mut model = Sequential::new();
        if let Some(name) = &config.name {
            model = model.with_name(name.clone());
        }
        for sub in &config.layers {
            let layer = layer_from_config(&sub.layer)
                .map_err(|e| config.error(in_sublayer(e, &sub.key, &sub.layer.class_name)))?;
            // A layer given its name (`named`) keeps it, and its config says so.
            let layer: Box<dyn Layer> = match &sub.layer.name {
                Some(name) => Box::new(Named::new(name.clone(), layer)),
                None => layer,
            };
            model
                .push_named(&sub.key, layer)
                .map_err(|e| config.error(e))?;
        }
        Ok(model)
    }
}

crate::register_layer!(Sequential);

/// The wrapped layer made from the config, with the default seed.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let model = Model::new(Dense::new(3).use_bias(false));
/// let copy = Model::<Dense>::from_config(&model.layer_config()?)?;
/// assert!(!copy.use_bias);
/// # Ok::<(), layers_core::Error>(())
/// ```
impl<L: FromConfig + Layer> FromConfig for Model<L> {
    fn from_config(config: &LayerConfig) -> Result<Model<L>> {
        L::from_config(config).map(Model::new)
    }
}
