"""Saved results as the sections read them: one `Run` per results document.

Nothing here measures anything. It looks up saved figures, among them the 95% intervals of
the medians and the paired ratios the run saved (read in one place, Run.interval and
Run.ratio, which turns a ratio saved the other way round), and derives only what a reader
would work out by hand from them: ratios of medians for files without saved ratios,
percentages of the saved dgemm limit, log-log slopes and crossover widths fitted to saved
medians, differences between saved curves, and the verdict of a goal on an interval.
"""

from __future__ import annotations

import math
from string import ascii_uppercase

from bench.results import (IMPLEMENTATIONS, PEERS, REFERENCE, TIMED_STATUSES,
                           find_result)

FLOAT64 = "float64"

from reports import fmt

# The project's own implementations, then the peers, in the order every table uses.
ORDER = IMPLEMENTATIONS + PEERS   # the vocabulary, from bench.results (bench.registry's)
TIMED = TIMED_STATUSES


def impl_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def _workload_key(item):
    name, wl = item
    sweep = wl.get("sweep")
    if sweep:
        return (1, sweep.get("name", ""), fmt.number(sweep.get("value")) or 0, name)
    return (0, "", wl.get("flops_per_epoch") or 0, name)


def order_workloads(workloads):
    """Named workloads by size (flops per epoch), then sweep members by their sweep value."""
    return [name for name, _ in sorted(workloads.items(), key=_workload_key)]


