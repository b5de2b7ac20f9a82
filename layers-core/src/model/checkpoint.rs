//! [`ModelCheckpoint`]: Keras's callback that saves the model (or its weights) after each
//! epoch, or only when a monitored value improves, to a path that may hold the epoch and
//! the logs (`ckpt-{epoch:02d}-{val_loss:.3f}.safetensors`). Every save is atomic.

use std::path::{Path, PathBuf};

use super::callbacks::{Callback, Control, higher_is_better, monitored};
use super::logs::Logs;
use crate::error::{Error, Result};
use crate::layer::{Layer, LayerExt};

/// Saves the model during `fit` (Keras's `ModelCheckpoint`): after every epoch, or with
/// [`save_best_only`](ModelCheckpoint::save_best_only) only when `monitor` improves; the
/// whole model ([`Train::save`](crate::Train::save): architecture, weights, optimizer
/// state, so that [`Train::load`](crate::Train::load) resumes training) or, with
/// [`save_weights_only`](ModelCheckpoint::save_weights_only), its weights
/// ([`LayerExt::save_weights`]).
///
/// The path is a pattern: `{epoch}` is the epoch counted from 1, `{epoch:03d}` the same
/// with zeros to width 3, and `{name}` or `{name:.4f}` a value of the epoch's logs
/// (`{val_loss:.3f}`). A value improves when it beats the best so far: higher is better
/// for accuracies and the other metrics Keras's `mode="auto"` maximizes, lower for the rest
/// (the rule of [`EarlyStopping::mode`](super::callbacks::EarlyStopping::mode)).
///
/// # Examples
///
/// ```
/// use layers_core::prelude::*;
/// use layers_core::model::callbacks::ModelCheckpoint;
///
/// let dir = tempfile::tempdir()?;
/// let pattern = dir.path().join("ckpt-{epoch:02d}.safetensors");
/// let mut model = Sequential::new().add(Dense::new(1));
/// model.compile("sgd", "mse", &[])?;
/// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
/// let checkpoint = ModelCheckpoint::new(pattern.to_str().unwrap()).monitor("loss").save_best_only(true);
/// model.fit(&x, &y, FitOptions::new().with_epochs(3).verbose(0).callback(checkpoint))?;
/// // the loss falls every epoch: all three are saved
/// let resumed = Sequential::load(dir.path().join("ckpt-03.safetensors"))?;
/// assert_eq!(resumed.predict(&x)?.to_vec(), model.predict(&x)?.to_vec());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    filepath: String,
    monitor: String,
    save_best_only: bool,
    save_weights_only: bool,
    best: Option<f32>,
    pending: Option<PathBuf>,
    saved: Vec<PathBuf>,
}

impl ModelCheckpoint {
    /// A checkpoint saving the whole model to `filepath` (a pattern, see above) after
    /// every epoch, monitoring `val_loss`, as Keras's defaults.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// let c = ModelCheckpoint::new("model.safetensors");
    /// assert_eq!(c.monitor_name(), "val_loss");
    /// ```
    pub fn new(filepath: impl Into<String>) -> ModelCheckpoint {
        ModelCheckpoint {
            filepath: filepath.into(),
            monitor: "val_loss".to_string(),
            save_best_only: false,
            save_weights_only: false,
            best: None,
            pending: None,
            saved: Vec::new(),
        }
    }

    /// Sets the value whose improvement [`save_best_only`](Self::save_best_only) watches.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// assert_eq!(ModelCheckpoint::new("m.safetensors").monitor("accuracy").monitor_name(), "accuracy");
    /// ```
    pub fn monitor(mut self, monitor: impl Into<String>) -> ModelCheckpoint {
        self.monitor = monitor.into();
        self
    }

    /// The monitored value's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// assert_eq!(ModelCheckpoint::new("m.safetensors").monitor_name(), "val_loss");
    /// ```
    pub fn monitor_name(&self) -> &str {
        &self.monitor
    }

    /// Saves only when the monitored value improves on the best so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// let _checkpoint = ModelCheckpoint::new("best.safetensors").save_best_only(true);
    /// ```
    pub fn save_best_only(mut self, save_best_only: bool) -> ModelCheckpoint {
        self.save_best_only = save_best_only;
        self
    }

    /// Saves the weights only (a weights file, as `save_weights` writes), not the whole
    /// model.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// let _checkpoint = ModelCheckpoint::new("w.safetensors").save_weights_only(true);
    /// ```
    pub fn save_weights_only(mut self, save_weights_only: bool) -> ModelCheckpoint {
        self.save_weights_only = save_weights_only;
        self
    }

    /// The best monitored value seen, with [`save_best_only`](Self::save_best_only).
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// assert_eq!(ModelCheckpoint::new("m.safetensors").best(), None);
    /// ```
    pub fn best(&self) -> Option<f32> {
        self.best
    }

    /// The files saved so far, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::model::callbacks::ModelCheckpoint;
    /// assert!(ModelCheckpoint::new("m.safetensors").saved().is_empty());
    /// ```
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }

    /// Whether `value` beats the best so far.
    fn improves(&self, value: f32) -> bool {
        match self.best {
            None => !value.is_nan(),
            Some(best) if higher_is_better("auto", &self.monitor) => value > best,
            Some(best) => value < best,
        }
    }
}

