"""Reference values for tests/api/sample_weight.rs: `fit` with `sample_weight` and
`class_weight` (and a validation split) in Keras 3.15.1.

Run: KERAS_BACKEND=jax python tests/reference/keras_sample_weight.py
"""
import numpy as np
import keras

x = (np.sin(np.arange(16, dtype=np.float64)) * 0.8).astype("float32").reshape(8, 2)
y = np.array([0, 2, 1, 2, 0, 1, 2, 0], dtype="float32")
sw = np.array([1.0, 0.5, 2.0, 0.0, 1.5, 1.0, 3.0, 0.25], dtype="float32")


def model():
    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    m.set_weights([
        np.array([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], dtype="float32"),
        np.array([0.01, -0.02, 0.03], dtype="float32"),
    ])
    m.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


for name, kwargs in [
    ("sample_weight", dict(sample_weight=sw)),
    ("class_weight", dict(class_weight={0: 1.0, 2: 3.0})),
]:
    m = model()
    h = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, validation_split=0.25, verbose=0, **kwargs)
    print(name, {k: v for k, v in h.history.items()})
    print(name, "kernel", m.weights[0].numpy().ravel().tolist())
    print(name, "bias", m.weights[1].numpy().ravel().tolist())

# evaluate with sample weights, in batches of 3, 3 and 2, from the initial weights
m = model()
print("evaluate", m.evaluate(x, y, sample_weight=sw, batch_size=3, verbose=0))

# one train_on_batch with sample weights from the initial weights
m = model()
print("train_on_batch", m.train_on_batch(x, y, sample_weight=sw, return_dict=True))
print("train_on_batch kernel", m.weights[0].numpy().ravel().tolist())
