"""The network contract in code: the one definition every implementation shares.

Standard library only. It fixes what could make the three implementations differ:
the names of the activations and losses (and their integer codes for Fortran), the
validated network and training descriptions, the initial parameters, the per-epoch
sample orders, the input rules (as_matrix, as_params, as_orders, as_data: which input
raises which error, in which order; python_impl.arrays applies the same rules for NumPy),
and the operation count used for GFLOP/s. See docs/contract.md.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Sequence
from dataclasses import dataclass

# Names accepted by NetworkSpec; a name's position is its integer code in the Fortran trainer.
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear")
LOSSES = ("mse", "cross_entropy")

# The precisions a Network may compute in (its dtype argument): float64, the default, in all
# three implementations; float32 in the NumPy and Fortran ones (pure Python's float is a double).
DTYPES = ("float64", "float32")

# Tolerances of the contract (relative, max norm).
GRADIENT_CHECK_STEP = 1e-5
GRADIENT_CHECK_TOLERANCE = 1e-6
AGREEMENT_TOLERANCE = 1e-9
# The same in float32 (docs/contract.md, "Tolerances"; measured by scripts/float32_agreement.py):
# central differences of a float32 loss lose about 6e-8 |loss| / h to rounding, so the step
# is larger and the bound looser; the two float32 implementations agree with each other, and
# each with the float64 reference, within FLOAT32_AGREEMENT_TOLERANCE after training (worst
# measured on every workload: 6e-6 between NumPy and Fortran; PyTorch's float32 history on
# mnist-shaped 1.3e-4: a well-trained classifier's loss is the logarithm of a number near 1,
# whose float32 rounding is relative to the loss, 6e-8 / 6.6e-4 there).
FLOAT32_GRADIENT_CHECK_STEP = 1e-2
FLOAT32_GRADIENT_CHECK_TOLERANCE = 1e-2
FLOAT32_AGREEMENT_TOLERANCE = 1e-3
# dtype -> (gradient check step, gradient check tolerance, agreement tolerance)
TOLERANCES = {
    "float64": (GRADIENT_CHECK_STEP, GRADIENT_CHECK_TOLERANCE, AGREEMENT_TOLERANCE),
    "float32": (FLOAT32_GRADIENT_CHECK_STEP, FLOAT32_GRADIENT_CHECK_TOLERANCE,
                FLOAT32_AGREEMENT_TOLERANCE),
}

# The largest count the Fortran trainer can hold (its default integer, a C int): every layer
# size, the number of parameters, epochs and batch_size must fit in it.
MAX_COUNT = 2**31 - 1


def _check_int(name, value, minimum, maximum=None):
    """Return value as an int in [minimum, maximum], or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum} (a C int, as the Fortran trainer "
                         f"counts), got {value}")
    return int(value)


def _check_real(name, value, minimum, below=None):
    """Return value as a finite float in [minimum, below), or raise naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError:
        raise ValueError(f"{name} must be finite, got a number too large for a float") from None
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
        sizes = tuple(_check_int("layer_sizes", n, 1, MAX_COUNT) for n in sizes)
        if len(sizes) < 2:
            raise ValueError(f"layer_sizes needs at least 2 entries (input, output), got {sizes}")
        n_params = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        if n_params > MAX_COUNT:
            raise ValueError(f"layer_sizes gives {n_params} parameters, more than {MAX_COUNT} "
                             "(a C int, as the Fortran trainer counts)")
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
        object.__setattr__(self, "epochs", _check_int("epochs", self.epochs, 1, MAX_COUNT))
        object.__setattr__(self, "learning_rate",
                           _check_real("learning_rate", self.learning_rate, 0.0))
        object.__setattr__(self, "batch_size", _check_int("batch_size", self.batch_size, 1,
                                                                  MAX_COUNT))
        object.__setattr__(self, "momentum", _check_real("momentum", self.momentum, 0.0, 1.0))
        object.__setattr__(self, "l2", _check_real("l2", self.l2, 0.0))
        if not isinstance(self.shuffle, bool):
            raise TypeError(f"shuffle must be True or False, got {self.shuffle!r}")
        object.__setattr__(self, "seed", _check_int("seed", self.seed, 0, MAX_COUNT))


def init_params(spec, seed=0):
    """Initial [(W, b), ...] as nested lists: W[i][j] ~ gauss(0, 1/sqrt(n_in)), b = 0."""
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
    rng = random.Random(_check_int("seed", seed, 0))
    try:
        return _draw_params(spec, rng)
    except MemoryError as error:
        raise out_of_memory("spec", "its initial parameters", error) from None


def _draw_params(spec, rng):
    """init_params' draw: [(W, b), ...] from rng."""
    params = []
    for n_in, n_out in spec.layer_shapes():
        sigma = 1.0 / math.sqrt(n_in)
        W = [[rng.gauss(0.0, sigma) for _ in range(n_out)] for _ in range(n_in)]
        params.append((W, [0.0] * n_out))
    return params


