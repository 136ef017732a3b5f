"""Saved results as the sections read them: one `Run` per results document.

Nothing here measures anything. It looks up saved figures and derives only what a reader
would work out by hand from them: ratios of medians, percentages of the saved dgemm limit,
log-log slopes and crossover widths fitted to saved medians, differences between saved curves.
"""

from __future__ import annotations

import math
from string import ascii_uppercase

from bench.results import find_result

from reports import fmt

# The project's own implementations, then the peers, in the order every table uses.
IMPLEMENTATIONS = ("python", "numpy", "fortran")
PEERS = ("torch", "sklearn", "numpy-loop")
ORDER = IMPLEMENTATIONS + PEERS
REFERENCE = "numpy"        # the implementation agreement is measured against, unless saved
TIMED = ("ok", "partial")


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
    """One results document, with the look-ups the sections need."""

    def __init__(self, doc, index=0, multi=False):
        self.doc = doc
        self.index = index
        self.label = _label(index)
        self.multi = multi
        self.run = doc.get("run") or {}
        self.env = doc.get("environment") or {}
        self.workloads = doc.get("workloads") or {}
        self.results = doc.get("results") or []
        self.options = self.run.get("options") or {}

    # ---- naming
    @property
    def tag(self):
        """'run A' in a multi-run report, '' otherwise (for headings and captions)."""
        return f"run {self.label}" if self.multi else ""

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

    def speedup(self, impl, over, workload):
        """How many times faster impl is than `over` on workload (ratio of medians)."""
        mine, theirs = self.median(impl, workload), self.median(over, workload)
        if not mine or not theirs:
            return None
        return theirs / mine

    def more_threads(self):
        """(threads, results with that many threads) of the run's more_threads section, or
        (None, []) without one."""
        more = self.doc.get("more_threads") or {}
        threads = more.get("threads")
        return threads, [r for r in more.get("results") or [] if r.get("threads") == threads]

    def thread_gain(self, result):
        """A more_threads result's gain: the median of the same pair at the run's own thread
        count (timed just before it; else the main result's) over its median, or None."""
        impl, w = result["implementation"], result["workload"]
        again = find_result(self.doc, impl, w, "more_threads", self.env.get("threads", 1))
        one = (fmt.number(again["time_per_epoch"]["median"])
               if again and again.get("status") in TIMED else self.median(impl, w))
        many = fmt.number((result.get("time_per_epoch") or {}).get("median"))
        if result.get("status") not in TIMED or not one or not many:
            return None
        return one / many

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


def _label(index):
    letters = ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def runs_from(docs):
    """The Run objects of a list of results documents (A, B, ... when more than one)."""
    docs = list(docs)
    return [Run(doc, i, multi=len(docs) > 1) for i, doc in enumerate(docs)]


def all_workloads(runs, sweep=None):
    """Workload names across runs, in order; sweep True/False keeps only members/non-members."""
    merged = {}
    for run in runs:
        for name, wl in run.workloads.items():
            merged.setdefault(name, wl)
    names = order_workloads(merged)
    if sweep is None:
        return names
    return [n for n in names if bool(merged[n].get("sweep")) == sweep]


def all_implementations(runs):
    names = set()
    for run in runs:
        names.update(run.implementations())
    return sorted(names, key=impl_key)


def workload_def(runs, name):
    for run in runs:
        if name in run.workloads:
            return run.workloads[name]
    return {}


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
