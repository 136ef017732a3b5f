"""Peers: what a user would pick instead, run on the same workloads.

- `TorchNetwork`: PyTorch on the CPU in float64 (or float32: `dtype`), with the `Network`
  interface of the contract. It takes the same spec, initial parameters and sample orders; the
  update (momentum, l2 on weights only, velocity zeroed per `train` call) is written out by
  hand on torch tensors and the gradient comes from autograd, so its trained weights are
  compared with the reference's.
- `TorchCudaNetwork` ("torch-cuda"): the same code on a CUDA device, when one is visible. The
  device is an argument of TorchNetwork, so the tests run this path on the CPU device. Data
  put on the device beforehand (`to_device`, outside the timed region) is used as it is; the
  device is synchronised at the start and the end of every `train` call, and the loss is
  summed on the device (read once per epoch), so a timed round is the device's whole work.
- `sklearn_estimator` / `sklearn_unsupported`: scikit-learn's MLPClassifier/MLPRegressor with
  solver="sgd", constant learning rate, plain momentum. It uses its own initialisation and its
  own sample order, so its parameters are not compared; where it cannot express a workload the
  reason is recorded.

- `NumpyLoopNetwork` ("numpy-loop"): NumPy, one sample at a time: the batch gradient as the
  sum of per-sample gradients, each from python_impl.vectorized's own backprop on one row.
  It measures what the batch products of the NumPy implementation gain over a per-sample
  loop; same initial parameters, orders and update, so its parameters are compared too.
  It runs on the batched workloads only (the per-sample ones would time NumPy itself).

PyTorch and scikit-learn are imported lazily: the benchmark runs without them (the rows
then say why).
"""

from __future__ import annotations

import importlib.util
import math

import numpy as np

from python_impl import vectorized
from python_impl.arrays import as_data, as_dtype, as_matrix, as_orders, as_params
from python_impl.spec import check_config, check_spec, init_params

PEERS = ("torch", "sklearn", "numpy-loop", "torch-cuda")


def installed(name):
    """Whether the peer's package can be imported (without importing it)."""
    module = {"torch": "torch", "sklearn": "sklearn", "numpy-loop": "numpy",
              "torch-cuda": "torch"}[name]
    return importlib.util.find_spec(module) is not None


def cuda_unavailable():
    """Why the torch-cuda peer cannot run here, or None when a CUDA device is visible."""
    import torch  # noqa: PLC0415 - PyTorch is imported only when the peer runs

    if not torch.cuda.is_available():
        return (f"no CUDA device is visible to PyTorch {torch.__version__} "
                f"(torch.cuda.is_available() is False; built for CUDA: "
                f"{torch.version.cuda or 'no, a CPU-only build'})")
    return None


