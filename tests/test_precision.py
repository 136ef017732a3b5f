"""Single precision beside double (docs/contract.md, "Precision"): the dtype argument of every
Network, float32 in NumPy and Fortran, the Fortran's one text compiled for two kinds (proved to
compute in single and in double), and the float32 tolerances: gradient checks with the float32
step, and NumPy against Fortran, and each against the float64 reference, after training."""

import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import load
from test_gradients import DEPTHS, problem

import fortran_impl
from python_impl.arrays import gradient_check, history_diff, layer_diffs, rel_diff
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    DTYPES,
    FLOAT32_AGREEMENT_TOLERANCE,
    FLOAT32_GRADIENT_CHECK_TOLERANCE,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_ACTIVATIONS,
    NetworkSpec,
    TrainConfig,
    epoch_orders,
    init_params,
)

FLOAT32 = ("numpy", "fortran")        # the implementations that offer float32
EPS32 = float(np.finfo(np.float32).eps)


@pytest.fixture
def matmul_path():
    """Restore the process-wide matrix-product path after a test that changes it."""
    previous = fortran_impl.get_matmul_path()
    yield fortran_impl.set_matmul_path
    fortran_impl.set_matmul_path(previous)


def classification(spec, n, seed):
    """Standard normal inputs and one-hot targets."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, spec.n_in))
    return X, np.eye(spec.n_out)[rng.integers(0, spec.n_out, n)]


# ---- the contract: the dtype argument -----------------------------------------------------

@pytest.mark.parametrize("name", ("python", "numpy", "fortran"))
@pytest.mark.parametrize("dtype", ["float16", "double", "", None, float, 32, np.int32])
def test_an_unknown_dtype_is_a_value_error_naming_dtype(name, dtype):
    with pytest.raises(ValueError, match="dtype"):
        load(name)(NetworkSpec((2, 3, 1)), dtype=dtype)


@pytest.mark.parametrize("name", ("python", "numpy", "fortran"))
def test_spec_is_checked_before_dtype(name):
    with pytest.raises(TypeError, match="spec"):
        load(name)((2, 3, 1), dtype="float16")


def test_pure_python_refuses_float32_and_says_why():
    Network = load("python")
    with pytest.raises(ValueError, match="Python's float is a C double"):
        Network(NetworkSpec((2, 3, 1)), dtype="float32")
    assert Network(NetworkSpec((2, 3, 1)), dtype="float64").dtype == "float64"


@pytest.mark.parametrize("name", FLOAT32)
@pytest.mark.parametrize("dtype", [*DTYPES, np.float32, np.dtype("float64")])
def test_every_array_and_number_is_in_the_network_precision(name, dtype):
    spec = NetworkSpec((3, 5, 4), "tanh", "softmax", "cross_entropy")
    X, Y = classification(spec, 9, seed=1)
    net = load(name)(spec, seed=2, dtype=dtype)
    expected = np.dtype(dtype)
    assert net.dtype == expected.name
    # initial parameters: the contract's float64 ones, rounded once
    for (W, b), (W64, b64) in zip(net.get_params(), init_params(spec, 2)):
        assert W.dtype == b.dtype == expected
        assert np.array_equal(W, np.array(W64).astype(expected))
        assert np.array_equal(b, np.array(b64).astype(expected))
    assert net.forward(X).dtype == expected
    loss, grads = net.gradients(X, Y)
    assert type(loss) is float and type(net.loss(X, Y)) is float
    assert float(expected.type(loss)) == loss                # a number of that precision
    assert all(dW.dtype == db.dtype == expected for dW, db in grads)
    history = net.train(X, Y, TrainConfig(epochs=2, learning_rate=0.1, batch_size=4))
    assert all(type(h) is float and float(expected.type(h)) == h for h in history)
    assert all(W.dtype == b.dtype == expected for W, b in net.get_params())


@pytest.mark.parametrize("name", FLOAT32)
def test_float32_rounds_given_numbers_once_and_refuses_what_overflows_it(name):
    spec = NetworkSpec((2, 1), "sigmoid", "linear", "mse")
    net = load(name)(spec, dtype="float32")
    net.set_params([([[0.1], [1 / 3]], [2.0**-30])])
    (W, b), = net.get_params()
    assert W.tolist() == [[float(np.float32(0.1))], [float(np.float32(1 / 3))]]
    assert b.tolist() == [2.0**-30]
    before = net.get_params()
    with pytest.raises(ValueError, match=r"params\[0\] W must hold finite numbers"):
        net.set_params([([[1e39], [0.0]], [0.0])])            # finite in float64 only
    with pytest.raises(ValueError, match="X must hold finite numbers"):
        net.forward(np.array([[1e39, 0.0]]))
    assert layer_diffs(net.get_params(), before) == [0.0]


# ---- the Fortran: one text, two precisions, each really computing in its own ---------------

@pytest.mark.parametrize("path", ["loops", "blas"])
def test_fortran_trainers_compute_in_single_and_in_double(matmul_path, path):
    if path == "blas" and not fortran_impl.build_info()["blas_linked"]:
        path = "auto"                                         # no BLAS: the loops again
    matmul_path(path)
    Network = load("fortran")
    # a sum that rounds differently: 1 + 2^24 is 2^24 in float32 (every input is exact there)
    spec = NetworkSpec((2, 1), "linear", "linear", "mse")
    params = [([[1.0], [1.0]], [0.0])]
    X = [[1.0, 2.0**24]]
    assert Network(spec, params).forward(X).tolist() == [[2.0**24 + 1]]
    assert Network(spec, params, dtype="float32").forward(X).tolist() == [[2.0**24]]
    # the loss, its gradient and the update too: W = 1, x = 2^-20, y = 0 -> dC/dW = 2^-40,
    # and W - 2^-40 is 1 - 2^-40 in double but 1 in single
    spec = NetworkSpec((1, 1), "linear", "linear", "mse")
    params = [([[1.0]], [0.0])]
    X, Y = [[2.0**-20]], [[0.0]]
    config = TrainConfig(epochs=1, learning_rate=1.0, shuffle=False)
    for dtype, W_after in (("float64", 1 - 2.0**-40), ("float32", 1.0)):
        net = Network(spec, params, dtype=dtype)
        loss, grads = net.gradients(X, Y)
        assert loss == 2.0**-41 and grads[0][0].tolist() == [[2.0**-40]]
        assert net.train(X, Y, config) == [2.0**-41]
        assert net.get_params()[0][0].tolist() == [[W_after]]


@pytest.mark.parametrize("name", FLOAT32)
def test_float32_differs_from_float64_by_about_float32_rounding(name):
    spec = NetworkSpec((16, 24, 5), "sigmoid", "softmax", "cross_entropy")
    X, Y = classification(spec, 40, seed=3)
    config = TrainConfig(epochs=3, learning_rate=0.2, batch_size=8, momentum=0.9, l2=1e-3)
    results = {}
    for dtype in DTYPES:
        net = load(name)(spec, seed=4, dtype=dtype)
        results[dtype] = (net.forward(X), net.train(X, Y, config), net.get_params())
    single, double = results["float32"], results["float64"]
    # not computed in double (then they would agree to about 1e-16), not off by more than
    # float32 rounding can explain
    assert EPS32 / 100 < rel_diff(single[0], double[0]) < 100 * EPS32
    assert EPS32 / 100 < max(layer_diffs(single[2], double[2])) < FLOAT32_AGREEMENT_TOLERANCE
    assert 0 < history_diff(single[1], double[1]) < FLOAT32_AGREEMENT_TOLERANCE


# ---- float32 tolerances -----------------------------------------------------------------

F32_COMBINATIONS = [(h, o, loss, depth) for (h, o, loss), depth in itertools.product(
    itertools.product(HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, LOSSES), (1, 2))
    if not (loss == "cross_entropy" and o == "linear") and not (h == "relu" and depth > 1)]


@pytest.mark.parametrize("name", FLOAT32)
@pytest.mark.parametrize("hidden, output, loss, depth", F32_COMBINATIONS)
def test_float32_gradient_matches_central_differences(name, hidden, output, loss, depth):
    # the float32 step (1e-2) would cross ReLU's kink: ReLU is checked where it is not used
    # (depth 1) here, and in float64 by test_gradients
    spec = NetworkSpec(DEPTHS[depth], hidden, output, loss)
    params, X, Y = problem(spec, seed=f"{depth} {hidden} {output} {loss}")
    net = load(name)(spec, params, dtype="float32")
    for layer, errors in enumerate(gradient_check(net, params, X, Y)):
        assert max(errors) < FLOAT32_GRADIENT_CHECK_TOLERANCE, f"layer {layer}: {errors}"


def test_float32_gradient_check_catches_a_wrong_gradient():
    spec = NetworkSpec((3, 4, 3), "tanh", "softmax", "cross_entropy")
    params, X, Y = problem(spec, seed=5)

    class Off(load("numpy")):
        def gradients(self, X, Y):
            value, grads = super().gradients(X, Y)
            grads[0][0][...] *= 1.1                            # 10% off in one array
            return value, grads

    errors = gradient_check(Off(spec, params, dtype="float32"), params, X, Y)
    assert errors[0][0] > FLOAT32_GRADIENT_CHECK_TOLERANCE
    assert max(errors[0][1], *errors[1]) < FLOAT32_GRADIENT_CHECK_TOLERANCE


@pytest.mark.parametrize("sizes, hidden, output, loss, batch", [
    ((2, 4, 1), "sigmoid", "sigmoid", "mse", 1),
    ((4, 16, 3), "tanh", "softmax", "cross_entropy", 1),
    ((20, 32, 16, 6), "relu", "softmax", "cross_entropy", 16),
    ((30, 64, 4), "sigmoid", "sigmoid", "cross_entropy", 64),
    ((12, 40, 3), "tanh", "linear", "mse", 7),
])
def test_float32_numpy_and_fortran_agree_after_training(sizes, hidden, output, loss, batch):
    spec = NetworkSpec(sizes, hidden, output, loss)
    X, Y = classification(spec, 96, seed=sum(sizes))
    if output != "softmax":
        Y = Y * 0.8 + 0.1
    config = TrainConfig(epochs=3, learning_rate=0.01, batch_size=batch, momentum=0.9, l2=1e-4)
    orders = epoch_orders(len(X), config)
    runs = {}
    for name, dtype in (("numpy", "float64"), *((name, "float32") for name in FLOAT32)):
        net = load(name)(spec, seed=7, dtype=dtype)
        runs[name, dtype] = (net.train(X, Y, config, orders), net.get_params(),
                             net.predict(X))
    numpy32, fortran32 = runs["numpy", "float32"], runs["fortran", "float32"]
    reference = runs["numpy", "float64"]
    assert max(layer_diffs(numpy32[1], fortran32[1])) <= FLOAT32_AGREEMENT_TOLERANCE
    assert history_diff(numpy32[0], fortran32[0]) <= FLOAT32_AGREEMENT_TOLERANCE
    for single in (numpy32, fortran32):
        assert max(layer_diffs(single[1], reference[1])) <= FLOAT32_AGREEMENT_TOLERANCE
        assert history_diff(single[0], reference[0]) <= FLOAT32_AGREEMENT_TOLERANCE
        # still float32: farther from the reference than float64 rounding
        assert max(layer_diffs(single[1], reference[1])) > AGREEMENT_TOLERANCE


@pytest.mark.parametrize("f2cmap, code", [(None, "f"), ("wp_double.f2cmap", "d"),
                                          ("wp_single.f2cmap", "f")])
def test_f2py_maps_the_kind_wp_only_through_its_f2cmap(tmp_path, f2cmap, code):
    """The trap (docs/TOOLCHAIN): f2py reads the kind's name, not its value, so without a map
    the double-precision module's real(kind=wp) would be C float; each extension's f2cmap
    makes it double (trainer) or float (trainer32)."""
    sources = Path(fortran_impl.__file__).resolve().parent
    command = [sys.executable, "-m", "numpy.f2py", str(sources / "backprop.f90"), "-m",
               "probe", "--lower", "--build-dir", str(tmp_path)]
    if f2cmap:
        command += ["--f2cmap", str(sources / f2cmap)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    module = (tmp_path / "probemodule.c").read_text()
    assert f"\"params : in/output rank-1 array('{code}') with bounds (n_params)" in module
