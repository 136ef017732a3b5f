"""Every bad-input rule of the contract, in every implementation: the exception type (the same
across implementations), a message naming the argument, and the parameters unchanged.
Divergence in training raises FloatingPointError and leaves the parameters as they were."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import CONFIG, NAMES, ORDERS, PARAMS, SPEC, X, Y, load, params_as_lists

from python_impl.spec import NetworkSpec, TrainConfig, init_params

# Bad values of a 3 x 2 matrix argument -> the exception each must raise.
BAD_MATRICES = {
    "wrong-columns": ([[0.1, 0.2, 0.3]] * 3, ValueError),
    "one-dimensional": ([0.1, 0.2], ValueError),
    "three-dimensional": ([[[0.1, 0.2]]] * 3, ValueError),
    "ragged": ([[0.1, 0.2], [0.3], [0.5, 0.6]], ValueError),
    "empty": ([], ValueError),
    "no-rows": (np.empty((0, 2)), ValueError),
    "empty-rows": ([[], [], []], ValueError),
    "nan": ([[0.1, math.nan], [0.3, 0.4], [0.5, 0.6]], ValueError),
    "inf": ([[0.1, 0.2], [math.inf, 0.4], [0.5, 0.6]], ValueError),
    "minus-inf-array": (np.array([[0.1, 0.2], [0.3, 0.4], [0.5, -np.inf]]), ValueError),
    "too-large-int": ([[10**400, 0.2], [0.3, 0.4], [0.5, 0.6]], ValueError),
    "string-entry": ([["a", 0.2], [0.3, 0.4], [0.5, 0.6]], TypeError),
    "numeric-string-entry": ([["0.1", 0.2], [0.3, 0.4], [0.5, 0.6]], TypeError),
    "none-entry": ([[None, 0.2], [0.3, 0.4], [0.5, 0.6]], TypeError),
    "complex-entry": ([[1j, 0.2], [0.3, 0.4], [0.5, 0.6]], TypeError),
    "string-array": (np.array([["a", "b"]] * 3), TypeError),
    "scalar": (3.0, TypeError),
    "none": (None, TypeError),
    "string": ("ab", TypeError),
}
BAD_Y_ONLY = {"rows-unlike-X": ([[0.0, 1.0], [1.0, 0.0]], ValueError)}


def check_rejected(net, call, error, match):
    """call(net) raises error with a message matching `match`; net's parameters are unchanged."""
    before = params_as_lists(net.get_params())
    with pytest.raises(error, match=match):
        call(net)
    assert params_as_lists(net.get_params()) == before


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", sorted(BAD_MATRICES))
def test_bad_X(name, case):
    bad, error = BAD_MATRICES[case]
    net = load(name)(SPEC, PARAMS)
    for call in (lambda n: n.forward(bad), lambda n: n.predict(bad), lambda n: n.loss(bad, Y),
                 lambda n: n.gradients(bad, Y), lambda n: n.train(bad, Y, CONFIG)):
        check_rejected(net, call, error, r"\bX\b")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", sorted(BAD_MATRICES) + sorted(BAD_Y_ONLY))
def test_bad_Y(name, case):
    bad, error = {**BAD_MATRICES, **BAD_Y_ONLY}[case]
    net = load(name)(SPEC, PARAMS)
    for call in (lambda n: n.loss(X, bad), lambda n: n.gradients(X, bad),
                 lambda n: n.train(X, bad, CONFIG)):
        check_rejected(net, call, error, r"\bY\b")


@pytest.mark.parametrize("name", NAMES)
def test_good_matrices_in_any_form(name):
    # lists, tuples, arrays of any real dtype, ints and booleans: all the same numbers
    net = load(name)(NetworkSpec((2, 2)), init_params(NetworkSpec((2, 2)), seed=1))
    expected = np.asarray(net.forward([[1.0, 0.0], [0.0, 2.0]]))
    for matrix in ([[1, 0], [0, 2]], ((1.0, 0.0), (0.0, 2.0)), [[True, False], [0, 2]],
              np.array([[1, 0], [0, 2]], dtype=np.int8),
              np.array([[1, 0], [0, 2]], dtype=np.float32),
              np.array([[1.0, 0.0], [9.0, 9.0], [0.0, 2.0]])[::2],
              np.array([[1.0, 0.0], [0.0, 2.0]]).T,
              [np.array([1.0, 0.0]), np.array([0.0, 2.0])],
              [[np.True_, np.False_], [np.int64(0), np.float64(2.0)]]):
        assert np.array_equal(np.asarray(net.forward(matrix)), expected)


def with_layer(layer, W=None, b=None, pair=None):
    """PARAMS with one layer's W, b or whole pair replaced."""
    params = [(W_, b_) for W_, b_ in PARAMS]
    if pair is not None:
        params[layer] = pair
    else:
        params[layer] = (PARAMS[layer][0] if W is None else W, PARAMS[layer][1] if b is None else b)
    return params


