"""Reference values for tests/numerics/keras_metrics2.rs, from Keras 3.15.1 with the JAX
backend, in float32:

    KERAS_BACKEND=jax python tests/reference/keras_metrics2.py > tests/reference/keras_metrics2.txt

Each case updates one metric with three batches of unequal size (5, 3 and 8 samples) and
writes, in the format of tests/common/table.rs, the batches (`t0`..`t2` targets, `p0`..`p2`
predictions) and the result after each batch (`r0`..`r2`; a vector for several thresholds,
a scalar otherwise). The inputs hold ties at the thresholds (predictions k/100, so 0, 0.5
and 1 exactly), all-negative batches, predictions outside [0, 1] and logits.

The last lines are OrthogonalRegularizer penalties: `orth_*` with the matrix `x`, the
penalty `y` and its gradient `g` (jax.grad).
"""
import os

os.environ.setdefault("KERAS_BACKEND", "jax")
import jax
import jax.numpy as jnp
import keras
import numpy as np

f32 = np.float32
M = keras.metrics
SIZES = [5, 3, 8]


def arr(case, field, a):
    a = np.asarray(a, dtype=np.float64)
    shape = "x".join(str(d) for d in a.shape) if a.shape else "-"
    print(case, field, shape, " ".join(repr(float(v)) for v in a.ravel()))


def probs(n, width, kind):
    j = np.arange(n * width)
    p = (((j * 37 + 11) % 101) / 100).astype(f32)
    if kind == "outside":
        p = p * f32(1.4) - f32(0.2)
    elif kind == "logits":
        p = (p - f32(0.5)) * f32(8.0)
    return p.reshape(n, width)


def labels(n, width, kind):
    j = np.arange(n * width)
    t = (((j * 13 + 5) % 7) < 3).astype(f32)
    if kind == "negative":
        t = np.zeros_like(t)
    return t.reshape(n, width)


def case(name, metric, width=1, pred="probs", label="mixed"):
    n = sum(SIZES)
    p, t = probs(n, width, pred), labels(n, width, label)
    start = 0
    for b, size in enumerate(SIZES):
        tb, pb = t[start:start + size], p[start:start + size]
        start += size
        metric.update_state(tb, pb)
        arr(name, f"t{b}", tb)
        arr(name, f"p{b}", pb)
        arr(name, f"r{b}", np.asarray(metric.result()))


# ---- AUC ----
for curve in ["ROC", "PR", "PRGAIN"]:
    for method in ["interpolation", "minoring", "majoring"]:
        case(f"auc_{curve}_{method}", M.AUC(curve=curve, summation_method=method))
        case(f"auc_{curve}_{method}_n7", M.AUC(num_thresholds=7, curve=curve,
                                              summation_method=method))
case("auc_ROC_n2", M.AUC(num_thresholds=2))
case("auc_PR_n3", M.AUC(num_thresholds=3, curve="PR"))
case("auc_ROC_outside", M.AUC(), pred="outside")
case("auc_PR_outside_uneven", M.AUC(curve="PR", thresholds=[0.7, 0.25, 0.5, 0.05]), pred="outside")
case("auc_ROC_uneven", M.AUC(thresholds=[0.7, 0.25, 0.5, 0.05]))
case("auc_ROC_even", M.AUC(thresholds=[0.5, 0.25, 0.75]))
case("auc_PR_logits", M.AUC(curve="PR", from_logits=True), pred="logits")
case("auc_ROC_logits_uneven", M.AUC(from_logits=True, thresholds=[0.3, 0.6]), pred="logits")
case("auc_ROC_negative", M.AUC(), label="negative")
case("auc_PR_negative", M.AUC(curve="PR"), label="negative")
case("auc_ROC_flat3", M.AUC(), width=3)
case("auc_ROC_flat3_weights", M.AUC(label_weights=[0.5, 1.0, 2.0]), width=3)
case("auc_PR_flat3_weights_uneven", M.AUC(curve="PR", label_weights=[0.5, 1.0, 2.0],
                                          thresholds=[0.2, 0.45, 0.9]), width=3)
case("auc_ROC_multi", M.AUC(multi_label=True), width=3)
case("auc_PR_multi", M.AUC(multi_label=True, curve="PR", num_labels=3), width=3)
case("auc_ROC_multi_weights", M.AUC(multi_label=True, label_weights=[0.5, 1.0, 2.0]), width=3)
case("auc_PR_multi_weights_uneven", M.AUC(multi_label=True, curve="PR", label_weights=[0.5, 0.0, 2.0],
                                          thresholds=[0.2, 0.45, 0.9]), width=3)
