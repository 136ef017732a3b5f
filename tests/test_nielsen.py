"""The contract's `mse` and `learning_rate` are Nielsen's quadratic cost and eta: one step of his
chapter-1 network (src/network.py of mnielsen/neural-networks-and-deep-learning, Python 2,
Copyright (c) 2012-2015 Michael Nielsen, MIT License: the text of this project's LICENSE with
that copyright line), transcribed below to Python 3, gives the parameters that every
implementation gives after one epoch of one mini-batch from the same initial parameters.

His layout: W is n_out x n_in, samples are column vectors, z = W a + b. The contract's: W is
n_in x n_out, samples are rows, z = a W + b; so his W is the contract's transposed.
"""

import numpy as np
import pytest

from bench import workloads as wl
from bench.implementations import IMPLEMENTATIONS
from python_impl.arrays import layer_diffs
from python_impl.spec import TrainConfig, init_params

NIELSEN = wl.get("nielsen")


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1.0 - sigmoid(z))


class NielsenNetwork:
    """His Network without its random initialisation, SGD loop and evaluate: the parameters
    are given (biases as n_out x 1 columns)."""

    def __init__(self, weights, biases):
        self.weights = weights
        self.biases = biases
        self.num_layers = len(weights) + 1

    def feedforward(self, a):
        for b, w in zip(self.biases, self.weights):
            a = sigmoid(np.dot(w, a) + b)
        return a

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step: the per-sample gradients summed, times eta / batch size."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        for x, y in mini_batch:
            delta_nabla_b, delta_nabla_w = self.backprop(x, y)
            nabla_b = [nb + dnb for nb, dnb in zip(nabla_b, delta_nabla_b)]
            nabla_w = [nw + dnw for nw, dnw in zip(nabla_w, delta_nabla_w)]
        self.weights = [w - (eta / len(mini_batch)) * nw
                        for w, nw in zip(self.weights, nabla_w)]
        self.biases = [b - (eta / len(mini_batch)) * nb
                       for b, nb in zip(self.biases, nabla_b)]

    def backprop(self, x, y):
        """(nabla_b, nabla_w) of the one-sample cost C_x = ||y - a||^2 / 2."""
        nabla_b = [np.zeros(b.shape) for b in self.biases]
        nabla_w = [np.zeros(w.shape) for w in self.weights]
        activation = x
        activations = [x]
        zs = []
        for b, w in zip(self.biases, self.weights):
            z = np.dot(w, activation) + b
            zs.append(z)
            activation = sigmoid(z)
            activations.append(activation)
        delta = self.cost_derivative(activations[-1], y) * sigmoid_prime(zs[-1])
        nabla_b[-1] = delta
        nabla_w[-1] = np.dot(delta, activations[-2].transpose())
        for layer in range(2, self.num_layers):
            delta = np.dot(self.weights[-layer + 1].transpose(), delta) * sigmoid_prime(
                zs[-layer])
            nabla_b[-layer] = delta
            nabla_w[-layer] = np.dot(delta, activations[-layer - 1].transpose())
        return nabla_b, nabla_w

    def cost_derivative(self, output_activations, y):
        return output_activations - y


def mini_batch_and_params():
    """Ten training samples of the nielsen data, one of each digit, and initial parameters:
    the workload's init_params with biases made nonzero, so that their layout is tested too."""
    data = wl.dataset(NIELSEN)
    rows = [int(np.flatnonzero(data.labels_train == digit)[0]) for digit in range(10)]
    X, Y = data.X_train[rows], data.Y_train[rows]
    rng = np.random.default_rng(18)
    params = [(np.array(W), rng.normal(0.0, 0.5, len(b)))
              for W, b in init_params(NIELSEN.spec, NIELSEN.seed)]
    return X, Y, params


def test_the_workload_is_nielsens_chapter_1_network():
    spec, config = NIELSEN.spec, NIELSEN.config
    assert spec.layer_sizes == (784, 30, 10)
    assert (spec.hidden_activation, spec.output_activation, spec.loss) == (
        "sigmoid", "sigmoid", "mse")
    assert (config.epochs, config.batch_size, config.learning_rate) == (30, 10, 3.0)
    assert (config.momentum, config.l2) == (0.0, 0.0)
    data = wl.dataset(NIELSEN)
    assert (data.n_train, data.n_test) == (4000, 1000)
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0


@pytest.mark.parametrize("name", list(IMPLEMENTATIONS))
def test_one_epoch_of_one_mini_batch_is_his_update_mini_batch(name):
    X, Y, params = mini_batch_and_params()
    his = NielsenNetwork([W.T.copy() for W, _ in params], [b[:, None] for _, b in params])
    his.update_mini_batch([(x[:, None], y[:, None]) for x, y in zip(X, Y)], eta=3.0)
    expected = [(w.T, b[:, 0]) for w, b in zip(his.weights, his.biases)]

    net = IMPLEMENTATIONS[name](NIELSEN.spec, [(W.tolist(), b.tolist()) for W, b in params])
    net.train(X.tolist(), Y.tolist(),
              TrainConfig(epochs=1, learning_rate=3.0, batch_size=10, shuffle=False))
    trained = [(np.asarray(W), np.asarray(b)) for W, b in net.get_params()]

    assert max(layer_diffs(trained, expected)) <= 1e-12
    # the step itself is large enough that a wrong scale (eta, 1/n, the 1/2) would show
    steps = layer_diffs(expected, params)
    assert min(steps) > 1e-3, steps


@pytest.mark.parametrize("name", list(IMPLEMENTATIONS))
def test_mse_is_his_quadratic_cost(name):
    """C = 1/(2n) sum_x ||y(x) - a||^2 (his equation (6)), with his feedforward."""
    X, Y, params = mini_batch_and_params()
    his = NielsenNetwork([W.T.copy() for W, _ in params], [b[:, None] for _, b in params])
    cost = sum(np.sum((y[:, None] - his.feedforward(x[:, None])) ** 2)
               for x, y in zip(X, Y)) / (2 * len(X))
    net = IMPLEMENTATIONS[name](NIELSEN.spec, [(W.tolist(), b.tolist()) for W, b in params])
    assert net.loss(X.tolist(), Y.tolist()) == pytest.approx(cost, rel=1e-12)
    assert cost > 0.1  # a real cost, not near zero