W0, B0 = PARAMS[0]  # W0: 2 x 3, B0: 3 entries
BAD_PARAMS = {
    "not-a-sequence": (5, TypeError),
    "too-few-layers": (PARAMS[:1], ValueError),
    "too-many-layers": (PARAMS + PARAMS[:1], ValueError),
    "layer-not-a-pair": (with_layer(0, pair=(W0, B0, B0)), ValueError),
    "layer-a-number": (with_layer(0, pair=1.0), TypeError),
    "W-rows": (with_layer(0, W=W0[:1]), ValueError),
    "W-columns": (with_layer(0, W=[row[:2] for row in W0]), ValueError),
    "W-transposed": (with_layer(0, W=[list(col) for col in zip(*W0)]), ValueError),
    "W-ragged": (with_layer(0, W=[W0[0], W0[1][:2]]), ValueError),
    "W-one-dimensional": (with_layer(0, W=W0[0]), ValueError),
    "W-nan": (with_layer(1, W=[[math.nan, 0.0]] + PARAMS[1][0][1:]), ValueError),
    "W-inf-array": (with_layer(1, W=np.full((3, 2), np.inf)), ValueError),
    "W-string": (with_layer(0, W=[["x", 0, 0], [0, 0, 0]]), TypeError),
    "W-scalar": (with_layer(0, W=0.5), TypeError),
    "b-length": (with_layer(0, b=B0[:2]), ValueError),
    "b-two-dimensional": (with_layer(0, b=[B0]), ValueError),
    "b-inf": (with_layer(1, b=[0.0, math.inf]), ValueError),
    "b-nan-array": (with_layer(1, b=np.array([np.nan, 0.0])), ValueError),
    "b-none-entry": (with_layer(1, b=[None, 0.0]), TypeError),
    "b-scalar": (with_layer(1, b=0.0), TypeError),
    "b-string": (with_layer(1, b="ab"), TypeError),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
def test_bad_params(name, case):
    bad, error = BAD_PARAMS[case]
    Network = load(name)
    net = Network(SPEC, PARAMS)
    check_rejected(net, lambda n: n.set_params(bad), error, "params")
    with pytest.raises(error, match="params"):
        Network(SPEC, bad)


@pytest.mark.parametrize("name", NAMES)
def test_set_params_none(name):
    # None means "draw them" only in the constructor
    net = load(name)(SPEC, PARAMS)
    check_rejected(net, lambda n: n.set_params(None), TypeError, "params")


@pytest.mark.parametrize("name", NAMES)
def test_good_params_in_any_form(name):
    # lists, tuples and arrays, ints or floats, are all accepted and give the same network
    Network = load(name)
    as_arrays = [(np.array(W), np.array(b)) for W, b in PARAMS]
    as_tuples = tuple((tuple(map(tuple, W)), tuple(b)) for W, b in PARAMS)
    expected = params_as_lists(PARAMS)
    for params in (PARAMS, as_arrays, as_tuples):
        assert params_as_lists(Network(SPEC, params).get_params()) == expected
    ints = [([[1, 0, -1], [0, 2, 0]], [0, 0, 1]), ([[1, 0], [0, 1], [1, 1]], [0, 0])]
    assert params_as_lists(Network(SPEC, ints).get_params()) == params_as_lists(ints)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad, error, match", [
    ("spec", TypeError, "spec"), (None, TypeError, "spec"), ((2, 3, 2), TypeError, "spec"),
])
def test_bad_spec(name, bad, error, match):
    with pytest.raises(error, match=match):
        load(name)(bad)


@pytest.mark.parametrize("name", NAMES)
def test_unvalidated_look_alikes_are_refused(name):
    # unknown names, non-positive sizes, epochs or batch sizes and negative rates are refused
    # by NetworkSpec and TrainConfig (test_spec.py); an object with the same fields that has
    # not been through them cannot reach an implementation either
    spec_like = SimpleNamespace(layer_sizes=(2, 0, 2), hidden_activation="swish",
                                output_activation="sigmoid", loss="mse")
    with pytest.raises(TypeError, match="spec"):
        load(name)(spec_like)
    config_like = SimpleNamespace(epochs=0, learning_rate=-1.0, batch_size=0, momentum=0.0,
                                  l2=0.0, shuffle=False, seed=0)
    net = load(name)(SPEC, PARAMS)
    check_rejected(net, lambda n: n.train(X, Y, config_like), TypeError, "config")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad, error", [(-1, ValueError), (1.5, TypeError), ("0", TypeError)])
