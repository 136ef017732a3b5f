"""The Fortran trainer's own guards: the f2py traps (double precision, array order and dtype),
the GIL released while Fortran trains, bad input that must never kill the process (run in a
subprocess, including raw calls of the wrapped routines with inconsistent sizes), a clean
Fortran 95 compile, the build record, and the BLAS dgemm path agreeing with the reference
loops. The contract tests (agreement, gradients, bad input, ...) run on it separately."""

import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import fortran_impl
from fortran_impl import Network, network
from python_impl.arrays import as_orders, history_diff, layer_diffs, rel_diff
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    NetworkSpec,
    TrainConfig,
    check_orders,
    epoch_orders,
    init_params,
)

SOURCES = Path(__file__).resolve().parent.parent / "fortran_impl"
TRAINERS = network._TRAINERS          # {"float64": trainer, "float32": trainer32}
TRAINER = TRAINERS["float64"]         # the f2py module object of `module trainer`
ROUTINES = ("forward", "mean_loss", "loss_and_gradients", "train", "epoch_orders",
            "set_matmul_path", "get_matmul_path", "blas_available")


@pytest.fixture
def matmul_path():
    """Restore the process-wide matrix-product path after a test that changes it."""
    previous = fortran_impl.get_matmul_path()
    yield fortran_impl.set_matmul_path
    fortran_impl.set_matmul_path(previous)


def small_problem(spec, n, seed=0):
    """Inputs that are exact in float32 and as small integers' ratios (k / 8), and targets."""
    rng = np.random.default_rng(seed)
    X = rng.integers(-16, 17, size=(n, spec.n_in)) / 8.0
    Y = rng.integers(0, 9, size=(n, spec.n_out)) / 8.0
    if spec.output_activation == "softmax":
        Y = np.eye(spec.n_out)[rng.integers(0, spec.n_out, n)]
    return X, Y


# (a) every wrapped array argument is of the trainer's precision: double in module trainer,
# single in trainer32 (the kind `wp` of their shared text is mapped per extension; without the
# f2cmap f2py maps it to C float in both, the real(kind=dp) -> float trap)
@pytest.mark.parametrize("dtype, code", [("float64", "d"), ("float32", "f")])
def test_wrapped_routines_and_array_types_from_the_f2py_docstrings(dtype, code):
    trainer = TRAINERS[dtype]
    assert sorted(name for name in ROUTINES if hasattr(trainer, name)) == sorted(ROUTINES)
    # f2py wraps the entry points only: no helper of module trainer, nothing of kernels
    assert sorted(name for name in dir(trainer) if not name.startswith("_")) == sorted(ROUTINES)
    for extension in (network._backprop, network._backprop32):
        assert not [name for name in dir(extension) if "kernel" in name.lower()]
    assert sorted(name for name in dir(network._backprop32) if name.startswith("trainer")) == \
        ["trainer32"]
    arrays = {}
    for name in ROUTINES:
        doc = getattr(trainer, name).__doc__
        for argument, typecode in re.findall(r"^(\w+) : .*rank-\d array\('(\w)'\)", doc, re.M):
            arrays[f"{name}.{argument}"] = typecode
    integer_arrays = {f"{name}.layer_sizes" for name in ("forward", "mean_loss",
                                                          "loss_and_gradients", "train")}
    integer_arrays |= {"train.orders", "epoch_orders.orders"}
    assert integer_arrays <= set(arrays)
    real_arrays = {key: code for key, code in arrays.items() if key not in integer_arrays}
    for key in ("forward.params", "forward.x", "forward.a_out", "mean_loss.y",
                "loss_and_gradients.nabla", "train.params", "train.x", "train.y",
                "train.history"):
        assert key in real_arrays
    assert set(real_arrays.values()) == {code}, real_arrays
    assert {arrays[key] for key in integer_arrays} == {"i"}
    # the scalars too: every real scalar is a Python float, every size an int
    assert re.search(r"^learning_rate : input float$", trainer.train.__doc__, re.M)


