"""Where each implementation's time goes: untimed profiles, made after the timings.

For a few representative workloads (PROFILED_WORKLOADS that the run has), each implementation
trains once more, outside any timed region, with a train call shaped like one of its timed
rounds (the same epochs per call, or the same prefix of batches), repeated until about
`Settings.profile_seconds` of training; a call longer than that is cut to a prefix of epoch 1
(whole batches). Sizing uses the medians this run just saved, so a pair that was not timed
is not profiled (the entry says why).

- python, numpy, numpy-loop: cProfile of those calls, reduced to the TOP functions by own
  time (time in the function itself, not in what it calls), as `module:function` with their
  share of all profiled own time. On this Python (3.11) cProfile does not see calls of
  NumPy ufuncs (np.matmul, np.exp, ...: not builtin functions), whose time would land in the
  calling function; during the profile, python_impl.vectorized's global `np` is therefore a
  copy of the numpy module whose ufuncs are thin Python wrappers named `numpy:<ufunc>` (and
  `numpy:<ufunc>.reduce`), so each appears as its own entry (the wrapper's call cost
  included). In-place operators (`z += b`) stay in the calling function's own time.
  cProfile adds a cost per function call, which inflates call-heavy code (pure Python).
- fortran: no Python profiler sees inside the compiled routine. The share of Network.train
  spent in the raw f2py call (`fortran_impl._backprop.trainer.train`: the whole training
  loop in Fortran) is measured by timing that call from inside Network.train (through
  fortran_impl.timed_calls, the Fortran face's hook for this) against the whole call; the
  rest is the Python wrapper (argument checks, parameter copies); the sample orders are
  computed inside the Fortran call.
  How the Fortran routine's time splits between matrix products and the rest is not
  measured (it would need instrumentation inside the Fortran).

The results entry (results["profiles"][impl][workload]) is described in docs/results.md.
"""

from __future__ import annotations

import ast
import cProfile
import dataclasses
import functools
import importlib
import math
import os
import pstats
import sys
import time
import types

import numpy as np

from bench import results
from python_impl.spec import epoch_orders, init_params

PROFILED_WORKLOADS = ("xor", "digits", "mnist-shaped", "wide")
TOP = 6
MAX_REPEATS = 2000
LONGEST_BATCH = 4.0      # x profile_seconds: a batch longer than this is not profiled

METHODS = {
    "cprofile": "cProfile of the train calls; shares of own time (time in the function "
                "itself), NumPy ufuncs made visible as numpy:<ufunc> by thin wrappers",
    "wrapper-timing": "the raw f2py call timed inside Network.train against the whole call",
}
METHOD_NOTE = (
    "after the timings, untimed, on xor, digits, mnist-shaped and wide where the run has them: "
    "each implementation repeats a train call shaped like one of its timed rounds (or a prefix of "
    "epoch 1 when a round is long) for about {seconds} of training. Python, NumPy and "
    "numpy-loop: cProfile, shares of own time (time inside the function itself, not in what "
    "it calls); NumPy ufunc calls, which cProfile does not see on Python 3.11, are made "
    "visible as numpy:<ufunc> by thin Python wrappers during the profile; in-place "
    "operators stay in the calling function's own time; cProfile's cost per call inflates "
    "call-heavy code. Fortran: the raw f2py call of the Fortran training loop timed inside "
    "Network.train against the whole call, the rest being the Python wrapper; the split "
    "inside the Fortran between matrix products and the rest is not measured")
FORTRAN_RAW = "fortran_impl._backprop:trainer.train (Fortran training loop, f2py call)"
FORTRAN_WRAPPER = ("fortran_impl.network:Network.train (Python wrapper: checks, parameter "
                   "copies)")
FORTRAN_NOTE = ("the split inside the Fortran routine (matrix products against the rest) is "
                "not measured: it needs instrumentation inside the Fortran")


def skipped(reason):
    return {"status": "skipped", "reason": reason}


# ---- the call to profile --------------------------------------------------------------------

