//! Whole models to one file and back ([`Train::save`](super::Train::save),
//! [`Train::load`](super::Train::load)): a safetensors file with the weights under their
//! paths (as `save_weights` writes them), the optimizer's state under `optimizer/`, and two
//! JSON metadata strings: `config`, the model's [`LayerConfig`], and `training`, what is
//! needed to go on training (seed, input shape, frozen weights, the compiled optimizer,
//! loss and metrics, and the steps and epochs done). Loading makes every layer from its
//! registered class, builds the model, and restores all of it, so `fit` continues exactly
//! where it stopped. Once training began, the file holds the optimizer's slots for every
//! weight it trains, and a file missing any is refused rather than trained on from zeroed
//! moments.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::state::Compiled;
use super::train::Train;
use crate::error::{Error, Result};
use crate::layer::spec::{FromConfig, LayerConfig};
use crate::layer::{Layer, LayerExt};
use crate::loss::loss_from_config;
use crate::metrics::metric_from_config;
use crate::optim::optimizer_from_config;
use crate::save::{LoadOptions, MODEL_FORMAT, OPTIMIZER_PREFIX, SavedWeights};
use crate::tensor::Tensor;
use crate::weight::Weight;

/// The version of the `training` record written; another one is refused.
const TRAINING_VERSION: u32 = 1;

/// What a model file keeps besides its architecture and values, as JSON.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingRecord {
    version: u32,
    seed: u64,
    input_shape: Option<Vec<usize>>,
    /// The paths of the weights of frozen layers (`set_trainable(false)`); a weight's own
    /// trainability (moving statistics are not trained) is part of the architecture.
    frozen: Vec<String>,
    compiled: Option<CompiledRecord>,
}

/// What `compile` set up, and how far training went.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompiledRecord {
    optimizer: Value,
    loss: Value,
    metrics: Vec<Value>,
    /// Keras's `weighted_metrics` (absent when there are none, as in older files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    weighted_metrics: Vec<Value>,
    /// The optimizer's step count (Keras's `iterations`).
    iterations: u64,
    steps: u64,
    epochs: u64,
}

/// Writes `model` to `path` atomically (see the module docs).
pub(super) fn save<M: Train>(model: &M, path: &Path) -> Result<()> {
    let state = model.state();
    let model_state = ModelState {
        seed: state.seed,
        input_shape: state.input_shape.as_deref(),
        compiled: state.compiled.as_ref(),
    };
    save_parts(model, &model_state, path)
}

/// What a model file keeps of a model besides its layers.
pub(super) struct ModelState<'a> {
    pub(super) seed: u64,
    pub(super) input_shape: Option<&'a [usize]>,
    pub(super) compiled: Option<&'a Compiled>,
}

/// Writes the model made of `model` (its layers) and `state` to `path` atomically: what
/// [`save`] does, and `fit` for a [`ModelCheckpoint`](super::callbacks::ModelCheckpoint).
pub(super) fn save_parts(model: &dyn Layer, state: &ModelState, path: &Path) -> Result<()> {
    let config = LayerConfig::of(model).map_err(|e| in_file(path, e))?;
    let built = state.input_shape.is_some() && model.is_built();
    let weights = if built {
        model.all_weights()
    } else {
        Vec::new()
    };
    let mut tensors: Vec<(String, Tensor)> = weights
        .iter()
        .map(|(p, w)| Ok((p.clone(), w.value())))
        .collect::<Result<_>>()?;
    let frozen = weights
        .iter()
        .filter(|(_, w)| w.is_frozen())
        .map(|(p, _)| p.clone())
        .collect();
    let compiled = match state.compiled {
        None => None,
        Some(c) => {
            let optimizer = c.optimizer.config().map_err(|e| in_file(path, e))?;
            let mut slots: Vec<_> = weights.iter().map(|(_, w)| c.optimizer.slots(w)).collect();
            // Once training began, every weight it trains has its slots in the file, which
            // `load` checks: a weight not updated yet (frozen until now, or without a
            // gradient so far) gets those its first update would start from.
            let started = c.optimizer.iterations() > 0 || slots.iter().any(|s| !s.is_empty());
            for ((_, w), slots) in weights.iter().zip(&mut slots) {
                if started && slots.is_empty() && w.is_trainable() {
                    let shape = w.shape().expect("a built model's weights have shapes");
                    *slots = fresh_slots(&optimizer, &shape).map_err(|e| in_file(path, e))?;
                }
            }
            for ((p, _), slots) in weights.iter().zip(slots) {
                for (slot, value) in slots {
                    tensors.push((format!("{OPTIMIZER_PREFIX}{p}/{slot}"), value));
                }
            }
            Some(CompiledRecord {
                optimizer,
                loss: c.loss.config(),
                metrics: c.metrics.iter().map(|m| m.config()).collect(),
                weighted_metrics: c.weighted_metrics.iter().map(|m| m.config()).collect(),
                iterations: c.optimizer.iterations(),
                steps: c.steps,
                epochs: c.epochs,
            })
        }
    };
    let record = TrainingRecord {
        version: TRAINING_VERSION,
        seed: state.seed,
        input_shape: state.input_shape.filter(|_| built).map(<[usize]>::to_vec),
        frozen,
        compiled,
    };
    let training = serde_json::to_string(&record).expect("a training record is plain JSON data");
    SavedWeights::new(tensors)?
        .with_metadata("format", MODEL_FORMAT)
        .with_metadata("config", config.to_json())
        .with_metadata("training", training)
        .write(path)
}

