"""Shared fixtures: the three implementations by name, and helpers to compare their outputs.

Each implementation is imported when a test first asks for it, so that `-k "not fortran"`
runs the other two without touching fortran_impl. A failed import is an error, never a skip:
a missing Fortran build must fail the suite.
"""

import importlib
import math

import numpy as np
import pytest

# Implementation name -> module holding its Network class (the names of bench.implementations).
MODULES = {
    "python": "python_impl.pure",
    "numpy": "python_impl.vectorized",
    "fortran": "fortran_impl",
}
NAMES = tuple(MODULES)
REFERENCE = "python"  # the most literal implementation: the others are compared against it
OTHERS = tuple(name for name in NAMES if name != REFERENCE)


def load(name):
    """The Network class of implementation `name` (imported on first use)."""
    return importlib.import_module(MODULES[name]).Network


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


def rel_diff(actual, expected, floor=0.0):
    """max |actual - expected| / max(max |expected|, floor): the max-norm relative difference.

    floor > 0 turns it into an absolute test for results much smaller than the O(1) terms
    they are computed from, where rounding differences are absolute, not relative."""
    actual = np.asarray(as_lists(actual), dtype=float)
    expected = np.asarray(as_lists(expected), dtype=float)
    assert actual.shape == expected.shape
    scale = max(np.abs(expected).max() if expected.size else 0.0, floor)
    diff = np.abs(actual - expected).max() if expected.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def layer_diff(actual, expected, floor=0.0):
    """Per layer, max |difference| over W and b / max |entry| of the expected W and b."""
    assert len(actual) == len(expected)
    diffs = []
    for (W, b), (W_ref, b_ref) in zip(actual, expected):
        flat = np.concatenate([np.ravel(as_lists(W)), np.ravel(as_lists(b))])
        flat_ref = np.concatenate([np.ravel(as_lists(W_ref)), np.ravel(as_lists(b_ref))])
        assert np.shape(as_lists(W)) == np.shape(as_lists(W_ref))
        diffs.append(rel_diff(flat, flat_ref, floor))
    return diffs


def assert_params_close(actual, expected, tol, floor=0.0):
    """[(W, b)] per layer agree within tol relative, max norm over each layer's W and b."""
    for layer, diff in enumerate(layer_diff(actual, expected, floor)):
        assert diff <= tol, f"layer {layer} differs by {diff:.2e} relative"


def assert_history_close(actual, expected, tol, floor=0.0):
    """Two training histories agree entry by entry within tol relative."""
    assert isinstance(actual, list) and all(isinstance(h, float) for h in actual)
    assert len(actual) == len(expected)
    for epoch, (h, h_ref) in enumerate(zip(actual, expected)):
        assert math.isfinite(h)
        assert abs(h - h_ref) <= tol * max(abs(h_ref), floor), f"epoch {epoch}: {h} vs {h_ref}"
