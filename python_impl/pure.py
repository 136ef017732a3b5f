"""Backpropagation in pure Python: the literal reference, standard library only.

A multilayer perceptron trained by mini-batch gradient descent, written as plainly as the
mathematics of docs/contract.md allows and with no NumPy anywhere on its import path, so that
it runs wherever Python runs and serves as the most literal of the three implementations that
the tests compare. It works one sample at a time, as Nielsen's network.py does: z, a and delta
are lists of floats, and a mini-batch's gradient is the sum of its samples' gradients.

It trades away speed: every multiply-add is interpreted, so it is hundreds of times slower
than NumPy on anything but tiny networks. The loops are kept tight without hiding the
algorithm: each weight matrix is one flat list (so that a gradient or an update is a single
pass), the forward pass's dot products are sum(map(mul, ...)), short sums and the backward
pass's multiply-adds are plain loops, and there are no per-element method calls.
"""

from __future__ import annotations

import math
from itertools import chain
from operator import add, mul

from python_impl.spec import (
    as_data,
    as_matrix,
    as_orders,
    as_params,
    check_config,
    check_dtype,
    check_spec,
    init_params,
    not_finite,
    out_of_memory,
)

exp = math.exp
log = math.log
log1p = math.log1p
tanh = math.tanh
isfinite = math.isfinite

# Layout: each layer is a pair (W, b). W, an n_in x n_out matrix, is kept as ONE flat list in
# row-major order, W[i * n_out + j] = W_ij (input i -> neuron j); so W[j::n_out] is column j
# (the weights into neuron j) and W[i * n_out:(i + 1) * n_out] is row i. b has n_out entries.
# get_params / set_params / gradients convert to and from the contract's nested lists.


def activate(z, name):
    """z: n_l floats of one sample -> f(z), n_l floats (softmax over the whole vector)."""
    if name == "sigmoid":
        # stable for any finite z: exp is only taken of -|z| <= 0, so it never overflows
        return [1.0 / (1.0 + exp(-v)) if v >= 0.0 else (e := exp(v)) / (1.0 + e) for v in z]
    if name == "tanh":
        return list(map(tanh, z))
    if name == "relu":
        return [v if v > 0.0 else 0.0 for v in z]
    if name == "softmax":
        return softmax(z)
    return z  # linear


def activate_prime(z, a, name):
    """z, a = f(z): n_l floats -> f'(z), n_l floats (hidden activations only)."""
    if name == "sigmoid":
        return [ai * (1.0 - ai) for ai in a]
    if name == "tanh":
        return [1.0 - ai * ai for ai in a]
    if name == "relu":
        return [1.0 if v > 0.0 else 0.0 for v in z]  # f'(0) = 0
    return [1.0] * len(z)  # linear