class Run:
    """One results document, with the look-ups the sections need. (index and multi label
    the runs of the comparison report: A, B, ...)"""

    def __init__(self, doc, index=0, multi=False):
        self.doc = doc
        self.index = index
        self.label = _label(index)
        self.multi = multi
        self.run = doc.get("run") or {}
        self.env = doc.get("environment") or {}
        self.workloads = doc.get("workloads") or {}
        # the main results are float64 (the precision the three implementations are
        # compared in); the Precision section reads the float32 ones from the document
        self.results = [r for r in doc.get("results") or []
                        if r.get("dtype", FLOAT64) == FLOAT64]
        self.options = self.run.get("options") or {}

    # ---- naming
    def describe(self):
        """One line identifying the run: when, where, which commit."""
        parts = [fmt.when(self.run.get("started"))]
        cpu = self.env.get("cpu_model")
        if cpu:
            parts.append(cpu)
        commit = self.env.get("git_commit")
        if commit:
            parts.append(f"commit {commit[:7]}" + (" (modified)" if self.env.get("git_dirty")
                                                   else ""))
        return ", ".join(parts)

    # ---- what is in the run
    def implementations(self, kind=None):
        """Names with at least one result, in table order (kind: 'implementation'/'peer')."""
        names = {r["implementation"] for r in self.results
                 if kind is None or r.get("kind") == kind}
        return sorted(names, key=impl_key)

    def own(self):
        return self.implementations("implementation")

    def peers(self):
        return self.implementations("peer")

    def requested(self):
        """Implementations the run was asked for (its --impl option), or the project's three."""
        return list(self.options.get("implementations") or IMPLEMENTATIONS)

    def missing(self):
        """Requested implementations without a single result (an interrupted run, a failure)."""
        return [name for name in self.requested() if name not in self.implementations()]

    def not_requested(self):
        """The project's implementations this run was not asked to run."""
        return [name for name in IMPLEMENTATIONS if name not in self.requested()
                and name not in self.implementations()]

    def main_workloads(self):
        return [name for name in order_workloads(self.workloads)
                if not self.workloads[name].get("sweep")]

    def sweep_workloads(self):
        return [name for name in order_workloads(self.workloads)
                if self.workloads[name].get("sweep")]

    def sweep_value(self, workload):
        """The swept value (hidden width) of a sweep member, or None."""
        sweep = (self.workloads.get(workload) or {}).get("sweep") or {}
        value = fmt.number(sweep.get("value"))
        return int(value) if value is not None and value.is_integer() else value

    def requested_workloads(self):
        return list(self.options.get("workloads") or self.workloads)

    def workloads_without_results(self):
        have = {r["workload"] for r in self.results}
        return [name for name in order_workloads(self.workloads) if name not in have]

    # ---- results
    def result(self, impl, workload):
        return find_result(self.doc, impl, workload)

    def timed(self, impl, workload):
        """The result if it has timings (ok or partial), else None."""
        result = self.result(impl, workload)
        return result if result and result.get("status") in TIMED else None

    def stat(self, impl, workload, name="median"):
        result = self.timed(impl, workload)
        if result is None:
            return None
        return fmt.number((result.get("time_per_epoch") or {}).get(name))

    def median(self, impl, workload):
        return self.stat(impl, workload, "median")

    def rows(self, workload):
        """Every result of a workload (timed or skipped), in table order."""
        found = [r for r in self.results if r["workload"] == workload]
        return sorted(found, key=lambda r: impl_key(r["implementation"]))

    def timed_rows(self, workload):
        return [r for r in self.rows(workload) if r.get("status") in TIMED]

    def fastest(self, workload, kind=None):
        """(impl, median) of the fastest timed result, or (None, None)."""
        best = (None, None)
        for result in self.timed_rows(workload):
            if kind and result.get("kind") != kind:
                continue
            median = self.median(result["implementation"], workload)
            if median and (best[1] is None or median < best[1]):
                best = (result["implementation"], median)
        return best

    # ---- intervals and ratios: the one place that reads them
    def interval(self, impl, workload, section=None, threads=None):
        """(median, low, high, saved) of a timed result's time per epoch, or None.

        saved is True when the run saved the 95% confidence interval of the median (low,
        high); for files without one it is False and (low, high) is the median -/+ half the
        saved IQR: the spread of the rounds, drawn as such ("no interval saved")."""
        result = (find_result(self.doc, impl, workload, section, threads) if section
                  else self.result(impl, workload))
        if not result or result.get("status") not in TIMED:
            return None
        return time_interval(result)

    def has_intervals(self):
        """Whether the run saved confidence intervals with its timings (newer files do)."""
        return any(time_interval(r) and time_interval(r)[3] for r in self.results
                   if r.get("status") in TIMED)

    def ratio(self, workload, a, b):
        """(ratio, low, high) of time(a) / time(b) on workload, or None.

        The paired ratio the run saved (median of per-cycle ratios and its 95% interval),
        turned round when it was saved the other way (b / a); for files without saved ratios,
        the ratio of the saved medians with low = high = None."""
        for entry in self.doc.get("ratios") or []:
            if entry.get("workload") != workload:
                continue
            pair = (entry.get("numerator"), entry.get("denominator"))
            ratio = fmt.number(entry.get("ratio"))
            if not ratio or pair not in ((a, b), (b, a)):
                continue
            low, high = fmt.number(entry.get("ci_low")), fmt.number(entry.get("ci_high"))
            if pair == (b, a):
                ratio, low, high = 1 / ratio, (1 / high if high else None), \
                    (1 / low if low else None)
            return ratio, low, high
        mine, theirs = self.median(a, workload), self.median(b, workload)
        if not mine or not theirs:
            return None
        return mine / theirs, None, None

    def speedup(self, impl, over, workload):
        """How many times faster impl is than `over` on workload: time(over) / time(impl)."""
        found = self.ratio(workload, over, impl)
        return found[0] if found else None

    def sampling(self, workload):
        """The saved sampling record of a workload ({} for files without one)."""
        return (self.doc.get("sampling") or {}).get(workload) or {}

    def more_threads(self):
        """(threads, results with that many threads) of the run's more_threads section, or
        (None, []) without one."""
        more = self.doc.get("more_threads") or {}
        threads = more.get("threads")
        return threads, [r for r in more.get("results") or [] if r.get("threads") == threads]

    def thread_gain(self, result):
        """(gain, low, high) of a more_threads result, or None: time at the run's own thread
        count over time with more threads. The saved gain and its interval when the run saved
        one; else the median of the same pair timed just before it at the run's own count (or
        the main result's) over its median, without interval."""
        impl, w = result["implementation"], result["workload"]
        if result.get("status") not in TIMED:
            return None
        for gain in (self.doc.get("more_threads") or {}).get("gains") or []:
            if (gain.get("implementation"), gain.get("workload")) == (impl, w) and \
                    fmt.number(gain.get("ratio")):
                return (fmt.number(gain["ratio"]), fmt.number(gain.get("ci_low")),
                        fmt.number(gain.get("ci_high")))
        again = find_result(self.doc, impl, w, "more_threads", self.env.get("threads", 1))
        one = (fmt.number(again["time_per_epoch"]["median"])
               if again and again.get("status") in TIMED else self.median(impl, w))
        many = fmt.number((result.get("time_per_epoch") or {}).get("median"))
        if not one or not many:
            return None
        return one / many, None, None

    def dgemm(self):
        """The saved single-thread dgemm GFLOP/s of the machine, or None."""
        return fmt.number((self.env.get("dgemm") or {}).get("gflops_median"))

    def efficiency(self, impl, workload):
        """Achieved GFLOP/s as a fraction of the dgemm limit."""
        result, limit = self.timed(impl, workload), self.dgemm()
        if result is None or not limit:
            return None
        gflops = fmt.number(result.get("gflops"))
        return None if gflops is None else gflops / limit

    def efficiency_interval(self, impl, workload):
        """(share, low, high, saved) of the dgemm limit, or None: GFLOP/s is the epoch's
        operations over its time, so the time's interval (or spread) turned round."""
        share, found = self.efficiency(impl, workload), self.interval(impl, workload)
        if share is None or found is None:
            return None
        median, low, high, saved = found
        return share, share * median / high, share * median / low, saved

    def reference(self):
        """The agreement reference the results name (numpy unless saved otherwise)."""
        for result in self.results:
            agreement = result.get("agreement")
            if agreement and agreement.get("reference"):
                return agreement["reference"]
        return REFERENCE

    def steps_per_epoch(self, workload):
        wl = self.workloads.get(workload) or {}
        batch = (wl.get("config") or {}).get("batch_size") or 1
        n = wl.get("n_train") or 0
        return math.ceil(n / batch) if n else None

    def history(self, impl, workload):
        result = self.timed(impl, workload)
        if not result:
            return []
        return [fmt.number(v) for v in result.get("history") or []]

    def profiles(self):
        """{impl: {workload: entry}} of the saved profiles, in table order ({} if none)."""
        saved = self.doc.get("profiles") or {}
        if not isinstance(saved, dict):
            return {}
        return {impl: saved[impl] for impl in sorted(saved, key=impl_key)
                if isinstance(saved[impl], dict)}

    def timing(self):
        """The saved timing method: run.methodology.timing (or run.timing in older files)."""
        return (self.run.get("methodology") or {}).get("timing") or self.run.get("timing") or {}

    def blas_libraries(self):
        """The BLAS libraries threadpoolctl saw, described: 'openblas 0.3.30 (numpy), SkylakeX
        kernel, 1 thread'."""
        out = []
        for lib in self.env.get("blas") or []:
            if lib.get("user_api", "blas") != "blas":
                continue
            path = lib.get("filepath") or ""
            owner = "system"
            if "site-packages/" in path:
                owner = path.split("site-packages/")[1].split("/")[0]
                owner = owner.replace(".libs", "").replace("_", "-")
            threads = lib.get("num_threads")
            out.append(f"{lib.get('internal_api', '?')} {lib.get('version') or ''} ({owner}), "
                       f"{lib.get('architecture', '?')} kernel, {threads} "
                       f"thread{'s' if threads != 1 else ''}")
        return out


