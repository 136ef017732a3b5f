"""The run's session read top-down (bench.runner): the cases of a workload prepared, timed
interleaved by the schedule, and recorded; a case that fails is a skipped result whose reason
is its error, and the others of its workload stand; the rounds go to pytest-benchmark's
saved format (bench.records), which pytest-benchmark's own compare reads."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import cli, prepare, records, results

RUN = ["run", "--quick", "--impl", "numpy,fortran", "--workload", "xor", "--no-peers",
       "--also-threads", "0", "--dtype", "float64"]


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """A quick run whose Fortran case fails while it is prepared."""
    out = tmp_path_factory.mktemp("session") / "run"
    prepare_case = prepare.Preparer.prepare

    def failing(self, case):
        if case.implementation == "fortran":
            raise RuntimeError("it broke\nsecond line")
        return prepare_case(self, case)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(prepare.Preparer, "prepare", failing)
        code = cli.main([*RUN, "--out", str(out)])
    return code, out


def test_a_case_that_fails_is_a_skipped_result_and_the_others_stand(failed_run):
    code, out = failed_run
    assert code == 1                                   # a benchmark failed
    by_impl = {r["implementation"]: r for r in results.load(out)["results"]}
    assert by_impl["numpy"]["status"] == "ok"
    assert by_impl["fortran"]["status"] == "skipped"
    assert by_impl["fortran"]["reason"] == "failed: RuntimeError: it broke"
    assert sorted(p.name for p in out.iterdir()) == ["benchmarks", "report.pdf",
                                                     "results.json"]


def test_the_record_holds_the_timed_cases_rounds(failed_run):
    _, out = failed_run
    doc = results.load(out)
    record = json.loads((out / "benchmarks" / "benchmarks-1.json").read_text())
    assert [b["param"] for b in record["benchmarks"]] == ["numpy-xor"]   # not the failed one
    numpy = next(r for r in doc["results"] if r["implementation"] == "numpy")
    entry = record["benchmarks"][0]
    assert numpy["timing"]["benchmark_json"] == "benchmarks/benchmarks-1.json"
    assert entry["stats"]["data"] == numpy["time_per_epoch"]["samples"]
    assert entry["stats"]["median"] == numpy["time_per_epoch"]["median"]
    assert record["version"] == records.PYTEST_BENCHMARK_VERSION


def test_pytest_benchmarks_own_compare_reads_the_record(failed_run):
    _, out = failed_run
    command = Path(sys.executable).with_name("pytest-benchmark")   # installed with it
    done = subprocess.run([str(command), "compare", "benchmarks/benchmarks-1.json",
                           "--group-by", "group", "--columns", "median"], cwd=out,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "test_train[numpy-xor]" in done.stdout


def test_a_group_with_more_threads_has_its_canary_on_as_many_threads(tmp_path):
    # the single-threaded canary cannot see a second core the host gives less of; the
    # more_threads groups are probed by a fixed piece of work on as many threads
    from bench import machine, runner, settings
    from bench.prepare import Case

    options = {"threads": 1, "also_threads": 2, "implementations": ["numpy"],
               "workloads": ["wide"], "dtypes": ["float64"], "quick": True}
    session = runner.Runner(tmp_path, options, settings.QUICK_SETTINGS, "bench run", [])
    assert session.canary(session.group_threads([Case("numpy", "wide")])) is machine.canary
    probe = session.canary(session.group_threads([Case("numpy", "wide", 1),
                                                  Case("numpy", "wide", 2)]))
    assert probe.func is machine.parallel_canary and probe.args == (2,)
    assert probe() > 0.0


def test_the_parallel_canary_does_the_same_work_on_every_thread(monkeypatch):
    from bench import machine

    hashed = []
    real = machine.hashlib.sha256

    def counting(data):
        hashed.append(len(data))
        return real(data)

    monkeypatch.setattr(machine.hashlib, "sha256", counting)
    machine.parallel_canary(3, rounds=2)
    assert hashed == [1 << 20] * 6
