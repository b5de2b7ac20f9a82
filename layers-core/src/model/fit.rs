//! `fit` as named steps: split off the validation data, then per epoch let the callbacks
//! begin it, run the epoch's gradient steps, validate, record, and let the callbacks end it
//! (and perhaps stop training).
//!
//! ```
//! use layers_core::prelude::*;
//! use layers_core::model::FitOptions;
//! let x = Tensor::from_vec((0..10).map(|i| i as f32).collect(), &[10, 1]);
//! let mut m = Sequential::new().add(Dense::new(1));
//! m.compile("sgd", "mse", &["mae"])?;
//! let options = FitOptions::new().with_epochs(2).validation_split(0.2).verbose(0);
//! let history = m.fit(&x, &Tensor::zeros(&[10, 1]), options)?;
//! assert_eq!(history.params.steps, 1); // 8 training samples, one batch of up to 32
//! let names: Vec<&str> = history.history.keys().map(String::as_str).collect();
//! assert_eq!(names, ["loss", "mae", "val_loss", "val_mae"]);
//! # Ok::<(), layers_core::Error>(())
//! ```

use rand::SeedableRng;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::callbacks::{Callback, Control, SaveRequest};
use super::evaluate::evaluate_batches;
use super::history::{History, HistoryParams};
use super::logs::Logs;
use super::options::FitOptions;
use super::progress::{EpochProgress, Verbosity};
use super::sample_weights::training_weights;
use super::saving::{ModelState, save_parts};
use super::state::Compiled;
use super::step::train_step;
use crate::data::check::data_error;
use crate::error::{Error, Result};
use crate::layer::context::{BatchSamples, with_batch_samples};
use crate::layer::{Layer, LayerExt};
use crate::math::decimal;
use crate::optim::Optimizer;
use crate::tensor::{Tensor, buffers, graph};

/// Trains `model` (whose data `fit` has checked) on `x`, `y` as `options` say, on a thread
/// of rayon's pool (see [`on_pool_thread`]).
pub(super) fn run(
    model: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    input_shape: Option<&[usize]>,
    x: &Tensor,
    y: &Tensor,
    options: FitOptions,
) -> Result<History> {
    on_pool_thread(|| run_here(model, compiled, seed, input_shape, x, y, options))
}

/// Runs `f` on one of rayon's worker threads, the calling thread waiting, when the caller is
/// not one already.
///
/// Why: a training step splits its large products and updates between both cores with
/// rayon. Called from outside the pool, every such split hands its work to the pool's two
/// workers and puts the caller to sleep until they are done: a wake-up and a sleep per
/// split (15,000–190,000 context switches per W1 process, against about 3,000 from a
/// worker), and three busy threads on two cores. Run on a worker, a split keeps one half on
/// the running thread and the other worker steals the other half. Results are the same:
/// the same operations run in the same order, on another thread.
///
/// The step's thread-local state (training flag, random streams) is set up inside `f`; a
/// caller that has turned gradient recording off keeps `f` on its own thread, where that
/// setting applies, as before.
fn on_pool_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let on_pool = rayon::current_thread_index().is_some();
    if on_pool || !graph::is_recording() || rayon::current_num_threads() < 2 {
        return f();
    }
    rayon::scope(|_| f())
}

