"""Every implementation agrees with the pure-Python one (the most literal) within
spec.AGREEMENT_TOLERANCE, relative, max norm per layer: after training from the same
parameters, configuration and sample orders (parameters and histories), and in forward,
loss, gradients and predict."""

import itertools
import math
import random

import numpy as np
import pytest
from conftest import (
    ORACLE,
    OTHERS,
    as_lists,
    assert_history_close,
    assert_params_close,
    load,
    params_as_lists,
)

from bench.measure import max_rel_param_diff
from python_impl.arrays import gradient_error, history_diff, layer_diffs, rel_diff
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    NetworkSpec,
    TrainConfig,
    epoch_orders,
    init_params,
)

TOL = AGREEMENT_TOLERANCE


def data(spec, n, seed):
    """n samples for spec: inputs in [-2, 2]; targets that suit its loss (rows summing to 1
    for softmax with cross-entropy, values in [0, 1] otherwise)."""
    rng = random.Random(seed)
    X = [[rng.uniform(-2.0, 2.0) for _ in range(spec.n_in)] for _ in range(n)]
    Y = [[rng.random() for _ in range(spec.n_out)] for _ in range(n)]
    if spec.output_activation == "softmax":
        Y = [[v / sum(row) for v in row] for row in Y]
    return X, Y


# (name, spec, config, n_samples): together they cover batch size 1, a short last batch,
# one batch larger than the data, momentum, l2, shuffle on and off, every activation and loss.
TRAINING_CASES = [
    ("sgd-batch1-shuffled", NetworkSpec((2, 4, 1)),
     TrainConfig(epochs=6, learning_rate=0.5, batch_size=1, seed=3), 4),
    ("short-last-batch", NetworkSpec((3, 5, 3), "tanh", "softmax", "cross_entropy"),
     TrainConfig(epochs=5, learning_rate=0.2, batch_size=3, shuffle=False), 7),
    ("short-last-batch-shuffled", NetworkSpec((3, 5, 3), "relu", "softmax", "mse"),
     TrainConfig(epochs=5, learning_rate=0.3, batch_size=4, seed=8), 10),
    ("momentum", NetworkSpec((4, 6, 2), "relu", "linear", "mse"),
     TrainConfig(epochs=5, learning_rate=0.05, batch_size=2, momentum=0.9, seed=1), 9),
    ("l2", NetworkSpec((3, 4, 2), "sigmoid", "sigmoid", "cross_entropy"),
     TrainConfig(epochs=5, learning_rate=0.3, batch_size=2, l2=0.01, shuffle=False), 6),
    ("momentum-l2-shuffled", NetworkSpec((3, 4, 4, 2), "tanh", "sigmoid", "mse"),
     TrainConfig(epochs=4, learning_rate=0.4, batch_size=3, momentum=0.5, l2=0.05, seed=5), 8),
    ("one-batch-larger-than-data", NetworkSpec((2, 3, 3), "linear", "softmax", "cross_entropy"),
     TrainConfig(epochs=4, learning_rate=0.5, batch_size=100), 5),
    ("deep-linear-hidden", NetworkSpec((2, 3, 3, 3, 1), "linear", "linear", "mse"),
     TrainConfig(epochs=3, learning_rate=0.05, batch_size=2, momentum=0.3), 5),
    ("single-sample", NetworkSpec((1, 1)), TrainConfig(epochs=3, learning_rate=1.0), 1),
]


def train(name, spec, config, n, orders=None):
    """Train implementation `name` from init_params(spec, seed=2) -> (history, params as lists)."""
    X, Y = data(spec, n, seed=n)
    net = load(name)(spec, init_params(spec, seed=2))
    history = net.train(X, Y, config, orders)
    return history, params_as_lists(net.get_params())


@pytest.fixture(scope="module")
def reference_runs():
    """The pure-Python results of every training case, computed once."""
    return {case: train(ORACLE, spec, config, n) for case, spec, config, n in TRAINING_CASES}


@pytest.mark.parametrize("name", OTHERS)
@pytest.mark.parametrize("case, spec, config, n", TRAINING_CASES,
                         ids=[case[0] for case in TRAINING_CASES])
def test_training_agrees(name, case, spec, config, n, reference_runs):
    history, params = train(name, spec, config, n)
    history_ref, params_ref = reference_runs[case]
    assert_history_close(history, history_ref, TOL)
    assert_params_close(params, params_ref, TOL)
    assert params != params_as_lists(init_params(spec, seed=2))  # training did change them


