"""What the sections derive from a results model (bench.results.Run, the one reading of a
results file, shared with bench's terminal summary): how a run of a comparison is labelled,
the verdict of a goal on an interval, and what is fitted to saved figures (log-log slopes and
crossover widths of saved medians, differences between saved curves). Nothing here measures
anything.
"""

from __future__ import annotations

import math
from string import ascii_uppercase

from reports import fmt


def label(index):
    """The label of the index-th run of a comparison: A, B, ..., Z, AA, ..."""
    letters = ascii_uppercase
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


def blas_libraries(run):
    """The BLAS libraries threadpoolctl saw, described: 'openblas 0.3.30 (numpy), SkylakeX
    kernel, 1 thread'."""
    out = []
    for lib in run.env["blas"]:
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
