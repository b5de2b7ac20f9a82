"""Values from real Keras 3 for `tests/families/keras_rnn.rs`: GRU's `reset_after=False`,
`return_state` with initial states, and masks (`mask=` as `Masking` or
`Embedding(mask_zero=True)` make it) on SimpleRNN, LSTM, GRU and Bidirectional.

Run with Keras 3.15.1, JAX 0.10.2, NumPy, Python 3.11:

    KERAS_BACKEND=jax python3 tests/reference/keras_rnn.py > tests/reference/keras_rnn.txt

Each line: `case field shape v0 v1 ...` (the format of `tests/common/table.rs`). Fields: `x`
the input, `m` the mask `(batch, time)` (1 for a real step; the masked steps of `x` are
all zeros, so `Masking(0.0)` finds the same mask), `s0`, `s1`, ... the initial states, `w0`,
`w1`, ... the weights in Keras's order, `y` the output, `st0`, `st1`, ... the returned
states, `c` and `cs0`, ... the cotangents; `gx`, `gs0`, ..., `gw0`, ... the gradients of
`sum(y * c) + sum(st_i * cs_i)` that JAX computes through Keras's own layer. Nothing here
is computed but by Keras (and JAX's autodiff of it).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

rng = np.random.default_rng(7)
BATCH, TIME, FEATURES = 3, 5, 4
# 1 for a real step: right padding, a hole in the middle, a masked first step.
MASK = np.array(
    [[1, 1, 1, 0, 0], [1, 0, 1, 1, 0], [0, 1, 1, 1, 1]], np.float32
)


def emit(case, field, a):
    a = np.asarray(a, np.float64)
    shape = "x".join(str(d) for d in a.shape) if a.shape else "-"
    print(case, field, shape, " ".join(repr(float(v)) for v in a.ravel()))


def run(case, layer, masked=False, states=0, state_units=()):
    x = rng.normal(size=(BATCH, TIME, FEATURES)).astype(np.float32)
    if masked:
        x = x * MASK[:, :, None]
    init = [
        rng.normal(size=(BATCH, u)).astype(np.float32) for u in state_units[:states]
    ]
    layer.build((BATCH, TIME, FEATURES))
    for w in layer.trainable_variables:
        w.assign(rng.uniform(-0.8, 0.8, size=w.shape).astype(np.float32))
    weights = [np.asarray(w.value) for w in layer.trainable_variables]
    kwargs = {}
    if masked:
        kwargs["mask"] = jnp.asarray(MASK.astype(bool))

    def forward(x, init, weights):
        extra = dict(kwargs)
        if init:
            extra["initial_state"] = list(init)
        out, _ = layer.stateless_call(
            weights, [v.value for v in layer.non_trainable_variables], x, **extra
        )
        return out if isinstance(out, (list, tuple)) else [out]

    outs = forward(jnp.asarray(x), [jnp.asarray(s) for s in init], [jnp.asarray(w) for w in weights])
    cots = [rng.normal(size=o.shape).astype(np.float32) for o in outs]

    def loss(x, init, weights):
        return sum(jnp.sum(o * c) for o, c in zip(forward(x, init, weights), cots))

    gx, gs, gw = jax.grad(loss, argnums=(0, 1, 2))(
        jnp.asarray(x), [jnp.asarray(s) for s in init], [jnp.asarray(w) for w in weights]
    )
    emit(case, "x", x)
    if masked:
        emit(case, "m", MASK)
    for i, s in enumerate(init):
        emit(case, f"s{i}", s)
    for i, w in enumerate(weights):
        emit(case, f"w{i}", w)
    emit(case, "y", outs[0])
    emit(case, "c", cots[0])
    for i, (o, c) in enumerate(zip(outs[1:], cots[1:])):
        emit(case, f"st{i}", o)
        emit(case, f"cs{i}", c)
    emit(case, "gx", gx)
    for i, g in enumerate(gs):
        emit(case, f"gs{i}", g)
    for i, g in enumerate(gw):
        emit(case, f"gw{i}", g)


L = keras.layers
# 1. GRU's reset_after=False.
run("gru_reset_before", L.GRU(3, reset_after=False))
run("gru_reset_before_seq_back", L.GRU(3, reset_after=False, return_sequences=True, go_backwards=True))
run("gru_reset_before_no_bias", L.GRU(2, reset_after=False, use_bias=False, return_sequences=True))
# 2. return_state and initial states.
run("lstm_state", L.LSTM(3, return_state=True), states=2, state_units=(3, 3))
run("lstm_state_seq_back", L.LSTM(2, return_state=True, return_sequences=True, go_backwards=True), states=2, state_units=(2, 2))
run("gru_state_seq", L.GRU(3, return_state=True, return_sequences=True), states=1, state_units=(3,))
run("gru_reset_before_state", L.GRU(3, reset_after=False, return_state=True), states=1, state_units=(3,))
run("simple_rnn_state_back", L.SimpleRNN(3, return_state=True, go_backwards=True), states=1, state_units=(3,))
run("lstm_state_no_initial", L.LSTM(2, return_state=True))
# 3. Masks.
run("simple_rnn_mask_seq", L.SimpleRNN(3, return_sequences=True), masked=True)
run("simple_rnn_mask_seq_back", L.SimpleRNN(3, return_sequences=True, go_backwards=True), masked=True)
run("lstm_mask", L.LSTM(3), masked=True)
run("lstm_mask_seq", L.LSTM(3, return_sequences=True), masked=True)
run("lstm_mask_seq_back", L.LSTM(2, return_sequences=True, go_backwards=True), masked=True)
run("gru_mask_seq", L.GRU(3, return_sequences=True), masked=True)
run("gru_mask_back", L.GRU(3, go_backwards=True), masked=True)
run("gru_reset_before_mask_seq", L.GRU(3, reset_after=False, return_sequences=True), masked=True)
run("lstm_mask_state", L.LSTM(3, return_state=True, return_sequences=True), masked=True, states=2, state_units=(3, 3))
run("bidirectional_lstm_mask_seq", L.Bidirectional(L.LSTM(2, return_sequences=True)), masked=True)
run("bidirectional_gru_mask_sum", L.Bidirectional(L.GRU(2), merge_mode="sum"), masked=True)