def call_shape(result, workload, n_train, target):
    """(epochs, samples, repeats) of the profiled train call from the pair's saved timing,
    or a reason (str) why it is not profiled."""
    if result is None:
        return "no result for this pair in the run"
    if result.get("status") not in results.TIMED_STATUSES:
        return f"not timed in this run ({result.get('reason') or result.get('status')})"
    timing = result.get("timing") or {}
    round_seconds = timing.get("round_median_seconds")
    if not round_seconds or not math.isfinite(round_seconds):
        return "no round time saved to size the profile"
    size = workload.config.batch_size
    if result["status"] == "partial":
        epochs, samples = 1, int(result["timed_batches"]) * size
        batches = int(result["timed_batches"])
    else:
        epochs, samples = int(timing.get("epochs_per_round") or 1), n_train
        batches = epochs * workload.n_batches(n_train)
    if round_seconds <= target:
        repeats = max(1, min(MAX_REPEATS, round(target / round_seconds)))
        return epochs, samples, repeats
    per_batch = round_seconds / batches
    if per_batch > LONGEST_BATCH * target:
        return (f"one batch takes about {per_batch:.3g} s, over the profile's limit of "
                f"{LONGEST_BATCH * target:.3g} s")
    prefix = max(1, min(workload.n_batches(n_train), int(target / per_batch)))
    return 1, min(n_train, prefix * size), 1


def training_call(workload, adapter, X, Y, epochs, samples):
    """(X, Y, config) of the profiled call, the public net.train(X, Y, config) as the
    benchmark times it: `epochs` epochs over all samples, or one epoch over the first
    `samples` of epoch 1's order."""
    config = dataclasses.replace(workload.config, epochs=epochs)
    n = len(X)
    if samples >= n:
        return X, Y, config
    config = dataclasses.replace(config, epochs=1)
    index = epoch_orders(n, config)[0][:samples]
    return adapter.rows(X, index), adapter.rows(Y, index), config


# ---- cProfile ---------------------------------------------------------------------------------

def _visible(label, function):
    """A Python function whose profile entry reads numpy:<label>, calling function."""
    # through functools.partial: cProfile records calls of builtin methods (ufunc.reduce)
    # made from Python code under their own name; a call made from C is left to the caller
    function = functools.partial(function)

    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)
    wrapper.__code__ = wrapper.__code__.replace(co_name=label, co_filename="<numpy>")
    return wrapper


def visible_numpy():
    """A copy of the numpy module whose ufuncs (and their reduce) are visible wrappers."""
    module = types.ModuleType("numpy")
    module.__dict__.update(vars(np))
    for name, value in vars(np).items():
        if isinstance(value, np.ufunc):
            wrapper = _visible(value.__name__, value)
            wrapper.reduce = _visible(f"{value.__name__}.reduce", value.reduce)
            setattr(module, name, wrapper)
    return module


@functools.cache
def _module_name(filename):
    """.../python_impl/vectorized.py -> python_impl.vectorized: the name of the loaded module
    whose file it is (an editable install loads the project from outside sys.path), else the
    file's path relative to sys.path."""
    path = os.path.abspath(filename)
    for name, module in list(sys.modules.items()):
        if os.path.abspath(getattr(module, "__file__", None) or "") == path:
            return name
    best = ""
    for entry in sys.path:
        entry = os.path.abspath(entry or os.getcwd())
        if path.startswith(entry + os.sep) and len(entry) > len(best):
            best = entry
    relative = path[len(best) + 1:] if best else os.path.basename(path)
    return relative[:-3].replace(os.sep, ".") if relative.endswith(".py") else relative


def function_name(key):
    """pstats' (filename, line, name) as module:function; builtins named by their module."""
    filename, line, name = key
    if filename == "<numpy>":
        return f"numpy:{name}"
    if filename == "~":       # a builtin: <built-in method math.exp>, <method 'take' of ...>
        text = name.strip("<>")
        if text.startswith("built-in method "):
            dotted = text[len("built-in method "):]
            module, _, function = dotted.rpartition(".")
            return f"{module or 'builtins'}:{function}"
        if text.startswith("method '"):
            method, _, owner = text[len("method '"):].partition("' of '")
            owner = owner.split("'")[0]
            module, _, cls = owner.rpartition(".")
            return f"{module or 'builtins'}:{cls}.{method}"
        return f"builtins:{text}"
    if name.startswith("<"):     # <listcomp>, <genexpr>, <lambda>: where it is
        return f"{_module_name(filename)}:{_enclosing(filename, line)}{name} (line {line})"
    return f"{_module_name(filename)}:{name}"


