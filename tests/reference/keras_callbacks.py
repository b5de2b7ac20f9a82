"""Values from real Keras for `tests/api/keras_callbacks.rs`: `ReduceLROnPlateau` and
`EarlyStopping`'s `mode`, `baseline` and `start_from_epoch`, driven directly with fixed
sequences of monitored values (each callback's `on_epoch_end` with hand-written logs), as
the Rust tests drive them.

Run with Keras 3.15.1, JAX, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_callbacks.py

It prints, per case, the learning rate each epoch's logs hold and the rate after the epoch
(ReduceLROnPlateau), or the epoch training stopped after and the epoch whose weights are
restored at the end (EarlyStopping). The model's single weight is set to the epoch index
before each `on_epoch_end`, so the restored weight names the restored epoch.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import warnings  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402

warnings.simplefilter("ignore")


def model(lr=0.1):
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    m.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", metrics=["accuracy"])
    # builds the compiled metrics, so that `mode="auto"` can find `accuracy`'s direction
    m.evaluate(np.ones((2, 1)), np.ones((2, 1)), verbose=0)
    return m


def f32s(values):
    """Rust `f32` literals, each the shortest that reads back as the same `f32`."""
    return "[" + ", ".join(str(np.float32(v)) for v in values) + "]"


def plateau(name, values, lr=0.1, **kw):
    m = model(lr)
    cb = keras.callbacks.ReduceLROnPlateau(**kw)
    cb.set_model(m)
    cb.on_train_begin()
    logged, after = [], []
    for epoch, v in enumerate(values):
        logs = {kw.get("monitor", "val_loss"): v}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        after.append(float(np.float32(m.optimizer.learning_rate)))
    print(f"// {name}: {kw}")
    print(f"logged: {f32s(logged)}")
    print(f"after:  {f32s(after)}")


def stopping(name, values, **kw):
    m = model()
    cb = keras.callbacks.EarlyStopping(**kw)
    cb.set_model(m)
    cb.on_train_begin()
    stopped = None
    for epoch, v in enumerate(values):
        m.set_weights([np.full((1, 1), epoch, np.float32)])
        cb.on_epoch_end(epoch, {kw.get("monitor", "val_loss"): v})
        if m.stop_training:
            stopped = epoch
            break
    cb.on_train_end()
    restored = int(m.get_weights()[0][0, 0])
    best = None if cb.best is None else float(np.float32(cb.best))
    print(f"// {name}: {kw}")
    print(f"    stopped {stopped}, restored {restored}, best {best}, best_epoch {cb.best_epoch}")


loss = [1.0, 0.9, 0.95, 0.93, 0.91, 0.89, 0.92, 0.94, 0.96, 0.97, 0.98, 0.5, 0.6, 0.7, 0.8]
acc = [0.5, 0.6, 0.58, 0.59, 0.6, 0.65, 0.64, 0.63, 0.62, 0.61, 0.7, 0.69, 0.68, 0.67, 0.66]

print("ReduceLROnPlateau")
plateau("defaults", loss)
plateau("patience 2", loss, patience=2)
plateau("patience 1, factor 0.5", loss, patience=1, factor=0.5)
plateau("cooldown 2", loss, patience=1, factor=0.5, cooldown=2)
plateau("min_lr", loss, patience=1, factor=0.3, min_lr=0.01)
plateau("min_delta 0.05", loss, patience=1, factor=0.5, min_delta=0.05)
plateau("auto on accuracy", acc, monitor="val_accuracy", patience=1, factor=0.5)
plateau("max mode", acc, monitor="acc_like", mode="max", patience=2, factor=0.2)
plateau("min mode on accuracy", acc, monitor="val_accuracy", mode="min", patience=1, factor=0.5)
plateau("patience 0", loss, patience=0, factor=0.5, lr=0.01)
plateau("min_lr above lr", loss, patience=1, factor=0.5, min_lr=0.2)

print("EarlyStopping")
stopping("patience 2, restore", loss, patience=2, restore_best_weights=True)
stopping("baseline 0.85", loss, patience=2, baseline=0.85, restore_best_weights=True)
stopping("baseline 0.95", loss, patience=2, baseline=0.95, restore_best_weights=True)
stopping("baseline 0.3, patience 3", loss, patience=3, baseline=0.3)
stopping("start_from_epoch 3", loss, patience=1, start_from_epoch=3, restore_best_weights=True)
stopping("start_from_epoch 20", loss, patience=1, start_from_epoch=20, restore_best_weights=True)
stopping("auto on accuracy", acc, monitor="val_accuracy", patience=3, restore_best_weights=True)
stopping("max mode", acc, monitor="score", mode="max", patience=2, restore_best_weights=True)
stopping("min mode on accuracy", acc, monitor="val_accuracy", mode="min", patience=1)
stopping("max, baseline 0.62", acc, monitor="score", mode="max", patience=1, baseline=0.62,
         restore_best_weights=True)
stopping("min_delta 0.05, baseline", loss, patience=1, min_delta=0.05, baseline=0.92,
         restore_best_weights=True)

print("fit: no epoch improves on the first by 10, whatever the data")
x = np.linspace(-1, 1, 4, dtype=np.float32).reshape(4, 1)
y = np.ones((4, 1), np.float32)
m = model(0.01)
reduce = keras.callbacks.ReduceLROnPlateau(
    monitor="loss", min_delta=10, patience=1, factor=0.5, cooldown=1
)
h = m.fit(x, y, epochs=6, verbose=0, shuffle=False, callbacks=[reduce])
print(f"ReduceLROnPlateau patience 1, factor 0.5, cooldown 1: {f32s(h.history['learning_rate'])}")
m = model(0.01)
stop = keras.callbacks.EarlyStopping(monitor="loss", min_delta=10, patience=2, start_from_epoch=3)
h = m.fit(x, y, epochs=20, verbose=0, shuffle=False, callbacks=[stop])
print(f"EarlyStopping patience 2, start_from_epoch 3: {len(h.history['loss'])} epochs")
