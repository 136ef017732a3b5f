"""A catalogue of bad inputs, one and two faults at once, run over the three implementations:
for every case the same exception class in all three (TypeError or ValueError, never another),
the class the contract's rules give (docs/contract.md, "Errors": the rules and their order), a
message naming the argument the precedence picks, and the parameters unchanged. Then the same
over random inputs (hypothesis), and the rule for finite inputs that overflow."""

import itertools
import json
import math
import re
import subprocess
import sys
import warnings
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import CONFIG, NAMES, ORDERS, PARAMS, SPEC, X, Y, load, params_as_lists
from hypothesis import given, settings
from hypothesis import strategies as st

from python_impl.spec import MAX_COUNT, NetworkSpec, TrainConfig, check_rows, init_params

NAMED = {"X": r"\bX\b", "Y": r"\bY\b", "params": r"\bparams\b", "orders": r"\borders\b",
         "config": r"\bconfig\b", "spec": r"\bspec\b", "seed": r"\bseed\b"}


def rows(*replaced):
    """X with rows replaced: rows((1, row), (2, row)) -> a fresh list of 3 rows."""
    matrix = [list(row) for row in X]
    for index, row in replaced:
        matrix[index] = row
    return matrix


def matrix(value):
    """np.matrix(value), without NumPy's PendingDeprecationWarning (warnings are errors here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(value)


# Faults of a 3 x 2 matrix argument: name -> (factory of a fresh value, exception class).
# Factories, so that one-shot values (generators) are new at every call.
MATRIX_FAULTS = {
    "none": (lambda: None, TypeError),
    "number": (lambda: 3.0, TypeError),
    "string": (lambda: "ab", TypeError),
    "bytes": (lambda: b"ab", TypeError),
    "generator-of-rows": (lambda: (row for row in X), TypeError),
    "set-of-rows": (lambda: {(0.1, 0.2), (0.3, 0.4), (0.5, 0.6)}, TypeError),
    "dict": (lambda: {0: [0.1, 0.2]}, TypeError),
    "zero-d-array": (lambda: np.array(1.0), TypeError),
    "complex-array": (lambda: np.array(X, dtype=complex), TypeError),
    "string-array": (lambda: np.array([["a", "b"]] * 3), TypeError),
    "string-array-1d": (lambda: np.array(["a", "b"]), TypeError),
    "bytes-array": (lambda: np.array([[b"a", b"b"]] * 3), TypeError),
    "datetime-array": (lambda: np.array([["2020-01-01"] * 2] * 3, dtype="datetime64[D]"),
                       TypeError),
    "object-array-none": (lambda: np.array([[None, 0.2], [0.3, 0.4], [0.5, 0.6]], dtype=object),
                          TypeError),
    "row-none": (lambda: rows((1, None)), TypeError),
    "row-string": (lambda: rows((1, "ab")), TypeError),
    "row-bytes": (lambda: rows((1, b"ab")), TypeError),
    "row-dict": (lambda: rows((1, {0: 0.3, 1: 0.4})), TypeError),
    "row-set": (lambda: rows((1, {0.3, 0.4})), TypeError),
    "row-generator": (lambda: rows((1, (v for v in (0.3, 0.4)))), TypeError),
    "entry-string": (lambda: rows((0, ["a", 0.2])), TypeError),
    "entry-numeric-string": (lambda: rows((0, ["0.1", 0.2])), TypeError),
    "entry-none": (lambda: rows((2, [0.5, None])), TypeError),
    "entry-complex": (lambda: rows((0, [1j, 0.2])), TypeError),
    "entry-decimal": (lambda: rows((0, [Decimal("0.1"), 0.2])), TypeError),
    "entry-dict": (lambda: rows((0, [{}, 0.2])), TypeError),
    "empty-list": (lambda: [], ValueError),
    "empty-tuple": (lambda: (), ValueError),
    "no-rows-array": (lambda: np.empty((0, 2)), ValueError),
    "empty-rows": (lambda: [[], [], []], ValueError),
    "zero-columns-array": (lambda: np.zeros((3, 0)), ValueError),
    "flat-list": (lambda: [0.1, 0.2], ValueError),
    "range": (lambda: range(3), ValueError),
    "bool-1d-array": (lambda: np.array([True, False]), ValueError),
    "float-1d-array": (lambda: np.array([0.1, 0.2]), ValueError),
    "numpy-bools-1d-list": (lambda: [np.True_, np.False_], ValueError),
    "memoryview-1d": (lambda: memoryview(np.array([0.1, 0.2])), ValueError),
    "row-number": (lambda: rows((1, 0.3)), ValueError),
    "row-zero-d-array": (lambda: rows((1, np.array(0.3))), ValueError),
    "three-d-list": (lambda: [[[0.1, 0.2]]] * 3, ValueError),
    "three-d-array": (lambda: np.zeros((3, 1, 2)), ValueError),
    "entry-nested": (lambda: rows((0, [[0.1], 0.2])), ValueError),
    "ragged": (lambda: rows((1, [0.3])), ValueError),
    "ragged-arrays": (lambda: [np.zeros(2), np.zeros(3), np.zeros(2)], ValueError),
    "wrong-columns": (lambda: [[0.1, 0.2, 0.3]] * 3, ValueError),
    "wrong-columns-array": (lambda: np.zeros((3, 3)), ValueError),
    "one-column-matrix": (lambda: matrix([[0.1], [0.2], [0.3]]), ValueError),
    "masked-entry": (lambda: np.ma.masked_array(X, mask=[[0, 1], [0, 0], [0, 0]]), TypeError),
    "nan": (lambda: rows((0, [0.1, math.nan])), ValueError),
    "inf": (lambda: rows((1, [math.inf, 0.4])), ValueError),
    "minus-inf-array": (lambda: np.array([[0.1, 0.2], [0.3, 0.4], [0.5, -np.inf]]), ValueError),
    "nan-float32-array": (lambda: np.array([[np.nan, 0.2]] * 3, dtype=np.float32), ValueError),
    "int-too-large": (lambda: rows((0, [10**400, 0.2])), ValueError),
    "int-too-large-object-array": (lambda: np.array([[10**400, 1]] * 3, dtype=object),
                                   ValueError),
    "fraction-too-large": (lambda: rows((0, [Fraction(10**400), 0.2])), ValueError),
}

# Good inputs in unusual forms: accepted by all three, with the same numbers.
GOOD_MATRICES = {
    "tuples": lambda: tuple(map(tuple, X)),
    "array": lambda: np.array(X),
    "fortran-order": lambda: np.asfortranarray(X),
    "strided": lambda: np.array([X[0], [9.0, 9.0], X[1], [9.0, 9.0], X[2]])[::2],
    "float16-exact": lambda: np.array([[0.5, 0.25], [0.125, -1.0], [2.0, 0.0]], dtype=np.float16),
    "matrix": lambda: matrix(X),
    "memoryview-2d": lambda: memoryview(np.array(X)),
    "list-of-arrays": lambda: [np.array(row) for row in X],
    "numpy-scalars": lambda: [[np.float64(v) for v in row] for row in X],
    "fractions": lambda: [[Fraction(v) for v in row] for row in X],
    "object-array": lambda: np.array(X, dtype=object),
    "masked-none-masked": lambda: np.ma.masked_array(X),
}

# Faults of params (for SPEC: layer 0 is W 2 x 3, b 3; layer 1 is W 3 x 2, b 2).
W0, B0 = PARAMS[0]
W1, B1 = PARAMS[1]


def layers(W0=W0, b0=B0, W1=W1, b1=B1):
    return [(W0, b0), (W1, b1)]


PARAMS_FAULTS = {
    "none": (lambda: None, TypeError),
    "number": (lambda: 5, TypeError),
    "string": (lambda: "params", TypeError),
    "generator": (lambda: (layer for layer in PARAMS), TypeError),
    "dict": (lambda: {0: PARAMS[0], 1: PARAMS[1]}, TypeError),
    "layer-number": (lambda: [1.0, PARAMS[1]], TypeError),
    "layer-none": (lambda: [None, PARAMS[1]], TypeError),
    "layer-string": (lambda: ["ab", PARAMS[1]], TypeError),
    "layer-set": (lambda: [{1, 2}, PARAMS[1]], TypeError),
    "W-none": (lambda: layers(W0=None), TypeError),
    "W-scalar": (lambda: layers(W0=0.5), TypeError),
    "W-string": (lambda: layers(W0=[["x", 0, 0], [0, 0, 0]]), TypeError),
    "W-complex-array": (lambda: layers(W1=np.ones((3, 2), dtype=complex)), TypeError),
    "W-generator": (lambda: layers(W0=(row for row in W0)), TypeError),
    "W-row-none": (lambda: layers(W0=[W0[0], None]), TypeError),
    "b-none": (lambda: layers(b0=None), TypeError),
    "b-scalar": (lambda: layers(b1=0.0), TypeError),
    "b-string": (lambda: layers(b1="ab"), TypeError),
    "b-set": (lambda: layers(b1={0.0, 1.0}), TypeError),
    "b-generator": (lambda: layers(b1=(v for v in B1)), TypeError),
    "b-zero-d-array": (lambda: layers(b1=np.array(0.0)), TypeError),
    "b-none-entry": (lambda: layers(b1=[None, 0.0]), TypeError),
    "b-string-array": (lambda: layers(b1=np.array(["a", "b"])), TypeError),
    "too-few-layers": (lambda: PARAMS[:1], ValueError),
    "too-many-layers": (lambda: PARAMS + PARAMS[:1], ValueError),
    "empty": (lambda: [], ValueError),
    "layer-triple": (lambda: [(W0, B0, B0), PARAMS[1]], ValueError),
    "layer-single": (lambda: [(W0,), PARAMS[1]], ValueError),
    "W-rows": (lambda: layers(W0=W0[:1]), ValueError),
    "W-columns": (lambda: layers(W0=[row[:2] for row in W0]), ValueError),
    "W-transposed": (lambda: layers(W0=[list(col) for col in zip(*W0)]), ValueError),
    "W-ragged": (lambda: layers(W0=[W0[0], W0[1][:2]]), ValueError),
    "W-one-dimensional": (lambda: layers(W0=W0[0]), ValueError),
    "W-three-d-array": (lambda: layers(W0=np.zeros((2, 3, 1))), ValueError),
    "W-nan": (lambda: layers(W1=[[math.nan, 0.0]] + W1[1:]), ValueError),
    "W-inf-array": (lambda: layers(W1=np.full((3, 2), np.inf)), ValueError),
    "W-too-large": (lambda: layers(W1=[[10**400, 0.0]] + W1[1:]), ValueError),
    "b-length": (lambda: layers(b0=B0[:2]), ValueError),
    "b-two-dimensional": (lambda: layers(b0=[B0]), ValueError),
    "b-two-d-array": (lambda: layers(b0=np.zeros((3, 1))), ValueError),
    "b-inf": (lambda: layers(b1=[0.0, math.inf]), ValueError),
    "b-nan-array": (lambda: layers(b1=np.array([np.nan, 0.0])), ValueError),
    "b-too-large": (lambda: layers(b1=[0.0, 10**400]), ValueError),
}

ORDERS_FAULTS = {
    "number": (lambda: 7, TypeError),
    "string": (lambda: "ab", TypeError),
    "generator": (lambda: (order for order in ORDERS), TypeError),
    "set": (lambda: {(0, 1, 2), (2, 1, 0)}, TypeError),
    "zero-d-array": (lambda: np.array(5), TypeError),
    "order-a-number": (lambda: [0, 1], TypeError),
    "order-a-string": (lambda: [[0, 1, 2], "abc"], TypeError),
    "order-a-set": (lambda: [{0, 1, 2}, [2, 1, 0]], TypeError),
    "order-a-generator": (lambda: [(i for i in range(3)), [2, 1, 0]], TypeError),
    "index-float": (lambda: [[0, 1, 2.0], [2, 1, 0]], TypeError),
    "index-string": (lambda: [[0, 1, "2"], [2, 1, 0]], TypeError),
    "index-none": (lambda: [[0, 1, None], [2, 1, 0]], TypeError),
    "index-bool": (lambda: [[0, True, 2], [2, 1, 0]], TypeError),
    "index-numpy-bool": (lambda: [[0, np.True_, 2], [2, 1, 0]], TypeError),
    "bool-array": (lambda: np.array([[True, False, True]] * 2), TypeError),
    "float-array": (lambda: np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]), TypeError),
    "one-d-int-array": (lambda: np.array([0, 1]), TypeError),
    "too-few-epochs": (lambda: ORDERS[:1], ValueError),
    "too-many-epochs": (lambda: ORDERS + ORDERS[:1], ValueError),
    "empty": (lambda: [], ValueError),
    "order-too-short": (lambda: [[0, 1], [2, 1, 0]], ValueError),
    "order-too-long": (lambda: [[0, 1, 2], [2, 1, 0, 0]], ValueError),
    "index-too-large": (lambda: [[0, 1, 3], [2, 1, 0]], ValueError),
    "index-negative": (lambda: [[0, 1, 2], [2, -1, 0]], ValueError),
    "index-beyond-c-int": (lambda: [[0, 1, 2**40], [2, 1, 0]], ValueError),
    "array-wrong-shape": (lambda: np.zeros((3, 3), dtype=int), ValueError),
    "array-too-short": (lambda: np.zeros((2, 2), dtype=int), ValueError),
    "array-out-of-range": (lambda: np.array([[0, 1, 2], [3, 1, 0]]), ValueError),
    "array-negative": (lambda: np.array([[0, 1, 2], [-3, 1, 0]]), ValueError),
    "array-uint64-huge": (lambda: np.array([[0, 1, 2**63], [2, 1, 0]], dtype=np.uint64),
                          ValueError),
    "three-d-array": (lambda: np.zeros((2, 3, 1), dtype=int), TypeError),
}

CONFIG_FAULTS = {
    "none": lambda: None,
    "dict": lambda: {"epochs": 1, "learning_rate": 0.1},
    "tuple": lambda: (2, 0.1),
    "string": lambda: "config",
    "look-alike": lambda: SimpleNamespace(epochs=0, learning_rate=-1.0, batch_size=2**31,
                                          momentum=0.0, l2=0.0, shuffle=False, seed=0),
    "class": lambda: TrainConfig,
}

SPEC_FAULTS = {
    "none": lambda: None,
    "tuple": lambda: (2, 3, 2),
    "string": lambda: "spec",
    "look-alike": lambda: SimpleNamespace(layer_sizes=(2, 0, 2), hidden_activation="swish",
                                          output_activation="sigmoid", loss="mse"),
}

SEED_FAULTS = {"negative": (-1, ValueError), "float": (1.5, TypeError),
               "string": ("0", TypeError), "bool": (True, TypeError), "none": (None, TypeError)}


def outcome(net, call):
    """(exception class or None, message) of call(net), and whether net's parameters changed."""
    before = params_as_lists(net.get_params())
    try:
        call(net)
    except Exception as exc:  # noqa: BLE001 - the class is the result
        kind, message = type(exc), str(exc)
    else:
        kind, message = None, ""
    return kind, message, params_as_lists(net.get_params()) != before


