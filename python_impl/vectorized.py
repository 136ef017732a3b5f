"""Backpropagation in NumPy: the same algorithm as pure.py, vectorised over the mini-batch.

A multilayer perceptron trained by mini-batch gradient descent (docs/contract.md), float64
throughout. Each function here is the matrix form of the function of the same name in pure.py:
z, a and delta are n x n_l arrays holding a whole batch, one matrix product per layer per pass,
and no Python loop over samples. It is the reference the benchmarks compare against.

It trades away plainness for speed: the parameters live in one flat vector (W and b of each
layer are views into it, so that one vector operation updates every layer), and every array of
the hot loop is preallocated per batch size and written in place (out=), so that training
allocates nothing per batch. Overflow is silenced with np.errstate; a non-finite loss during
training is raised as FloatingPointError instead.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from python_impl.spec import (NetworkSpec, TrainConfig, check_layers, check_orders, epoch_orders,
                              init_params)

# Layout: all parameters are one flat float64 vector, layer by layer, W (n_in x n_out, row-major)
# then b (n_out). params = [(W, b)] holds views into it; nabla_w, nabla_b and the velocity are
# views into vectors of the same layout.


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
    """z, a, y: n x n_L -> the sum over the batch of the per-sample losses (float)."""
    s1, s2, s3 = ws.spare
    if loss == "mse":
        np.subtract(a, y, out=s1)
        return 0.5 * float(np.vdot(s1, s1))
    if output == "softmax":
        # -sum_k y_k log a_k with log a_k = z_k - max z - log sum_j exp(z_j - max z)
        row = ws.row
        np.maximum.reduce(z, axis=1, keepdims=True, out=row)
        np.subtract(z, row, out=s1)
        np.exp(s1, out=s2)
        np.add.reduce(s2, axis=1, keepdims=True, out=row)
        np.log(row, out=row)
        s1 -= row
        return -float(np.vdot(y, s1))
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
    total = float(np.vdot(y, s1))
    np.subtract(1.0, y, out=s3)
    return total + float(np.vdot(s3, s2))


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


def train_epochs(params, theta, X, Y, orders, config, spec):
    """X: n x n_0, Y: n x n_L, orders: epochs x n indices -> history; theta updated in place."""
    n = X.shape[0]
    size = min(config.batch_size, n)
    eta, momentum = config.learning_rate, config.momentum
    sizes = spec.layer_sizes
    full = _Workspace(sizes, size)
    short = _Workspace(sizes, n % size) if n % size else None
    velocity = np.zeros_like(theta)
    scratch = np.empty_like(theta)
    decay = _decay(sizes, config.l2) if config.l2 else None
    history = []
    for epoch, order in enumerate(orders, start=1):
        total = 0.0
        for start in range(0, n, size):
            batch = order[start:start + size]  # the last batch may be shorter
            ws = full if len(batch) == size else short
            X.take(batch, axis=0, out=ws.x, mode="clip")  # indices are already checked
            Y.take(batch, axis=0, out=ws.y, mode="clip")
            loss, _, _ = backprop(params, ws.x, ws.y, spec, ws)
            update(theta, velocity, ws.nabla, eta, momentum, decay, scratch)
            total += loss
        history.append(total / n)
        if not math.isfinite(history[-1]):
            raise FloatingPointError(f"train: loss is not finite in epoch {epoch} "
                                     f"({history[-1]}); the learning rate may be too large")
    if not np.isfinite(theta).all():
        raise FloatingPointError(f"train: parameters are not finite after epoch {len(orders)}; "
                                 "the learning rate may be too large")
    return history


def as_matrix(name, X, n_cols):
    """X: any 2-D sequence of real numbers, n_cols columns (None: any) -> C-contiguous float64."""
    try:
        A = np.asarray(X)
    except ValueError as exc:  # ragged rows
        raise ValueError(f"{name} must be 2-D with rows of equal length: {exc}") from None
    if A.dtype.kind == "O":  # e.g. None, Fractions, or ints too large for int64
        for v in A.flat:
            if isinstance(v, (str, bytes)) or not isinstance(v, numbers.Real):
                if hasattr(v, "__iter__") and not isinstance(v, (str, bytes)):
                    raise ValueError(f"{name} must be 2-D: found a nested sequence {v!r}")
                raise TypeError(f"{name} must hold real numbers, got {type(v).__name__} {v!r}")
        try:
            A = A.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} must hold finite numbers "
                             "(one is too large for a float)") from None
    elif A.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got array of dtype {A.dtype}")
    if A.ndim == 0:
        raise TypeError(f"{name} must be a 2-D sequence of numbers, got {type(X).__name__}")
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples x {n_cols}), got shape {A.shape}")
    if A.shape[0] == 0:
        raise ValueError(f"{name} must have at least one row, got none")
    if n_cols is not None and A.shape[1] != n_cols:
        raise ValueError(f"{name} must have {n_cols} columns, got {A.shape[1]}")
    A = np.ascontiguousarray(A, dtype=np.float64)
    if not np.isfinite(A).all():
        raise ValueError(f"{name} must hold finite numbers, got {A[~np.isfinite(A)][0]}")
    return A


def as_params(params, spec):
    """params: [(W, b)] with W n_in x n_out, b n_out, per layer -> validated flat vector (copy)."""
    layers = check_layers(params, spec)
    theta = np.empty(spec.n_params())
    for l, ((W, b), (W_out, b_out)) in enumerate(zip(layers, _views(theta, spec.layer_sizes))):
        n_in, n_out = W_out.shape
        W = as_matrix(f"params[{l}] W", W, n_out)
        if W.shape[0] != n_in:
            raise ValueError(f"params[{l}] W must have {n_in} rows, got {W.shape[0]}")
        try:
            b_dims = np.ndim(b)
        except ValueError:  # ragged
            raise ValueError(f"params[{l}] b must be 1-D ({n_out} numbers)") from None
        if isinstance(b, (str, bytes)) or b_dims == 0:
            raise TypeError(f"params[{l}] b must be a sequence of numbers, got {type(b).__name__}")
        if b_dims != 1:
            raise ValueError(f"params[{l}] b must be 1-D ({n_out} numbers), got {b_dims}-D")
        b = as_matrix(f"params[{l}] b", [b], None)[0]
        if b.shape[0] != n_out:
            raise ValueError(f"params[{l}] b must have {n_out} entries, got {b.shape[0]}")
        W_out[...] = W
        b_out[...] = b
    return theta


def as_orders(orders, n, config):
    """orders: None, or epochs x n sample indices -> epochs x n intp array (check_orders' rules)."""
    if orders is None:
        return np.asarray(epoch_orders(n, config), dtype=np.intp)
    try:
        array = np.asarray(orders)
    except (ValueError, TypeError):  # ragged, or worse: leave it to the full check
        array = None
    if (array is not None and array.dtype.kind in "iu" and array.shape == (config.epochs, n)
            and array.min() >= 0 and array.max() < n):
        return np.ascontiguousarray(array, dtype=np.intp)  # the common case, checked at C speed
    return np.asarray(check_orders(orders, n, config), dtype=np.intp)  # or raises its error


def as_data(X, Y, spec):
    """Validate X (n x n_0) and Y (n x n_L) together -> (X, Y) as float64 arrays."""
    X = as_matrix("X", X, spec.n_in)
    Y = as_matrix("Y", Y, spec.n_out)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must have one row per row of X: X has {X.shape[0]}, "
                         f"Y has {Y.shape[0]}")
    return X, Y


