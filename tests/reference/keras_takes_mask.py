"""Values from real Keras for `tests/families/takes_mask.rs`: what `TimeDistributed` does
with a mask for inner layers of each kind, given the mask in the call. Keras passes
`mask[:, t]` to the inner layer's `call` only when that `call` has a `mask` argument
(printed as `<layer>.has_mask_arg`, 1 or 0): an `Embedding` (without `mask_zero`) runs
unmasked, a `Sequential` holding an `LSTM` and a `Bidirectional` `LSTM` get each step's
mask. Outputs from fixed weights, which are printed too.

Run with Keras 3.15.1, JAX backend, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_takes_mask.py > tests/reference/keras_takes_mask.txt

Each output line is a name, a tab, and the float32 values separated by spaces (the shapes
are the test's).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402

assert keras.__version__ == "3.15.1", keras.__version__


def out(name, values):
    values = np.asarray(values, np.float32).ravel()
    print(name + "\t" + " ".join(repr(float(v)) for v in values))


def data(shape, phase=0.0, scale=1.0):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    v = np.sin(i * 0.731 + phase) * scale + np.cos(i * 0.137) * 0.5
    return v.astype(np.float32).reshape(shape)


# (batch 2, steps 2, words 3): the last word of step 0 of sample 0 is padding, step 1 of
# sample 0 is padding whole, and step 0 of sample 1 has one word.
mask = np.array([[[1, 1, 0], [0, 0, 0]], [[1, 0, 0], [1, 1, 1]]], bool)
out("mask", mask)

# --- Embedding without mask_zero: its call has no mask argument -----------------------
emb = L.Embedding(5, 2)
td = L.TimeDistributed(emb)
ids = np.array([[[1, 2, 0], [3, 4, 4]], [[0, 1, 2], [2, 3, 1]]], np.int32)
td.build((2, 2, 3))
emb.set_weights([data((5, 2), phase=1.0)])
out("emb.has_mask_arg", [emb._call_has_mask_arg])
out("emb.ids", ids)
out("emb.embeddings", emb.get_weights()[0])
out("emb.y", td(ids, mask=mask))

# --- a Sequential holding an LSTM, and a Bidirectional LSTM: each gets its mask --------
x = data((2, 2, 3, 4), phase=0.5)
out("x", x)


def lstm_weights(name, phase):
    k, r, b = data((4, 8), phase), data((2, 8), phase + 1.0, 0.5), data((8,), phase + 2.0, 0.1)
    out(name + ".kernel", k)
    out(name + ".recurrent", r)
    out(name + ".bias", b)
    return [k, r, b]


seq = keras.Sequential([keras.Input((3, 4)), L.LSTM(2)])
td = L.TimeDistributed(seq)
td.build((2, 2, 3, 4))
seq.set_weights(lstm_weights("seq", 0.3))
out("seq.has_mask_arg", [seq._call_has_mask_arg])
out("seq.y", td(x, mask=mask))

bi = L.Bidirectional(L.LSTM(2))
td = L.TimeDistributed(bi)
td.build((2, 2, 3, 4))
bi.set_weights(lstm_weights("bi.forward", 0.7) + lstm_weights("bi.backward", 1.1))
out("bi.has_mask_arg", [bi._call_has_mask_arg])
out("bi.y", td(x, mask=mask))

# --- unmasked, for the test that the masks changed something ---------------------------
out("seq.y_unmasked", L.TimeDistributed(seq)(x))