def construct(Network, call):
    """(exception class or None, message) of call(Network), and False (nothing to change)."""
    try:
        call(Network)
    except Exception as exc:  # noqa: BLE001 - the class is the result
        return type(exc), str(exc), False
    return None, "", False


def check_case(call, error, argument, constructor=False):
    """call(net) (or call(Network) for a constructor) raises `error` naming `argument` in all
    three, leaving the parameters unchanged."""
    results = {}
    for name in NAMES:
        Network = load(name)
        results[name] = (construct(Network, call) if constructor
                         else outcome(Network(SPEC, PARAMS), call))
    kinds = {name: kind for name, (kind, _, _) in results.items()}
    assert set(kinds.values()) == {error}, kinds
    for name, (_, message, changed) in results.items():
        assert not changed, name
        assert re.search(NAMED[argument], message), (name, message)


# ---- one fault ------------------------------------------------------------------------------

MATRIX_CALLS = {
    "X": {"forward": lambda v: lambda n: n.forward(v()),
          "predict": lambda v: lambda n: n.predict(v()),
          "loss": lambda v: lambda n: n.loss(v(), Y),
          "gradients": lambda v: lambda n: n.gradients(v(), Y),
          "train": lambda v: lambda n: n.train(v(), Y, CONFIG)},
    "Y": {"loss": lambda v: lambda n: n.loss(X, v()),
          "gradients": lambda v: lambda n: n.gradients(X, v()),
          "train": lambda v: lambda n: n.train(X, v(), CONFIG)},
}
ONE_FAULT = [(f"{argument}-{fault}-{method}", argument, fault, method)
             for argument, calls in MATRIX_CALLS.items()
             for fault in MATRIX_FAULTS for method in calls]


