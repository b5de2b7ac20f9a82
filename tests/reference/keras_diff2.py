"""Values from real Keras for `tests/families/keras_diff2.rs`: training as a whole (`fit`,
`evaluate`, the callbacks, the metrics by name) where `layers` once disagreed with Keras 3
(found by a second differential audit, which compared whole runs on the same data and initial
weights).

Run with Keras 3.15.1, JAX 0.10.2, NumPy, Python 3.11, `KERAS_BACKEND=jax`:

    KERAS_BACKEND=jax python3 tests/reference/keras_diff2.py

It prints the Rust arrays the tests embed. Nothing is computed here but by Keras: the data
and the initial weights are fixed arrays, and every run has `shuffle=False`.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402


def rust(name, values):
    values = np.asarray(values, np.float32)
    body = ", ".join(str(v) for v in values.ravel())
    print(f"const {name}: [f32; {values.size}] = [{body}];")


def data(n, features):
    i = np.arange(n * features, dtype=np.float64)
    return (np.sin(i * 0.731) * 1.3 + np.cos(i * 0.137) * 0.5).astype(np.float32).reshape(n, features)


# 1. `validation_split`: Keras trains on the first floor(n · (1 − split)) samples, so 23
# samples at 0.25 give 17 to train and 6 to validate.
X = data(23, 4)
s = X[:, 0] * 0.7 + X[:, 3] * 0.4 - X[:, 2] * 0.3
Y = np.floor((np.tanh(s) + 1) / 2 * 3 * 0.999).astype(np.float32)
K0 = ((np.arange(12, dtype=np.float32).reshape(4, 3) % 5) - 2.0) * 0.25
B0 = np.array([0.1, -0.1, 0.0], np.float32)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
model.set_weights([K0, B0])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
h = model.fit(X, Y, epochs=3, batch_size=5, validation_split=0.25, shuffle=False, verbose=0)
rust("SPLIT_X", X)
rust("SPLIT_Y", Y)
rust("SPLIT_K0", K0)
rust("SPLIT_B0", B0)
for key in ["loss", "accuracy", "val_loss", "val_accuracy"]:
    rust(f"SPLIT_{key.upper()}", h.history[key])
rust("SPLIT_KERNEL", model.get_weights()[0])
rust("SPLIT_BIAS", model.get_weights()[1])

# 2. EarlyStopping(restore_best_weights=True) restores the best epoch's weights when training
# ends, even when it never stopped early; LearningRateScheduler logs `learning_rate`.
XR = (np.sin(np.arange(40 * 3) * 0.731) * 1.3).astype(np.float32).reshape(40, 3)
YR = (XR @ np.array([[0.5], [-1.0], [2.0]], np.float32) + 0.3).astype(np.float32)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.set_weights([np.array([[0.1], [0.2], [-0.3]], np.float32), np.array([0.05], np.float32)])
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.02), loss="mse")
stop = keras.callbacks.EarlyStopping(monitor="loss", patience=20, restore_best_weights=True)
# 4 epochs at 0.02 bring the loss down, 2 at 1.2 overshoot: epoch 3 stays the best.
rates = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 0.02 if epoch < 4 else 1.2)
h = model.fit(XR, YR, epochs=6, batch_size=7, shuffle=False, verbose=0, callbacks=[rates, stop])
rust("RESTORE_X", XR)
rust("RESTORE_Y", YR)
rust("RESTORE_LOSS", h.history["loss"])
rust("RESTORE_LEARNING_RATE", h.history["learning_rate"])
print(f"// best epoch {stop.best_epoch}, stopped epoch {stop.stopped_epoch}")
rust("RESTORE_KERNEL", model.get_weights()[0])
rust("RESTORE_BIAS", model.get_weights()[1])

# 3. `accuracy` follows the shapes, not the loss: binary crossentropy on 3 outputs
# (multi-label) gets categorical accuracy. The model passes its input through (an identity
# kernel), so the input is the prediction.
P = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4], [0.7, 0.2, 0.1]], np.float32)
MH = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1], [1, 0, 0]], np.float32)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, use_bias=False)])
model.set_weights([np.eye(3, dtype=np.float32)])
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "binary_accuracy"])
logs = model.evaluate(P, MH, batch_size=2, verbose=0, return_dict=True)
rust("MULTI_LABEL_P", P)
rust("MULTI_LABEL_Y", MH)
rust("MULTI_LABEL_LOGS", [logs["loss"], logs["accuracy"], logs["binary_accuracy"]])

# 4. MultiHeadAttention's projection kernels: Keras 3's EinsumDense gives its variance-scaling
# initializer the kernel's input and output axes, so a (32, 4, 8) query kernel has fan_in 32
# and fan_out 4 · 8 = 32: glorot_uniform's limit is sqrt(6 / 64) = 0.306, for the
# (4, 8, 32) output kernel too. The values are random; their largest magnitude and standard
# deviation over the four kernels show the limit (the std of U[-l, l] is l / sqrt(3)).
keras.utils.set_random_seed(1)
mha = keras.layers.MultiHeadAttention(num_heads=4, key_dim=8)
mha.build((None, 6, 32), (None, 6, 32))
kernels = [np.asarray(w) for w in mha.get_weights() if np.asarray(w).ndim == 3]
print("// MultiHeadAttention(4, 8) on 32 features, kernel shapes:", [k.shape for k in kernels])
rust("MHA_KERNEL_MAX_ABS", [np.abs(k).max() for k in kernels])
rust("MHA_KERNEL_STD", [k.std() for k in kernels])
