"""Older results files brought to the current version once, as they are loaded (asv's
`update_to_N`): one function per version, so that every reader sees one shape and none
carries a fallback. Each update takes a document of the version before it, as parsed and
not yet validated, and leaves anything it does not recognise for validation to name.
Standard library only.
"""

from __future__ import annotations

import copy
import itertools

from bench.results.schema import FLOAT64, MORE_THREADS, SCHEMA_VERSION, TIMED_STATUSES
from bench.results.validate import version_of

# The format's history, one line per version (docs/results.md prints it).
HISTORY = {
    1: "the first format; fields were added to it without a new version (intervals, "
       "samples, paired ratios, sampling, profiles, precisions, more threads, sessions, the "
       "published result of a workload).",
    2: "every field a reader needs is present, null where not known: what schema 1 left "
       "out in its earlier files is filled in by update_to_2; the schema is stated as data "
       "(bench/results/schema.py) and non-finite numbers are restored only where it allows "
       "them.",
}


def _objects(value):
    """The objects of a list (anything else: none)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _object(holder, key):
    """holder[key] if it is an object, else {} (not written back)."""
    value = holder.get(key) if isinstance(holder, dict) else None
    return value if isinstance(value, dict) else {}


def _timed(result):
    stats = result.get("time_per_epoch")
    return (result.get("status") in TIMED_STATUSES and isinstance(stats, dict)
            and isinstance(stats.get("median"), (int, float)) and stats["median"] > 0)


def _median(result):
    return result["time_per_epoch"]["median"]


def _update_result(result, threads):
    result.setdefault("dtype", FLOAT64)
    result.setdefault("reason", None)
    result.setdefault("timed_batches", None)
    result.setdefault("threads", threads)
    stats = result.get("time_per_epoch")
    if result.get("status") in TIMED_STATUSES and isinstance(stats, dict):
        for key in ("ci_low", "ci_high", "samples"):
            stats.setdefault(key, None)


def _ratios_of_medians(results):
    """Schema 1 files from before paired ratios: each pair of timed results of a workload,
    as the ratio of their medians, not paired (cycles 0), without an interval."""
    ratios = []
    timed = [r for r in results if _timed(r)]
    for a, b in itertools.combinations(timed, 2):
        if a.get("workload") == b.get("workload"):
            ratios.append({"workload": a["workload"], "numerator": a.get("implementation"),
                           "numerator_dtype": a.get("dtype"),
                           "denominator": b.get("implementation"),
                           "denominator_dtype": b.get("dtype"),
                           "ratio": _median(a) / _median(b), "ci_low": None, "ci_high": None,
                           "cycles": 0})
    return ratios


def _gains_of_medians(section, main, own_threads):
    """Schema 1 files from before saved gains: each more-threads result's gain as the median
    at the run's own thread count (in the section, else the main result) over its median."""
    threads = section.get("threads")
    results = _objects(section.get("results"))
    gains = []
    for result in results:
        if result.get("threads") != threads or not _timed(result):
            continue
        key = (result.get("implementation"), result.get("workload"), result.get("dtype"))
        same = [r for r in results if r.get("threads") == own_threads] + main
        one = next((r for r in same if _timed(r) and (
            r.get("implementation"), r.get("workload"), r.get("dtype")) == key), None)
        if one is not None:
            gains.append({"implementation": key[0], "workload": key[1],
                          "threads": [own_threads, threads],
                          "ratio": _median(one) / _median(result), "ci_low": None,
                          "ci_high": None, "cycles": 0})
    return gains


def update_to_2(doc):
    """Schema 1 -> 2: fill in what files written by earlier versions of schema 1 lack, with
    the value every reader used to assume (the precision float64, no interval, no samples,
    no profiles, the run's own thread count, the worked example's sigmoid and mse); move
    run.timing to run.methodology.timing; and save the ratios and thread gains of files
    without paired ones as the ratios of their medians (cycles 0)."""
    run = doc.get("run")
    options = _object(run, "options")
    threads = options.get("threads")
    more = doc.get(MORE_THREADS)
    if isinstance(run, dict):
        if not isinstance(run.get("methodology"), dict):
            run["methodology"] = {}
        run["methodology"].setdefault("timing", run.pop("timing", {}))
        for key, value in (("finished", None), ("wall_seconds", None), ("argv", []),
                           ("sessions", [])):
            run.setdefault(key, value)
        if options:
            options.setdefault("dtypes", [FLOAT64])
            options.setdefault("also_threads", _object(doc, MORE_THREADS).get("threads", 0))
    environment = doc.get("environment")
    if isinstance(environment, dict):
        environment.setdefault("threads", threads)
        for key, value in (("blas", []), ("fortran_build", {}), ("packages", {})):
            environment.setdefault(key, value)
        for key in ("cpu_model", "cpu_count", "os", "python", "numpy", "gfortran", "version",
                    "git_commit", "git_dirty"):
            environment.setdefault(key, None)
    for workload in _object(doc, "workloads").values():
        if isinstance(workload, dict):
            for key, value in (("description", ""), ("n_test", 0), ("n_classes", None),
                               ("sweep", None)):
                workload.setdefault(key, value)
    main = _objects(doc.get("results"))
    for result in main:
        _update_result(result, threads)
    if isinstance(more, dict):
        for result in _objects(more.get("results")):
            _update_result(result, threads)
        if "gains" not in more:
            more["gains"] = _gains_of_medians(more, main, threads)
    for ratio in _objects(doc.get("ratios")):
        for key, value in (("numerator_dtype", FLOAT64), ("denominator_dtype", FLOAT64),
                           ("ci_low", None), ("ci_high", None)):
            ratio.setdefault(key, value)
    for gain in _objects(_object(doc, MORE_THREADS).get("gains")):
        gain.setdefault("ci_low", None)
        gain.setdefault("ci_high", None)
    if "ratios" not in doc:
        doc["ratios"] = _ratios_of_medians(main)
    doc.setdefault("sampling", {})
    doc.setdefault("profiles", {})
    example = doc.get("worked_example")
    if isinstance(example, dict):
        for key, value in (("hidden_activation", "sigmoid"), ("output_activation", "sigmoid"),
                           ("loss", "mse"), ("errors", {})):
            example.setdefault(key, value)
    for entry in _object(doc, "gradient_checks").values():
        if isinstance(entry, dict):
            entry.setdefault("step", None)
            entry.setdefault("cases", None)
    for entry in _object(doc, "sources").values():
        if isinstance(entry, dict):
            entry.setdefault("first_line", None)
    doc["schema_version"] = 2
    return doc


UPDATES = {2: update_to_2}       # the update to each version from the one before


def migrate(doc, path):
    """doc as the current version: a copy brought up version by version, or doc itself when
    it is current; ResultsError naming the file if it is no results file, or newer than this
    program (one line: the file's version and the versions this program reads)."""
    version = version_of(doc, path)
    if version == SCHEMA_VERSION:
        return doc
    doc = copy.deepcopy(doc)
    for target in range(version + 1, SCHEMA_VERSION + 1):
        doc = UPDATES[target](doc)
    return doc
