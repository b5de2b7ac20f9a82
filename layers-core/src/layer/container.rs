//! Containers of layers are layers: `Vec<L>` and `[L; N]` (a list run in turn, its
//! elements named `0`, `1`, …), `Option<L>` (the layer, or nothing) and `Box<L>` /
//! `Box<dyn Layer>` (the boxed layer). So a `#[derive(Layer)]` struct can hold a stack of
//! configurable depth, an optional shortcut or a layer chosen at run time as a `#[layer]`
//! field, and its weights, parameter counts, freezing and summary see every element.
//!
//! ```
//! use layers_core::prelude::*;
//! let mut blocks = vec![Dense::new(4), Dense::new(2)];
//! assert_eq!(blocks.build([3])?, vec![2]);
//! let paths: Vec<String> = blocks.all_weights().into_iter().map(|(p, _)| p).collect();
//! assert_eq!(paths, ["0.kernel", "0.bias", "1.kernel", "1.bias"]);
//! assert_eq!(blocks.count_params()?, 3 * 4 + 4 + 4 * 2 + 2);
//! # Ok::<(), layers_core::Error>(())
//! ```

use super::{Layer, SummaryRow};
use crate::error::Result;
use crate::tensor::Tensor;
use crate::weight::Weight;

/// Runs `layers` in turn on `x`; an element's error names it by its index.
fn forward_list<L: Layer>(layers: &[L], x: &Tensor) -> Result<Tensor> {
    let mut y = x.clone();
    for (i, layer) in layers.iter().enumerate() {
        y = layer
            .forward(&y)
            .map_err(|e| e.in_layer(i.to_string(), layer.type_name()))?;
    }
    Ok(y)
}

/// `{"layers": [{"class_name": …, "config": …}, …]}`, each element's config from `config`
/// (an error naming the element by its index).
fn list_config<L: Layer>(
    layers: &[L],
    config: impl Fn(&L) -> Result<serde_json::Value>,
) -> Result<serde_json::Value> {
    let entries = layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let config = config(layer).map_err(|e| e.in_layer(i.to_string(), layer.type_name()))?;
            Ok(serde_json::json!({ "class_name": layer.type_name(), "config": config }))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::json!({ "layers": entries }))
}

/// A `Vec<L>` and an `[L; N]`: the elements in turn, named by index.
macro_rules! list_layer {
    ($type_name:literal, impl<$($param:tt)*) => {
        impl<$($param)* {
            fn type_name(&self) -> &'static str {
                $type_name
            }
            fn forward(&self, x: &Tensor) -> Result<Tensor> {
                forward_list(self, x)
            }
            fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
                self.iter()
                    .enumerate()
                    .map(|(i, layer)| (i.to_string(), layer as &dyn Layer))
                    .collect()
            }
            fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
                self.iter_mut()
                    .enumerate()
                    .map(|(i, layer)| (i.to_string(), layer as &mut dyn Layer))
                    .collect()
            }
            fn config(&self) -> serde_json::Value {
                list_config(self, |layer| Ok(layer.config()))
                    .expect("`config` cannot fail, so neither can the list of configs")
            }
            fn try_config(&self) -> Result<serde_json::Value> {
                list_config(self, |layer| layer.try_config())
            }
            fn is_container(&self) -> bool {
                true
            }
        }
    };
}

list_layer!("Vec", impl<L: Layer> Layer for Vec<L>);
list_layer!("Array", impl<L: Layer, const N: usize> Layer for [L; N]);