@pytest.mark.parametrize("case, argument, fault, method", ONE_FAULT,
                         ids=[case[0] for case in ONE_FAULT])
def test_matrix_fault(case, argument, fault, method):
    value, error = MATRIX_FAULTS[fault]
    check_case(MATRIX_CALLS[argument][method](value), error, argument)


@pytest.mark.parametrize("method", ["loss", "gradients", "train"])
def test_rows_of_Y_unlike_X(method):
    short = [[0.0, 1.0], [1.0, 0.0]]
    call = {"loss": lambda n: n.loss(X, short), "gradients": lambda n: n.gradients(X, short),
            "train": lambda n: n.train(X, short, CONFIG)}[method]
    check_case(call, ValueError, "Y")


@pytest.mark.parametrize("fault", sorted(PARAMS_FAULTS))
@pytest.mark.parametrize("where", ["set_params", "constructor"])
def test_params_fault(fault, where):
    value, error = PARAMS_FAULTS[fault]
    if where == "set_params":
        check_case(lambda n: n.set_params(value()), error, "params")
    elif fault == "none":   # in the constructor None means init_params(spec, seed)
        assert all(construct(load(name), lambda Network: Network(SPEC, None))[0] is None
                   for name in NAMES)
    else:
        check_case(lambda Network: Network(SPEC, value()), error, "params", constructor=True)