# (b) C-ordered, Fortran-ordered, float32, integer and list inputs give the same answers
def test_input_order_and_dtype_do_not_change_the_answers():
    spec = NetworkSpec((3, 5, 2), "tanh", "sigmoid", "mse")
    X, Y = small_problem(spec, 7)
    params = [(np.round(W * 8) / 8, b + 0.125) for W, b in
              ((np.array(W), np.array(b)) for W, b in init_params(spec, seed=4))]
    config = TrainConfig(epochs=3, learning_rate=0.25, batch_size=3, momentum=0.5, seed=2)
    orders = epoch_orders(len(X), config)

    def run(X, Y, params, orders):
        net = Network(spec, params)
        results = [net.forward(X), net.loss(X, Y), net.gradients(X, Y)]
        results += [net.train(X, Y, config, orders), net.get_params(), net.predict(X)]
        return results

    def flat(results):
        """Every number of a nested result, in order, as one float64 vector."""
        out = []
        for item in results:
            if isinstance(item, (tuple, list)) and not all(isinstance(v, float) for v in item):
                out.append(flat(item))
            else:
                out.append(np.asarray(item, dtype=float).ravel())
        return np.concatenate(out)

    expected = flat(run(X, Y, params, orders))
    variants = {
        "fortran-order": (np.asfortranarray(X), np.asfortranarray(Y),
                          [(np.asfortranarray(W), b) for W, b in params], np.array(orders)),
        "float32": (X.astype(np.float32), Y.astype(np.float32),
                    [(W.astype(np.float32), b.astype(np.float32)) for W, b in params],
                    np.array(orders, dtype=np.int64)),
        "lists": (X.tolist(), Y.tolist(), [(W.tolist(), b.tolist()) for W, b in params],
                  orders),
        "non-contiguous": (np.repeat(X, 2, axis=0)[::2], np.repeat(Y, 2, axis=1)[:, ::2],
                           params, np.array(orders, dtype=np.uint16)),
    }
    for name, args in variants.items():
        assert np.array_equal(flat(run(*args)), expected), name
    # integer inputs: the same as the same values given as floats
    Xi = np.arange(-7, 14).reshape(7, 3) % 5 - 2
    Yi = (np.arange(14).reshape(7, 2) % 2)
    as_ints = flat(run(Xi, Yi, params, orders))
    as_floats = flat(run(Xi.astype(float), Yi.astype(float), params, orders))
    assert np.array_equal(as_ints, as_floats)


# (c) the GIL is released while Fortran trains
def test_a_python_thread_runs_while_fortran_trains():
    spec = NetworkSpec((64, 64, 10), "tanh", "softmax", "cross_entropy")
    X, Y = small_problem(spec, 500)
    net = Network(spec)
    params = net._flat.copy()

    def raw_train(epochs):
        no_orders = np.empty((len(X), 0), dtype=np.intc, order="F")   # computed in Fortran
        history, info, _ = TRAINER.train(
            epochs=epochs, layer_sizes=net._sizes, params=params, x=X.T, y=Y.T,
            orders=no_orders, shuffle=0, seed=0, batch_size=1, learning_rate=1e-3,
            momentum=0.0, l2=0.0, hidden=1, output=1, loss=1)
        assert info == 0

    started = time.perf_counter()
    raw_train(1)
    epochs = max(2, int(0.4 / max(time.perf_counter() - started, 1e-6)))   # about 0.4 s

    ticks, stop = [], threading.Event()

    def ticker():
        while not stop.is_set():
            time.sleep(0.001)          # needs the GIL back to return
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.02)
        begin = time.perf_counter()
        raw_train(epochs)              # one call into Fortran
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = sum(begin < t < end for t in ticks)
    # a thread blocked on the GIL for the whole call would tick at most once or twice
    assert during >= 20, f"{during} ticks in {end - begin:.3f} s of Fortran training"

    # and through Network.train too (same call, plus validation in Python)
    ticks.clear()
    stop.clear()
    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        config = TrainConfig(epochs=epochs, learning_rate=1e-3, shuffle=False)
        begin = time.perf_counter()
        net.train(X, Y, config)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    assert sum(begin < t < end for t in ticks) >= 20


