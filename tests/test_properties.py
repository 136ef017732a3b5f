"""Property tests over random architectures and data (hypothesis): forward's shape, a
non-negative finite loss, finite gradients of the right shapes, and agreement between the
implementations; and numerical stability on extreme but finite inputs."""

import math

import numpy as np
import pytest
from conftest import (
    NAMES,
    ORACLE,
    OTHERS,
    as_lists,
    assert_history_close,
    assert_params_close,
    load,
    params_as_lists,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from python_impl.arrays import rel_diff
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    NetworkSpec,
    TrainConfig,
    init_params,
)

SETTINGS = settings(max_examples=25, deadline=None)
# Random data can make a result much smaller than the O(1) numbers it is computed from (for
# instance softmax with mse and targets that are nearly uniform: a gradient of 1e-11 from terms
# of 0.25). Rounding differences are then absolute, about 1e-16, so comparisons of such tiny
# results are absolute: relative to max(|expected|, FLOOR). test_agreement.py, on generic data,
# holds the implementations to the plain relative bound.
FLOOR = 1e-6
TOL = AGREEMENT_TOLERANCE


@st.composite
def problems(draw, magnitude=3.0):
    """(spec, params seed, X, Y): depth 1-3, layers of 1-5, 1-6 samples, targets in [0, 1]
    (rows summing to 1 for softmax with cross-entropy)."""
    sizes = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    output = draw(st.sampled_from(OUTPUT_ACTIVATIONS))
    loss = draw(st.sampled_from(LOSSES if output != "linear" else ("mse",)))
    spec = NetworkSpec(sizes, draw(st.sampled_from(HIDDEN_ACTIVATIONS)), output, loss)
    n = draw(st.integers(1, 6))
    floats = st.floats(-magnitude, magnitude, allow_nan=False)
    X = draw(st.lists(st.lists(floats, min_size=spec.n_in, max_size=spec.n_in),
                      min_size=n, max_size=n))
    units = st.floats(0.0, 1.0)
    Y = draw(st.lists(st.lists(units, min_size=spec.n_out, max_size=spec.n_out),
                      min_size=n, max_size=n))
    if output == "softmax" and loss == "cross_entropy":
        Y = [[v / sum(row) for v in row] if sum(row) > 0 else [1.0 / len(row)] * len(row)
             for row in Y]
    return spec, draw(st.integers(0, 2**16)), X, Y


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(problem=problems())
def test_shapes_loss_and_gradients(name, problem):
    spec, seed, X, Y = problem
    net = load(name)(spec, seed=seed)
    A = as_lists(net.forward(X))
    assert len(A) == len(X) and all(len(row) == spec.n_out for row in A)
    assert all(math.isfinite(v) for row in A for v in row)
    if spec.output_activation != "linear":
        assert all(0.0 <= v <= 1.0 for row in A for v in row)
    value = net.loss(X, Y)
    assert isinstance(value, float) and math.isfinite(value) and value >= 0.0
    grad_value, grads = net.gradients(X, Y)
    assert grad_value == pytest.approx(value, rel=1e-12, abs=1e-300)
    for (dW, db), (n_in, n_out) in zip(grads, spec.layer_shapes()):
        assert np.shape(dW) == (n_in, n_out) and np.shape(db) == (n_out,)
        assert np.isfinite(as_lists(dW)).all() and np.isfinite(as_lists(db)).all()
    predicted = as_lists(net.predict(X))
    # the index of the largest output, or with one output unit 1 where it is >= 0.5, else 0
    expected = [int(row[0] >= 0.5) if spec.n_out == 1
                else max(range(spec.n_out), key=row.__getitem__) for row in as_lists(A)]
    assert predicted == expected
    assert all(int(p) == p for p in predicted)