def _views(vector, sizes):
    """vector: flat (n_params,) -> [(W n_in x n_out, b n_out)] views into it, layer by layer."""
    views = []
    offset = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = vector[offset:offset + n_in * n_out].reshape(n_in, n_out)
        offset += n_in * n_out
        views.append((W, vector[offset:offset + n_out]))
        offset += n_out
    return views


def _decay(sizes, l2):
    """-> flat (n_params,) vector: l2 at every weight, 0 at every bias."""
    decay = np.zeros(sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])))
    for W, _ in _views(decay, sizes):
        W.fill(l2)
    return decay


class _Workspace:
    """Preallocated arrays for batches of n samples: x, y, and per layer z, a, delta, scratch."""

    def __init__(self, sizes, n):
        """sizes: spec.layer_sizes, n: the batch size the arrays are for."""
        self.x = np.empty((n, sizes[0]))
        self.y = np.empty((n, sizes[-1]))
        self.zs = [np.empty((n, m)) for m in sizes[1:]]
        self.activations = [np.empty((n, m)) for m in sizes[1:]]
        self.deltas = [np.empty((n, m)) for m in sizes[1:]]
        self.scratch = [np.empty((n, m)) for m in sizes[1:]]
        self.spare = [np.empty((n, sizes[-1])) for _ in range(3)]  # for the loss and output delta
        self.row = np.empty((n, 1))
        self.nabla = np.empty(sum(n_in * n_out + n_out
                                  for n_in, n_out in zip(sizes[:-1], sizes[1:])))
        views = _views(self.nabla, sizes)
        self.nabla_w = [W for W, _ in views]
        self.nabla_b = [b for _, b in views]


