//! `Named`: a layer with a name given by the user instead of the automatic one.

use std::ops::{Deref, DerefMut};

use super::{Layer, SummaryRow};
use crate::error::Result;
use crate::{Tensor, Weight};

/// A layer with a user-given name; made by [`LayerExt::named`](super::LayerExt::named).
/// Everything else is the wrapped layer's, which it dereferences to.
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// let d = Dense::new(3).named("hidden");
/// assert_eq!(d.display_name(), "hidden");
/// assert_eq!(d.units, 3); // the wrapped layer's fields
/// ```
#[derive(Debug, Clone)]
pub struct Named<L> {
    name: String,
    layer: L,
}

impl<L> Named<L> {
    /// Wraps `layer` under `name`.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::layer::Named;
    /// assert_eq!(Named::new("out", Dense::new(1)).display_name(), "out");
    /// ```
    pub fn new(name: impl Into<String>, layer: L) -> Named<L> {
        Named {
            name: name.into(),
            layer,
        }
    }

    /// The wrapped layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// assert_eq!(Dense::new(7).named("d").into_inner().units, 7);
    /// ```
    pub fn into_inner(self) -> L {
        self.layer
    }
}

impl<L> Deref for Named<L> {
    type Target = L;
    fn deref(&self) -> &L {
        &self.layer
    }
}

impl<L> DerefMut for Named<L> {
    fn deref_mut(&mut self) -> &mut L {
        &mut self.layer
    }
}

impl<L: Layer> Layer for Named<L> {
    fn type_name(&self) -> &'static str {
        self.layer.type_name()
    }
    fn name(&self) -> Option<&str> {
        Some(&self.name)
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.layer.forward(x)
    }
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        self.layer.forward_masked(x, mask)
    }
    fn takes_mask(&self) -> bool {
        self.layer.takes_mask()
    }
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        self.layer.forward_rows(x, rows)
    }
    fn weights(&self) -> Vec<&Weight> {
        self.layer.weights()
    }
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        self.layer.weights_mut()
    }
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        self.layer.sublayers()
    }
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        self.layer.sublayers_mut()
    }
    fn config(&self) -> serde_json::Value {
        let mut config = self.layer.config();
        if let Some(map) = config.as_object_mut() {
            map.insert("name".into(), self.name.clone().into());
        }
        config
    }
    fn try_config(&self) -> Result<serde_json::Value> {
        let mut config = self.layer.try_config()?;
        if let Some(map) = config.as_object_mut() {
            map.insert("name".into(), self.name.clone().into());
        }
        Ok(config)
    }
    fn is_container(&self) -> bool {
        self.layer.is_container()
    }
    fn summary_rows(&self) -> Vec<SummaryRow> {
        self.layer.summary_rows()
    }
    fn summary_rows_for(&self, input_shape: &[usize]) -> Vec<SummaryRow> {
        self.layer.summary_rows_for(input_shape)
    }
}