def test_bad_seed(name, bad, error):
    with pytest.raises(error, match="seed"):
        load(name)(SPEC, seed=bad)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("bad", [None, {"epochs": 1, "learning_rate": 0.1}, (2, 0.1), "config"])
def test_bad_config(name, bad):
    net = load(name)(SPEC, PARAMS)
    check_rejected(net, lambda n: n.train(X, Y, bad), TypeError, "config")


BAD_ORDERS = {
    "too-few-epochs": (ORDERS[:1], ValueError),
    "too-many-epochs": (ORDERS + ORDERS[:1], ValueError),
    "order-too-short": ([[0, 1], [2, 1, 0]], ValueError),
    "order-too-long": ([[0, 1, 2], [2, 1, 0, 0]], ValueError),
    "index-too-large": ([[0, 1, 3], [2, 1, 0]], ValueError),
    "index-negative": ([[0, 1, 2], [2, -1, 0]], ValueError),
    "index-float": ([[0, 1, 2.0], [2, 1, 0]], TypeError),
    "index-string": ([[0, 1, "2"], [2, 1, 0]], TypeError),
    "index-none": ([[0, 1, None], [2, 1, 0]], TypeError),
    "not-a-sequence": (7, TypeError),
    "order-not-a-sequence": ([0, 1], TypeError),
    "array-wrong-shape": (np.zeros((3, 3), dtype=int), ValueError),
    "array-too-short": (np.zeros((2, 2), dtype=int), ValueError),
    "array-out-of-range": (np.array([[0, 1, 2], [3, 1, 0]]), ValueError),
    "array-negative": (np.array([[0, 1, 2], [-3, 1, 0]]), ValueError),
    "array-float": (np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), TypeError),
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("case", sorted(BAD_ORDERS))
def test_bad_orders(name, case):
    bad, error = BAD_ORDERS[case]
    net = load(name)(SPEC, PARAMS)
    check_rejected(net, lambda n: n.train(X, Y, CONFIG, bad), error, "orders")


@pytest.mark.parametrize("name", NAMES)
def test_good_orders_in_any_form(name):
    # lists, tuples, and integer arrays of any integer dtype train alike
    Network = load(name)
    results = []
    for orders in (ORDERS, tuple(map(tuple, ORDERS)), np.array(ORDERS),
                   np.array(ORDERS, dtype=np.int32), np.array(ORDERS, dtype=np.uint8)):
        net = Network(SPEC, PARAMS)
        results.append((net.train(X, Y, CONFIG, orders), params_as_lists(net.get_params())))
    assert all(result == results[0] for result in results)


# Divergence -------------------------------------------------------------------------------

DIVERGING = NetworkSpec((2, 3, 1), "tanh", "linear", "mse")
DIVERGING_PARAMS = init_params(DIVERGING, seed=3)
DX = [[0.5, -1.0], [1.0, 2.0], [-1.5, 0.5], [2.0, 1.0]]
DY = [[3.0], [-2.0], [1.0], [5.0]]


@pytest.mark.parametrize("name", NAMES)
def test_divergence_raises_and_leaves_params(name):
    net = load(name)(DIVERGING, DIVERGING_PARAMS)
    before = params_as_lists(net.get_params())
    config = TrainConfig(epochs=30, learning_rate=1e6, batch_size=1, seed=1)
    with pytest.raises(FloatingPointError, match="not finite"):
        net.train(DX, DY, config)
    assert params_as_lists(net.get_params()) == before
    # the network is still usable afterwards
    history = net.train(DX, DY, TrainConfig(epochs=2, learning_rate=0.01))
    assert all(math.isfinite(h) for h in history)


@pytest.mark.parametrize("name", NAMES)
def test_divergence_in_the_last_step_is_caught(name):
    # one epoch of one batch: its loss (taken before the update) is finite, but the update
    # overflows the parameters (gradients of about 100 times 1e308); train must not return
    # them silently
    net = load(name)(DIVERGING, DIVERGING_PARAMS)
    before = params_as_lists(net.get_params())
    config = TrainConfig(epochs=1, learning_rate=1e308, batch_size=4)
    with pytest.raises(FloatingPointError, match="not finite"):
        net.train(DX, [[100 * y for y in row] for row in DY], config)
    assert params_as_lists(net.get_params()) == before


@pytest.mark.parametrize("name", NAMES)
def test_divergence_with_momentum_and_softmax(name):
    spec = NetworkSpec((2, 4, 3), "relu", "softmax", "mse")
    net = load(name)(spec, init_params(spec, seed=0))
    before = params_as_lists(net.get_params())
    config = TrainConfig(epochs=50, learning_rate=1e154, batch_size=2, momentum=0.99, l2=1e154)
    with pytest.raises(FloatingPointError, match="not finite"):
        net.train(DX, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], config)
    assert params_as_lists(net.get_params()) == before
