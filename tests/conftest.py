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


def rel_diff(actual, expected):
    """max |actual - expected| / max |expected| (max norm; 0 when both are all zero)."""
    actual = np.asarray(as_lists(actual), dtype=float)
    expected = np.asarray(as_lists(expected), dtype=float)
    assert actual.shape == expected.shape
    scale = np.abs(expected).max() if expected.size else 0.0
    diff = np.abs(actual - expected).max() if expected.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def assert_params_close(actual, expected, tol):
    """Every layer's W and b agree within tol relative (max norm per array)."""
    assert len(actual) == len(expected)
    for layer, ((W, b), (W_ref, b_ref)) in enumerate(zip(actual, expected)):
        assert rel_diff(W, W_ref) <= tol, f"layer {layer} W differs"
        assert rel_diff(b, b_ref) <= tol, f"layer {layer} b differs"


def assert_history_close(actual, expected, tol):
    """Two training histories agree entry by entry within tol relative."""
    assert isinstance(actual, list) and all(isinstance(h, float) for h in actual)
    assert len(actual) == len(expected)
    for epoch, (h, h_ref) in enumerate(zip(actual, expected)):
        assert math.isfinite(h)
        assert abs(h - h_ref) <= tol * abs(h_ref), f"epoch {epoch}: {h} vs {h_ref}"