@pytest.mark.parametrize("fault", sorted(ORDERS_FAULTS))
def test_orders_fault(fault):
    value, error = ORDERS_FAULTS[fault]
    check_case(lambda n: n.train(X, Y, CONFIG, value()), error, "orders")


@pytest.mark.parametrize("fault", sorted(CONFIG_FAULTS))
def test_config_fault(fault):
    check_case(lambda n: n.train(X, Y, CONFIG_FAULTS[fault]()), TypeError, "config")


@pytest.mark.parametrize("fault", sorted(SPEC_FAULTS))
def test_spec_fault(fault):
    check_case(lambda Network: Network(SPEC_FAULTS[fault]()), TypeError, "spec", constructor=True)


@pytest.mark.parametrize("fault", sorted(SEED_FAULTS))
def test_seed_fault(fault):
    value, error = SEED_FAULTS[fault]
    check_case(lambda Network: Network(SPEC, seed=value), error, "seed", constructor=True)


# Fields of NetworkSpec and TrainConfig: refused when built, so no implementation ever sees
# them; counts that do not fit the Fortran integer (a C int) and rates beyond a float included.
FIELD_FAULTS = [
    ("layer_sizes", lambda: NetworkSpec((2, MAX_COUNT + 1)), ValueError),
    ("layer_sizes", lambda: NetworkSpec((2**31, 1)), ValueError),
    ("layer_sizes", lambda: NetworkSpec((2**16, 2**16, 1)), ValueError),  # 2**32 parameters
    ("layer_sizes", lambda: NetworkSpec((2, 0)), ValueError),
    ("layer_sizes", lambda: NetworkSpec((2,)), ValueError),
    ("layer_sizes", lambda: NetworkSpec((2, 2.0)), TypeError),
    ("layer_sizes", lambda: NetworkSpec((2, True)), TypeError),
    ("layer_sizes", lambda: NetworkSpec("22"), TypeError),
    ("layer_sizes", lambda: NetworkSpec(None), TypeError),
    ("hidden_activation", lambda: NetworkSpec((2, 2), "swish"), ValueError),
    ("output_activation", lambda: NetworkSpec((2, 2), "tanh", None), TypeError),
    ("loss", lambda: NetworkSpec((2, 2), loss="hinge"), ValueError),
    ("loss", lambda: NetworkSpec((2, 2), "tanh", "linear", "cross_entropy"), ValueError),
    ("epochs", lambda: TrainConfig(MAX_COUNT + 1, 0.1), ValueError),
    ("epochs", lambda: TrainConfig(0, 0.1), ValueError),
    ("epochs", lambda: TrainConfig(1.0, 0.1), TypeError),
    ("batch_size", lambda: TrainConfig(1, 0.1, batch_size=2**31), ValueError),
    ("batch_size", lambda: TrainConfig(1, 0.1, batch_size=2**63), ValueError),
    ("batch_size", lambda: TrainConfig(1, 0.1, batch_size=0), ValueError),
    ("batch_size", lambda: TrainConfig(1, 0.1, batch_size=True), TypeError),
    ("learning_rate", lambda: TrainConfig(1, 10**400), ValueError),
    ("learning_rate", lambda: TrainConfig(1, Fraction(10**400)), ValueError),
    ("learning_rate", lambda: TrainConfig(1, -0.1), ValueError),
    ("learning_rate", lambda: TrainConfig(1, math.nan), ValueError),
    ("learning_rate", lambda: TrainConfig(1, "0.1"), TypeError),
    ("learning_rate", lambda: TrainConfig(1, 1j), TypeError),
    ("momentum", lambda: TrainConfig(1, 0.1, momentum=10**400), ValueError),
    ("momentum", lambda: TrainConfig(1, 0.1, momentum=1.0), ValueError),
    ("l2", lambda: TrainConfig(1, 0.1, l2=-(10**400)), ValueError),
    ("l2", lambda: TrainConfig(1, 0.1, l2=math.inf), ValueError),
    ("shuffle", lambda: TrainConfig(1, 0.1, shuffle=1), TypeError),
    ("seed", lambda: TrainConfig(1, 0.1, seed=-1), ValueError),
    ("seed", lambda: TrainConfig(1, 0.1, seed=2**31), ValueError),
    ("seed", lambda: TrainConfig(1, 0.1, seed=1.0), TypeError),
]


