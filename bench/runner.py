"""`python -m bench run`, the session: start or resume a run, time every case still to do
workload by workload, save each workload's results (atomically) as soon as they are measured.

Read top-down, `execute` runs:
1. once per run: the environment (and the measured dgemm rate: just before the wide
   workload, or at the start without it), the worked example, the gradient checks and the
   backward-pass excerpts;
2. `time_all`: the cases still to do, in groups (one workload's cases, or its more-threads
   cases); for each group, `time_group`:
   - `prepare_group`: every case made ready, untimed (bench.prepare): for pure Python a
     calibration against its budget first (whole epochs, a partial prefix, or skipped), then
     one untimed training run (learning curve, accuracies, agreement with the reference's
     run), whose duration sizes the timed rounds;
   - `sample_group`: the schedule (bench.schedule.interleave) times the cases together,
     one round each per cycle in a shuffled order (bench.rounds.time_round: fresh initial
     parameters untimed, then the public train call timed), until every paired ratio's 95%
     interval is within +-5% or the workload's budget is spent;
   - `record_group`: the results, the paired ratios and the sampling go into results.json at
     once, and the rounds into pytest-benchmark's record of the session
     (benchmarks/benchmarks-N.json, bench.records); a case that failed becomes a skipped
     result with its error as the reason, and the others of its group stand;
3. the untimed profiles, and the summary.
The report is the command line's to build, from the saved results (bench.cli).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import itertools
import os
import signal
import sys
import time
import zlib
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    adapters,
    checks,
    environment,
    files,
    floor,
    machine,
    measure,
    precision,
    profiles,
    records,
    registry,
    results,
    rounds,
    schedule,
    stats,
    summary,
)
from bench import workloads as wl
from bench.prepare import Case, Preparer

# Test aid: kill the process (SIGKILL) right after this many results were saved.
KILL_AFTER_VARIABLE = "BACKPROP_BENCH_KILL_AFTER"

# The matrix-multiply-bound workload: the dgemm limit that every efficiency percentage uses is
# measured just before its first timing (at the run's start when the run does not have it).
LIMIT_WORKLOAD = "wide"
LIMIT_WHEN = f"just before the first timing of {LIMIT_WORKLOAD}"
LIMIT_AT_START = "at the start of the run"


def group_key(case):
    """Cases timed together, interleaved: one workload's, in the main timings or in the
    more_threads section."""
    return case.workload, bool(case.threads)


class RunError(RuntimeError):
    """A run that cannot start (missing implementation, bad option)."""


def utc_now():
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def methodology(settings):
    """run.methodology: how the timing was done (for the report)."""
    return {"timing": {
        "min_time_per_round": settings.min_round_seconds,
        "target_seconds_per_benchmark": settings.benchmark_seconds,
        "min_rounds": settings.min_rounds,
        "max_rounds": settings.max_rounds,
        "warmup_rounds": settings.warmup_rounds,
        "precision_goal": settings.precision,
        "budget_seconds": settings.python_budget_seconds,
        "max_partial_round_seconds": settings.max_partial_round_seconds,
        "timer": "time.perf_counter around the call, tracing off, as pytest-benchmark's round "
                 "runner does in its pedantic mode (iterations=1); pytest-benchmark's "
                 "statistics of each case's "
                 "rounds as time per epoch",
        "schedule": "the implementations of a workload are timed together in interleaved "
                    "cycles: each cycle times one round of every implementation in an order "
                    "shuffled afresh (seeded by the workload's name), after the warm-up "
                    "cycles, which are discarded; at least the minimum number of cycles, then "
                    "more until every paired ratio's 95% interval is within the precision "
                    "goal, or the workload's budget is spent, or the maximum number of cycles "
                    "was run (the numbers are the settings below)",
        "intervals": "95%, distribution-free: a median's from its order statistics "
                     "(binomial); a ratio of two implementations is the median of the "
                     "per-cycle ratios of their paired rounds, with the order-statistic "
                     "interval of that median, so that a change of load between cycles moves "
                     "both sides of the ratio alike",
        "gc": "enabled during timing (as in normal use); the objects of the libraries "
              "imported before the run are frozen (gc.freeze) so that collections do not "
              "rescan them",
        "inside_timed_region": "one net.train(X, Y, config) call of epochs_per_round epochs, "
                               "the public call as the README shows it and a user makes it: "
                               "no sample orders passed in, so each implementation computes "
                               "its own shuffle inside the call (docs/contract.md), and its "
                               "argument checks and conversions run as they do for a user "
                               "(sklearn: one fit() with max_iter=epochs_per_round); "
                               "per-epoch times are the round times divided by "
                               "epochs_per_round",
        "outside_timed_region": "data loading and conversion to the form a user passes "
                                "(nested lists for pure Python, C-ordered float64 or float32 "
                                "arrays otherwise), creating the network, setting fresh "
                                "initial parameters before every round, the warm-up rounds, "
                                "and the thread limit of a more_threads case",
        "calibration": "epochs_per_round = ceil(min_time_per_round / t), where t is the "
                       "epoch time of the untimed training run",
        "pure_python": "pure Python (and the per-sample NumPy loop, numpy-loop) runs whole "
                       "epochs when its estimated time for the workload (untimed run + "
                       "min_rounds + warm-up, from a calibration) is within budget_seconds; "
                       "otherwise each round is the same public call on a prefix of the "
                       "data, the first timed_batches batches' samples of epoch 1, for one "
                       "epoch (status partial; a round lasts at most "
                       "max_partial_round_seconds), scaled to a whole epoch by n_train / "
                       "samples timed: unlike a user's call it trains on part of the data; if "
                       "even one batch would not fit the budget it is skipped with the "
                       "estimate as reason",
        "interference": "the CPU other processes took while each workload was timed "
                        "(/proc/stat less this process's CPU time), in cores on average; when "
                        "they took more than the cores the benchmark left free (the CPU count "
                        f"less its threads) by {machine.HEAVY_MARGIN_CORES:g}, they took time "
                        "from the benchmark itself, and its results are flagged as measured "
                        "under heavy interference (bench compare leaves them undecided); a "
                        "fixed pure-Python loop (the canary, about 2 ms) is timed once in every "
                        "cycle too, so that a machine that itself ran slower (a host that "
                        "throttles this one shows in no counter here) is seen: bench compare "
                        "leaves a workload whose canary changed undecided; the timings with more "
                        "threads have a canary on as many threads (hashing, which runs without "
                        "the GIL), which sees a second core that the host gives less of",
        "memory": measure.MEMORY_NOTES,
        "settings": settings.as_dict(),
        "profiling": profiles.METHOD_NOTE.format(
            seconds=f"{settings.profile_seconds:g} s"),
    }}


class Runner:
    """One run (new or resumed) writing into out_dir/results.json."""

    def __init__(self, out_dir, options, settings, command, argv, resume_doc=None):
        self.out_dir = Path(out_dir)
        self.results_file = self.out_dir / results.RESULTS_FILE
        self.options = options
        self.settings = settings
        self.command = command
        self.argv = argv
        self.doc = resume_doc
        self.threads = options["threads"]
        self.also_threads = options["also_threads"]
        self.failures = []
        self.saved = 0
        self.kill_after = int(os.environ.get(KILL_AFTER_VARIABLE, "0") or 0)

    # ---- set-up ------------------------------------------------------------------------------

    def load_classes(self):
        """Import what the run needs: the project's own implementations (and the reference)
        must load; a peer or an external implementation that cannot becomes skipped rows."""
        names = self.options["implementations"]
        wanted = [n for n in names if registry.kind(n) == "implementation"]
        if registry.REFERENCE not in wanted:
            wanted.append(registry.REFERENCE)
        try:
            self.classes = registry.load(wanted)
        except registry.ImplementationError as error:
            raise RunError(f"{error}. Build it (scripts/setup.sh), or leave it out with "
                           f"--impl (e.g. --impl {','.join(n for n in wanted if n != error.name)})"
                           ) from error
        self.unavailable = {}
        for name in names:
            if name not in self.classes:
                try:
                    self.classes[name] = registry.load_one(name)
                except registry.ImplementationError as error:
                    self.unavailable[name] = error.reason
        self.limiter = environment.pin_threads(self.threads, torch_loaded="torch" in self.classes)
        self.preparer = Preparer(self.classes, self.unavailable, self.settings, self.threads)
        # Everything imported so far (PyTorch, scikit-learn, pytest) is moved out of the
        # collector's reach: collections during timing then scan only the benchmark's own
        # objects, as they would in a program that imports one library.
        gc.collect()
        gc.freeze()

    def start(self):
        """Create or reopen the results document and save it at once."""
        now = utc_now()
        session = {"started": now, "command": self.command, "argv": self.argv,
                   "machine": machine.state()}
        if self.doc is None:
            run = {"started": now, "finished": None, "wall_seconds": None,
                   "command": self.command, "argv": self.argv, "complete": False,
                   "options": self.options, "methodology": methodology(self.settings),
                   "sessions": [session]}
            self.doc = results.new_results(run, environment.collect(self.threads,
                                                                    self.settings))
        else:
            self.doc["run"]["complete"] = False
            self.doc["run"]["sessions"].append(session)
        for name in self.options["workloads"]:
            self.doc["workloads"].setdefault(name, wl.results_entry(wl.get(name)))
        self.record_externals()
        if self.threaded_cases():
            self.doc.setdefault(results.MORE_THREADS, {"threads": self.also_threads,
                                                       "results": []})
        if "dgemm" not in self.doc["environment"] and LIMIT_WORKLOAD not in self.options[
                "workloads"]:
            self.measure_limit(LIMIT_AT_START)
        self.save()
        self.session_start = time.perf_counter()

    def record_externals(self):
        """Where each implementation from outside this project comes from (its entry point's
        package and version, or the MODULE:CLASS it was named by), as bench list shows it."""
        for name in self.options["implementations"]:
            if registry.kind(name) != "external" or name in self.doc.get("implementations", {}):
                continue
            try:
                item = registry.entry(name)
            except registry.ImplementationError:
                item = registry.Entry(name, name)       # gone: its rows say why
            self.doc.setdefault("implementations", {})[name] = {
                "object": item.value, "distribution": item.distribution,
                "version": item.version}

    def measure_limit(self, when):
        """environment.dgemm: the machine's single-thread dgemm rate, and when it was taken
        (and environment.sgemm beside it when the run times float32)."""
        self.doc["environment"]["dgemm"] = dict(
            environment.measure_dgemm(self.settings.dgemm_n, self.settings.dgemm_rounds),
            measured=when)
        if precision.FLOAT32 in self.options["dtypes"]:
            self.doc["environment"]["sgemm"] = dict(
                environment.measure_sgemm(self.settings.dgemm_n, self.settings.dgemm_rounds),
                measured=when)

    def save(self):
        results.save(self.doc, self.results_file)

    def save_or_restore(self, before):
        """Save; if the save fails (files.WriteError), put the document back as it was
        (before), so that what was not saved is missing, never kept as skipped, and
        `run --resume` measures it again; the run then stops."""
        try:
            self.save()
        except files.WriteError:
            self.doc = before
            raise

    def once_per_run(self):
        """Worked example, gradient checks and source excerpts (if not saved yet)."""
        # (numpy-loop is NumPy's own gradient code called per sample: its trace and gradient
        # check would repeat NumPy's, so its adapter leaves it out of them)
        networks = {n: c for n, c in self.classes.items()
                    if n in self.options["implementations"] and adapters.get(n).traced}
        example = self.doc["worked_example"]
        if example is None or set(networks) - set(example["traces"]):
            self.doc["worked_example"] = example = checks.worked_example(networks)
        for name, error in example.get("errors", {}).items():
            self.failures.append(f"{name}: worked example failed: {error}")
        for name, cls in networks.items():
            if name not in self.doc["gradient_checks"]:
                try:
                    self.doc["gradient_checks"][name] = checks.gradient_check(cls)
                except Exception as error:  # noqa: BLE001 - recorded, reported, run goes on
                    self.doc["gradient_checks"][name] = {
                        "max_rel_error": float("nan"), "passed": False,
                        "tolerance": checks.GRADIENT_CHECK_TOLERANCE,
                        "step": checks.GRADIENT_CHECK_STEP, "cases": 0,
                        "error": f"{type(error).__name__}: {error}"}
        if not self.doc["sources"]:
            self.doc["sources"] = checks.sources(list(networks))
        self.save()

    # ---- the cases ---------------------------------------------------------------------------

    def threaded_cases(self):
        """The more_threads cases: each pair timed again at the run's thread count, then at
        also_threads, back to back (none if also_threads is not above the run's count)."""
        if self.also_threads <= self.threads:
            return []
        return [Case(impl, workload, threads)
                for workload in results.THREADED_WORKLOADS
                if workload in self.options["workloads"]
                for impl in results.THREADED_IMPLEMENTATIONS
                if impl in self.options["implementations"]
                for threads in (self.threads, self.also_threads)]

    def cases_to_do(self):
        """The cases without a saved result: workload by workload, NumPy first; then the
        cases with more threads."""
        names = self.options["implementations"]
        dtypes = self.options["dtypes"]
        todo = []
        for workload in self.options["workloads"]:
            for impl in adapters.order(names):
                todo += [Case(impl, workload, dtype=dtype)
                         for dtype in self.case_dtypes(impl, workload, dtypes)
                         if results.find_result(self.doc, impl, workload, dtype=dtype) is None]
        return todo + [case for case in self.threaded_cases() if self.saved_result(case) is None]

    def case_dtypes(self, impl, workload, dtypes):
        """The precisions impl is timed in on workload (bench.precision); an external
        implementation's float32 where its class declares it (`dtypes`)."""
        declared = (precision.declared_dtypes(self.classes.get(impl))
                    if registry.kind(impl) == "external" else None)
        return precision.case_dtypes(impl, workload, dtypes, declared)

    def saved_result(self, case):
        """The saved result of case, or None."""
        if case.threads:
            return results.find_result(self.doc, case.implementation, case.workload,
                                       results.MORE_THREADS, case.threads)
        return results.find_result(self.doc, case.implementation, case.workload,
                                   dtype=case.dtype)

    def thread_limit(self, case):
        """Context: the case's BLAS threads (nothing to change for the run's own count)."""
        if case.threads in (0, self.threads):
            return contextlib.nullcontext()
        return environment.thread_limit(case.threads)

    # ---- the timing ----------------------------------------------------------------------------

    def time_all(self, progress):
        """Time every case still to do, group by group (bench.runner's docstring); each
        group's results are saved as soon as it is timed."""
        todo = self.cases_to_do()
        if not todo:
            return
        self.progress = progress
        self.total, self.done = len(todo), 0
        self.started = time.perf_counter()
        session = len(self.doc["run"]["sessions"])
        self.records_name = f"benchmarks/benchmarks-{session}.json"
        self.records = []
        for _, group in itertools.groupby(todo, key=group_key):
            self.time_group(list(group))

    def time_group(self, cases):
        """Prepare the cases of one group, time them interleaved, and record them."""
        started = time.perf_counter()
        prepared, failed = self.prepare_group(cases)
        arms = [case for case in cases if case in prepared and prepared[case].target]
        self.before_timing(cases[0].workload, arms)
        sampling, entry = self.sample_group(cases, arms, prepared)
        failed.update(sampling.failed)
        spent = (time.perf_counter() - started) / len(cases)
        lines = self.record_group(cases, arms, prepared, failed, sampling, entry, spent)
        for case, result in lines:
            self.report_progress(case, result)
        section = results.MORE_THREADS if cases[0].threads else None
        self.progress(summary.sampling_line(cases[0].workload, entry, section))
        if self.kill_after and self.saved >= self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def prepare_group(self, cases):
        """({case: Prepared}, {case: the error that stopped its preparation})."""
        prepared, failed = {}, {}
        for case in cases:
            try:
                with self.thread_limit(case):
                    prepared[case] = self.preparer.prepare(case)
            except Exception as error:  # noqa: BLE001 - recorded as the case's failure
                failed[case] = error
        return prepared, failed

    def sample_group(self, cases, arms, prepared):
        """(the schedule's Sampling of the arms' rounds, the group's sampling entry)."""
        workload = cases[0].workload

        def run_round(case):
            with self.thread_limit(case):
                return rounds.time_round(prepared[case])

        rules = self.settings.rules(len(arms))
        threads = self.group_threads(cases)
        with machine.OtherLoad(threads) as load:
            sampling = schedule.interleave(arms, run_round, rules, time.perf_counter,
                                           seed=zlib.crc32(workload.encode()),
                                           probe=self.canary(threads))
        entry = dict(sampling.as_dict(rules), arms=[case.id for case in arms],
                     canary=sampling.probe, **load.figures)
        return sampling, entry

    def group_threads(self, cases):
        """The most threads a group's cases run on (a case without its own: the run's)."""
        return max(case.threads or self.threads for case in cases)

    @staticmethod
    def canary(threads):
        """The probe timed in every cycle of a group on `threads` threads (its cases' most):
        the single-threaded canary, or the parallel one on as many threads (bench.machine)."""
        if threads == 1:
            return machine.canary
        return functools.partial(machine.parallel_canary, threads)

    def record_group(self, cases, arms, prepared, failed, sampling, entry, spent):
        """Put the group's results, ratios and sampling into the document and its rounds into
        the session's records, then save both; -> [(case, result)] in the group's order. A
        save that fails puts the document back as it was (save_or_restore)."""
        workload = cases[0].workload
        section = results.MORE_THREADS if cases[0].threads else None
        before = copy.deepcopy(self.doc)
        holder = self.doc if section is None else self.doc[section]
        holder.setdefault("sampling", {})[workload] = entry
        lines = []
        for case in cases:
            if case in failed:
                result = self.failure_result(case, failed[case])
            else:
                result = prepared[case].result
                samples = sampling.samples.get(case, [])
                if samples:
                    self.complete(case, prepared[case], samples, entry)
                    self.records.append(records.entry(case.id, case.workload, samples,
                                                      prepared[case].extra_info))
                result["seconds_spent"] = spent
            results.put_result(self.doc, result, section)
            lines.append((case, result))
        self.put_ratios(workload, [c for c in arms if c not in failed], sampling, section)
        self.save_or_restore(before)
        self.save_records()
        return lines

    def put_ratios(self, workload, arms, sampling, section):
        """The paired ratio of every two arms (main timings), or the gain of more threads of
        each implementation (the more_threads section)."""
        for a, b in itertools.combinations(arms, 2):
            ratio = sampling.ratio(a, b)
            if section is None:
                results.put_ratio(self.doc, {
                    "workload": workload, "numerator": a.implementation,
                    "denominator": b.implementation, "ratio": ratio.value,
                    "ci_low": ratio.low, "ci_high": ratio.high, "cycles": sampling.cycles,
                    "numerator_dtype": a.dtype, "denominator_dtype": b.dtype})
            elif a.implementation == b.implementation:
                results.put_gain(self.doc, {
                    "implementation": a.implementation, "workload": workload,
                    "threads": [a.threads, b.threads], "ratio": ratio.value,
                    "ci_low": ratio.low, "ci_high": ratio.high, "cycles": sampling.cycles})

    def failure_result(self, case, error):
        """A skipped result whose reason is the error that stopped the case."""
        message = f"failed: {type(error).__name__}: {error}".strip().splitlines()[0]
        self.failures.append(f"{case.id}: {message}")
        result = self.preparer.base(case.implementation, wl.get(case.workload), "skipped",
                                     message, case.dtype)
        result["threads"] = case.threads or self.threads
        result["seconds_spent"] = 0.0
        return result

    def save_records(self):
        """pytest-benchmark's record of this session's rounds so far (bench.records)."""
        env = self.doc["environment"]
        records.write(self.out_dir / self.records_name, self.records,
                      machine_info={"cpu": env.get("cpu_model"), "os": env.get("os"),
                                    "python": env.get("python")},
                      commit_info={"id": env.get("git_commit"), "dirty": env.get("git_dirty")})

    def before_timing(self, workload, arms):
        """The limits measured next to the timings they are compared with, so that both see
        the same load: the dgemm limit before wide, the pure-Python floor before xor."""
        if workload == LIMIT_WORKLOAD and self.doc["environment"].get("dgemm", {}).get(
                "measured") != LIMIT_WHEN:
            self.measure_limit(LIMIT_WHEN)
        if workload == floor.WORKLOAD and any(case.implementation == floor.IMPLEMENTATION
                                              and not case.threads for case in arms):
            self.doc["environment"]["python_floor"] = floor.measure(self.settings.dgemm_rounds)

    def complete(self, case, prepared, samples, sampling):
        """Fill a result's timing from its per-epoch samples (in cycle order): pytest-
        benchmark's statistics, and the median's 95% interval."""
        result = prepared.result
        summary_stats = records.statistics(samples)
        per_epoch = {key: getattr(summary_stats, key)
                     for key in ("median", "iqr", "min", "max", "mean", "stddev")}
        median = stats.median_estimate(samples)
        per_epoch.update(rounds=len(samples), ci_low=median.low, ci_high=median.high,
                         samples=list(samples))
        data = wl.dataset(wl.get(case.workload))
        flops_per_epoch = self.doc["workloads"][case.workload]["flops_per_epoch"]
        result.update({
            "time_per_epoch": per_epoch,
            "samples_per_second": data.n_train / per_epoch["median"],
            "gflops": flops_per_epoch / per_epoch["median"] / 1e9,
            "timing": {"epochs_per_round": prepared.epochs_per_round,
                       "cycles": sampling["cycles"], "warmup_cycles": sampling["warmup_cycles"],
                       "scale_to_epoch": prepared.scale,
                       "round_median_seconds": per_epoch["median"] / prepared.scale,
                       "benchmark_json": self.records_name, "benchmark": case.id},
            "interference": {"other_cores": sampling["other_cores"],
                             "heavy": sampling["heavy"]},
        })

    def report_progress(self, case, result):
        """Count a saved result and print its progress line."""
        self.saved += 1
        self.done += 1
        elapsed = time.perf_counter() - self.started
        left = elapsed / self.done * (self.total - self.done)
        self.progress(summary.progress_line(self.done, self.total, result, elapsed, left,
                                            case.threads))

    # ---- after the timings ------------------------------------------------------------------

    def profile_all(self, progress):
        """Untimed profiles (bench.profiles) of each implementation on the representative
        workloads of the run, after the timings; each saved at once, none redone on resume."""
        doc_profiles = self.doc["profiles"]
        start = time.perf_counter()
        done = 0
        for impl in adapters.order(self.options["implementations"]):
            adapter, cls = adapters.get(impl), self.classes.get(impl)
            if (impl not in self.options["implementations"] or cls is None
                    or adapter.profiler is None):
                continue
            for name in profiles.PROFILED_WORKLOADS:
                if name not in self.options["workloads"] or name in doc_profiles.get(impl, {}):
                    continue
                workload = wl.get(name)
                if adapter.unsupported(workload):
                    continue      # skipped by the benchmark for the same reason
                data = wl.dataset(workload)
                X, Y = adapter.inputs(data)
                entry = profiles.profile_pair(adapter, cls, workload, data, X, Y,
                                              results.find_result(self.doc, impl, name),
                                              self.settings.profile_seconds)
                doc_profiles.setdefault(impl, {})[name] = entry
                self.save()
                done += 1
        if done:
            progress(f"profiles: {done} made in {time.perf_counter() - start:.1f} s "
                     "(untimed, after the timings)")

    def finish(self):
        now = utc_now()
        run = self.doc["run"]
        wall = time.perf_counter() - self.session_start
        run["sessions"][-1].update({"finished": now, "wall_seconds": wall})
        run["finished"] = now
        run["wall_seconds"] = sum(s.get("wall_seconds") or 0.0 for s in run["sessions"])
        run["complete"] = not self.cases_to_do()
        self.save()


def agreement_failures(doc):
    """Results whose agreement is outside tolerance, as 'impl x workload: diff' lines."""
    lines = []
    for result in doc["results"]:
        agreement = result.get("agreement")
        if agreement and not agreement.get("within_tolerance", True):
            lines.append(f"{result['implementation']} x {result['workload']}: parameters "
                         f"{agreement['max_rel_param_diff']:.3g}, history "
                         f"{agreement['max_rel_history_diff']:.3g} (tolerance "
                         f"{agreement['tolerance']:g})")
    return lines


def execute(runner, progress=None):
    """Run everything; return the process exit code (0, or 1 if an agreement is outside
    tolerance, a benchmark failed or a gradient check failed). KeyboardInterrupt propagates
    after the results so far are saved. progress(line) defaults to printing on the standard
    output as it is now."""
    if progress is None:
        stream = sys.stdout

        def progress(line):
            print(line, file=stream, flush=True)

    runner.load_classes()
    runner.start()
    progress(f"results: {runner.results_file}")
    busy = machine.busy_warning(runner.doc["run"]["sessions"][-1]["machine"])
    if busy:
        progress(f"warning: {busy}")
    try:
        runner.once_per_run()
        runner.time_all(progress)
        runner.profile_all(progress)
    except KeyboardInterrupt:
        runner.finish()
        raise
    runner.finish()
    doc = runner.doc
    progress("")
    progress(summary.summary_table(doc))
    code = 0
    checks_failed = [f"{name}: max relative error {check['max_rel_error']:.3g}"
                     for name, check in doc["gradient_checks"].items() if not check["passed"]]
    disagreements = agreement_failures(doc)
    for title, lines in (("benchmarks that failed", runner.failures),
                         ("agreement outside tolerance", disagreements),
                         ("gradient checks that failed", checks_failed)):
        if lines:
            code = 1
            progress(f"\n{title}:")
            for line in lines:
                progress(f"  {line}")
    return code