# (d) bad input on the Fortran path, in a subprocess: always a clean Python exception
SUBPROCESS_SCRIPT = textwrap.dedent(r"""
    import math, numpy as np
    from fortran_impl import Network, network
    from python_impl.spec import NetworkSpec, TrainConfig, init_params
    T = network._TRAINERS["float64"]
    sizes = np.array([2, 4, 1], dtype=np.intc)
    params = np.zeros(17)
    x = np.zeros((2, 4), order="F"); y = np.zeros((1, 4), order="F")
    orders = np.zeros((4, 2), dtype=np.intc, order="F")

    def train(**change):
        args = dict(epochs=2, layer_sizes=sizes, params=params.copy(), x=x, y=y,
                    orders=orders, shuffle=1, seed=0, batch_size=1, learning_rate=0.1,
                    momentum=0.0, l2=0.0, hidden=0, output=0, loss=0)
        args.update(change)
        return T.train(**args)[1]

    codes = {
        "params-length": train(params=np.zeros(16)),
        "x-rows": train(x=np.zeros((3, 4), order="F")),
        "y-rows": train(y=np.zeros((2, 4), order="F")),
        "no-layers": train(layer_sizes=np.array([2], dtype=np.intc), params=np.zeros(0)),
        "zero-size": train(layer_sizes=np.array([2, 0, 1], dtype=np.intc), params=np.zeros(1)),
        "hidden-code": train(hidden=7),
        "output-code": train(output=-1),
        "ce-linear": train(output=2, loss=1),
        "batch": train(batch_size=0),
        "order-high": train(orders=np.full((4, 2), 4, dtype=np.intc, order="F")),
        "order-negative": train(orders=np.full((4, 2), -1, dtype=np.intc, order="F")),
        "order-count": train(orders=np.zeros((4, 1), dtype=np.intc, order="F")),
        "order-none": train(orders=np.zeros((4, 0), dtype=np.intc, order="F")),
        "shuffle-flag": train(shuffle=2),
        "seed-negative": train(seed=-1),
        "orders-of-none": T.epoch_orders(n_samples=0, epochs=2, shuffle=1, seed=0)[1],
        "orders-of-epochs": T.epoch_orders(n_samples=3, epochs=0, shuffle=1, seed=0)[1],
        "orders-of-seed": T.epoch_orders(n_samples=3, epochs=2, shuffle=1, seed=-3)[1],
        "rate": train(learning_rate=-1.0),
        "rate-nan": train(learning_rate=math.nan),
        "momentum": train(momentum=1.0),
        "l2": train(l2=-0.5),
        "forward-n_out": T.forward(n_out=3, layer_sizes=sizes, params=params, x=x, hidden=0,
                                   output=0)[1],
        "loss-params": T.mean_loss(layer_sizes=sizes, params=np.zeros(20), x=x, y=y, hidden=0,
                                   output=0, loss=0)[1],
        "gradients-x": T.loss_and_gradients(layer_sizes=sizes, params=params,
                                            x=np.zeros((5, 4), order="F"), y=y, hidden=0,
                                            output=0, loss=0)[2],
        "path": T.set_matmul_path(9),
    }
    print("CODES", sorted((case, network._NAMES.get(code, code)) for case, code in codes.items()))

    # sizes passed explicitly and larger than the arrays: f2py's own error, caught
    for call in (lambda: T.train(epochs=2, layer_sizes=sizes, params=params.copy(), x=x, y=y,
                                 orders=orders, shuffle=1, seed=0, batch_size=1,
                                 learning_rate=0.1, momentum=0.0, l2=0.0, hidden=0, output=0,
                                 loss=0, n_samples=40),
                 lambda: T.forward(n_out=1, layer_sizes=sizes, params=params, x=x, hidden=0,
                                   output=0, n_params=1000),
                 lambda: T.train(epochs=2, layer_sizes=sizes,
                                 params=np.zeros(17, dtype=np.float32), x=x, y=y, orders=orders,
                                 shuffle=1, seed=0, batch_size=1, learning_rate=0.1,
                                 momentum=0.0, l2=0.0, hidden=0, output=0, loss=0)):
        try:
            call()
            print("F2PY accepted")
        except Exception as exc:
            print("F2PY", type(exc).__name__)

    # the Python face: the contract's exceptions, never a crash
    spec = NetworkSpec((2, 4, 1))
    net = Network(spec)
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]; Y = [[0.0], [1.0], [1.0], [0.0]]
    cfg = TrainConfig(epochs=2, learning_rate=0.5)
    for name, call in [
        ("X-nan", lambda: net.forward([[math.nan, 0.0]])),
        ("X-columns", lambda: net.train([[0.0, 0.0, 0.0]] * 4, Y, cfg)),
        ("Y-rows", lambda: net.train(X, Y[:3], cfg)),
        ("orders-range", lambda: net.train(X, Y, cfg, [[0, 1, 2, 4], [0, 1, 2, 3]])),
        ("orders-count", lambda: net.train(X, Y, cfg, [[0, 1, 2, 3]])),
        ("orders-array", lambda: net.train(X, Y, cfg, np.array([[0, 1, 2, 3], [9, 1, 2, 3]]))),
        ("config", lambda: net.train(X, Y, {"epochs": 2})),
        ("params", lambda: net.set_params([(np.zeros((2, 4)), np.zeros(3)),
                                           (np.zeros((4, 1)), [0.0])])),
        ("diverge", lambda: Network(NetworkSpec((2, 4, 1), "relu", "linear")).train(
            X, [[1e150]] * 4, TrainConfig(epochs=30, learning_rate=10.0))),
        ("matmul-path", lambda: network.set_matmul_path("fast")),
    ]:
        try:
            call()
            print("PY", name, "accepted")
        except Exception as exc:
            print("PY", name, type(exc).__name__, str(exc).split(":")[0][:40])
    print("DONE")
""")


