"""Reference values of Keras 3's losses and their gradients with respect to y_pred, computed
in double precision with Python's `math` module from the formulas of keras/src/losses and
keras/src/backend (independent of the Rust code, including its autograd: every gradient
below is derived by hand).

Run `python3 tests/reference/losses.py > tests/reference/losses.txt` to regenerate the table
that `tests/losses.rs` reads. One line per case, fields separated by tabs:

    name  loss  y_true_shape  y_true  y_pred_shape  y_pred  value  gradient

Shapes and values are comma-separated; the gradient has y_pred's shape. Inputs are rounded
to float32 first, so Rust and Python start from the same numbers. Keras clips probabilities
to [epsilon, 1 - epsilon] with both bounds as float32 tensors, so the bounds are rounded the
same way (1 - 1e-7 becomes 0.99999988079071044921875).

Reduction (Keras's sum_over_batch_size): the per-element loss is averaged over the last axis
of each sample, then over the batch; for the crossentropies the per-position sum over the
class axis is averaged over positions. With equal lanes both are plain means.
"""
import math
import struct


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


LO = f32(1e-7)
HI = f32(1.0 - 1e-7)


def clip(p):
    return min(max(p, LO), HI)


def in_clip(p):
    # tf.clip_by_value passes the gradient where lo <= p <= hi.
    return 1.0 if LO <= p <= HI else 0.0


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def sign(x):
    return (x > 0) - (x < 0)


# ---- elementwise losses: value and derivative per element, then a plain mean -------------

def elementwise(per_element):
    def loss(y, p):
        n = len(p)
        vals = [per_element(t, q) for t, q in zip(y, p)]
        value = sum(v for v, _ in vals) / n
        grad = [d / n for _, d in vals]
        return value, grad

    return loss


def mse(t, p):
    return (p - t) ** 2, 2 * (p - t)


def mae(t, p):
    return abs(p - t), float(sign(p - t))


def huber(delta):
    def f(t, p):
        e = p - t
        if abs(e) <= delta:
            return 0.5 * e * e, e
        return delta * abs(e) - 0.5 * delta * delta, delta * sign(e)

    return f


def bce(t, p):
    q = clip(p)
    value = -(t * math.log(q) + (1 - t) * math.log(1 - q))
    return value, (-t / q + (1 - t) / (1 - q)) * in_clip(p)


def bce_logits(t, x):
    # max(x, 0) - x*t + log(1 + exp(-|x|)); derivative sigmoid(x) - t
    return softplus(x) - x * t, sigmoid(x) - t


# ---- categorical losses: per lane of the last axis ---------------------------------------

def lanes(values, width):
    return [values[i:i + width] for i in range(0, len(values), width)]


def cce_lane(y, p):
    """-sum y log clip(p / sum p), with d/dp through the normalisation."""
    s = sum(p)
    q = [v / s for v in p]
    value = -sum(t * math.log(clip(v)) for t, v in zip(y, q))
    a = [-t / clip(v) * in_clip(v) for t, v in zip(y, q)]  # d value / d q
    ap = sum(aj * pj for aj, pj in zip(a, p))
    grad = [ak / s - ap / (s * s) for ak in a]
    return value, grad


def cce_logits_lane(y, x):
    m = max(x)
    lse = m + math.log(sum(math.exp(v - m) for v in x))
    value = -sum(t * (v - lse) for t, v in zip(y, x))
    ty = sum(y)
    grad = [math.exp(v - lse) * ty - t for t, v in zip(y, x)]
    return value, grad


def categorical(lane_fn, width):
    def loss(y, p):
        ys, ps = lanes(y, width), lanes(p, width)
        out = [lane_fn(a, b) for a, b in zip(ys, ps)]
        n = len(out)
        value = sum(v for v, _ in out) / n
        grad = [g / n for _, gs in out for g in gs]
        return value, grad

    return loss


def sparse(lane_fn, width):
    def loss(labels, p):
        onehot = []
        for c in labels:
            onehot += [1.0 if j == int(c) else 0.0 for j in range(width)]
        return categorical(lane_fn, width)(onehot, p)

    return loss


def seq(seed, n, lo, hi):
    """Deterministic values in [lo, hi), two decimals (a small LCG, no dependencies)."""
    out = []
    state = seed
    for _ in range(n):
        state = (state * 1103515245 + 12345) % 2**31
        out.append(round(lo + (hi - lo) * state / 2**31, 2))
    return out


