"""Reference values and gradients of the tensor ops of issue 12, computed in float64 with
NumPy (no other dependency), independently of the Rust code: each op is NumPy's own
function or a few lines of them (`np.pad`, `np.take_along_axis`, `np.add.at`, `np.argsort`,
`np.cumsum`, `np.tril`, …) and each gradient is a central finite difference in float64 of
`sum(op(inputs) * c)` for a fixed cotangent `c`. Run `python3 tests/reference/ops.py > tests/reference/ops.txt` to regenerate the table that
`tests/ops_reference.rs` reads.

Each line is `case field shape values…`: the fields are the inputs `x0`, `x1`, … (rounded
to float32 so that both sides see the same numbers), the output `y`, and for a
differentiable op the cotangent `c` and the gradient `g<i>` of each input that has one. A
shape is its sizes joined by `x` (`-` for rank 0)."""
import numpy as np

RNG = np.random.default_rng(12)


def f32(a):
    """float32-representable values, held in float64."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def uniform(shape, lo=-2.0, hi=2.0):
    return f32(RNG.uniform(lo, hi, size=shape))


def ints(shape, n):
    return f32(RNG.integers(0, n, size=shape))


def scatter_add(x, idx, src, axis):
    out = x.copy()
    index = list(np.indices(idx.shape))
    index[axis] = idx.astype(np.int64)
    np.add.at(out, tuple(index), src)
    return out


def topk(x, k, axis):
    order = np.argsort(-x, axis=axis, kind="stable")
    order = np.take(order, np.arange(k), axis=axis)
    return np.take_along_axis(x, order, axis), order.astype(np.float64)


def var(x, axes, keepdims):
    return np.var(x, axis=tuple(axes), keepdims=keepdims)


def logsumexp(x, axes, keepdims):
    m = np.max(x, axis=tuple(axes), keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=tuple(axes), keepdims=True))
    return out if keepdims else np.squeeze(out, axis=tuple(axes))


def norm(x, axes, keepdims):
    return np.sqrt(np.sum(x * x, axis=tuple(axes), keepdims=keepdims))


def with_tie(x):
    x = x.copy()
    x[0, 1] = x[0, 3] = np.max(x[0]) + 1.0
    x[1, 0] = x[1, 2] = np.min(x[1]) - 1.0
    return f32(x)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# name: (inputs, function, indices of the inputs with a gradient)
CASES = {
    "pad": ([uniform((2, 3))], lambda x: np.pad(x, ((1, 0), (0, 2)), constant_values=0.5), [0]),
    "pad_3d": (
        [uniform((2, 1, 2))],
        lambda x: np.pad(x, ((0, 1), (2, 0), (1, 1)), constant_values=-1.0),
        [0],
    ),
    "stack_0": ([uniform((2, 3)), uniform((2, 3))], lambda a, b: np.stack([a, b], 0), [0, 1]),
    "stack_neg1": (
        [uniform((2, 2)), uniform((2, 2)), uniform((2, 2))],
        lambda a, b, c: np.stack([a, b, c], -1),
        [0, 1, 2],
    ),
    "split_0": ([uniform((2, 5))], lambda x: np.split(x, [2, 2], axis=-1)[0], [0]),
    "split_2": ([uniform((2, 5))], lambda x: np.split(x, [2, 2], axis=-1)[2], [0]),
    "chunk_0": ([uniform((7, 2))], lambda x: np.array_split(x, 3, axis=0)[0], [0]),
    "chunk_2": ([uniform((7, 2))], lambda x: np.array_split(x, 3, axis=0)[2], [0]),
    "squeeze": ([uniform((2, 1, 3))], lambda x: np.squeeze(x, 1), [0]),
    "unsqueeze": ([uniform((2, 3))], lambda x: np.expand_dims(x, -1), [0]),
    "gather": (
        [uniform((3, 4)), ints((3, 5), 4)],
        lambda x, i: np.take_along_axis(x, i.astype(np.int64), 1),
        [0],
    ),
    "gather_neg_axis": (
        [uniform((4, 3)), ints((2, 3), 4)],
        lambda x, i: np.take_along_axis(x, i.astype(np.int64), -2),
        [0],
    ),
    "gather_broadcast": (
        [uniform((1, 5, 3)), ints((2, 4, 1), 5)],
        lambda x, i: np.take_along_axis(x, i.astype(np.int64), 1),
        [0],
    ),
    "scatter_add": (
        [uniform((3, 4)), ints((3, 5), 4), uniform((3, 5))],
        lambda x, i, s: scatter_add(x, i, s, 1),
        [0, 2],
    ),
    "scatter_add_axis0": (
        [uniform((3, 2)), ints((4, 2), 3), uniform((4, 2))],
        lambda x, i, s: scatter_add(x, i, s, 0),
        [0, 2],
    ),
    "one_hot": ([ints((5,), 4)], lambda i: np.eye(4)[i.astype(np.int64)], []),
    "one_hot_2d": ([ints((2, 3), 3)], lambda i: np.eye(3)[i.astype(np.int64)], []),
    "argmax_1": ([with_tie(uniform((3, 4)))], lambda x: np.argmax(x, 1).astype(np.float64), []),
    "argmax_0": ([with_tie(uniform((3, 4)))], lambda x: np.argmax(x, 0).astype(np.float64), []),
    "argmin_neg1": (
        [with_tie(uniform((3, 4)))],
        lambda x: np.argmin(x, -1).astype(np.float64),
        [],
    ),
    "topk_values": ([uniform((3, 5))], lambda x: topk(x, 3, -1)[0], [0]),
    "topk_values_axis0": ([uniform((4, 3))], lambda x: topk(x, 2, 0)[0], [0]),
    "topk_indices": ([with_tie(uniform((3, 5)))], lambda x: topk(x, 3, -1)[1], []),
    "min": ([uniform((3, 4))], lambda x: np.min(x, axis=1), [0]),
    "min_all_keepdims": ([uniform((3, 4))], lambda x: np.min(x, axis=(0, 1), keepdims=True), [0]),
    "var": ([uniform((3, 4))], lambda x: var(x, [-1], False), [0]),
    "var_keepdims": ([uniform((2, 3, 2))], lambda x: var(x, [0, 2], True), [0]),
    "std": ([uniform((3, 4))], lambda x: np.std(x, axis=0), [0]),
    "logsumexp": ([uniform((3, 4), -10, 10)], lambda x: logsumexp(x, [-1], False), [0]),
    "logsumexp_large": ([uniform((2, 3), 990, 1010)], lambda x: logsumexp(x, [1], False), [0]),
    "logsumexp_keepdims": ([uniform((3, 4))], lambda x: logsumexp(x, [0, 1], True), [0]),
    "norm": ([uniform((3, 4))], lambda x: norm(x, [-1], False), [0]),
    "norm_keepdims": ([uniform((3, 4))], lambda x: norm(x, [0], True), [0]),
    "cumsum": ([uniform((3, 4))], lambda x: np.cumsum(x, axis=1), [0]),
    "cumsum_neg_axis": ([uniform((3, 4))], lambda x: np.cumsum(x, axis=-2), [0]),
    "tril": ([uniform((3, 4))], lambda x: np.tril(x, 0), [0]),
    "tril_batched": ([uniform((2, 3, 3))], lambda x: np.tril(x, -1), [0]),
    "triu": ([uniform((3, 4))], lambda x: np.triu(x, 1), [0]),
    "triu_batched": ([uniform((2, 3, 3))], lambda x: np.triu(x, -1), [0]),
    "tril_mask": ([], lambda: np.tri(3, 4, 1), []),
    "triu_mask": ([], lambda: np.triu(np.ones((3, 4)), -1), []),
    "log1p": ([uniform((3, 4), -0.9, 3.0)], np.log1p, [0]),
    "tanh": ([uniform((3, 4), -3.0, 3.0)], np.tanh, [0]),
    "sigmoid": ([uniform((3, 4), -8.0, 8.0)], sigmoid, [0]),
    "sin": ([uniform((3, 4), -4.0, 4.0)], np.sin, [0]),
    "cos": ([uniform((3, 4), -4.0, 4.0)], np.cos, [0]),
    "pow": ([uniform((3, 4), 0.5, 2.5), uniform((4,), -2.0, 3.0)], np.power, [0, 1]),
    "pow_broadcast": ([uniform((2, 1), 0.5, 2.5), uniform((1, 3), -2.0, 3.0)], np.power, [0, 1]),
    "clip": ([uniform((3, 4))], lambda x: np.clip(x, -0.5, 1.0), [0]),
}


def gradient(fn, inputs, i, c):
    """d sum(fn(inputs) * c) / d inputs[i], by central differences in float64."""
    grad = np.zeros_like(inputs[i])
    for pos in np.ndindex(*inputs[i].shape):
        h = 1e-6 * max(1.0, abs(inputs[i][pos]))
        values = []
        for step in (h, -h):
            args = [a.copy() for a in inputs]
            args[i][pos] += step
            values.append(np.sum(fn(*args) * c))
        grad[pos] = (values[0] - values[1]) / (2 * h)
    return grad


def line(name, field, array):
    array = np.asarray(array, dtype=np.float64)
    shape = "x".join(str(d) for d in array.shape) or "-"
    values = " ".join(repr(float(v)) for v in array.ravel())
    return f"{name} {field} {shape} {values}".rstrip()


for name, (inputs, fn, diff) in CASES.items():
    for i, x in enumerate(inputs):
        print(line(name, f"x{i}", x))
    y = fn(*inputs)
    print(line(name, "y", y))
    if diff:
        c = uniform(np.shape(y), 0.5, 1.5)
        print(line(name, "c", c))
        for i in diff:
            print(line(name, f"g{i}", gradient(fn, inputs, i, c)))
