"""Reference values for tests/families/masked_loss.rs: Keras 3 weighs the loss and the
mean metrics of a masked output by its mask (the mean over the unmasked positions).

Run: KERAS_BACKEND=jax python tests/reference/keras_masked_loss.py (Keras 3.15.1).
Weights are w[i] = 0.5 * sin(i + 1 + offset) over each weight in Keras's order, so the
Rust test makes the same ones.
"""
import numpy as np
import keras


def fill(model):
    offset = 0
    for w in model.weights:
        n = int(np.prod(w.shape))
        vals = 0.5 * np.sin(np.arange(n, dtype=np.float64) + 1 + offset)
        w.assign(vals.astype("float32").reshape(w.shape))
        offset += n


x = np.array([[3, 1, 0, 0], [2, 4, 1, 0], [5, 0, 0, 0]], dtype="int32")
labels = np.array([[1, 2, 0, 0], [0, 1, 2, 1], [2, 0, 1, 1]], dtype="float32")
targets = np.sin(np.arange(12, dtype=np.float64)).astype("float32").reshape(3, 4, 1)


def model(units_out, activation):
    m = keras.Sequential([
        keras.Input((4,)),
        keras.layers.Embedding(6, 3, mask_zero=True),
        keras.layers.LSTM(2, return_sequences=True),
        keras.layers.Dense(units_out, activation=activation),
    ])
    fill(m)
    return m


np.set_printoptions(precision=9, floatmode="unique")
for name, units, act, loss, metrics, y in [
    ("scce", 3, "softmax", "sparse_categorical_crossentropy", ["accuracy"], labels),
    ("mse", 1, None, "mse", ["mae"], targets),
]:
    m = model(units, act)
    m.compile(keras.optimizers.SGD(0.5), loss, metrics=metrics)
    print(name, "evaluate", m.evaluate(x, y, verbose=0))
    print(name, "evaluate in batches of 2", m.evaluate(x, y, batch_size=2, verbose=0))
    m.train_on_batch(x, y)
    print(name, "dense.kernel after one step", m.weights[-2].numpy().ravel().tolist())
    print(name, "embedding after one step", m.weights[0].numpy().ravel().tolist())