CASES = [
    # name, loss spec, y_true shape, y_true, y_pred shape, y_pred, function
    ("mse", "mse", [2, 3], seq(1, 6, -1, 1), [2, 3], seq(2, 6, -2, 2), elementwise(mse)),
    ("mse_expand_rank", "mse", [4], [0.0, 1.0, 2.0, 3.0], [4, 1], [0.5, 1.0, 1.0, 4.5], elementwise(mse)),
    ("mae", "mae", [2, 3], seq(3, 6, -1, 1), [2, 3], seq(4, 6, -2, 2), elementwise(mae)),
    ("huber", "huber:1", [2, 4], [0.0] * 8, [2, 4], [0.3, -0.7, 1.5, -2.5, 0.99, -1.01, 4.0, 0.0], elementwise(huber(1.0))),
    ("huber_delta", "huber:0.5", [3, 2], seq(5, 6, -1, 1), [3, 2], seq(6, 6, -2, 2), elementwise(huber(0.5))),
    ("bce", "bce", [4, 1], [1.0, 0.0, 1.0, 0.0], [4, 1], [0.9, 0.2, 0.35, 0.6], elementwise(bce)),
    # predictions at and beyond the clip bounds: clipped, gradient 0 there
    ("bce_clipped", "bce", [2, 2], [1.0, 0.0, 0.0, 1.0], [2, 2], [1.0, 0.0, 1.0, 0.0], elementwise(bce)),
    ("bce_soft_labels", "bce", [2, 3], [0.1, 0.5, 0.9, 1.0, 0.0, 0.3], [2, 3], [0.2, 0.5, 0.7, 0.95, 0.05, 0.5], elementwise(bce)),
    ("bce_logits", "bce_logits", [2, 3], [1.0, 0.0, 1.0, 0.0, 1.0, 0.5], [2, 3], seq(7, 6, -4, 4), elementwise(bce_logits)),
    ("bce_logits_extreme", "bce_logits", [4, 1], [1.0, 0.0, 0.0, 1.0], [4, 1], [1000.0, -1000.0, 1000.0, -1000.0], elementwise(bce_logits)),
    ("cce", "cce", [3, 4], [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1], [3, 4], seq(8, 12, 0.05, 1), categorical(cce_lane, 4)),
    ("cce_soft_labels", "cce", [2, 3], [0.2, 0.3, 0.5, 0.0, 0.5, 0.5], [2, 3], [2.0, 1.0, 1.0, 0.5, 0.25, 0.25], categorical(cce_lane, 3)),
    # a zero probability is clipped to 1e-7 (gradient 0 through the clip there)
    ("cce_clipped", "cce", [2, 3], [1, 0, 0, 0, 0, 1], [2, 3], [0.0, 0.5, 0.5, 0.3, 0.7, 0.0], categorical(cce_lane, 3)),
    ("cce_logits", "cce_logits", [3, 4], [0, 0, 1, 0, 0.5, 0.5, 0, 0, 1, 0, 0, 0], [3, 4], seq(9, 12, -3, 3), categorical(cce_logits_lane, 4)),
    ("cce_logits_extreme", "cce_logits", [2, 3], [1, 0, 0, 0, 0, 1], [2, 3], [1000.0, -1000.0, 0.0, 1000.0, -1000.0, 0.0], categorical(cce_logits_lane, 3)),
    ("scce", "scce", [4], [0, 2, 1, 2], [4, 3], seq(10, 12, 0.05, 1), sparse(cce_lane, 3)),
    ("scce_column_labels", "scce", [4, 1], [1, 1, 0, 2], [4, 3], seq(11, 12, 0.05, 1), sparse(cce_lane, 3)),
    ("scce_logits", "scce_logits", [3], [3, 0, 1], [3, 4], seq(12, 12, -3, 3), sparse(cce_logits_lane, 4)),
    ("scce_logits_extreme", "scce_logits", [3], [0, 1, 2], [3, 3], [1000.0, -1000.0, 0.0, 1000.0, -1000.0, 0.0, -1000.0, 1000.0, 0.0], sparse(cce_logits_lane, 3)),
    ("scce_logits_sequence", "scce_logits", [2, 2], [0, 2, 1, 1], [2, 2, 3], seq(13, 12, -2, 2), sparse(cce_logits_lane, 3)),
]


def fmt(values):
    return ",".join(repr(float(v)) for v in values)


def main():
    for name, spec, ts, y, ps, p, fn in CASES:
        y = [f32(float(v)) for v in y]
        p = [f32(float(v)) for v in p]
        value, grad = fn(y, p)
        shape = lambda s: ",".join(str(d) for d in s)
        print("\t".join([name, spec, shape(ts), fmt(y), shape(ps), fmt(p), repr(value), fmt(grad)]))


if __name__ == "__main__":
    main()