def softmax(z):
    """z: n_L floats -> exp(z - max z) / sum exp(z - max z), n_L floats."""
    m = max(z)
    e = [exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def loss_sum(z, a, y, output, loss):
    """z, a, y: n_L floats of one sample -> its loss (a batch's loss_sum adds these up)."""
    if loss == "mse":
        total = 0.0
        for ak, yk in zip(a, y):
            d = ak - yk
            total += d * d
        return 0.5 * total
    if output == "softmax":
        # -sum_k y_k log a_k with log a_k = z_k - max z - log sum_j exp(z_j - max z)
        m = max(z)
        s = 0.0
        for v in z:
            s += exp(v - m)
        lse = log(s)
        total = 0.0
        for v, yk in zip(z, y):
            total += yk * (v - m - lse)
        return -total
    # binary cross-entropy of a = sigmoid(z): y softplus(-z) + (1 - y) softplus(z), where
    # softplus(x) = max(x, 0) + log1p(exp(-|x|)) never overflows; the log1p term is shared
    total = 0.0
    for v, yk in zip(z, y):
        t = log1p(exp(-abs(v)))
        total += yk * (max(-v, 0.0) + t) + (1.0 - yk) * (max(v, 0.0) + t)
    return total


def feedforward(params, x, spec):
    """x: n_0 floats (one sample) -> zs, activations: n_l floats per layer (activations[0] = x)."""
    zs = []
    activations = [x]
    a = x
    last = len(params) - 1
    for l, (W, b) in enumerate(params):
        n_out = len(b)
        # z_j = sum_i a_i W_ij + b_j, with W[j::n_out] column j of the flat W
        z = [sum(map(mul, a, W[j::n_out])) + bj for j, bj in enumerate(b)]
        a = activate(z, spec.output_activation if l == last else spec.hidden_activation)
        zs.append(z)
        activations.append(a)
    return zs, activations


def output_delta(z, a, y, n, output, loss):
    """z, a, y: n_L floats of one sample, n: batch size -> dC/dz_L of the batch mean loss."""
    if loss == "cross_entropy" and output == "softmax":
        # d/dz of -sum y log softmax(z) is a sum(y) - y: a - y when the targets sum to 1
        y_sum = sum(y)
        return [(ak * y_sum - yk) / n for ak, yk in zip(a, y)]
    if loss == "cross_entropy" or output == "linear":
        return [(ak - yk) / n for ak, yk in zip(a, y)]
    if output == "sigmoid":  # mse
        return [(ak - yk) * ak * (1.0 - ak) / n for ak, yk in zip(a, y)]
    # mse with softmax: the softmax Jacobian applied to g = (a - y) / n
    g = [(ak - yk) / n for ak, yk in zip(a, y)]
    s = sum(map(mul, g, a))
    return [ak * (gk - s) for ak, gk in zip(a, g)]


def backprop(params, x, y, spec):
    """x: n x n_0, y: n x n_L (lists of rows) -> loss_sum, nabla_w (flat, as W), nabla_b."""
    n = len(x)
    L = len(params)
    output, loss, hidden = spec.output_activation, spec.loss, spec.hidden_activation
    total = 0.0
    nabla_w = nabla_b = None
    for xs, ys in zip(x, y):  # one sample at a time: z, a and delta are vectors
        zs, activations = feedforward(params, xs, spec)
        total += loss_sum(zs[-1], activations[-1], ys, output, loss)
        delta_nabla_w = [None] * L
        delta_nabla_b = [None] * L
        # backward pass: begin
        delta = output_delta(zs[-1], activations[-1], ys, n, output, loss)
        # a^T delta for one sample is the outer product, flat in W's row-major order
        delta_nabla_w[-1] = [ai * dj for ai in activations[-2] for dj in delta]
        delta_nabla_b[-1] = delta
        for l in range(2, L + 1):
            # l counts layers back from the output, as in Nielsen: zs[-l] is the l-th last z,
            # and params[-l + 1] holds the W that carried activations[-l] one layer forward
            W = params[-l + 1][0]
            n_out = len(delta)
            fprime = activate_prime(zs[-l], activations[-l], hidden)
            # (delta W^T)_i = sum_j delta_j W_ij, summed column by column: each neuron j sends
            # delta_j back along its weights W[j::n_out] (column j of the flat W)
            back = [0.0] * len(fprime)
            for j, dj in enumerate(delta):
                for i, w in enumerate(W[j::n_out]):
                    back[i] += dj * w
            delta = [s * fp for s, fp in zip(back, fprime)]
            delta_nabla_w[-l] = [ai * dj for ai in activations[-l - 1] for dj in delta]
            delta_nabla_b[-l] = delta
        # backward pass: end
        if nabla_w is None:  # the batch's first sample
            nabla_w, nabla_b = delta_nabla_w, delta_nabla_b
        else:
            nabla_w = [list(map(add, nw, dnw)) for nw, dnw in zip(nabla_w, delta_nabla_w)]
            nabla_b = [list(map(add, nb, dnb)) for nb, dnb in zip(nabla_b, delta_nabla_b)]
    return total, nabla_w, nabla_b


def update(params, velocity, nabla_w, nabla_b, eta, momentum, l2):
    """v = momentum v - eta (nabla + l2 W) (no l2 on b); param += v. W, b, v changed in place."""
    for (W, b), (vw, vb), nw, nb in zip(params, velocity, nabla_w, nabla_b):
        if l2:
            nw = [g + l2 * w for g, w in zip(nw, W)]
        for theta, v, nabla in ((W, vw, nw), (b, vb, nb)):
            if momentum:
                for k, g in enumerate(nabla):
                    v[k] = vk = momentum * v[k] - eta * g
                    theta[k] += vk
            else:  # v = -eta g: the same numbers, without keeping v
                for k, g in enumerate(nabla):
                    theta[k] -= eta * g


def mix32(x):
    """x in [0, 2**32) -> its 32-bit hash, in [0, 2**32): a bijection (splitmix32's output
    function; docs/contract.md, "Sample orders")."""
    x ^= x >> 16
    x = (x * 0x21F0AAAD) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x735A2D97) & 0xFFFFFFFF
    return x ^ (x >> 15)


def epoch_order(n, seed, epoch):
    """-> the sample order of `epoch` (from 0): 0 .. n-1 sorted by mix32(i XOR key)."""
    key = mix32(mix32(seed ^ 0x9E3779B9) ^ epoch)  # the epoch's key
    return sorted(range(n), key=lambda i: mix32(i ^ key))  # stable: a tie to the smaller i


def sample_orders(orders, n, config):
    """Each epoch's order in turn: the given ones, or the contract's (0 .. n-1 unshuffled)."""
    if orders is not None:
        return orders
    if not config.shuffle:
        return [range(n)] * config.epochs
    return (epoch_order(n, config.seed, epoch) for epoch in range(config.epochs))


