"""python_impl.spec: validation of NetworkSpec and TrainConfig, and the shared definitions
(initial parameters, sample orders, one-hot rows, operation count) every implementation uses."""

import dataclasses
import math
import random

import numpy as np
import pytest

from python_impl import spec as S
from python_impl.spec import NetworkSpec, TrainConfig

# NetworkSpec -----------------------------------------------------------------------------

def test_spec_defaults_and_normalisation():
    spec = NetworkSpec([2, np.int64(3), 1])
    assert spec.layer_sizes == (2, 3, 1)
    assert all(type(n) is int for n in spec.layer_sizes)
    assert (spec.hidden_activation, spec.output_activation, spec.loss) == (
        "sigmoid", "sigmoid", "mse")
    assert (spec.n_layers, spec.n_in, spec.n_out) == (2, 2, 1)
    assert spec.layer_shapes() == [(2, 3), (3, 1)]
    assert spec.n_params() == 2 * 3 + 3 + 3 * 1 + 1


def test_spec_is_frozen():
    spec = NetworkSpec((2, 1))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.loss = "cross_entropy"


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(layer_sizes=5), TypeError, "layer_sizes"),
    (dict(layer_sizes="23"), TypeError, "layer_sizes"),
    (dict(layer_sizes=None), TypeError, "layer_sizes"),
    (dict(layer_sizes=(2, 2.0)), TypeError, "layer_sizes"),
    (dict(layer_sizes=(2, True)), TypeError, "layer_sizes"),
    (dict(layer_sizes=(2, "3")), TypeError, "layer_sizes"),
    (dict(layer_sizes=(2, 0)), ValueError, "layer_sizes"),
    (dict(layer_sizes=(-1, 2)), ValueError, "layer_sizes"),
    (dict(layer_sizes=(3,)), ValueError, "layer_sizes"),
    (dict(layer_sizes=()), ValueError, "layer_sizes"),
    (dict(hidden_activation="softmax"), ValueError, "hidden_activation"),
    (dict(hidden_activation="Sigmoid"), ValueError, "hidden_activation"),
    (dict(hidden_activation=None), TypeError, "hidden_activation"),
    (dict(output_activation="relu"), ValueError, "output_activation"),
    (dict(output_activation=1), TypeError, "output_activation"),
    (dict(loss="hinge"), ValueError, "loss"),
    (dict(loss=b"mse"), TypeError, "loss"),
    (dict(output_activation="linear", loss="cross_entropy"), ValueError, "cross_entropy"),
])
def test_spec_rejects(kwargs, error, match):
    kwargs = {"layer_sizes": (2, 3, 1), **kwargs}
    with pytest.raises(error, match=match):
        NetworkSpec(**kwargs)


def test_spec_codes_are_positions():
    spec = NetworkSpec((2, 1), "relu", "softmax", "cross_entropy")
    assert spec.codes() == (S.HIDDEN_ACTIVATIONS.index("relu"),
                            S.OUTPUT_ACTIVATIONS.index("softmax"), S.LOSSES.index("cross_entropy"))
    assert S.HIDDEN_ACTIVATIONS == ("sigmoid", "tanh", "relu", "linear")
    assert S.OUTPUT_ACTIVATIONS == ("sigmoid", "softmax", "linear")
    assert S.LOSSES == ("mse", "cross_entropy")


# TrainConfig -----------------------------------------------------------------------------

def test_config_defaults_and_normalisation():
    config = TrainConfig(epochs=np.int64(3), learning_rate=1)
    assert (config.epochs, config.learning_rate, config.batch_size, config.momentum, config.l2,
            config.shuffle, config.seed) == (3, 1.0, 1, 0.0, 0.0, True, 0)
    assert type(config.epochs) is int and type(config.learning_rate) is float


