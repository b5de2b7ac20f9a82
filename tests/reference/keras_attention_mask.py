"""Values from real Keras 3 for `tests/families/keras_attention_mask.rs`: `MultiHeadAttention`
with Keras's masks (the query's own mask, `value_mask`, `key_mask`, `attention_mask`,
`use_causal_mask`), cross-attention with query, value and key of different feature sizes,
and `return_attention_scores`; and `BatchNormalization` given a mask (the `batchnorm_*`
cases, fields described in `batchnorm`).

Run with Keras 3.15.1, JAX 0.10.2, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_attention_mask.py \
        > tests/reference/keras_attention_mask.txt

Each line: `case field shape v0 v1 ...` (the format of `tests/common/table.rs`). Fields: `q`,
`v`, `k` the query, value and key (a self-attention case has `q` only: `mha(q, q)`), `qm`,
`vm`, `km`, `am` the masks (1 for a position that takes part), `w0`, `w1`, ... the weights in
Keras's order, `y` the output, `s` the attention scores (cases that return them), `c` and
`cs` the cotangents, `gq`, `gv`, `gk`, `gw0`, ... the gradients of `sum(y * c) + sum(s * cs)`
that JAX computes through Keras's own layer. The query's mask is set on the query tensor
(`backend.set_keras_mask`), as `Masking` or `Embedding(mask_zero=True)` set it: Keras 3.15.1
reads the query mask from there and ignores a `query_mask` argument. A self-attention case
gives the same mask to the query and (as `value_mask`) to the value, as `mha(x, x)` does
when `x` carries a mask. Nothing here is computed but by Keras (and JAX's autodiff of it);
a NumPy check of the masked softmax only guards that the masks reached the layer.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src import backend  # noqa: E402

rng = np.random.default_rng(11)
BATCH = 2
# Query masks: a padded tail, and a masked first step (which, causal, sees no key at all).
QUERY_MASK = np.array([[1, 1, 1, 0], [0, 1, 1, 1]], np.float32)
# Value masks over 5 keys, and key masks.
VALUE_MASK = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], np.float32)
KEY_MASK = np.array([[1, 0, 1, 1, 1], [0, 1, 1, 0, 1]], np.float32)


def emit(case, field, a):
    a = np.asarray(a, np.float64)
    shape = "x".join(str(d) for d in a.shape) if a.shape else "-"
    print(case, field, shape, " ".join(repr(float(v)) for v in a.ravel()))


def run(case, layer, q, v=None, k=None, qm=None, vm=None, km=None, am=None,
        causal=False, scores=False):
    self_attention = v is None
    layer.build(q.shape, q.shape if self_attention else v.shape,
                None if k is None else k.shape)
    for w in layer.trainable_variables:
        w.assign(rng.uniform(-0.8, 0.8, size=w.shape).astype(np.float32))
    weights = [np.asarray(w.value) for w in layer.trainable_variables]

    def forward(inputs, weights):
        query = inputs[0]
        value = query if self_attention else inputs[1]
        key = inputs[2] if len(inputs) > 2 else None
        if qm is not None:
            backend.set_keras_mask(query, jnp.asarray(qm.astype(bool)))
        kwargs = dict(use_causal_mask=causal, return_attention_scores=scores)
        if self_attention and qm is not None:
            kwargs["value_mask"] = jnp.asarray(qm.astype(bool))
        if vm is not None:
            kwargs["value_mask"] = jnp.asarray(vm.astype(bool))
        if km is not None:
            kwargs["key_mask"] = jnp.asarray(km.astype(bool))
        if am is not None:
            kwargs["attention_mask"] = jnp.asarray(am.astype(bool))
        out, _ = layer.stateless_call(weights, [], query, value, key, **kwargs)
        return list(out) if scores else [out]

    inputs = [q] if self_attention else ([q, v] if k is None else [q, v, k])
    inputs = [jnp.asarray(a) for a in inputs]
    jw = [jnp.asarray(w) for w in weights]
    outs = forward(list(inputs), jw)
    cots = [rng.normal(size=o.shape).astype(np.float32) for o in outs]

    def loss(inputs, weights):
        return sum(jnp.sum(o * c) for o, c in zip(forward(list(inputs), weights), cots))

    gi, gw = jax.grad(loss, argnums=(0, 1))(inputs, jw)
    if scores:
        check_scores(case, np.asarray(outs[1]), q, v, k, weights, qm, vm, km, am, causal,
                     self_attention)
    for name, a in zip(["q", "v", "k"], inputs):
        emit(case, name, a)
    for name, m in [("qm", qm), ("vm", vm), ("km", km), ("am", am)]:
        if m is not None:
            emit(case, name, m)
    for i, w in enumerate(weights):
        emit(case, f"w{i}", w)
    emit(case, "y", outs[0])
    emit(case, "c", cots[0])
    if scores:
        emit(case, "s", outs[1])
        emit(case, "cs", cots[1])
    for name, g in zip(["gq", "gv", "gk"], gi):
        emit(case, name, g)
    for i, g in enumerate(gw):
        emit(case, f"gw{i}", g)


def check_scores(case, s, q, v, k, weights, qm, vm, km, am, causal, self_attention):
    """The masks reached the layer: NumPy's masked softmax gives Keras's scores."""
    v = q if self_attention else v
    k = v if k is None else k
    if len(weights) == 8:
        qk, qb, kk, kb = weights[:4]
    else:  # no biases
        qk, kk = weights[0], weights[1]
        qb, kb = np.zeros(qk.shape[1:], np.float32), np.zeros(kk.shape[1:], np.float32)
    qp = np.einsum("btf,fnh->bnth", q, qk) + qb[None, :, None, :]
    kp = np.einsum("bsf,fnh->bnsh", k, kk) + kb[None, :, None, :]
    logits = np.einsum("bnth,bnsh->bnts", qp, kp) / np.sqrt(qk.shape[-1])
    allowed = np.ones(logits.shape[:1] + logits.shape[2:], bool)
    if qm is not None:
        allowed &= qm.astype(bool)[:, :, None]
    if self_attention and qm is not None:
        allowed &= qm.astype(bool)[:, None, :]
    for m in (vm, km):
        if m is not None:
            allowed &= m.astype(bool)[:, None, :]
    if am is not None:
        allowed &= am.astype(bool)
    if causal:
        allowed &= np.tril(np.ones(allowed.shape[1:], bool))[None]
    allowed = allowed[:, None]
    z = np.where(allowed, logits, -1e9)
    p = np.exp(z - z.max(-1, keepdims=True))
    p = np.where(allowed, p / p.sum(-1, keepdims=True), 0.0)
    assert np.abs(p - s).max() < 1e-5, (case, np.abs(p - s).max())


def normal(*shape):
    return rng.normal(size=shape).astype(np.float32)


MHA = keras.layers.MultiHeadAttention
# Self-attention with the query's mask (`mha(x, x)` on a masked `x`), then causal too.
run("self_masked", MHA(2, 3), normal(BATCH, 4, 6), qm=QUERY_MASK)
run("self_masked_causal", MHA(2, 3), normal(BATCH, 4, 6), qm=QUERY_MASK, causal=True)
run("self_masked_scores", MHA(2, 3), normal(BATCH, 4, 6), qm=QUERY_MASK, causal=True,
    scores=True)
# Cross-attention: query, value and key of 6, 3 and 5 features, no masks. (Keras's fused
# path, taken without scores or dropout, fails in JAX when value_dim differs from key_dim;
# the explicit path, with scores, has value_dim 4 below.)
run("cross_plain", MHA(2, 3, output_shape=4), normal(BATCH, 4, 6),
    normal(BATCH, 5, 3), normal(BATCH, 5, 5))
# Without a key (the value is the key), with query and value masks and scores.
run("cross_masked", MHA(3, 2, value_dim=4), normal(BATCH, 4, 6), normal(BATCH, 5, 3), qm=QUERY_MASK,
    vm=VALUE_MASK, scores=True)
# Every mask at once, causal, with scores, no biases.
AM = (rng.uniform(size=(BATCH, 4, 5)) > 0.3).astype(np.float32)
run("cross_all_masks", MHA(2, 3, use_bias=False), normal(BATCH, 4, 6), normal(BATCH, 5, 3),
    normal(BATCH, 5, 5), qm=QUERY_MASK, vm=VALUE_MASK, km=KEY_MASK, am=AM, causal=True,
    scores=True)
# The same masks on the fused path (no scores): fully masked queries attend evenly.
run("cross_all_masks_fused", MHA(2, 3), normal(BATCH, 4, 6), normal(BATCH, 5, 3),
    normal(BATCH, 5, 5), qm=QUERY_MASK, vm=VALUE_MASK, km=KEY_MASK, am=AM, causal=True)


def batchnorm(case, training):
    """`BatchNormalization` given a `(batch, time)` mask (Keras's masked moments in
    training): `x`, `m`, `w0` gamma, `w1` beta, `mm0`/`mv0` the moving statistics before,
    `y`, `mm`/`mv` after, `c`, and the gradients `gx`, `gw0`, `gw1` of `sum(y * c)`."""
    layer = keras.layers.BatchNormalization(momentum=0.9)
    x = normal(3, 4, 2) * 2.0 + 1.0
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 1, 1, 1]], np.float32)
    x[mask == 0] = 50.0  # the padding, far off: it must count for nothing
    layer.build(x.shape)
    gamma, beta = [rng.uniform(0.5, 1.5, size=(2,)).astype(np.float32) for _ in range(2)]
    moving = [rng.uniform(0.1, 1.0, size=(2,)).astype(np.float32) for _ in range(2)]

    def forward(x, weights):
        y, new = layer.stateless_call(weights, [jnp.asarray(m) for m in moving], x,
                                      training=training, mask=jnp.asarray(mask.astype(bool)))
        return y, new

    y, new = forward(jnp.asarray(x), [jnp.asarray(gamma), jnp.asarray(beta)])
    c = rng.normal(size=y.shape).astype(np.float32)
    gx, gw = jax.grad(lambda x, w: jnp.sum(forward(x, w)[0] * c), argnums=(0, 1))(
        jnp.asarray(x), [jnp.asarray(gamma), jnp.asarray(beta)])
    for name, a in [("x", x), ("m", mask), ("w0", gamma), ("w1", beta), ("mm0", moving[0]),
                    ("mv0", moving[1]), ("y", y), ("mm", new[0]), ("mv", new[1]), ("c", c),
                    ("gx", gx), ("gw0", gw[0]), ("gw1", gw[1])]:
        emit(case, name, a)


batchnorm("batchnorm_training", True)
batchnorm("batchnorm_inference", False)
