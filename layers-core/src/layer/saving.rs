//! What [`LayerExt::save_weights`] and [`LayerExt::load_weights_with`] do with a layer: its
//! weights' paths, shapes and values, to and from a weights file of [`crate::save`].

use std::path::Path;

use super::{Layer, LayerExt};
use crate::error::{Error, Result};
use crate::save::{LoadOptions, SavedWeights, read_into};

/// Writes every weight of `layer` under its path, atomically.
pub(super) fn save(layer: &dyn Layer, path: &Path) -> Result<()> {
    let values = layer.get_weights()?;
    let paths = layer.all_weights().into_iter().map(|(p, _)| p);
    SavedWeights::new(paths.zip(values).collect())
        .map_err(|e| e.in_layer(layer.display_name(), layer.type_name()))?
        .write(path)
}

/// Sets every weight of the built `layer` from the file, all at once, after every check.
pub(super) fn load(layer: &dyn Layer, path: &Path, options: LoadOptions) -> Result<()> {
    if !layer.is_built() {
        return Err(Error::Unbuilt {
            layer: layer.display_name(),
        });
    }
    let expected: Vec<(String, Vec<usize>)> = layer
        .all_weights()
        .into_iter()
        .map(|(p, w)| (p, w.shape().expect("a built layer's weights have shapes")))
        .collect();
    let values = read_into(path, &expected, &layer.display_name(), options)?;
    layer.set_weights(&values)
}
