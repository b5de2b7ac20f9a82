"""Values from real Keras 3 for `tests/families/keras_shape.rs`: the weightless reshaping
layers (RepeatVector, Permute, Cropping1D, Cropping2D, ZeroPadding1D, UpSampling1D) and the
normalizations UnitNormalization and GroupNormalization, each with several settings.

Run with Keras 3.15.1, JAX backend, NumPy:

    KERAS_BACKEND=jax python3 tests/reference/keras_shape.py > tests/reference/keras_shape.txt

Each line: `case field shape v0 v1 ...` (the format of `tests/common/table.rs`). Fields:
`x0` the input, `x1`, `x2`, ... the layer's trainable weights in Keras's order (set to
random values, so that gamma and beta matter), `y` Keras's output, `c` a random cotangent,
and `g0`, `g1`, ... the gradients of `sum(y * c)` for the input and each weight, computed
by JAX's autodiff through Keras's own layer (`stateless_call`). Nothing here is computed
but by Keras (and JAX's autodiff of it).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

assert keras.__version__ == "3.15.1", keras.__version__
rng = np.random.default_rng(31)


def emit(case, field, a):
    a = np.asarray(a, np.float64)
    shape = "x".join(str(d) for d in a.shape) if a.shape else "-"
    print(case, field, shape, " ".join(repr(float(v)) for v in a.ravel()))


def run(case, layer, shape):
    x = rng.normal(size=shape).astype(np.float32)
    layer.build(shape)
    for w in layer.trainable_variables:
        w.assign(rng.uniform(-1.5, 1.5, size=w.shape).astype(np.float32))
    weights = [jnp.asarray(w.value) for w in layer.trainable_variables]
    state = [v.value for v in layer.non_trainable_variables]

    def forward(x, weights):
        out, _ = layer.stateless_call(weights, state, x)
        return out

    y = forward(jnp.asarray(x), weights)
    c = rng.normal(size=y.shape).astype(np.float32)
    gx, gw = jax.grad(lambda x, w: jnp.sum(forward(x, w) * c), argnums=(0, 1))(
        jnp.asarray(x), weights
    )
    emit(case, "x0", x)
    for i, w in enumerate(weights):
        emit(case, f"x{i + 1}", w)
    emit(case, "y", y)
    emit(case, "c", c)
    emit(case, "g0", gx)
    for i, g in enumerate(gw):
        emit(case, f"g{i + 1}", g)


L = keras.layers
run("RepeatVector_3", L.RepeatVector(3), (2, 4))
run("Permute_21", L.Permute((2, 1)), (2, 3, 4))
run("Permute_312", L.Permute((3, 1, 2)), (2, 2, 3, 4))
run("Cropping1D_default", L.Cropping1D(), (2, 5, 3))
run("Cropping1D_2_0", L.Cropping1D((2, 0)), (2, 5, 3))
run("Cropping2D_int", L.Cropping2D(1), (2, 4, 5, 2))
run("Cropping2D_pair", L.Cropping2D((1, 2)), (2, 4, 5, 2))
run("Cropping2D_pairs", L.Cropping2D(((1, 0), (2, 1))), (2, 4, 5, 2))
run("ZeroPadding1D_default", L.ZeroPadding1D(), (2, 3, 2))
run("ZeroPadding1D_1_3", L.ZeroPadding1D((1, 3)), (2, 3, 2))
run("UpSampling1D_default", L.UpSampling1D(), (2, 3, 2))
run("UpSampling1D_3", L.UpSampling1D(3), (2, 3, 2))
run("UnitNormalization_last", L.UnitNormalization(), (3, 4))
run("UnitNormalization_axis1", L.UnitNormalization(axis=1), (2, 3, 4))
run("UnitNormalization_axes12", L.UnitNormalization(axis=[1, 2]), (2, 3, 4))
run("GroupNormalization_2_of_4", L.GroupNormalization(groups=2), (2, 3, 4))
run("GroupNormalization_groups_eq_channels", L.GroupNormalization(groups=4), (2, 5, 4))
run("GroupNormalization_instance", L.GroupNormalization(groups=-1), (2, 5, 4))
run("GroupNormalization_1_group", L.GroupNormalization(groups=1), (2, 3, 4))
run("GroupNormalization_4d", L.GroupNormalization(groups=3, epsilon=0.01), (2, 3, 3, 6))
run("GroupNormalization_2d", L.GroupNormalization(groups=2), (3, 6))
run("GroupNormalization_no_center", L.GroupNormalization(groups=2, center=False), (2, 3, 4))
run("GroupNormalization_no_scale", L.GroupNormalization(groups=2, scale=False), (2, 3, 4))