def time_interval(result):
    """(median, low, high, saved) of a timed result: see Run.interval."""
    stats = result.get("time_per_epoch") or {}
    median = fmt.number(stats.get("median"))
    if not median:
        return None
    low, high = fmt.number(stats.get("ci_low")), fmt.number(stats.get("ci_high"))
    if low and high:
        return median, low, high, True
    iqr = fmt.number(stats.get("iqr")) or 0.0
    return median, max(median - iqr / 2, median * 1e-3), median + iqr / 2, False


def verdict(value, low, high, goal, *, at_least=True):
    """'met', 'not met' or 'undecided' for a goal on a measured value and its interval.

    met when the whole 95% interval clears the goal, not met when the whole interval misses
    it, undecided when the interval straddles it. Without an interval (low or high None) the
    value alone decides ('met' / 'not met'); None without a value."""
    if value is None:
        return None
    if low is None or high is None:
        low = high = value
    if at_least:
        return "met" if low >= goal else "not met" if high < goal else "undecided"
    return "met" if high <= goal else "not met" if low > goal else "undecided"


def _label(index):
    letters = ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


# ------------------------------------------------------------------- fitted from medians
def loglog_slope(points):
    """Least-squares slope of log(y) against log(x) over points [(x, y)], None if < 2."""
    pts = [(math.log(x), math.log(y)) for x, y in points if x and y and x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    if sxx == 0:
        return None
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx


def crossovers(a_points, b_points):
    """Where curve a and curve b (time against width) cross.

    Returns [(x_low, x_high, x_estimate, faster_after)] for each pair of neighbouring widths
    between which the faster of the two changes; the estimate interpolates log(time) linearly
    in log(width). faster_after is 'a' or 'b'.
    """
    a, b = dict(a_points), dict(b_points)
    xs = sorted(x for x in a if x in b and a[x] and b[x])
    found = []
    for lo, hi in zip(xs, xs[1:]):
        d_lo = math.log(a[lo]) - math.log(b[lo])
        d_hi = math.log(a[hi]) - math.log(b[hi])
        if d_lo == 0 or d_lo * d_hi >= 0:
            continue
        t = d_lo / (d_lo - d_hi)
        estimate = math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo)))
        found.append((lo, hi, estimate, "a" if d_hi < 0 else "b"))
    return found


def curve_difference(history, reference):
    """Max relative difference between two saved learning curves over their common epochs."""
    pairs = [(h, r) for h, r in zip(history, reference) if h is not None and r is not None]
    if not pairs:
        return None
    worst = 0.0
    for h, r in pairs:
        if not (math.isfinite(h) and math.isfinite(r)):
            return math.inf
        worst = max(worst, abs(h - r) / max(abs(r), 1e-300))
    return worst


def nested_difference(a, b):
    """Max relative difference between two nested lists of numbers of the same shape."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return math.inf
        return max((nested_difference(x, y) for x, y in zip(a, b)), default=0.0)
    x, y = fmt.number(a), fmt.number(b)
    if x is None or y is None:
        return math.inf if (x is None) != (y is None) else 0.0
    if x == y:
        return 0.0
    return abs(x - y) / max(abs(x), abs(y), 1e-300)