@pytest.mark.parametrize("field, build, error", FIELD_FAULTS,
                         ids=[f"{field}-{k}" for k, (field, _, _) in enumerate(FIELD_FAULTS)])
def test_field_fault(field, build, error):
    with pytest.raises(error, match=rf"\b{field}\b"):
        build()


@pytest.mark.parametrize("form", sorted(GOOD_MATRICES))
def test_good_matrix_forms_are_accepted_alike(form):
    results = {}
    for name in NAMES:
        net = load(name)(SPEC, PARAMS)
        plain = [[float(v) for v in row] for row in np.asarray(GOOD_MATRICES[form](), dtype=float)]
        results[name] = (np.asarray(net.forward(GOOD_MATRICES[form]()), dtype=float),
                         np.asarray(net.forward(plain), dtype=float))
    for got, plain in results.values():
        assert np.array_equal(got, plain)   # the same numbers as the plain nested lists


# ---- two faults at once ----------------------------------------------------------------------
# The precedence (docs/contract.md): spec, seed, params in the constructor; config, X, Y, the
# rows of Y against X, orders in train; within a matrix, the rules in their order (first the
# rows' structure, row by row, then the entries, row by row); within params, layer by layer,
# W before b.

ROW_FAULTS = {  # a row of X: (row, class, checked in the first pass over the rows)
    "none": (None, TypeError, True),
    "string": ("ab", TypeError, True),
    "number": (0.3, ValueError, True),
    "short": ([0.3], ValueError, True),
    "long": ([0.3, 0.4, 0.5], ValueError, True),
    "nan": ([math.nan, 0.4], ValueError, False),
    "huge": ([10**400, 0.4], ValueError, False),
    "nested": ([[0.3], 0.4], ValueError, False),
    "entry-string": (["a", 0.4], TypeError, False),
    "entry-none": ([None, 0.4], TypeError, False),
    "entry-complex": ([0.3, 2j], TypeError, False),
}
TWO_ROWS = [(a, b) for a, b in itertools.product(ROW_FAULTS, repeat=2)]


@pytest.mark.parametrize("first, second", TWO_ROWS)
def test_two_faults_in_one_matrix(first, second):
    row_a, error_a, structural_a = ROW_FAULTS[first]
    row_b, error_b, structural_b = ROW_FAULTS[second]
    # row 1 holds the first fault, row 2 the second: a structural fault comes first wherever
    # it is; otherwise the first row's
    error = error_b if structural_b and not structural_a else error_a
    check_case(lambda n: n.forward(rows((1, row_a), (2, row_b))), error, "X")


PAIR_X = ["none", "generator-of-rows", "row-none", "entry-string", "string-array", "ragged",
          "bool-1d-array", "nan", "wrong-columns", "three-d-array", "empty-list", "int-too-large"]
PAIR_ORDERS = ["number", "zero-d-array", "index-bool", "index-float", "bool-array",
               "too-few-epochs", "index-too-large", "array-out-of-range", "order-a-set",
               "index-beyond-c-int"]


