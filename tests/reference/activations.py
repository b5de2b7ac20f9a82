"""Reference values of Keras 3's activation formulas and their derivatives, computed in
double precision with Python's `math` module (independent of the Rust code). Run
`python3 tests/reference/activations.py > tests/reference/activations.txt` to regenerate
the table that `tests/activations.rs` reads."""
import math

SCALE = 1.0507009873554804934193349852946
ALPHA = 1.6732632423543772848170429916717


def sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def softplus(x):
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def hard_sigmoid(x):
    return min(max(x / 6 + 0.5, 0.0), 1.0)


def phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


C = math.sqrt(2 / math.pi)

FUNCS = {
    "linear": (lambda x: x, lambda x: 1.0),
    "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "leaky_relu": (lambda x: x if x > 0 else 0.2 * x, lambda x: 1.0 if x > 0 else 0.2),
    "relu6": (lambda x: min(max(x, 0.0), 6.0), lambda x: 1.0 if 0 < x < 6 else 0.0),
    "elu": (lambda x: x if x >= 0 else math.expm1(x), lambda x: 1.0 if x >= 0 else math.exp(x)),
    "selu": (
        lambda x: SCALE * (x if x >= 0 else ALPHA * math.expm1(x)),
        lambda x: SCALE * (1.0 if x >= 0 else ALPHA * math.exp(x)),
    ),
    # Φ(x) = ½·erfc(−x/√2): `1 + erf(x/√2)` would cancel in the negative tail, in double too.
    "gelu": (
        lambda x: 0.5 * x * math.erfc(-x / math.sqrt(2)),
        lambda x: 0.5 * math.erfc(-x / math.sqrt(2)) + x * phi(x),
    ),
    "gelu_approximate": (
        lambda x: 0.5 * x * (1 + math.tanh(C * (x + 0.044715 * x**3))),
        lambda x: 0.5 * (1 + math.tanh(C * (x + 0.044715 * x**3)))
        + 0.5 * x * (1 - math.tanh(C * (x + 0.044715 * x**3)) ** 2) * C * (1 + 3 * 0.044715 * x * x),
    ),
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    "hard_sigmoid": (hard_sigmoid, lambda x: 1 / 6 if -3 < x < 3 else 0.0),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "softplus": (softplus, sigmoid),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
    "silu": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    "swish": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    "mish": (
        lambda x: x * math.tanh(softplus(x)),
        lambda x: math.tanh(softplus(x)) + x * (1 - math.tanh(softplus(x)) ** 2) * sigmoid(x),
    ),
    "exponential": (math.exp, math.exp),
    "hard_silu": (
        lambda x: x * hard_sigmoid(x),
        lambda x: hard_sigmoid(x) + (x / 6 if -3 < x < 3 else 0.0),
    ),
}

POINTS = [-80.0, -20.0, -6.5, -3.0, -1.7, -1.0, -0.3, 0.25, 0.9, 1.0, 2.4, 3.5, 5.9, 6.2, 20.0, 80.0]

for name, (f, df) in FUNCS.items():
    for x in POINTS:
        if name == "exponential" and x > 80:
            continue
        print(f"{name} {x!r} {f(x)!r} {df(x)!r}")
