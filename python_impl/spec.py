"""The network contract in code: the one definition every implementation shares.

Standard library only. It fixes what could make the three implementations differ:
the names of the activations and losses (and their integer codes for Fortran), the
validated network and training descriptions, the initial parameters, the per-epoch
sample orders, and the operation count used for GFLOP/s. See docs/contract.md.
"""

from __future__ import annotations

import math
import numbers
import random
from dataclasses import dataclass

# Names accepted by NetworkSpec; a name's position is its integer code in the Fortran trainer.
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
LOSSES = ("mse", "cross_entropy")

# Tolerances of the contract (relative, max norm).
GRADIENT_CHECK_STEP = 1e-5
GRADIENT_CHECK_TOLERANCE = 1e-6
AGREEMENT_TOLERANCE = 1e-9


def _check_int(name, value, minimum):
    """Return value as an int >= minimum, or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_real(name, value, minimum, below=None):
    """Return value as a finite float in [minimum, below), or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if below is not None and value >= below:
        raise ValueError(f"{name} must be < {below}, got {value}")
    return value


def _check_name(name, value, allowed):
    """Return value if it is one of allowed, or raise naming the argument."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


@dataclass(frozen=True)
class NetworkSpec:
    """Architecture: layer_sizes = (n_0, ..., n_L), L >= 1 weight layers, every n >= 1."""

    layer_sizes: tuple
    hidden_activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    loss: str = "mse"

    def __post_init__(self):
        sizes = self.layer_sizes
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
            raise TypeError(f"layer_sizes must be a sequence of integers, got {sizes!r}")
        sizes = tuple(_check_int("layer_sizes", n, 1) for n in sizes)
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 entries (input, output), got {sizes}")
        object.__setattr__(self, "layer_sizes", sizes)
        _check_name("hidden_activation", self.hidden_activation, HIDDEN_ACTIVATIONS)
        _check_name("output_activation", self.output_activation, OUTPUT_ACTIVATIONS)
        _check_name("loss", self.loss, LOSSES)
        if self.loss == "cross_entropy" and self.output_activation == "linear":
            raise ValueError("loss 'cross_entropy' needs output_activation 'sigmoid' or 'softmax'")

    @property
    def n_layers(self):
        """Number of weight layers L."""
        return len(self.layer_sizes) - 1

    @property
    def n_in(self):
        return self.layer_sizes[0]

    @property
    def n_out(self):
        return self.layer_sizes[-1]

    def layer_shapes(self):
        """[(n_in, n_out)] per weight layer: W is n_in x n_out, b has n_out entries."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))

    def n_params(self):
        """Total number of weights and biases."""
        return sum(n_in * n_out + n_out for n_in, n_out in self.layer_shapes())

    def codes(self):
        """(hidden, output, loss) as the integer codes the Fortran trainer takes."""
        return (HIDDEN_ACTIVATIONS.index(self.hidden_activation),
                OUTPUT_ACTIVATIONS.index(self.output_activation),
                LOSSES.index(self.loss))


@dataclass(frozen=True)
class TrainConfig:
    """Mini-batch gradient descent with momentum and l2 (weights only); see docs/contract.md."""

    epochs: int
    learning_rate: float
    batch_size: int = 1
    momentum: float = 0.0
    l2: float = 0.0
    shuffle: bool = True
    seed: int = 0

    def __post_init__(self):
        object.__setattr__(self, "epochs", _check_int("epochs", self.epochs, 1))
        object.__setattr__(self, "learning_rate",
                           _check_real("learning_rate", self.learning_rate, 0.0))
        object.__setattr__(self, "batch_size", _check_int("batch_size", self.batch_size, 1))
        object.__setattr__(self, "momentum", _check_real("momentum", self.momentum, 0.0, 1.0))
        object.__setattr__(self, "l2", _check_real("l2", self.l2, 0.0))
        if not isinstance(self.shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {self.shuffle!r}")
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0))


