"""gradients(X, Y) is the exact gradient of loss(X, Y): central differences agree with it to
relative error < spec.GRADIENT_CHECK_TOLERANCE, for every activation and loss the contract
allows, at depths 1 to 3, in every implementation."""

import itertools
import random

import numpy as np
import pytest

from conftest import as_lists, load, NAMES, params_as_lists
from python_impl.spec import (GRADIENT_CHECK_STEP, GRADIENT_CHECK_TOLERANCE, HIDDEN_ACTIVATIONS,
                              LOSSES, OUTPUT_ACTIVATIONS, NetworkSpec, init_params)

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


def central_differences(Network, spec, params, X, Y):
    """d loss / d param for every W and b entry, by (C(p + h) - C(p - h)) / 2h."""
    h = GRADIENT_CHECK_STEP
    net = Network(spec, params)
    grads = []
    for layer, (W, b) in enumerate(params):
        dW = [[0.0] * len(W[0]) for _ in W]
        db = [0.0] * len(b)
        entries = [(W[i], j, dW[i]) for i in range(len(W)) for j in range(len(W[0]))]
        entries += [(b, j, db) for j in range(len(b))]
        for values, j, out in entries:
            original = values[j]
            values[j] = original + h
            net.set_params(params)
            plus = net.loss(X, Y)
            values[j] = original - h
            net.set_params(params)
            minus = net.loss(X, Y)
            values[j] = original
            out[j] = (plus - minus) / (2 * h)
        grads.append((dW, db))
    return grads


def relative_error(g, fd):
    """max |g - fd| / max(max |g|, max |fd|, tiny)."""
    g, fd = np.asarray(g, dtype=float), np.asarray(fd, dtype=float)
    return float(np.abs(g - fd).max() / max(np.abs(g).max(), np.abs(fd).max(), 1e-300))


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
    fd = central_differences(Network, spec, params_as_lists(params), X, Y)
    assert len(grads) == spec.n_layers
    shapes = spec.layer_shapes()
    for layer, ((dW, db), (fdW, fdb), (n_in, n_out)) in enumerate(zip(grads, fd, shapes)):
        assert np.shape(dW) == (n_in, n_out) and np.shape(db) == (n_out,)
        error = max(relative_error(as_lists(dW), fdW), relative_error(as_lists(db), fdb))
        assert error < GRADIENT_CHECK_TOLERANCE, f"layer {layer}: relative error {error:.2e}"


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