/// [`run`] on the calling thread.
fn run_here(
    model: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    input_shape: Option<&[usize]>,
    x: &Tensor,
    y: &Tensor,
    mut options: FitOptions,
) -> Result<History> {
    let weighted_validation = options.sample_weight.is_some();
    let weights = training_weights(y, &mut options)?;
    let (mut train, mut validation) = split_validation(x, y, &mut options)?;
    if let Some(w) = weights {
        let n_train = train.x.shape()[0];
        if let Some(val) = validation.as_mut().filter(|v| v.first == n_train) {
            // A validation split: its samples keep their weights (not class weights).
            val.w = weighted_validation.then(|| w.narrow(0, n_train, val.x.shape()[0]));
        }
        train.w = Some(w.narrow(0, 0, n_train));
    }
    let steps = train.x.shape()[0].div_ceil(options.batch_size);
    let mut history = History::new(HistoryParams {
        verbose: verbose_level(options.verbosity),
        epochs: options.epochs,
        steps,
    });
    let mut callbacks = Callbacks(std::mem::take(&mut options.callbacks));
    callbacks.train_begin(model)?;
    let mut batches = Batches::new(
        train,
        seed,
        options.shuffle,
        options.batch_size,
        compiled.epochs,
    );
    for epoch in 0..options.epochs {
        callbacks.epoch_begin(&mut *compiled.optimizer, epoch)?;
        let progress = EpochProgress::start(options.verbosity, epoch, options.epochs, steps);
        let state = ModelState {
            seed,
            input_shape,
            compiled: None,
        };
        let batch_end = |batch: usize, logs: &Logs, compiled: &mut Compiled| {
            progress.step(batch + 1, logs.as_slice());
            callbacks.batch_end(model, compiled, &state, batch, logs)
        };
        let mut logs = run_epoch(model, compiled, seed, &mut batches, epoch, batch_end)?;
        if let Some(val) = &validation {
            let loss = evaluate_batches(
                model,
                compiled,
                seed,
                (&val.x, &val.y, val.first, val.w.as_ref()),
                options.batch_size,
            )?;
            compiled.write_logs(loss, "val_", &mut logs);
        }
        if callbacks.logs_learning_rate() {
            // Keras's scheduling callbacks write it at the epoch's end, before the history
            // and the progress bar (which Keras calls last) read the logs.
            logs.insert("learning_rate", compiled.optimizer.learning_rate());
        }
        progress.finish(logs.as_slice());
        compiled.epochs += 1;
        history.record(epoch, &logs);
        if callbacks.epoch_end(model, compiled, &state, epoch, &logs)? {
            break;
        }
    }
    callbacks.train_end(model)?;
    callbacks.record(&mut history);
    Ok(history)
}

/// Samples and their targets.
struct Samples {
    x: Tensor,
    y: Tensor,
    /// The row of the user's data this part starts at (the validation split's are `x`'s
    /// last rows), so that an error about a sample names the row the user can find.
    first: usize,
    /// The samples' weights, if any.
    w: Option<Tensor>,
}

/// The training samples and the validation samples, if any: `options`' validation data, or
/// the last `validation_split` of `x`, `y` (before shuffling, as Keras does).
fn split_validation(
    x: &Tensor,
    y: &Tensor,
    options: &mut FitOptions,
) -> Result<(Samples, Option<Samples>)> {
    let all = || Samples {
        x: x.clone(),
        y: y.clone(),
        first: 0,
        w: None,
    };
    if let Some((x, y)) = options.validation_data.take() {
        let validation = Samples {
            x,
            y,
            first: 0,
            w: None,
        };
        return Ok((all(), Some(validation)));
    }
    if options.validation_split == 0.0 {
        return Ok((all(), None));
    }
    let samples = x.shape()[0];
    let n_train = keras_split_at(samples, options.validation_split);
    if n_train == 0 || n_train == samples {
        return Err(data_error(
            "fit",
            format!(
                "a validation split of {} leaves no samples on one side of {samples}",
                options.validation_split
            ),
        ));
    }
    let n_val = samples - n_train;
    let part = |start, len| Samples {
        x: x.narrow(0, start, len),
        y: y.narrow(0, start, len),
        first: start,
        w: None,
    };
    Ok((part(0, n_train), Some(part(n_train, n_val))))
}

/// How many of `samples` train under `validation_split`: Keras's
/// `floor(samples * (1 - validation_split))`, in f64 from the decimal the user wrote, so that
/// the validation side gets the rounding up (23 samples at 0.25 give 17 to train and 6 to
/// validate, not 18 and 5).
fn keras_split_at(samples: usize, validation_split: f32) -> usize {
    let split_at = (samples as f64 * (1.0 - decimal(validation_split))).floor();
    // `split_at` lies in [0, samples] for a fraction in [0, 1) (checked by `FitOptions`).
    (split_at.max(0.0) as usize).min(samples)
}