@pytest.mark.parametrize("x_fault, y_fault", list(itertools.product(PAIR_X, repeat=2)))
def test_two_faults_X_and_Y(x_fault, y_fault):
    x_value, x_error = MATRIX_FAULTS[x_fault]
    y_value, _ = MATRIX_FAULTS[y_fault]
    check_case(lambda n: n.loss(x_value(), y_value()), x_error, "X")


@pytest.mark.parametrize("x_fault, orders_fault", list(itertools.product(PAIR_X, PAIR_ORDERS)))
def test_two_faults_X_and_orders(x_fault, orders_fault):
    x_value, x_error = MATRIX_FAULTS[x_fault]
    orders_value, _ = ORDERS_FAULTS[orders_fault]
    check_case(lambda n: n.train(x_value(), Y, CONFIG, orders_value()), x_error, "X")


@pytest.mark.parametrize("config_fault, x_fault",
                         list(itertools.product(sorted(CONFIG_FAULTS), PAIR_X[:6])))
def test_two_faults_config_and_X(config_fault, x_fault):
    x_value, _ = MATRIX_FAULTS[x_fault]
    check_case(lambda n: n.train(x_value(), Y, CONFIG_FAULTS[config_fault]()), TypeError,
               "config")


@pytest.mark.parametrize("orders_fault", PAIR_ORDERS)
def test_two_faults_rows_of_Y_and_orders(orders_fault):
    orders_value, _ = ORDERS_FAULTS[orders_fault]
    check_case(lambda n: n.train(X, Y[:2], CONFIG, orders_value()), ValueError, "Y")


W_FAULTS = ["W-none", "W-string", "W-rows", "W-ragged", "W-columns", "W-one-dimensional",
            "W-generator"]
B_FAULTS = ["b-none", "b-scalar", "b-set", "b-length", "b-two-dimensional", "b-inf",
            "b-none-entry"]


@pytest.mark.parametrize("w_fault, b_fault", list(itertools.product(W_FAULTS, B_FAULTS)))
def test_two_faults_in_params(w_fault, b_fault):
    # layer 0's W and layer 0's b both wrong: W is checked first
    (W, _), _ = PARAMS_FAULTS[w_fault][0]()
    (_, b), _ = PARAMS_FAULTS[b_fault][0]()
    check_case(lambda n: n.set_params([(W, b), PARAMS[1]]), PARAMS_FAULTS[w_fault][1], "params")


@pytest.mark.parametrize("spec_fault, params_fault",
                         list(itertools.product(sorted(SPEC_FAULTS), ["none", "W-string"])))
def test_two_faults_spec_and_params(spec_fault, params_fault):
    check_case(lambda Network: Network(SPEC_FAULTS[spec_fault](),
                                       PARAMS_FAULTS[params_fault][0]()),
               TypeError, "spec", constructor=True)


# ---- random inputs (hypothesis) -------------------------------------------------------------

ENTRIES = st.one_of(
    st.floats(-1e6, 1e6), st.integers(-2**70, 2**70), st.booleans(),
    st.sampled_from([math.nan, math.inf, -math.inf, 10**400, None, "1", "a", 2j, np.True_,
                     np.float32(0.5), np.int64(3), Decimal(1), Fraction(1, 3)]),
    st.lists(st.floats(-1.0, 1.0), max_size=2))
ROWS = st.one_of(st.lists(ENTRIES, max_size=4), st.lists(st.floats(-1.0, 1.0), min_size=2,
                                                         max_size=2), ENTRIES)


@st.composite
def matrices(draw):
    """A random, mostly malformed matrix: nested lists or tuples, sometimes an array."""
    value = draw(st.lists(ROWS, max_size=4))
    form = draw(st.sampled_from(["list", "tuple", "array", "generator"]))
    if form == "tuple":
        return lambda: tuple(value)
    if form == "generator":
        return lambda: (row for row in value)
    if form == "array":
        try:
            array = np.array(value)
        except (ValueError, TypeError, OverflowError):  # ragged, or not an array at all
            return lambda: value
        return lambda: array
    return lambda: value


def same_everywhere(call, argument):
    """call(net): in all three either no error or the same TypeError / ValueError naming
    argument, the parameters unchanged on error."""
    results = {name: outcome(load(name)(SPEC, PARAMS), call) for name in NAMES}
    kinds = {kind for kind, _, _ in results.values()}
    assert len(kinds) == 1, {name: kind for name, (kind, _, _) in results.items()}
    kind = kinds.pop()
    assert kind in (None, TypeError, ValueError), results
    if kind is not None:
        for name, (_, message, changed) in results.items():
            assert not changed and re.search(NAMED[argument], message), \
                (name, message)


RANDOM = settings(max_examples=150, deadline=None)


@RANDOM
@given(make=matrices())
def test_random_X(make):
    same_everywhere(lambda n: n.forward(make()), "X")


@RANDOM
@given(make_x=matrices(), make_y=matrices())
def test_random_X_and_Y(make_x, make_y):
    # the first argument at fault is named: X if X is bad, else Y
    results = {}
    for name in NAMES:
        results[name] = outcome(load(name)(SPEC, PARAMS), lambda n: n.loss(make_x(), make_y()))
    kinds = {kind for kind, _, _ in results.values()}
    assert len(kinds) == 1 and kinds <= {None, TypeError, ValueError}, results
    x_bad = outcome(load("numpy")(SPEC, PARAMS), lambda n: n.forward(make_x()))[0]
    if x_bad is not None:
        assert kinds == {x_bad}


