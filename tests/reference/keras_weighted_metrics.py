"""Reference values for tests/api/weighted_metrics.rs: `compile(weighted_metrics=...)` in
Keras 3.15.1, with `fit` (sample_weight, class_weight, a validation split), `evaluate`
and `train_on_batch` with sample weights, the threshold metrics, and a masked sequence
output with per-position weights.

Run: KERAS_BACKEND=jax python tests/reference/keras_weighted_metrics.py
"""
import numpy as np
import keras

np.set_printoptions(precision=10)

x = (np.sin(np.arange(16, dtype=np.float64)) * 0.8).astype("float32").reshape(8, 2)
y = np.array([0, 2, 1, 2, 0, 1, 2, 0], dtype="float32")
sw = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25], dtype="float32")


def model():
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    m.set_weights([
        np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype="float32"),
        np.array([0.01, -0.02, 0.03], dtype="float32"),
    ])
    m.compile(
        keras.optimizers.SGD(0.5),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        weighted_metrics=["accuracy", "sparse_categorical_crossentropy"],
    )
    return m


def show(tag, d):
    print(tag, {k: [float(v) for v in np.ravel(vals)] for k, vals in d.items()})


for name, kwargs in [
    ("sample_weight", dict(sample_weight=sw)),
    ("class_weight", dict(class_weight={0: 1.0, 2: 3.0})),
    ("none", dict()),
]:
    m = model()
    h = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, validation_split=0.25, verbose=0, **kwargs)
    show(name, h.history)

m = model()
show("evaluate", m.evaluate(x, y, sample_weight=sw, batch_size=3, verbose=0, return_dict=True))

m = model()
show("train_on_batch", m.train_on_batch(x, y, sample_weight=sw, return_dict=True))

# A binary output: the threshold metrics and the regression ones, weighted.
xb = (np.cos(np.arange(18, dtype=np.float64)) * 0.9).astype("float32").reshape(9, 2)
yb = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1], dtype="float32").reshape(9, 1)
swb = np.array([0.5, 2.0, 1.0, 0.0, 3.0, 1.0, 0.25, 1.5, 2.0], dtype="float32")
mb = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
mb.set_weights([np.array([[0.7], [-1.1]], dtype="float32"), np.array([0.05], dtype="float32")])
mb.compile(
    "sgd",
    "binary_crossentropy",
    metrics=["binary_accuracy"],
    weighted_metrics=[
        "binary_accuracy",
        keras.metrics.Precision(),
        keras.metrics.Recall(),
        keras.metrics.AUC(),
        keras.metrics.TruePositives(),
        keras.metrics.FalseNegatives(),
        keras.metrics.RootMeanSquaredError(),
        "mae",
        keras.metrics.PrecisionAtRecall(0.5),
    ],
)
print("binary predictions", mb.predict(xb, verbose=0).ravel().tolist())
show("binary", mb.evaluate(xb, yb, sample_weight=swb, batch_size=4, verbose=0, return_dict=True))

# A masked sequence output with one weight per position.
tokens = np.array([[3, 1, 4, 0], [2, 0, 0, 0], [5, 2, 1, 3]], dtype="int32")
ys = np.array([[1, 0, 2, 0], [2, 0, 0, 0], [0, 2, 1, 1]], dtype="float32")
sws = np.array([[1.0, 2.0, 0.5, 9.0], [3.0, 9.0, 9.0, 9.0], [0.25, 1.0, 1.5, 2.0]], dtype="float32")
ms = keras.Sequential([
    keras.Input((4,), dtype="int32"),
    keras.layers.Embedding(6, 2, mask_zero=True),
    keras.layers.Dense(3, activation="softmax"),
])
emb = (np.sin(np.arange(12, dtype=np.float64) * 0.7)).astype("float32").reshape(6, 2)
ms.set_weights([
    emb,
    np.array([[0.3, -0.5, 0.2], [0.6, 0.1, -0.4]], dtype="float32"),
    np.array([0.0, 0.1, -0.1], dtype="float32"),
])
ms.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"],
           weighted_metrics=["accuracy", "sparse_categorical_crossentropy"])
show("masked", ms.evaluate(tokens, ys, sample_weight=sws, batch_size=2, verbose=0, return_dict=True))

# The F-scores, weighted, on one-hot targets of the first data, in batches of 3, 3 and 2.
mf = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
mf.set_weights([
    np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype="float32"),
    np.array([0.01, -0.02, 0.03], dtype="float32"),
])
mf.compile("sgd", "categorical_crossentropy", weighted_metrics=[
    keras.metrics.F1Score(average="macro"),
    keras.metrics.FBetaScore(beta=2.0, average="weighted", threshold=0.35),
    keras.metrics.F1Score(average="micro", name="f1_micro"),
])
y1 = np.eye(3, dtype="float32")[y.astype("int64")]
show("fscores", mf.evaluate(x, y1, sample_weight=sw, batch_size=3, verbose=0, return_dict=True))