/// The training samples in batches, in an order shuffled each epoch with the model's seed
/// (so the same seed gives the same history). The orders continue over `fit` calls: a
/// model that has trained `done` epochs starts from the order its next epoch would have
/// had in one long run.
struct Batches {
    samples: Samples,
    /// Shared with each batch's [`BatchSamples::Rows`] for the length of its step (then
    /// this is the only holder again, and the next shuffle happens in place).
    order: Arc<Vec<usize>>,
    rng: StdRng,
    shuffle: bool,
    batch_size: usize,
}

impl Batches {
    fn new(samples: Samples, seed: u64, shuffle: bool, batch_size: usize, done: u64) -> Batches {
        let mut batches = Batches {
            order: Arc::new((0..samples.x.shape()[0]).collect()),
            samples,
            rng: StdRng::seed_from_u64(seed ^ 0x5DEE_CE66_D1CE_4E5B),
            shuffle,
            batch_size,
        };
        // Replaying the earlier epochs' shuffles costs far less than one epoch's training.
        for _ in 0..done {
            batches.reorder();
        }
        batches
    }

    /// The next epoch's order.
    fn reorder(&mut self) {
        if self.shuffle {
            Arc::make_mut(&mut self.order).shuffle(&mut self.rng);
        }
    }
}

/// One epoch: a gradient step per batch, the metrics reset first; after each batch,
/// `batch_end` sees the running logs (the mean loss so far and the metrics). Returns the
/// epoch's logs.
fn run_epoch(
    model: &dyn Layer,
    compiled: &mut Compiled,
    seed: u64,
    batches: &mut Batches,
    epoch: usize,
    mut batch_end: impl FnMut(usize, &Logs, &mut Compiled) -> Result<()>,
) -> Result<Logs> {
    compiled.reset_metrics();
    batches.reorder();
    let mut loss_sum = 0.0f64;
    let mut seen = 0usize;
    let mut logs = Logs::new();
    let size = batches.batch_size;
    for (batch, indices) in batches.order.chunks(size).enumerate() {
        let xb = gather(&batches.samples.x, indices);
        let yb = gather(&batches.samples.y, indices);
        if let Some(next) = batches.order.chunks(size).nth(batch + 1) {
            prefetch(&batches.samples.x, next);
        }
        let rows = BatchSamples::Rows {
            order: Arc::clone(&batches.order),
            start: batch * batches.batch_size,
            len: indices.len(),
        };
        let wb = batches.samples.w.as_ref().map(|w| gather(w, indices));
        let loss = with_batch_samples(rows, || {
            train_step(model, compiled, seed, (&xb, &yb, wb.as_ref()))
        })
        .map_err(|e| e.at_batch(epoch, batch))?;
        loss_sum += f64::from(loss) * indices.len() as f64;
        seen += indices.len();
        compiled.write_logs((loss_sum / seen as f64) as f32, "", &mut logs);
        batch_end(batch, &logs, compiled)?;
    }
    Ok(logs)
}

/// Starts loading the samples `indices` of `t` into the CPU's caches while this step runs, so
/// that the next [`gather`] copies them from the cache: the rows of a large, shuffled data
/// set are scattered over memory, and copying them straight from it takes about twice as
/// long (W1's 128 rows of 784 values: 74 µs a batch from memory, 33 µs prefetched).
fn prefetch(t: &Tensor, indices: &[usize]) {
    let row: usize = t.shape()[1..].iter().product();
    if let Some(values) = t.data().as_slice() {
        for &i in indices {
            if let Some(sample) = values.get(i * row..(i + 1) * row) {
                crate::tensor::gemm::prefetch(sample);
            }
        }
    }
}

/// The samples `indices` of `t` (rows of its first axis) as one batch: what
/// `t.index_select(0, indices)` gives, but each sample copied whole from a standard-layout
/// `t` into a reused buffer (`index_select` copies value by value into a fresh allocation:
/// about 6 % of a W1 epoch's CPU time). On the calling thread: handing the copy to rayon
/// from outside its pool costs a wake-up and a sleep per batch, which measured no faster.
/// A tensor that wants a gradient or is not in standard layout goes through `index_select`.
fn gather(t: &Tensor, indices: &[usize]) -> Tensor {
    let row: usize = t.shape()[1..].iter().product();
    let values = match t.data().as_slice() {
        Some(values) if !t.requires_grad() && row > 0 => values,
        _ => return t.index_select(0, indices),
    };
    let mut out = buffers::take_any(indices.len() * row);
    for (dst, &i) in out.chunks_exact_mut(row).zip(indices) {
        dst.copy_from_slice(&values[i * row..(i + 1) * row]);
    }
    let mut shape = t.shape().to_vec();
    shape[0] = indices.len();
    Tensor::from_vec(out, &shape)
}