/// Reads the model file at `path` (see the module docs).
pub(super) fn load<M: Train + FromConfig>(path: &Path, options: LoadOptions) -> Result<M> {
    let file = SavedWeights::read(path, options)?;
    let metadata = file.metadata();
    let format = metadata.get("format").map(String::as_str);
    if format != Some(MODEL_FORMAT) {
        let found = format.map_or("a safetensors file without a format".to_string(), |f| {
            format!("a `{f}` file")
        });
        return Err(in_file(
            path,
            Error::invalid(
                "load",
                format!(
                    "it is {found}, not a model file written by `save`; a weights file is read \
                     into a model made in code with `load_weights`"
                ),
            ),
        ));
    }
    let text = |key: &str| {
        metadata.get(key).ok_or_else(|| {
            in_file(
                path,
                Error::invalid("load", format!("its metadata has no `{key}`")),
            )
        })
    };
    let config = LayerConfig::from_json(text("config")?).map_err(|e| in_file(path, e))?;
    let record: TrainingRecord = serde_json::from_str(text("training")?).map_err(|e| {
        in_file(
            path,
            Error::invalid("load", format!("its `training` record is not valid: {e}")),
        )
    })?;
    if record.version != TRAINING_VERSION {
        return Err(in_file(
            path,
            Error::invalid(
                "load",
                format!(
                    "its training record is version {}, which this version of layers does not read",
                    record.version
                ),
            ),
        ));
    }
    let mut model = M::from_config(&config).map_err(|e| in_file(path, e))?;
    model.state_mut().seed = record.seed;
    restore(&mut model, record, file.into_tensors()).map_err(|e| in_file(path, e))?;
    Ok(model)
}