@functools.cache
def _functions(filename):
    """[(first line, last line, qualified name)] of the functions defined in a source file."""
    try:
        with open(filename, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return ()
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((child.lineno, child.end_lineno, name))
                visit(child, name + ".")
    visit(tree, "")
    return tuple(found)


def _enclosing(filename, line):
    """'function.' for the innermost function of filename holding line, else ''."""
    inside = [(first, name) for first, last, name in _functions(filename)
              if first <= line <= last]
    return max(inside)[1] + "." if inside else ""


def top_functions(profile, top=TOP):
    """(total own seconds, [{function, share, seconds, calls}] by own time)."""
    stats = pstats.Stats(profile).stats
    entries = {}
    for key, (_, calls, own, _, _) in stats.items():
        name = function_name(key)
        if "_lsprof" in name:
            continue
        seconds, count = entries.get(name, (0.0, 0))
        entries[name] = (seconds + own, count + calls)
    total = sum(seconds for seconds, _ in entries.values())
    ranked = sorted(entries.items(), key=lambda item: -item[1][0])[:top]
    modules = {}
    for name, (seconds, _) in entries.items():
        module = name.split(":", 1)[0]
        modules[module] = modules.get(module, 0.0) + (seconds / total if total else 0.0)
    return total, [{"function": name, "share": seconds / total if total else 0.0,
                    "seconds": seconds, "calls": count} for name, (seconds, count) in ranked
                   ], modules


def profile_cprofile(cls, spec, init, X, Y, config, repeats):
    """cProfile of `repeats` train calls (fresh parameters before each, outside the profile)."""
    vectorized = importlib.import_module("python_impl.vectorized")
    original = vectorized.np
    net = cls(spec, params=init)
    profile = cProfile.Profile()
    start = time.perf_counter()
    vectorized.np = visible_numpy()
    try:
        for _ in range(repeats):
            net.set_params(init)
            profile.enable()
            try:
                net.train(X, Y, config)
            finally:
                profile.disable()
    finally:
        vectorized.np = original
    wall = time.perf_counter() - start
    total, top, modules = top_functions(profile)
    return {"method": "cprofile", "seconds": total, "wall_seconds": wall, "top": top,
            "modules": dict(sorted(modules.items(), key=lambda item: -item[1])),
            "other_share": max(0.0, 1.0 - sum(entry["share"] for entry in top)), "note": None}


# ---- the Fortran wrapper ----------------------------------------------------------------------

def profile_fortran(cls, spec, init, X, Y, config, repeats):
    """The raw f2py call's share of Network.train over `repeats` calls, timed by the Fortran
    face's timed_calls() hook."""
    module = importlib.import_module(cls.__module__)
    if not hasattr(module, "timed_calls"):
        return skipped(f"{cls.__module__} has no timed_calls() through which to time the raw "
                       "call")
    net = cls(spec, params=init)
    whole = 0.0
    with module.timed_calls() as timings:
        for _ in range(repeats):
            net.set_params(init)
            start = time.perf_counter()
            net.train(X, Y, config)
            whole += time.perf_counter() - start
    calls = timings.calls.get("train", 0)
    if calls != repeats or whole <= 0.0:
        return skipped(f"the raw Fortran call was seen {calls} times in {repeats} train calls: "
                       "Network.train no longer makes one call into the Fortran")
    raw = min(timings.seconds["train"], whole)
    top = [{"function": FORTRAN_RAW, "share": raw / whole, "seconds": raw, "calls": repeats},
           {"function": FORTRAN_WRAPPER, "share": (whole - raw) / whole,
            "seconds": whole - raw, "calls": repeats}]
    top.sort(key=lambda entry: -entry["share"])
    return {"method": "wrapper-timing", "seconds": whole, "wall_seconds": whole, "top": top,
            "other_share": 0.0, "note": FORTRAN_NOTE}


# ---- one pair -----------------------------------------------------------------------------

def profile_pair(adapter, cls, workload, data, X, Y, result, target):
    """The profiles entry of one implementation (its bench.adapters adapter says how it is
    profiled) on one workload (never raises)."""
    shape = call_shape(result, workload, data.n_train, target)
    if isinstance(shape, str):
        return skipped(shape)
    epochs, samples, repeats = shape
    init = init_params(workload.spec, workload.seed)
    X, Y, config = training_call(workload, adapter, X, Y, epochs, samples)
    profiler = {"fortran": profile_fortran, "cprofile": profile_cprofile}[adapter.profiler]
    try:
        entry = profiler(cls, workload.spec, init, X, Y, config, repeats)
    except Exception as error:  # noqa: BLE001 - recorded; the run goes on
        return skipped(f"profiling failed: {type(error).__name__}: {error}")
    if entry.get("status") == "skipped":
        return entry
    entry.update({"status": "ok", "reason": None,
                  "call": {"epochs": config.epochs, "samples": len(X),
                           "batches": config.epochs * workload.n_batches(len(X)),
                           "repeats": repeats}})
    return entry