case("auc_ROC_multi_majoring_n5", M.AUC(multi_label=True, summation_method="majoring",
                                        num_thresholds=5), width=3)

# ---- Precision, Recall and the four counts ----
for cls, short in [(M.Precision, "precision"), (M.Recall, "recall")]:
    case(f"{short}_default", cls())
    case(f"{short}_t050", cls(thresholds=0.5))
    case(f"{short}_even3", cls(thresholds=[0.0, 0.5, 1.0]))
    case(f"{short}_list", cls(thresholds=[0.2, 0.5, 0.74, 0.0]))
    case(f"{short}_one_list", cls(thresholds=[0.37]))
    case(f"{short}_outside", cls(thresholds=[0.0, 0.5, 1.0]), pred="outside")
    case(f"{short}_outside_list", cls(thresholds=[0.0, 0.3, 1.0, 0.9]), pred="outside")
    case(f"{short}_negative", cls(), label="negative")
    case(f"{short}_top2", cls(top_k=2), width=4)
    case(f"{short}_top1_t", cls(top_k=1, thresholds=0.4), width=4)
    case(f"{short}_class1", cls(class_id=1), width=4)
    case(f"{short}_class3_top2", cls(class_id=3, top_k=2), width=4)
    case(f"{short}_class2_list", cls(class_id=2, thresholds=[0.25, 0.75]), width=4)
    case(f"{short}_flat4", cls(), width=4)
for cls, short in [(M.TruePositives, "tp"), (M.FalsePositives, "fp"),
                   (M.TrueNegatives, "tn"), (M.FalseNegatives, "fn")]:
    case(f"{short}_default", cls())
    case(f"{short}_list", cls(thresholds=[0.2, 0.5, 0.74, 0.0]), width=2)
    case(f"{short}_even5", cls(thresholds=[0.0, 0.25, 0.5, 0.75, 1.0]), pred="outside")

# ---- at-a-point metrics ----
for value in [0.0, 0.4, 0.8, 1.0]:
    v = str(value).replace(".", "")
    case(f"precision_at_recall_{v}", M.PrecisionAtRecall(value))
    case(f"recall_at_precision_{v}", M.RecallAtPrecision(value))
    case(f"sensitivity_at_specificity_{v}", M.SensitivityAtSpecificity(value))
    case(f"specificity_at_sensitivity_{v}", M.SpecificityAtSensitivity(value))
case("precision_at_recall_05_n1", M.PrecisionAtRecall(0.5, num_thresholds=1))
case("recall_at_precision_06_n9", M.RecallAtPrecision(0.6, num_thresholds=9), pred="outside")
case("sensitivity_at_specificity_05_class2", M.SensitivityAtSpecificity(0.5, class_id=2), width=3)
case("specificity_at_sensitivity_07_negative", M.SpecificityAtSensitivity(0.7), label="negative")

# ---- F-scores ----
for average in [None, "micro", "macro", "weighted"]:
    a = str(average).lower()
    case(f"f1_{a}", M.F1Score(average=average), width=3)
    case(f"f1_{a}_t04", M.F1Score(average=average, threshold=0.4), width=3)
    case(f"fbeta2_{a}", M.FBetaScore(average=average, beta=2.0, threshold=0.5), width=3)
    case(f"fbeta05_{a}_outside", M.FBetaScore(average=average, beta=0.5), width=3, pred="outside")
    case(f"f1_{a}_negative", M.F1Score(average=average), width=3, label="negative")

# ---- OrthogonalRegularizer ----
X = np.array([[0.5, -1.0, 2.0, 0.1], [1.5, 0.3, -0.2, 0.7], [0.0, 0.0, 0.0, 0.0]], f32)
for mode in ["rows", "columns"]:
    for factor, x in [(0.1, X), (0.02, X[:2]), (1.0, X.T.copy())]:
        reg = keras.regularizers.OrthogonalRegularizer(factor=factor, mode=mode)
        name = f"orth_{mode}_{factor}_{x.shape[0]}x{x.shape[1]}"
        arr(name, "x", x)
        arr(name, "y", np.asarray(reg(jnp.asarray(x))))
        arr(name, "g", np.asarray(jax.grad(lambda w: reg(w))(jnp.asarray(x))))