# ---- the sample orders (docs/contract.md, "Sample orders") -----------------------------------
#
# The reference text of the order generator. Each implementation computes the same orders in its
# own language inside train (pure.py with the standard library, vectorized.py with array
# operations, trainer.inc in Fortran); this text is what the tests hold them to.
#
# A counter-based hash, so that any epoch's order is computed without the ones before it:
# epoch e's key is s = mix32(mix32(seed XOR GOLDEN) XOR e), sample i's key is mix32(i XOR s),
# and the order is 0 .. n-1 sorted by key. mix32 is a bijection of [0, 2**32) (splitmix32's
# output function, after Wellons' lowbias32), so no two samples of an epoch share a key; a tie
# would be broken by the index. mix32(0) is 0: GOLDEN (2**32 over the golden ratio, above any
# seed) keeps seed 0 from giving epoch 0 the key 0, which would put sample 0 first. Both
# multipliers are below 2**31, so a product of a 32-bit value with either is below 2**63: the
# Fortran computes it in a signed 64-bit integer.

MASK32 = 2**32 - 1
GOLDEN = 0x9E3779B9


def mix32(x):
    """x in [0, 2**32) -> its 32-bit hash, in [0, 2**32) (a bijection)."""
    x ^= x >> 16
    x = (x * 0x21F0AAAD) & MASK32
    x ^= x >> 15
    x = (x * 0x735A2D97) & MASK32
    return x ^ (x >> 15)


def epoch_key(seed, epoch):
    """The key of epoch `epoch` (counting from 0) of the orders of `seed`."""
    return mix32(mix32(seed ^ GOLDEN) ^ epoch)


def epoch_order(n_samples, seed, epoch):
    """The shuffled order of epoch `epoch` (from 0): 0 .. n_samples - 1 sorted by the key
    mix32(i XOR epoch_key(seed, epoch)), a tie (none occurs) by the index (sorted is stable)."""
    key = epoch_key(seed, epoch)
    return sorted(range(n_samples), key=lambda i: mix32(i ^ key))


def epoch_orders(n_samples, config):
    """One list of sample indices per epoch: epoch_order(n_samples, config.seed, e) for
    e = 0 .. epochs - 1, or list(range(n_samples)) when config.shuffle is off."""
    n_samples = _check_int("n_samples", n_samples, 1, MAX_COUNT)
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    if not config.shuffle:
        return [list(range(n_samples)) for _ in range(config.epochs)]
    return [epoch_order(n_samples, config.seed, epoch) for epoch in range(config.epochs)]


# ---- the input rules (docs/contract.md, "Errors"), in the order they are applied ------------
#
# Each as_* function below checks one argument and returns it in plain Python form, or raises
# the contract's error naming the argument. python_impl.arrays applies the same rules for
# NumPy: it takes a fast path for float/int/bool arrays that are already right and hands
# everything else to these functions, so both raise the same class for every input.


def _items(name, value, what):
    """value: a sequence (list, tuple, ...) or an object with tolist() (a NumPy array or
    matrix, a memoryview, an array.array) -> list of its items; TypeError otherwise (None,
    a number, a string, a set, a dict, a generator)."""
    kind = type(value).__name__
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        try:
            value = value.tolist()
        except NotImplementedError:    # a memoryview of a format tolist cannot read
            raise TypeError(f"{name} must be {what}, got {kind}") from None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be {what}, got {kind}")
    return list(value)