class TorchNetwork:
    """The contract's Network on PyTorch tensors (float64 or float32, on `device`: the CPU by
    default); gradients by autograd."""

    DEVICE = "cpu"

    def __init__(self, spec, params=None, seed=0, dtype="float64", device=None):
        import torch  # noqa: PLC0415 - PyTorch is imported only when the peer runs

        self._torch = torch
        self.spec = check_spec(spec)
        self._dtype = as_dtype(dtype)
        self.dtype = self._dtype.name
        self.device = torch.device(device or self.DEVICE)
        self._params = []
        self.set_params(init_params(spec, seed) if params is None else params)

    def _sync(self):
        """Wait for the device's queued work (CUDA); nothing to wait for on the CPU."""
        if self.device.type == "cuda":
            self._torch.cuda.synchronize(self.device)

    def _tensor(self, array):
        return self._torch.from_numpy(array).to(self.device)

    def to_device(self, X, Y=None):
        """X (and Y) as tensors of the network's dtype on its device, checked by the
        contract's rules: train, forward and loss take them as they are (no copy)."""
        if Y is None:
            return self._tensor(as_matrix("X", X, self.spec.n_in, self._dtype))
        X, Y = as_data(X, Y, self.spec, self._dtype)
        return self._tensor(X), self._tensor(Y)

    def _data(self, X, Y):
        """(x, y) tensors on the device: given ones as they are, anything else checked."""
        torch = self._torch
        if isinstance(X, torch.Tensor) and isinstance(Y, torch.Tensor):
            if X.shape[1:] != (self.spec.n_in,) or Y.shape != (len(X), self.spec.n_out):
                raise ValueError(f"X, Y: tensors of shape {tuple(X.shape)}, {tuple(Y.shape)} "
                                 "do not fit the network")
            return X.to(self.device, self._torch_dtype()), Y.to(self.device, self._torch_dtype())
        return self.to_device(X, Y)

    def _torch_dtype(self):
        return getattr(self._torch, self.dtype)

    def get_params(self):
        """[(W n_in x n_out, b n_out)] as NumPy copies of the network's dtype."""
        return [(W.detach().cpu().numpy().copy(), b.detach().cpu().numpy().copy())
                for W, b in self._params]

    def set_params(self, params):
        """Replace the parameters (validated by the contract's rules, then copied in)."""
        self._params = [(self._tensor(W.copy()), self._tensor(b.copy()))
                        for W, b in as_params(params, self.spec, self._dtype)]

    def _activate(self, z, name):
        torch = self._torch
        if name == "sigmoid":
            return torch.sigmoid(z)
        if name == "tanh":
            return torch.tanh(z)
        if name == "relu":
            return torch.relu(z)
        if name == "softmax":
            return torch.softmax(z, dim=1)
        return z

    def _forward(self, params, x):
        """(z_out, a_out) for a batch x (n x n_in tensor)."""
        a = x
        z = x
        last = len(params) - 1
        for layer, (W, b) in enumerate(params):
            z = a @ W + b
            name = self.spec.output_activation if layer == last else self.spec.hidden_activation
            a = self._activate(z, name)
        return z, a

    def _loss_sum(self, z, a, y):
        """Sum over the batch of the per-sample loss, as the contract defines it."""
        torch = self._torch
        if self.spec.loss == "mse":
            return 0.5 * ((a - y) ** 2).sum()
        if self.spec.output_activation == "softmax":
            return -(y * (z - torch.logsumexp(z, dim=1, keepdim=True))).sum()

        def softplus(v):  # max(v, 0) + log1p(exp(-|v|)), exact for every finite v
            return torch.clamp(v, min=0.0) + torch.log1p(torch.exp(-v.abs()))

        return (y * softplus(-z) + (1.0 - y) * softplus(z)).sum()

    def forward(self, X):
        """n_samples x n_out activations (a NumPy array of the network's dtype)."""
        x = X if isinstance(X, self._torch.Tensor) else self.to_device(X)
        with self._torch.no_grad():
            return self._forward(self._params, x)[1].cpu().numpy().copy()

    def loss(self, X, Y):
        """Mean per-sample loss."""
        x, y = self._data(X, Y)
        with self._torch.no_grad():
            z, a = self._forward(self._params, x)
            return (self._loss_sum(z, a, y) / len(x)).item()

    def gradients(self, X, Y):
        """(mean loss, [(dW, db)]) by autograd."""
        x, y = self._data(X, Y)
        params = [(W.clone().requires_grad_(True), b.clone().requires_grad_(True))
                  for W, b in self._params]
        z, a = self._forward(params, x)
        loss = self._loss_sum(z, a, y) / len(x)
        loss.backward()
        gradients = [(W.grad.cpu().numpy().copy(), b.grad.cpu().numpy().copy())
                     for W, b in params]
        return loss.detach().item(), gradients

    def train(self, X, Y, config, orders=None):
        """Mini-batch SGD with momentum and l2 as the contract defines; returns history."""
        torch = self._torch
        check_config(config)
        self._sync()
        x_all, y_all = self._data(X, Y)
        n = len(x_all)
        if orders is not None:
            orders = as_orders(orders, n, config, dtype=np.int64)
        params = [(W.clone().requires_grad_(True), b.clone().requires_grad_(True))
                  for W, b in self._params]
        velocity = [(torch.zeros_like(W), torch.zeros_like(b)) for W, b in params]
        eta, mu, l2 = config.learning_rate, config.momentum, config.l2
        size = config.batch_size
        history = []
        # the contract's orders when none are given, computed by the NumPy implementation's
        # vectorised generator (a PyTorch user would call torch.randperm: as cheap)
        for epoch, order in enumerate(vectorized.sample_orders(orders, n, config)):
            index = torch.from_numpy(np.asarray(order, dtype=np.int64)).to(self.device)
            total = torch.zeros((), dtype=self._torch_dtype(), device=self.device)
            for start in range(0, n, size):
                batch = index[start:start + size]
                x, y = x_all[batch], y_all[batch]
                z, a = self._forward(params, x)
                loss_sum = self._loss_sum(z, a, y)
                for W, b in params:
                    W.grad = None
                    b.grad = None
                (loss_sum / len(batch)).backward()
                total += loss_sum.detach()           # on the device: no sync per batch
                with torch.no_grad():
                    for (W, b), (vW, vb) in zip(params, velocity):
                        vW.mul_(mu).sub_(eta * (W.grad + l2 * W))
                        vb.mul_(mu).sub_(eta * b.grad)
                        W.add_(vW)
                        b.add_(vb)
            mean = (total / n).item()
            if not math.isfinite(mean):
                raise FloatingPointError(f"train: loss is not finite in epoch {epoch + 1}")
            history.append(mean)
        self._params = [(W.detach(), b.detach()) for W, b in params]
        self._sync()
        return history


