"""The results schema: the one file format between `bench` (which writes it) and `reports`
(which reads it and nothing else of `bench`). Standard library only.

A results file is JSON, `results.json` in a run's folder:

    {
      "schema": "backprop-bench-results",
      "schema_version": 1,
      "run": {...},                # the command, options and timing methodology
      "environment": {...},        # once per run: CPU, OS, Python, BLAS, gfortran, dgemm limit
      "workloads": {name: {...}},  # each workload's definition as run (spec, config, data)
      "results": [result, ...],    # one per implementation x workload, written as each finishes
      "worked_example": {...},     # the 2-2-2 network traced by every implementation
      "gradient_checks": {impl: {...}},
      "sources": {impl: {...}},    # backward-pass excerpts read from the sources at save time
      "profiles": {impl: {workload: {...}}},  # optional: where each implementation's time goes
      "more_threads": {...},       # optional: the large workloads again with more threads
      "ratios": [...],             # optional: paired ratios of the timed results, with intervals
      "sampling": {workload: {...}}  # optional: how each workload's cycles went
    }

`validate` (run by `load`) checks every field a reader uses (types, ranges, finiteness,
known implementation and workload names, no duplicate results) and raises ResultsError
naming the file and the field; fields it does not name are let through.

Non-finite floats are stored as the strings "nan", "inf", "-inf" (the file stays strict
JSON); `load` turns them back into floats. Fields beyond those below may be present (notes,
per-phase timings); readers ignore what they do not know.

run:
    {"started": "2026-11-28T04:30:00Z", "finished": str|null, "wall_seconds": float|null,
     "command": "python -m bench run --quick",     # exact command line as typed
     "argv": [...], "complete": bool,              # complete: every planned pair has a result
     "options": {"quick": bool, "threads": int, "peers": bool, "implementations": [...],
                 "workloads": [...], "out": str},
     "methodology": {"timing": {"min_time_per_round": float, "warmup_rounds": int,
                                "min_rounds": int, "max_rounds": int, "partial_rounds": int,
                                "budget_seconds": float,     # pure Python, per workload
                                "profiling": str,            # how the profiles were made
                                ... (texts: what is timed, calibration, memory method)}},
     "sessions": [{"started", "finished", "wall_seconds", "command", "argv"}, ...]}
                                                   # one per invocation (run, then resumes)

environment:
    {"cpu_model": str, "cpu_count": int, "os": str, "python": str, "numpy": str,
     "blas": [{"user_api": "blas", "internal_api": "openblas", "version": str,
               "architecture": "Haswell", "num_threads": 1, "filepath": str}, ...],
                                                   # threadpoolctl, every loaded library
     "threads": int,                               # the --threads value pinned for the run
     "gfortran": str,                              # first line of gfortran --version
     "fortran_build": {"blas": "openblas dgemm" | "reference loops", "flags": str,
                       "compiler": str, ...},      # fortran_impl.build_info()
     "packages": {"numpy": str, "torch": str|null, "scikit-learn": str|null,
                  "reportlab": str, "pypdf": str, "pytest-benchmark": str, ...},
     "version": str|null,                          # backprop-bench's version (pip metadata)
     "git_commit": str|null, "git_dirty": bool|null,   # null unless run from a checkout
     "sgemm": {...},                               # the same for float32 (runs with float32
                                                   # cases), measured beside dgemm
     "dgemm": {"n": int, "gflops_median": float, "gflops_iqr": float, "rounds": int,
               "threads": 1, "measured": str},     # NumPy's single-thread matrix multiply,
                                                   # "just before the first timing of wide",
                                                   # or "at the start of the run" without
                                                   # wide (absent until it is measured)
     "python_floor": {"workload": "xor", "seconds_per_step_median": float,
                      "seconds_per_step_iqr": float, "rounds": int,
                      "steps_per_round": int, "what": str}}
                                                   # bench/floor.py: a hand-written xor step,
                                                   # timed just before python on xor (when
                                                   # the run has that pair)

workloads: {name: {
     "description": str,                           # one sentence for the report
     "layer_sizes": [int, ...], "hidden_activation": str, "output_activation": str,
     "loss": str,
     "config": {"epochs", "learning_rate", "batch_size", "momentum", "l2", "shuffle", "seed"},
     "n_train": int, "n_test": int, "n_classes": int|null,
     "data": {"name": str, "source": str, "licence": str, "synthetic": bool},
     "flops_per_epoch": int,                       # spec.flops(spec, n_train)
     "sweep": null | {"name": "hidden_width", "value": int},
     "published": {"test_accuracy": float,         # optional: a published result of the
                   "source": str, "setting": str}}} # same network (nielsen: Nielsen's own)
    Names: "xor", "iris", "digits", "mnist-shaped", "nielsen", "wide", and the scaling sweep
    "width-8", "width-16", ..., "width-1024" (sweep != null).

results: [{
     "implementation": "python"|"numpy"|"fortran"|"torch"|"sklearn"|"numpy-loop",
     "kind": "implementation"|"peer", "workload": str,
     "status": "ok"|"partial"|"skipped", "reason": str|null,
     "timed_batches": int|null,         # partial only: batches per timed round
     "time_per_epoch": {"median", "iqr", "min", "max", "mean", "stddev": seconds,
                        "rounds": int,
                        "ci_low", "ci_high": seconds|null,  # 95% interval of the median
                        "samples": [seconds, ...]},         # per round, in cycle order
                        (pytest-benchmark's statistics of the rounds as time per epoch; the
                        interval and samples are absent from files written before they were)
     "samples_per_second": float, "gflops": float,
     "final_loss": float|null, "train_accuracy": float|null, "test_accuracy": float|null,
     "agreement": null | {"reference": "numpy", "max_rel_param_diff": float,
                          "max_rel_history_diff": float|null, "within_tolerance": bool,
                          "epochs_compared": int, "tolerance": 1e-9, "note": str|null},
     "peak_memory_bytes": int|null,
     "history": [float, ...],           # per-epoch training loss (learning curve)
     "threads": int,
     "dtype": "float64"|"float32"}]     # the precision; absent (files before it): float64.
                                        # A result's identity is (implementation, workload,
                                        # dtype); float32 agreement is against the float64
                                        # reference, within the float32 tolerance
    "ok": timed over whole epochs. "partial": timed over the first timed_batches batches of
    an epoch; the per-epoch figures are scaled from them, and the agreement, final loss and
    history are of that prefix (agreement.note says so). "skipped": "reason" says why; no
    figures. Extra fields written by bench: "timing" (epochs_per_round, rounds,
    warmup_rounds, scale_to_epoch, round_median_seconds), "notes" [str],
    "peak_memory_method", "agreement_note" (why agreement is null), "seconds_spent".

worked_example: null | {
     "layer_sizes": [2, 2, 2], "hidden_activation": "sigmoid", "output_activation": "sigmoid",
     "loss": "mse", "learning_rate": 0.5, "x": [[0.05, 0.10]], "y": [[0.01, 0.99]],
     "params": [[W1, b1], [W2, b2]],    # initial; W as nested lists n_in x n_out
     "traces": {impl: {
         "z": [z1, z2],                 # each a list (one sample): pre-activations per layer
         "a": [x, a1, a2],              # activations, input first
         "loss": float,
         "delta": [delta1, delta2],     # dC/dz per layer
         "nabla_w": [dW1, dW2], "nabla_b": [db1, db2],
         "updated_params": [[W1, b1], [W2, b2]]}},   # after one SGD step
     "errors": {impl: str}}             # implementations whose trace failed

gradient_checks: {impl: {"max_rel_error": float, "tolerance": 1e-6, "step": 1e-5,
                         "cases": int, "passed": bool}}

profiles (optional; files written before it existed have none): {impl: {workload: {
     "status": "ok"|"skipped", "reason": str|null,   # skipped: why (e.g. not timed)
     "method": "cprofile" | "wrapper-timing",
     "call": {"epochs": int, "samples": int, "batches": int, "repeats": int},
                                        # the profiled train call, repeated `repeats` times
     "seconds": float,                  # profiled time (own time summed; cProfile's included)
     "wall_seconds": float,
     "top": [{"function": "python_impl.vectorized:feedforward", "share": float,
              "seconds": float, "calls": int}, ...],   # by share (0..1) of "seconds"
     "other_share": float,              # everything below the top entries
     "modules": {module: share},        # cprofile only: all own time by module (numpy, ...)
     "note": str|null}}}
    python, numpy, numpy-loop: cProfile, own time per `module:function` (NumPy ufuncs as
    `numpy:<ufunc>`, builtins as `module:name`, comprehensions as `module:function.<listcomp>
    (line N)`). fortran: two entries, the raw f2py call of the Fortran training loop and the
    Python wrapper around it (their shares sum to 1). Written by bench/profiles.py after the
    timings, on xor, digits, mnist-shaped and wide.

more_threads (optional; absent when the run did not measure it): {
     "threads": int,                    # the larger BLAS thread count (> the run's)
     "results": [result, ...]}          # NumPy and Fortran on the large workloads (wide,
                                        # mnist-shaped), each timed twice back to back after
                                        # the main timings: at the run's own thread count,
                                        # then with `threads` (result["threads"] says which),
                                        # so that the gain is a ratio of adjacent timings;
                                        # the fields of `results` above, agreement against
                                        # the reference's untimed run at the run's own count

ratios (optional; files written before interleaved timing have none): [{
     "workload": str, "numerator": impl, "denominator": impl,
     "ratio": float,                    # time(numerator) / time(denominator): the median of
                                        # the per-cycle ratios of their paired rounds
     "ci_low": float|null, "ci_high": float|null,   # its 95% interval
     "cycles": int,
     "numerator_dtype", "denominator_dtype": "float64"|"float32"}, ...]  # absent: float64
    One entry per two timed results of a workload, in either orientation (find_ratio
    inverts). more_threads has the same for each implementation at the two thread counts as
    "gains": [{"implementation", "workload", "threads": [run's, more], "ratio" (time with the
    run's threads / time with more), "ci_low", "ci_high", "cycles"}].

sampling (optional; more_threads has its own): {workload: {
     "cycles": int, "warmup_cycles": int,
     "stopped": "precision"|"budget"|"max_cycles",   # why no more cycles were added
     "precision_goal": 0.05, "worst_half_width": float,  # widest ratio interval, relative
     "seconds": float, "arms": [case id, ...],
     "other_cores": float|null,         # CPU other processes took meanwhile, in cores
     "own_cores": float|null,           # CPU this process took meanwhile, in cores
     "canary": [seconds, ...],          # a fixed pure-Python loop, timed once per cycle
                                        # (bench.machine.canary): how fast the machine ran
     "steal_share": float|null, "heavy": bool|null}}  # heavy: the others took more than
                                        # the cores the run left free (bench/machine.py)
    Each timed result also has "interference": {"other_cores", "heavy"} of its workload.

sources: {impl: {"path": "python_impl/pure.py", "first_line": int,
                 "language": "python"|"fortran", "text": str}}
    The backward pass, between the marker comments `backward pass: begin` and
    `backward pass: end`, read from the source file when the results were saved.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

from bench import files
# the vocabulary, re-exported: the reports read it here (they import nothing else of bench)
from bench.registry import ALL, IMPLEMENTATIONS, PEERS, REFERENCE, kind  # noqa: F401
from python_impl.spec import DTYPES

SCHEMA = "backprop-bench-results"
SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
MORE_THREADS = "more_threads"     # the optional section of results timed with more threads
# What that section times: the implementations whose time goes to BLAS, on the workloads
# large enough to share out.
THREADED_IMPLEMENTATIONS = ("numpy", "fortran")
THREADED_WORKLOADS = ("mnist-shaped", "wide")

TIMED_STATUSES = ("ok", "partial")          # a result with figures
STATUSES = (*TIMED_STATUSES, "skipped")
KINDS = ("implementation", "peer")
TOP_LEVEL = ("schema", "schema_version", "run", "environment", "workloads", "results",
             "worked_example", "gradient_checks", "sources")
TIMED_FIELDS = ("time_per_epoch", "samples_per_second", "gflops", "final_loss",
                "train_accuracy", "test_accuracy", "agreement", "peak_memory_bytes", "history")
TIME_STATS = ("median", "iqr", "min", "max", "mean", "stddev", "rounds")
AGREEMENT_FIELDS = ("reference", "max_rel_param_diff", "max_rel_history_diff",
                    "within_tolerance", "epochs_compared", "tolerance")


class ResultsError(ValueError):
    """A results file that cannot be used: names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def new_results(run, environment):
    """An empty results document for a run that is starting."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "environment": environment,
        "workloads": {},
        "results": [],
        "worked_example": None,
        "gradient_checks": {},
        "sources": {},
    }


def result_key(result):
    """(implementation, workload): a result's identity within a run."""
    return (result["implementation"], result["workload"])