@pytest.mark.parametrize("name", OTHERS)
@SETTINGS
@given(problem=problems())
def test_agreement_with_the_reference(name, problem):
    spec, seed, X, Y = problem
    params = init_params(spec, seed)
    ref, net = load(ORACLE)(spec, params), load(name)(spec, params)
    assert rel_diff(net.forward(X), ref.forward(X), FLOOR) <= TOL
    assert abs(net.loss(X, Y) - ref.loss(X, Y)) <= TOL * max(abs(ref.loss(X, Y)), FLOOR)
    assert_params_close(params_as_lists(net.gradients(X, Y)[1]),
                        params_as_lists(ref.gradients(X, Y)[1]), TOL, FLOOR)


@pytest.mark.parametrize("name", OTHERS)
@SETTINGS
@given(problem=problems(), batch_size=st.integers(1, 7), momentum=st.sampled_from([0.0, 0.5]),
       l2=st.sampled_from([0.0, 0.01]), shuffle=st.booleans())
def test_training_agreement(name, problem, batch_size, momentum, l2, shuffle):
    # a small learning rate keeps training stable: in a diverging run rounding differences grow
    # with the parameters, and agreement to 1e-9 is not to be expected
    spec, seed, X, Y = problem
    config = TrainConfig(epochs=2, learning_rate=0.01, batch_size=batch_size, momentum=momentum,
                         l2=l2, shuffle=shuffle, seed=seed)
    params = init_params(spec, seed)
    ref, net = load(ORACLE)(spec, params), load(name)(spec, params)
    history = net.train(X, Y, config)
    assert_history_close(history, ref.train(X, Y, config), TOL, FLOOR)
    assert_params_close(params_as_lists(net.get_params()), params_as_lists(ref.get_params()),
                        TOL, FLOOR)


# Extreme but finite inputs: no OverflowError, no warning (warnings are errors), no NaN.

@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("output, loss", [("sigmoid", "mse"), ("sigmoid", "cross_entropy"),
                                          ("softmax", "mse"), ("softmax", "cross_entropy")])
def test_stable_on_extreme_inputs(name, output, loss):
    spec = NetworkSpec((2, 3, 2), "linear", output, loss)
    params = [([[1.0, -1.0, 0.5], [2.0, 0.0, -3.0]], [0.0, 0.0, 0.0]),
              ([[1.0, -1.0], [-1.0, 1.0], [3.0, 0.5]], [0.0, 0.0])]
    X = [[1e300, -1e300], [-1e300, 1e299], [800.0, -800.0], [0.0, 0.0]]
    Y = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    net = load(name)(spec, params)
    A = np.asarray(as_lists(net.forward(X)))
    assert np.isfinite(A).all() and (A >= 0).all() and (A <= 1).all()
    value = net.loss(X, Y)
    assert math.isfinite(value) and value >= 0.0
    _, grads = net.gradients(X, Y)
    assert all(np.isfinite(as_lists(g)).all() for pair in grads for g in pair)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_saturated_hidden_units(name, hidden):
    # z of +-1e4 in the hidden layer: exp of large arguments must never be taken
    spec = NetworkSpec((1, 2, 1), hidden, "sigmoid", "cross_entropy")
    params = [([[1.0, -1.0]], [0.0, 0.0]), ([[1e-4], [1e-4]], [0.0])]
    net = load(name)(spec, params)
    X, Y = [[1e4], [-1e4]], [[1.0], [0.0]]
    value, grads = net.gradients(X, Y)
    assert math.isfinite(value)
    assert all(np.isfinite(as_lists(g)).all() for pair in grads for g in pair)
    assert all(math.isfinite(h) for h in net.train(X, Y, TrainConfig(epochs=2, learning_rate=0.1)))


@pytest.mark.parametrize("name", NAMES)
def test_cross_entropy_of_confident_right_answers_is_tiny_not_zero(name):
    # softplus(-40) = 4.2e-18 must survive: computed as log1p(exp(-40)), not log(1 + exp(-40))
    spec = NetworkSpec((1, 1), "sigmoid", "sigmoid", "cross_entropy")
    net = load(name)(spec, [([[40.0]], [0.0])])
    assert net.loss([[1.0]], [[1.0]]) == pytest.approx(math.log1p(math.exp(-40.0)), rel=1e-12)
