"""Values from real Keras for `tests/families/keras_masks.rs`: `Softmax` with a mask (given
in the call, and from `Embedding(mask_zero=True)` in a `Sequential`), `TimeDistributed`
with a mask (an inner `Dense`, which takes none; an inner layer of one's own that uses
it; an inner `LSTM` on a 4-D input, given its per-step mask), and `Rescaling` by arrays.
Outputs, input gradients, and three SGD steps (loss and weights) of the masked
`TimeDistributed` models from fixed initial weights, which are printed too.

Run with Keras 3.15.1, JAX backend, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_masks.py > tests/reference/keras_masks.txt

Each output line is a name, a tab, and the float32 values separated by spaces (the shapes
are the test's); the last line is Keras's config of the `Rescaling` (JSON after a space).
"""
import json
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402
from keras import ops  # noqa: E402

assert keras.__version__ == "3.15.1", keras.__version__


def out(name, values):
    values = np.asarray(values, np.float32).ravel()
    print(name + "\t" + " ".join(repr(float(v)) for v in values))


def data(shape, phase=0.0, scale=1.3):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    v = np.sin(i * 0.731 + phase) * scale + np.cos(i * 0.137) * 0.5
    return v.astype(np.float32).reshape(shape)


# --- Softmax with a mask given in the call --------------------------------------------
def softmax_case(name, x, mask, axis=-1):
    layer = L.Softmax(axis=axis)
    c = data(x.shape, phase=2.0)
    y = layer(x, mask=mask)
    gx = jax.grad(lambda v: jnp.sum(layer(v, mask=mask) * c))(jnp.asarray(x))
    out(name + ".x", x)
    out(name + ".mask", mask)
    out(name + ".c", c)
    out(name + ".y", y)
    out(name + ".gx", gx)


x = data((2, 3, 4), scale=2.0)
# attention-style: (batch, 1, keys), the last key of sample 0 and the first two of sample 1
keys = np.array([[[1, 1, 1, 0]], [[0, 0, 1, 1]]], np.float32)
softmax_case("sm_keys", x, keys)
# a full mask of floats (read as > 0.5), with one row masked whole
full = np.array(
    [
        [[1, 0.7, 0.3, 1], [0, 0, 0, 0], [1, 1, 0, 1]],
        [[0.6, 1, 1, 0.2], [1, 0, 1, 0], [1, 1, 1, 1]],
    ],
    np.float32,
)
softmax_case("sm_full", x, full)
# over axis 1 (the 3 rows), a (3, 4) mask broadcast over the batch
rows = np.array([[1, 0, 1, 1], [1, 1, 0, 1], [0, 1, 1, 1]], np.float32)
softmax_case("sm_axis1", x, rows, axis=1)


# --- Softmax after Embedding(mask_zero=True) in a Sequential --------------------------
class Score(L.Layer):
    """(batch, steps, features) -> (batch, steps): the sum of the features, mask passed on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x):
        return ops.sum(x, axis=-1)


ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [5, 1, 2, 3]], np.int32)
emb = data((6, 3), phase=1.0)
model = keras.Sequential(
    [keras.Input((4,), dtype="int32"), L.Embedding(6, 3, mask_zero=True), Score(), L.Softmax()]
)
model.layers[0].set_weights([emb])
out("seq.emb", emb)
y = model(ids)
out("seq.y", y)
out("seq.mask", y._keras_mask)
try:
    keras.Sequential(
        [keras.Input((4,), dtype="int32"), L.Embedding(6, 3, mask_zero=True), L.Softmax()]
    )(ids)
    raise SystemExit("Keras took a (batch, time) mask for a (batch, time, features) softmax")
except ValueError as e:
    assert "must be broadcastable" in str(e)


# --- TimeDistributed with a mask ------------------------------------------------------
class MaskedDense(L.Layer):
    """x @ kernel + bias, times the mask: a layer of one's own that uses the mask."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, shape):
        self.kernel = self.add_weight(shape=(shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), name="bias")

    def call(self, x, mask=None):
        y = ops.matmul(x, self.kernel) + self.bias
        if mask is not None:
            y = y * ops.expand_dims(ops.cast(mask, y.dtype), -1)
        return y


def train(name, inner):
    model = keras.Sequential(
        [keras.Input((4,), dtype="int32"), L.Embedding(6, 3, mask_zero=True), L.TimeDistributed(inner)]
    )
    weights = [emb, data((3, 2), phase=3.0, scale=0.8), data((2,), phase=4.0, scale=0.3)]
    model.set_weights(weights)
    target = data((3, 4, 2), phase=5.0)
    out(name + ".kernel0", weights[1])
    out(name + ".bias0", weights[2])
    out(name + ".target", target)
    y = model(ids)
    out(name + ".y", y)
    out(name + ".mask", y._keras_mask)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    losses = [float(model.train_on_batch(ids, target)) for _ in range(3)]
    out(name + ".losses", losses)
    for w, n in zip(model.get_weights(), ["embeddings", "kernel", "bias"]):
        out(name + "." + n, w)


train("td_dense", L.Dense(2))
train("td_inner", MaskedDense(2))

# An inner LSTM on (batch, steps, words, features), given each step's (batch, words) mask.
ids3 = np.array([[[1, 2, 0], [3, 0, 0]], [[0, 0, 0], [4, 5, 1]]], np.int32)
lstm = keras.Sequential(
    [keras.Input((2, 3), dtype="int32"), L.Embedding(6, 3, mask_zero=True), L.TimeDistributed(L.LSTM(2))]
)
lw = [emb, data((3, 8), phase=6.0, scale=0.6), data((2, 8), phase=7.0, scale=0.6), data((8,), phase=8.0, scale=0.2)]
lstm.set_weights(lw)
out("td_lstm.kernel", lw[1])
out("td_lstm.recurrent", lw[2])
out("td_lstm.bias", lw[3])
y = lstm(ids3)
out("td_lstm.y", y)
out("td_lstm.mask", y._keras_mask)

# --- Rescaling by arrays --------------------------------------------------------------
x = data((2, 3, 3), scale=2.0)
c = data((2, 3, 3), phase=2.0)
scale = np.array([0.5, 2.0, -1.0], np.float32)
offset = np.array([[1.0], [0.0], [-1.5]], np.float32)
layer = L.Rescaling(scale, offset=offset)
out("resc.x", x)
out("resc.c", c)
out("resc.y", layer(x))
out("resc.gx", jax.grad(lambda v: jnp.sum(layer(v) * c))(jnp.asarray(x)))
config = layer.get_config()
assert config["scale"]["class_name"] == "__numpy__", config
# JSON after a space, not a tab: the table's reader skips the line.
print("resc.config " + json.dumps({k: config[k] for k in ("scale", "offset")}))
