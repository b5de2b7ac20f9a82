//! [`ModelCheckpoint`]: Keras's callback that saves the model (or its weights) after each
//! epoch or every so many batches, or only when a monitored value improves, to a path that
//! may hold the epoch, the batch and the logs (`ckpt-{epoch:02d}-{val_loss:.3f}.safetensors`).
//! Every save is atomic.

use std::path::{Path, PathBuf};

use super::callbacks::{Callback, Control, check_mode, higher_is_better, monitored};
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
/// with zeros to width 3, `{batch}` (with [`save_freq`](ModelCheckpoint::save_freq) counting
/// batches) the batch of the epoch counted from 1, and `{name}` or `{name:.4f}` a logged
/// value (`{val_loss:.3f}`). A value improves when it beats the best so far: with
/// [`mode`](ModelCheckpoint::mode) `"auto"` (the default), higher is better for accuracies
/// and the other metrics Keras's `mode="auto"` maximizes, lower for the rest (the rule of
/// [`EarlyStopping::mode`](super::callbacks::EarlyStopping::mode)).
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
    mode: String,
    save_best_only: bool,
    save_weights_only: bool,
    save_freq: SaveFreq,
    initial_value_threshold: Option<f32>,
    best: Option<f32>,
    /// The epoch being trained (from 0), for a path written at a batch's end.
    epoch: usize,
    /// Batches trained since the last batch-level save, and the last batch seen.
    batches_since_save: usize,
    last_batch: Option<usize>,
    pending: Option<PathBuf>,
    /// What a batch's end asked for: a file to save, or the error found.
    pending_batch: Option<Result<SaveRequest>>,
    saved: Vec<PathBuf>,
}

/// When a [`ModelCheckpoint`] saves: at each epoch's end (Keras's `save_freq="epoch"`, the
/// default) or after every `n` training batches (`save_freq=n`), counted across epochs.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::SaveFreq;
/// assert_eq!(SaveFreq::from(100), SaveFreq::Batches(100));
/// assert_eq!(SaveFreq::default(), SaveFreq::Epoch);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveFreq {
    /// At the end of every epoch.
    #[default]
    Epoch,
    /// After every `n` training batches, counted across epochs (`n` must be positive).
    Batches(usize),
}

impl From<usize> for SaveFreq {
    fn from(batches: usize) -> SaveFreq {
        SaveFreq::Batches(batches)
    }
}

