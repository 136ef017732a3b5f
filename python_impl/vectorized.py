"""Backpropagation in NumPy: the same algorithm as pure.py, vectorised over the mini-batch.

A multilayer perceptron trained by mini-batch gradient descent (docs/contract.md), in the
network's precision throughout: float64 (the default) or float32 (Network(..., dtype=)); every
array, the workspace's included, has that dtype, and the loss sums stay in it. Each function
here is the matrix form of the function of the same name in pure.py: z, a and delta are
n x n_l arrays holding a whole batch, one matrix product per layer per pass, and no Python
loop over samples. It is the reference the benchmarks compare against.

It trades away plainness for speed: the parameters live in one flat vector (W and b of each
layer are views into it, so that one vector operation updates every layer), and every array of
the hot loop is preallocated per batch size and written in place (out=), so that training
allocates nothing per batch. Overflow is silenced with np.errstate; a non-finite loss during
training is raised as FloatingPointError instead. A Network keeps the flat vector alone (the
views are made from it when used) and replaces it, never changes it: so a pickled, copied or
deep-copied network is an independent one that trains as the original would.
"""

from __future__ import annotations

import math

import numpy as np

from python_impl.arrays import as_data, as_dtype, as_matrix, as_orders, as_params
from python_impl.spec import check_config, check_spec, init_params, not_finite, out_of_memory

# Layout: all parameters are one flat vector (of the network's dtype), layer by layer,
# W (n_in x n_out, row-major) then b (n_out). params = [(W, b)] holds views into it; nabla_w,
# nabla_b and the velocity are views into vectors of the same layout.


def activate(z, name, out, scratch):
    """z: n x n_l -> f(z) written into out (n x n_l, scratch alike); softmax is row-wise."""
    if name == "sigmoid":
        # stable for any finite z: exp is only taken of numbers <= 0, so it never overflows.
        # z >= 0: 1 / (1 + exp(-z)); z < 0: e / (1 + e) with e = exp(z); both branches at once
        # as exp(min(z, 0)) / (1 + exp(-|z|)), which is cheaper than masking
        np.minimum(z, 0.0, out=out)
        np.exp(out, out=out)                    # numerator: 1 where z >= 0, e where z < 0
        np.abs(z, out=scratch)
        np.negative(scratch, out=scratch)
        np.exp(scratch, out=scratch)
        scratch += 1.0                          # denominator: 1 + exp(-|z|)
        return np.divide(out, scratch, out=out)
    if name == "tanh":
        return np.tanh(z, out=out)
    if name == "relu":
        return np.maximum(z, 0.0, out=out)
    if name == "softmax":
        return softmax(z, out, scratch[:, :1])  # a column of scratch holds the row maxima
    return z  # linear


def activate_prime(z, a, name, out):
    """z, a = f(z): n x n_l -> f'(z) written into out (hidden activations only)."""
    if name == "sigmoid":
        np.subtract(1.0, a, out=out)
        return np.multiply(a, out, out=out)
    if name == "tanh":
        np.multiply(a, a, out=out)
        return np.subtract(1.0, out, out=out)
    if name == "relu":
        return np.greater(z, 0.0, out=out)  # f'(0) = 0
    out.fill(1.0)  # linear
    return out


def softmax(z, out, row):
    """z: n x n_L -> exp(z - max z) / sum exp(z - max z) row-wise, into out; row: n x 1 scratch."""
    np.maximum.reduce(z, axis=1, keepdims=True, out=row)
    np.subtract(z, row, out=out)
    np.exp(out, out=out)
    np.add.reduce(out, axis=1, keepdims=True, out=row)
    return np.divide(out, row, out=out)


