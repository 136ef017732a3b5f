"""The results schema: the one file format between `bench` (which writes it) and `reports`
(which reads it and nothing else of `bench`). Standard library only.

A results file is JSON, `results.json` in a run's folder:

    {
      "schema": "backprop-bench-results",
      "schema_version": 1,
      "run": {"started", "finished" (null while running), "command", "argv", "options",
              "complete" (bool), "wall_seconds"},
      "environment": {...},        # once per run: CPU, OS, Python, BLAS, gfortran, dgemm limit
      "workloads": {name: {...}},  # each workload's definition as run (spec, config, data)
      "results": [result, ...],    # one per implementation x workload, written as each finishes
      "worked_example": {...},     # the 2-2-2 network traced by every implementation
      "gradient_checks": {impl: {...}},
      "sources": {impl: {...}}     # backward-pass excerpts read from the sources at save time
    }

A result (one implementation on one workload) always has "implementation", "kind"
("implementation" or "peer"), "workload" and "status": "ok" (timed over whole epochs),
"partial" (timed over a bounded number of batches: "timed_batches" says how many, and the
per-epoch figures are scaled from them) or "skipped" ("reason" says why; no figures).
An "ok" or "partial" result also carries "time_per_epoch" (seconds: median, iqr, min, max,
mean, stddev, rounds), "samples_per_second", "gflops", "final_loss", "train_accuracy",
"test_accuracy" (null without labels), "agreement" (null, or reference, max_rel_param_diff,
max_rel_history_diff, within_tolerance, epochs_compared), "peak_memory_bytes" and "history"
(the per-epoch training losses: the learning curve).
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

STATUSES = ("ok", "partial", "skipped")
KINDS = ("implementation", "peer")
TOP_LEVEL = ("schema", "schema_version", "run", "environment", "workloads", "results",
             "worked_example", "gradient_checks", "sources")
TIMED_FIELDS = ("time_per_epoch", "samples_per_second", "gflops", "final_loss",
                "train_accuracy", "test_accuracy", "agreement", "peak_memory_bytes", "history")
TIME_STATS = ("median", "iqr", "min", "max", "mean", "stddev", "rounds")


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


def put_result(doc, result):
    """Add result to doc, replacing an earlier result for the same pair."""
    key = result_key(result)
    doc["results"] = [r for r in doc["results"] if result_key(r) != key] + [result]


def find_result(doc, implementation, workload):
    """The result for (implementation, workload), or None."""
    for result in doc["results"]:
        if result_key(result) == (implementation, workload):
            return result
    return None


def _require(condition, path, problem):
    if not condition:
        raise ResultsError(path, problem)


def _check_number(value, path, where, allow_none=False):
    if value is None and allow_none:
        return
    _require(isinstance(value, (int, float)) and not isinstance(value, bool),
             path, f"{where} must be a number, got {value!r}")


def validate_result(result, path, index):
    """Check one result entry; raise ResultsError naming the entry and the field."""
    where = f"results[{index}]"
    _require(isinstance(result, dict), path, f"{where} must be an object")
    for field in ("implementation", "kind", "workload", "status"):
        _require(isinstance(result.get(field), str), path, f"{where}.{field} missing or not text")
    _require(result["kind"] in KINDS, path, f"{where}.kind must be one of {KINDS}")
    _require(result["status"] in STATUSES, path, f"{where}.status must be one of {STATUSES}")
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
    _require(isinstance(result["history"], list), path, f"{where}.history must be a list")
    if result["status"] == "partial":
        _require(isinstance(result.get("timed_batches"), int) and result["timed_batches"] > 0,
                 path, f"{where} is partial without a positive timed_batches")


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
    for index, result in enumerate(doc["results"]):
        validate_result(result, path, index)
        _require(result["workload"] in doc["workloads"], path,
                 f"results[{index}] names workload {result['workload']!r}, which is not defined")
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
    return validate(doc, path)


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
