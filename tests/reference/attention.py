"""Reference values and gradients of `MultiHeadAttention` (self-attention), computed in
float64 with NumPy, by formula and independently of the Rust code: the projections are
Keras 3's einsums written as sums, the attention is plain loops over batch, head, query
and key (scores scaled by 1/sqrt(key_dim), disallowed pairs set to -1e9 before a max-shifted
softmax over the keys, as Keras's `Softmax(mask=...)`), and every gradient is a central
finite difference in float64 of `sum(y * c)` for a fixed cotangent `c`, with the padding
mask held at its value for the unperturbed input (a mask carries no gradient).

Run `python3 tests/reference/attention.py > tests/reference/attention.txt` to regenerate the
table that `tests/attention_reference.rs` reads. Each line is `case field shape values…`:
`x` the input, `w0…` the weights in Keras's order (query kernel, query bias, key kernel,
key bias, value kernel, value bias, output kernel, output bias; no biases when `use_bias`
is false), `y` the output, `c` the cotangent, `gx` and `gw0…` the gradients. Values are
rounded to float32 where they are inputs, so that both sides see the same numbers."""
import numpy as np

RNG = np.random.default_rng(2026)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def uniform(shape, lo=-1.0, hi=1.0):
    return f32(RNG.uniform(lo, hi, size=shape))


# name: (config, input)
def cases():
    padded = uniform((2, 4, 3))
    padded[0, 3, :] = 0.0  # the last step of sample 0 is padding
    padded[1, 1, :] = 0.0  # and the second of sample 1
    return {
        "plain": (dict(heads=2, key_dim=3), uniform((2, 3, 4))),
        "causal_value_dim_output_shape": (
            dict(heads=2, key_dim=2, value_dim=3, output_shape=5, causal=True),
            uniform((2, 4, 3)),
        ),
        "padding_value": (dict(heads=2, key_dim=2, mask_value=0.0), padded),
        "fixed_mask_causal_no_bias": (
            dict(
                heads=3,
                key_dim=2,
                causal=True,
                use_bias=False,
                fixed=np.array([[1, 1, 1, 0], [1, 0, 1, 1]], dtype=np.float64),
            ),
            uniform((2, 4, 3)),
        ),
        "fixed_mask_1d": (
            dict(heads=1, key_dim=4, fixed=np.array([0, 1, 1], dtype=np.float64)),
            uniform((2, 3, 2)),
        ),
    }


def weight_shapes(cfg, dim):
    h, k = cfg["heads"], cfg["key_dim"]
    v = cfg.get("value_dim", k)
    out = cfg.get("output_shape", dim)
    bias = cfg.get("use_bias", True)
    shapes = []
    for units in (k, k, v):
        shapes.append((dim, h, units))
        if bias:
            shapes.append((h, units))
    shapes.append((h, v, out))
    if bias:
        shapes.append((out,))
    return shapes


def keep_mask(cfg, x):
    b, t, _ = x.shape
    if "mask_value" in cfg:
        return np.array([[float(np.any(x[i, s] != cfg["mask_value"])) for s in range(t)] for i in range(b)])
    if "fixed" in cfg:
        m = cfg["fixed"]
        return np.broadcast_to(m, (b, t)).copy()
    return np.ones((b, t))


def project_in(x, kernel, bias):
    """x (b, t, d), kernel (d, h, u) -> (b, t, h, u): sum over d."""
    b, t, d = x.shape
    _, h, u = kernel.shape
    out = np.zeros((b, t, h, u))
    for i in range(b):
        for s in range(t):
            for j in range(d):
                out[i, s] += x[i, s, j] * kernel[j]
    return out + (bias if bias is not None else 0.0)


def mha(cfg, x, weights, keep):
    bias = cfg.get("use_bias", True)
    it = iter(weights)
    proj = []
    for _ in range(3):
        kernel = next(it)
        proj.append((kernel, next(it) if bias else None))
    out_kernel = next(it)
    out_bias = next(it) if bias else None
    q, k, v = (project_in(x, kern, bi) for kern, bi in proj)
    b, t, _ = x.shape
    heads, key_dim = cfg["heads"], cfg["key_dim"]
    vd = v.shape[3]
    attended = np.zeros((b, t, heads, vd))
    for i in range(b):
        for h in range(heads):
            for qi in range(t):
                scores = np.zeros(t)
                for ki in range(t):
                    allowed = keep[i, qi] > 0 and keep[i, ki] > 0
                    if cfg.get("causal", False) and ki > qi:
                        allowed = False
                    s = np.dot(q[i, qi, h], k[i, ki, h]) / np.sqrt(key_dim)
                    scores[ki] = s if allowed else -1e9
                e = np.exp(scores - scores.max())
                p = e / e.sum()
                for ki in range(t):
                    attended[i, qi, h] += p[ki] * v[i, ki, h]
    out_dim = out_kernel.shape[2]
    y = np.zeros((b, t, out_dim))
    for i in range(b):
        for qi in range(t):
            for h in range(heads):
                for j in range(vd):
                    y[i, qi] += attended[i, qi, h, j] * out_kernel[h, j]
    return y + (out_bias if out_bias is not None else 0.0)


def gradient(f, arrays, index, c, step=1e-6):
    base = arrays[index]
    g = np.zeros_like(base)
    for pos in np.ndindex(base.shape):
        def at(delta):
            moved = [a.copy() for a in arrays]
            moved[index][pos] += delta
            return np.sum(f(moved) * c)
        g[pos] = (at(step) - at(-step)) / (2 * step)
    return g


def line(name, field, a):
    a = np.asarray(a, dtype=np.float64)
    shape = "x".join(str(d) for d in a.shape) if a.ndim else "-"
    return " ".join([name, field, shape] + [repr(float(v)) for v in a.ravel()])


def main():
    for name, (cfg, x) in cases().items():
        weights = [uniform(s, -0.6, 0.6) for s in weight_shapes(cfg, x.shape[2])]
        keep = keep_mask(cfg, x)
        y = mha(cfg, x, weights, keep)
        c = uniform(y.shape)
        arrays = [x] + weights
        f = lambda a: mha(cfg, a[0], a[1:], keep)
        print(line(name, "x", x))
        for i, w in enumerate(weights):
            print(line(name, f"w{i}", w))
        print(line(name, "y", y))
        print(line(name, "c", c))
        print(line(name, "gx", gradient(f, arrays, 0, c)))
        for i in range(len(weights)):
            print(line(name, f"gw{i}", gradient(f, arrays, i + 1, c)))


if __name__ == "__main__":
    main()