/// A file `fit` is asked to write at a batch's end ([`Callback::take_batch_save`]): the
/// whole model (as [`Train::save`](crate::Train::save) writes it) or, with `weights_only`,
/// its weights.
///
/// # Examples
///
/// ```
/// use layers_core::model::callbacks::SaveRequest;
/// let request = SaveRequest { path: "w.safetensors".into(), weights_only: true };
/// assert!(request.weights_only);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaveRequest {
    /// Where to write.
    pub path: PathBuf,
    /// Only the weights, not the whole model.
    pub weights_only: bool,
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
            mode: "auto".to_string(),
            save_best_only: false,
            save_weights_only: false,
            save_freq: SaveFreq::Epoch,
            initial_value_threshold: None,
            best: None,
            epoch: 0,
            batches_since_save: 0,
            last_batch: None,
            pending: None,
            pending_batch: None,
            saved: Vec::new(),
        }
    }

    /// Whether higher or lower values of the monitored value are better, as Keras's
    /// `mode`: `"min"`, `"max"` or `"auto"` (the default), which decides from the name
    /// (see [`EarlyStopping::mode`](super::callbacks::EarlyStopping::mode)). Checked when
    /// `fit` begins: any other mode is an error naming it.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::ModelCheckpoint;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("m.safetensors");
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::zeros(&[4, 1]));
    /// // the loss falls every epoch: with "max" only the first epoch is an improvement
    /// let keep_highest = ModelCheckpoint::new(path.to_str().unwrap())
    ///     .monitor("loss").mode("max").save_best_only(true);
    /// let options = FitOptions::new().with_epochs(3).verbose(0);
    /// model.fit(&x, &y, options.callback(keep_highest))?;
    ///
    /// let typo = ModelCheckpoint::new(path.to_str().unwrap()).mode("maximum");
    /// let err = model.fit(&x, &y, FitOptions::new().verbose(0).callback(typo)).unwrap_err();
    /// assert!(err.to_string().contains("`mode` must be one of auto, min, max, but it is \"maximum\""));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mode(mut self, mode: impl Into<String>) -> ModelCheckpoint {
        self.mode = mode.into();
        self
    }

    /// The best value to beat before the first save with
    /// [`save_best_only`](Self::save_best_only) (Keras's `initial_value_threshold`): a
    /// value no better than it is not saved. A NaN threshold is an error when `fit` begins.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::ModelCheckpoint;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("m.safetensors");
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let (x, y) = (Tensor::ones(&[4, 2]), Tensor::ones(&[4, 1]) * 10.0);
    /// // no loss gets below -1: nothing is saved
    /// let never = ModelCheckpoint::new(path.to_str().unwrap())
    ///     .monitor("loss").save_best_only(true).initial_value_threshold(-1.0);
    /// model.fit(&x, &y, FitOptions::new().with_epochs(2).verbose(0).callback(never))?;
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn initial_value_threshold(mut self, threshold: f32) -> ModelCheckpoint {
        self.initial_value_threshold = Some(threshold);
        self
    }

    /// How often to save: at each epoch's end ([`SaveFreq::Epoch`], the default) or every
    /// `n` training batches (`save_freq(n)`, [`SaveFreq::Batches`]), counted across epochs
    /// as Keras counts them; a path may then hold `{batch}`. With
    /// [`save_best_only`](Self::save_best_only), a batch-level save compares the running
    /// value of the epoch so far, so the monitor must be a training value (no `val_`
    /// prefix). Checked when `fit` begins: 0 batches, a `val_` monitor at batch level, or
    /// `{batch}` in a path saved per epoch are errors.
    ///
    /// # Examples
    ///
    /// ```
    /// use layers_core::prelude::*;
    /// use layers_core::model::callbacks::ModelCheckpoint;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let pattern = dir.path().join("m-{epoch}-{batch}.safetensors");
    /// let mut model = Sequential::new().add(Dense::new(1));
    /// model.compile("sgd", "mse", &[])?;
    /// let (x, y) = (Tensor::ones(&[6, 2]), Tensor::zeros(&[6, 1]));
    /// // 3 batches of 2 per epoch, 2 epochs, a save every 2 batches
    /// let every_two = ModelCheckpoint::new(pattern.to_str().unwrap()).save_freq(2);
    /// let options = FitOptions::new().with_epochs(2).batch_size(2).verbose(0);
    /// model.fit(&x, &y, options.callback(every_two))?;
    /// for name in ["m-1-2.safetensors", "m-2-1.safetensors", "m-2-3.safetensors"] {
    ///     assert!(dir.path().join(name).exists(), "{name}");
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save_freq(mut self, save_freq: impl Into<SaveFreq>) -> ModelCheckpoint {
        self.save_freq = save_freq.into();
        self
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

    /// Whether `value` beats the best so far (or the initial threshold).
    fn improves(&self, value: f32) -> bool {
        match self.best.or(self.initial_value_threshold) {
            None => !value.is_nan(),
            Some(best) if higher_is_better(&self.mode, &self.monitor) => value > best,
            Some(best) => value < best,
        }
    }

    /// Keras's `_should_save_on_batch`: counts the batches since the last save (a batch
    /// number not above the last one seen starts a new epoch).
    fn batch_due(&mut self, batch: usize, every: usize) -> bool {
        let added = match self.last_batch {
            Some(last) if batch > last => batch - last,
            _ => batch + 1,
        };
        self.batches_since_save += added;
        self.last_batch = Some(batch);
        if self.batches_since_save >= every {
            self.batches_since_save = 0;
            return true;
        }
        false
    }

    /// The file to save for the logs of `epoch` (from 0) and, at batch level, `batch` (from
    /// 0), or `None` when the monitored value did not improve under `save_best_only`.
    fn file_to_save(
        &mut self,
        epoch: usize,
        batch: Option<usize>,
        logs: &Logs,
    ) -> Result<Option<PathBuf>> {
        if self.save_best_only {
            let value = match batch {
                None => monitored(logs, &self.monitor, epoch, "ModelCheckpoint")?,
                Some(batch) => logs.get(&self.monitor).ok_or_else(|| {
                    let known: Vec<&str> = logs.names().collect();
                    Error::invalid(
                        "ModelCheckpoint",
                        format!(
                            "it monitors `{}`, which is not among the logs of batch {} of epoch {}; they hold: {}",
                            self.monitor,
                            batch + 1,
                            epoch + 1,
                            known.join(", ")
                        ),
                    )
                })?,
            };
            if !self.improves(value) {
                return Ok(None);
            }
            self.best = Some(value);
        }
        format_path(&self.filepath, epoch + 1, batch.map(|b| b + 1), logs)
            .map(|path| Some(PathBuf::from(path)))
    }

    /// Refuses, before any training, the settings that could only fail later.
    fn check_settings(&self) -> Result<()> {
        check_mode("ModelCheckpoint", &self.mode)?;
        if self.initial_value_threshold.is_some_and(f32::is_nan) {
            return Err(Error::invalid(
                "ModelCheckpoint",
                "`initial_value_threshold` must be a number, but it is NaN",
            ));
        }
        let batch = match self.save_freq {
            SaveFreq::Epoch => None,
            SaveFreq::Batches(0) => {
                return Err(Error::invalid(
                    "ModelCheckpoint",
                    "`save_freq` must be a positive number of batches, but it is 0",
                ));
            }
            SaveFreq::Batches(_) if self.save_best_only && self.monitor.starts_with("val_") => {
                return Err(Error::invalid(
                    "ModelCheckpoint",
                    format!(
                        "`save_best_only` with `save_freq` counting batches compares the running \
                         training values at a batch's end, but the monitor `{}` is a validation \
                         value, known only at an epoch's end; monitor `{}` or save per epoch",
                        self.monitor,
                        &self.monitor["val_".len()..]
                    ),
                ));
            }
            SaveFreq::Batches(_) => Some(1),
        };
        render_path(&self.filepath, 1, batch, |_| Ok(0.0)).map(drop)
    }
}