def loss_sum(z, a, y, output, loss, ws):
    """z, a, y: n x n_L -> the sum over the batch of the per-sample losses (ws.real: a float,
    or a NumPy float32 scalar in a float32 network)."""
    s1, s2, s3 = ws.spare
    if loss == "mse":
        np.subtract(a, y, out=s1)
        return ws.half * ws.real(np.vdot(s1, s1))
    if output == "softmax":
        # -sum_k y_k log a_k with log a_k = z_k - max z - log sum_j exp(z_j - max z)
        row = ws.row
        np.maximum.reduce(z, axis=1, keepdims=True, out=row)
        np.subtract(z, row, out=s1)
        np.exp(s1, out=s2)
        np.add.reduce(s2, axis=1, keepdims=True, out=row)
        np.log(row, out=row)
        s1 -= row
        return -ws.real(np.vdot(y, s1))
    # binary cross-entropy of a = sigmoid(z): y softplus(-z) + (1 - y) softplus(z), where
    # softplus(x) = max(x, 0) + log1p(exp(-|x|)) never overflows; the log1p term is shared
    np.abs(z, out=s1)
    np.negative(s1, out=s1)
    np.exp(s1, out=s1)
    np.log1p(s1, out=s1)                        # t = log1p(exp(-|z|))
    np.maximum(z, 0.0, out=s2)
    s2 += s1                                    # softplus(z) = max(z, 0) + t
    np.minimum(z, 0.0, out=s3)
    s1 -= s3                                    # softplus(-z) = max(-z, 0) + t
    total = ws.real(np.vdot(y, s1))
    np.subtract(1.0, y, out=s3)
    return total + ws.real(np.vdot(s3, s2))


def feedforward(params, x, spec, ws):
    """x: n x n_0 -> zs, activations: n x n_l per layer (activations[0] is x), in ws's buffers."""
    zs = ws.zs
    activations = [x]
    a = x
    last = len(params) - 1
    for l, (W, b) in enumerate(params):
        z = np.matmul(a, W, out=zs[l])
        z += b
        a = activate(z, spec.output_activation if l == last else spec.hidden_activation,
                     ws.activations[l], ws.scratch[l])
        activations.append(a)
    return zs, activations


def output_delta(z, a, y, n, output, loss, ws):
    """z, a, y: n x n_L, n: batch size -> dC/dz_L of the batch mean loss (ws.deltas[-1])."""
    if loss == "cross_entropy" and output == "softmax":
        # d/dz of -sum y log softmax(z) is a sum(y) - y: a - y when the targets sum to 1
        np.add.reduce(y, axis=1, keepdims=True, out=ws.row)
        delta = np.multiply(a, ws.row, out=ws.deltas[-1])
        delta -= y
        delta /= n
        return delta
    delta = np.subtract(a, y, out=ws.deltas[-1])
    if loss == "cross_entropy" or output == "linear":
        delta /= n
        return delta
    if output == "sigmoid":  # mse
        delta *= a
        scratch = ws.spare[0]
        np.subtract(1.0, a, out=scratch)
        delta *= scratch
        delta /= n
        return delta
    # mse with softmax: the softmax Jacobian applied to g = (a - y) / n, row by row
    delta /= n
    scratch = ws.spare[0]
    np.multiply(delta, a, out=scratch)
    np.add.reduce(scratch, axis=1, keepdims=True, out=ws.row)
    delta -= ws.row
    delta *= a
    return delta


