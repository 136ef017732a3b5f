"""The bridge between the runner and pytest-benchmark.

The runner drives one `pytest.main` session on bench/bench_train.py with a `Plan` plugin
object: the plan carries the (implementation, workload) cases still to do and the runner;
the test module parametrises over the cases. The first test of a workload has the runner
prepare every case of that workload (untimed) and time them together, their rounds
interleaved in cycles (bench/schedule.py) through pytest-benchmark's own round runner; the
runner saves the workload's results at once. Each test then feeds its case's rounds (time
per epoch) into its pytest-benchmark statistics, so that the benchmark JSON holds them. A
test that fails is recorded (by the report hook) as a skipped result whose reason is the
error. pytest runs isolated from the project's test
configuration (`-c` the null device, no plugin autoload, no cache, no warnings filter);
pytest-benchmark's JSON is kept, and pytest's own output only when the session failed, as a
log file beside it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench import files

PLAN_KEY = pytest.StashKey()
BENCH_MODULE = Path(__file__).with_name("bench_train.py")


@dataclass(frozen=True)
class Case:
    """One benchmark: an implementation on a workload in a precision, among the run's main
    timings (threads 0: at the run's thread count), or in its more_threads section with that
    many BLAS threads."""

    implementation: str
    workload: str
    threads: int = 0
    dtype: str = "float64"         # the precision (bench/precision.py)

    @property
    def id(self):
        suffix = f"-{self.threads}threads" if self.threads else ""
        if self.dtype != "float64":
            suffix += f"-{self.dtype}"
        return f"{self.implementation}-{self.workload}{suffix}"


@dataclass
class Prepared:
    """A case made ready, untimed: the result so far and what to time.

    target() is the timed call (training epochs_per_round epochs, or the bounded batches
    of a partial run); setup() runs before every round, untimed, and returns target's
    arguments with fresh initial parameters. target None: nothing to time (skipped)."""

    result: dict
    target: object = None
    setup: object = None
    epochs_per_round: int = 1
    scale: float = 1.0               # round time x scale = time per epoch
    extra_info: dict = field(default_factory=dict)


class Plan:
    """pytest plugin object: the cases, the runner that prepares and records them, and
    pytest-benchmark's machine/commit hooks answered from the run's environment (cheap)."""

    def __init__(self, cases, runner, machine_info=None, commit_info=None):
        self.cases = list(cases)
        self.runner = runner
        self.machine_info = machine_info or {}
        self.commit_info = commit_info or {}
        self.errors = []
        self.interrupted = False
        self.write_error = None      # a result that could not be saved stopped the session

    def pytest_configure(self, config):
        config.stash[PLAN_KEY] = self

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_machine_info(self, config):
        return self.machine_info

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_commit_info(self, config):
        return self.commit_info

    def pytest_sessionstart(self, session):
        self.session = session

    def stop_for(self, error):
        """A result could not be saved (files.WriteError): stop the session after this test.
        The result is not recorded at all (not as skipped): the file keeps its last good
        version and `run --resume` measures the pair again."""
        if self.write_error is None:
            self.write_error = error
        self.session.shouldstop = str(error)

    def pytest_runtest_logreport(self, report):
        if not report.failed or self.write_error is not None:
            return
        case = getattr(report, "bench_case", None)
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr).strip()
        message = message.strip().splitlines()[0] if message.strip() else "unknown error"
        if case is None:
            self.errors.append(f"{report.nodeid} ({report.when}): {message}")
        else:
            try:
                self.runner.record_failure(case, f"failed ({report.when}): {message}")
            except files.WriteError as error:
                self.stop_for(error)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.excinfo is not None and isinstance(call.excinfo.value, files.WriteError):
            self.stop_for(call.excinfo.value)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and isinstance(callspec.params.get("case"), Case):
            report.bench_case = callspec.params["case"]
        return report

    def pytest_keyboard_interrupt(self, excinfo):
        self.interrupted = True

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(f"collecting {report.nodeid}: {report.longreprtext}")


@dataclass
class Outcome:
    """What the pytest session gave: exit code, plan-level errors, log file."""

    exit_code: int
    errors: list
    log_path: Path


def run_plan(plan, work_dir, name):
    """Run the pytest-benchmark session over plan.cases; its JSON kept in work_dir, and its
    log only when the session failed (a test or the session itself)."""
    work_dir = files.make_folder(work_dir)
    json_path = work_dir / f"{name}.json"
    log_path = work_dir / f"{name}.log"
    # -s: the runner's progress lines go straight to the terminal; pytest's own output is
    # redirected to the log. No configuration file (-c the null device: isolated from the
    # project's test configuration, and nothing left in the folder), no entry-point plugin
    # discovery and no unraisable-exception plugin (its gc.collect() calls cost tenths of a
    # second with PyTorch loaded).
    # pytest-benchmark writes its JSON to a temporary name, renamed over json_path when the
    # session ends (files.replacing); the log is written whole the same way
    output = io.StringIO()
    exit_code = None
    with files.replacing(json_path) as json_temporary:
        args = [str(BENCH_MODULE), "-c", os.devnull, "--rootdir", str(work_dir), "-s",
                "--disable-plugin-autoload", "-p", "pytest_benchmark.plugin",
                "-p", "no:cacheprovider", "-p", "no:unraisableexception",
                "-o", "filterwarnings=", "-q", f"--benchmark-json={json_temporary}",
                "--benchmark-sort=name", "--benchmark-columns=min,median,iqr,max,rounds"]
        try:
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                exit_code = int(pytest.main(args, plugins=[plan]))
        except OSError as error:
            # pytest-benchmark could not write its JSON (a full disk)
            raise files.WriteError(json_path, error) from error
        except Exception:
            # pytest-benchmark's session end can fail on a benchmark cut short by Ctrl-C
            if not plan.interrupted:
                raise
            exit_code = int(pytest.ExitCode.INTERRUPTED)
        except KeyboardInterrupt:
            exit_code = int(pytest.ExitCode.INTERRUPTED)
        finally:
            if exit_code != 0 or plan.errors or plan.write_error is not None:
                _keep_log(log_path, output.getvalue(), plan)
    if plan.interrupted and plan.write_error is None:
        exit_code = int(pytest.ExitCode.INTERRUPTED)
    return Outcome(exit_code, plan.errors, log_path)


def _keep_log(path, text, plan):
    """Write the failed session's log; a failure to write it is raised unless the session
    already stopped on one (the first is the one to report)."""
    try:
        files.atomic_write_text(path, text)
    except files.WriteError:
        if plan.write_error is None:
            raise


def read_benchmark_json(path):
    """{case id: pytest-benchmark entry} from a --benchmark-json file (empty if none)."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8")).get("benchmarks", [])
    except (OSError, ValueError):
        return {}
    return {entry["param"]: entry for entry in entries if "param" in entry}