def test_bad_input_in_a_subprocess_ends_in_python_exceptions():
    done = subprocess.run([sys.executable, "-c", SUBPROCESS_SCRIPT], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]       # no signal, no Fortran runtime error
    lines = done.stdout.splitlines()
    assert lines[-1] == "DONE"
    codes = dict(eval(next(line[6:] for line in lines if line.startswith("CODES "))))
    assert codes == {
        "params-length": "ERR_N_PARAMS", "x-rows": "ERR_N_IN", "y-rows": "ERR_N_OUT",
        "no-layers": "ERR_LAYERS", "zero-size": "ERR_LAYERS", "hidden-code": "ERR_CODE",
        "output-code": "ERR_CODE", "ce-linear": "ERR_CODE", "batch": "ERR_BATCH",
        "order-high": "ERR_ORDERS", "order-negative": "ERR_ORDERS", "order-count": "ERR_ORDERS",
        "order-none": 0, "shuffle-flag": "ERR_ORDERS", "seed-negative": "ERR_ORDERS",
        "orders-of-none": "ERR_N_SAMPLES", "orders-of-epochs": "ERR_EPOCHS",
        "orders-of-seed": "ERR_ORDERS", "rate": "ERR_RATE", "rate-nan": "ERR_RATE",
        "momentum": "ERR_RATE", "l2": "ERR_RATE", "forward-n_out": "ERR_N_OUT",
        "loss-params": "ERR_N_PARAMS", "gradients-x": "ERR_N_IN", "path": "ERR_PATH",
    }
    f2py = [line for line in lines if line.startswith("F2PY")]
    assert len(f2py) == 3 and "F2PY accepted" not in f2py     # f2py's own errors, caught
    python = {line.split()[1]: line.split()[2] for line in lines if line.startswith("PY ")}
    assert python == {
        "X-nan": "ValueError", "X-columns": "ValueError", "Y-rows": "ValueError",
        "orders-range": "ValueError", "orders-count": "ValueError",
        "orders-array": "ValueError", "config": "TypeError", "params": "ValueError",
        "diverge": "FloatingPointError", "matmul-path": "ValueError",
    }


def test_nonzero_codes_and_f2py_errors_become_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match=r"^orders: .*ERR_ORDERS"):
        network._raise_for(network._CODES["ERR_ORDERS"], "train")
    with pytest.raises(ValueError, match=r"^config: .*ERR_BATCH"):
        network._raise_for(network._CODES["ERR_BATCH"], "train")
    with pytest.raises(ValueError, match=r"^X: .*unknown Fortran error code 99"):
        network._raise_for(99, "forward")
    with pytest.raises(ValueError, match=r"^X: rejected by the Fortran wrapper of forward"):
        network._call("forward", "X", n_out=1, layer_sizes=np.array([2, 1], dtype=np.intc),
                      params=np.zeros(3), x=np.zeros((2, 3)), hidden=0, output=0, n_samples=9)