def _is_number(value):
    """True for a real number (bools included: 0 and 1, as Python and NumPy treat them)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (str, bytes))


def _floats(name, values):
    """values: list of real numbers -> list of finite floats, or raise naming the argument."""
    if not set(map(type, values)) <= {float, int}:  # the common case needs no per-entry check
        for k, v in enumerate(values):
            if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
                values[k] = v = v.tolist()     # NumPy scalars (np.bool_ among them), arrays
            if _is_number(v):
                continue
            if isinstance(v, Sequence) and not isinstance(v, (str, bytes)):
                raise ValueError(f"{name} has too many dimensions: found a nested sequence {v!r}")
            raise TypeError(f"{name} must hold real numbers, got {type(v).__name__} {v!r}")
    try:
        values = list(map(float, values))
    except OverflowError:
        raise ValueError(f"{name} must hold finite numbers "
                         "(one is too large for a float)") from None
    if not all(map(math.isfinite, values)):
        bad = next(v for v in values if not math.isfinite(v))
        raise ValueError(f"{name} must hold finite numbers, got {bad}")
    return values


def check_rows(name, n_rows):
    """A matrix has 1 to MAX_COUNT rows (the Fortran counts samples in a C int)."""
    if n_rows < 1:
        raise ValueError(f"{name} must have at least one row, got none")
    if n_rows > MAX_COUNT:
        raise ValueError(f"{name} must have at most {MAX_COUNT} rows (a C int, as the Fortran "
                         f"trainer counts), got {n_rows}")


def as_matrix(name, X, n_cols):
    """X: a 2-D sequence of real numbers, n_cols columns -> list of rows of floats (a copy).

    Rules, in order (docs/contract.md): X is a sequence or array (TypeError); it has 1 to
    MAX_COUNT rows (ValueError); row by row, each row is a sequence (a number: X is 1-D,
    ValueError; anything else, TypeError) as long as the first (ValueError); row by row, every
    entry a real number (a sequence: ValueError; else TypeError), then finite (ValueError);
    n_cols columns (ValueError). A copy too large for memory: MemoryError naming X.
    """
    try:
        return _rows_of_floats(name, X, n_cols)
    except MemoryError as error:
        raise out_of_memory(name, "its copy as lists of floats", error) from None


def _rows_of_floats(name, X, n_cols):
    """as_matrix's rules and copy."""
    rows = _items(name, X, "a 2-D sequence of numbers")
    check_rows(name, len(rows))
    for r, row in enumerate(rows):
        if hasattr(row, "tolist") and not isinstance(row, (str, bytes)):
            row = row.tolist()
        if _is_number(row):
            raise ValueError(f"{name} must be 2-D (n_samples x {n_cols}), got a 1-D sequence")
        rows[r] = row = _items(f"{name}[{r}]", row, "a sequence of numbers")
        if len(row) != len(rows[0]):
            raise ValueError(f"{name} must have rows of equal length: row 0 has {len(rows[0])} "
                             f"entries, row {r} has {len(row)}")
    for r, row in enumerate(rows):
        rows[r] = _floats(name, row)
    if len(rows[0]) != n_cols:
        raise ValueError(f"{name} must have {n_cols} columns, got {len(rows[0])}")
    return rows


def as_vector(name, b, n):
    """b: a sequence of n real numbers -> list of floats (a copy). Rules, in order: b is a
    sequence or array (TypeError); its entries as as_matrix's; n entries (ValueError)."""
    values = _floats(name, _items(name, b, "a sequence of numbers"))
    if len(values) != n:
        raise ValueError(f"{name} must have {n} entries, got {len(values)}")
    return values


def check_layers(params, spec):
    """params: [(W, b)] per layer -> [(W, b)], after checking that it holds one (W, b) pair per
    layer of spec (the errors name params and the layer); W and b are the caller's to check."""
    layers = _items("params", params, "a sequence of (W, b) pairs")
    if len(layers) != spec.n_layers:
        raise ValueError(f"params must have {spec.n_layers} (W, b) pairs (one per layer), "
                         f"got {len(layers)}")
    for l, layer in enumerate(layers):
        layers[l] = layer = _items(f"params[{l}]", layer, "a (W, b) pair")
        if len(layer) != 2:
            raise ValueError(f"params[{l}] must be a (W, b) pair, got {len(layer)} entries")
    return [tuple(layer) for layer in layers]


