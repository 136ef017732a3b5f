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
     "git_commit": str|null, "git_dirty": bool|null,
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
     "sweep": null | {"name": "hidden_width", "value": int}}}
    Names: "xor", "iris", "digits", "mnist-shaped", "wide", and the scaling sweep
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
     "steal_share": float|null, "heavy": bool|null}}  # heavy: other_cores >= 0.5
    Each timed result also has "interference": {"other_cores", "heavy"} of its workload.

sources: {impl: {"path": "python_impl/pure.py", "first_line": int,
                 "language": "python"|"fortran", "text": str}}
    The backward pass, between the marker comments `backward pass: begin` and
    `backward pass: end`, read from the source file when the results were saved.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

SCHEMA = "backprop-bench-results"
SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
MORE_THREADS = "more_threads"     # the optional section of results timed with more threads
# What that section times: the implementations whose time goes to BLAS, on the workloads
# large enough to share out.
THREADED_IMPLEMENTATIONS = ("numpy", "fortran")
THREADED_WORKLOADS = ("mnist-shaped", "wide")

STATUSES = ("ok", "partial", "skipped")
KINDS = ("implementation", "peer")
TOP_LEVEL = ("schema", "schema_version", "run", "environment", "workloads", "results",
             "worked_example", "gradient_checks", "sources")
TIMED_FIELDS = ("time_per_epoch", "samples_per_second", "gflops", "final_loss",
                "train_accuracy", "test_accuracy", "agreement", "peak_memory_bytes", "history")
TIME_STATS = ("median", "iqr", "min", "max", "mean", "stddev", "rounds")
AGREEMENT_FIELDS = ("reference", "max_rel_param_diff", "max_rel_history_diff",
                    "within_tolerance", "epochs_compared", "tolerance")
RUN_FIELDS = ("started", "command", "complete", "options")
WORKLOAD_FIELDS = ("layer_sizes", "hidden_activation", "output_activation", "loss", "config",
                   "n_train", "flops_per_epoch")


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


def _require(condition, path, problem):
    if not condition:
        raise ResultsError(path, problem)


def _check_number(value, path, where, allow_none=False):
    if value is None and allow_none:
        return
    _require(isinstance(value, (int, float)) and not isinstance(value, bool),
             path, f"{where} must be a number, got {value!r}")


def _check_numbers(values, path, where):
    _require(isinstance(values, list), path, f"{where} must be a list")
    for position, value in enumerate(values):
        _check_number(value, path, f"{where}[{position}]")


def validate_result(result, path, index, where=None):
    """Check one result entry; raise ResultsError naming the entry and the field."""
    where = where or f"results[{index}]"
    _require(isinstance(result, dict), path, f"{where} must be an object")
    for field in ("implementation", "kind", "workload", "status"):
        _require(isinstance(result.get(field), str), path, f"{where}.{field} missing or not text")
    _require(result["kind"] in KINDS, path, f"{where}.kind must be one of {KINDS}")
    _require(result["status"] in STATUSES, path, f"{where}.status must be one of {STATUSES}")
    _require(result.get("dtype", "float64") in ("float64", "float32"), path,
             f"{where}.dtype must be float64 or float32")
    if result["status"] == "skipped":
        _require(isinstance(result.get("reason"), str) and result["reason"],
                 path, f"{where} is skipped without a reason")
        return
    for field in TIMED_FIELDS:
        _require(field in result, path, f"{where} ({result['implementation']}, "
                 f"{result['workload']}) lacks field {field!r}")
    stats = result["time_per_epoch"]
    _require(isinstance(stats, dict), path, f"{where}.time_per_epoch must be an object")
    for stat in TIME_STATS:
        _check_number(stats.get(stat), path, f"{where}.time_per_epoch.{stat}")
    _require(stats["median"] > 0, path, f"{where}.time_per_epoch.median must be positive")
    for field in ("samples_per_second", "gflops", "final_loss", "peak_memory_bytes"):
        _check_number(result[field], path, f"{where}.{field}", allow_none=True)
    _check_numbers(result["history"], path, f"{where}.history")
    for field in ("train_accuracy", "test_accuracy"):
        _check_number(result[field], path, f"{where}.{field}", allow_none=True)
    agreement = result["agreement"]
    if agreement is not None:
        _require(isinstance(agreement, dict), path, f"{where}.agreement must be an object")
        for field in AGREEMENT_FIELDS:
            _require(field in agreement, path, f"{where}.agreement lacks field {field!r}")
        _check_number(agreement["max_rel_param_diff"], path,
                      f"{where}.agreement.max_rel_param_diff")
        _require(isinstance(agreement["within_tolerance"], bool), path,
                 f"{where}.agreement.within_tolerance must be true or false")
    if result["status"] == "partial":
        _require(isinstance(result.get("timed_batches"), int) and result["timed_batches"] > 0,
                 path, f"{where} is partial without a positive timed_batches")


