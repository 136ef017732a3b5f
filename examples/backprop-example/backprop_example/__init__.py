"""An example implementation of the backprop-bench contract (docs/contract.md): a multilayer
perceptron trained by mini-batch gradient descent, in NumPy, as short as the contract allows.

It is here to show the whole path for an implementation of your own (see README.md beside
this package): write a class with the contract's methods, register it under the entry-point
group `backprop_bench.implementations` (pyproject.toml), then `python -m bench check example`,
`python -m bench run --impl example,numpy`, and the report shows it beside the others.

The arguments are checked by the contract layer (python_impl.arrays), so that bad input
raises the same errors as the project's own implementations; the sample orders are the
contract's (python_impl.spec.epoch_order). Everything else is written out here.
"""

from __future__ import annotations

import numpy as np

from python_impl.arrays import as_data, as_matrix, as_orders, as_params
from python_impl.spec import check_config, check_spec, epoch_order, init_params, not_finite


def activate(z, name):
    """f(z) of a layer (z: n x n_l); softmax row by row."""
    if name == "sigmoid":
        e = np.exp(-np.abs(z))                     # exp of -|z| only: never overflows
        return np.where(z >= 0, 1.0, e) / (1.0 + e)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return z                                       # linear


def derivative(z, a, name):
    """f'(z) of a hidden layer, from z or a = f(z)."""
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0.0).astype(z.dtype)
    return np.ones_like(z)


def loss_sum(z, a, y, output, loss):
    """The batch's summed per-sample loss (the contract's stable forms)."""
    if loss == "mse":
        return 0.5 * float(np.sum((a - y) ** 2))
    if output == "softmax":
        shifted = z - z.max(axis=1, keepdims=True)
        return -float(np.sum(y * (shifted - np.log(np.exp(shifted).sum(axis=1,
                                                                       keepdims=True)))))
    t = np.log1p(np.exp(-np.abs(z)))               # binary cross-entropy of sigmoid(z)
    return float(np.sum(y * (np.maximum(-z, 0.0) + t) + (1.0 - y) * (np.maximum(z, 0.0) + t)))


def output_delta(a, y, n, output, loss):
    """dC/dz of the output layer for the batch's mean loss."""
    if loss == "cross_entropy" and output == "softmax":
        return (a * y.sum(axis=1, keepdims=True) - y) / n
    if loss == "cross_entropy" or output == "linear":
        return (a - y) / n
    if output == "sigmoid":
        return (a - y) * a * (1.0 - a) / n
    g = (a - y) / n                                # mse with softmax: its Jacobian
    return a * (g - np.sum(g * a, axis=1, keepdims=True))


def backprop(params, x, y, spec):
    """(the batch's summed loss, [(dW, db)] of its mean loss)."""
    zs, activations = [], [x]
    for layer, (W, b) in enumerate(params):
        last = layer == len(params) - 1
        zs.append(activations[-1] @ W + b)
        activations.append(activate(zs[-1], spec.output_activation if last
                                    else spec.hidden_activation))
    total = loss_sum(zs[-1], activations[-1], y, spec.output_activation, spec.loss)
    delta = output_delta(activations[-1], y, len(x), spec.output_activation, spec.loss)
    grads = [None] * len(params)
    for layer in range(len(params) - 1, -1, -1):
        grads[layer] = (activations[layer].T @ delta, delta.sum(axis=0))
        if layer > 0:
            delta = (delta @ params[layer][0].T) * derivative(zs[layer - 1], activations[layer],
                                                               spec.hidden_activation)
    return total, grads


class Network:
    """The contract's Network (float64)."""

    dtypes = ("float64",)              # the precisions it computes in

    def __init__(self, spec, params=None, seed=0):
        self.spec = check_spec(spec)
        self.set_params(init_params(spec, seed) if params is None else params)

    def get_params(self):
        return [(W.copy(), b.copy()) for W, b in self._params]

    def set_params(self, params):
        self._params = [(W.copy(), b.copy()) for W, b in as_params(params, self.spec)]

    def forward(self, X):
        a = as_matrix("X", X, self.spec.n_in)
        with np.errstate(all="ignore"):
            for layer, (W, b) in enumerate(self._params):
                last = layer == len(self._params) - 1
                a = activate(a @ W + b, self.spec.output_activation if last
                             else self.spec.hidden_activation)
        if not np.isfinite(a).all():
            raise not_finite("forward")
        return a

    def loss(self, X, Y):
        X, Y = as_data(X, Y, self.spec)
        with np.errstate(all="ignore"):
            total, _ = backprop(self._params, X, Y, self.spec)
        if not np.isfinite(total):
            raise not_finite("loss")
        return total / len(X)

    def gradients(self, X, Y):
        X, Y = as_data(X, Y, self.spec)
        with np.errstate(all="ignore"):
            total, grads = backprop(self._params, X, Y, self.spec)
        if not (np.isfinite(total) and all(np.isfinite(g).all() for pair in grads
                                           for g in pair)):
            raise not_finite("gradients")
        return total / len(X), grads

    def train(self, X, Y, config, orders=None):
        check_config(config)
        X, Y = as_data(X, Y, self.spec)
        n = len(X)
        if orders is not None:
            orders = as_orders(orders, n, config)
        params = self.get_params()                 # trained on a copy: all or nothing
        velocity = [(np.zeros_like(W), np.zeros_like(b)) for W, b in params]
        history = []
        with np.errstate(all="ignore"):
            for epoch in range(config.epochs):
                if orders is not None:
                    order = orders[epoch]
                elif config.shuffle:
                    order = epoch_order(n, config.seed, epoch)
                else:
                    order = range(n)
                order = np.asarray(order, dtype=np.intp)
                total = 0.0
                for start in range(0, n, config.batch_size):
                    batch = order[start:start + config.batch_size]
                    loss, grads = backprop(params, X[batch], Y[batch], self.spec)
                    total += loss
                    for (W, b), (vW, vb), (dW, db) in zip(params, velocity, grads):
                        vW *= config.momentum
                        vW -= config.learning_rate * (dW + config.l2 * W)
                        vb *= config.momentum
                        vb -= config.learning_rate * db
                        W += vW
                        b += vb
                history.append(total / n)
                if not np.isfinite(history[-1]):
                    raise FloatingPointError(f"train: loss is not finite in epoch {epoch + 1}")
        if not all(np.isfinite(p).all() for pair in params for p in pair):
            raise FloatingPointError(f"train: parameters are not finite after epoch "
                                     f"{config.epochs}")
        self._params = params
        return history

    def predict(self, X):
        A = self.forward(X)
        if self.spec.n_out == 1:
            return (A[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(A, axis=1)
