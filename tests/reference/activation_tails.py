"""Reference values of the smooth built-in activations and their derivatives far into their
tails, where a formula that subtracts nearly equal numbers in f32 (`1 + erf(x/√2)` in GELU,
`1 + tanh(u)` in its tanh approximation) loses every digit. Computed with mpmath at 50
significant digits from the textbook definitions (independent of the Rust code), then rounded
to double. Run `python3 tests/reference/activation_tails.py > tests/reference/activation_tails.txt`
to regenerate the table that `tests/activations.rs` reads (`pip install mpmath`).

Points are exact in f32. A point is left out when the value or the derivative is nonzero but
below f32's smallest normal number (1.18e-38), where f32 itself has no relative precision."""
from mpmath import mp, mpf, erfc, exp, log, sqrt, tanh, pi, sech

mp.dps = 50

SCALE = mpf("1.0507009873554804934193349852946")
ALPHA = mpf("1.6732632423543772848170429916717")
C = sqrt(2 / pi)
K = mpf("0.044715")


def sigmoid(x):
    return 1 / (1 + exp(-x))


def softplus(x):
    return log(1 + exp(x))


def cdf(x):  # the standard normal CDF Φ
    return erfc(-x / sqrt(2)) / 2


def pdf(x):  # its density φ
    return exp(-x * x / 2) / sqrt(2 * pi)


def gelu_tanh_parts(x):
    u = C * (x + K * x**3)
    du = C * (1 + 3 * K * x * x)
    return u, du


FUNCS = {
    "gelu": (lambda x: x * cdf(x), lambda x: cdf(x) + x * pdf(x)),
    "gelu_approximate": (
        lambda x: x * (1 + tanh(gelu_tanh_parts(x)[0])) / 2,
        lambda x: (1 + tanh(gelu_tanh_parts(x)[0])) / 2
        + x * sech(gelu_tanh_parts(x)[0]) ** 2 * gelu_tanh_parts(x)[1] / 2,
    ),
    "sigmoid": (sigmoid, lambda x: sigmoid(x) * sigmoid(-x)),
    "softplus": (softplus, sigmoid),
    "silu": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * sigmoid(-x))),
    "swish": (lambda x: x * sigmoid(x), lambda x: sigmoid(x) * (1 + x * sigmoid(-x))),
    "mish": (
        lambda x: x * tanh(softplus(x)),
        lambda x: tanh(softplus(x)) + x * sech(softplus(x)) ** 2 * sigmoid(x),
    ),
    "elu": (lambda x: x if x >= 0 else exp(x) - 1, lambda x: 1 if x >= 0 else exp(x)),
    "selu": (
        lambda x: SCALE * (x if x >= 0 else ALPHA * (exp(x) - 1)),
        lambda x: SCALE * (1 if x >= 0 else ALPHA * exp(x)),
    ),
    "tanh": (tanh, lambda x: sech(x) ** 2),
    "softsign": (lambda x: x / (1 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2),
}

POINTS = [-80, -40, -20, -12, -10, -9, -8, -7, -6, -5, -4.5, -4, -3, -2, -1, -0.5,
          0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20]

TINY = mpf("1.1754943508222875e-38")

for name, (f, df) in FUNCS.items():
    for p in POINTS:
        x = mpf(p)
        value, deriv = f(x), df(x)
        if any(v != 0 and abs(v) < TINY for v in (value, deriv)):
            continue
        print(f"{name} {float(x)!r} {float(value)!r} {float(deriv)!r}")