class TorchCudaNetwork(TorchNetwork):
    """TorchNetwork on the CUDA device (the "torch-cuda" peer)."""

    DEVICE = "cuda"

    def predict(self, X):
        """Class index per sample: argmax of forward; with one output unit, output >= 0.5."""
        A = self.forward(X)
        if self.spec.n_out == 1:
            return (A[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(A, axis=1)


def torch_version():
    import torch  # noqa: PLC0415 - PyTorch is imported only when the peer runs

    return torch.__version__


def set_torch_threads(threads):
    """Pin PyTorch's intra-op (and, if still possible, inter-op) threads."""
    import torch  # noqa: PLC0415 - PyTorch is imported only when the peer runs

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # only allowed before the first parallel work
        pass


# ---- scikit-learn -------------------------------------------------------------------------

SKLEARN_ACTIVATIONS = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu",
                       "linear": "identity"}

SKLEARN_NOTE = ("scikit-learn draws its own initial weights (Glorot uniform) and its own "
                "sample order, so its parameters cannot be compared with the reference's; "
                "its l2 is alpha = l2 * batch_size (alpha is divided by the batch size), "
                "and its loss curve includes the l2 penalty.")


def sklearn_unsupported(workload):
    """Why scikit-learn's MLP cannot express the workload, or None if it can."""
    spec = workload.spec
    out, loss = spec.output_activation, spec.loss
    if out == "softmax" and loss == "cross_entropy":
        if spec.n_out < 3:
            return ("MLPClassifier uses softmax only for three or more classes; this network "
                    f"has {spec.n_out} softmax outputs")
    elif out == "sigmoid" and loss == "cross_entropy":
        if spec.n_out != 1:
            return ("MLPClassifier uses sigmoid outputs with cross-entropy only for binary or "
                    "multi-label targets given as labels, not this one-hot encoding")
    elif out == "linear" and loss == "mse":
        pass
    else:
        return (f"scikit-learn's MLP cannot express {out} output with {loss} loss "
                "(MLPClassifier: softmax or logistic output with log-loss; MLPRegressor: "
                "identity output with squared error)")
    return None


def sklearn_estimator(workload, epochs, seed):
    """A fresh, unfitted MLPClassifier/MLPRegressor set up like the workload, for epochs."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: PLC0415 - only when it runs

    spec, config = workload.spec, workload.config
    kind = MLPRegressor if spec.output_activation == "linear" else MLPClassifier
    return kind(
        hidden_layer_sizes=tuple(spec.layer_sizes[1:-1]),
        activation=SKLEARN_ACTIVATIONS[spec.hidden_activation],
        solver="sgd", learning_rate="constant", learning_rate_init=config.learning_rate,
        momentum=config.momentum, nesterovs_momentum=False,
        alpha=config.l2 * config.batch_size, batch_size=config.batch_size,
        shuffle=config.shuffle, random_state=seed, max_iter=epochs, tol=0.0,
        n_iter_no_change=10 ** 9, early_stopping=False)


def sklearn_targets(workload, Y, labels):
    """What fit() takes for this workload: labels for a classifier, Y for a regressor."""
    return Y if workload.spec.output_activation == "linear" else labels


def sklearn_fit(estimator, X, y):
    """fit() with its ConvergenceWarning (max_iter reached, by design here) silenced."""
    import warnings  # noqa: PLC0415 - beside the scikit-learn import it serves

    from sklearn.exceptions import ConvergenceWarning  # noqa: PLC0415 - only when it runs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y)
    return estimator


# ---- NumPy, one sample at a time --------------------------------------------------------

PER_SAMPLE_SKIP = ("per-sample workloads (batch size 1) are already one sample at a time: "
                   "this loop would time the NumPy implementation itself")


class NumpyLoopNetwork(vectorized.Network):
    """The NumPy implementation trained one sample at a time: each batch's gradient is the
    mean of per-sample gradients, each computed by python_impl.vectorized's own `backprop`
    on a 1-row workspace (the per-sample machinery Network.gradients uses, without its
    argument checks and allocations per call). The update is the contract's, on the same
    flat parameter vector, so only the gradient's summation order differs from NumPy's
    batch products: its trained parameters agree with NumPy's to rounding."""

    def train(self, X, Y, config, orders=None):
        """Mini-batch SGD with momentum and l2; each batch gradient a sum over its samples."""
        check_config(config)
        X, Y = as_data(X, Y, self.spec)
        if orders is not None:
            orders = as_orders(orders, X.shape[0], config)
        before = self._theta.copy()
        try:
            with np.errstate(all="ignore"):
                return self._train_epochs(X, Y, orders, config)
        except BaseException:
            self._theta[...] = before
            raise

    def _train_epochs(self, X, Y, orders, config):
        """X: n x n_0, Y: n x n_L, orders: epochs x n or None (the contract's) -> history;
        self._theta updated."""
        spec, params, theta = self.spec, self._params, self._theta
        n = X.shape[0]
        size = min(config.batch_size, n)
        ws = vectorized.Workspace(spec.layer_sizes, 1)     # one sample
        nabla = np.empty_like(theta)                        # the batch gradient (flat)
        velocity = np.zeros_like(theta)
        scratch = np.empty_like(theta)
        decay = vectorized.weight_decay(spec.layer_sizes, config.l2) if config.l2 else None
        backprop, update = vectorized.backprop, vectorized.update
        history = []
        for epoch, order in enumerate(vectorized.sample_orders(orders, n, config), start=1):
            total = 0.0
            for start in range(0, n, size):
                batch = order[start:start + size]
                nabla.fill(0.0)
                for i in batch:                             # one sample at a time
                    ws.x[0] = X[i]
                    ws.y[0] = Y[i]
                    loss, _, _ = backprop(params, ws.x, ws.y, spec, ws)
                    nabla += ws.nabla                       # gradient of sample i's loss
                    total += loss
                nabla /= len(batch)                         # of the batch's mean loss
                update(theta, velocity, nabla, config.learning_rate, config.momentum, decay,
                       scratch)
            history.append(total / n)
            if not math.isfinite(history[-1]):
                raise FloatingPointError(f"train: loss is not finite in epoch {epoch} "
                                         f"({history[-1]}); the learning rate may be too "
                                         "large")
        if not np.isfinite(theta).all():
            raise FloatingPointError("train: parameters are not finite after training; the "
                                     "learning rate may be too large")
        return history
