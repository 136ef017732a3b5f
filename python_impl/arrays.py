"""The network contract for arrays (NumPy): the input rules and the metrics of agreement.

The input rules are python_impl.spec's (docs/contract.md, "Errors"), applied to NumPy arrays:
a float, integer or bool array of the right shape takes a fast path that checks it at C speed;
everything else (nested lists, other dtypes, arrays of the wrong dimension) goes through
spec's own checks, so that every input raises the same error class from every implementation.
The NumPy implementation, the Fortran face and the peers take their arguments through here.

The metrics are the contract's ("Tolerances"): the relative difference (max norm), the
per-layer agreement over W and b together, and the central-difference gradient check with its
per-array relative error. Tests, benchmarks and the report all use these definitions.
"""

from __future__ import annotations

import math

import numpy as np

from python_impl import spec as _spec
from python_impl.spec import TOLERANCES

_NUMBERS = "biuf"  # dtype kinds of real numbers: bool, signed and unsigned integers, floats


def _plain(value, kinds):
    """True for an array the fast path may read as it is: an ndarray (not a masked array,
    whose tolist() gives None where masked) of one of the dtype kinds."""
    return (isinstance(value, np.ndarray) and not isinstance(value, np.ma.MaskedArray)
            and value.dtype.kind in kinds)


# ---- input rules ----------------------------------------------------------------------------

def as_dtype(dtype):
    """The network precision dtype ("float64", "float32", or numpy's float64 / float32 types and
    dtypes) -> numpy.dtype; ValueError naming dtype otherwise (spec.check_dtype's rule)."""
    return np.dtype(_spec.check_dtype(dtype))


def _cast(name, A, dtype):
    """A float64 array of finite numbers -> dtype (C-contiguous; A itself when it already is
    one); ValueError when a number is finite in float64 but too large for dtype."""
    if A.dtype == dtype:
        return A
    with np.errstate(over="ignore"):
        B = np.ascontiguousarray(A, dtype=dtype)
    if not np.isfinite(B).all():
        raise ValueError(f"{name} must hold finite numbers, got {A[~np.isfinite(B)][0]} "
                         f"(too large for {dtype.name})")
    return B


def as_matrix(name, X, n_cols, dtype=np.float64):
    """X: a 2-D sequence or array of real numbers, n_cols columns -> C-contiguous array of
    dtype (n x n_cols), float64 by default; X itself when it already is one. Errors:
    spec.as_matrix's (and a number too large for dtype is not finite; a copy too large for
    memory is a MemoryError naming X)."""
    try:
        return _array(name, X, n_cols, np.dtype(dtype))
    except MemoryError as error:
        raise _spec.out_of_memory(name, "its converted copy", error) from None


def _array(name, X, n_cols, dtype):
    """as_matrix's rules and copy."""
    if _plain(X, _NUMBERS) and X.ndim == 2:
        _spec.check_rows(name, X.shape[0])
        A = np.ascontiguousarray(X, dtype=np.float64 if X.dtype != dtype else dtype)
        if not np.isfinite(A).all():
            raise ValueError(f"{name} must hold finite numbers, got {A[~np.isfinite(A)][0]} "
                             "(or a number too large for a float)")
        if A.shape[1] != n_cols:
            raise ValueError(f"{name} must have {n_cols} columns, got {A.shape[1]}")
        return _cast(name, A, dtype)
    return _cast(name, np.array(_spec.as_matrix(name, X, n_cols), dtype=np.float64), dtype)


def as_vector(name, b, n, dtype=np.float64):
    """b: a sequence or array of n real numbers -> (n,) array of dtype. Errors:
    spec.as_vector's (and a number too large for dtype is not finite)."""
    dtype = np.dtype(dtype)
    if _plain(b, _NUMBERS) and b.ndim == 1:
        v = np.ascontiguousarray(b, dtype=np.float64 if b.dtype != dtype else dtype)
        if not np.isfinite(v).all():
            raise ValueError(f"{name} must hold finite numbers, got {v[~np.isfinite(v)][0]} "
                             "(or a number too large for a float)")
        if len(v) != n:
            raise ValueError(f"{name} must have {n} entries, got {len(v)}")
        return _cast(name, v, dtype)
    return _cast(name, np.array(_spec.as_vector(name, b, n), dtype=np.float64), dtype)


def as_params(params, spec, dtype=np.float64):
    """params: [(W n_in x n_out, b n_out)] per layer -> validated [(W, b)] arrays of dtype
    (float64 by default; W C-contiguous; possibly the caller's own arrays: copy before changing
    them). float32 parameters are the given numbers rounded once."""
    checked = []
    for l, ((W, b), (n_in, n_out)) in enumerate(zip(_spec.check_layers(params, spec),
                                                    spec.layer_shapes())):
        W = as_matrix(f"params[{l}] W", W, n_out, dtype)
        if W.shape[0] != n_in:
            raise ValueError(f"params[{l}] W must have {n_in} rows, got {W.shape[0]}")
        checked.append((W, as_vector(f"params[{l}] b", b, n_out, dtype)))
    return checked


def as_orders(orders, n_samples, config, dtype=np.intp):
    """orders given to train: epochs x n_samples indices -> C-contiguous (epochs, n_samples)
    array of dtype. Errors: spec.check_orders' (a copy too large for memory: MemoryError
    naming orders)."""
    try:
        if (_plain(orders, "iu") and orders.shape == (config.epochs, n_samples)
                and orders.min() >= 0 and orders.max() < n_samples):
            return np.ascontiguousarray(orders, dtype=dtype)  # the common case, at C speed
        return np.array(_spec.as_orders(orders, n_samples, config), dtype=dtype)
    except MemoryError as error:
        raise _spec.out_of_memory("orders", "its copy as an array", error) from None


