"""Values from real Keras for `tests/families/keras_diff.rs`: the cases where `layers` once
disagreed with Keras 3 (found by a differential audit against Keras on random cases).

Run with Keras 3.15.1, JAX 0.10.2, NumPy, Python 3.11, `KERAS_BACKEND=jax`:

    KERAS_BACKEND=jax python3 tests/reference/keras_diff.py

It prints the Rust arrays the tests embed. Each case runs Keras's own optimizer or layer on
float32 weights; nothing is computed here but by Keras.
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402

W0 = np.array([0.3148, -0.2, 1.5, -0.0625], np.float32)
GRADS = np.array(
    [
        [14.5, -0.115, 0.75, -3.0],
        [-0.0236, 2.0, 0.5, 1.0],
        [1.0, 1.0, -1.0, 0.25],
        [-7.0, 0.5, 0.001, 2.0],
        [0.3, -0.3, 4.0, -1.0],
    ],
    np.float32,
)


def rust(name, values):
    body = ", ".join(str(v) for v in np.asarray(values, np.float32).ravel())
    print(f"const {name}: [f32; {np.asarray(values).size}] = [{body}];")


def five_steps(name, optimizer):
    """The weights after each of 5 steps from GRADS (one row per step)."""
    w = keras.Variable(W0)
    after = []
    for g in GRADS:
        optimizer.apply_gradients([(g, w)])
        after.append(np.asarray(w.value))
    rust(name, np.stack(after))


rust("W0", W0)
rust("GRADS", GRADS)
# 1 − β₂ with β₂ = 0.999: Keras multiplies by 0.001, from the Python float.
five_steps("ADAM", keras.optimizers.Adam(learning_rate=0.5))
five_steps("ADAM_AMSGRAD", keras.optimizers.Adam(learning_rate=0.1, amsgrad=True, beta_2=0.99))
five_steps("ADAMW", keras.optimizers.AdamW(learning_rate=0.5, weight_decay=0.1))
five_steps("RMSPROP", keras.optimizers.RMSprop(learning_rate=0.01, rho=0.999))
five_steps("RMSPROP_CENTERED", keras.optimizers.RMSprop(learning_rate=0.01, rho=0.99, centered=True))

# BatchNormalization's moving statistics after two training calls, momentum 0.999.
x = np.array([[0.5, -1.0, 2.0], [1.5, 3.0, -2.0], [-0.25, 0.0, 7.0], [2.0, 1.0, 1.0]], np.float32)
bn = keras.layers.BatchNormalization(momentum=0.999)
bn.build(x.shape)
bn.set_weights([np.ones(3, np.float32), np.zeros(3, np.float32),
                np.array([0.1, -0.2, 0.3], np.float32), np.array([1.0, 2.0, 0.5], np.float32)])
bn(x, training=True)
bn(x * 2.0, training=True)
rust("BN_X", x)
rust("BN_MOVING_MEAN", bn.moving_mean.value)
rust("BN_MOVING_VARIANCE", bn.moving_variance.value)

# Conv1D with `causal` padding: the output and the gradients of sum(y * c) with respect to
# the input, kernel and bias, for a dilated case and a strided one.
import jax  # noqa: E402

CX = (np.arange(2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3) % 5 - 2.0) * 0.5
for name, kernel, stride, dilation in [("CAUSAL_D2", 3, 1, 2), ("CAUSAL_S2", 2, 2, 1)]:
    conv = keras.layers.Conv1D(2, kernel, strides=stride, dilation_rate=dilation, padding="causal")
    conv.build(CX.shape)
    k = (np.arange(kernel * 3 * 2, dtype=np.float32).reshape(kernel, 3, 2) % 7 - 3.0) * 0.25
    b = np.array([0.5, -0.25], np.float32)
    conv.set_weights([k, b])
    y = np.asarray(conv(CX))
    c = (np.arange(y.size, dtype=np.float32).reshape(y.shape) % 3 - 1.0)

    def loss(x, k, b):
        out, _ = conv.stateless_call([k, b], [], x)
        return (out * c).sum()

    gx, gk, gb = jax.grad(loss, argnums=(0, 1, 2))(CX, k, b)
    rust(f"{name}_Y", y)
    rust(f"{name}_GX", gx)
    rust(f"{name}_GK", gk)
    rust(f"{name}_GB", gb)
    print(f"// {name}: y shape {y.shape}")

# Label smoothing in the crossentropies: the loss and its gradient with respect to y_pred.
LY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]], np.float32)
LP = np.array([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25], [0.1, 0.3, 0.6], [0.05, 0.9, 0.05]], np.float32)
LZ = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0], [-1.5, 0.25, 1.0], [4.0, -4.0, 0.0]], np.float32)
for name, loss, pred in [
    ("LS_BCE", keras.losses.BinaryCrossentropy(label_smoothing=0.1), LP),
    ("LS_BCE_LOGITS", keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2), LZ),
    ("LS_CCE", keras.losses.CategoricalCrossentropy(label_smoothing=0.1), LP),
    ("LS_CCE_LOGITS", keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3), LZ),
]:
    value, grad = jax.value_and_grad(lambda p, loss=loss: loss(LY, p))(pred)
    rust(f"{name}", [value])
    rust(f"{name}_GRAD", grad)

# Conv2DTranspose with `output_padding` (tests/families/output_padding.rs): the output and the
# gradients of sum(y * c) with respect to the input, kernel and bias.
# name, input shape, filters, kernel, strides, padding, dilation, output_padding
OUTPUT_PADDING = [
    ("OP_VALID", (1, 3, 4, 2), 3, (3, 3), (2, 2), "valid", (1, 1), (1, 0)),
    ("OP_SAME_EVEN", (2, 2, 3, 1), 2, (4, 3), (2, 3), "same", (1, 1), (0, 2)),
    ("OP_SAME_DILATED", (1, 3, 4, 2), 2, (3, 2), (1, 1), "same", (2, 2), (0, 0)),
    ("OP_VALID_WIDE", (1, 2, 2, 1), 1, (2, 2), (3, 3), "valid", (1, 1), (0, 2)),
    ("OP_SAME_ODD", (1, 3, 2, 1), 2, (3, 5), (2, 3), "same", (1, 1), (1, 2)),
]
for name, xs, f, k, s, pad, d, op in OUTPUT_PADDING:
    conv = keras.layers.Conv2DTranspose(
        f, k, strides=s, padding=pad, dilation_rate=d, output_padding=op
    )
    x = (np.arange(np.prod(xs), dtype=np.float32).reshape(xs) % 5 - 2.0) * 0.5
    conv.build(xs)
    shape = tuple(conv.kernel.shape)
    kk = (np.arange(np.prod(shape), dtype=np.float32).reshape(shape) % 7 - 3.0) * 0.25
    b = (np.arange(f, dtype=np.float32) - 0.5) * 0.5
    conv.set_weights([kk, b])
    y = np.asarray(conv(x))
    c = ((np.arange(y.size, dtype=np.float32).reshape(y.shape) * 7) % 11 - 5.0) * 0.25

    def loss(x, k, b):
        out, _ = conv.stateless_call([k, b], [], x)
        return (out * c).sum()

    gx, gk, gb = jax.grad(loss, argnums=(0, 1, 2))(x, kk, b)
    print(f"// {name}: y shape {y.shape}")
    rust(f"{name}_Y", y)
    rust(f"{name}_GX", gx)
    rust(f"{name}_GK", gk)
    rust(f"{name}_GB", gb)