def backprop(params, x, y, spec, ws):
    """x: n x n_0, y: n x n_L -> loss_sum, nabla_w, nabla_b (views of ws.nabla, filled in place)."""
    n = x.shape[0]
    L = len(params)
    output, loss, hidden = spec.output_activation, spec.loss, spec.hidden_activation
    zs, activations = feedforward(params, x, spec, ws)
    total = loss_sum(zs[-1], activations[-1], y, output, loss, ws)
    nabla_w, nabla_b = ws.nabla_w, ws.nabla_b
    # backward pass: begin
    delta = output_delta(zs[-1], activations[-1], y, n, output, loss, ws)
    np.matmul(activations[-2].T, delta, out=nabla_w[-1])
    np.add.reduce(delta, axis=0, out=nabla_b[-1])
    for l in range(2, L + 1):
        # l counts layers back from the output, as in Nielsen: zs[-l] is the l-th last z,
        # and params[-l + 1] holds the W that carried activations[-l] one layer forward
        W = params[-l + 1][0]
        fprime = activate_prime(zs[-l], activations[-l], hidden, ws.scratch[-l])
        delta = np.matmul(delta, W.T, out=ws.deltas[-l])
        delta *= fprime
        np.matmul(activations[-l - 1].T, delta, out=nabla_w[-l])
        np.add.reduce(delta, axis=0, out=nabla_b[-l])
    # backward pass: end
    return total, nabla_w, nabla_b


def update(theta, velocity, nabla, eta, momentum, decay, scratch):
    """v = momentum v - eta (nabla + decay theta); theta += v: flat (n_params,) arrays, in place."""
    # theta, velocity and nabla hold every layer's W and b (see Layout); decay is l2 at the
    # weights and 0 at the biases, or None when l2 = 0
    if decay is not None:
        np.multiply(decay, theta, out=scratch)
        nabla += scratch
    nabla *= eta
    if momentum:
        velocity *= momentum
        velocity -= nabla
        theta += velocity
    else:  # v = -eta g: the same numbers, without keeping v
        theta -= nabla


def mix32(x):
    """x: int64 array (or scalar) in [0, 2**32) -> its 32-bit hash, elementwise, in [0, 2**32):
    a bijection (splitmix32's output function; docs/contract.md, "Sample orders"). x < 2**32
    and each multiplier < 2**31, so no int64 product overflows."""
    x = x ^ (x >> 16)
    x = (x * 0x21F0AAAD) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x735A2D97) & 0xFFFFFFFF
    return x ^ (x >> 15)


def epoch_orders(n, seed, first, count):
    """-> (count, n) array: row k the sample order of epoch first + k (from 0), 0 .. n-1 sorted
    by mix32(i XOR key), every epoch at once, with no Python loop."""
    epochs = np.arange(first, first + count, dtype=np.int64)
    keys = mix32(mix32(np.int64(seed ^ 0x9E3779B9)) ^ epochs)      # one key per epoch
    sample_keys = mix32(np.arange(n, dtype=np.int64) ^ keys[:, None])
    return np.argsort(sample_keys, axis=1, kind="stable")           # stable: a tie to the smaller i


# The orders of this many samples (epochs x n) are computed at once.
ORDER_BLOCK = 1 << 16


