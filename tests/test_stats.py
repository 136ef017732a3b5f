"""bench/stats.py on known samples: intervals, the paired ratio, the change decision."""

import math

import pytest

from bench import stats


def test_median_of_odd_and_even_samples():
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    with pytest.raises(ValueError, match="no values"):
        stats.median([])


@pytest.mark.parametrize(("n", "k"), [(6, 1), (8, 1), (9, 2), (12, 3), (20, 6), (40, 14)])
def test_median_interval_uses_the_binomial_order_statistics(n, k):
    # the known ranks of the 95% interval of a median (Conover, table A3 / binomial(n, 1/2))
    values = list(range(1, n + 1))
    assert stats.median_interval(values) == (k, n + 1 - k)
    coverage = 1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n
    assert coverage >= 0.95
    # one rank further in would no longer cover with 95%
    assert 1 - 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n < 0.95


def test_no_interval_from_fewer_than_six_values():
    assert stats.median_interval([1, 2, 3, 4, 5]) is None
    estimate = stats.median_estimate([1.0, 2.0, 3.0])
    assert estimate.low is None and math.isinf(estimate.half_width)


def test_paired_ratio_cancels_a_load_shared_by_both_sides():
    # every cycle ran under a different load, but b is always twice as fast as a
    load = [1.0, 3.0, 1.2, 5.0, 1.1, 2.0, 1.0, 4.0]
    a = [2.0 * x for x in load]
    b = list(load)
    ratio = stats.paired_ratio(a, b)
    assert ratio.value == pytest.approx(2.0) and ratio.low == pytest.approx(2.0)
    assert ratio.high == pytest.approx(2.0) and ratio.half_width == pytest.approx(0.0)
    inverse = ratio.inverted()
    assert inverse.value == pytest.approx(0.5) and inverse.high == pytest.approx(0.5)
    with pytest.raises(ValueError, match="unequal length"):
        stats.paired_ratio(a, b[:-1])


def test_half_width_is_relative_and_takes_the_wider_side():
    assert stats.Estimate(2.0, 1.8, 2.3).half_width == pytest.approx(0.15)
    assert stats.Estimate(2.0, 1.5, 2.1).half_width == pytest.approx(0.25)


def test_an_estimate_is_one_thing_from_the_statistics_to_the_saved_ratio():
    """stats computes the Estimate that results files save and the model reads back: one
    class (bench.results), and one inversion, find_ratio's for a ratio saved the other way."""
    from bench import results

    assert stats.Estimate is results.Estimate
    doc = {"ratios": [{"workload": "xor", "numerator": "a", "numerator_dtype": "float64",
                       "denominator": "b", "denominator_dtype": "float64", "ratio": 2.0,
                       "ci_low": 1.6, "ci_high": 2.5, "cycles": 9}]}
    assert results.find_ratio(doc, "xor", "b", "a") == results.Estimate(2.0, 1.6, 2.5).inverted()
    assert results.find_ratio(doc, "xor", "b", "a") == pytest.approx((0.5, 0.4, 0.625))


def test_u_distribution_matches_enumeration():
    import itertools

    n1, n2 = 3, 4
    counts = [0] * (n1 * n2 + 1)
    for xs in itertools.combinations(range(n1 + n2), n1):
        ys = [v for v in range(n1 + n2) if v not in xs]
        counts[sum(1 for x in xs for y in ys if x > y)] += 1
    assert stats._u_distribution(n1, n2) == counts


def test_mann_whitney_known_p_values():
    # completely separated samples of 5 and 5: exact two-sided p = 2 / C(10, 5)
    assert stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]) == pytest.approx(2 / 252)
    # identical samples: no evidence at all
    assert stats.mann_whitney_p([1, 2, 3], [1, 2, 3]) == pytest.approx(1.0)
    # large samples use the normal approximation: a shift of one spread is clearly significant
    first = [float(i) for i in range(30)]
    assert stats.mann_whitney_p(first, [v + 30 for v in first]) < 1e-9


def test_shift_ratio_recovers_a_known_factor():
    old = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01]
    new = [3 * v for v in old]
    change = stats.shift_ratio(old, new)
    assert change.value == pytest.approx(3.0)
    assert change.low > 2.5 and change.high < 3.6


def test_decide_calls_a_large_significant_slowdown():
    old = [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01]
    change = stats.decide(old, [3 * v for v in old])
    assert change.verdict == "slower" and change.p_value < 0.01
    assert stats.decide([3 * v for v in old], old).verdict == "faster"


def test_decide_does_not_call_a_significant_change_below_the_minimum_effect():
    old = [1.0 + 0.001 * i for i in range(20)]
    new = [v * 1.03 for v in old]           # 3% slower, every sample: significant
    change = stats.decide(old, new, min_effect=0.05)
    assert change.p_value < 0.05 and change.verdict == "no change"
    assert "minimum effect" in change.why
    assert stats.decide(old, new, min_effect=0.01).verdict == "slower"


def test_decide_does_not_call_noise():
    old = [1.0, 1.3, 0.8, 1.1, 0.9, 1.2, 1.0, 0.95]
    new = [1.1, 0.85, 1.25, 1.0, 0.9, 1.05, 1.15, 0.92]
    change = stats.decide(old, new)
    assert change.verdict == "no change" and "not significant" in change.why


def test_decide_needs_enough_rounds_for_an_interval():
    assert stats.decide([1.0, 1.0], [5.0, 5.0]).verdict == "no change"


def test_decide_wants_the_change_beyond_the_effect_even_at_its_least():
    # two runs 10% apart with a spread of 9% each: the shift is significant and its pooled
    # interval lies beyond 5%, but the two medians' intervals leave room for less than 5%
    old = [1.00, 1.01, 1.02, 1.03, 1.04, 1.05, 1.06, 1.07, 1.08, 1.09]
    new = [1.10 * v for v in old]
    change = stats.decide(old, new, min_effect=0.05)
    assert change.p_value < 0.05 and change.ratio.low > 1.05   # criterion.rs's rule would call
    least, most = change.bounds
    old_ci, new_ci = stats.median_interval(old), stats.median_interval(new)
    assert least == pytest.approx(new_ci[0] / old_ci[1]) and least < 1.05
    assert most == pytest.approx(new_ci[1] / old_ci[0])
    assert change.verdict == "no change" and "not surely beyond" in change.why
    assert stats.decide(old, new, min_effect=0.0).verdict == "slower"


def test_the_alarm_rule_sees_a_machine_that_decide_would_not_call():
    # the canary (ms) of one workload in two identical --quick runs here: the host ran this
    # machine about 1.4x slower in five of the second run's six cycles
    old = [1.22, 1.13, 1.17, 1.17, 1.17, 1.20]
    new = [1.27, 1.79, 1.70, 1.57, 1.60, 1.81]
    assert stats.decide(old, new).verdict == "no change"      # not surely beyond 5%
    assert stats.moved(old, new) == pytest.approx(1.4, rel=0.05)
    assert stats.moved(new, old) == pytest.approx(1 / 1.4, rel=0.05)
    assert stats.moved(old, [v * 1.03 for v in old]) is None   # significant, within 5%
    assert stats.moved(old, old[::-1]) is None                 # the same rounds
    assert stats.moved([1.0], [2.0]) is None                   # too few to test
