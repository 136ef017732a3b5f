"""The results model: the one reading of a results document, shared by bench's terminal
summary and compare and by the reports. Standard library only.

A `Run` is built from a document of the current version (it validates what it is given), so
it reads required fields directly and optional ones once, here. It derives only what a reader
would work out by hand from the saved figures, and each thing once: the fastest result of a
workload, ratios and speed-ups (the saved paired ratios with their 95% intervals), more-threads
gains, float32 speed-ups, shares of the saved dgemm limit.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from bench.registry import OWN, PEERS, REFERENCE
from bench.results.document import find_ratio, find_result
from bench.results.estimate import Estimate
from bench.results.schema import FLOAT32, FLOAT64, MORE_THREADS, TIMED_STATUSES
from bench.results.units import when
from bench.results.validate import validate

ORDER = OWN + PEERS     # the order of every table: the project's three, then peers
# how a table marks an implementation that is not one of the project's own, by its kind
MARKS = {"peer": " (peer)", "external": " (external)"}


class Interval(NamedTuple):
    """A median time with its 95% interval; saved False: no interval was saved, and (low,
    high) is the median -/+ half the saved IQR, the spread of the rounds."""
    median: float
    low: float
    high: float
    saved: bool


def impl_key(name):
    """Table order: the project's three, then implementations from outside it (by name), then
    the peers."""
    if name in OWN:
        return (0, OWN.index(name), name)
    if name in PEERS:
        return (2, PEERS.index(name), name)
    return (1, 0, name)


def marked(name, kind):
    """A name as a table shows it: 'torch (peer)', 'example (external)', 'numpy'."""
    return name + MARKS.get(kind, "")


def time_interval(result):
    """The Interval of a timed result's time per epoch."""
    stats = result["time_per_epoch"]
    median = stats["median"]
    if stats["ci_low"] is not None:
        return Interval(median, stats["ci_low"], stats["ci_high"], True)
    half = stats["iqr"] / 2
    return Interval(median, max(median - half, median * 1e-3), median + half, False)


def _workload_key(item):
    name, workload = item
    sweep = workload["sweep"]
    if sweep:
        return (1, sweep["name"], sweep["value"], name)
    return (0, "", workload["flops_per_epoch"], name)


