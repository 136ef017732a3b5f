"""pytest-benchmark's saved format: a session's rounds as the JSON file that pytest-benchmark
writes with --benchmark-json and reads back in `pytest-benchmark compare`, so that its own
tools (compare, histograms, CSV) work on a run's timings.

This is the one module that uses pytest-benchmark (its statistics class, `Stats`, which
makes the same figures its session would, and its version); pyproject.toml pins the range
it was written against. One entry per timed case, named as the benchmark test of earlier
runs was (`test_train[<case id>]`), grouped by workload; each holds the case's rounds as
time per epoch.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pytest_benchmark import __version__ as PYTEST_BENCHMARK_VERSION
from pytest_benchmark.stats import Stats

from bench import files

# the options pytest-benchmark's session would record for rounds timed this way: one
# iteration per round, time.perf_counter, the garbage collector left enabled, no warm-up
# inside a round (the schedule's warm-up cycles are discarded before the first round)
OPTIONS = {"disable_gc": False, "timer": "perf_counter", "min_rounds": 1, "max_time": None,
           "min_time": None, "precision": None, "confidence": None, "warmup": False}


def statistics(samples):
    """pytest-benchmark's statistics of samples (seconds), as a dict with its fields."""
    stats = Stats()
    for seconds in samples:
        stats.update(seconds)
    return stats


def entry(case_id, group, samples, extra_info):
    """One benchmark of the file: a case's rounds (seconds per epoch, in cycle order)."""
    stats = statistics(samples).as_dict()
    stats.update(data=list(samples), iterations=1)
    return {"group": group, "name": f"test_train[{case_id}]",
            "fullname": f"bench::test_train[{case_id}]", "params": {"case": case_id},
            "param": case_id, "extra_info": dict(extra_info), "options": dict(OPTIONS),
            "stats": stats}


def document(entries, machine_info, commit_info):
    """The whole file: pytest-benchmark's layout, its version, now as the date."""
    return {"machine_info": machine_info, "commit_info": commit_info,
            "benchmarks": sorted(entries, key=lambda e: e["name"]),
            "datetime": datetime.now(UTC).isoformat(),
            "version": PYTEST_BENCHMARK_VERSION}


def write(path, entries, machine_info, commit_info):
    """Write (atomically) the file of a session's entries so far."""
    text = json.dumps(document(entries, machine_info, commit_info), indent=4)
    files.make_folder(path.parent)
    files.atomic_write_text(path, text + "\n")