def sample_orders(orders, n, config):
    """Each epoch's order in turn: the given ones, or the contract's (0 .. n-1 unshuffled),
    computed ORDER_BLOCK samples' worth of epochs at a time."""
    if orders is not None:
        yield from orders
    elif not config.shuffle:
        yield from [np.arange(n)] * config.epochs
    else:
        per_block = max(1, ORDER_BLOCK // n)
        for first in range(0, config.epochs, per_block):
            yield from epoch_orders(n, config.seed, first, min(per_block, config.epochs - first))


def train_epochs(params, theta, X, Y, orders, config, spec):
    """X: n x n_0, Y: n x n_L, orders: epochs x n indices or None (the contract's) -> history;
    theta updated in place."""
    n = X.shape[0]
    size = min(config.batch_size, n)
    eta, momentum = config.learning_rate, config.momentum
    sizes = spec.layer_sizes
    dtype = theta.dtype
    full = Workspace(sizes, size, dtype)
    short = Workspace(sizes, n % size, dtype) if n % size else None
    velocity = np.zeros_like(theta)
    scratch = np.empty_like(theta)
    decay = weight_decay(sizes, config.l2, dtype) if config.l2 else None
    history = []
    for epoch, order in enumerate(sample_orders(orders, n, config), start=1):
        total = full.real(0.0)                  # summed in the network's precision
        for start in range(0, n, size):
            batch = order[start:start + size]  # the last batch may be shorter
            ws = full if len(batch) == size else short
            X.take(batch, axis=0, out=ws.x, mode="clip")  # indices are already checked
            Y.take(batch, axis=0, out=ws.y, mode="clip")
            loss, _, _ = backprop(params, ws.x, ws.y, spec, ws)
            update(theta, velocity, ws.nabla, eta, momentum, decay, scratch)
            total += loss
        history.append(float(total / full.real(n)))
        if not math.isfinite(history[-1]):
            raise FloatingPointError(f"train: loss is not finite in epoch {epoch} "
                                     f"({history[-1]}); the learning rate may be too large")
    if not np.isfinite(theta).all():
        raise FloatingPointError(f"train: parameters are not finite after epoch {config.epochs}; "
                                 "the learning rate may be too large")
    return history


def flatten(params, dtype=np.float64):
    """[(W, b)] validated by arrays.as_params -> a new flat (n_params,) vector (see Layout)."""
    return np.concatenate([part for W, b in params for part in (W.ravel(), b)]).astype(
        dtype, copy=False)


def views(vector, sizes):
    """vector: flat (n_params,) -> [(W n_in x n_out, b n_out)] views into it, layer by layer."""
    layers = []
    offset = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = vector[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        layers.append((W, vector[offset:offset + n_out]))
        offset += n_out
    return layers


def weight_decay(sizes, l2, dtype=np.float64):
    """-> flat (n_params,) vector of dtype: l2 at every weight, 0 at every bias."""
    decay = np.zeros(sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])),
                     dtype=dtype)
    for W, _ in views(decay, sizes):
        W.fill(l2)
    return decay


class Workspace:
    """Preallocated arrays for batches of n samples: x, y, and per layer z, a, delta, scratch."""

    def __init__(self, sizes, n, dtype=np.float64):
        """sizes: spec.layer_sizes, n: the batch size the arrays are for, dtype: their dtype."""
        # the loss sums' scalars: Python floats in float64 (cheaper than NumPy scalars), NumPy
        # float32 scalars in float32, so that the sums round as the network computes
        self.real = float if np.dtype(dtype) == np.float64 else np.dtype(dtype).type
        self.half = self.real(0.5)
        self.x = np.empty((n, sizes[0]), dtype)
        self.y = np.empty((n, sizes[-1]), dtype)
        self.zs = [np.empty((n, m), dtype) for m in sizes[1:]]
        self.activations = [np.empty((n, m), dtype) for m in sizes[1:]]
        self.deltas = [np.empty((n, m), dtype) for m in sizes[1:]]
        self.scratch = [np.empty((n, m), dtype) for m in sizes[1:]]
        self.spare = [np.empty((n, sizes[-1]), dtype) for _ in range(3)]  # loss, output delta
        self.row = np.empty((n, 1), dtype)
        self.nabla = np.empty(sum(n_in * n_out + n_out
                                  for n_in, n_out in zip(sizes[:-1], sizes[1:])), dtype)
        layers = views(self.nabla, sizes)
        self.nabla_w = [W for W, _ in layers]
        self.nabla_b = [b for _, b in layers]


