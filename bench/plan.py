"""The bridge between the runner and pytest-benchmark: one pytest session per benchmark.

The runner builds a `Case` (what to time, prepared untimed), hands it to `run_case`, which
drives `pytest.main` on bench/bench_train.py with a `Plan` plugin object carrying the case;
the test module reads the plan from the session's stash. pytest runs isolated from the
project's test configuration (`-c` an empty ini file in the output folder, no cache, no
warnings filter) and its output goes to a log file; the raw pytest-benchmark JSON is kept.
"""

from __future__ import annotations

import contextlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PLAN_KEY = pytest.StashKey()


@dataclass
class Case:
    """One benchmark: implementation x workload, with its prepared, untimed inputs.

    prepare() -> (target, setup): target() is the timed call (training epochs_per_round
    epochs, or the bounded batches of a partial run); setup() runs before every round,
    untimed, and gives the target fresh initial parameters."""

    implementation: str
    workload: str
    prepare: object
    rounds: int
    warmup_rounds: int
    epochs_per_round: int
    extra_info: dict = field(default_factory=dict)

    @property
    def id(self):
        return f"{self.implementation}-{self.workload}"


class Plan:
    """pytest plugin object: carries the cases, records failures, and answers
    pytest-benchmark's machine/commit hooks from the run's own environment (cheap)."""

    def __init__(self, cases, machine_info=None, commit_info=None):
        self.cases = list(cases)
        self.machine_info = machine_info or {}
        self.commit_info = commit_info or {}
        self.failures = []

    def pytest_configure(self, config):
        config.stash[PLAN_KEY] = self

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_machine_info(self, config):
        return self.machine_info

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_commit_info(self, config):
        return self.commit_info

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failures.append(f"{report.nodeid} ({report.when}): {report.longreprtext}")

    def pytest_collectreport(self, report):
        if report.failed:
            self.failures.append(f"collecting {report.nodeid}: {report.longreprtext}")


@dataclass
class Outcome:
    """What one pytest session gave: exit code, the benchmark's JSON entry, failures."""

    exit_code: int
    benchmark: dict | None
    failures: list
    log: str


BENCH_MODULE = Path(__file__).with_name("bench_train.py")


def run_case(case, work_dir, machine_info=None, commit_info=None):
    """Run pytest-benchmark on one case; its JSON and log are kept in work_dir."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    ini = work_dir / "pytest.ini"
    if not ini.exists():
        ini.write_text("[pytest]\n# empty: isolates the benchmark session from the project's "
                       "test configuration\n", encoding="utf-8")
    json_path = work_dir / f"{case.id}.json"
    json_path.unlink(missing_ok=True)
    plan = Plan([case], machine_info, commit_info)
    args = [str(BENCH_MODULE), "-c", str(ini), "--rootdir", str(work_dir),
            "-p", "no:cacheprovider", "-o", "filterwarnings=", "-q",
            f"--benchmark-json={json_path}", "--benchmark-sort=name",
            "--benchmark-columns=min,median,iqr,max,rounds"]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        exit_code = int(pytest.main(args, plugins=[plan]))
    log = output.getvalue()
    (work_dir / f"{case.id}.log").write_text(log, encoding="utf-8")
    benchmark = None
    if json_path.exists():
        entries = json.loads(json_path.read_text(encoding="utf-8")).get("benchmarks", [])
        benchmark = entries[0] if entries else None
    return Outcome(exit_code, benchmark, plan.failures, log)
