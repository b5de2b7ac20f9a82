"""Reference values and gradients of the pooling ops and layers of issue 12 (max and average
pooling 1-D and 2-D with `valid`/`same` padding, global pooling, ZeroPadding2D, UpSampling2D,
TimeDistributed), computed in float64 with NumPy and plain loops, by formula, independently
of the Rust code: a window's output is the max or the mean of the real input elements it
covers (TensorFlow's `same` rule: `ceil(n / stride)` outputs, the smaller half of the
padding before), and each gradient is a central finite difference in float64 of
`sum(f(inputs) * c)` for a fixed cotangent `c`.

Run `python3 tests/reference/pool.py > tests/reference/pool.txt` to regenerate the table
that `tests/pool_reference.rs` reads. Each line is `case field shape values…`: the inputs
`x0`, `x1`, … (rounded to float32 so that both sides see the same numbers; for a layer
case, `x0` is the layer's input and `x1`, … its trainable weights in order), the output
`y`, the cotangent `c` and the gradient `g<i>` of each input. A shape is its sizes joined by
`x`."""
import math

import numpy as np

RNG = np.random.default_rng(2026)


def f32(a):
    """float32-representable values, held in float64."""
    return np.asarray(a, dtype=np.float64).astype(np.float32).astype(np.float64)


def uniform(shape, lo=-2.0, hi=2.0):
    return f32(RNG.uniform(lo, hi, size=shape))


def padding(size, window, stride, mode):
    """(before, after) by TensorFlow's rule for `same`, none for `valid`."""
    if mode == "valid":
        return 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def pool2d(x, window, strides, mode, reduce):
    """Max or mean over the real elements of each window, by loops."""
    n, h, w, c = x.shape
    (kh, kw), (sh, sw) = window, strides
    (pt, pb), (pl, pr) = padding(h, kh, sh, mode), padding(w, kw, sw, mode)
    oh = (h + pt + pb - kh) // sh + 1
    ow = (w + pl + pr - kw) // sw + 1
    y = np.zeros((n, oh, ow, c))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    values = []
                    for di in range(kh):
                        for dj in range(kw):
                            r, s = i * sh + di - pt, j * sw + dj - pl
                            if 0 <= r < h and 0 <= s < w:
                                values.append(x[b, r, s, ch])
                    if reduce == "max":
                        y[b, i, j, ch] = max(values)
                    else:
                        y[b, i, j, ch] = sum(values) / len(values)
    return y


def pool1d(x, window, stride, mode, reduce):
    n, t, c = x.shape
    y = pool2d(x.reshape(n, t, 1, c), (window, 1), (stride, 1), mode, reduce)
    return y.reshape(n, y.shape[1], c)


def zero_padding2d(x, top, bottom, left, right):
    n, h, w, c = x.shape
    y = np.zeros((n, top + h + bottom, left + w + right, c))
    for r in range(h):
        for s in range(w):
            y[:, top + r, left + s, :] = x[:, r, s, :]
    return y