@RANDOM
@given(orders=st.one_of(
    st.lists(st.one_of(st.lists(ENTRIES, max_size=4), ENTRIES), max_size=3),
    st.lists(st.lists(st.integers(-1, 3), min_size=3, max_size=3), min_size=2, max_size=2)
    .map(np.array)))
def test_random_orders(orders):
    same_everywhere(lambda n: n.train(X, Y, CONFIG, orders), "orders")


@RANDOM
@given(W=matrices(), b=st.one_of(st.lists(ENTRIES, max_size=4), ENTRIES))
def test_random_params(W, b):
    same_everywhere(lambda n: n.set_params([(W(), b), PARAMS[1]]), "params")


# ---- finite inputs that overflow -------------------------------------------------------------
# forward, loss and gradients return finite numbers or raise FloatingPointError.

def test_overflow_raises_floating_point_error_in_all_three():
    spec = NetworkSpec((3, 4, 2), "relu", "softmax", "cross_entropy")
    X_huge, Y_one = [[1.7e308] * 3] * 2, [[1.0, 0.0], [0.0, 1.0]]
    params = [([[1.0] * 4] * 3, [0.0] * 4), ([[1.0, -1.0]] * 4, [0.0] * 2)]  # z overflows
    for name in NAMES:
        net = load(name)(spec, params)
        before = params_as_lists(net.get_params())
        for call, routine in ((lambda n: n.forward(X_huge), "forward"),
                              (lambda n: n.predict(X_huge), "forward"),
                              (lambda n: n.loss(X_huge, Y_one), "loss"),
                              (lambda n: n.gradients(X_huge, Y_one), "gradients")):
            with pytest.raises(FloatingPointError, match=rf"^{routine}: .*not finite"):
                call(net)
        assert params_as_lists(net.get_params()) == before


MAGNITUDES = st.sampled_from([0.0, 1.0, -1.0, 1e10, -1e150, 1e300, -1e300, 1.7e308, -1.7e308])


@settings(max_examples=60, deadline=None)
@given(hidden=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
       output_loss=st.sampled_from([("sigmoid", "mse"), ("sigmoid", "cross_entropy"),
                                    ("softmax", "mse"), ("softmax", "cross_entropy"),
                                    ("linear", "mse")]),
       x=st.lists(st.lists(MAGNITUDES, min_size=3, max_size=3), min_size=1, max_size=3))
def test_finite_inputs_give_finite_results_or_floating_point_error(hidden, output_loss, x):
    spec = NetworkSpec((3, 2, 2), hidden, *output_loss)
    y = [[1.0, 0.0]] * len(x)
    outcomes = {}
    for name in NAMES:
        net = load(name)(spec, init_params(spec, seed=4))
        for routine, call in (("forward", lambda n: n.forward(x)),
                              ("loss", lambda n: n.loss(x, y)),
                              ("gradients", lambda n: n.gradients(x, y))):
            try:
                result = call(net)
            except FloatingPointError as exc:
                assert str(exc).startswith(f"{routine}: ")
                outcomes[name, routine] = FloatingPointError
            else:
                arrays = ([result[0]] + [g for pair in result[1] for g in pair]
                          if routine == "gradients" else [result])
                assert all(np.isfinite(np.asarray(a, dtype=float)).all() for a in arrays)
                outcomes[name, routine] = None
    for routine in ("forward", "loss", "gradients"):
        assert len({outcomes[name, routine] for name in NAMES}) == 1, outcomes


def test_more_samples_than_a_c_int():
    # 2**31 rows of a broadcast (zero-stride) array: refused before anything is allocated
    # (pure Python applies the same rule, spec.check_rows, to the length of its list)
    huge = np.broadcast_to(np.zeros(2), (MAX_COUNT + 1, 2))
    for name in ("numpy", "fortran"):
        with pytest.raises(ValueError, match=r"\bX must have at most 2147483647 rows"):
            load(name)(SPEC, PARAMS).forward(huge)
    with pytest.raises(ValueError, match=r"\bX must have at most"):
        check_rows("X", MAX_COUNT + 1)
    check_rows("X", MAX_COUNT)


# ---- out of memory ------------------------------------------------------------------------------
#
# An allocation that fails is a MemoryError in all three, naming the argument whose size made
# it fail (config for train's work arrays, X for the work of forward, loss and gradients or
# for a copy of X), raised where it fails, with the parameters as they were. Run in a child
# process whose address space is limited (RLIMIT_AS) to what it holds once its networks and
# data are made, plus MEMORY_BUDGET: every case below asks for more than that at once.

