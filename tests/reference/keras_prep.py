"""Values from real Keras for `tests/families/keras_prep.rs`: the layers `Normalization`
(adapted and given, every kind of `axis`, `invert`, adapted over several batches),
`Rescaling`, `ReLU` (every combination of `max_value`, `negative_slope` and `threshold`),
`LeakyReLU`, `ELU` and `PReLU` (`shared_axes` on a 4-D input): outputs, input gradients
(and `alpha`'s), parameter counts, and five SGD steps of a model with a `PReLU` from fixed
initial weights.

Run with Keras 3.15.1, JAX backend, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_prep.py > tests/reference/keras_prep.txt

Each output line is a name, a tab, and the float32 values separated by spaces (the shapes
are the test's).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402


def out(name, values):
    values = np.asarray(values, np.float32).ravel()
    print(name + "\t" + " ".join(repr(float(v)) for v in values))


def data(shape, phase=0.0, scale=1.3):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    v = np.sin(i * 0.731 + phase) * scale + np.cos(i * 0.137) * 0.5
    return v.astype(np.float32).reshape(shape)


def grad_of(layer, x, c):
    """The gradient of sum(layer(x) * c) with respect to x."""
    return np.asarray(jax.grad(lambda v: jnp.sum(layer(v) * c))(jnp.asarray(x)))


def case(name, layer, x):
    """Output and input gradient of `layer` on `x`, with cotangent `c`."""
    y = np.asarray(layer(x))
    c = data(x.shape, 2.0, 1.0)
    out(f"{name}.y", y)
    out(f"{name}.gx", grad_of(layer, x, c))


# Points away from every kink of the ReLU settings below (0, 0.5, 1, 4, 6).
RELU_X = np.array(
    [-3.0, -1.5, -0.7, -0.2, 0.2, 0.3, 0.7, 0.9, 1.3, 2.5, 3.9, 4.2, 5.5, 6.5, 9.0],
    np.float32,
).reshape(3, 5)
out("relu.x", RELU_X)
out("relu.c", data(RELU_X.shape, 2.0, 1.0))
RELU = {
    "default": dict(),
    "max6": dict(max_value=6.0),
    "max4": dict(max_value=4.0),
    "slope": dict(negative_slope=0.1),
    "threshold": dict(threshold=1.0),
    "threshold_slope": dict(threshold=1.0, negative_slope=0.5),
    "max_slope": dict(max_value=6.0, negative_slope=0.3),
    "all": dict(max_value=4.0, negative_slope=0.2, threshold=0.5),
}
for name, kw in RELU.items():
    case(f"relu_{name}", L.ReLU(**kw), RELU_X)

case("leaky_default", L.LeakyReLU(), RELU_X)
case("leaky_005", L.LeakyReLU(negative_slope=0.05), RELU_X)
case("elu_default", L.ELU(), RELU_X)
case("elu_05", L.ELU(alpha=0.5), RELU_X)
case("rescaling", L.Rescaling(1.0 / 127.5, offset=-1.0), RELU_X * 40.0)
case("rescaling_half", L.Rescaling(0.5), RELU_X)

# PReLU: alpha set by value, gradients to x and to alpha.
X4 = data((2, 3, 4, 2))
out("prelu4.x", X4)
out("prelu4.c", data(X4.shape, 2.0, 1.0))
for name, shared in [("shared12", [1, 2]), ("shared2", [2]), ("none", None)]:
    layer = L.PReLU(shared_axes=shared)
    layer.build(X4.shape)
    alpha = data(tuple(layer.alpha.shape), 1.0, 0.4)
    layer.alpha.assign(alpha)
    out(f"prelu4_{name}.alpha_shape", layer.alpha.shape)
    out(f"prelu4_{name}.alpha", alpha)
    case(f"prelu4_{name}", layer, X4)
    c = data(X4.shape, 2.0, 1.0)

    def loss(a):
        pos = jnp.maximum(X4, 0)
        return jnp.sum((pos - a * jnp.maximum(-X4, 0)) * c)

    out(f"prelu4_{name}.galpha", np.asarray(jax.grad(loss)(jnp.asarray(alpha))))

# A few SGD steps of Dense → PReLU → Dense from fixed weights.
XF = data((8, 4))
YF = data((8, 1), 1.0, 0.8)
model = keras.Sequential([keras.Input((4,)), L.Dense(3), L.PReLU(), L.Dense(1)])
weights = [
    data((4, 3), 0.5, 0.6),
    data((3,), 0.9, 0.1),
    np.array([0.25, -0.1, 0.4], np.float32),
    data((3, 1), 1.5, 0.7),
    np.array([0.05], np.float32),
]
model.set_weights(weights)
model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
out("fit.x", XF)
out("fit.y", YF)
for i, w in enumerate(weights):
    out(f"fit.w0_{i}", w)
losses = [float(model.train_on_batch(XF, YF)) for _ in range(5)]
out("fit.losses", losses)
for i, w in enumerate(model.get_weights()):
    out(f"fit.w5_{i}", w)

# Normalization.
A2 = data((6, 3), 0.0, 2.0) + np.array([1.0, -2.0, 5.0], np.float32)
X2 = data((2, 3), 3.0, 3.0)
out("norm.adapt2", A2)
out("norm.x2", X2)
out("norm.c2", data(X2.shape, 2.0, 1.0))


def norm_case(name, layer, adapt, x):
    if adapt is not None:
        layer.adapt(adapt)
    if hasattr(layer, "adapt_mean"):
        out(f"{name}.mean", layer.adapt_mean.numpy())
        out(f"{name}.variance", layer.adapt_variance.numpy())
    case(name, layer, x)


norm_case("norm_last", L.Normalization(), A2, X2)
norm_case("norm_none", L.Normalization(axis=None), A2, X2)
norm_case("norm_invert", L.Normalization(invert=True), A2, X2)
A3 = data((5, 2, 3), 0.3, 2.0)
X3 = data((2, 2, 3), 1.7, 2.5)
out("norm.adapt3", A3)
out("norm.x3", X3)
out("norm.c3", data(X3.shape, 2.0, 1.0))
norm_case("norm_12", L.Normalization(axis=(1, 2)), A3, X3)
norm_case("norm_1", L.Normalization(axis=1), A3, X3)
norm_case("norm_12_invert", L.Normalization(axis=(1, 2), invert=True), A3, X3)
# Given statistics: a zero variance divides by epsilon; a (3,) mean broadcast from the
# right over kept axes (1, 2).
norm_case("norm_given", L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.0, 9.0]), None, X2)
norm_case("norm_given_scalar", L.Normalization(mean=0.5, variance=2.0), None, X2)
norm_case(
    "norm_given_12",
    L.Normalization(axis=(1, 2), mean=[1.0, -1.0, 0.5], variance=[2.0, 3.0, 0.25]),
    None,
    X3,
)
norm_case(
    "norm_given_invert",
    L.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.5, 9.0], invert=True),
    None,
    X2,
)
# Adapted over two batches: Keras's iterable path needs TensorFlow installed (it checks
# for a `tf.data.Dataset` first), so the reference is `adapt` on the two concatenated,
# the statistics the iterable path's lack-of-fit update computes too.
B1 = data((3, 3), 0.1, 2.0)
B2 = data((5, 3), 0.7, 3.0) + 4.0
out("norm.batch1", B1)
out("norm.batch2", B2)
norm_case("norm_batches", L.Normalization(), np.concatenate([B1, B2]), X2)

# Parameter counts in Keras's summary: total, trainable, non-trainable.
for name, layer, shape in [
    ("norm_last", L.Normalization(), (3,)),
    ("norm_12", L.Normalization(axis=(1, 2)), (2, 3)),
    ("norm_none", L.Normalization(axis=None), (2, 3)),
    ("norm_given", L.Normalization(mean=1.0, variance=1.0), (3,)),
    ("prelu_shared12", L.PReLU(shared_axes=[1, 2]), (3, 4, 2)),
    ("prelu", L.PReLU(), (3, 4, 2)),
]:
    m = keras.Sequential([keras.Input(shape), layer])
    trainable = sum(int(np.prod(w.shape)) for w in m.trainable_weights)
    frozen = sum(int(np.prod(w.shape)) for w in m.non_trainable_weights)
    out(f"params.{name}", [m.count_params(), trainable, frozen])