def section_results(doc, section=None):
    """The result list of doc ("results"), or of the optional section "more_threads"."""
    if section is None:
        return doc["results"]
    return (doc.get(section) or {}).get("results", [])


def put_result(doc, result, section=None):
    """Add result to doc (or to section, e.g. MORE_THREADS, which must exist, where a pair
    has one result per thread count), replacing an earlier result for the same key."""
    holder = doc if section is None else doc[section]
    key = _key(result, section)
    holder["results"] = [r for r in holder["results"] if _key(r, section) != key] + [result]


def _sides(ratio):
    """A ratio's two sides as {(implementation, dtype), ...} (dtype absent: float64)."""
    return {(ratio["numerator"], ratio.get("numerator_dtype") or "float64"),
            (ratio["denominator"], ratio.get("denominator_dtype") or "float64")}


def put_ratio(doc, ratio):
    """Add a paired ratio to doc["ratios"], replacing an earlier one of the same workload and
    the same two implementation x dtype sides (in either orientation)."""
    pair = _sides(ratio)
    doc["ratios"] = [r for r in doc.get("ratios", [])
                     if (r["workload"], _sides(r)) != (ratio["workload"], pair)] + [ratio]


def put_gain(doc, gain):
    """Add a more-threads gain to doc["more_threads"]["gains"], replacing an earlier one of
    the same implementation and workload."""
    section = doc[MORE_THREADS]
    key = (gain["implementation"], gain["workload"])
    section["gains"] = [g for g in section.get("gains", [])
                        if (g["implementation"], g["workload"]) != key] + [gain]