/// Keras's `verbose` number for the history's parameters.
fn verbose_level(verbosity: Verbosity) -> u8 {
    match verbosity {
        Verbosity::Silent => 0,
        Verbosity::Bar => 1,
        Verbosity::Line => 2,
    }
}

/// `fit`'s callbacks, called in the order they were given.
struct Callbacks(Vec<Box<dyn Callback>>);

impl Callbacks {
    fn train_begin(&mut self, model: &dyn Layer) -> Result<()> {
        self.0
            .iter_mut()
            .try_for_each(|cb| cb.on_train_begin(model))
    }

    /// Lets the callbacks set the learning rate for `epoch`.
    fn epoch_begin(&mut self, optimizer: &mut dyn Optimizer, epoch: usize) -> Result<()> {
        let before = optimizer.learning_rate();
        let mut control = Control::new(before);
        for cb in &mut self.0 {
            cb.on_epoch_begin(epoch, &mut control)?;
        }
        set_callback_rate(optimizer, before, &control, "start", epoch)
    }

    /// Whether a callback asks for the learning rate in the epoch's logs.
    fn logs_learning_rate(&self) -> bool {
        self.0.iter().any(|cb| cb.logs_learning_rate())
    }

    /// Shows the callbacks the running logs after `batch`, and writes the files they ask
    /// for (see [`Callback::take_batch_save`]).
    fn batch_end(
        &mut self,
        model: &dyn Layer,
        compiled: &mut Compiled,
        state: &ModelState,
        batch: usize,
        logs: &Logs,
    ) -> Result<()> {
        for cb in &mut self.0 {
            cb.on_batch_end(batch, logs);
            match cb.take_batch_save()? {
                Some(SaveRequest {
                    path,
                    weights_only: true,
                }) => model.save_weights(&path)?,
                Some(SaveRequest { path, .. }) => {
                    let state = ModelState {
                        compiled: Some(compiled),
                        ..*state
                    };
                    save_parts(model, &state, &path)?;
                }
                None => {}
            }
        }
        Ok(())
    }

    /// Shows the callbacks the epoch's logs; they may change the learning rate, or stop
    /// training (`true`).
    /// A callback may also ask for the whole model to be saved (`model`, with `compiled`
    /// and the rest of `state`).
    fn epoch_end(
        &mut self,
        model: &dyn Layer,
        compiled: &mut Compiled,
        state: &ModelState,
        epoch: usize,
        logs: &Logs,
    ) -> Result<bool> {
        let before = compiled.optimizer.learning_rate();
        let mut control = Control::new(before);
        for cb in &mut self.0 {
            cb.on_epoch_end(epoch, logs, model, &mut control)?;
            if let Some(path) = cb.take_model_save() {
                let state = ModelState {
                    compiled: Some(compiled),
                    ..*state
                };
                save_parts(model, &state, &path)?;
            }
        }
        set_callback_rate(&mut *compiled.optimizer, before, &control, "end", epoch)?;
        Ok(control.stop_training)
    }

    fn train_end(&mut self, model: &dyn Layer) -> Result<()> {
        self.0.iter_mut().try_for_each(|cb| cb.on_train_end(model))
    }

    /// What the callbacks found, added to the history `fit` returns.
    fn record(&self, history: &mut History) {
        for cb in &self.0 {
            cb.record(history);
        }
    }
}

