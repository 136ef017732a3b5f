"""The benchmark module that `python -m bench run` drives through pytest.main (one session
per implementation x workload; see bench/plan.py). Not part of the test suite: pytest's
testpaths is tests/, and this file's name matches no test pattern.

One benchmarked call per test, parametrised over the plan's implementation x workload cases.
Everything but training is prepared outside the timed region: the data (lists for pure
Python, arrays otherwise), the network, the per-epoch sample orders; `setup` gives every
round fresh initial parameters, since training changes them.
"""

import pytest

from bench.plan import PLAN_KEY


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        plan = metafunc.config.stash.get(PLAN_KEY, None)
        if plan is None:
            raise pytest.UsageError("bench/bench_train.py is run by `python -m bench run`, "
                                    "which passes it the benchmark plan")
        metafunc.parametrize("case", plan.cases, ids=[case.id for case in plan.cases])


def test_train(benchmark, case):
    """Train case.epochs_per_round epochs (or the partial run's batches) per timed round."""
    target, setup = case.prepare()
    benchmark.group = case.workload
    benchmark.extra_info.update(case.extra_info)
    benchmark.extra_info["implementation"] = case.implementation
    benchmark.extra_info["workload"] = case.workload
    benchmark.extra_info["epochs_per_round"] = case.epochs_per_round
    benchmark.pedantic(target, setup=setup, rounds=case.rounds,
                       warmup_rounds=case.warmup_rounds, iterations=1)