MEMORY_BUDGET = 512 << 20
MEMORY_SCRIPT = r'''
import importlib, json, resource, sys
import numpy as np
from python_impl.spec import NetworkSpec, TrainConfig, init_params

MODULES = {"python": "python_impl.pure", "numpy": "python_impl.vectorized",
           "fortran": "fortran_impl"}
network = lambda name: importlib.import_module(MODULES[name]).Network

def vm_size():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))

rng = np.random.default_rng(0)
WIDE = NetworkSpec((10, 20000, 10))             # train with batches of 20,000: GBs of work
VERY_WIDE = NetworkSpec((1, 120000, 1))         # 20,000 x 120,000: beyond a C int's index
HUGE_LAYER = NetworkSpec((1, 500000, 1))        # 256 samples (a Fortran chunk): GBs of work
SMALL = NetworkSpec((8, 3, 2))
data = {
    "wide": (rng.normal(size=(20000, 10)), rng.uniform(size=(20000, 10))),
    "very-wide": (rng.normal(size=(20000, 1)), rng.uniform(size=(20000, 1))),
    "huge-layer": (rng.normal(size=(256, 1)), rng.uniform(size=(256, 1))),
    # int8 rows: as floats in float32 or float64 (NumPy, Fortran) or Python lists (pure),
    # several times the budget
    "many-rows": (np.ones((20_000_000, 8), dtype=np.int8),
                  np.ones((20_000_000, 2), dtype=np.int8)),
}
big_batch = lambda X: TrainConfig(epochs=1, learning_rate=0.01, batch_size=len(X))
calls = {
    "train": lambda net, X, Y: net.train(X, Y, big_batch(X)),
    "forward": lambda net, X, Y: net.forward(X),
    "loss": lambda net, X, Y: net.loss(X, Y),
    "gradients": lambda net, X, Y: net.gradients(X, Y),
}
specs = {"wide": WIDE, "very-wide": VERY_WIDE, "huge-layer": HUGE_LAYER, "many-rows": SMALL}
cases = [tuple(case.split(":")) for case in sys.argv[1:]]    # name:dtype:data:call
initial = {name: [(np.array(W), np.array(b)) for W, b in init_params(spec, seed=1)]
           for name, spec in specs.items()}                  # arrays: read at C speed
nets = {case[:3]: network(case[0])(specs[case[2]], initial[case[2]], dtype=case[1])
        for case in cases}                                   # one per name, dtype and data
limit = vm_size() + int(MEMORY_BUDGET)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
params = lambda net: [np.asarray(part).tolist() for layer in net.get_params() for part in layer]
for case in cases:
    net = nets[case[:3]]
    before = params(net)
    try:
        calls[case[3]](net, *data[case[2]])
        kind, message = None, ""
    except Exception as exc:
        kind, message = type(exc).__name__, str(exc)
    print(json.dumps([":".join(case), kind, message, params(net) == before]), flush=True)
print("DONE", flush=True)
'''.replace("MEMORY_BUDGET", str(MEMORY_BUDGET))

# (implementation, dtype, data, call) -> the argument named
MEMORY_CASES = {}
for _name, _dtype in [("numpy", "float64"), ("numpy", "float32"),
                      ("fortran", "float64"), ("fortran", "float32"), ("python", "float64")]:
    _cases = {("many-rows", "forward"): "X", ("many-rows", "train"): "X"}
    if _name != "python":      # pure Python's work is one sample's, whatever the batch
        _cases.update({("wide", "train"): "config", ("very-wide", "train"): "config",
                       ("huge-layer", "forward"): "X", ("huge-layer", "loss"): "X",
                       ("huge-layer", "gradients"): "X"})
    for (_data, _call), _argument in _cases.items():
        MEMORY_CASES[f"{_name}:{_dtype}:{_data}:{_call}"] = _argument


@pytest.fixture(scope="module")
def out_of_memory_outcomes():
    """{case: (exception class name, message, parameters unchanged)} from the limited child."""
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, *MEMORY_CASES],
                          capture_output=True, text=True, timeout=900,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[-1] == "DONE", done.stdout[-3000:]
    return {case: (kind, message, unchanged) for case, kind, message, unchanged
            in map(json.loads, lines[:-1])}


@pytest.mark.parametrize("case", sorted(MEMORY_CASES))
def test_out_of_memory_is_a_memory_error_naming_the_argument(out_of_memory_outcomes, case):
    kind, message, unchanged = out_of_memory_outcomes[case]
    assert kind == "MemoryError", (kind, message)
    argument = MEMORY_CASES[case]
    assert re.match(rf"{argument}: out of memory: ", message), message
    assert re.search(NAMED[argument], message), message
    assert unchanged


def test_the_fortran_work_arrays_beyond_a_c_int_are_a_memory_error_naming_config():
    # 20,000 x 120,001 entries per work array cannot be indexed by a C int: the Fortran's
    # layout refuses them before allocating anything (its ERR_ALLOC), in both precisions
    spec = NetworkSpec((1, 120000, 1))
    X = np.linspace(-1, 1, 20000)[:, None]
    config = TrainConfig(epochs=1, learning_rate=0.01, batch_size=20000)
    for dtype in ("float64", "float32"):
        net = load("fortran")(spec, seed=1, dtype=dtype)
        before = params_as_lists(net.get_params())
        with pytest.raises(MemoryError, match=r"^config: out of memory: the work arrays of "
                                              r"Fortran train .*ERR_ALLOC"):
            net.train(X, X, config)
        assert params_as_lists(net.get_params()) == before