class Run:
    """One results document and the figures derived from it."""

    def __init__(self, doc, source="results"):
        self.doc = validate(doc, source)
        self.run = doc["run"]
        self.options = self.run["options"]
        self.env = doc["environment"]
        self.workloads = doc["workloads"]
        self.all_results = doc["results"]
        # the main results are float64, the precision the implementations are compared in
        self.results = [r for r in self.all_results if r["dtype"] == FLOAT64]
        self.more = doc.get(MORE_THREADS)            # None: no more_threads section
        self.sampling_records = doc["sampling"]      # {workload: record}
        # the agreement reference the results name (numpy unless saved otherwise)
        self._reference = next((r["agreement"]["reference"] for r in self.results
                                if r["status"] in TIMED_STATUSES and r["agreement"]), REFERENCE)

    def describe(self):
        """One line identifying the run: when, where, which commit."""
        parts = [when(self.run["started"])]
        if self.env["cpu_model"]:
            parts.append(self.env["cpu_model"])
        commit = self.env["git_commit"]
        if commit:
            parts.append(f"commit {commit[:7]}" + (" (modified)" if self.env["git_dirty"]
                                                   else ""))
        return ", ".join(parts)

    # ---- what is in the run
    def implementations(self, kind=None):
        """Names with at least one float64 result, in table order (kind: 'implementation' or
        'peer')."""
        return sorted({r["implementation"] for r in self.results
                       if kind is None or r["kind"] == kind}, key=impl_key)

    def own(self):
        return self.implementations("implementation")

    def externals(self):
        """{name: where it came from, in words} of the implementations from outside this
        project: 'backprop-example 0.1.0 (backprop_example:Network)'."""
        saved = self.doc.get("implementations", {})
        return {name: (f"{item['distribution']} {item['version']} ({item['object']})"
                       if item["distribution"] else f"{item['object']} (named on the command "
                                                    "line)")
                for name, item in sorted(saved.items())}

    def peers(self):
        return self.implementations("peer")

    def requested(self):
        """Implementations the run was asked for (its --impl option)."""
        return list(self.options["implementations"])

    def missing(self):
        """Requested implementations without a single result (an interrupted run, a failure)."""
        return [name for name in self.requested() if name not in self.implementations()]

    def not_requested(self):
        """The project's implementations this run was not asked to run."""
        return [name for name in OWN if name not in self.requested()
                and name not in self.implementations()]

    def ordered_workloads(self):
        """The named workloads by size (flops per epoch), then the sweep's by its value."""
        return [name for name, _ in sorted(self.workloads.items(), key=_workload_key)]

    def workloads_as_asked(self):
        """The workloads in the order the run's --workload option named them, then the rest
        by size (the terminal's order; the reports' is ordered_workloads)."""
        asked = [w for w in self.options["workloads"] if w in self.workloads]
        return asked + [w for w in self.ordered_workloads() if w not in asked]

    def main_workloads(self):
        return [name for name in self.ordered_workloads() if not self.sweep_value(name)]

    def sweep_workloads(self):
        return [name for name in self.ordered_workloads() if self.sweep_value(name)]

    def sweep_value(self, workload):
        """The swept value (hidden width) of a sweep member, or None."""
        sweep = self.workloads[workload]["sweep"]
        return sweep["value"] if sweep else None

    def published(self, workload):
        """A published result of the workload's network ({"test_accuracy", "source",
        "setting"}), or None."""
        return self.workloads[workload].get("published")

    def requested_workloads(self):
        return list(self.options["workloads"])

    def workloads_without_results(self):
        have = {r["workload"] for r in self.results}
        return [name for name in self.ordered_workloads() if name not in have]

    def steps_per_epoch(self, workload):
        wl = self.workloads[workload]
        return math.ceil(wl["n_train"] / wl["config"]["batch_size"])

    # ---- results
    def result(self, impl, workload, dtype=FLOAT64, section=None, threads=None):
        """The result of impl on workload in dtype (in section, with threads), or None."""
        return find_result(self.doc, impl, workload, section, threads, dtype)

    def timed(self, impl, workload, dtype=FLOAT64):
        """The result if it has timings (ok or partial), else None."""
        result = self.result(impl, workload, dtype)
        return result if result and result["status"] in TIMED_STATUSES else None

    def median(self, impl, workload, dtype=FLOAT64):
        result = self.timed(impl, workload, dtype)
        return result["time_per_epoch"]["median"] if result else None

    def rows(self, workload):
        """Every float64 result of a workload (timed or skipped), in table order."""
        return sorted((r for r in self.results if r["workload"] == workload),
                      key=lambda r: impl_key(r["implementation"]))

    def timed_rows(self, workload):
        return [r for r in self.rows(workload) if r["status"] in TIMED_STATUSES]

    def fastest(self, workload, kind=None):
        """(impl, median) of the fastest timed float64 result (of kind), or (None, None)."""
        timed = [r for r in self.timed_rows(workload) if kind is None or r["kind"] == kind]
        if not timed:
            return None, None
        best = min(timed, key=lambda r: r["time_per_epoch"]["median"])
        return best["implementation"], best["time_per_epoch"]["median"]

    def agreements(self, workload):
        """[(impl, agreement)] of the timed float64 results of workload that were compared
        with the reference, in table order."""
        return [(r["implementation"], r["agreement"]) for r in self.timed_rows(workload)
                if r["agreement"]]

    def agreement_summary(self):
        """Over every workload: the float64 results beyond the tolerance [(impl, workload,
        difference)], the largest difference within it (difference, impl, workload) or None,
        and the implementations never compared (they train from their own start)."""
        beyond, worst, compared, uncompared = [], None, set(), set()
        for workload in self.ordered_workloads():
            for result in self.timed_rows(workload):
                impl, agreement = result["implementation"], result["agreement"]
                if not agreement:
                    if impl != self.reference():
                        uncompared.add(impl)
                    continue
                compared.add(impl)
                diff = agreement["max_rel_param_diff"]
                if not agreement["within_tolerance"]:
                    beyond.append((impl, workload, diff))
                elif diff >= (worst[0] if worst else 0.0):
                    worst = (diff, impl, workload)
        return beyond, worst, sorted(uncompared - compared, key=impl_key)

    def reference(self):
        """The agreement reference the results name (numpy unless saved otherwise)."""
        return self._reference

    def history(self, impl, workload):
        result = self.timed(impl, workload)
        return list(result["history"]) if result else []

    # ---- intervals and ratios: the one place that reads them
    def interval(self, impl, workload, section=None, threads=None):
        """The Interval of a timed float64 result's time per epoch, or None."""
        result = self.result(impl, workload, section=section, threads=threads)
        if not result or result["status"] not in TIMED_STATUSES:
            return None
        return time_interval(result)

    def has_intervals(self):
        """Whether the run saved confidence intervals with its timings."""
        return any(r["status"] in TIMED_STATUSES and time_interval(r).saved
                   for r in self.results)

    def ratio(self, workload, a, b, a_dtype=FLOAT64, b_dtype=FLOAT64):
        """The Estimate of time(a) / time(b) on workload (each in its dtype), or None: the
        saved ratio (the median of the per-cycle ratios) with its 95% interval, turned round
        when saved the other way."""
        if self.timed(a, workload, a_dtype) is None or self.timed(b, workload, b_dtype) is None:
            return None
        return find_ratio(self.doc, workload, a, b, a_dtype, b_dtype)

    def speedup(self, impl, over, workload):
        """The Estimate of how many times faster impl is than `over`: time(over) / time(impl);
        1 with no interval for impl over itself."""
        if impl == over:
            return Estimate(1.0, 1.0, 1.0) if self.timed(impl, workload) else None
        return self.ratio(workload, over, impl)

    def float32_speedup(self, impl, workload):
        """The Estimate of float64 time / float32 time of impl on workload, or None."""
        return self.ratio(workload, impl, impl, FLOAT64, FLOAT32)

    def sampling(self, workload):
        """The saved sampling record of a workload, or None (none of its cases was timed)."""
        return self.sampling_records.get(workload)

    # ---- more threads
    def more_threads(self):
        """(threads, float64 results with that many threads) of the more_threads section, or
        (None, []) without one."""
        if self.more is None:
            return None, []
        threads = self.more["threads"]
        return threads, [r for r in self.more["results"] if r["threads"] == threads]

    def thread_gain(self, result):
        """The Estimate of a more_threads result's gain, or None: time at the run's own thread
        count over time with more threads, as saved with its interval."""
        if result["status"] not in TIMED_STATUSES:
            return None
        for gain in self.more.get("gains", []):
            if (gain["implementation"], gain["workload"]) == (result["implementation"],
                                                              result["workload"]):
                return Estimate(gain["ratio"], gain["ci_low"], gain["ci_high"])
        return None

    # ---- the machine's limit
    def dgemm(self):
        """The saved single-thread dgemm GFLOP/s of the machine, or None."""
        dgemm = self.env.get("dgemm")
        return dgemm["gflops_median"] if dgemm else None

    def sgemm(self):
        """The saved single-thread sgemm GFLOP/s (runs with float32 cases), or None."""
        sgemm = self.env.get("sgemm")
        return sgemm["gflops_median"] if sgemm else None

    def efficiency(self, impl, workload):
        """Achieved GFLOP/s (float64) as a fraction of the dgemm limit, or None."""
        result, limit = self.timed(impl, workload), self.dgemm()
        if result is None or not limit or result["gflops"] is None:
            return None
        return result["gflops"] / limit

    def efficiency_interval(self, impl, workload):
        """(share, low, high, saved) of the dgemm limit, or None: GFLOP/s is the epoch's
        operations over its time, so the time's interval (or spread) turned round."""
        share, found = self.efficiency(impl, workload), self.interval(impl, workload)
        if share is None or found is None:
            return None
        return share, share * found.median / found.high, share * found.median / found.low, \
            found.saved

    # ---- how the run was made
    def profiles(self):
        """{impl: {workload: entry}} of the saved profiles, in table order ({} if none)."""
        saved = self.doc["profiles"]
        return {impl: saved[impl] for impl in sorted(saved, key=impl_key)}

    def timing(self):
        """How the run timed: run.methodology.timing."""
        return self.run["methodology"]["timing"]
