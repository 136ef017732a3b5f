"""gradients(X, Y) is the exact gradient of loss(X, Y): central differences agree with it to
relative error < spec.GRADIENT_CHECK_TOLERANCE, for every activation and loss the contract
allows, at depths 1 to 3, in every implementation."""

import itertools
import random

import numpy as np
import pytest
from conftest import NAMES, load, params_as_lists

from python_impl.arrays import gradient_check
from python_impl.spec import (
    GRADIENT_CHECK_TOLERANCE,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    NetworkSpec,
    init_params,
)

COMBINATIONS = [(h, o, loss) for h, o, loss in
                itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, LOSSES)
                if not (loss == "cross_entropy" and o == "linear")]
DEPTHS = {1: (3, 3), 2: (3, 4, 3), 3: (3, 4, 3, 3)}
N_SAMPLES = 4
KINK = 1e-3  # relu: no pre-activation closer to 0 than this, so that h = 1e-5 never crosses it


def pre_activations(params, X, hidden):
    """The hidden layers' z for every sample, computed here independently (NumPy, float64)."""
    a = np.asarray(X, dtype=float)
    zs = []
    for W, b in params[:-1]:
        z = a @ np.asarray(W) + np.asarray(b)
        zs.append(z)
        a = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
             "relu": lambda z: np.maximum(z, 0.0), "linear": lambda z: z}[hidden](z)
    return zs


def problem(spec, seed):
    """Parameters (biases drawn too), inputs and targets for spec, clear of relu's kink.

    seed: an int or a string (random.Random seeds a string deterministically across runs)."""
    rng = random.Random(seed)
    for _ in range(100):
        params = [(W, [rng.uniform(-0.5, 0.5) for _ in b])
                  for W, b in init_params(spec, rng.randrange(10**6))]
        X = [[rng.uniform(-1.5, 1.5) for _ in range(spec.n_in)] for _ in range(N_SAMPLES)]
        # any finite targets, outside [0, 1] and not summing to 1 too
        Y = [[rng.uniform(-0.5, 1.5) for _ in range(spec.n_out)] for _ in range(N_SAMPLES)]
        zs = pre_activations(params, X, spec.hidden_activation)
        if spec.hidden_activation != "relu" or all(np.abs(z).min() > KINK for z in zs):
            return params, X, Y
    raise AssertionError("no draw cleared the relu kink")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("depth", sorted(DEPTHS))
@pytest.mark.parametrize("hidden, output, loss", COMBINATIONS)
def test_gradient_matches_central_differences(name, depth, hidden, output, loss):
    Network = load(name)
    spec = NetworkSpec(DEPTHS[depth], hidden, output, loss)
    params, X, Y = problem(spec, seed=f"{depth} {hidden} {output} {loss}")
    net = Network(spec, params)
    value, grads = net.gradients(X, Y)
    assert isinstance(value, float)
    assert value == pytest.approx(net.loss(X, Y), rel=1e-12)
    assert len(grads) == spec.n_layers
    for (dW, db), (n_in, n_out) in zip(grads, spec.layer_shapes()):
        assert np.shape(dW) == (n_in, n_out) and np.shape(db) == (n_out,)
    # the contract's check (python_impl.arrays): central differences, relative error per array
    for layer, errors in enumerate(gradient_check(net, params, X, Y)):
        assert max(errors) < GRADIENT_CHECK_TOLERANCE, f"layer {layer}: relative errors {errors}"
    assert params_as_lists(net.get_params()) == params_as_lists(params)


def test_gradient_check_can_fail():
    # a gradient that is off by 1e-4 in one entry is caught by the contract's check
    spec = NetworkSpec((3, 4, 3), "tanh", "softmax", "cross_entropy")
    params, X, Y = problem(spec, seed=5)

    class Off(load("numpy")):
        def gradients(self, X, Y):
            value, grads = super().gradients(X, Y)
            grads[0][0][0, 0] += 1e-4
            return value, grads

    errors = gradient_check(Off(spec, params), params, X, Y)
    assert errors[0][0] > GRADIENT_CHECK_TOLERANCE
    assert max(errors[0][1], *errors[1]) < GRADIENT_CHECK_TOLERANCE


@pytest.mark.parametrize("name", NAMES)
def test_gradients_do_not_change_params(name):
    spec = NetworkSpec((3, 4, 3), "tanh", "softmax", "cross_entropy")
    params, X, Y = problem(spec, seed=5)
    net = load(name)(spec, params)
    before = params_as_lists(net.get_params())
    net.gradients(X, Y)
    net.loss(X, Y)
    net.forward(X)
    assert params_as_lists(net.get_params()) == before