def as_data(X, Y, spec, dtype=np.float64):
    """X (n x n_0) and Y (n x n_L) -> (X, Y) as arrays of dtype (float64 by default). Errors:
    spec.as_data's."""
    X = as_matrix("X", X, spec.n_in, dtype)
    Y = as_matrix("Y", Y, spec.n_out, dtype)
    if Y.shape[0] != X.shape[0]:
        raise ValueError(f"Y must have one row per row of X: X has {X.shape[0]}, "
                         f"Y has {Y.shape[0]}")
    return X, Y


# ---- metrics --------------------------------------------------------------------------------

def rel_diff(actual, expected, floor=0.0):
    """max |actual - expected| / max(max |expected|, floor): the relative difference, max norm
    (the absolute difference where that scale is 0). floor > 0 makes it absolute for results
    much smaller than the numbers they are computed from (see docs/contract.md)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: {actual.shape} and {expected.shape}")
    if not expected.size:
        return 0.0
    diff = float(np.max(np.abs(actual - expected)))
    scale = max(float(np.max(np.abs(expected))), floor)
    return diff / scale if scale > 0.0 else diff


def layer_diffs(params, reference, floor=0.0):
    """[(W, b)] against the reference's [(W, b)] -> per layer, rel_diff over W and b together."""
    if len(params) != len(reference):
        raise ValueError(f"layer counts differ: {len(params)} and {len(reference)}")
    diffs = []
    for (W, b), (W_ref, b_ref) in zip(params, reference):
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        W_ref, b_ref = np.asarray(W_ref, dtype=np.float64), np.asarray(b_ref, dtype=np.float64)
        if W.shape != W_ref.shape or b.shape != b_ref.shape:
            raise ValueError(f"layer shapes differ: {W.shape}, {b.shape} and "
                             f"{W_ref.shape}, {b_ref.shape}")
        diffs.append(rel_diff(np.concatenate([W.ravel(), b]),
                              np.concatenate([W_ref.ravel(), b_ref]), floor))
    return diffs


def history_diff(history, reference, floor=0.0):
    """Largest over epochs of |h - h_ref| / max(|h_ref|, floor) (absolute where that is 0);
    inf when the lengths differ or an entry is not finite."""
    if len(history) != len(reference):
        return math.inf
    worst = 0.0
    for h, r in zip(history, reference):
        scale = max(abs(r), floor)
        diff = abs(h - r) / scale if scale > 0.0 else abs(h - r)
        worst = max(worst, diff if math.isfinite(diff) else math.inf)
    return worst


def gradient_error(g, fd):
    """max |g - fd| / max(max |g|, max |fd|): the gradient check's relative error of one array
    (analytic g against central differences fd; 0 when both are 0)."""
    g, fd = np.asarray(g, dtype=np.float64), np.asarray(fd, dtype=np.float64)
    scale = max(float(np.max(np.abs(g))), float(np.max(np.abs(fd))))
    diff = float(np.max(np.abs(g - fd)))
    return diff / scale if scale > 0.0 else diff


def central_differences(net, params, X, Y, step=None):
    """[(dW n_in x n_out, db n_out)] of net.loss(X, Y) at params, every entry by
    (loss(p + h) - loss(p - h)) / 2h through net.set_params; net is left at params. step h:
    the contract's for the network's dtype by default (spec.TOLERANCES).

    In a float32 network (net.dtype) the parameters are rounded to float32 first, and so is
    each moved entry: the step is then the distance between the two rounded entries, not 2h."""
    dtype = np.dtype(getattr(net, "dtype", "float64"))
    step = TOLERANCES[dtype.name][0] if step is None else step
    base = [(np.array(W, dtype=np.float64).astype(dtype).astype(np.float64),
             np.array(b, dtype=np.float64).astype(dtype).astype(np.float64)) for W, b in params]
    grads = []
    for W, b in base:
        layer_grads = []
        for values in (W, b):
            fd = np.empty_like(values)
            for index in np.ndindex(values.shape):
                original = values[index]
                moves = (original + step, original - step)
                if dtype != np.float64:
                    moves = tuple(float(dtype.type(moved)) for moved in moves)
                losses = []
                for moved in moves:
                    values[index] = moved
                    net.set_params(base)
                    losses.append(net.loss(X, Y))
                values[index] = original
                width = 2.0 * step if dtype == np.float64 else moves[0] - moves[1]
                fd[index] = (losses[0] - losses[1]) / width
            layer_grads.append(fd)
        grads.append(tuple(layer_grads))
    net.set_params(base)
    return grads


def gradient_check(net, params, X, Y, step=None):
    """[(error of dW, error of db)] per layer: gradient_error of net.gradients(X, Y) at params
    against central_differences; the contract holds each below GRADIENT_CHECK_TOLERANCE
    (FLOAT32_GRADIENT_CHECK_TOLERANCE for a float32 network, with its step)."""
    net.set_params(params)
    _, grads = net.gradients(X, Y)
    return [(gradient_error(dW, fdW), gradient_error(db, fdb))
            for (dW, db), (fdW, fdb) in zip(grads, central_differences(net, params, X, Y, step))]
