"""Reference trajectories of Keras 3's optimizers, computed in double precision with plain
Python from the update rules of keras/src/optimizers (sgd.py, adam.py, adamw.py,
rmsprop.py, base_optimizer.py) and keras/src/optimizers/schedules (independent of the Rust
code).

Run `python3 tests/reference/optimizers.py > tests/reference/optimizers.txt` to regenerate
the table that `tests/optimizers.rs` reads. Lines, fields separated by tabs, values
comma-separated:

    init   case  weight  shape  values     # the weight before the first step
    grad   case  step    weight values     # its gradient at step 1, 2, 3
    after  case  step    weight values     # the weight after that step

Order of one step, as BaseOptimizer.apply: the learning rate is read (a schedule is called
with the number of completed steps), gradients are clipped (clipnorm, else global_clipnorm,
else clipvalue), weight decay w -= w * wd * lr is applied, the update rule runs with
local step t = iterations + 1, then iterations += 1.
"""
import math
import struct


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def exponential_decay(initial, decay_steps, decay_rate, staircase):
    def rate(step):
        p = step / decay_steps
        if staircase:
            p = math.floor(p)
        return initial * decay_rate ** p

    return rate


def clip_gradients(grads, cfg):
    if cfg.get("clipnorm"):
        c = cfg["clipnorm"]
        out = []
        for g in grads:
            norm = math.sqrt(sum(v * v for v in g))
            out.append([v * c / max(norm, c) for v in g])
        return out
    if cfg.get("global_clipnorm"):
        c = cfg["global_clipnorm"]
        norm = math.sqrt(sum(v * v for g in grads for v in g))
        scale = c * min(1 / norm if norm else math.inf, 1 / c)
        return [[v * scale for v in g] for g in grads]
    if cfg.get("clipvalue"):
        c = cfg["clipvalue"]
        return [[min(max(v, -c), c) for v in g] for g in grads]
    return grads


def sgd(cfg):
    momentum, nesterov = cfg.get("momentum", 0.0), cfg.get("nesterov", False)

    def step(w, g, s, lr, t):
        if momentum == 0:
            return [wi - gi * lr for wi, gi in zip(w, g)]
        m = s.setdefault("m", [0.0] * len(w))
        for i in range(len(w)):
            m[i] = -g[i] * lr + m[i] * momentum
        if nesterov:
            return [wi + (-gi * lr + mi * momentum) for wi, gi, mi in zip(w, g, m)]
        return [wi + mi for wi, mi in zip(w, m)]

    return step


def adam(cfg):
    b1, b2 = cfg.get("beta_1", 0.9), cfg.get("beta_2", 0.999)
    eps, amsgrad = cfg.get("epsilon", 1e-7), cfg.get("amsgrad", False)

    def step(w, g, s, lr, t):
        m = s.setdefault("m", [0.0] * len(w))
        v = s.setdefault("v", [0.0] * len(w))
        v_hat = s.setdefault("v_hat", [0.0] * len(w))
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        out = []
        for i in range(len(w)):
            m[i] += (g[i] - m[i]) * (1 - b1)
            v[i] += (g[i] ** 2 - v[i]) * (1 - b2)
            denom_v = v[i]
            if amsgrad:
                v_hat[i] = max(v_hat[i], v[i])
                denom_v = v_hat[i]
            out.append(w[i] - (m[i] * alpha) / (math.sqrt(denom_v) + eps))
        return out

    return step


def rmsprop(cfg):
    rho, momentum = cfg.get("rho", 0.9), cfg.get("momentum", 0.0)
    eps, centered = cfg.get("epsilon", 1e-7), cfg.get("centered", False)

    def step(w, g, s, lr, t):
        v = s.setdefault("v", [0.0] * len(w))
        mg = s.setdefault("mg", [0.0] * len(w))
        mom = s.setdefault("mom", [0.0] * len(w))
        out = []
        for i in range(len(w)):
            v[i] = rho * v[i] + (1 - rho) * g[i] ** 2
            if centered:
                mg[i] = rho * mg[i] + (1 - rho) * g[i]
                denominator = v[i] - mg[i] ** 2 + eps
            else:
                denominator = v[i] + eps
            increment = lr * g[i] / math.sqrt(denominator)
            if momentum > 0:
                mom[i] = momentum * mom[i] + increment
                out.append(w[i] - mom[i])
            else:
                out.append(w[i] - increment)
        return out

    return step


RULES = {"sgd": sgd, "adam": adam, "adamw": adam, "rmsprop": rmsprop}

ONE_WEIGHT = {
    "init": [[0.5, -1.0, 2.0, 0.0]],
    "shapes": [[2, 2]],
    "grads": [
        [[0.2, -0.5, 1.0, 0.05]],
        [[-0.1, 0.3, 0.8, 0.0]],
        [[0.4, -0.2, -0.6, 0.1]],
    ],
}

# Large first gradients, so that clipping bites on some steps and not on others, and so
# that AMSGrad's running maximum differs from v.
BIG_THEN_SMALL = {
    "init": [[0.5, -1.0, 2.0, 0.0]],
    "shapes": [[4]],
    "grads": [
        [[3.0, -4.0, 0.5, 0.0]],
        [[0.1, 0.2, -0.3, 0.4]],
        [[-2.0, 1.0, 0.25, -0.75]],
    ],
}