@pytest.mark.parametrize("field, value, error", [
    ("epochs", 0, ValueError), ("epochs", -1, ValueError), ("epochs", 1.5, TypeError),
    ("epochs", True, TypeError), ("epochs", "2", TypeError), ("epochs", None, TypeError),
    ("learning_rate", -0.1, ValueError), ("learning_rate", math.nan, ValueError),
    ("learning_rate", math.inf, ValueError), ("learning_rate", "0.1", TypeError),
    ("learning_rate", None, TypeError), ("learning_rate", False, TypeError),
    ("batch_size", 0, ValueError), ("batch_size", -3, ValueError), ("batch_size", 2.0, TypeError),
    ("momentum", -0.5, ValueError), ("momentum", 1.0, ValueError), ("momentum", 1.5, ValueError),
    ("momentum", math.nan, ValueError), ("momentum", "0.9", TypeError),
    ("l2", -1e-3, ValueError), ("l2", math.inf, ValueError), ("l2", [0.1], TypeError),
    ("shuffle", 1, TypeError), ("shuffle", "yes", TypeError), ("shuffle", None, TypeError),
    ("seed", -1, ValueError), ("seed", 1.5, TypeError), ("seed", "0", TypeError),
])
def test_config_rejects(field, value, error):
    kwargs = {"epochs": 2, "learning_rate": 0.1, field: value}
    with pytest.raises(error, match=field):
        TrainConfig(**kwargs)


def test_config_accepts_zero_rates():
    config = TrainConfig(epochs=1, learning_rate=0, momentum=0, l2=0)
    assert (config.learning_rate, config.momentum, config.l2) == (0.0, 0.0, 0.0)


# init_params -----------------------------------------------------------------------------

def test_init_params_shapes_and_zero_biases():
    spec = NetworkSpec((3, 5, 2))
    params = S.init_params(spec, seed=4)
    assert [(len(W), len(W[0]), len(b)) for W, b in params] == [(3, 5, 5), (5, 2, 2)]
    assert all(v == 0.0 for _, b in params for v in b)
    assert all(type(v) is float for W, _ in params for row in W for v in row)


def test_init_params_deterministic_per_seed_and_different_across_seeds():
    spec = NetworkSpec((4, 6, 3))
    assert S.init_params(spec, 7) == S.init_params(spec, 7)
    assert S.init_params(spec, 7) != S.init_params(spec, 8)
    assert S.init_params(spec) == S.init_params(spec, 0)


def test_init_params_follows_the_documented_draw():
    # one Random(seed); layer by layer, W row by row, gauss(0, 1/sqrt(n_in)) each
    spec = NetworkSpec((2, 3, 1))
    rng = random.Random(11)
    expected_W1 = [[rng.gauss(0.0, 1 / math.sqrt(2)) for _ in range(3)] for _ in range(2)]
    expected_W2 = [[rng.gauss(0.0, 1 / math.sqrt(3))] for _ in range(3)]
    (W1, _), (W2, _) = S.init_params(spec, 11)
    assert W1 == expected_W1 and W2 == expected_W2


def test_init_params_scale():
    W, _ = S.init_params(NetworkSpec((400, 100)), seed=1)[0]
    values = np.array(W)  # 40000 draws of sigma = 1/20: standard error of the std is 0.35%
    sigma = 1 / math.sqrt(400)
    assert abs(values.std() / sigma - 1) < 0.02
    assert abs(values.mean()) < 5 * sigma / math.sqrt(values.size)


def test_init_params_rejects():
    with pytest.raises(TypeError, match="spec"):
        S.init_params((2, 1))
    with pytest.raises(ValueError, match="seed"):
        S.init_params(NetworkSpec((2, 1)), -1)
    with pytest.raises(TypeError, match="seed"):
        S.init_params(NetworkSpec((2, 1)), 0.5)


# epoch_orders and check_orders -----------------------------------------------------------

def test_epoch_orders_without_shuffle_is_identity():
    orders = S.epoch_orders(5, TrainConfig(epochs=3, learning_rate=0.1, shuffle=False, seed=9))
    assert orders == [[0, 1, 2, 3, 4]] * 3


def test_epoch_orders_are_permutations_deterministic_per_seed():
    config = TrainConfig(epochs=4, learning_rate=0.1, seed=3)
    orders = S.epoch_orders(20, config)
    assert len(orders) == 4
    assert all(sorted(order) == list(range(20)) for order in orders)
    assert S.epoch_orders(20, config) == orders
    assert len({tuple(order) for order in orders}) == 4  # epochs differ
    other = S.epoch_orders(20, TrainConfig(epochs=4, learning_rate=0.1, seed=4))
    assert other != orders


