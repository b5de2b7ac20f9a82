"""Values from real Keras for `tests/families/regularizers.rs`: weight regularizers and
constraints in whole `fit` runs (per-epoch `loss` and `val_loss`, the final weights) and in
`evaluate`, from fixed data and initial weights, without shuffling.

Run with Keras 3.15.1, JAX 0.10.2, NumPy, Python 3.11, `KERAS_BACKEND=jax`:

    KERAS_BACKEND=jax python3 tests/reference/keras_regularizers.py > tests/reference/keras_regularizers.txt

Each output line is a name, a tab, and the float32 values separated by spaces.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import constraints as C  # noqa: E402
from keras import regularizers as R  # noqa: E402


def out(name, values):
    values = np.asarray(values, np.float32).ravel()
    print(name + "\t" + " ".join(repr(float(v)) for v in values))


def data(n, features, phase=0.0):
    i = np.arange(n * features, dtype=np.float64)
    return (np.sin(i * 0.731 + phase) * 1.3 + np.cos(i * 0.137) * 0.5).astype(np.float32).reshape(n, features)


def run(name, model, optimizer, x, y, epochs, batch_size, validation_split=0.0):
    model.compile(optimizer=optimizer, loss="mse")
    h = model.fit(x, y, epochs=epochs, batch_size=batch_size, validation_split=validation_split,
                  shuffle=False, verbose=0)
    out(f"{name}.loss", h.history["loss"])
    if validation_split:
        out(f"{name}.val_loss", h.history["val_loss"])
    out(f"{name}.evaluate", [model.evaluate(x, y, batch_size=batch_size, verbose=0)])
    for i, w in enumerate(model.get_weights()):
        out(f"{name}.weight{i}", w)


X = data(20, 4)
Y = data(20, 3, 1.0) * 0.5
out("x", X)
out("y", Y)
K0 = ((np.arange(12, dtype=np.float32).reshape(4, 3) % 5) - 2.0) * 0.25  # has zeros
B0 = np.array([0.1, -0.1, 0.0], np.float32)
out("k0", K0)
out("b0", B0)

# 1. L2 on the kernel, L1 on the bias (zeros in both: Keras's sign(0) = +1), SGD, a short
#    last batch, a validation split.
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
    3, kernel_regularizer=R.L2(0.01), bias_regularizer=R.L1(0.02))])
m.set_weights([K0, B0])
run("l2_l1", m, keras.optimizers.SGD(learning_rate=0.1), X, Y, 3, 6, validation_split=0.25)

# 2. L1L2 on the kernel with MaxNorm on it and NonNeg on the bias, Adam.
m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
    3, kernel_regularizer=R.L1L2(l1=0.01, l2=0.02), kernel_constraint=C.MaxNorm(0.6),
    bias_constraint=C.NonNeg())])
m.set_weights([K0, B0])
run("l1l2_maxnorm", m, keras.optimizers.Adam(learning_rate=0.05), X, Y, 3, 8)

# 3. Two layers: UnitNorm (axis 1) on the first kernel, MinMaxNorm on the second, L2 on the
#    second's bias, RMSprop.
K1 = np.array([[0.2, -0.4], [0.3, 0.1], [-0.5, 0.2], [0.1, 0.6]], np.float32)
K2 = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]], np.float32)
m = keras.Sequential([keras.Input((4,)),
                      keras.layers.Dense(2, activation="tanh", kernel_constraint=C.UnitNorm(axis=1)),
                      keras.layers.Dense(3, kernel_constraint=C.MinMaxNorm(0.5, 0.8, rate=0.5),
                                         bias_regularizer=R.L2(0.1))])
m.set_weights([K1, np.zeros(2, np.float32), K2, B0])
run("two_layers", m, keras.optimizers.RMSprop(learning_rate=0.02), X, Y, 2, 5)


def fixed_weights(name, model):
    """Sets every weight to a fixed pattern and prints it as `name.init{i}`."""
    weights = []
    for i, (var, w) in enumerate(zip(model.weights, model.get_weights())):
        j = np.arange(w.size, dtype=np.float64)
        v = (np.sin(j * 1.37 + i) * 0.4).astype(np.float32).reshape(w.shape)
        if "gamma" in var.path or "moving_variance" in var.path:
            v = np.abs(v) + 0.5
        weights.append(v)
    model.set_weights(weights)
    for i, w in enumerate(weights):
        out(f"{name}.init{i}", w)


# 4. Conv1D: L2 on the kernel, MaxNorm over axes 0 and 1 (one norm per filter); L1 on the
#    next Dense's bias.
X3 = data(20, 12, 2.0).reshape(20, 6, 2)
out("x3", X3)
m = keras.Sequential([keras.Input((6, 2)),
                      keras.layers.Conv1D(3, 2, kernel_regularizer=R.L2(0.05),
                                          kernel_constraint=C.MaxNorm(0.5, axis=[0, 1])),
                      keras.layers.Flatten(),
                      keras.layers.Dense(3, bias_regularizer=R.L1(0.01))])
fixed_weights("conv", m)
run("conv", m, keras.optimizers.SGD(learning_rate=0.05), X3, Y, 2, 8)

# 5. Embedding: L1 on the embeddings (rows 10 and 11 are never looked up: only the penalty
#    moves them), UnitNorm over axis 1 (each row).
IDS = (np.arange(20 * 3) * 7 % 10).astype(np.float32).reshape(20, 3)
out("ids", IDS)
m = keras.Sequential([keras.Input((3,)),
                      keras.layers.Embedding(12, 2, embeddings_regularizer=R.L1(0.01),
                                             embeddings_constraint=C.UnitNorm(axis=1)),
                      keras.layers.Flatten(), keras.layers.Dense(3)])
fixed_weights("embedding", m)
run("embedding", m, keras.optimizers.Adam(learning_rate=0.01), IDS, Y, 2, 8)

# 6. SimpleRNN with L2 on the recurrent kernel and MaxNorm on the kernel, then
#    BatchNormalization with L2 on gamma and NonNeg on beta.
m = keras.Sequential([keras.Input((6, 2)),
                      keras.layers.SimpleRNN(3, recurrent_regularizer=R.L2(0.1),
                                             kernel_constraint=C.MaxNorm(1.0)),
                      keras.layers.BatchNormalization(gamma_regularizer=R.L2(0.1),
                                                      beta_constraint=C.NonNeg()),
                      keras.layers.Dense(3)])
fixed_weights("rnn_bn", m)
run("rnn_bn", m, keras.optimizers.SGD(learning_rate=0.05), X3, Y, 2, 8)

# 7. ActivityRegularization: (l1 · Σ|x| + l2 · Σ x²) / batch size added to the loss, in
#    `loss`, `val_loss` and `evaluate`; with a weight penalty too, and a short last batch.
m = keras.Sequential([keras.Input((4,)),
                      keras.layers.Dense(3, activation="tanh", kernel_regularizer=R.L2(0.01)),
                      keras.layers.ActivityRegularization(l1=0.01, l2=0.05),
                      keras.layers.Dense(3)])
fixed_weights("activity", m)
run("activity", m, keras.optimizers.SGD(learning_rate=0.1), X, Y, 3, 6, validation_split=0.25)