class Network:
    """A multilayer perceptron (see docs/contract.md); matrices are arrays of its dtype. Its
    flat vector is replaced, never changed in place: a copy, deep copy or pickle of it is an
    independent network."""

    def __init__(self, spec, params=None, seed=0, dtype="float64"):
        """spec: NetworkSpec; params: [(W, b)] per layer, or None for init_params(spec, seed);
        dtype: "float64" or "float32", the precision of every array and computation."""
        self.spec = check_spec(spec)
        self._dtype = as_dtype(dtype)
        self.dtype = self._dtype.name
        self.set_params(init_params(spec, seed) if params is None else params)

    @property
    def _params(self):
        """[(W, b)] views into the flat vector _theta, made at each use: views kept beside it
        would go stale in a pickled or deep-copied network, whose copies they would become."""
        return views(self._theta, self.spec.layer_sizes)

    def get_params(self):
        """-> [(W, b)] copies: W n_in x n_out, b n_out, arrays of the network's dtype."""
        return [(W.copy(), b.copy()) for W, b in self._params]

    def set_params(self, params):
        """params: [(W, b)] per layer, W n_in x n_out, b n_out; validated, then copied in."""
        params = as_params(params, self.spec, self._dtype)
        try:
            self._theta = flatten(params, self._dtype)
        except MemoryError as error:
            raise out_of_memory("params", "their copy", error) from None

    def forward(self, X):
        """X: n x n_0 -> A: n x n_L array (the network's dtype), the output activations."""
        X = as_matrix("X", X, self.spec.n_in, self._dtype)
        try:
            ws = Workspace(self.spec.layer_sizes, X.shape[0], self._dtype)
            with np.errstate(all="ignore"):
                A = feedforward(self._params, X, self.spec, ws)[1][-1]
            finite = np.isfinite(A).all()
        except MemoryError as error:
            raise out_of_memory("X", "the work arrays of forward", error) from None
        if not finite:
            raise not_finite("forward")
        return A

    def loss(self, X, Y):
        """X: n x n_0, Y: n x n_L -> the mean per-sample loss (float)."""
        X, Y = as_data(X, Y, self.spec, self._dtype)
        spec = self.spec
        try:
            ws = Workspace(spec.layer_sizes, X.shape[0], self._dtype)
            with np.errstate(all="ignore"):
                zs, activations = feedforward(self._params, X, spec, ws)
                total = loss_sum(zs[-1], activations[-1], Y, spec.output_activation, spec.loss,
                                 ws)
                mean = float(total / ws.real(X.shape[0]))
        except MemoryError as error:
            raise out_of_memory("X", "the work arrays of loss", error) from None
        if not math.isfinite(mean):
            raise not_finite("loss")
        return mean

    def gradients(self, X, Y):
        """X: n x n_0, Y: n x n_L -> (loss, [(dW n_in x n_out, db n_out)]) of the mean loss."""
        X, Y = as_data(X, Y, self.spec, self._dtype)
        try:
            ws = Workspace(self.spec.layer_sizes, X.shape[0], self._dtype)
            with np.errstate(all="ignore"):
                total, nabla_w, nabla_b = backprop(self._params, X, Y, self.spec, ws)
                mean = float(total / ws.real(X.shape[0]))
        except MemoryError as error:
            raise out_of_memory("X", "the work arrays of gradients", error) from None
        if not (math.isfinite(mean) and np.isfinite(ws.nabla).all()):
            raise not_finite("gradients")
        return mean, [(nw.copy(), nb.copy()) for nw, nb in zip(nabla_w, nabla_b)]

    def train(self, X, Y, config, orders=None):
        """X: n x n_0, Y: n x n_L -> history (mean loss per epoch); all or nothing on error."""
        check_config(config)
        X, Y = as_data(X, Y, self.spec, self._dtype)
        if orders is not None:
            orders = as_orders(orders, X.shape[0], config)
        # trained in place: a copy, kept only if training succeeds (the vector in force is
        # never changed in place, so that a copy.copy of this network stays independent)
        try:
            theta = self._theta.copy()
            with np.errstate(all="ignore"):
                history = train_epochs(views(theta, self.spec.layer_sizes), theta, X, Y, orders,
                                       config, self.spec)
        except MemoryError as error:
            raise out_of_memory("config", "the work arrays of train", error) from None
        self._theta = theta
        return history

    def predict(self, X):
        """X: n x n_0 -> per sample, the index of the largest output, or with one output unit
        1 where it is >= 0.5, else 0 (int array of n)."""
        A = self.forward(X)
        if self.spec.n_out == 1:
            return (A[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(A, axis=1)
