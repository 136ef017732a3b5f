"""The benchmark module that `python -m bench run` drives through pytest.main (see
bench/plan.py). Not part of the test suite: pytest's testpaths is tests/, and this file's
name matches no test pattern.

One benchmarked call per test, parametrised over the plan's implementation x workload cases.
Everything but training is prepared outside the timed region (by the runner, before
`benchmark.pedantic`): the data (nested lists for pure Python, arrays otherwise), the
network, the per-epoch sample orders, the untimed training run that calibrates the rounds;
`setup` gives every round fresh initial parameters, since training changes them.
"""

import time

import pytest

from bench.plan import PLAN_KEY


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        plan = metafunc.config.stash.get(PLAN_KEY, None)
        if plan is None:
            raise pytest.UsageError("bench/bench_train.py is run by `python -m bench run`, "
                                    "which passes it the benchmark plan")
        metafunc.parametrize("case", plan.cases, ids=[case.id for case in plan.cases])


@pytest.fixture
def plan(request):
    return request.config.stash[PLAN_KEY]


def test_train(benchmark, plan, case):
    """Train epochs_per_round epochs (or the partial run's batches) per timed round."""
    start = time.perf_counter()
    with plan.runner.thread_limit(case):  # the case's BLAS threads, untimed set-up included
        prepared = plan.runner.prepare(case)
        if prepared.target is not None:
            benchmark.group = case.workload
            benchmark.extra_info.update(prepared.extra_info)
            benchmark.pedantic(prepared.target, setup=prepared.setup, rounds=prepared.rounds,
                               warmup_rounds=prepared.warmup_rounds, iterations=1)
            stats = benchmark.stats.stats
        else:
            stats = None
    plan.runner.record(case, prepared, stats, time.perf_counter() - start)