def up_sampling2d(x, rows, cols):
    n, h, w, c = x.shape
    y = np.zeros((n, h * rows, w * cols, c))
    for r in range(h * rows):
        for s in range(w * cols):
            y[:, r, s, :] = x[:, r // rows, s // cols, :]
    return y


def time_distributed_dense(x, kernel, bias):
    """Dense on each step: y[b, t] = x[b, t] @ kernel + bias."""
    n, t, _ = x.shape
    y = np.zeros((n, t, kernel.shape[1]))
    for b in range(n):
        for s in range(t):
            y[b, s] = x[b, s] @ kernel + bias
    return y


def time_distributed_max_pool(x):
    """MaxPooling2D(2) on each step of (batch, steps, h, w, c)."""
    return np.stack([pool2d(x[:, s], (2, 2), (2, 2), "valid", "max") for s in range(x.shape[1])], 1)


CASES = {
    # Tensor ops: x0 is the input.
    "max_pool2d_valid": ([uniform((2, 5, 5, 3))], lambda x: pool2d(x, (2, 2), (2, 2), "valid", "max")),
    "max_pool2d_same_3x3_s2": ([uniform((2, 5, 6, 2))], lambda x: pool2d(x, (3, 3), (2, 2), "same", "max")),
    "max_pool2d_rect_s1x2": ([uniform((1, 4, 7, 2))], lambda x: pool2d(x, (2, 3), (1, 2), "valid", "max")),
    "avg_pool2d_valid": ([uniform((2, 4, 4, 2))], lambda x: pool2d(x, (2, 2), (2, 2), "valid", "avg")),
    "avg_pool2d_same": ([uniform((2, 5, 5, 2))], lambda x: pool2d(x, (2, 2), (2, 2), "same", "avg")),
    "avg_pool2d_same_3x3_s1": ([uniform((1, 4, 5, 3))], lambda x: pool2d(x, (3, 3), (1, 1), "same", "avg")),
    "max_pool1d_valid": ([uniform((2, 7, 3))], lambda x: pool1d(x, 2, 2, "valid", "max")),
    "max_pool1d_same_s2": ([uniform((2, 8, 2))], lambda x: pool1d(x, 3, 2, "same", "max")),
    "avg_pool1d_same": ([uniform((2, 7, 2))], lambda x: pool1d(x, 2, 2, "same", "avg")),
    "avg_pool1d_overlap": ([uniform((1, 6, 2))], lambda x: pool1d(x, 3, 1, "valid", "avg")),
    # Layers: x0 is the input, x1… the trainable weights.
    "MaxPooling2D": ([uniform((2, 6, 6, 2))], lambda x: pool2d(x, (2, 2), (2, 2), "valid", "max")),
    "MaxPooling2D_same_s1": ([uniform((1, 5, 4, 2))], lambda x: pool2d(x, (3, 2), (1, 1), "same", "max")),
    "AveragePooling2D_same": ([uniform((2, 5, 3, 2))], lambda x: pool2d(x, (2, 2), (2, 2), "same", "avg")),
    "MaxPooling1D": ([uniform((2, 7, 2))], lambda x: pool1d(x, 2, 2, "valid", "max")),
    "AveragePooling1D_same": ([uniform((2, 5, 3))], lambda x: pool1d(x, 3, 2, "same", "avg")),
    "GlobalAveragePooling1D": ([uniform((2, 4, 3))], lambda x: np.mean(x, axis=1)),
    "GlobalAveragePooling2D_keepdims": ([uniform((2, 3, 4, 2))], lambda x: np.mean(x, axis=(1, 2), keepdims=True)),
    "GlobalMaxPooling1D_keepdims": ([uniform((2, 4, 3))], lambda x: np.max(x, axis=1, keepdims=True)),
    "GlobalMaxPooling2D": ([uniform((2, 3, 4, 2))], lambda x: np.max(x, axis=(1, 2))),
    "ZeroPadding2D": ([uniform((2, 2, 3, 2))], lambda x: zero_padding2d(x, 1, 0, 2, 1)),
    "UpSampling2D": ([uniform((2, 2, 3, 2))], lambda x: up_sampling2d(x, 2, 3)),
    "TimeDistributed_Dense": (
        [uniform((2, 3, 4)), uniform((4, 2)), uniform((2,))],
        time_distributed_dense,
    ),
    "TimeDistributed_MaxPooling2D": ([uniform((2, 3, 4, 4, 2))], time_distributed_max_pool),
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


for name, (inputs, fn) in CASES.items():
    for i, x in enumerate(inputs):
        print(line(name, f"x{i}", x))
    y = fn(*inputs)
    print(line(name, "y", y))
    c = uniform(np.shape(y), 0.5, 1.5)
    print(line(name, "c", c))
    for i in range(len(inputs)):
        print(line(name, f"g{i}", gradient(fn, inputs, i, c)))