def test_epoch_orders_rejects():
    config = TrainConfig(epochs=1, learning_rate=0.1)
    with pytest.raises(ValueError, match="n_samples"):
        S.epoch_orders(0, config)
    with pytest.raises(TypeError, match="n_samples"):
        S.epoch_orders(2.0, config)
    with pytest.raises(TypeError, match="config"):
        S.epoch_orders(3, {"epochs": 1})


def test_check_orders_accepts_and_normalises():
    config = TrainConfig(epochs=2, learning_rate=0.1)
    checked = S.check_orders(np.array([[2, 0, 1], [0, 0, 2]]), 3, config)
    assert checked == [[2, 0, 1], [0, 0, 2]]
    assert all(type(i) is int for order in checked for i in order)


@pytest.mark.parametrize("orders, error", [
    ([[0, 1, 2]], ValueError),                       # one epoch short
    ([[0, 1, 2]] * 3, ValueError),                   # one epoch too many
    ([[0, 1], [0, 1, 2]], ValueError),               # an order too short
    ([[0, 1, 2], [0, 1, 2, 0]], ValueError),         # an order too long
    ([[0, 1, 3], [0, 1, 2]], ValueError),            # index == n_samples
    ([[0, 1, -1], [0, 1, 2]], ValueError),           # negative index
    ([[0, 1, 2.0], [0, 1, 2]], TypeError),           # not an integer
    ([[0, 1, True], [0, 1, 2]], TypeError),          # bool is not an index
    ([[0, 1, "2"], [0, 1, 2]], TypeError),
    ([5, [0, 1, 2]], TypeError),                     # an order that is not a sequence
    (5, TypeError),
    ("012", TypeError),
])
def test_check_orders_rejects(orders, error):
    with pytest.raises(error, match="orders"):
        S.check_orders(orders, 3, TrainConfig(epochs=2, learning_rate=0.1))


# one_hot and flops -----------------------------------------------------------------------

def test_one_hot():
    assert S.one_hot([2, 0, 1], 3) == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert S.one_hot(np.array([1]), 2) == [[0.0, 1.0]]
    with pytest.raises(ValueError, match="labels"):
        S.one_hot([3], 3)
    with pytest.raises(ValueError, match="labels"):
        S.one_hot([-1], 3)
    with pytest.raises(TypeError, match="labels"):
        S.one_hot([0.0], 3)
    with pytest.raises(ValueError, match="n_classes"):
        S.one_hot([0], 0)


@pytest.mark.parametrize("sizes, n_samples, expected", [
    # per sample, layer of n_in x n_out: forward 2 n_in n_out, weight gradient 2 n_in n_out,
    # and delta W^T 2 n_in n_out for every layer but the first
    ((2, 4, 1), 4, 4 * (2 * 2 * 4 + 2 * 2 * 4 + 2 * 4 * 1 * 3)),   # 4 * 56 = 224
    ((64, 64, 10), 1797, 1797 * (4 * 64 * 64 + 6 * 64 * 10)),
    ((3, 5, 4, 2), 2, 2 * (4 * 15 + 6 * 20 + 6 * 8)),                # 2 * 228
    ((7, 3), 10, 10 * 4 * 21),
    ((7, 3), 0, 0),
])
def test_flops_hand_count(sizes, n_samples, expected):
    assert S.flops(NetworkSpec(sizes), n_samples) == expected


def test_flops_values_written_out():
    assert S.flops(NetworkSpec((2, 4, 1)), 4) == 224
    assert S.flops(NetworkSpec((3, 5, 4, 2)), 2) == 456


# the registry ------------------------------------------------------------------------------

def test_registry_names_the_three_network_classes():
    import fortran_impl
    from bench.implementations import IMPLEMENTATIONS, REFERENCE
    from python_impl import pure, vectorized
    assert IMPLEMENTATIONS == {"python": pure.Network, "numpy": vectorized.Network,
                               "fortran": fortran_impl.Network}
    assert REFERENCE in IMPLEMENTATIONS