@pytest.mark.parametrize("orders", [
    [[0, 1, 2], [2, 1, 0]], ((0, 1, 2), [1, 2, 0]), [[0, 1, 2], [0, 1, True]],
    [[0, 1, 2], [0, 1, 2.0]], [[0, 1, 2]], [[0, 1, 2], [0, 1]], [[0, 1, 2], [0, 1, 3]],
    [[0, 1, 2], [0, -1, 2]], [[0, 1, 2], [0, 1, 2 ** 40]], [[0, 1, 2], "abc"], "ab", None,
    [[0, 1, 2], [0, 1, np.int64(2)]], np.array([[0, 1, 2], [2, 0, 1]], dtype=np.uint8),
    np.array([[0, 1, 2], [0, 3, 1]]), np.array([[0.0, 1, 2], [0, 1, 2]]),
    np.zeros((2, 2), dtype=int), 5,
], ids=lambda value: type(value).__name__)
def test_bulk_orders_check_matches_check_orders(orders):
    # the fast path of arrays.as_orders (C ints, as the Fortran takes them) accepts and
    # rejects exactly what check_orders does
    config = TrainConfig(epochs=2, learning_rate=0.1)
    try:
        expected = check_orders(orders, 3, config)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            as_orders(orders, 3, config, dtype=np.intc)
    else:
        assert as_orders(orders, 3, config, dtype=np.intc).tolist() == expected


