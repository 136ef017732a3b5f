"""The benchmark module that `python -m bench run` drives through pytest.main (see
bench/plan.py). Not part of the test suite: pytest's testpaths is tests/, and this file's
name matches no test pattern.

One test per implementation x workload, parametrised over the plan's cases. The first test of
a workload has the runner time every case of that workload together, their rounds interleaved
in cycles (bench/schedule.py), each round through pytest-benchmark's own runner (its timer and
gc setting); every test then hands its case's rounds, as time per epoch, to its
pytest-benchmark statistics. Everything but training is prepared outside the timed region
(by the runner): the data (nested lists for pure Python, arrays otherwise), the network, the
per-epoch sample orders, the untimed training run that sizes the rounds; `setup` gives every
round fresh initial parameters, since training changes them.
"""

import functools

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


def time_round(benchmark, prepared):
    """One timed round of a prepared case, in seconds per epoch: setup() (fresh parameters)
    untimed, then the target through pytest-benchmark's round runner, as pedantic() does."""
    args, kwargs = prepared.setup()
    runner = benchmark._make_runner(prepared.target, args, kwargs)
    seconds, _ = runner(None)
    return seconds * prepared.scale


def test_train(benchmark, plan, case):
    """The case's interleaved rounds (timed by the first test of its workload), as
    pytest-benchmark statistics of time per epoch; skipped when nothing was timed."""
    # The fixture is used as pedantic() uses it, through its round runner and statistics,
    # which pytest-benchmark does not see: say so before anything can fail or skip, else it
    # warns, in every test that failed or timed nothing, that the fixture went unused.
    benchmark._mode = "interleaved rounds (bench/schedule.py)"
    samples, extra_info = plan.runner.timing(case, functools.partial(time_round, benchmark))
    benchmark.group = case.workload
    if not samples:   # skipped, with its reason in the results
        pytest.skip((plan.runner.saved_result(case) or {}).get("reason") or "nothing timed")
    benchmark.extra_info.update(extra_info)
    # the statistics pedantic() would make, fed the rounds the schedule timed
    statistics = benchmark._make_stats(1)
    for seconds in samples:
        statistics.update(seconds)
