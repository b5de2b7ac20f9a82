"""Reference values for the recurrent layers (tests/rnn_reference.rs).

Forward passes of Keras 3's SimpleRNN, LSTM, GRU (reset_after=True) and Bidirectional,
written from the formulas in plain float64 loops (no deep-learning framework); gradients
of sum(y * c) for a fixed random cotangent c by central finite differences in float64.

Each line of rnn.txt: `case field shape v0 v1 ...`, shape as `2x3x4`. Fields: `x` the
input, `w0`, `w1`, ... the weights in Keras's order, `y` the output, `c` the cotangent,
`gx` and `gw0`, `gw1`, ... the gradients. Run: python3 tests/reference/rnn.py
"""

import os

import numpy as np

rng = np.random.default_rng(12)


def sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def simple_rnn(x, w, units, go_backwards=False, return_sequences=False):
    kernel, recurrent, bias = w
    batch, time, _ = x.shape
    h = np.zeros((batch, units))
    outs = []
    steps = range(time - 1, -1, -1) if go_backwards else range(time)
    for t in steps:
        h = np.tanh(x[:, t, :] @ kernel + h @ recurrent + bias)
        outs.append(h)
    return np.stack(outs, axis=1) if return_sequences else outs[-1]


def lstm(x, w, units, go_backwards=False, return_sequences=False):
    kernel, recurrent, bias = w
    batch, time, _ = x.shape
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    outs = []
    steps = range(time - 1, -1, -1) if go_backwards else range(time)
    for t in steps:
        z = x[:, t, :] @ kernel + h @ recurrent + bias
        i = sigmoid(z[:, :units])
        f = sigmoid(z[:, units:2 * units])
        g = np.tanh(z[:, 2 * units:3 * units])
        o = sigmoid(z[:, 3 * units:])
        c = f * c + i * g
        h = o * np.tanh(c)
        outs.append(h)
    return np.stack(outs, axis=1) if return_sequences else outs[-1]


def gru(x, w, units, go_backwards=False, return_sequences=False):
    if len(w) == 3:
        kernel, recurrent, bias = w
    else:
        kernel, recurrent = w
        bias = np.zeros((2, 3 * units))
    batch, time, _ = x.shape
    h = np.zeros((batch, units))
    outs = []
    steps = range(time - 1, -1, -1) if go_backwards else range(time)
    for t in steps:
        xz = x[:, t, :] @ kernel + bias[0]
        hz = h @ recurrent + bias[1]
        z = sigmoid(xz[:, :units] + hz[:, :units])
        r = sigmoid(xz[:, units:2 * units] + hz[:, units:2 * units])
        hh = np.tanh(xz[:, 2 * units:] + r * hz[:, 2 * units:])
        h = z * h + (1.0 - z) * hh
        outs.append(h)
    return np.stack(outs, axis=1) if return_sequences else outs[-1]


def bidirectional(layer, merge, n_weights):
    def run(x, w, units, return_sequences=False):
        fwd = layer(x, w[:n_weights], units, False, return_sequences)
        bwd = layer(x, w[n_weights:], units, True, return_sequences)
        if return_sequences:
            bwd = bwd[:, ::-1, :]
        if merge == "concat":
            return np.concatenate([fwd, bwd], axis=-1)
        return fwd + bwd
    return run


def weights(kind, features, units, use_bias=True):
    gates = {"simple": 1, "lstm": 4, "gru": 3}[kind]
    w = [rng.uniform(-0.6, 0.6, (features, gates * units)),
         rng.uniform(-0.6, 0.6, (units, gates * units))]
    if use_bias:
        shape = (2, 3 * units) if kind == "gru" else (gates * units,)
        w.append(rng.uniform(-0.3, 0.3, shape))
    return w


def numeric_grad(f, arrays, index, eps=1e-6):
    base = arrays[index]
    grad = np.zeros_like(base)
    it = np.nditer(base, flags=["multi_index"])
    for _ in it:
        k = it.multi_index
        old = base[k]
        base[k] = old + eps
        plus = f()
        base[k] = old - eps
        minus = f()
        base[k] = old
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def fmt(name, field, a):
    shape = "x".join(str(d) for d in a.shape)
    return f"{name} {field} {shape} " + " ".join(repr(float(v)) for v in a.ravel())


CASES = [
    # name, function, kind, batch, time, features, units, options
    ("simple_rnn", simple_rnn, "simple", 2, 4, 3, 3, {}),
    ("simple_rnn_seq_back", simple_rnn, "simple", 2, 4, 3, 3,
     {"return_sequences": True, "go_backwards": True}),
    ("lstm", lstm, "lstm", 2, 3, 3, 2, {}),
    ("lstm_seq", lstm, "lstm", 2, 3, 3, 2, {"return_sequences": True}),
    ("lstm_back", lstm, "lstm", 2, 4, 2, 3, {"go_backwards": True}),
    ("gru", gru, "gru", 2, 3, 3, 2, {}),
    ("gru_seq_back", gru, "gru", 2, 4, 2, 3,
     {"return_sequences": True, "go_backwards": True}),
    ("gru_no_bias", gru, "gru", 2, 3, 3, 2, {"use_bias": False}),
    ("bidirectional_lstm_seq", bidirectional(lstm, "concat", 3), "lstm2", 2, 3, 2, 2,
     {"return_sequences": True}),
    ("bidirectional_gru_sum", bidirectional(gru, "sum", 3), "gru2", 2, 3, 2, 2, {}),
]


def main():
    lines = []
    for name, f, kind, batch, time, features, units, options in CASES:
        options = dict(options)
        use_bias = options.pop("use_bias", True)
        x = rng.normal(0.0, 1.0, (batch, time, features))
        if kind.endswith("2"):
            base = kind[:-1]
            w = weights(base, features, units) + weights(base, features, units)
        else:
            w = weights(kind, features, units, use_bias)
        y = f(x, w, units, **options)
        c = rng.uniform(0.5, 1.5, y.shape)
        arrays = [x] + w

        def loss():
            return float(np.sum(f(arrays[0], arrays[1:], units, **options) * c))

        grads = [numeric_grad(loss, arrays, i) for i in range(len(arrays))]
        lines.append(fmt(name, "x", x))
        for i, wi in enumerate(w):
            lines.append(fmt(name, f"w{i}", wi))
        lines.append(fmt(name, "y", y))
        lines.append(fmt(name, "c", c))
        lines.append(fmt(name, "gx", grads[0]))
        for i, g in enumerate(grads[1:]):
            lines.append(fmt(name, f"gw{i}", g))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn.txt")
    with open(out, "w") as fh:
        fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