impl Callback for ModelCheckpoint {
    /// Checks, before the first epoch trains, the path's `{…}` fields and that it names a
    /// file, and that the directory the files go to exists (when its path holds no `{…}`
    /// pattern): each mistake would fail only after an epoch. A logged name that is not in
    /// the logs is found at the epoch's end, as in Keras.
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        self.pending = None;
        render_path(&self.filepath, 1, |_| Ok(0.0))?;
        let path = Path::new(&self.filepath);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.to_string_lossy().contains('{')
            && !dir.is_dir()
        {
            let cause = std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("the directory `{}` does not exist", dir.display()),
            );
            return Err(Error::io("write", path, cause));
        }
        Ok(())
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        if self.save_best_only {
            let value = monitored(logs, &self.monitor, epoch, "ModelCheckpoint")?;
            if !self.improves(value) {
                return Ok(());
            }
            self.best = Some(value);
        }
        let path = PathBuf::from(format_path(&self.filepath, epoch + 1, logs)?);
        if self.save_weights_only {
            model.save_weights(&path)?;
            self.saved.push(path);
        } else {
            // The whole model needs what `fit` holds (the optimizer): `fit` saves it.
            self.pending = Some(path);
        }
        Ok(())
    }

    fn take_model_save(&mut self) -> Option<PathBuf> {
        let path = self.pending.take()?;
        self.saved.push(path.clone());
        Some(path)
    }
}

/// A piece of a checkpoint path pattern.
enum Piece<'a> {
    /// Text kept as it is.
    Text(&'a str),
    /// `{epoch}` or `{epoch:0Nd}`: the epoch, zero-padded to `width` digits.
    Epoch { width: usize },
    /// `{name}` or `{name:.Nf}`: a logged value, with `digits` decimals when given.
    Value {
        name: &'a str,
        digits: Option<usize>,
    },
}

/// The pieces of `filepath`, or the error naming what is malformed: checked before the first
/// epoch trains, so that a typo in the pattern does not cost an epoch.
fn parse_path(filepath: &str) -> Result<Vec<Piece<'_>>> {
    let bad = |message: String| Error::invalid("ModelCheckpoint", message);
    let mut pieces = Vec::new();
    let mut rest = filepath;
    while let Some(open) = rest.find('{') {
        pieces.push(Piece::Text(&rest[..open]));
        let close = rest[open..].find('}').ok_or_else(|| {
            bad(format!(
                "the path `{filepath}` opens a `{{` it does not close"
            ))
        })?;
        let field = &rest[open + 1..open + close];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        if name == "epoch" {
            let width = spec.strip_suffix('d').unwrap_or(spec);
            let width: usize = if width.is_empty() {
                0
            } else {
                width.trim_start_matches('0').parse().map_err(|_| {
                    bad(format!(
                        "`{{{field}}}`: the epoch takes `{{epoch}}` or `{{epoch:0Nd}}`"
                    ))
                })?
            };
            pieces.push(Piece::Epoch { width });
        } else {
            let digits = spec.strip_prefix('.').and_then(|s| s.strip_suffix('f'));
            let digits = match (spec.is_empty(), digits.map(str::parse::<usize>)) {
                (true, _) => None,
                (false, Some(Ok(digits))) => Some(digits),
                _ => {
                    return Err(bad(format!(
                        "`{{{field}}}`: a value takes `{{{name}}}` or `{{{name}:.Nf}}`"
                    )));
                }
            };
            pieces.push(Piece::Value { name, digits });
        }
        rest = &rest[open + close + 1..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// The path for `epoch` (from 1): `filepath` with its `{…}` fields filled in, a logged
/// value's from `value` (an error for a name not logged).
fn render_path(
    filepath: &str,
    epoch: usize,
    value: impl Fn(&str) -> std::result::Result<f32, Error>,
) -> Result<String> {
    let mut out = String::with_capacity(filepath.len());
    for piece in parse_path(filepath)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Epoch { width } => out.push_str(&format!("{epoch:0width$}")),
            Piece::Value { name, digits } => {
                let value = value(name)?;
                match digits {
                    None => out.push_str(&value.to_string()),
                    Some(digits) => out.push_str(&format!("{value:.digits$}")),
                }
            }
        }
    }
    if Path::new(&out).file_name().is_none() {
        return Err(Error::invalid(
            "ModelCheckpoint",
            format!("the path `{out}` names no file"),
        ));
    }
    Ok(out)
}

/// The path for `epoch` (from 1): `filepath` with its `{…}` fields filled in.
fn format_path(filepath: &str, epoch: usize, logs: &Logs) -> Result<String> {
    render_path(filepath, epoch, |name| {
        logs.get(name).ok_or_else(|| {
            let known: Vec<&str> = logs.names().collect();
            Error::invalid(
                "ModelCheckpoint",
                format!(
                    "the path names `{name}`, which is not among the logs of epoch {epoch}; the logs hold: epoch, {}",
                    known.join(", ")
                ),
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::format_path;
    use crate::model::Logs;

    #[test]
    fn paths_take_the_epoch_and_logged_values() {
        let mut logs = Logs::new();
        logs.insert("val_loss", 0.123_456);
        assert_eq!(
            format_path("m.safetensors", 3, &logs).unwrap(),
            "m.safetensors"
        );
        assert_eq!(format_path("m-{epoch}.st", 3, &logs).unwrap(), "m-3.st");
        assert_eq!(
            format_path("m-{epoch:03d}-{val_loss:.2f}.st", 7, &logs).unwrap(),
            "m-007-0.12.st"
        );
        let err = format_path("m-{loss}.st", 1, &logs)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "`loss`, which is not among the logs of epoch 1; the logs hold: epoch, val_loss"
            ),
            "{err}"
        );
        assert!(format_path("m-{epoch.st", 1, &logs).is_err());
        assert!(format_path("m-{epoch:x}.st", 1, &logs).is_err());
        assert!(format_path("m-{val_loss:2e}.st", 1, &logs).is_err());
    }
}