# (e) the sources are plain Fortran 95 and compile without a warning
def test_sources_compile_as_fortran_95_without_warnings(tmp_path):
    for name in ("blas_shim.f90", "kernels.f90", "kernels32.f90", "backprop.f90",
                 "backprop32.f90", "gemm_openblas.f90", "gemm_none.f90"):
        done = subprocess.run(
            ["gfortran", "-std=f95", "-Wall", "-Wextra", "-pedantic", "-fcheck=all",
             "-c", str(SOURCES / name), "-o", str(tmp_path / (name + ".o")),
             "-J", str(tmp_path)],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stderr == "", done.stderr


def test_fortran_source_keeps_the_parallel_text():
    # one text (trainer.inc, kernels.inc), included by a module per precision that sets wp
    for pair, kind in ((("backprop.f90", "kernels.f90"), "kind(1d0)"),
                       (("backprop32.f90", "kernels32.f90"), "kind(1.0)")):
        for name in pair:
            module = (SOURCES / name).read_text()
            assert "implicit none" in module and re.search(r"^\s*private\s*$", module, re.M)
            assert f"integer, parameter :: wp = {kind}" in module
            assert len(re.findall(r"^\s*include '(trainer|kernels)\.inc'", module, re.M)) == 1
            assert not re.search(r"^\s*#", module, re.M)                 # no preprocessor
    source = (SOURCES / "trainer.inc").read_text()
    # every real of the algorithm is real(kind=wp) and every constant _wp; double precision is
    # left only for the size arithmetic of check_network and layout (overflow guards)
    assert not re.search(r"\b\d+(\.\d*)?d0\b", source.split("pure subroutine check_network")[0])
    assert not re.search(r"\breal\s*\((?!kind=wp\)|\w+, wp\))", source, re.I)
    kernels = (SOURCES / "kernels.inc").read_text().replace(
        "double precision, parameter :: BLAS_MIN_WORK = 512d0", "")   # a work count, not data
    assert not re.search(r"\b\d+(\.\d*)?d0\b|double precision", kernels)
    helpers = ["activate", "activate_prime", "softmax", "loss_sum", "feedforward",
               "output_delta", "backprop", "update", "train_epochs"]
    positions = [re.search(rf"^\s*(?:pure )?(?:subroutine|function) {name}\(", source, re.M).start()
                 for name in helpers]
    assert positions == sorted(positions)
    assert source.count("! backward pass: begin") == 1
    assert source.count("! backward pass: end") == 1


# (f) the build record
def test_build_info_reports_the_path_in_use(matmul_path):
    info = fortran_impl.build_info()
    assert info["blas"] in ("openblas dgemm", "reference loops")
    assert info["blas_linked"] == (info["blas"] == "openblas dgemm")
    assert info["matmul_path"] == "auto"
    assert re.search(r"-O[0-3s]", info["flags"]) and "fast-math" not in info["flags"]
    assert info["compiler"].startswith("GNU Fortran")
    if info["blas_linked"]:
        assert info["blas_kernel"]                                  # threadpoolctl saw it
        matmul_path("blas")
        assert fortran_impl.build_info()["matmul_path"] == "blas"
    else:
        with pytest.raises(ValueError, match="path"):
            matmul_path("blas")
    matmul_path("loops")
    assert fortran_impl.build_info()["matmul_path"] == "loops"
    with pytest.raises(ValueError, match="path"):
        matmul_path("fast")


# (g) the dgemm path agrees with the reference loops
@pytest.mark.parametrize("sizes, batch", [((30, 40, 20, 5), 16), ((8, 12, 3), 1)])
def test_blas_path_agrees_with_the_reference_loops(matmul_path, sizes, batch):
    spec = NetworkSpec(sizes, "tanh", "softmax", "cross_entropy")
    X, Y = small_problem(spec, 50)
    config = TrainConfig(epochs=3, learning_rate=0.1, batch_size=batch, momentum=0.9, l2=1e-3)
    paths = ("loops", "blas") if fortran_impl.build_info()["blas_linked"] else ("loops", "auto")
    results = {}
    for path in paths:
        matmul_path(path)
        net = Network(spec, seed=1)
        loss, grads = net.gradients(X, Y)
        history = net.train(X, Y, config)
        results[path] = (loss, grads, history, net.get_params(), net.forward(X))
    (loss_a, grads_a, hist_a, params_a, out_a), (loss_b, grads_b, hist_b, params_b, out_b) = \
        results.values()
    tol = AGREEMENT_TOLERANCE   # the contract's measures (python_impl.arrays)
    assert rel_diff(loss_a, loss_b) <= tol and history_diff(hist_a, hist_b) <= tol
    assert max(layer_diffs(params_a, params_b) + layer_diffs(grads_a, grads_b)) <= tol
    assert rel_diff(out_a, out_b) <= tol


# (h) the one text's edits reach the build
def test_the_extensions_are_built_from_the_current_included_texts():
    """meson does not track Fortran `include` files (gfortran writes dependency files only
    with -cpp, which meson leaves off), so an edit of trainer.inc or kernels.inc alone does not
    rebuild the extensions on import: touch backprop.f90, backprop32.f90, kernels.f90 and
    kernels32.f90 after editing them (README, "The Fortran trainer")."""
    for extension in (network._backprop, network._backprop32):
        built = Path(extension.__file__).stat().st_mtime
        for text in ("trainer.inc", "kernels.inc"):
            assert (SOURCES / text).stat().st_mtime <= built, (
                f"{text} is newer than {Path(extension.__file__).name}: touch the .f90 files "
                "that include it to rebuild")


# (i) the wrapped interface, as f2py states it (the first line of each routine's docstring,
# the same in both precisions): the algorithm below it may change, the interface may not
SIGNATURES = {
    "forward": "a_out,info = forward(n_out,layer_sizes,params,x,hidden,output,"
               "[n_layers,n_params,n_in,n_samples])",
    "mean_loss": "mean,info = mean_loss(layer_sizes,params,x,y,hidden,output,loss,"
                 "[n_layers,n_params,n_in,n_out,n_samples])",
    "loss_and_gradients": "mean,nabla,info = loss_and_gradients(layer_sizes,params,x,y,hidden,"
                          "output,loss,[n_layers,n_params,n_in,n_out,n_samples])",
    "train": "history,info,bad_epoch = train(epochs,layer_sizes,params,x,y,orders,shuffle,seed,"
             "batch_size,learning_rate,momentum,l2,hidden,output,loss,"
             "[n_layers,n_params,n_in,n_out,n_samples,n_orders])",
    "epoch_orders": "orders,info = epoch_orders(n_samples,epochs,shuffle,seed)",
    "set_matmul_path": "info = set_matmul_path(path)",
    "get_matmul_path": "path = get_matmul_path()",
    "blas_available": "linked = blas_available()",
}


@pytest.mark.parametrize("dtype", sorted(TRAINERS))
def test_the_wrapped_signatures_are_the_interface(dtype):
    assert sorted(SIGNATURES) == sorted(ROUTINES)
    for name, signature in SIGNATURES.items():
        assert getattr(TRAINERS[dtype], name).__doc__.splitlines()[0] == signature


# (j) the error codes are numbered once, in trainer.inc; network.py reads the numbers from it
# and gives every name, and no other, its exception
def test_network_py_names_every_error_code_of_trainer_inc():
    source = (SOURCES / "trainer.inc").read_text()
    codes = {name: int(number) for name, number in
             re.findall(r"^\s*integer, parameter :: (ERR_\w+) = (\d+)", source, re.M)}
    assert len(codes) >= 13
    assert 0 not in codes.values() and len(set(codes.values())) == len(codes)   # distinct
    assert network._CODES == codes
    assert sorted(network._ERRORS) == sorted(codes)
    for name, number in codes.items():
        kind = network._ERRORS[name][0]
        with pytest.raises(kind, match=rf"\b{name}={number}\)"):
            network._raise_for(number, "forward")


def _procedures(text):
    """[(prefix, name, arguments)] of the procedures a Fortran text defines (continuation
    lines joined): prefix is what precedes `subroutine` / `function` (pure, logical)."""
    joined = re.sub(r"&[ \t]*\n[ \t]*", "", text)
    return [(prefix.split(), name, [a for a in re.split(r"\s*,\s*", args.strip()) if a])
            for prefix, name, args in re.findall(
                r"^[ \t]*((?:pure[ \t]+|logical[ \t]+)*)(?:subroutine|function)[ \t]+(\w+)"
                r"[ \t]*\(([^)]*)\)", joined, re.M)]


def _code(text):
    """Fortran text without its comments."""
    return "\n".join(line.split("!")[0] for line in text.splitlines())


# (k) issue 19: the algorithm is pure and written against a layout: the matrix-product path
# comes in as an argument (the entry points hold the run-time switch), and no routine below
# the wrapped entry points (whose arguments are the f2py interface) takes more than 13
def test_the_algorithm_is_pure_and_takes_its_layout_as_arguments():
    source = (SOURCES / "trainer.inc").read_text()
    declarations, body = source.split("\ncontains\n")
    algorithm, entry_points = body.split("! The wrapped entry points (f2py)")
    routines = _procedures(algorithm)
    names = {name for _, name, _ in routines}
    assert {"feedforward", "backprop", "update", "train_epochs", "sample_order"} <= names
    assert [name for prefix, name, _ in routines if "pure" not in prefix] == []
    assert "matmul_path" not in _code(algorithm)
    assert re.findall(r"\bsave\b.*", _code(declarations)) == ["save :: matmul_path = PATH_AUTO"]
    for text in [(SOURCES / "kernels.inc").read_text()] + [
            (SOURCES / name).read_text()
            for name in ("blas_shim.f90", "gemm_openblas.f90", "gemm_none.f90")]:
        assert [name for prefix, name, _ in _procedures(text) if "pure" not in prefix] == []
        assert not re.search(r"\bsave\b", _code(text))
    counts = {name: len(arguments) for _, name, arguments in _procedures(body)
              if name not in ROUTINES}
    assert "new_layout" in counts and max(counts.values()) <= 13, counts


# (l) the documented hook that profiling uses: timed_calls() times the raw Fortran calls of
# every network while it runs, and only then
def test_timed_calls_times_the_raw_fortran_calls():
    spec = NetworkSpec((3, 5, 2), "tanh", "sigmoid", "mse")
    X, Y = small_problem(spec, 7)
    config = TrainConfig(epochs=3, learning_rate=0.25, batch_size=3)
    nets = [Network(spec, seed=1), Network(spec, seed=1, dtype="float32")]
    nets[0].train(X, Y, config)                     # outside any block: not recorded
    with fortran_impl.timed_calls() as timings:
        for net in nets:
            net.train(X, Y, config)
            net.forward(X)
        with fortran_impl.timed_calls() as inner:   # blocks nest: each records its calls
            nets[0].loss(X, Y)
    nets[0].gradients(X, Y)
    assert timings.calls == {"train": 2, "forward": 2, "mean_loss": 1}
    assert inner.calls == {"mean_loss": 1}
    assert set(timings.seconds) == set(timings.calls)
    assert all(seconds > 0.0 for seconds in timings.seconds.values())
    assert network._OPEN_TIMINGS == []


def test_bench_profiles_times_the_fortran_train_through_timed_calls():
    from bench.profiles import FORTRAN_RAW, FORTRAN_WRAPPER, profile_fortran
    spec = NetworkSpec((3, 5, 2), "tanh", "sigmoid", "mse")
    X, Y = small_problem(spec, 40)
    entry = profile_fortran(Network, spec, init_params(spec, 0), X, Y,
                            TrainConfig(epochs=2, learning_rate=0.1), repeats=3)
    assert entry["method"] == "wrapper-timing"
    assert {item["function"] for item in entry["top"]} == {FORTRAN_RAW, FORTRAN_WRAPPER}
    assert [item["calls"] for item in entry["top"]] == [3, 3]
    assert sum(item["share"] for item in entry["top"]) == pytest.approx(1.0)
    assert not hasattr(Network, "_trainer") and not hasattr(network, "_trainer")