@pytest.mark.parametrize("name", OTHERS)
def test_training_with_precomputed_orders_agrees(name):
    # orders given explicitly (as lists and as an array) train exactly as the default ones
    spec = NetworkSpec((3, 4, 2), "tanh", "sigmoid", "mse")
    config = TrainConfig(epochs=3, learning_rate=0.3, batch_size=2, seed=4)
    orders = epoch_orders(7, config)
    reversed_orders = [order[::-1] for order in orders]
    ref = train(ORACLE, spec, config, 7, reversed_orders)
    assert_history_close(train(name, spec, config, 7, reversed_orders)[0], ref[0], TOL)
    as_array = train(name, spec, config, 7, np.array(reversed_orders))
    assert_history_close(as_array[0], ref[0], TOL)
    assert_params_close(as_array[1], ref[1], TOL)
    default = train(name, spec, config, 7)
    assert_params_close(default[1], train(name, spec, config, 7, orders)[1], 0.0)


def test_orders_change_the_result():
    # the sample order matters, so the agreement above is not vacuous
    spec = NetworkSpec((3, 4, 2))
    config = TrainConfig(epochs=2, learning_rate=0.5, batch_size=1, seed=4)
    orders = epoch_orders(6, config)
    a = train(ORACLE, spec, config, 6, orders)
    b = train(ORACLE, spec, config, 6, [order[::-1] for order in orders])
    assert rel_diff(a[1][0][0], b[1][0][0]) > 1e-6


@pytest.mark.parametrize("name", OTHERS)
def test_training_twice_continues_with_fresh_velocity(name):
    # v starts at zero for every train call: two calls of 2 epochs are not one call of 4
    spec = NetworkSpec((2, 3, 1), "tanh", "linear", "mse")
    config = TrainConfig(epochs=2, learning_rate=0.1, batch_size=2, momentum=0.9, shuffle=False)
    X, Y = data(spec, 5, seed=1)
    results = []
    for impl in (ORACLE, name):
        net = load(impl)(spec, init_params(spec, seed=2))
        histories = net.train(X, Y, config) + net.train(X, Y, config)
        results.append((histories, params_as_lists(net.get_params())))
    assert_history_close(results[1][0], results[0][0], TOL)
    assert_params_close(results[1][1], results[0][1], TOL)


COMBINATIONS = [(h, o, loss) for h, o, loss in
                itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, LOSSES)
                if not (loss == "cross_entropy" and o == "linear")]


@pytest.mark.parametrize("name", OTHERS)
@pytest.mark.parametrize("hidden, output, loss", COMBINATIONS)
def test_forward_loss_gradients_predict_agree(name, hidden, output, loss):
    spec = NetworkSpec((4, 5, 3, 3), hidden, output, loss)
    X, Y = data(spec, 6, seed=7)
    params = init_params(spec, seed=9)
    ref = load(ORACLE)(spec, params)
    net = load(name)(spec, params)
    assert rel_diff(net.forward(X), ref.forward(X)) <= TOL
    assert abs(net.loss(X, Y) - ref.loss(X, Y)) <= TOL * abs(ref.loss(X, Y))
    value, grads = net.gradients(X, Y)
    value_ref, grads_ref = ref.gradients(X, Y)
    assert abs(value - value_ref) <= TOL * abs(value_ref)
    assert_params_close(params_as_lists(grads), params_as_lists(grads_ref), TOL)
    assert as_lists(net.predict(X)) == as_lists(ref.predict(X))


@pytest.mark.parametrize("name", OTHERS)
def test_a_single_row_and_large_batch_agree(name):
    spec = NetworkSpec((5, 8, 4), "relu", "softmax", "cross_entropy")
    params = init_params(spec, seed=1)
    X, Y = data(spec, 200, seed=3)
    ref, net = load(ORACLE)(spec, params), load(name)(spec, params)
    assert rel_diff(net.forward(X[:1]), ref.forward(X[:1])) <= TOL
    assert_params_close(params_as_lists(net.gradients(X, Y)[1]),
                        params_as_lists(ref.gradients(X, Y)[1]), TOL)


def test_agreement_is_per_layer_over_W_and_b_together():
    # W all ones, b = (1e-6, 0), everything shifted by 1e-12: the contract's agreement is
    # 1e-12 (max difference over the layer / its largest entry), not 1e-6 (b on its own)
    W, b = np.ones((2, 2)), np.array([1e-6, 0.0])
    diff = layer_diffs([(W + 1e-12, b + 1e-12)], [(W, b)])[0]
    assert diff == pytest.approx(1e-12, rel=1e-3)
    assert max_rel_param_diff([(W + 1e-12, b + 1e-12)], [(W, b)]) == diff   # the benchmark's
    assert rel_diff([1.0, 2.0], [1.0, 4.0]) == 0.5 and rel_diff([1e-3], [0.0]) == 1e-3
    assert history_diff([1.0, 2.0], [1.0, 2.5]) == pytest.approx(0.2)
    assert history_diff([1.0], [1.0, 2.0]) == math.inf


def test_gradient_error_is_per_array_and_symmetric():
    assert gradient_error([1.0, 0.0], [1.0, 1e-3]) == pytest.approx(1e-3)
    assert gradient_error([0.0], [0.0]) == 0.0
    # a small array's error is not diluted by a large array elsewhere in the network
    assert gradient_error([1e-8, 0.0], [2e-8, 0.0]) == pytest.approx(0.5)