impl Callback for ModelCheckpoint {
    /// Checks, before the first epoch trains, the path's `{…}` fields and that it names a
    /// file, and that the directory the files go to exists (when its path holds no `{…}`
    /// pattern): each mistake would fail only after an epoch. A logged name that is not in
    /// the logs is found at the epoch's end, as in Keras.
    fn on_train_begin(&mut self, _model: &dyn Layer) -> Result<()> {
        self.pending = None;
        self.pending_batch = None;
        self.check_settings()?;
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

    fn on_epoch_begin(&mut self, epoch: usize, _control: &mut Control) -> Result<()> {
        self.epoch = epoch;
        Ok(())
    }

    fn on_batch_end(&mut self, batch: usize, logs: &Logs) {
        let SaveFreq::Batches(every) = self.save_freq else {
            return;
        };
        if self.batch_due(batch, every) {
            let weights_only = self.save_weights_only;
            self.pending_batch = self
                .file_to_save(self.epoch, Some(batch), logs)
                .transpose()
                .map(|path| path.map(|path| SaveRequest { path, weights_only }));
        }
    }

    fn take_batch_save(&mut self) -> Result<Option<SaveRequest>> {
        let request = self.pending_batch.take().transpose()?;
        if let Some(request) = &request {
            self.saved.push(request.path.clone());
        }
        Ok(request)
    }

    fn on_epoch_end(
        &mut self,
        epoch: usize,
        logs: &Logs,
        model: &dyn Layer,
        _control: &mut Control,
    ) -> Result<()> {
        if self.save_freq != SaveFreq::Epoch {
            return Ok(());
        }
        let Some(path) = self.file_to_save(epoch, None, logs)? else {
            return Ok(());
        };
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
    /// `{batch}` or `{batch:0Nd}`: the batch of the epoch, zero-padded to `width` digits.
    Batch { width: usize },
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
        if name == "epoch" || name == "batch" {
            let width = spec.strip_suffix('d').unwrap_or(spec);
            let width: usize = if width.is_empty() {
                0
            } else {
                width.trim_start_matches('0').parse().map_err(|_| {
                    bad(format!(
                        "`{{{field}}}`: the {name} takes `{{{name}}}` or `{{{name}:0Nd}}`"
                    ))
                })?
            };
            pieces.push(if name == "epoch" {
                Piece::Epoch { width }
            } else {
                Piece::Batch { width }
            });
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

/// The path for `epoch` (from 1) and, at a batch's end, `batch` (from 1): `filepath` with
/// its `{…}` fields filled in, a logged value's from `value` (an error for a name not
/// logged). `{batch}` in a path saved at an epoch's end is an error.
fn render_path(
    filepath: &str,
    epoch: usize,
    batch: Option<usize>,
    value: impl Fn(&str) -> std::result::Result<f32, Error>,
) -> Result<String> {
    let mut out = String::with_capacity(filepath.len());
    for piece in parse_path(filepath)? {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Epoch { width } => out.push_str(&format!("{epoch:0width$}")),
            Piece::Batch { width } => match batch {
                Some(batch) => out.push_str(&format!("{batch:0width$}")),
                None => {
                    return Err(Error::invalid(
                        "ModelCheckpoint",
                        format!(
                            "the path `{filepath}` holds `{{batch}}`, which is known only when \
                             `save_freq` counts batches; it saves at each epoch's end"
                        ),
                    ));
                }
            },
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

/// The path for `epoch` (from 1) and, at a batch's end, `batch` (from 1): `filepath` with
/// its `{…}` fields filled in.
fn format_path(filepath: &str, epoch: usize, batch: Option<usize>, logs: &Logs) -> Result<String> {
    render_path(filepath, epoch, batch, |name| {
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
            format_path("m.safetensors", 3, None, &logs).unwrap(),
            "m.safetensors"
        );
        assert_eq!(
            format_path("m-{epoch}.st", 3, None, &logs).unwrap(),
            "m-3.st"
        );
        assert_eq!(
            format_path("m-{epoch:03d}-{val_loss:.2f}.st", 7, None, &logs).unwrap(),
            "m-007-0.12.st"
        );
        let err = format_path("m-{loss}.st", 1, None, &logs)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "`loss`, which is not among the logs of epoch 1; the logs hold: epoch, val_loss"
            ),
            "{err}"
        );
        assert!(format_path("m-{epoch.st", 1, None, &logs).is_err());
        assert!(format_path("m-{epoch:x}.st", 1, None, &logs).is_err());
        assert!(format_path("m-{val_loss:2e}.st", 1, None, &logs).is_err());
        assert_eq!(
            format_path("m-{epoch}-{batch:04d}.st", 2, Some(31), &logs).unwrap(),
            "m-2-0031.st"
        );
        let err = format_path("m-{batch}.st", 2, None, &logs)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("holds `{batch}`, which is known only when"),
            "{err}"
        );
    }
}
