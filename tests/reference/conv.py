"""Reference values and gradients of the convolution layers (Conv1D, Conv2D,
DepthwiseConv2D, SeparableConv2D, Conv2DTranspose), computed in float64 with NumPy only,
independently of the Rust code:

- a convolution is written from its definition, one output pixel and one kernel tap at a
  time: y[n, o] = sum over taps t of x[n, o*stride + t*dilation - pad_before] . k[t], with
  the output length and `pad_before` from TensorFlow's rule (Keras 3's `compute_conv_output_shape`
  and TensorFlow's `same` padding: the smaller half before);
- a transposed convolution is written as Keras 3's JAX backend computes it: the input
  dilated by the stride, padded by `_convert_conv_transpose_padding_args_from_keras_to_jax`,
  correlated with the spatially flipped kernel (a different derivation from the Rust one,
  which runs the input gradient of a convolution);
- every gradient is a central finite difference in float64 of sum(layer(x) * c) for a fixed
  cotangent c (exact up to rounding: the layers are linear in each argument but the tanh).

Run `python3 tests/reference/conv.py > tests/reference/conv.txt` to regenerate the table that
`tests/conv_reference.rs` reads. Each line is `case field shape values...`: inputs `x`, the
weights in Keras's order `w0`, `w1`, ... (rounded to float32), the output `y`, the cotangent
`c`, and the gradients `gx`, `gw0`, `gw1`, ..."""
import numpy as np

RNG = np.random.default_rng(2026)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def uniform(shape, lo=-1.0, hi=1.0):
    return f32(RNG.uniform(lo, hi, size=shape))