TWO_WEIGHTS = {
    "init": [[0.5, -1.0, 2.0, 0.0], [1.0, -0.5, 0.25]],
    "shapes": [[2, 2], [3]],
    "grads": [
        [[3.0, -4.0, 0.5, 0.0], [1.0, 2.0, -2.0]],
        [[0.1, 0.2, -0.3, 0.1], [0.0, 0.05, 0.1]],
        [[-2.0, 1.0, 0.25, -0.75], [0.5, -0.5, 0.5]],
    ],
}

# name, rule, config, data (the Rust test builds the same optimizer from the name)
CASES = [
    ("sgd", "sgd", {"lr": 0.1}, ONE_WEIGHT),
    ("sgd_momentum", "sgd", {"lr": 0.1, "momentum": 0.9}, ONE_WEIGHT),
    ("sgd_nesterov", "sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}, ONE_WEIGHT),
    ("sgd_clipnorm", "sgd", {"lr": 0.1, "clipnorm": 1.0}, BIG_THEN_SMALL),
    ("sgd_clipvalue", "sgd", {"lr": 0.1, "clipvalue": 0.5}, BIG_THEN_SMALL),
    ("sgd_global_clipnorm", "sgd", {"lr": 0.1, "global_clipnorm": 2.0}, TWO_WEIGHTS),
    # Keras applies only clipnorm when clipvalue is set too
    ("sgd_clipnorm_and_clipvalue", "sgd", {"lr": 0.1, "clipnorm": 1.0, "clipvalue": 0.01}, BIG_THEN_SMALL),
    ("sgd_exponential_decay", "sgd", {"schedule": exponential_decay(0.1, 2, 0.5, False)}, ONE_WEIGHT),
    ("sgd_exponential_decay_staircase", "sgd", {"schedule": exponential_decay(0.1, 2, 0.5, True), "momentum": 0.5}, ONE_WEIGHT),
    ("adam", "adam", {"lr": 0.1}, ONE_WEIGHT),
    ("adam_defaults", "adam", {"lr": 1e-3}, ONE_WEIGHT),
    ("adam_amsgrad", "adam", {"lr": 0.1, "amsgrad": True}, BIG_THEN_SMALL),
    ("adam_betas", "adam", {"lr": 0.05, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3}, ONE_WEIGHT),
    ("adam_global_clipnorm", "adam", {"lr": 0.1, "global_clipnorm": 2.0}, TWO_WEIGHTS),
    ("adam_exponential_decay", "adam", {"schedule": exponential_decay(0.1, 1, 0.5, False)}, ONE_WEIGHT),
    ("adamw", "adamw", {"lr": 0.1, "weight_decay": 0.004}, ONE_WEIGHT),
    ("adamw_strong_decay", "adamw", {"lr": 0.1, "weight_decay": 0.5, "amsgrad": True}, BIG_THEN_SMALL),
    ("adamw_exponential_decay", "adamw", {"schedule": exponential_decay(0.1, 1, 0.5, True), "weight_decay": 0.5}, ONE_WEIGHT),
    ("rmsprop", "rmsprop", {"lr": 0.01}, ONE_WEIGHT),
    ("rmsprop_momentum", "rmsprop", {"lr": 0.01, "momentum": 0.9}, ONE_WEIGHT),
    ("rmsprop_centered", "rmsprop", {"lr": 0.01, "centered": True}, ONE_WEIGHT),
    ("rmsprop_centered_momentum", "rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "rho": 0.8}, BIG_THEN_SMALL),
    ("rmsprop_clipvalue", "rmsprop", {"lr": 0.01, "clipvalue": 0.5}, BIG_THEN_SMALL),
]


def fmt(values):
    return ",".join(repr(float(v)) for v in values)


def run(name, rule, cfg, data):
    weights = [[f32(v) for v in w] for w in data["init"]]
    for i, (shape, w) in enumerate(zip(data["shapes"], weights)):
        print("\t".join(["init", name, str(i), ",".join(map(str, shape)), fmt(w)]))
    update = RULES[rule](cfg)
    states = [{} for _ in weights]
    wd = cfg.get("weight_decay")
    for t, grads in enumerate(data["grads"], start=1):
        grads = [[f32(v) for v in g] for g in grads]
        for i, g in enumerate(grads):
            print("\t".join(["grad", name, str(t), str(i), fmt(g)]))
        lr = cfg["schedule"](t - 1) if "schedule" in cfg else cfg["lr"]
        grads = clip_gradients(grads, cfg)
        if wd:
            weights = [[v - v * wd * lr for v in w] for w in weights]
        weights = [update(w, g, s, lr, t) for w, g, s in zip(weights, grads, states)]
        for i, w in enumerate(weights):
            print("\t".join(["after", name, str(t), str(i), fmt(w)]))


def main():
    for case in CASES:
        run(*case)


if __name__ == "__main__":
    main()
