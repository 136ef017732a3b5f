"""Shared fixtures: the three implementations by name, and helpers to compare their outputs.

Each implementation is imported when a test first asks for it, so that `-k "not fortran"`
runs the other two without touching fortran_impl. A failed import is an error, never a skip:
a missing Fortran build must fail the suite.
"""

import pytest

from bench import registry  # standard library only: each class imported when asked for
from python_impl.arrays import history_diff, layer_diffs
from python_impl.spec import NetworkSpec, TrainConfig, init_params

NAMES = registry.OWN
# The oracle of the correctness tests: the most literal implementation, the others are held to
# it. (Not the benchmark's reference, bench.registry.REFERENCE, NumPy: the fastest of the
# exact ones, against which every timed result's agreement is measured.)
ORACLE = "python"
OTHERS = tuple(name for name in NAMES if name != ORACLE)

# A small valid case, which the bad-input tests spoil one argument at a time.
SPEC = NetworkSpec((2, 3, 2), "tanh", "sigmoid", "mse")
PARAMS = init_params(SPEC, seed=1)
X = [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]
Y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
CONFIG = TrainConfig(epochs=2, learning_rate=0.1, batch_size=2)
ORDERS = [[0, 1, 2], [2, 1, 0]]


def load(name):
    """The Network class of implementation `name` (imported on first use, from its entry
    point; a failed import raises)."""
    return registry.load_one(name)


@pytest.fixture(params=NAMES)
def impl(request):
    """Each implementation's Network class in turn; the test id names the implementation."""
    return load(request.param)


def as_lists(value):
    """A number, or any nested sequence or array of numbers -> float, or nested lists of floats."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [as_lists(v) for v in value]
    return float(value)


def params_as_lists(params):
    """[(W, b)] of any implementation -> [(W nested lists, b list)]."""
    return [(as_lists(W), as_lists(b)) for W, b in params]


def assert_params_close(actual, expected, tol, floor=0.0):
    """[(W, b)] per layer agree within tol (the contract's per-layer agreement, layer_diffs)."""
    for layer, diff in enumerate(layer_diffs(actual, expected, floor)):
        assert diff <= tol, f"layer {layer} differs by {diff:.2e} relative"


def assert_history_close(actual, expected, tol, floor=0.0):
    """Two training histories agree entry by entry within tol (arrays.history_diff)."""
    assert isinstance(actual, list) and all(isinstance(h, float) for h in actual)
    assert history_diff(actual, expected, floor) <= tol, f"{actual} vs {expected}"
