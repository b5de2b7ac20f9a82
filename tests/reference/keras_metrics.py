"""Reference values for tests/numerics/keras_metrics.rs and keras_losses.rs, from Keras 3.15.1
with the JAX backend, in float32:

    KERAS_BACKEND=jax python tests/reference/keras_metrics.py

Metrics are updated batch by batch (batches of unequal size, to pin Keras's running mean
weighting) and their result printed; losses print their value (Keras's default
`sum_over_batch_size` reduction) and the gradient with respect to y_pred (jax.grad).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax
import jax.numpy as jnp
import keras
import numpy as np

np.set_printoptions(precision=9)
f32 = np.float32


def show(name, value):
    value = np.asarray(value, dtype=np.float64).ravel()
    print(name, " ".join(repr(float(v)) for v in value))


def metric(name, m, batches):
    for y, p in batches:
        m.update_state(np.asarray(y, f32), np.asarray(p, f32))
    show(name, m.result())


# ---- top-k (ties in row 0: 0.3 three times; NaN in row 3 at class 0) ----
P = [[0.3, 0.3, 0.1, 0.3, 0.0],
     [0.05, 0.1, 0.5, 0.25, 0.1],
     [0.6, 0.1, 0.1, 0.1, 0.1],
     [float("nan"), 0.2, 0.3, 0.4, 0.1]]
L = [3, 4, 1, 0]
OH = np.eye(5, dtype=f32)[L]
for k in [1, 2, 3, 5]:
    metric(f"top_k k={k}", keras.metrics.TopKCategoricalAccuracy(k=k),
           [(OH[:3], P[:3]), (OH[3:], P[3:])])
    metric(f"sparse_top_k k={k}", keras.metrics.SparseTopKCategoricalAccuracy(k=k),
           [(np.array(L[:3], f32), P[:3]), (np.array(L[3:], f32), P[3:])])
print("config top_k", keras.metrics.TopKCategoricalAccuracy(k=3).get_config())
print("config sparse_top_k", keras.metrics.SparseTopKCategoricalAccuracy(k=3).get_config())

# ---- regression: batches of 3 and 2 samples with 2 values each ----
YT = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0], [2.0, 4.0], [0.1, 10.0]], f32)
YP = np.array([[1.5, 1.0], [0.0, -2.0], [2.0, 0.5], [2.5, 3.0], [0.3, 7.0]], f32)
B = [(YT[:3], YP[:3]), (YT[3:], YP[3:])]
metric("rmse", keras.metrics.RootMeanSquaredError(), B)
metric("mape", keras.metrics.MeanAbsolutePercentageError(), B)
metric("msle", keras.metrics.MeanSquaredLogarithmicError(), B)

# ---- crossentropies ----
BT = np.array([[1.0, 0.0], [0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]], f32)
BP = np.array([[0.9, 0.2], [0.4, 0.0], [0.7, 1.0], [0.3, 0.6], [0.5, 0.1]], f32)
BL = np.array([[2.0, -1.0], [0.5, -3.0], [1.0, 4.0], [-0.5, 0.2], [0.0, -2.0]], f32)
metric("bce", keras.metrics.BinaryCrossentropy(), [(BT[:3], BP[:3]), (BT[3:], BP[3:])])
metric("bce smoothing=0.1", keras.metrics.BinaryCrossentropy(label_smoothing=0.1),
       [(BT[:3], BP[:3]), (BT[3:], BP[3:])])
metric("bce logits", keras.metrics.BinaryCrossentropy(from_logits=True),
       [(BT[:3], BL[:3]), (BT[3:], BL[3:])])
CT = np.eye(3, dtype=f32)[[0, 2, 1, 1, 0]]
CP = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4], [0.0, 1.0, 0.0],
               [0.2, 0.5, 0.3]], f32)
CL = np.array([[2.0, 0.5, -1.0], [0.0, 0.0, 3.0], [1.0, -1.0, 0.5], [-2.0, 2.0, 0.0],
               [0.3, 0.3, 0.3]], f32)
metric("cce", keras.metrics.CategoricalCrossentropy(), [(CT[:2], CP[:2]), (CT[2:], CP[2:])])
metric("cce smoothing=0.2", keras.metrics.CategoricalCrossentropy(label_smoothing=0.2),
       [(CT[:2], CP[:2]), (CT[2:], CP[2:])])
metric("cce logits", keras.metrics.CategoricalCrossentropy(from_logits=True),
       [(CT[:2], CL[:2]), (CT[2:], CL[2:])])
SL = np.array([0, 2, 1, 1, 0], f32)
metric("scce", keras.metrics.SparseCategoricalCrossentropy(),
       [(SL[:2], CP[:2]), (SL[2:], CP[2:])])
metric("scce logits", keras.metrics.SparseCategoricalCrossentropy(from_logits=True),
       [(SL[:2], CL[:2]), (SL[2:], CL[2:])])
print("config bce", keras.metrics.BinaryCrossentropy().get_config())
print("config cce", keras.metrics.CategoricalCrossentropy().get_config())
print("config scce", keras.metrics.SparseCategoricalCrossentropy().get_config())

# ---- precision / recall ----
for t in [None, 0.3, 0.0, 1.0]:
    for name, cls in [("precision", keras.metrics.Precision), ("recall", keras.metrics.Recall)]:
        metric(f"{name} thresholds={t}", cls(thresholds=t),
               [(BT[:3], BP[:3]), (BT[3:], BP[3:])])
print("config precision", keras.metrics.Precision().get_config())
print("config recall", keras.metrics.Recall(thresholds=0.3).get_config())
metric("precision none positive", keras.metrics.Precision(),
       [(np.ones((2, 1), f32), np.zeros((2, 1), f32))])

# ---- losses: value and gradient with respect to y_pred ----
RT = np.array([[1.0, 2.0, 0.0, 0.5], [3.0, -1.0, 0.2, 1.0], [0.0, 0.0, 4.0, 2.5]], f32)
RP = np.array([[1.5, 1.0, 0.3, 0.5], [2.0, -0.5, 0.1, 3.0], [0.2, 0.4, 3.5, 2.0]], f32)
PT = np.array([[0.2, 0.3, 0.5, 0.0], [0.1, 0.1, 0.1, 0.7], [0.25, 0.25, 0.25, 0.25]], f32)
PP = np.array([[0.3, 0.3, 0.3, 0.1], [0.05, 0.2, 0.05, 0.7], [0.4, 0.1, 0.3, 0.2]], f32)
HT = np.array([[1.0, -1.0, 1.0, -1.0], [0.0, 1.0, 1.0, 0.0], [-1.0, -1.0, 1.0, 1.0]], f32)
HP = np.array([[0.3, -2.0, 1.5, 0.4], [0.8, -0.2, 0.0, -0.9], [0.5, 1.2, -0.4, 2.0]], f32)
CHT = np.eye(4, dtype=f32)[[2, 0, 3]]
CASES = [
    ("mape", keras.losses.MeanAbsolutePercentageError(), RT, RP),
    ("msle", keras.losses.MeanSquaredLogarithmicError(), RT, RP),
    ("log_cosh", keras.losses.LogCosh(), RT, RP),
    ("poisson", keras.losses.Poisson(), np.abs(RT), np.abs(RP)),
    ("kld", keras.losses.KLDivergence(), PT, PP),
    ("cosine", keras.losses.CosineSimilarity(), RT, RP),
    ("hinge", keras.losses.Hinge(), HT, HP),
    ("squared_hinge", keras.losses.SquaredHinge(), HT, HP),
    ("categorical_hinge", keras.losses.CategoricalHinge(), CHT, HP),
]
for name, loss, y, p in CASES:
    y, p = jnp.asarray(y), jnp.asarray(p)
    value, grad = jax.value_and_grad(lambda q: loss(y, q))(p)
    show(f"loss {name}", value)
    show(f"grad {name}", grad)
    print(f"config {name}", loss.get_config())
# cosine similarity with a zero row (Keras's l2_normalize clips the norm)
z = jnp.asarray(np.array([[0.0, 0.0], [1.0, 2.0]], f32))
show("loss cosine zero row", keras.losses.CosineSimilarity()(z, jnp.asarray(np.array([[1.0, 1.0], [2.0, 1.0]], f32))))

# ---- AUC (ROC, interpolation), 200 thresholds by default ----
metric("auc", keras.metrics.AUC(), [(BT[:3], BP[:3]), (BT[3:], BP[3:])])
metric("auc num_thresholds=3", keras.metrics.AUC(num_thresholds=3),
       [(BT[:3], BP[:3]), (BT[3:], BP[3:])])
# predictions outside [0, 1] and on bucket boundaries (0.5 with 3 thresholds)
AT = np.array([1, 0, 1, 0, 1, 0, 1, 0], f32)
AP = np.array([1.7, -0.2, 0.5, 0.5, 0.25, 0.75, 0.0, 1.0], f32)
metric("auc edges", keras.metrics.AUC(), [(AT[:5], AP[:5]), (AT[5:], AP[5:])])
metric("auc edges num_thresholds=3", keras.metrics.AUC(num_thresholds=3),
       [(AT[:5], AP[:5]), (AT[5:], AP[5:])])
print("config auc", keras.metrics.AUC().get_config())