def out_len(n, k, s, d, padding):
    """Output length and zeros before, TensorFlow's rule."""
    span = (k - 1) * d + 1
    if padding == "valid":
        return (n - span) // s + 1, 0
    out = -(-n // s)
    total = max((out - 1) * s + span - n, 0)
    return out, total // 2


def conv2d(x, k, strides, padding, dilation):
    """x (N, H, W, C), k (KH, KW, C, F)."""
    n, h, w, c = x.shape
    kh, kw, _, f = k.shape
    oh, ph = out_len(h, kh, strides[0], dilation[0], padding)
    ow, pw = out_len(w, kw, strides[1], dilation[1], padding)
    y = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    ih = i * strides[0] + a * dilation[0] - ph
                    iw = j * strides[1] + b * dilation[1] - pw
                    if 0 <= ih < h and 0 <= iw < w:
                        y[:, i, j, :] += x[:, ih, iw, :] @ k[a, b]
    return y


def depthwise(x, k, strides, padding, dilation):
    """x (N, H, W, C), k (KH, KW, C, M): output channel c*M + m."""
    n, h, w, c = x.shape
    kh, kw, _, m = k.shape
    oh, ph = out_len(h, kh, strides[0], dilation[0], padding)
    ow, pw = out_len(w, kw, strides[1], dilation[1], padding)
    y = np.zeros((n, oh, ow, c, m))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    ih = i * strides[0] + a * dilation[0] - ph
                    iw = j * strides[1] + b * dilation[1] - pw
                    if 0 <= ih < h and 0 <= iw < w:
                        y[:, i, j] += x[:, ih, iw, :, None] * k[a, b][None]
    return y.reshape(n, oh, ow, c * m)


def jax_transpose_padding(k, s, d, padding):
    ke = (k - 1) * d + 1
    if padding == "valid":
        output_padding = max(ke, s) - ke
        return ke - 1, ke - 1 + output_padding
    pad_len = s + ke - 2
    left = min(pad_len // 2 + pad_len % 2, ke - 1)
    return left, pad_len - left


def conv2d_transpose(x, k, strides, padding, dilation):
    """x (N, H, W, C), k (KH, KW, F, C), as Keras 3's JAX backend: dilate, pad, correlate
    with the flipped kernel."""
    n, h, w, c = x.shape
    kh, kw, f, _ = k.shape
    (s0, s1), (d0, d1) = strides, dilation
    l0, r0 = jax_transpose_padding(kh, s0, d0, padding)
    l1, r1 = jax_transpose_padding(kw, s1, d1, padding)
    z = np.zeros((n, l0 + (h - 1) * s0 + 1 + r0, l1 + (w - 1) * s1 + 1 + r1, c))
    z[:, l0:l0 + (h - 1) * s0 + 1:s0, l1:l1 + (w - 1) * s1 + 1:s1, :] = x
    oh = z.shape[1] - ((kh - 1) * d0 + 1) + 1
    ow = z.shape[2] - ((kw - 1) * d1 + 1) + 1
    y = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    kf = k[kh - 1 - a, kw - 1 - b]  # (F, C)
                    y[:, i, j, :] += z[:, i + a * d0, j + b * d1, :] @ kf.T
    return y


def conv1d(x, k, stride, padding, dilation):
    y = conv2d(x[:, None], k[None], (1, stride), padding, (1, dilation))
    return y[:, 0]


def grads(f, args, c, eps=1e-4):
    out = []
    for i, a in enumerate(args):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            up = [b.copy() for b in args]
            down = [b.copy() for b in args]
            up[i][idx] += eps
            down[i][idx] -= eps
            g[idx] = (np.sum(f(*up) * c) - np.sum(f(*down) * c)) / (2 * eps)
        out.append(g)
    return out


def emit(name, field, a):
    shape = "x".join(str(d) for d in a.shape) if a.ndim else "-"
    print(name, field, shape, " ".join(repr(float(v)) for v in a.reshape(-1)))


def case(name, f, x, weights):
    y = f(x, *weights)
    c = uniform(y.shape, 0.5, 1.5)
    g = grads(f, [x, *weights], c)
    emit(name, "x", x)
    for i, w in enumerate(weights):
        emit(name, f"w{i}", w)
    emit(name, "y", y)
    emit(name, "c", c)
    emit(name, "gx", g[0])
    for i, gw in enumerate(g[1:]):
        emit(name, f"gw{i}", gw)


def with_bias(conv, activation=None):
    def f(x, k, b):
        y = conv(x, k) + b
        return np.tanh(y) if activation == "tanh" else y
    return f


def main():
    # Conv1D(filters, kernel_size, strides, padding, dilation_rate)
    for name, shape, (k, f, s, p, d) in [
        ("conv1d_valid", (2, 7, 3), (3, 4, 1, "valid", 1)),
        ("conv1d_same_stride2", (2, 7, 3), (4, 2, 2, "same", 1)),
        ("conv1d_same_dilation2", (1, 9, 2), (3, 3, 1, "same", 2)),
    ]:
        x = uniform(shape)
        case(name, with_bias(lambda x, w, s=s, p=p, d=d: conv1d(x, w, s, p, d)),
             x, [uniform((k, shape[-1], f)), uniform((f,))])

    # Conv2D(filters, kernel_size, strides, padding, dilation_rate, activation)
    for name, shape, (k, f, s, p, d, act) in [
        ("conv2d_valid", (2, 5, 6, 3), ((3, 3), 4, (1, 1), "valid", (1, 1), None)),
        ("conv2d_same_stride2", (2, 7, 6, 2), ((3, 2), 3, (2, 2), "same", (1, 1), None)),
        ("conv2d_valid_stride23", (1, 7, 8, 2), ((2, 3), 2, (2, 3), "valid", (1, 1), None)),
        ("conv2d_same_dilation", (1, 7, 7, 2), ((3, 3), 2, (1, 1), "same", (2, 1), None)),
        ("conv2d_same_k4_tanh", (2, 5, 5, 2), ((4, 4), 3, (1, 1), "same", (1, 1), "tanh")),
        ("conv2d_pointwise", (2, 3, 4, 5), ((1, 1), 3, (1, 1), "valid", (1, 1), None)),
    ]:
        x = uniform(shape)
        case(name, with_bias(lambda x, w, s=s, p=p, d=d: conv2d(x, w, s, p, d), act),
             x, [uniform((*k, shape[-1], f)), uniform((f,))])

    # DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, dilation_rate)
    for name, shape, (k, s, p, m, d) in [
        ("depthwise_valid_m2", (2, 5, 5, 3), ((3, 3), (1, 1), "valid", 2, (1, 1))),
        ("depthwise_same_stride2", (1, 6, 5, 2), ((3, 3), (2, 2), "same", 1, (1, 1))),
        ("depthwise_same_dilation", (1, 7, 6, 2), ((3, 2), (1, 1), "same", 3, (2, 2))),
    ]:
        x = uniform(shape)
        case(name, with_bias(lambda x, w, s=s, p=p, d=d: depthwise(x, w, s, p, d)),
             x, [uniform((*k, shape[-1], m)), uniform((shape[-1] * m,))])

    # SeparableConv2D(filters, kernel_size, strides, padding, dilation_rate, depth_multiplier)
    for name, shape, (f, k, s, p, d, m) in [
        ("separable_same", (2, 6, 6, 3), (4, (3, 3), (1, 1), "same", (1, 1), 2)),
        ("separable_valid_stride2", (1, 7, 7, 2), (3, (3, 3), (2, 2), "valid", (1, 1), 1)),
    ]:
        x = uniform(shape)
        c = shape[-1]

        def sep(x, dk, pk, b, s=s, p=p, d=d):
            return conv2d(depthwise(x, dk, s, p, d), pk, (1, 1), "valid", (1, 1)) + b

        case(name, sep, x, [uniform((*k, c, m)), uniform((1, 1, c * m, f)), uniform((f,))])

    # Conv2DTranspose(filters, kernel_size, strides, padding, dilation_rate)
    for name, shape, (f, k, s, p, d) in [
        ("transpose_valid_stride2", (2, 3, 3, 2), (4, (3, 3), (2, 2), "valid", (1, 1))),
        ("transpose_same_stride2", (1, 3, 4, 2), (3, (3, 3), (2, 2), "same", (1, 1))),
        ("transpose_same_k4_stride2", (1, 3, 3, 2), (2, (4, 4), (2, 2), "same", (1, 1))),
        ("transpose_valid_k2_stride3", (1, 2, 3, 2), (2, (2, 2), (3, 3), "valid", (1, 1))),
        ("transpose_valid_dilation2", (1, 3, 3, 2), (2, (3, 2), (1, 1), "valid", (2, 2))),
        ("transpose_same_stride1", (2, 4, 4, 3), (2, (3, 3), (1, 1), "same", (1, 1))),
    ]:
        x = uniform(shape)
        case(name, with_bias(lambda x, w, s=s, p=p, d=d: conv2d_transpose(x, w, s, p, d)),
             x, [uniform((*k, f, shape[-1])), uniform((f,))])


if __name__ == "__main__":
    main()