def find_ratio(doc, workload, numerator, denominator, numerator_dtype="float64",
               denominator_dtype="float64"):
    """(ratio, low, high) of time(numerator) / time(denominator) on workload from the saved
    paired ratios (each side in its dtype, float64 by default), inverted when saved the other
    way round; None when not saved (low and high None when there were too few cycles for an
    interval)."""
    wanted = ((numerator, numerator_dtype), (denominator, denominator_dtype))
    for entry in doc.get("ratios", []):
        if entry["workload"] != workload:
            continue
        sides = ((entry["numerator"], entry.get("numerator_dtype") or "float64"),
                 (entry["denominator"], entry.get("denominator_dtype") or "float64"))
        if sides == wanted:
            return entry["ratio"], entry["ci_low"], entry["ci_high"]
        if sides == wanted[::-1]:
            low, high = entry["ci_low"], entry["ci_high"]
            return (1.0 / entry["ratio"], None if high is None else 1.0 / high,
                    None if low is None else 1.0 / low)
    return None


def find_result(doc, implementation, workload, section=None, threads=None, dtype="float64"):
    """The result for (implementation, workload) in dtype (float64 by default; a result
    without the field is float64) in doc (or in section, with threads), or None."""
    for result in section_results(doc, section):
        if result_key(result) == (implementation, workload) and (
                threads is None or result.get("threads") == threads) and (
                (result.get("dtype") or "float64") == dtype):
            return result
    return None


def _key(result, section):
    return (result_key(result) + ((result.get("threads"),) if section else ())
            + (result.get("dtype") or "float64",))


# ---- validation --------------------------------------------------------------------------------
# Everything a reader (bench's summary and resume, the reports) takes from a file is checked
# here: types, ranges, finiteness, known names, no duplicates. Fields not named here (notes,
# per-phase timings, fields added by later versions) are let through unread.

MAX_INT = 2 ** 53                  # integers beyond this do not survive a float; none is real
MAX_THREADS = 4096                 # a thread count in a file (a run's own bound is the CLI's)
TIME_RANGE = (1e-12, 1e7)          # seconds: a picosecond to about four months
RATE_MAX = 1e6                     # GFLOP/s
RATIO_MAX = 1e9                    # a ratio of two times per epoch
SAMPLING_STOPS = ("precision", "budget", "max_cycles")   # why a workload's cycles stopped
DEPTH_MAX = 6                      # nesting of the worked example's arrays
TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def known_workload(name):
    """Whether name is a workload this version defines."""
    from bench.workloads import WORKLOADS  # noqa: PLC0415 - standard library only, cheap

    return isinstance(name, str) and name in WORKLOADS