class Network:
    """A multilayer perceptron (see docs/contract.md); matrices are float64 arrays."""

    def __init__(self, spec, params=None, seed=0):
        """spec: NetworkSpec; params: [(W, b)] per layer, or None for init_params(spec, seed)."""
        if not isinstance(spec, NetworkSpec):
            raise TypeError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
        self.spec = spec
        self.set_params(init_params(spec, seed) if params is None else params)

    def get_params(self):
        """-> [(W, b)] copies: W n_in x n_out, b n_out, float64 arrays."""
        return [(W.copy(), b.copy()) for W, b in self._params]

    def set_params(self, params):
        """params: [(W, b)] per layer, W n_in x n_out, b n_out; validated, then copied in."""
        self._theta = as_params(params, self.spec)
        self._params = _views(self._theta, self.spec.layer_sizes)

    def forward(self, X):
        """X: n x n_0 -> A: n x n_L float64 array, the output activations."""
        X = as_matrix("X", X, self.spec.n_in)
        with np.errstate(all="ignore"):
            return feedforward(self._params, X, self.spec, _Workspace(self.spec.layer_sizes,
                                                                      X.shape[0]))[1][-1]

    def loss(self, X, Y):
        """X: n x n_0, Y: n x n_L -> the mean per-sample loss (float)."""
        X, Y = as_data(X, Y, self.spec)
        spec = self.spec
        ws = _Workspace(spec.layer_sizes, X.shape[0])
        with np.errstate(all="ignore"):
            zs, activations = feedforward(self._params, X, spec, ws)
            return loss_sum(zs[-1], activations[-1], Y, spec.output_activation, spec.loss,
                            ws) / X.shape[0]

    def gradients(self, X, Y):
        """X: n x n_0, Y: n x n_L -> (loss, [(dW n_in x n_out, db n_out)]) of the mean loss."""
        X, Y = as_data(X, Y, self.spec)
        ws = _Workspace(self.spec.layer_sizes, X.shape[0])
        with np.errstate(all="ignore"):
            total, nabla_w, nabla_b = backprop(self._params, X, Y, self.spec, ws)
        return total / X.shape[0], [(nw.copy(), nb.copy()) for nw, nb in zip(nabla_w, nabla_b)]

    def train(self, X, Y, config, orders=None):
        """X: n x n_0, Y: n x n_L -> history (mean loss per epoch); all or nothing on error."""
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
        X, Y = as_data(X, Y, self.spec)
        orders = as_orders(orders, X.shape[0], config)
        before = self._theta.copy()
        try:
            with np.errstate(all="ignore"):
                return train_epochs(self._params, self._theta, X, Y, orders, config, self.spec)
        except BaseException:
            self._theta[...] = before
            raise

    def predict(self, X):
        """X: n x n_0 -> the index of the largest output per sample (int array of n)."""
        return np.argmax(self.forward(X), axis=1)
