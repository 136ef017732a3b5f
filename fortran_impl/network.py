"""fortran_impl.Network: the contract's Network, computed by the Fortran 95 trainer.

The Fortran (backprop.f90, module `trainer`, the algorithm and the entry points f2py wraps as
fortran_impl._backprop; kernels.f90, module `kernels`, its matrix products and other kernels)
does the arithmetic; this file validates every argument first with the contract layer's
checks (python_impl.arrays: the same ValueError / TypeError as the other two
implementations, naming the argument), lays the data out as the Fortran expects, and turns
Fortran error codes (named in trainer.inc, read from it here) and f2py's own exceptions into
the contract's exceptions. `timed_calls()` times the raw Fortran calls (for profiling).
Layout shared with backprop.f90:

- precision: backprop.f90 (module trainer, extension _backprop) computes in double,
  backprop32.f90 (module trainer32, extension _backprop32) in single: the same Fortran text
  (trainer.inc) compiled for two kinds. Network(..., dtype=) picks one; every array passed in
  or out has that dtype;
- parameters: one flat vector, layer by layer: W (n_in x n_out, column-major) then b;
- samples are columns in Fortran: a C-ordered (n_samples, n_in) array X is passed as X.T,
  which is Fortran-contiguous, so no copy is made;
- orders: the Fortran computes the contract's sample orders itself (shuffle, seed); orders
  given to train are a C-int (epochs, n_samples) C-ordered array of 0-based indices, passed
  as its transpose (column e = epoch e's order), and none is passed as a (0, n_samples) one.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import platform
import re
import threading
import time
from pathlib import Path

import numpy as np

from fortran_impl import _build_info

# The contract's argument checks for arrays (the same errors as the other two implementations);
# they return C-contiguous arrays of the network's dtype.
from python_impl.arrays import as_data, as_dtype, as_matrix, as_orders, as_params
from python_impl.spec import check_config, check_spec, init_params, not_finite, out_of_memory

# OpenBLAS kernels by CPU features: (kernel name, /proc/cpuinfo flags it needs).
_OPENBLAS_KERNELS = (
    ("SkylakeX", {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}),
    ("Haswell", {"avx2", "fma"}),
)


def _openblas_coretype():
    """The OPENBLAS_CORETYPE to load the system OpenBLAS with, or None to leave it alone.

    Debian's OpenBLAS 0.3.21 does not know recent CPU models (e.g. family 6 model 207) and
    falls back to its Prescott (SSE3) kernels: a 1024^3 dgemm ran at 8 GFLOP/s instead of
    58 with the SkylakeX kernels. So, only when this build links OpenBLAS, the user has not
    set OPENBLAS_CORETYPE, and the CPU's flags can be read, the kernel its flags support is
    named for the moment the extension loads (NumPy's own OpenBLAS is already loaded and
    unaffected; the environment is restored at once). build_info() reports the outcome.
    """
    if _build_info.BLAS != "openblas dgemm" or "OPENBLAS_CORETYPE" in os.environ:
        return None
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return None
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags = next((set(line.split(":", 1)[1].split()) for line in cpuinfo
                          if line.startswith("flags")), set())
    except OSError:
        return None
    return next((name for name, needs in _OPENBLAS_KERNELS if needs <= flags), None)


def _load_extension():
    """Import fortran_impl._backprop and _backprop32 (and with them the BLAS they link); see
    _openblas_coretype."""
    names = ("fortran_impl._backprop", "fortran_impl._backprop32")
    coretype = _openblas_coretype()
    if coretype is None:
        return [importlib.import_module(name) for name in names], None
    os.environ["OPENBLAS_CORETYPE"] = coretype
    try:
        return [importlib.import_module(name) for name in names], coretype
    finally:
        del os.environ["OPENBLAS_CORETYPE"]


(_backprop, _backprop32), _CORETYPE_SET = _load_extension()
# The trainer of each precision: the same Fortran text (trainer.inc), compiled twice.
_TRAINERS = {"float64": _backprop.trainer, "float32": _backprop32.trainer32}
# What f2py raises on arguments it cannot pass (its own exception class, stored in the
# extension as "__backprop_error", plus ValueError / TypeError from array conversion).
_F2PY_ERRORS = (ValueError, TypeError) + tuple(
    value for module in (_backprop, _backprop32) for value in vars(module).values()
    if isinstance(value, type) and issubclass(value, Exception))


def _error_codes():
    """{name: number} of trainer.inc's error codes (its `integer, parameter :: ERR_... = N`
    lines): they are numbered there only, and the extensions are built from that text."""
    text = Path(__file__).with_name("trainer.inc").read_text(encoding="utf-8")
    return {name: int(number) for name, number in
            re.findall(r"^\s*integer, parameter :: (ERR_\w+) = (\d+)", text, re.M)}


# trainer.inc's error codes by name -> (exception, argument the error is about, message);
# tests/test_fortran.py holds these names to trainer.inc's, one for one.
_ERRORS = {
    "ERR_LAYERS": (ValueError, "spec", "n_layers < 1 or a layer size < 1"),
    "ERR_N_PARAMS": (ValueError, "params", "the parameter count does not match layer_sizes"),
    "ERR_N_IN": (ValueError, "X", "the number of inputs does not match layer_sizes[0]"),
    "ERR_N_OUT": (ValueError, "Y", "the number of outputs does not match layer_sizes[-1]"),
    "ERR_N_SAMPLES": (ValueError, "X", "n_samples must be >= 1"),
    "ERR_CODE": (ValueError, "spec", "unknown activation or loss code"),
    "ERR_BATCH": (ValueError, "config", "batch_size must be >= 1"),
    "ERR_EPOCHS": (ValueError, "config", "epochs must be >= 1"),
    "ERR_ORDERS": (ValueError, "orders",
                   "not one order per epoch, or an index outside [0, n_samples)"),
    "ERR_RATE": (ValueError, "config", "learning_rate, momentum or l2 out of range"),
    "ERR_ALLOC": (MemoryError, "X", "the work arrays could not be allocated"),
    "ERR_NONFINITE": (FloatingPointError, "config", "a loss is not finite"),
    "ERR_PATH": (ValueError, "path", "unknown matrix-product path, or no BLAS in this build"),
}
_CODES = _error_codes()
_NAMES = {number: name for name, number in _CODES.items()}
# The argument whose size sets an entry point's work arrays (named when they cannot be
# allocated): train's grow with config.batch_size, epoch_orders' with n_samples, the others'
# with the rows of X (up to the Fortran's CHUNK at a time).
_WORK_ARGUMENT = {"train": "config", "epoch_orders": "n_samples"}

# kernels.f90's BLAS_MIN_WORK: the "auto" path uses dgemm from m*n*k multiply-adds up.
BLAS_MIN_WORK = 512

_PATHS = ("auto", "loops", "blas")


def _raise_for(info, routine):
    """Raise the Python exception for a nonzero Fortran info code."""
    name = _NAMES.get(int(info))
    kind, argument, text = _ERRORS.get(
        name, (ValueError, "X", f"unknown Fortran error code {int(info)}"))
    where = f"Fortran {routine}, {name or 'info'}={int(info)}"
    if name == "ERR_ALLOC":     # an allocate that failed, or arrays too large to index
        raise out_of_memory(_WORK_ARGUMENT.get(routine, "X"),
                            f"the work arrays of Fortran {routine}", MemoryError(where))
    raise kind(f"{argument}: {text} ({where})")


class Timings:
    """What timed_calls() records: per wrapped Fortran routine ("train", "forward",
    "mean_loss", "loss_and_gradients", "epoch_orders"), the seconds spent in its raw f2py
    calls and their number."""

    def __init__(self):
        self.seconds = {}
        self.calls = {}

    def _add(self, routine, seconds):
        self.seconds[routine] = self.seconds.get(routine, 0.0) + seconds
        self.calls[routine] = self.calls.get(routine, 0) + 1


_OPEN_TIMINGS = []              # the timed_calls() blocks running, in this process
_TIMINGS_LOCK = threading.Lock()


@contextlib.contextmanager
def timed_calls():
    """Time the raw calls into the Fortran (the f2py calls alone, without the Python around
    them) of every Network, in every thread, while the block runs; for profiling:

        with fortran_impl.timed_calls() as timings:
            net.train(X, Y, config)
        timings.seconds["train"], timings.calls["train"]
    """
    timings = Timings()
    with _TIMINGS_LOCK:
        _OPEN_TIMINGS.append(timings)
    try:
        yield timings
    finally:
        with _TIMINGS_LOCK:
            _OPEN_TIMINGS.remove(timings)


def _call(routine, argument, dtype="float64", **kwargs):
    """Call a wrapped Fortran routine of the trainer of dtype (timed while a timed_calls()
    block runs); f2py's own exceptions become ValueError(argument), and its outputs too large
    for memory a MemoryError naming argument."""
    function = getattr(_TRAINERS[dtype], routine)
    try:
        if not _OPEN_TIMINGS:
            return function(**kwargs)
        start = time.perf_counter()
        try:
            return function(**kwargs)
        finally:
            seconds = time.perf_counter() - start
            with _TIMINGS_LOCK:
                for timings in _OPEN_TIMINGS:
                    timings._add(routine, seconds)
    except _F2PY_ERRORS as exc:
        raise ValueError(f"{argument}: rejected by the Fortran wrapper of {routine}: "
                         f"{exc}") from exc
    except MemoryError as error:    # f2py could not allocate the outputs
        raise out_of_memory(argument, f"the outputs of {routine}", error) from None


def build_info():
    """How the extension was built and which matrix-product path is in force, as a dict.

    blas: "openblas dgemm" or "reference loops" (the meson option -Dblas); blas_kernel: the
    OpenBLAS kernel in use (threadpoolctl), openblas_coretype_set: the OPENBLAS_CORETYPE
    fortran_impl named while loading it (None: left to OpenBLAS); matmul_path: "auto" (dgemm
    for products of >= blas_min_work multiply-adds, loops below), "loops" or "blas"; flags:
    the Fortran flags of the build type and options (meson adds -fPIC and include paths).
    """
    kernel = None
    if _build_info.BLAS == "openblas dgemm":
        from threadpoolctl import threadpool_info  # noqa: PLC0415 - only with OpenBLAS linked
        kernel = next((lib.get("architecture") for lib in threadpool_info()
                       if lib.get("internal_api") == "openblas"
                       and lib.get("prefix") == "libopenblas"), None)
    return {
        "blas": _build_info.BLAS,
        "blas_version": _build_info.BLAS_VERSION,
        "blas_linked": bool(_TRAINERS["float64"].blas_available()),
        "blas_kernel": kernel,
        "openblas_coretype_set": _CORETYPE_SET,
        "matmul_path": get_matmul_path(),
        "blas_min_work": BLAS_MIN_WORK,
        "flags": _build_info.FLAGS,
        "compiler": _build_info.COMPILER,
        "buildtype": _build_info.BUILDTYPE,
    }


def set_matmul_path(path):
    """Select the Fortran matrix products: "auto" (dgemm when linked and the product is not
    tiny), "loops" (the reference loops) or "blas" (dgemm always; ValueError without BLAS).
    Process-wide, for both precisions (dgemm and sgemm); returns the previous path."""
    if path not in _PATHS:
        raise ValueError(f"path must be one of {', '.join(_PATHS)}; got {path!r}")
    previous = get_matmul_path()
    for trainer in _TRAINERS.values():
        info = trainer.set_matmul_path(_PATHS.index(path))
        if info:
            _raise_for(info, "set_matmul_path")
    return previous


def get_matmul_path():
    """The matrix-product path in force: "auto", "loops" or "blas"."""
    return _PATHS[int(_TRAINERS["float64"].get_matmul_path())]


def epoch_orders(n_samples, config):
    """The sample orders Network.train computes in Fortran when it is given none: an
    (epochs, n_samples) C-int array of 0-based indices (the contract's generator; equal to
    python_impl.spec.epoch_orders)."""
    check_config(config)
    orders, info = _call("epoch_orders", "n_samples", n_samples=n_samples, epochs=config.epochs,
                         shuffle=int(config.shuffle), seed=config.seed)
    if info:
        _raise_for(info, "epoch_orders")
    return orders.T


class Network:
    """A multilayer perceptron whose every computation runs in Fortran (backprop.f90). Its
    flat vector is replaced, never changed in place: a copy, deep copy or pickle of it is an
    independent network."""

    def __init__(self, spec, params=None, seed=0, dtype="float64"):
        """spec: NetworkSpec; params: [(W, b)] per layer, or None for init_params(spec, seed);
        dtype: "float64" (module trainer) or "float32" (module trainer32)."""
        self.spec = check_spec(spec)
        self._dtype = as_dtype(dtype)
        self.dtype = self._dtype.name
        self._sizes = np.array(spec.layer_sizes, dtype=np.intc)
        self._hidden, self._output, self._loss = spec.codes()
        self.set_params(init_params(spec, seed) if params is None else params)

    def get_params(self):
        """-> [(W, b)] copies: W n_in x n_out, b n_out, arrays of the network's dtype."""
        return self._unflatten(self._flat)

    def set_params(self, params):
        """params: [(W, b)] per layer, W n_in x n_out, b n_out; validated, then copied in."""
        params = as_params(params, self.spec, self._dtype)
        try:
            self._flat = _flatten(params)
        except MemoryError as error:
            raise out_of_memory("params", "their copy", error) from None

    def forward(self, X):
        """X: n x n_0 -> A: n x n_L array (the network's dtype), the output activations."""
        X = as_matrix("X", X, self.spec.n_in, self._dtype)
        a_out, info = _call("forward", "X", n_out=self.spec.n_out, x=X.T, **self._common())
        if info:
            _raise_for(info, "forward")
        if not np.isfinite(a_out).all():
            raise not_finite("forward")
        return a_out.T

    def loss(self, X, Y):
        """X: n x n_0, Y: n x n_L -> the mean per-sample loss (float)."""
        X, Y = as_data(X, Y, self.spec, self._dtype)
        mean, info = _call("mean_loss", "X", x=X.T, y=Y.T, loss=self._loss, **self._common())
        if info:
            _raise_for(info, "mean_loss")
        if not np.isfinite(mean):
            raise not_finite("loss")
        return float(mean)

    def gradients(self, X, Y):
        """X: n x n_0, Y: n x n_L -> (loss, [(dW n_in x n_out, db n_out)]) of the mean loss."""
        X, Y = as_data(X, Y, self.spec, self._dtype)
        mean, nabla, info = _call("loss_and_gradients", "X", x=X.T, y=Y.T, loss=self._loss,
                                  **self._common())
        if info:
            _raise_for(info, "loss_and_gradients")
        if not (np.isfinite(mean) and np.isfinite(nabla).all()):
            raise not_finite("gradients")
        return float(mean), self._unflatten(nabla)

    def train(self, X, Y, config, orders=None):
        """X: n x n_0, Y: n x n_L -> history (mean loss per epoch); all or nothing on error.
        One call into Fortran trains every epoch."""
        check_config(config)
        X, Y = as_data(X, Y, self.spec, self._dtype)
        if orders is None:           # the Fortran computes the contract's orders itself
            orders = np.empty((0, X.shape[0]), dtype=np.intc)
        else:
            orders = as_orders(orders, X.shape[0], config, dtype=np.intc)
        try:
            params = self._flat.copy()   # trained in place; kept only if training succeeds
        except MemoryError as error:
            raise out_of_memory("config", "the copy of the parameters to train", error) from None
        history, info, bad_epoch = _call(
            "train", "config", self.dtype, epochs=config.epochs,
            layer_sizes=self._sizes, params=params, x=X.T, y=Y.T, orders=orders.T,
            shuffle=int(config.shuffle), seed=config.seed, batch_size=config.batch_size,
            learning_rate=config.learning_rate, momentum=config.momentum, l2=config.l2,
            hidden=self._hidden, output=self._output, loss=self._loss)
        if info == _CODES["ERR_NONFINITE"]:    # bad_epoch counts from 1, as the others do
            raise FloatingPointError(f"train: loss is not finite in epoch {int(bad_epoch)} "
                                     f"({history[bad_epoch - 1]}); the learning rate may be "
                                     "too large")
        if info:
            _raise_for(info, "train")
        if not np.isfinite(params).all():
            raise FloatingPointError(f"train: parameters are not finite after epoch "
                                     f"{config.epochs}; the learning rate may be too large")
        self._flat = params
        return history.tolist()

    def predict(self, X):
        """X: n x n_0 -> per sample, the index of the largest output, or with one output unit
        1 where it is >= 0.5, else 0 (int array of n)."""
        A = self.forward(X)
        if self.spec.n_out == 1:
            return (A[:, 0] >= 0.5).astype(np.intp)
        return np.argmax(A, axis=1)

    def _common(self):
        """Keyword arguments shared by every Fortran entry point (and the trainer's dtype)."""
        return {"dtype": self.dtype, "layer_sizes": self._sizes, "params": self._flat,
                "hidden": self._hidden, "output": self._output}

    def _unflatten(self, flat):
        """The flat Fortran vector as [(W, b), ...] of fresh C-ordered arrays (its dtype)."""
        layers, offset = [], 0
        for n_in, n_out in self.spec.layer_shapes():
            W = flat[offset:offset + n_in * n_out].reshape((n_in, n_out), order="F")
            offset += n_in * n_out
            layers.append((np.ascontiguousarray(W), flat[offset:offset + n_out].copy()))
            offset += n_out
        return layers


def _flatten(params):
    """[(W, b)] validated by arrays.as_params -> the Fortran's flat vector (W column-major)."""
    return np.concatenate([part for W, b in params for part in (W.ravel(order="F"), b)])
