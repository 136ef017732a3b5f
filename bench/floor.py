"""The pure-Python floor: one SGD step of the xor workload's 2-4-1 network written out by hand.

The speed target for pure Python (about 4 us per SGD step on xor) is the time of a careful
step written for that one shape. This module is that step: sigmoid hidden and output units,
quadratic cost, batch 1, momentum; the 17 parameters unpacked into local variables, no loops
over layers or units, one list built per step for the gradient. It does the same floating-
point operations in the same order as python_impl.pure (tests/test_bench.py checks that the
trained parameters and losses are equal; on Python 3.12 and later, whose sum() compensates
its rounding, equal to rounding), so it is a correct step, not a shortcut; what it
leaves out is only generality (any depth, width, activation, loss, batch size). Its time,
measured by the run just before it times pure Python on xor (so that both see the same load),
is the floor under pure Python's per-step time on this interpreter: the report sets python's
time against it.

Standard library only; not an implementation (it is never compared or benchmarked as one).
"""

from __future__ import annotations

import time
from itertools import chain
from math import exp
from operator import add

from bench.environment import median_iqr

# Parameters: one flat list of 17 floats, in python_impl.pure's layer order: W1 (2 x 4,
# row-major: W1[i * 4 + j] joins input i to hidden unit j), b1 (4), W2 (4 x 1), b2 (1).
N_PARAMS = 17
WORKLOAD = "xor"
IMPLEMENTATION = "python"   # whose per-step time the floor is set against


def flat_params(params):
    """[(W, b)] of a 2-4-1 network (W nested n_in x n_out) -> the flat list of 17 floats."""
    (W1, b1), (W2, b2) = params
    return [float(v) for v in chain(chain.from_iterable(W1), b1, chain.from_iterable(W2), b2)]


def train(P, X, Y, orders, eta, momentum):
    """P: 17 floats (changed in place); X: n x 2, Y: n x 1 lists; orders: per epoch, the
    sample order -> history, the mean loss per epoch."""
    V = [0.0] * N_PARAMS
    history = []
    for order in orders:
        total = 0.0
        for i in order:
            (x0, x1), (y,) = X[i], Y[i]
            (w00, w01, w02, w03, w10, w11, w12, w13, b0, b1, b2, b3,
             u0, u1, u2, u3, c) = P
            # forward: z = a W + b, sigmoid (exp only of -|z|, as in pure.activate)
            z = x0 * w00 + x1 * w10 + b0
            h0 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = x0 * w01 + x1 * w11 + b1
            h1 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = x0 * w02 + x1 * w12 + b2
            h2 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = x0 * w03 + x1 * w13 + b3
            h3 = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            z = h0 * u0 + h1 * u1 + h2 * u2 + h3 * u3 + c
            o = 1.0 / (1.0 + exp(-z)) if z >= 0.0 else (e := exp(z)) / (1.0 + e)
            total += 0.5 * ((o - y) * (o - y))
            # backward: output delta (mse + sigmoid), then the hidden deltas
            d = (o - y) * o * (1.0 - o)
            d0 = d * u0 * (h0 * (1.0 - h0))
            d1 = d * u1 * (h1 * (1.0 - h1))
            d2 = d * u2 * (h2 * (1.0 - h2))
            d3 = d * u3 * (h3 * (1.0 - h3))
            # update: v = momentum v - eta nabla; theta += v
            V[:] = [momentum * v - eta * g for v, g in zip(V, (
                x0 * d0, x0 * d1, x0 * d2, x0 * d3, x1 * d0, x1 * d1, x1 * d2, x1 * d3,
                d0, d1, d2, d3, h0 * d, h1 * d, h2 * d, h3 * d, d))]
            P[:] = map(add, P, V)
        history.append(total / len(order))
    return history


def measure(rounds=15):
    """The floor on the xor workload (its data, initial parameters, sample orders and
    hyperparameters): seconds per SGD step over rounds of one whole training run each."""
    from bench import workloads  # noqa: PLC0415 - NumPy (for the other data sets)
    from python_impl.spec import epoch_orders, init_params  # noqa: PLC0415 - only when measured

    workload = workloads.get(WORKLOAD)
    X, Y = workloads.dataset(workload).as_lists()
    config = workload.config
    init = flat_params(init_params(workload.spec, workload.seed))
    orders = epoch_orders(len(X), config)
    steps = sum(map(len, orders))
    per_step = []
    for _ in range(rounds + 1):  # the first is a warm-up
        P = list(init)
        start = time.perf_counter()
        train(P, X, Y, orders, config.learning_rate, config.momentum)
        per_step.append((time.perf_counter() - start) / steps)
    median, iqr = median_iqr(per_step[1:])
    return {"workload": WORKLOAD, "steps_per_round": steps, "rounds": rounds,
            "seconds_per_step_median": median, "seconds_per_step_iqr": iqr,
            "what": "one SGD step of the xor workload's 2-4-1 network written out by hand "
                    "(bench/floor.py): the same operations as python_impl.pure, without its "
                    "generality"}