/// Sets the learning rate the callbacks left in `control` at the `edge` ("start" or "end")
/// of `epoch`, if they changed it from `before`; the rate is never touched otherwise.
fn set_callback_rate(
    optimizer: &mut dyn Optimizer,
    before: f32,
    control: &Control,
    edge: &str,
    epoch: usize,
) -> Result<()> {
    let rate = control.learning_rate;
    if rate.to_bits() == before.to_bits() {
        return Ok(());
    }
    let when = format!("at the {edge} of epoch {}", epoch + 1);
    if optimizer.has_schedule() {
        return Err(Error::invalid(
            "fit",
            format!(
                "a callback set the learning rate to {rate:?} {when}, but `{}` computes its \
                 learning rate with a schedule, which cannot be overridden (Keras refuses this \
                 too); use either the schedule or the callback",
                optimizer.name()
            ),
        ));
    }
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Error::invalid(
            "fit",
            format!(
                "a callback set the learning rate to {rate:?} {when}; a learning rate must be a \
                 finite number ≥ 0"
            ),
        ));
    }
    optimizer.set_learning_rate(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 37 + seed * 11) % 101) as f32 / 50.0 - 1.0)
            .collect()
    }

    #[test]
    fn the_validation_split_rounds_the_training_side_down_as_keras_does() {
        // Keras 3.15.1: `split_at = int(math.floor(n * (1.0 - validation_split)))`.
        let cases = [
            (23, 0.25, 17),
            (21, 0.3, 14),
            (10, 0.2, 8),
            (10, 0.25, 7),
            (13, 0.2, 10),
            (3, 0.5, 1),
            (100, 0.1, 90),
            (7, 0.1, 6),
        ];
        for (samples, split, train) in cases {
            assert_eq!(
                keras_split_at(samples, split),
                train,
                "{samples} at {split}"
            );
        }
    }

    #[test]
    fn gathered_batches_equal_index_select() {
        let indices = [7, 0, 3, 3, 9, 1];
        // Small and large rows (a reused buffer for the large batch), labels of rank 1,
        // samples of rank 3, a transposed (not standard layout) tensor and a variable.
        let cases = [
            Tensor::from_vec(values(10 * 5, 1), &[10, 5]),
            Tensor::from_vec(values(10 * 6000, 2), &[10, 6000]),
            Tensor::from_vec(values(10, 3), &[10]),
            Tensor::from_vec(values(10 * 12, 4), &[10, 3, 4]),
            Tensor::from_vec(values(5 * 10, 5), &[5, 10]).transpose(),
            Tensor::from_vec(values(10 * 4, 6), &[10, 4]).into_variable(),
        ];
        for t in &cases {
            let fast = gather(t, &indices);
            let plain = t.index_select(0, &indices);
            assert_eq!(fast.shape(), plain.shape());
            assert_eq!(fast.to_vec(), plain.to_vec());
        }
    }

    /// The weights after two epochs of a small model with dropout (its masks come from the
    /// step's random streams), trained by `fit` called from `caller`.
    fn trained(caller: impl FnOnce(&mut (dyn FnMut() + Send))) -> Vec<Vec<f32>> {
        use crate::prelude::*;
        let x = Tensor::from_vec(values(40 * 6, 7), &[40, 6]);
        let y = Tensor::from_vec(values(40 * 2, 8), &[40, 2]);
        let mut model = Sequential::new()
            .seed(3)
            .add(Dense::new(8).activation("relu"))
            .add(Dropout::new(0.3))
            .add(Dense::new(2));
        model.compile("adam", "mse", &[]).unwrap();
        caller(&mut || {
            let options = FitOptions::new().with_epochs(2).batch_size(8).verbose(0);
            model.fit(&x, &y, options).unwrap();
        });
        let weights = model.get_weights().unwrap();
        weights.iter().map(Tensor::to_vec).collect()
    }

    #[test]
    fn training_on_a_pool_thread_gives_what_training_on_the_caller_gives() {
        // From a plain thread `fit` moves to a worker of the global pool (when it has two
        // threads or more); from inside a pool it runs where it is called.
        let moved = trained(|fit| fit());
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let inline = trained(|fit| one_thread.install(fit));
        let in_worker = trained(|fit| rayon::scope(|_| fit()));
        assert_eq!(moved, inline);
        assert_eq!(moved, in_worker);
    }
}