def _show(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    """Checks of one file's fields, each raising ResultsError(path, "<field> <problem>")."""

    def __init__(self, path):
        self.path = path

    def fail(self, where, problem):
        raise ResultsError(self.path, f"{where} {problem}")

    def require(self, condition, where, problem):
        if not condition:
            self.fail(where, problem)

    def get(self, holder, key, where, optional=False):
        """holder[key], which must be present unless optional (then None if absent)."""
        if key not in holder:
            if optional:
                return None
            self.fail(f"{where}.{key}", "is missing")
        return holder[key]

    def obj(self, value, where, optional=False):
        if value is None and optional:
            return None
        self.require(isinstance(value, dict), where, f"must be an object, got {_show(value)}")
        return value

    def lst(self, value, where, optional=False):
        if value is None and optional:
            return None
        self.require(isinstance(value, list), where, f"must be a list, got {_show(value)}")
        return value

    def text(self, value, where, optional=False, choices=None, nonempty=False):
        if value is None and optional:
            return None
        self.require(isinstance(value, str), where, f"must be text, got {_show(value)}")
        if nonempty:
            self.require(value.strip() != "", where, "must not be empty")
        if choices is not None:
            self.require(value in choices, where,
                         f"must be one of {', '.join(choices)}, got {_show(value)}")
        return value

    def boolean(self, value, where, optional=False):
        if value is None and optional:
            return None
        self.require(isinstance(value, bool), where,
                     f"must be true or false, got {_show(value)}")
        return value

    def integer(self, value, where, lo=0, hi=MAX_INT, optional=False):
        if value is None and optional:
            return None
        self.require(isinstance(value, int) and not isinstance(value, bool), where,
                     f"must be an integer, got {_show(value)}")
        self.require(lo <= value <= hi, where,
                     f"must be between {lo} and {hi}, got {_show(value)}")
        return value

    def number(self, value, where, lo=None, hi=None, optional=False, finite=True,
               above=None):
        """A JSON number (not true/false) within [lo, hi] (and > above); finite unless
        finite=False (NaN and infinities then pass the range check unless it excludes
        them)."""
        if value is None and optional:
            return None
        self.require(isinstance(value, (int, float)) and not isinstance(value, bool), where,
                     f"must be a number, got {_show(value)}")
        if isinstance(value, int):
            self.require(abs(value) <= MAX_INT, where, f"is out of range ({_show(value)})")
            value = float(value)
        if math.isnan(value):
            self.require(not finite, where, "must be a finite number, got NaN")
            return value
        if finite:
            self.require(math.isfinite(value), where,
                         f"must be a finite number, got {_show(value)}")
        if lo is not None:
            self.require(value >= lo, where, f"must be at least {lo:g}, got {_show(value)}")
        if hi is not None:
            self.require(value <= hi, where, f"must be at most {hi:g}, got {_show(value)}")
        if above is not None:
            self.require(value > above, where, f"must be above {above:g}, got {_show(value)}")
        return value

    def seconds(self, value, where, optional=False, zero=False):
        """A duration in seconds: within TIME_RANGE (0 allowed when zero)."""
        if zero and value == 0 and not isinstance(value, bool):
            return 0.0
        return self.number(value, where, TIME_RANGE[0], TIME_RANGE[1], optional)

    def timestamp(self, value, where, optional=False):
        if value is None and optional:
            return None
        self.text(value, where)
        try:
            datetime.strptime(value, TIMESTAMP)
        except ValueError:
            self.fail(where, f"must be a UTC time like 2026-11-28T04:30:00Z, got {_show(value)}")
        return value

    def names(self, value, where, known):
        """A non-empty list of distinct known names."""
        self.lst(value, where)
        self.require(value, where, "must not be empty")
        for position, name in enumerate(value):
            self.text(name, f"{where}[{position}]")
            self.require(known(name), f"{where}[{position}]", f"is not a known name: "
                         f"{_show(name)}")
        self.require(len(set(value)) == len(value), where, "names an entry twice")
        return value

    def numeric_tree(self, value, where, depth=DEPTH_MAX):
        """A number, or nested lists of numbers (finite), at most depth deep."""
        if isinstance(value, list):
            self.require(depth > 0, where, "is nested too deeply")
            for position, item in enumerate(value):
                self.numeric_tree(item, f"{where}[{position}]", depth - 1)
        else:
            self.number(value, where)


def _implementation(name):
    return isinstance(name, str) and name in ALL


def _check_run(check, run):
    check.obj(run, "run")
    check.timestamp(check.get(run, "started", "run"), "run.started")
    check.timestamp(run.get("finished"), "run.finished", optional=True)
    check.number(run.get("wall_seconds"), "run.wall_seconds", 0, 1e9, optional=True)
    check.text(check.get(run, "command", "run"), "run.command")
    argv = check.lst(run.get("argv"), "run.argv", optional=True)
    for position, item in enumerate(argv or []):
        check.text(item, f"run.argv[{position}]")
    check.boolean(check.get(run, "complete", "run"), "run.complete")
    options = check.obj(check.get(run, "options", "run"), "run.options")
    check.boolean(check.get(options, "quick", "run.options"), "run.options.quick")
    check.integer(check.get(options, "threads", "run.options"), "run.options.threads", 1,
                  MAX_THREADS)
    check.integer(options.get("also_threads"), "run.options.also_threads", 0, MAX_THREADS,
                  optional=True)
    check.boolean(options.get("peers"), "run.options.peers", optional=True)
    check.names(check.get(options, "implementations", "run.options"),
                "run.options.implementations", _implementation)
    check.names(check.get(options, "workloads", "run.options"), "run.options.workloads",
                known_workload)
    check.text(options.get("out"), "run.options.out", optional=True)
    methodology = check.obj(run.get("methodology"), "run.methodology", optional=True)
    if methodology is not None:
        timing = check.obj(methodology.get("timing"), "run.methodology.timing", optional=True)
        for key, value in (timing or {}).items():
            if isinstance(value, (int, float)) or key in ("min_time_per_round",
                                                          "budget_seconds"):
                check.number(value, f"run.methodology.timing.{key}", 0, 1e9)
    sessions = check.lst(run.get("sessions"), "run.sessions", optional=True)
    for position, session in enumerate(sessions or []):
        where = f"run.sessions[{position}]"
        check.obj(session, where)
        check.timestamp(check.get(session, "started", where), f"{where}.started")
        check.timestamp(session.get("finished"), f"{where}.finished", optional=True)
        check.number(session.get("wall_seconds"), f"{where}.wall_seconds", 0, 1e9,
                     optional=True)
        check.text(session.get("command"), f"{where}.command", optional=True)


def _check_environment(check, env):
    check.obj(env, "environment")
    for key in ("cpu_model", "os", "python", "numpy", "gfortran", "git_commit", "version",
                "openblas_coretype"):
        check.text(env.get(key), f"environment.{key}", optional=True)
    check.integer(env.get("cpu_count"), "environment.cpu_count", 1, MAX_THREADS,
                  optional=True)
    check.integer(env.get("threads"), "environment.threads", 1, MAX_THREADS, optional=True)
    check.boolean(env.get("git_dirty"), "environment.git_dirty", optional=True)
    for position, library in enumerate(check.lst(env.get("blas"), "environment.blas",
                                                 optional=True) or []):
        where = f"environment.blas[{position}]"
        check.obj(library, where)
        for key in ("user_api", "internal_api", "version", "architecture", "filepath",
                    "prefix", "threading_layer"):
            check.text(library.get(key), f"{where}.{key}", optional=True)
        check.integer(library.get("num_threads"), f"{where}.num_threads", 1, MAX_THREADS,
                      optional=True)
    for key in ("fortran_build", "packages", "thread_variables"):
        holder = check.obj(env.get(key), f"environment.{key}", optional=True)
        for name, value in (holder or {}).items():
            if key != "fortran_build" or name in ("blas", "flags", "compiler", "error"):
                check.text(value, f"environment.{key}.{name}", optional=True)
    for key in ("dgemm", "dgemm_threads", "sgemm"):
        dgemm = check.obj(env.get(key), f"environment.{key}", optional=True)
        if dgemm is not None:
            where = f"environment.{key}"
            check.integer(check.get(dgemm, "n", where), f"{where}.n", 1)
            check.number(check.get(dgemm, "gflops_median", where), f"{where}.gflops_median",
                         0, RATE_MAX, above=0)
            check.number(check.get(dgemm, "gflops_iqr", where), f"{where}.gflops_iqr", 0,
                         RATE_MAX)
            check.integer(dgemm.get("rounds"), f"{where}.rounds", 1, optional=True)
            check.integer(dgemm.get("threads"), f"{where}.threads", 1, MAX_THREADS,
                          optional=True)
            check.text(dgemm.get("measured"), f"{where}.measured", optional=True)
    floor = check.obj(env.get("python_floor"), "environment.python_floor", optional=True)
    if floor is not None:
        where = "environment.python_floor"
        check.seconds(check.get(floor, "seconds_per_step_median", where),
                      f"{where}.seconds_per_step_median")
        check.seconds(floor.get("seconds_per_step_iqr"), f"{where}.seconds_per_step_iqr",
                      optional=True, zero=True)
        check.integer(floor.get("rounds"), f"{where}.rounds", 1, optional=True)
        check.integer(floor.get("steps_per_round"), f"{where}.steps_per_round", 1,
                      optional=True)
        check.text(floor.get("workload"), f"{where}.workload", optional=True)
        check.text(floor.get("what"), f"{where}.what", optional=True)


def _check_workload(check, name, workload):
    where = f"workloads[{name!r}]"
    check.require(known_workload(name), where, "is not a workload this version knows")
    check.obj(workload, where)
    sizes = check.lst(check.get(workload, "layer_sizes", where), f"{where}.layer_sizes")
    check.require(len(sizes) >= 2, f"{where}.layer_sizes", "must have at least two layers")
    for position, size in enumerate(sizes):
        check.integer(size, f"{where}.layer_sizes[{position}]", 1, 10 ** 7)
    for key in ("hidden_activation", "output_activation", "loss"):
        check.text(check.get(workload, key, where), f"{where}.{key}")
    check.text(workload.get("description"), f"{where}.description", optional=True)
    config = check.obj(check.get(workload, "config", where), f"{where}.config")
    check.integer(check.get(config, "epochs", f"{where}.config"), f"{where}.config.epochs", 1)
    check.integer(check.get(config, "batch_size", f"{where}.config"),
                  f"{where}.config.batch_size", 1)
    check.number(check.get(config, "learning_rate", f"{where}.config"),
                 f"{where}.config.learning_rate", 0, 1e6, above=0)
    check.number(config.get("momentum"), f"{where}.config.momentum", 0, 1, optional=True)
    check.number(config.get("l2"), f"{where}.config.l2", 0, 1e6, optional=True)
    check.boolean(config.get("shuffle"), f"{where}.config.shuffle", optional=True)
    check.integer(config.get("seed"), f"{where}.config.seed", -MAX_INT, optional=True)
    check.integer(check.get(workload, "n_train", where), f"{where}.n_train", 1)
    check.integer(workload.get("n_test"), f"{where}.n_test", 0, optional=True)
    check.integer(workload.get("n_classes"), f"{where}.n_classes", 1, optional=True)
    check.integer(check.get(workload, "flops_per_epoch", where), f"{where}.flops_per_epoch", 0)
    data = check.obj(workload.get("data"), f"{where}.data", optional=True)
    if data is not None:
        for key in ("name", "source", "licence"):
            check.text(data.get(key), f"{where}.data.{key}", optional=True)
        check.boolean(data.get("synthetic"), f"{where}.data.synthetic", optional=True)
    published = check.obj(workload.get("published"), f"{where}.published", optional=True)
    if published is not None:
        check.number(check.get(published, "test_accuracy", f"{where}.published"),
                     f"{where}.published.test_accuracy", 0, 1)
        for key in ("source", "setting"):
            check.text(check.get(published, key, f"{where}.published"),
                       f"{where}.published.{key}")
    sweep = check.obj(workload.get("sweep"), f"{where}.sweep", optional=True)
    if sweep is not None:
        check.text(check.get(sweep, "name", f"{where}.sweep"), f"{where}.sweep.name")
        check.integer(check.get(sweep, "value", f"{where}.sweep"), f"{where}.sweep.value", 1)


def validate_result(result, path, index, where=None, workloads=None, check=None):
    """Check one result entry; raise ResultsError naming the entry and the field."""
    check = check or _Checker(path)
    where = where or f"results[{index}]"
    check.obj(result, where)
    impl = check.text(check.get(result, "implementation", where), f"{where}.implementation")
    check.require(_implementation(impl), f"{where}.implementation",
                  f"is not a known implementation or peer: {_show(impl)}")
    check.text(check.get(result, "kind", where), f"{where}.kind", choices=KINDS)
    check.require(result["kind"] == kind(impl), f"{where}.kind",
                  f"must be {kind(impl)!r} for {impl}")
    workload = check.text(check.get(result, "workload", where), f"{where}.workload")
    if workloads is not None:
        check.require(workload in workloads, f"{where}.workload",
                      f"names {workload!r}, which is not defined in workloads")
    status = check.text(check.get(result, "status", where), f"{where}.status", choices=STATUSES)
    check.integer(result.get("threads"), f"{where}.threads", 1, MAX_THREADS, optional=True)
    check.text(result.get("agreement_note"), f"{where}.agreement_note", optional=True)
    check.number(result.get("seconds_spent"), f"{where}.seconds_spent", 0, 1e9, optional=True)
    for position, line in enumerate(check.lst(result.get("notes"), f"{where}.notes",
                                              optional=True) or []):
        check.text(line, f"{where}.notes[{position}]")
    check.text(result.get("dtype", "float64"), f"{where}.dtype", choices=DTYPES)
    if status == "skipped":
        check.require(isinstance(result.get("reason"), str) and result["reason"].strip(),
                      where, "is skipped without a reason")
        return
    check.text(result.get("reason"), f"{where}.reason", optional=True)
    for field in TIMED_FIELDS:
        check.get(result, field, where)
    stats = check.obj(result["time_per_epoch"], f"{where}.time_per_epoch")
    for stat in ("median", "min", "max", "mean"):
        check.seconds(check.get(stats, stat, f"{where}.time_per_epoch"),
                      f"{where}.time_per_epoch.{stat}")
    for stat in ("iqr", "stddev"):
        check.number(check.get(stats, stat, f"{where}.time_per_epoch"),
                     f"{where}.time_per_epoch.{stat}", 0, TIME_RANGE[1])
    rounds = check.integer(check.get(stats, "rounds", f"{where}.time_per_epoch"),
                           f"{where}.time_per_epoch.rounds", 1)
    for stat in ("ci_low", "ci_high"):      # optional: files from before intervals lack them
        check.seconds(stats.get(stat), f"{where}.time_per_epoch.{stat}", optional=True)
    if stats.get("ci_low") is not None:
        check.require(stats["ci_low"] <= stats["median"] <= (stats.get("ci_high") or 0),
                      f"{where}.time_per_epoch", "must have ci_low <= median <= ci_high")
    samples = check.lst(stats.get("samples"), f"{where}.time_per_epoch.samples", optional=True)
    if samples is not None:
        check.require(len(samples) == rounds, f"{where}.time_per_epoch.samples",
                      f"must hold one time per round ({rounds}), got {len(samples)}")
        for position, value in enumerate(samples):
            check.seconds(value, f"{where}.time_per_epoch.samples[{position}]")
    check.number(result["samples_per_second"], f"{where}.samples_per_second", 0, 1e15,
                 optional=True)
    check.number(result["gflops"], f"{where}.gflops", 0, RATE_MAX, optional=True)
    # a training that diverged saves its loss as it was (inf, NaN): a result, not corruption
    check.number(result["final_loss"], f"{where}.final_loss", 0, None, optional=True,
                 finite=False)
    for field in ("train_accuracy", "test_accuracy"):
        check.number(result[field], f"{where}.{field}", 0, 1, optional=True)
    check.integer(result["peak_memory_bytes"], f"{where}.peak_memory_bytes", 0, optional=True)
    check.text(result.get("peak_memory_method"), f"{where}.peak_memory_method", optional=True)
    history = check.lst(result["history"], f"{where}.history")
    for position, value in enumerate(history):
        check.number(value, f"{where}.history[{position}]", 0, finite=False)
    agreement = check.obj(result["agreement"], f"{where}.agreement", optional=True)
    if agreement is not None:
        at = f"{where}.agreement"
        for field in AGREEMENT_FIELDS:
            check.get(agreement, field, at)
        check.text(agreement["reference"], f"{at}.reference")
        check.require(_implementation(agreement["reference"]), f"{at}.reference",
                      "is not a known implementation")
        check.number(agreement["max_rel_param_diff"], f"{at}.max_rel_param_diff", 0,
                     finite=False)
        check.number(agreement["max_rel_history_diff"], f"{at}.max_rel_history_diff", 0,
                     finite=False, optional=True)
        check.boolean(agreement["within_tolerance"], f"{at}.within_tolerance")
        check.integer(agreement["epochs_compared"], f"{at}.epochs_compared", 0)
        check.number(agreement["tolerance"], f"{at}.tolerance", 0, 1, above=0)
        check.text(agreement.get("note"), f"{at}.note", optional=True)
    if status == "partial":
        check.integer(result.get("timed_batches"), f"{where}.timed_batches", 1)
    else:
        check.integer(result.get("timed_batches"), f"{where}.timed_batches", 1, optional=True)


def validate_profiles(profiles, path, workloads=None, check=None):
    """Check the optional profiles field: {impl: {workload: entry}}."""
    check = check or _Checker(path)
    check.obj(profiles, "profiles")
    for impl, per_workload in profiles.items():
        check.require(_implementation(impl), f"profiles[{impl!r}]",
                      "is not a known implementation")
        check.obj(per_workload, f"profiles[{impl!r}]")
        for workload, entry in per_workload.items():
            where = f"profiles[{impl!r}][{workload!r}]"
            if workloads is not None:
                check.require(workload in workloads, where, "names a workload not defined in "
                              "workloads")
            check.obj(entry, where)
            status = check.text(entry.get("status"), f"{where}.status",
                                choices=("ok", "skipped"))
            if status == "skipped":
                check.require(isinstance(entry.get("reason"), str) and entry["reason"],
                              where, "is skipped without a reason")
                continue
            check.text(entry.get("method"), f"{where}.method", optional=True)
            for key in ("seconds", "wall_seconds"):
                check.number(entry.get(key), f"{where}.{key}", 0, 1e9, optional=True)
            check.number(entry.get("other_share"), f"{where}.other_share", 0, 1, optional=True)
            call = check.obj(entry.get("call"), f"{where}.call", optional=True)
            for key, value in (call or {}).items():
                check.integer(value, f"{where}.call.{key}", 0)
            modules = check.obj(entry.get("modules"), f"{where}.modules", optional=True)
            for key, value in (modules or {}).items():
                check.number(value, f"{where}.modules[{key!r}]", 0, 1)
            top = check.lst(entry.get("top"), f"{where}.top")
            for position, item in enumerate(top):
                at = f"{where}.top[{position}]"
                check.require(isinstance(item, dict) and isinstance(item.get("function"), str),
                              at, "must name its function")
                check.number(item.get("share"), f"{at}.share", 0, 1)
                check.number(item.get("seconds"), f"{at}.seconds", 0, 1e9, optional=True)
                check.integer(item.get("calls"), f"{at}.calls", 0, optional=True)


def _check_worked_example(check, example):
    if check.obj(example, "worked_example", optional=True) is None:
        return
    traces = check.obj(check.get(example, "traces", "worked_example"), "worked_example.traces")
    for key in ("x", "y", "params"):
        if key in example:
            check.numeric_tree(example[key], f"worked_example.{key}")
    sizes = check.lst(example.get("layer_sizes"), "worked_example.layer_sizes", optional=True)
    for position, size in enumerate(sizes or []):
        check.integer(size, f"worked_example.layer_sizes[{position}]", 1)
    check.number(example.get("learning_rate"), "worked_example.learning_rate", 0,
                 optional=True)
    for impl, trace in traces.items():
        where = f"worked_example.traces[{impl!r}]"
        check.require(_implementation(impl), where, "is not a known implementation")
        check.obj(trace, where)
        check.number(check.get(trace, "loss", where), f"{where}.loss", 0)
        for key in ("z", "a", "delta", "nabla_w", "nabla_b", "updated_params"):
            check.numeric_tree(check.lst(check.get(trace, key, where), f"{where}.{key}"),
                               f"{where}.{key}")
    errors = check.obj(example.get("errors"), "worked_example.errors", optional=True)
    for impl, message in (errors or {}).items():
        check.text(message, f"worked_example.errors[{impl!r}]")


def _check_gradient_checks(check, checks):
    check.obj(checks, "gradient_checks")
    for impl, entry in checks.items():
        where = f"gradient_checks[{impl!r}]"
        check.require(_implementation(impl), where, "is not a known implementation")
        check.obj(entry, where)
        check.number(check.get(entry, "max_rel_error", where), f"{where}.max_rel_error", 0,
                     finite=False)
        check.number(check.get(entry, "tolerance", where), f"{where}.tolerance", 0, 1,
                     above=0)
        check.number(entry.get("step"), f"{where}.step", 0, 1, optional=True)
        check.integer(entry.get("cases"), f"{where}.cases", 0, optional=True)
        check.boolean(check.get(entry, "passed", where), f"{where}.passed")
        check.text(entry.get("error"), f"{where}.error", optional=True)


def _check_sources(check, sources):
    check.obj(sources, "sources")
    for impl, entry in sources.items():
        where = f"sources[{impl!r}]"
        check.require(_implementation(impl), where, "is not a known implementation")
        check.obj(entry, where)
        check.text(check.get(entry, "path", where), f"{where}.path")
        check.integer(entry.get("first_line"), f"{where}.first_line", 1, optional=True)
        check.text(check.get(entry, "language", where), f"{where}.language")
        check.text(check.get(entry, "text", where), f"{where}.text")
        check.text(entry.get("error"), f"{where}.error", optional=True)


def _check_interval(check, entry, where):
    """A ratio with its optional 95% interval: ratio > 0, low <= ratio <= high."""
    ratio = check.number(check.get(entry, "ratio", where), f"{where}.ratio", 0, RATIO_MAX,
                         above=0)
    low = check.number(entry.get("ci_low"), f"{where}.ci_low", 0, RATIO_MAX, optional=True)
    high = check.number(entry.get("ci_high"), f"{where}.ci_high", 0, RATIO_MAX, optional=True)
    check.require((low is None) == (high is None), where, "must have both ci_low and ci_high, "
                  "or neither")
    if low is not None:
        check.require(low <= ratio <= high, where, "must have ci_low <= ratio <= ci_high")
    check.integer(check.get(entry, "cycles", where), f"{where}.cycles", 1)


def _check_ratios(check, doc, workloads):
    """The optional paired ratios, more-threads gains and sampling records."""
    seen = set()
    for index, entry in enumerate(check.lst(doc.get("ratios"), "ratios", optional=True) or []):
        where = f"ratios[{index}]"
        check.obj(entry, where)
        workload = check.text(check.get(entry, "workload", where), f"{where}.workload")
        check.require(workload in workloads, f"{where}.workload",
                      f"names {workload!r}, which is not defined in workloads")
        for side in ("numerator", "denominator"):
            name = check.text(check.get(entry, side, where), f"{where}.{side}")
            check.require(_implementation(name), f"{where}.{side}",
                          f"is not a known implementation or peer: {_show(name)}")
            check.text(entry.get(f"{side}_dtype", "float64"), f"{where}.{side}_dtype",
                       choices=DTYPES)
        key = (workload, frozenset(_sides(entry)))
        check.require(len(key[1]) == 2 and key not in seen, where,
                      "repeats a pair of its workload, or pairs one with itself")
        seen.add(key)
        _check_interval(check, entry, where)
    more = doc.get(MORE_THREADS) or {}
    gains = check.lst(more.get("gains"), f"{MORE_THREADS}.gains", optional=True) or []
    for index, entry in enumerate(gains):
        where = f"{MORE_THREADS}.gains[{index}]"
        check.obj(entry, where)
        name = check.text(check.get(entry, "implementation", where), f"{where}.implementation")
        check.require(_implementation(name), f"{where}.implementation",
                      f"is not a known implementation or peer: {_show(name)}")
        check.require(check.text(check.get(entry, "workload", where), f"{where}.workload")
                      in workloads, f"{where}.workload", "is not defined in workloads")
        _check_interval(check, entry, where)
    for holder, at in ((doc, "sampling"), (more, f"{MORE_THREADS}.sampling")):
        sampling = check.obj(holder.get("sampling"), at, optional=True) or {}
        for workload, entry in sampling.items():
            where = f"{at}[{workload!r}]"
            check.require(workload in workloads, where, "is not defined in workloads")
            check.obj(entry, where)
            check.integer(check.get(entry, "cycles", where), f"{where}.cycles", 0)
            check.text(check.get(entry, "stopped", where), f"{where}.stopped",
                       choices=SAMPLING_STOPS)
            check.number(check.get(entry, "worst_half_width", where),
                         f"{where}.worst_half_width", 0, finite=False)
            check.number(entry.get("other_cores"), f"{where}.other_cores", 0, 1e4,
                         optional=True)
            check.boolean(entry.get("heavy"), f"{where}.heavy", optional=True)
            for position, value in enumerate(check.lst(entry.get("canary"), f"{where}.canary",
                                                       optional=True) or []):
                check.seconds(value, f"{where}.canary[{position}]")


def validate(doc, path):
    """Check a loaded results document; return it, or raise ResultsError naming the file and
    the field."""
    check = _Checker(path)
    if not isinstance(doc, dict):
        raise ResultsError(path, "not a results file (top level is not an object)")
    if doc.get("schema") != SCHEMA:
        raise ResultsError(path, f"not a backprop-bench results file (schema is "
                                 f"{_show(doc.get('schema'))})")
    version = doc.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:  # true == 1 in Python
        raise ResultsError(path, f"schema_version {_show(version)} is not supported (this "
                                 f"version reads {SCHEMA_VERSION})")
    for key in TOP_LEVEL:
        if key not in doc:
            raise ResultsError(path, f"missing top-level field {key!r}")
    _check_run(check, doc["run"])
    _check_environment(check, doc["environment"])
    workloads = check.obj(doc["workloads"], "workloads")
    for name, workload in workloads.items():
        _check_workload(check, name, workload)
    _check_worked_example(check, doc["worked_example"])
    _check_gradient_checks(check, doc["gradient_checks"])
    _check_sources(check, doc["sources"])
    if doc.get("profiles") is not None:
        validate_profiles(doc["profiles"], path, workloads, check)
    seen = set()
    for index, result in enumerate(check.lst(doc["results"], "results")):
        validate_result(result, path, index, workloads=workloads, check=check)
        key = _key(result, None)
        check.require(key not in seen, f"results[{index}]",
                      f"repeats ({', '.join(key)}), which has an earlier result")
        seen.add(key)
    more = doc.get(MORE_THREADS)
    if more is not None:
        check.obj(more, MORE_THREADS)
        check.integer(check.get(more, "threads", MORE_THREADS), f"{MORE_THREADS}.threads", 2,
                      MAX_THREADS)
        seen = set()
        for index, result in enumerate(check.lst(check.get(more, "results", MORE_THREADS),
                                                 f"{MORE_THREADS}.results")):
            where = f"{MORE_THREADS}.results[{index}]"
            validate_result(result, path, index, where, workloads=workloads, check=check)
            check.integer(check.get(result, "threads", where), f"{where}.threads", 1,
                          MAX_THREADS)
            key = _key(result, MORE_THREADS)
            check.require(key not in seen, where, f"repeats ({key[0]}, {key[1]}, {key[2]} "
                                                  "threads), which has an earlier result")
            seen.add(key)
    _check_ratios(check, doc, workloads)
    return doc


def results_path(path):
    """The results file for path: path itself, or results.json inside a run folder."""
    path = Path(path)
    return path / RESULTS_FILE if path.is_dir() else path


def load(path):
    """Read and validate a results file (or a run folder holding one); ResultsError naming
    the file and the problem if it cannot be used, whatever is in it."""
    path = results_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(path, "no such results file") from None
    except OSError as error:
        raise ResultsError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(path, f"is not UTF-8 text ({error})") from None
    if not text.strip():
        raise ResultsError(path, "is empty")
    try:
        doc = _restore_non_finite(json.loads(text))
    except RecursionError:
        raise ResultsError(path, "is not a results file (JSON nested too deeply)") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise ResultsError(path, f"is not valid JSON, truncated or corrupt ({error})") from None
    return validate(doc, path)


NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _restore_non_finite(value):
    """The strings "nan", "inf", "-inf" (how save writes non-finite floats) as floats."""
    if isinstance(value, str):
        return NON_FINITE.get(value, value)
    if isinstance(value, dict):
        return {key: _restore_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore_non_finite(item) for item in value]
    return value


def _json_safe(value):
    """Non-finite floats as strings, so that the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def save(doc, path):
    """Write doc to path atomically (bench.files: temporary file, sync, rename, folder
    sync): the file on disk is the previous version or this one, never half of one. A
    failure raises bench.files.WriteError naming the file; the previous version stays."""
    path = results_path(path)
    text = json.dumps(_json_safe(doc), indent=1, sort_keys=True, allow_nan=False)
    files.make_folder(path.parent)
    files.atomic_write_text(path, text + "\n")
