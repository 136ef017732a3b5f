"""The statistics of the benchmark: confidence intervals for medians and for paired ratios
within a run, and the two-sample test and interval that `bench compare` calls changes with.
Standard library only; known samples in, known answers out (tests/test_stats.py).

Every interval is distribution-free, so that it holds for timings, which are skewed and
heavy-tailed, without assuming a shape:

- the median of one sample: the order-statistic interval (the number of observations below
  the median is binomial(n, 1/2)); with n >= 6 it covers the median with >= 95% probability;
- a ratio within a run: the rounds are interleaved in cycles, so cycle c gives one paired
  ratio t_a[c] / t_b[c] of two implementations timed moments apart under the same load; the
  ratio is the median of those per-cycle ratios, its interval the order-statistic interval of
  that median (a load change between cycles moves both sides of a ratio alike);
- a change between two runs (independent samples): the Hodges-Lehmann estimate of the shift
  of log time per epoch, with Moses' interval from the Mann-Whitney U distribution, so that
  the interval and the test agree (the interval excludes 1 exactly when the two-sided
  Mann-Whitney p-value is below 1 - confidence); reported as a ratio new / old.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from bench.results import Estimate  # an estimate with its interval, as results files save it

CONFIDENCE = 0.95
# Below this many cycles no order-statistic interval of a median reaches 95% (n = 6 gives
# 1 - 2 / 2**6 = 96.9% with the extremes); the schedule always runs at least this many.
MIN_SAMPLES = 6
# Mann-Whitney: the exact distribution of U up to this many pairs, the normal approximation
# (with tie and continuity corrections) above it.
EXACT_PAIRS = 400


def median(values):
    """The median of a non-empty sequence (the mean of the middle two for even length)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of no values")
    middle = n // 2
    return ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _binomial_cdf(k, n):
    """P(X <= k) for X ~ binomial(n, 1/2)."""
    return sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n


def median_interval(values, confidence=CONFIDENCE):
    """(low, high): the order-statistic confidence interval of the median, or None when
    there are too few values for the confidence asked (fewer than 6 at 95%).

    It is (x_(k), x_(n+1-k)) with the largest k such that P(k <= B < n + 1 - k) >=
    confidence, B ~ binomial(n, 1/2): the classic interval (Conover, Practical
    Nonparametric Statistics, 3.2)."""
    ordered = sorted(values)
    n = len(ordered)
    alpha = 1.0 - confidence
    k = 0
    while k + 1 <= n // 2 and _binomial_cdf(k, n) <= alpha / 2:
        k += 1       # x_(k+1) .. x_(n-k) still covers with the confidence asked
    if k == 0:
        return None
    return ordered[k - 1], ordered[n - k]


def median_estimate(values, confidence=CONFIDENCE):
    """The median of values with its order-statistic interval."""
    interval = median_interval(values, confidence) or (None, None)
    return Estimate(median(values), *interval)


def paired_ratio(numerator, denominator, confidence=CONFIDENCE):
    """The median of the per-cycle ratios numerator[c] / denominator[c], with its interval.
    The two sequences are in cycle order and of equal length."""
    if len(numerator) != len(denominator):
        raise ValueError(f"paired samples of unequal length: {len(numerator)} and "
                         f"{len(denominator)}")
    return median_estimate([a / b for a, b in zip(numerator, denominator)], confidence)


# ---- two independent samples (compare runs) ------------------------------------------------

def _u_distribution(n1, n2):
    """counts[u]: the number of orderings of n1 + n2 untied values with Mann-Whitney U = u
    (U counts the pairs (x from the first sample, y from the second) with x > y)."""
    # f(i, j)[u]: built up over j for each i with the recurrence
    # f(i, j)[u] = f(i - 1, j)[u - j] + f(i, j - 1)[u]
    table = [[[1] for _ in range(n2 + 1)] for _ in range(n1 + 1)]
    for i in range(1, n1 + 1):
        for j in range(1, n2 + 1):
            size = i * j + 1
            counts = [0] * size
            for u, c in enumerate(table[i - 1][j]):     # the largest value is an x: +j
                counts[u + j] += c
            for u, c in enumerate(table[i][j - 1]):     # the largest value is a y
                counts[u] += c
            table[i][j] = counts
    return table[n1][n2]


def _critical_count(n1, n2, alpha):
    """The largest k such that P(U < k) <= alpha / 2 under the null hypothesis (exact for
    small samples, the normal approximation otherwise); 0 when none."""
    if n1 * n2 <= EXACT_PAIRS:
        counts = _u_distribution(n1, n2)
        total = sum(counts)
        k, cumulative = 0, 0
        while k < len(counts) and cumulative + counts[k] <= alpha / 2 * total:
            cumulative += counts[k]
            k += 1
        return k
    z = NormalDist().inv_cdf(1 - alpha / 2)
    mean = n1 * n2 / 2
    sd = math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    return max(0, math.floor(mean - z * sd))