def as_params(params, spec):
    """params: [(W n_in x n_out, b n_out)] per layer -> validated [(W rows, b)] float copies.
    Rules, in order: check_layers; then layer by layer, W (as_matrix, then n_in rows), b."""
    checked = []
    for l, ((W, b), (n_in, n_out)) in enumerate(zip(check_layers(params, spec),
                                                    spec.layer_shapes())):
        W = as_matrix(f"params[{l}] W", W, n_out)
        if len(W) != n_in:
            raise ValueError(f"params[{l}] W must have {n_in} rows, got {len(W)}")
        checked.append((W, as_vector(f"params[{l}] b", b, n_out)))
    return checked


def check_orders(orders, n_samples, config):
    """Return orders as lists of ints: config.epochs lists of n_samples indices in [0, n_samples).
    Rules, in order: orders a sequence (TypeError), config.epochs of them (ValueError); each
    a sequence (TypeError) of n_samples entries (ValueError), each an integer, not a bool
    (TypeError), in [0, n_samples) (ValueError)."""
    orders = _items("orders", orders, "a sequence of index sequences")
    if len(orders) != config.epochs:
        raise ValueError(f"orders must hold one order per epoch: expected {config.epochs}, "
                         f"got {len(orders)}")
    checked = []
    for epoch, order in enumerate(orders):
        order = _items(f"orders[{epoch}]", order, "a sequence of indices")
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


def as_orders(orders, n_samples, config):
    """orders given to train: epochs x n_samples indices -> lists of ints (check_orders' rules;
    a copy too large for memory: MemoryError naming orders). (train without orders computes
    them itself: see "the sample orders" above.)"""
    try:
        return _orders_as_lists(orders, n_samples, config)
    except MemoryError as error:
        raise out_of_memory("orders", "its copy as lists of ints", error) from None


def _orders_as_lists(orders, n_samples, config):
    """as_orders' rules and copy."""
    if (isinstance(orders, (list, tuple)) and len(orders) == config.epochs
            and all(isinstance(order, (list, tuple)) and len(order) == n_samples
                    and set(map(type, order)) <= {int} and min(order) >= 0
                    and max(order) < n_samples for order in orders)):
        return [list(order) for order in orders]  # the common case, checked at C speed
    return check_orders(orders, n_samples, config)  # anything else: the full check, its errors


def as_data(X, Y, spec):
    """X (n x n_0) and Y (n x n_L) -> (X, Y) as lists of float rows. Rules, in order: X, Y,
    then as many rows in Y as in X (ValueError)."""
    X = as_matrix("X", X, spec.n_in)
    Y = as_matrix("Y", Y, spec.n_out)
    if len(Y) != len(X):
        raise ValueError(f"Y must have one row per row of X: X has {len(X)}, Y has {len(Y)}")
    return X, Y


def check_spec(spec):
    """spec must be a NetworkSpec (TypeError naming spec)."""
    if not isinstance(spec, NetworkSpec):
        raise TypeError(f"spec must be a NetworkSpec, got {type(spec).__name__}")
    return spec


def check_dtype(dtype, supported=DTYPES):
    """dtype must name one of DTYPES ("float64" or "float32", or an object whose str() is one,
    such as numpy.float32 or numpy.dtype("float32")): ValueError naming dtype otherwise, and a
    ValueError that says why for a known precision outside `supported`. -> the name."""
    name = getattr(dtype, "__name__", None) if isinstance(dtype, type) else None
    name = name if name is not None else (dtype if isinstance(dtype, str) else str(dtype))
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    if name not in supported:
        raise ValueError(f"dtype {name} is not supported here (this implementation computes in "
                         f"{', '.join(supported)} only)")
    return name


def check_config(config):
    """config must be a TrainConfig (TypeError naming config)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"config must be a TrainConfig, got {type(config).__name__}")
    return config


def out_of_memory(argument, what, error):
    """The MemoryError to raise where an allocation for `argument` failed (error: what it
    raised): "argument: out of memory: what could not be allocated (...)", naming the argument
    whose size made it fail. The failed allocation's frames (they hold what it had built) are
    let go first. An error that already names its argument is returned as it is."""
    if getattr(error, "argument", None) is not None:
        return error
    error.__traceback__ = None
    detail = f" ({error})" if str(error) else ""
    named = MemoryError(f"{argument}: out of memory: {what} could not be allocated{detail}")
    named.argument = argument
    return named


def not_finite(routine):
    """The FloatingPointError of forward, loss or gradients when a finite input overflows."""
    return FloatingPointError(f"{routine}: the result is not finite (an overflow): the inputs "
                              "or the parameters are too large")


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
