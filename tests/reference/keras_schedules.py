"""Keras 3's learning-rate schedules at chosen steps, as Keras itself computes them
(float32, its own order of operations), for `tests/numerics/schedules.rs`.

Run with a Python that has Keras 3 (checked with Keras 3.15.1 on the JAX backend):

    KERAS_BACKEND=jax python3 tests/reference/keras_schedules.py > tests/reference/keras_schedules.txt

Lines, fields separated by tabs:

    config  case  get_config() as JSON
    rate    case  step  the rate Keras returns, as float32 bits in hex  and as a decimal
 The cases are built the same way in the Rust test
(`case` there), with the Keras constructor arguments repeated in the comment below.
"""
import json
import struct

import numpy as np

from keras.optimizers import schedules as s

STEPS = [0, 1, 2, 3, 5, 7, 9, 10, 11, 15, 19, 20, 21, 25, 29, 30, 31, 40, 50, 99, 100, 101, 1000, 123456]

CASES = {
    # PiecewiseConstantDecay(boundaries, values)
    "piecewise": s.PiecewiseConstantDecay([10, 20, 30], [0.1, 0.05, 0.01, 0.001]),
    "piecewise_one": s.PiecewiseConstantDecay([5], [1.0, 0.3]),
    # InverseTimeDecay(initial, decay_steps, decay_rate, staircase)
    "inverse_time": s.InverseTimeDecay(0.1, 10, 0.5),
    "inverse_time_stairs": s.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
    "inverse_time_odd": s.InverseTimeDecay(0.003, 7, 1.3),
    # PolynomialDecay(initial, decay_steps, end_learning_rate, power, cycle)
    "polynomial": s.PolynomialDecay(0.1, 20),
    "polynomial_sqrt": s.PolynomialDecay(0.1, 30, 0.01, power=0.5),
    "polynomial_cycle": s.PolynomialDecay(0.1, 20, 0.001, power=2.0, cycle=True),
    "polynomial_up": s.PolynomialDecay(0.01, 9, 0.1, power=1.7),
    # CosineDecay(initial, decay_steps, alpha, warmup_target, warmup_steps)
    "cosine": s.CosineDecay(0.1, 20),
    "cosine_alpha": s.CosineDecay(0.1, 30, alpha=0.1),
    "cosine_warmup": s.CosineDecay(0.0, 20, alpha=0.05, warmup_target=0.1, warmup_steps=10),
    "cosine_warmup_from": s.CosineDecay(0.01, 7, warmup_target=0.2, warmup_steps=3),
    "cosine_warmup_zero": s.CosineDecay(0.01, 10, warmup_target=0.2, warmup_steps=0),
    # CosineDecayRestarts(initial, first_decay_steps, t_mul, m_mul, alpha)
    "restarts": s.CosineDecayRestarts(0.1, 10),
    "restarts_equal": s.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
    "restarts_odd": s.CosineDecayRestarts(0.05, 7, t_mul=1.5, m_mul=0.8, alpha=0.02),
    # ExponentialDecay(initial, decay_steps, decay_rate, staircase)
    "exponential": s.ExponentialDecay(0.1, 10, 0.5),
    "exponential_stairs": s.ExponentialDecay(0.3, 7, 0.9, staircase=True),
}

for name, schedule in CASES.items():
    print(f"config\t{name}\t{json.dumps(schedule.get_config())}")
    for step in STEPS:
        rate = np.float32(np.asarray(schedule(step)))
        bits = struct.unpack("<I", struct.pack("<f", rate))[0]
        print(f"rate\t{name}\t{step}\t{bits:08x}\t{float(rate)!r}")