def validate_profiles(profiles, path):
    """Check the optional profiles field: {impl: {workload: entry}}."""
    _require(isinstance(profiles, dict), path, "profiles must be an object")
    for impl, per_workload in profiles.items():
        _require(isinstance(per_workload, dict), path, f"profiles[{impl!r}] must be an object")
        for workload, entry in per_workload.items():
            where = f"profiles[{impl!r}][{workload!r}]"
            _require(isinstance(entry, dict), path, f"{where} must be an object")
            _require(entry.get("status") in ("ok", "skipped"), path,
                     f"{where}.status must be 'ok' or 'skipped'")
            if entry["status"] == "skipped":
                _require(isinstance(entry.get("reason"), str) and entry["reason"], path,
                         f"{where} is skipped without a reason")
                continue
            top = entry.get("top")
            _require(isinstance(top, list), path, f"{where}.top must be a list")
            for position, item in enumerate(top):
                _require(isinstance(item, dict) and isinstance(item.get("function"), str),
                         path, f"{where}.top[{position}] must name its function")
                _check_number(item.get("share"), path, f"{where}.top[{position}].share")
                _require(0.0 <= item["share"] <= 1.0, path,
                         f"{where}.top[{position}].share must be between 0 and 1")


def validate(doc, path):
    """Check a loaded results document; return it, or raise ResultsError naming the problem."""
    _require(isinstance(doc, dict), path, "not a results file (top level is not an object)")
    _require(doc.get("schema") == SCHEMA, path,
             f"not a backprop-bench results file (schema is {doc.get('schema')!r})")
    version = doc.get("schema_version")
    _require(version == SCHEMA_VERSION, path,
             f"schema_version {version!r} is not supported (this version reads {SCHEMA_VERSION})")
    for key in TOP_LEVEL:
        _require(key in doc, path, f"missing top-level field {key!r}")
    for key in ("run", "environment", "workloads", "gradient_checks", "sources"):
        _require(isinstance(doc[key], dict), path, f"{key} must be an object")
    _require(isinstance(doc["results"], list), path, "results must be a list")
    for field in RUN_FIELDS:
        _require(field in doc["run"], path, f"run lacks field {field!r}")
    _require(isinstance(doc["run"]["options"], dict), path, "run.options must be an object")
    for name, workload in doc["workloads"].items():
        _require(isinstance(workload, dict), path, f"workloads[{name!r}] must be an object")
        for field in WORKLOAD_FIELDS:
            _require(field in workload, path, f"workloads[{name!r}] lacks field {field!r}")
    example = doc["worked_example"]
    _require(example is None or (isinstance(example, dict)
                                 and isinstance(example.get("traces"), dict)),
             path, "worked_example must be null or an object with traces")
    if doc.get("profiles") is not None:
        validate_profiles(doc["profiles"], path)
    for index, result in enumerate(doc["results"]):
        validate_result(result, path, index)
        _require(result["workload"] in doc["workloads"], path,
                 f"results[{index}] names workload {result['workload']!r}, which is not defined")
    more = doc.get(MORE_THREADS)
    if more is not None:
        _require(isinstance(more, dict) and isinstance(more.get("results"), list), path,
                 f"{MORE_THREADS} must be an object with a results list")
        _require(isinstance(more.get("threads"), int) and more["threads"] > 1, path,
                 f"{MORE_THREADS}.threads must be an integer above 1")
        for index, result in enumerate(more["results"]):
            where = f"{MORE_THREADS}.results[{index}]"
            validate_result(result, path, index, where)
            _require(result["workload"] in doc["workloads"], path,
                     f"{where} names workload {result['workload']!r}, which is not defined")
    return doc


def results_path(path):
    """The results file for path: path itself, or results.json inside a run folder."""
    path = Path(path)
    return path / RESULTS_FILE if path.is_dir() else path


def load(path):
    """Read and validate a results file (or a run folder holding one)."""
    path = results_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResultsError(path, "no such results file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ResultsError(path, f"cannot be read ({error})") from None
    if not text.strip():
        raise ResultsError(path, "is empty")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultsError(path, f"is not valid JSON, truncated or corrupt ({error})") from None
    return validate(_restore_non_finite(doc), path)


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
    """Write doc to path atomically (a temporary file renamed over it): never half a file."""
    path = results_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(_json_safe(doc), indent=1, sort_keys=True, allow_nan=False)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