/// Builds `model` for the saved input shape and restores its weights, their trainable
/// flags and the compiled state from the file's `tensors`.
fn restore<M: Train>(
    model: &mut M,
    record: TrainingRecord,
    tensors: Vec<(String, Tensor)>,
) -> Result<()> {
    let mut tensors: HashMap<String, Tensor> = tensors.into_iter().collect();
    if let Some(shape) = &record.input_shape {
        model.build_model(shape)?;
    }
    // The weights an optimizer may update, whatever the file freezes.
    let trainable: HashSet<String> = if record.input_shape.is_some() {
        model
            .all_weights()
            .into_iter()
            .filter(|(_, w)| w.is_trainable())
            .map(|(p, _)| p)
            .collect()
    } else {
        HashSet::new()
    };
    set_frozen(model, &record.frozen)?;
    // The weights, by path: every one must be in the file with its shape.
    let weights: Vec<(String, &Weight)> = if record.input_shape.is_some() {
        model.all_weights()
    } else {
        Vec::new()
    };
    let mut values = Vec::with_capacity(weights.len());
    for (p, w) in &weights {
        let value = tensors.remove(p).ok_or_else(|| {
            Error::invalid("load", format!("weight `{p}` is missing from the file"))
        })?;
        let shape = w.shape().expect("a built model's weights have shapes");
        if value.shape() != shape.as_slice() {
            return Err(Error::invalid(
                "load",
                format!(
                    "weight `{p}` has shape {:?} in the file, but the model's is {shape:?}",
                    value.shape()
                ),
            ));
        }
        values.push(value);
    }
    let compiled = match record.compiled {
        None => None,
        Some(c) => {
            let mut optimizer = optimizer_from_config(&c.optimizer)?;
            optimizer.set_iterations(c.iterations)?;
            let expected: Vec<&str> = fresh_slots(&c.optimizer, &[1])?
                .into_iter()
                .map(|(name, _)| name)
                .collect();
            let started =
                c.iterations > 0 || tensors.keys().any(|k| k.starts_with(OPTIMIZER_PREFIX));
            for (p, w) in &weights {
                let prefix = format!("{OPTIMIZER_PREFIX}{p}/");
                let mut slots: Vec<(String, Tensor)> = Vec::new();
                let keys: Vec<String> = tensors
                    .keys()
                    .filter(|k| k.starts_with(&prefix))
                    .cloned()
                    .collect();
                for key in keys {
                    let value = tensors.remove(&key).expect("the key was just listed");
                    slots.push((key[prefix.len()..].to_string(), value));
                }
                slots.sort_by(|a, b| a.0.cmp(&b.0));
                if let Some((slot, _)) = slots.first().filter(|_| !trainable.contains(p)) {
                    return Err(Error::invalid(
                        "load",
                        format!(
                            "the file holds tensor `{prefix}{slot}`, optimizer state of weight \
                             `{p}`, which is not trainable"
                        ),
                    ));
                }
                // Without its slots a weight's training would go on from zeroed moments.
                let missing = expected
                    .iter()
                    .find(|name| !slots.iter().any(|(slot, _)| slot == *name));
                if let Some(name) = missing.filter(|_| started && w.is_trainable()) {
                    let kept: Vec<String> = expected.iter().map(|n| format!("`{n}`")).collect();
                    return Err(Error::invalid(
                        "load",
                        format!(
                            "slot `{name}` of weight `{p}` is missing from the file (tensor \
                             `{prefix}{name}`): the optimizer took {} steps, and `{}` keeps \
                             the slots {} for every weight it trains",
                            c.iterations,
                            optimizer.name(),
                            kept.join(", ")
                        ),
                    ));
                }
                if !slots.is_empty() {
                    optimizer.set_slots(w, &slots)?;
                }
            }
            let loss = loss_from_config(&c.loss)?;
            let read = |configs: &[Value]| {
                (configs.iter())
                    .map(|m| metric_from_config(m, loss.as_ref()))
                    .collect::<Result<Vec<_>>>()
            };
            let metrics = (read(&c.metrics)?, read(&c.weighted_metrics)?);
            Some(Compiled::restored(
                optimizer, loss, metrics, c.steps, c.epochs,
            )?)
        }
    };
    if let Some(extra) = tensors.keys().min() {
        return Err(Error::invalid(
            "load",
            format!(
                "the file holds tensor `{extra}`, which is no weight or optimizer state of the model"
            ),
        ));
    }
    if !values.is_empty() {
        model.set_weights(&values)?;
    }
    model.state_mut().compiled = compiled;
    Ok(())
}

/// The slots the optimizer of `config` starts a weight of `shape` with: what a fresh copy
/// holds after a step with a zero gradient, which leaves them at their first values (zeros
/// for the built-in optimizers), by name. Which slots there are depends on the settings
/// (SGD's momentum, Adam's AMSGrad, RMSprop's centring), so the optimizer is asked.
fn fresh_slots(config: &Value, shape: &[usize]) -> Result<Vec<(&'static str, Tensor)>> {
    let mut optimizer = optimizer_from_config(config)?;
    let probe = Weight::from_tensor("probe", Tensor::zeros(shape));
    let grads = (&probe * 0.0).sum_all().backward();
    optimizer.apply(&[&probe], &grads)?;
    Ok(optimizer.slots(&probe))
}

/// Freezes the weights whose paths are in `frozen`, and only those.
fn set_frozen(model: &mut dyn Layer, frozen: &[String]) -> Result<()> {
    fn walk(layer: &mut dyn Layer, path: &str, frozen: &[String], seen: &mut usize) {
        for w in layer.weights_mut() {
            let full = if path.is_empty() {
                w.name().to_string()
            } else {
                format!("{path}.{}", w.name())
            };
            let freeze = frozen.contains(&full);
            *seen += usize::from(freeze);
            w.set_frozen(freeze);
        }
        for (name, sub) in layer.sublayers_mut() {
            let full = if path.is_empty() {
                name
            } else {
                format!("{path}.{name}")
            };
            walk(sub, &full, frozen, seen);
        }
    }
    let mut seen = 0;
    walk(model, "", frozen, &mut seen);
    if seen != frozen.len() {
        return Err(Error::invalid(
            "load",
            "its list of frozen weights names weights the model does not have".to_string(),
        ));
    }
    Ok(())
}

fn in_file(path: &Path, error: Error) -> Error {
    Error::ModelFile {
        path: path.display().to_string(),
        cause: Box::new(error),
    }
}