def train_epochs(params, X, Y, orders, config, spec):
    """X: n x n_0, Y: n x n_L, orders: epochs x n indices or None (the contract's) -> history;
    params changed in place."""
    n = len(X)
    size = config.batch_size
    eta, momentum, l2 = config.learning_rate, config.momentum, config.l2
    velocity = [([0.0] * len(W), [0.0] * len(b)) for W, b in params]
    history = []
    for epoch, order in enumerate(sample_orders(orders, n, config), start=1):
        total = 0.0
        x, y = [X[i] for i in order], [Y[i] for i in order]  # the epoch's rows, in order
        for start in range(0, n, size):
            stop = start + size  # the last batch may be shorter
            loss, nabla_w, nabla_b = backprop(params, x[start:stop], y[start:stop], spec)
            update(params, velocity, nabla_w, nabla_b, eta, momentum, l2)
            total += loss
        history.append(total / n)
        if not isfinite(history[-1]):
            raise FloatingPointError(f"train: loss is not finite in epoch {epoch} "
                                     f"({history[-1]}); the learning rate may be too large")
    if not all(map(isfinite, chain.from_iterable(chain.from_iterable(params)))):
        raise FloatingPointError(f"train: parameters are not finite after epoch {config.epochs}; "
                                 "the learning rate may be too large")
    return history


def flatten(params):
    """[(W rows, b)] validated by spec.as_params -> [(flat row-major W, b)] (see Layout)."""
    return [(list(chain.from_iterable(W)), b) for W, b in params]


class Network:
    """A multilayer perceptron (see docs/contract.md); matrices are nested lists of floats.
    Its lists are replaced, never changed in place: a copy, deep copy or pickle of it is an
    independent network."""

    def __init__(self, spec, params=None, seed=0, dtype="float64"):
        """spec: NetworkSpec; params: [(W, b)] per layer, or None for init_params(spec, seed);
        dtype: "float64" only (Python's float is a double; "float32" is a ValueError)."""
        self.spec = check_spec(spec)
        if check_dtype(dtype) != "float64":
            raise ValueError(f"dtype {dtype!r}: pure Python computes in float64 only, since "
                             "Python's float is a C double; python_impl.vectorized and "
                             "fortran_impl offer float32")
        self.dtype = "float64"
        self.set_params(init_params(spec, seed) if params is None else params)

    def get_params(self):
        """-> [(W, b)] copies: W n_in x n_out nested lists, b a list of n_out floats."""
        return [([W[k:k + len(b)] for k in range(0, len(W), len(b))], list(b))
                for W, b in self._params]

    def set_params(self, params):
        """params: [(W, b)] per layer, W n_in x n_out, b n_out; validated, then copied in."""
        params = as_params(params, self.spec)
        try:
            self._params = flatten(params)
        except MemoryError as error:
            raise out_of_memory("params", "their copy", error) from None

    def forward(self, X):
        """X: n x n_0 -> A: n x n_L (nested lists), the output activations."""
        X = as_matrix("X", X, self.spec.n_in)
        try:
            A = [feedforward(self._params, x, self.spec)[1][-1] for x in X]
        except MemoryError as error:
            raise out_of_memory("X", "the outputs of forward", error) from None
        if not all(map(isfinite, chain.from_iterable(A))):
            raise not_finite("forward")
        return A

    def loss(self, X, Y):
        """X: n x n_0, Y: n x n_L -> the mean per-sample loss (float)."""
        X, Y = as_data(X, Y, self.spec)
        spec = self.spec
        total = 0.0
        try:
            for x, y in zip(X, Y):
                zs, activations = feedforward(self._params, x, spec)
                total += loss_sum(zs[-1], activations[-1], y, spec.output_activation, spec.loss)
        except MemoryError as error:
            raise out_of_memory("X", "the work of loss", error) from None
        if not isfinite(total):
            raise not_finite("loss")
        return total / len(X)

    def gradients(self, X, Y):
        """X: n x n_0, Y: n x n_L -> (loss, [(dW n_in x n_out, db n_out)]) of the mean loss."""
        X, Y = as_data(X, Y, self.spec)
        try:
            total, nabla_w, nabla_b = backprop(self._params, X, Y, self.spec)
        except MemoryError as error:
            raise out_of_memory("X", "the work of gradients", error) from None
        if not (isfinite(total) and all(map(isfinite, chain(*nabla_w, *nabla_b)))):
            raise not_finite("gradients")
        return total / len(X), [([nw[k:k + len(nb)] for k in range(0, len(nw), len(nb))], nb)
                                for nw, nb in zip(nabla_w, nabla_b)]

    def train(self, X, Y, config, orders=None):
        """X: n x n_0, Y: n x n_L -> history (mean loss per epoch); all or nothing on error."""
        check_config(config)
        X, Y = as_data(X, Y, self.spec)
        if orders is not None:
            orders = as_orders(orders, len(X), config)
        try:
            params = [(list(W), list(b)) for W, b in self._params]  # trained in place: a copy
            history = train_epochs(params, X, Y, orders, config, self.spec)
        except MemoryError as error:
            raise out_of_memory("config", "the work of train", error) from None
        self._params = params
        return history

    def predict(self, X):
        """X: n x n_0 -> per sample, the index of the largest output, or with one output unit
        1 where it is >= 0.5, else 0 (list of n ints)."""
        A = self.forward(X)
        if self.spec.n_out == 1:
            return [int(a[0] >= 0.5) for a in A]
        return [max(range(len(a)), key=a.__getitem__) for a in A]