def mann_whitney_p(first, second):
    """The two-sided p-value of the Mann-Whitney U test (exact without ties for small
    samples; the normal approximation with tie and continuity corrections otherwise)."""
    n1, n2 = len(first), len(second)
    pooled = sorted([(v, 0) for v in first] + [(v, 1) for v in second])
    ranks, ties, i = [0.0] * len(pooled), [], 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        ties.append(j - i + 1)
        i = j + 1
    rank_sum = sum(r for r, (_, group) in zip(ranks, pooled) if group == 0)
    u = rank_sum - n1 * (n1 + 1) / 2
    tied = any(t > 1 for t in ties)
    if n1 * n2 <= EXACT_PAIRS and not tied:
        counts = _u_distribution(n1, n2)
        total = sum(counts)
        low = sum(counts[:int(u) + 1]) / total
        high = sum(counts[int(u):]) / total
        return min(1.0, 2 * min(low, high))
    n = n1 + n2
    variance = n1 * n2 / 12 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    if variance <= 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, 2 * (1 - NormalDist().cdf(max(z, 0.0))))


def shift_ratio(old, new, confidence=CONFIDENCE):
    """new / old as a ratio of typical values: exp of the Hodges-Lehmann shift of the logs
    (the median of all pairwise differences log y - log x), with Moses' interval."""
    logs_old = [math.log(v) for v in old]
    logs_new = [math.log(v) for v in new]
    differences = sorted(y - x for x in logs_old for y in logs_new)
    centre = math.exp(median(differences))
    k = _critical_count(len(old), len(new), 1 - confidence)
    if k == 0:
        return Estimate(centre, None, None)
    return Estimate(centre, math.exp(differences[k - 1]),
                    math.exp(differences[len(differences) - k]))


@dataclass(frozen=True)
class Change:
    """The verdict on one timing between two runs."""

    ratio: Estimate           # new / old time per epoch: Hodges-Lehmann, Moses' interval
    bounds: tuple | None      # (new low / old high, new high / old low) of the two medians'
                              # intervals: the change at its least and at its most
    p_value: float            # Mann-Whitney, two-sided
    verdict: str              # "slower", "faster" or "no change"
    why: str


def decide(old, new, min_effect=0.05, confidence=CONFIDENCE):
    """Call a change only when it is both significant (Mann-Whitney p below 1 - confidence)
    and larger than min_effect even at its least: the two runs' median intervals are apart
    by more than the effect, new low / old high above 1 + min_effect (slower) or new high /
    old low below 1 / (1 + min_effect) (faster). Each interval covers its run's median with
    95%, so the change exceeds the effect with at least 90% confidence (Bonferroni).

    Why not criterion.rs's rule (the whole interval of the shift beyond the effect): the
    shift's interval pools every pair of rounds of the two runs as if independent, and so is
    narrow; but two runs differ by more than their rounds do (another process, another memory
    layout, another moment of the machine), and over ten pairs of identical --quick runs here
    that rule called 7 of 440 comparisons a change, this one none (README, bench compare)."""
    ratio = shift_ratio(old, new, confidence)
    p = mann_whitney_p(old, new)
    old_median, new_median = median_estimate(old, confidence), median_estimate(new, confidence)
    if old_median.low is None or new_median.low is None:
        return Change(ratio, None, p, "no change",
                      f"too few rounds for a {confidence:.0%} interval "
                      f"({len(old)} and {len(new)})")
    least = new_median.low / old_median.high
    most = new_median.high / old_median.low
    bounds = (least, most)
    bound = 1.0 + min_effect
    significant = p < 1.0 - confidence
    if significant and least > bound:
        return Change(ratio, bounds, p, "slower",
                      f"p = {p:.2g}, and even at its least ({least:.3g}x) beyond {bound:g}x")
    if significant and most < 1.0 / bound:
        return Change(ratio, bounds, p, "faster",
                      f"p = {p:.2g}, and even at its least ({most:.3g}x) beyond 1/{bound:g}x")
    if significant:
        return Change(ratio, bounds, p, "no change",
                      f"significant (p = {p:.2g}) but not surely beyond the minimum effect of "
                      f"{min_effect:.0%} (between {least:.3g}x and {most:.3g}x)")
    return Change(ratio, bounds, p, "no change", f"not significant (p = {p:.2g})")


def moved(old, new, min_effect=0.05, confidence=CONFIDENCE):
    """The alarm's rule, for a yardstick that should not change (the canary): the Hodges-
    Lehmann ratio new / old when the change is significant (Mann-Whitney) and its estimate
    beyond min_effect either way, else None. Looser than decide on purpose: decide must not
    call noise a change, an alarm must not miss a change; with six cycles a median's
    interval spans all the rounds, and a machine 1.4x slower in five of six cycles passed
    decide's test unseen."""
    if min(len(old), len(new)) < 2:
        return None
    ratio = shift_ratio(old, new, confidence).value
    bound = 1.0 + min_effect
    if mann_whitney_p(old, new) < 1.0 - confidence and not 1.0 / bound <= ratio <= bound:
        return ratio
    return None
