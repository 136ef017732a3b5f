"""Which timed round runs next: the implementations of one workload interleaved in cycles.

A cycle times one round of every arm (an implementation, or an implementation at a thread
count), in an order shuffled afresh for each cycle, so that a change of load on a shared
machine lands on every arm of the cycle alike and each cycle gives one paired sample of every
ratio (Google Benchmark's random interleaving; asv interleaves its samples in the same
spirit). Cycles are added until every ratio's confidence interval is within +-precision of
it, or the workload's time budget is spent, or max_cycles is reached, but never fewer than
min_cycles. The clock and the random generator are given, so the schedule is tested on a
fake clock (tests/test_schedule.py).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from bench import stats


@dataclass(frozen=True)
class Rules:
    """When to stop adding cycles."""

    min_cycles: int          # never fewer (>= stats.MIN_SAMPLES for a 95% interval)
    max_cycles: int
    budget_seconds: float    # timed and untimed round time of the workload, warm-up included
    precision: float = 0.05  # stop when every ratio's interval is within +-precision
    warmup_cycles: int = 1   # cycles run first and discarded (caches, allocators, BLAS pools)


@dataclass
class Sampling:
    """What the schedule gave: per arm its per-epoch times in cycle order (one per cycle, so
    that samples[a][c] and samples[b][c] are a pair), the arms that failed and why, and why
    it stopped."""

    samples: dict
    failed: dict = field(default_factory=dict)
    probe: list = field(default_factory=list)   # the probe's time in each cycle, if any
    cycles: int = 0
    stopped: str = "max_cycles"
    worst_half_width: float = float("inf")
    seconds: float = 0.0

    def ratio(self, numerator, denominator):
        """The paired ratio numerator / denominator with its interval."""
        return stats.paired_ratio(self.samples[numerator], self.samples[denominator])

    def as_dict(self, rules):
        return {"cycles": self.cycles, "stopped": self.stopped,
                "precision_goal": rules.precision,
                "worst_half_width": self.worst_half_width,
                "warmup_cycles": rules.warmup_cycles, "seconds": self.seconds}


def worst_half_width(samples):
    """The widest relative interval among the paired ratios of every two arms (infinite
    when an interval cannot be had yet; 0 with a single arm: nothing to compare)."""
    worst = 0.0
    for a, b in itertools.combinations(samples, 2):
        worst = max(worst, stats.paired_ratio(samples[a], samples[b]).half_width)
    return worst


PROBE = "probe"   # the probe's place in a cycle's order


def interleave(arms, run_round, rules, clock, seed=0, probe=None):
    """Time the arms in interleaved cycles. run_round(arm) times one round of arm and returns
    its time per epoch in seconds (its untimed set-up included in the clock's time, which is
    what the budget counts); an exception from it drops that arm (recorded in
    Sampling.failed) and the cycle's samples of the others stand. probe(), when given, is
    timed once per cycle too, at a shuffled place among the arms (Sampling.probe), but takes
    no part in the stopping rule: a fixed piece of work that shows how fast the machine
    itself ran (bench.machine.canary)."""
    shuffle = random.Random(seed).shuffle
    arms = list(arms)
    sampling = Sampling({arm: [] for arm in arms})
    start = clock()
    for warmup in range(rules.warmup_cycles + rules.max_cycles):
        order = list(arms) + ([PROBE] if probe else [])
        shuffle(order)
        times = {}
        for arm in order:
            if arm == PROBE:
                times[PROBE] = probe()
                continue
            try:
                times[arm] = run_round(arm)
            except Exception as error:  # noqa: BLE001 - recorded; the other arms go on
                sampling.failed[arm] = error
                arms.remove(arm)
        for arm in list(sampling.samples):
            if arm in sampling.failed:
                del sampling.samples[arm]
        if warmup < rules.warmup_cycles:
            continue
        for arm in arms:
            sampling.samples[arm].append(times[arm])
        if probe:
            sampling.probe.append(times[PROBE])
        sampling.cycles += 1
        sampling.seconds = clock() - start
        if not arms:
            break
        sampling.worst_half_width = worst_half_width(sampling.samples)
        if sampling.cycles < rules.min_cycles:
            continue
        if sampling.worst_half_width <= rules.precision:
            sampling.stopped = "precision"
            break
        if sampling.seconds >= rules.budget_seconds:
            sampling.stopped = "budget"
            break
    return sampling