/// `Some(layer)` is the layer (its weights nest directly under the field: `shortcut.kernel`);
/// `None` is the identity, with no weights and no summary row.
impl<L: Layer> Layer for Option<L> {
    fn type_name(&self) -> &'static str {
        self.as_ref().map_or("None", Layer::type_name)
    }
    fn name(&self) -> Option<&str> {
        self.as_ref().and_then(Layer::name)
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Some(layer) => layer.forward(x),
            None => Ok(x.clone()),
        }
    }
    fn weights(&self) -> Vec<&Weight> {
        self.as_ref().map_or_else(Vec::new, Layer::weights)
    }
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        self.as_mut().map_or_else(Vec::new, Layer::weights_mut)
    }
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        self.as_ref().map_or_else(Vec::new, Layer::sublayers)
    }
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        self.as_mut().map_or_else(Vec::new, Layer::sublayers_mut)
    }
    fn config(&self) -> serde_json::Value {
        self.as_ref().map_or_else(
            || serde_json::Value::Object(serde_json::Map::new()),
            Layer::config,
        )
    }
    fn try_config(&self) -> Result<serde_json::Value> {
        self.as_ref()
            .map_or_else(|| Ok(self.config()), Layer::try_config)
    }
    fn is_container(&self) -> bool {
        // `None` is a container of nothing: it shows no row.
        self.as_ref().is_none_or(Layer::is_container)
    }
    fn summary_rows(&self) -> Vec<SummaryRow> {
        self.as_ref().map_or_else(Vec::new, Layer::summary_rows)
    }
    fn summary_rows_for(&self, input_shape: &[usize]) -> Vec<SummaryRow> {
        self.as_ref()
            .map_or_else(Vec::new, |layer| layer.summary_rows_for(input_shape))
    }
}

/// The boxed layer, in every respect.
impl<L: Layer + ?Sized> Layer for Box<L> {
    fn type_name(&self) -> &'static str {
        (**self).type_name()
    }
    fn name(&self) -> Option<&str> {
        (**self).name()
    }
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        (**self).forward(x)
    }
    fn forward_masked(
        &self,
        x: &Tensor,
        mask: Option<&Tensor>,
    ) -> Result<(Tensor, Option<Tensor>)> {
        (**self).forward_masked(x, mask)
    }
    fn takes_mask(&self) -> bool {
        (**self).takes_mask()
    }
    fn forward_rows(&self, x: &[f32], rows: usize) -> Option<Vec<f32>> {
        (**self).forward_rows(x, rows)
    }
    fn weights(&self) -> Vec<&Weight> {
        (**self).weights()
    }
    fn weights_mut(&mut self) -> Vec<&mut Weight> {
        (**self).weights_mut()
    }
    fn sublayers(&self) -> Vec<(String, &dyn Layer)> {
        (**self).sublayers()
    }
    fn sublayers_mut(&mut self) -> Vec<(String, &mut dyn Layer)> {
        (**self).sublayers_mut()
    }
    fn config(&self) -> serde_json::Value {
        (**self).config()
    }
    fn try_config(&self) -> Result<serde_json::Value> {
        (**self).try_config()
    }
    fn is_container(&self) -> bool {
        (**self).is_container()
    }
    fn summary_rows(&self) -> Vec<SummaryRow> {
        (**self).summary_rows()
    }
    fn summary_rows_for(&self, input_shape: &[usize]) -> Vec<SummaryRow> {
        (**self).summary_rows_for(input_shape)
    }
}

#[cfg(test)]
mod tests {
    use crate::builtin::Dense;
    use crate::layer::LayerExt;
    use crate::{Layer, Tensor};

    #[test]
    fn a_list_runs_its_elements_in_turn_and_names_a_failing_one() {
        let list: [Box<dyn Layer>; 2] = [Box::new(Dense::new(2)), Box::new(Dense::new(3))];
        let y = list.forward(&Tensor::ones(&[4, 5])).unwrap();
        assert_eq!(y.shape(), &[4, 3]);
        // A second input width cannot rebuild the first element's kernel.
        let err = list.forward(&Tensor::ones(&[4, 6])).unwrap_err();
        assert!(err.to_string().starts_with("layer `0` (Dense): "), "{err}");
    }

    #[test]
    fn an_option_is_its_layer_or_the_identity() {
        let mut none: Option<Dense> = None;
        assert_eq!(none.build([3]).unwrap(), vec![3]);
        assert_eq!(none.count_params().unwrap(), 0);
        assert!(none.is_container() && none.summary_rows().is_empty());
        let mut some = Some(Dense::new(2));
        assert_eq!(some.build([3]).unwrap(), vec![2]);
        assert_eq!(some.type_name(), "Dense");
        assert_eq!(some.count_params().unwrap(), 3 * 2 + 2);
    }

    #[test]
    fn a_box_is_its_layer() {
        let mut boxed: Box<dyn Layer> = Box::new(Dense::new(2).named("out"));
        assert_eq!(boxed.build([3]).unwrap(), vec![2]);
        assert_eq!(boxed.display_name(), "out");
        assert_eq!(boxed.config()["units"], 2);
        assert_eq!(boxed.all_weights()[0].0, "kernel");
    }
}