def init_params(spec, seed=0):
    """Initial [(W, b), ...] as nested lists: W[i][j] ~ gauss(0, 1/sqrt(n_in)), b = 0."""
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
    rng = random.Random(_check_int("seed", seed, 0))
    params = []
    for n_in, n_out in spec.layer_shapes():
        sigma = 1.0 / math.sqrt(n_in)
        W = [[rng.gauss(0.0, sigma) for _ in range(n_out)] for _ in range(n_in)]
        params.append((W, [0.0] * n_out))
    return params


def epoch_orders(n_samples, config):
    """One list of sample indices per epoch; epoch e shuffled by Random(f"{seed}:{e}")."""
    n_samples = _check_int("n_samples", n_samples, 1)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    orders = []
    for epoch in range(config.epochs):
        order = list(range(n_samples))
        if config.shuffle:
            random.Random(f"{config.seed}:{epoch}").shuffle(order)
        orders.append(order)
    return orders


def check_layers(params, spec):
    """params: [(W, b)] per layer -> [(W, b)], after checking that it holds one (W, b) pair per
    layer of spec (the errors name params and the layer); W and b are the caller's to check."""
    if isinstance(params, (str, bytes)) or not hasattr(params, "__len__"):
        raise TypeError(f"params must be a sequence of (W, b) pairs, got {type(params).__name__}")
    if len(params) != spec.n_layers:
        raise ValueError(f"params must have {spec.n_layers} (W, b) pairs (one per layer), "
                         f"got {len(params)}")
    for l, layer in enumerate(params):
        if isinstance(layer, (str, bytes)) or not hasattr(layer, "__len__"):
            raise TypeError(f"params[{l}] must be a (W, b) pair, got {type(layer).__name__}")
        if len(layer) != 2:
            raise ValueError(f"params[{l}] must be a (W, b) pair, got {len(layer)} entries")
    return [tuple(layer) for layer in params]


def check_orders(orders, n_samples, config):
    """Return orders as lists of ints: config.epochs lists of n_samples indices in [0, n_samples)."""
    if isinstance(orders, (str, bytes)) or not hasattr(orders, "__len__"):
        raise TypeError(f"orders must be a sequence of index sequences, got {type(orders).__name__}")
    if len(orders) != config.epochs:
        raise ValueError(f"orders must hold one order per epoch: expected {config.epochs}, "
                         f"got {len(orders)}")
    checked = []
    for epoch, order in enumerate(orders):
        if isinstance(order, (str, bytes)) or not hasattr(order, "__len__"):
            raise TypeError(f"orders[{epoch}] must be a sequence of indices")
        if len(order) != n_samples:
            raise ValueError(f"orders[{epoch}] must have {n_samples} indices (one per sample), "
                             f"got {len(order)}")
        row = []
        for index in order:
            if isinstance(index, bool) or not isinstance(index, numbers.Integral):
                raise TypeError(f"orders[{epoch}] must hold integers, got {index!r}")
            if not 0 <= index < n_samples:
                raise ValueError(f"orders[{epoch}] has index {index} outside [0, {n_samples})")
            row.append(int(index))
        checked.append(row)
    return checked


def one_hot(labels, n_classes):
    """Rows of n_classes floats, 1.0 at each label's index and 0.0 elsewhere."""
    n_classes = _check_int("n_classes", n_classes, 1)
    rows = []
    for label in labels:
        label = _check_int("labels", label, 0)
        if label >= n_classes:
            raise ValueError(f"labels must be < n_classes={n_classes}, got {label}")
        row = [0.0] * n_classes
        row[label] = 1.0
        rows.append(row)
    return rows


def flops(spec, n_samples):
    """Floating-point operations of one training epoch over n_samples (matrix products only).

    Per sample and layer of n_in x n_out weights, a multiply-add counting 2 operations:
    forward z = a W (2 n_in n_out), weight gradient a^T delta (2 n_in n_out), and the
    delta sent back to the layer below, delta W^T (2 n_in n_out, not for the first layer).
    Elementwise work and the parameter update are O(n_params) per batch and not counted.
    """
    n_samples = _check_int("n_samples", n_samples, 0)
    per_sample = 0
    for layer, (n_in, n_out) in enumerate(spec.layer_shapes()):
        per_sample += (4 if layer == 0 else 6) * n_in * n_out
    return per_sample * n_samples
