"""bench/schedule.py on a fake clock: interleaving, pairing and the stopping rules."""

import pytest

from bench import schedule


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make_round(clock, times, log, load=None):
    """run_round for arms whose round takes times[arm] * (current load) seconds."""
    def run_round(arm):
        factor = load(len(log)) if load else 1.0
        seconds = times[arm] * factor
        clock.now += seconds
        log.append(arm)
        return seconds
    return run_round


RULES = schedule.Rules(min_cycles=6, max_cycles=50, budget_seconds=100.0, precision=0.05,
                       warmup_cycles=1)


def test_each_cycle_runs_every_arm_once_in_a_shuffled_order():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 2.0, "c": 3.0}
    sampling = schedule.interleave(times, make_round(clock, times, log), RULES, clock)
    cycles = [log[i:i + 3] for i in range(0, len(log), 3)]
    assert all(sorted(c) == ["a", "b", "c"] for c in cycles)
    assert len({tuple(c) for c in cycles}) > 1            # not one fixed order
    # constant times: every ratio is exact after the minimum, so it stops for precision
    assert sampling.stopped == "precision" and sampling.cycles == RULES.min_cycles
    assert len(log) == 3 * (RULES.min_cycles + RULES.warmup_cycles)  # warm-up discarded
    assert sampling.samples["b"] == [2.0] * RULES.min_cycles


def test_a_load_shared_within_cycles_leaves_the_paired_ratio_exact():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 4.0}
    # the load changes every cycle (two rounds), as bursts on the other core would
    def load(position):
        return 1.0 + (position // 2) % 3

    sampling = schedule.interleave(times, make_round(clock, times, log, load), RULES, clock)
    ratio = sampling.ratio("b", "a")
    assert ratio.value == pytest.approx(4.0) and ratio.half_width == pytest.approx(0.0)
    assert sampling.stopped == "precision"


def test_noise_runs_until_the_budget():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 1.0}

    def noise(position):
        return 1.0 + 0.5 * ((position * 7919) % 13) / 13

    rules = schedule.Rules(min_cycles=6, max_cycles=1000, budget_seconds=40.0)
    sampling = schedule.interleave(times, make_round(clock, times, log, noise), rules, clock)
    assert sampling.stopped == "budget"
    assert sampling.seconds >= 40.0 and sampling.seconds < 40.0 + 2 * 1.5 + 1e-9
    assert sampling.worst_half_width > 0.05


def test_max_cycles_bounds_the_run_and_min_cycles_always_run():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 1.0}

    def noise(position):
        return 1.0 + ((position * 31) % 7) / 7

    rules = schedule.Rules(min_cycles=6, max_cycles=8, budget_seconds=1e9, warmup_cycles=0)
    sampling = schedule.interleave(times, make_round(clock, times, log, noise), rules, clock)
    assert sampling.stopped == "max_cycles" and sampling.cycles == 8
    rules = schedule.Rules(min_cycles=6, max_cycles=8, budget_seconds=0.0, warmup_cycles=0)
    sampling = schedule.interleave(times, make_round(clock, times, [], noise), rules, clock)
    assert sampling.cycles == 6 and sampling.stopped == "budget"


def test_a_failing_arm_is_dropped_and_the_others_go_on():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 2.0, "bad": 1.0}
    inner = make_round(clock, times, log)

    def run_round(arm):
        if arm == "bad" and log.count("bad") == 3:
            raise RuntimeError("diverged")
        return inner(arm)

    sampling = schedule.interleave(times, run_round, RULES, clock)
    assert set(sampling.samples) == {"a", "b"} and "bad" in sampling.failed
    assert str(sampling.failed["bad"]) == "diverged"
    assert len(sampling.samples["a"]) == len(sampling.samples["b"]) == sampling.cycles


def test_a_single_arm_stops_at_the_minimum():
    clock = FakeClock()
    sampling = schedule.interleave(["a"], make_round(clock, {"a": 1.0}, []), RULES, clock)
    assert sampling.cycles == RULES.min_cycles and sampling.stopped == "precision"


def test_a_probe_is_timed_once_per_cycle_and_takes_no_part_in_stopping():
    clock, log = FakeClock(), []
    times = {"a": 1.0, "b": 2.0}
    inner = make_round(clock, times, log)
    probed = []

    def probe():
        probed.append(len(log))           # where in the cycle it ran
        return 0.5 + 0.1 * len(probed)    # noisy: would never reach the precision goal

    sampling = schedule.interleave(times, inner, RULES, clock, probe=probe)
    assert sampling.stopped == "precision" and sampling.cycles == RULES.min_cycles
    assert len(probed) == RULES.min_cycles + RULES.warmup_cycles   # warm-up cycle too
    assert sampling.probe == [0.5 + 0.1 * k for k in range(2, RULES.min_cycles + 2)]
    assert len({position % 2 for position in probed}) > 1   # not always at the same place
