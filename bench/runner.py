"""`python -m bench run`: every implementation and peer on every workload, timed by
pytest-benchmark, each result saved (atomically) as soon as it is measured.

Once per run: the environment (and the measured dgemm rate: just before the wide workload,
or at the start without it), the worked example, the
gradient checks and the backward-pass excerpts. Then one pytest session over
bench/bench_train.py, one test per implementation x workload still to do (workload by
workload, NumPy first: it is the reference), each test doing, through `Runner.prepare`
and `Runner.record`:
1. (pure Python only) a calibration: seconds per sample, from training on 1, 4, 16, ...
   samples; with it, the whole pair's estimated time against the pure-Python budget decides
   between "ok" (whole epochs), "partial" (a bounded number of batches of the first epoch,
   per-epoch figures scaled up) and "skipped" (even one batch is over the budget);
2. one untimed training run from the workload's initial parameters with its sample orders:
   the learning curve, final loss, accuracies, peak memory, and the trained parameters,
   compared with the reference implementation's (NumPy) from the same start and orders;
   its duration sizes the timed rounds;
3. the timing: `benchmark.pedantic` with `rounds` rounds of `epochs_per_round` epochs,
   fresh initial parameters before every round (untimed);
4. the result goes into results.json, which is rewritten atomically, and a progress line
   is printed. A test that fails becomes a skipped result with the error as its reason.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from bench import checks, environment, files, floor, measure, peers, profiles, registry
from bench import results
from bench import summary
from bench import workloads as wl
from bench.plan import Case, Plan, Prepared, run_plan
from python_impl.spec import epoch_orders, init_params

# Test aid: kill the process (SIGKILL) right after this many results were saved.
KILL_AFTER_VARIABLE = "BACKPROP_BENCH_KILL_AFTER"

ORDER = ("numpy", "python", "fortran", "torch", "sklearn", "numpy-loop")  # numpy first
# Timed within the pure-Python budget (whole epochs, a bounded prefix of batches, or skipped):
# the implementations slow enough to need it. Their labels for the reasons saved.
BUDGETED = {"python": "pure Python", "numpy-loop": "the per-sample NumPy loop"}
# Implementations that take the sample orders as an integer array and check it at C speed.
ARRAY_ORDERS = ("numpy", "fortran", "numpy-loop")
# The matrix-multiply-bound workload: the dgemm limit that every efficiency percentage uses is
# measured just before its first timing (at the run's start when the run does not have it).
LIMIT_WORKLOAD = "wide"
LIMIT_WHEN = f"just before the first timing of {LIMIT_WORKLOAD}"
LIMIT_AT_START = "at the start of the run"


class RunError(RuntimeError):
    """A run that cannot start (missing implementation, bad option)."""


def utc_now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def methodology(settings):
    """run.methodology: how the timing was done (for the report)."""
    return {"timing": {
        "min_time_per_round": settings.min_round_seconds,
        "target_seconds_per_benchmark": settings.benchmark_seconds,
        "min_rounds": settings.min_rounds,
        "partial_rounds": settings.partial_rounds,
        "max_rounds": settings.max_rounds,
        "warmup_rounds": settings.warmup_rounds,
        "budget_seconds": settings.python_budget_seconds,
        "max_partial_round_seconds": settings.max_partial_round_seconds,
        "timer": "time.perf_counter (pytest-benchmark pedantic mode, iterations=1)",
        "gc": "enabled during timing (as in normal use); the objects of the libraries "
              "imported before the run are frozen (gc.freeze) so that collections do not "
              "rescan them",
        "inside_timed_region": "one net.train(X, Y, config, orders) call of epochs_per_round "
                               "epochs (sklearn: one fit() with max_iter=epochs_per_round); "
                               "per-epoch times are the round times divided by "
                               "epochs_per_round",
        "outside_timed_region": "data loading, conversion (nested lists for pure Python, "
                                "float64 arrays otherwise), the sample orders (int64 arrays "
                                "for numpy, fortran and numpy-loop, lists otherwise), creating the "
                                "network, and setting fresh initial parameters before every "
                                "round",
        "calibration": "epochs_per_round = ceil(min_time_per_round / t), rounds = "
                       "target_seconds_per_benchmark / round time within [min_rounds, "
                       "max_rounds], where t is the epoch time of the untimed training run",
        "pure_python": "pure Python (and the per-sample NumPy loop, numpy-loop) runs whole epochs when its estimated time for the "
                       "workload (untimed run + min_rounds + warm-up, from a calibration) "
                       "is within budget_seconds; otherwise it times the first "
                       "timed_batches batches of epoch 1 in partial_rounds rounds (status "
                       "partial; a round lasts at most max_partial_round_seconds) and "
                       "scales to a whole epoch by n_train / samples timed; if even one "
                       "batch would not fit the budget it is skipped with the estimate as "
                       "reason",
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
        # runs saved before the option existed did not time anything with more threads
        self.also_threads = options.get("also_threads", 0)
        self.references = {}
        self.failures = []
        self.saved = 0
        self.kill_after = int(os.environ.get(KILL_AFTER_VARIABLE, "0") or 0)

    # ---- set-up ------------------------------------------------------------------------------

    def load_classes(self):
        """Import what the run needs; peers that are missing become skipped rows."""
        names = self.options["implementations"]
        wanted = [n for n in names if n in registry.IMPLEMENTATIONS]
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
            if name in registry.PEERS:
                try:
                    self.classes.update(registry.load([name]))
                except registry.ImplementationError as error:
                    self.unavailable[name] = error.reason
        self.limiter = environment.pin_threads(self.threads, torch_loaded="torch" in self.classes)
        # Everything imported so far (PyTorch, scikit-learn, pytest) is moved out of the
        # collector's reach: collections during timing then scan only the benchmark's own
        # objects, as they would in a program that imports one library.
        gc.collect()
        gc.freeze()

    def start(self):
        """Create or reopen the results document and save it at once."""
        now = utc_now()
        session = {"started": now, "command": self.command, "argv": self.argv}
        if self.doc is None:
            run = {"started": now, "finished": None, "wall_seconds": None,
                   "command": self.command, "argv": self.argv, "complete": False,
                   "options": self.options, "methodology": methodology(self.settings),
                   "sessions": [session]}
            self.doc = results.new_results(run, environment.collect(self.threads,
                                                                    self.settings))
        else:
            self.doc["run"]["complete"] = False
            self.doc["run"].setdefault("sessions", []).append(session)
        for name in self.options["workloads"]:
            self.doc["workloads"].setdefault(name, wl.describe(wl.get(name)))
        if self.threaded_cases():
            self.doc.setdefault(results.MORE_THREADS, {"threads": self.also_threads,
                                                       "results": []})
        if "dgemm" not in self.doc["environment"] and LIMIT_WORKLOAD not in self.options[
                "workloads"]:
            self.measure_limit(LIMIT_AT_START)
        self.save()
        self.session_start = time.perf_counter()

    def measure_limit(self, when):
        """environment.dgemm: the machine's single-thread dgemm rate, and when it was taken."""
        self.doc["environment"]["dgemm"] = dict(
            environment.measure_dgemm(self.settings.dgemm_n, self.settings.dgemm_rounds),
            measured=when)

    def save(self):
        results.save(self.doc, self.results_file)

    def once_per_run(self):
        """Worked example, gradient checks and source excerpts (if not saved yet)."""
        # numpy-loop is NumPy's own gradient code called per sample: its trace and gradient
        # check would repeat NumPy's, so it is left out of them
        networks = {n: c for n, c in self.classes.items()
                    if n in self.options["implementations"] and c is not None
                    and n != "numpy-loop"}
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

    # ---- the pairs ---------------------------------------------------------------------------

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

    def pairs(self):
        """The cases still to do: workload by workload, NumPy first; then the cases with
        more threads."""
        names = self.options["implementations"]
        todo = []
        for workload in self.options["workloads"]:
            for impl in ORDER:
                if impl in names and results.find_result(self.doc, impl, workload) is None:
                    todo.append(Case(impl, workload))
        todo += [case for case in self.threaded_cases()
                 if results.find_result(self.doc, case.implementation, case.workload,
                                        results.MORE_THREADS, case.threads) is None]
        return todo

    def thread_limit(self, case):
        """Context: the case's BLAS threads (nothing to change for the run's own count)."""
        if case.threads in (0, self.threads):
            return contextlib.nullcontext()
        return environment.thread_limit(case.threads)

    def run_all(self, progress):
        """One pytest-benchmark session over every case still to do; each result is saved
        as its test finishes."""
        todo = self.pairs()
        if not todo:
            return
        self.progress = progress
        self.total, self.done = len(todo), 0
        self.started = time.perf_counter()
        env = self.doc["environment"]
        plan = Plan(todo, self,
                    machine_info={"cpu": env.get("cpu_model"), "os": env.get("os"),
                                  "python": env.get("python")},
                    commit_info={"id": env.get("git_commit"), "dirty": env.get("git_dirty")})
        name = f"benchmarks-{len(self.doc['run']['sessions'])}"
        self.benchmark_json = f"benchmarks/{name}.json"
        outcome = run_plan(plan, self.out_dir / "benchmarks", name)
        if plan.write_error is not None:  # a result could not be saved: the run stops
            raise plan.write_error
        if outcome.exit_code == 2:  # pytest: interrupted (Ctrl-C)
            raise KeyboardInterrupt
        for error in outcome.errors:
            self.failures.append(error)
        missing = [case for case in todo
                   if results.find_result(self.doc, case.implementation, case.workload) is None]
        if outcome.exit_code not in (0, 1) or missing:
            raise RunError(f"the benchmark session ended with exit code {outcome.exit_code} "
                           f"and {len(missing)} of {len(todo)} benchmarks unrecorded; see "
                           f"{outcome.log_path}")

    def profile_all(self, progress):
        """Untimed profiles (bench.profiles) of each implementation on the representative
        workloads of the run, after the timings; each saved at once, none redone on resume."""
        doc_profiles = self.doc.setdefault("profiles", {})
        start = time.perf_counter()
        done = 0
        for impl in profiles.PROFILED:
            cls = self.classes.get(impl)
            if impl not in self.options["implementations"] or cls is None:
                continue
            for name in profiles.PROFILED_WORKLOADS:
                if name not in self.options["workloads"] or name in doc_profiles.get(impl, {}):
                    continue
                workload = wl.get(name)
                if impl == "numpy-loop" and workload.config.batch_size == 1:
                    continue      # skipped by the benchmark for the same reason
                data = wl.dataset(workload)
                X, Y = self.inputs(impl, data)
                entry = profiles.profile_pair(impl, cls, workload, data, X, Y,
                                              results.find_result(self.doc, impl, name),
                                              self.settings.profile_seconds)
                doc_profiles.setdefault(impl, {})[name] = entry
                self.save()
                done += 1
        if done:
            progress(f"profiles: {done} made in {time.perf_counter() - start:.1f} s "
                     "(untimed, after the timings)")

    def store(self, case, result, seconds):
        """Save one finished result, print its progress line (and honour the test aid)."""
        result["seconds_spent"] = seconds
        section = results.MORE_THREADS if case.threads else None
        before = list(results.section_results(self.doc, section))
        results.put_result(self.doc, result, section)
        try:
            self.save()
        except files.WriteError:
            # not saved, so not kept (never as "skipped"): the file holds its last good
            # version and `run --resume` measures the pair again; the plan stops the session
            (self.doc if section is None else self.doc[section])["results"] = before
            raise
        self.saved += 1
        self.done += 1
        elapsed = time.perf_counter() - self.started
        left = elapsed / self.done * (self.total - self.done)
        self.progress(summary.progress_line(self.done, self.total, result, elapsed, left,
                                            case.threads))
        if self.kill_after and self.saved >= self.kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def record(self, case, prepared, stats, seconds):
        """Called by the benchmark test: complete the result with the timing and save it."""
        result = prepared.result
        if stats is not None:
            scale = prepared.scale
            per_epoch = {key: getattr(stats, key) * scale
                         for key in ("median", "iqr", "min", "max", "mean", "stddev")}
            per_epoch["rounds"] = int(stats.rounds)
            median = per_epoch["median"]
            data = wl.dataset(wl.get(case.workload))
            flops_per_epoch = self.doc["workloads"][case.workload]["flops_per_epoch"]
            result.update({
                "time_per_epoch": per_epoch,
                "samples_per_second": data.n_train / median,
                "gflops": flops_per_epoch / median / 1e9,
                "timing": {"epochs_per_round": prepared.epochs_per_round,
                           "rounds": prepared.rounds, "warmup_rounds": prepared.warmup_rounds,
                           "scale_to_epoch": scale, "round_median_seconds": stats.median,
                           "benchmark_json": self.benchmark_json, "benchmark": case.id},
            })
        self.store(case, result, seconds)

    def record_failure(self, case, message):
        """Called when a benchmark test fails: a skipped result with the error as reason."""
        self.failures.append(f"{case.id}: {message}")
        result = self.base(case.implementation, wl.get(case.workload), "skipped", message)
        result["threads"] = case.threads or self.threads
        self.store(case, result, 0.0)

    def finish(self):
        now = utc_now()
        run = self.doc["run"]
        wall = time.perf_counter() - self.session_start
        run["sessions"][-1].update({"finished": now, "wall_seconds": wall})
        run["finished"] = now
        run["wall_seconds"] = sum(s.get("wall_seconds") or 0.0 for s in run["sessions"])
        run["complete"] = not self.pairs()
        self.save()

    def base(self, impl, workload, status, reason=None):
        return {"implementation": impl, "kind": registry.kind(impl), "workload": workload.name,
                "status": status, "reason": reason, "timed_batches": None,
                "threads": self.threads}

    def prepare(self, case):
        """Called by the benchmark test, untimed: a Prepared case (errors propagate and are
        recorded as the pair's failure)."""
        impl, workload = case.implementation, wl.get(case.workload)
        if impl in self.unavailable:
            return Prepared(self.base(impl, workload, "skipped", self.unavailable[impl]))
        if impl == "sklearn":
            return self.prepare_sklearn(workload)
        if case.threads:
            prepared = self.prepare_network(impl, workload, more_threads=True)
            prepared.result["threads"] = case.threads
            return prepared
        return self.prepare_network(impl, workload)

    def inputs(self, impl, data):
        """(X_train, Y_train) as this implementation takes them (lists for pure Python)."""
        if impl == "python":
            return data.as_lists()
        return data.X_train, data.Y_train

    def orders_as(self, impl, orders):
        """orders as this implementation takes them fastest: an int64 array (epochs x n) for
        those that check arrays at C speed, lists otherwise; converted, like X and Y, outside
        the timed region."""
        if impl in ARRAY_ORDERS:
            return np.asarray(orders, dtype=np.int64)
        return orders

    def reference(self, workload, prefix=None):
        """NumPy's untimed run on the workload (or on the first prefix samples of epoch 1)."""
        key = (workload.name, prefix)
        if key not in self.references:
            data = wl.dataset(workload)
            init = init_params(workload.spec, workload.seed)
            X, Y, config, orders = self.training_set(workload, data, "numpy", prefix)
            with environment.thread_limit(self.threads):  # even when asked for by a case
                self.references[key] = measure.train_run(   # with more threads
                    self.classes[registry.REFERENCE], workload.spec, init, X, Y, config,
                    orders)
        return self.references[key]

    def training_set(self, workload, data, impl, prefix=None):
        """(X, Y, config, orders) of the untimed run: all epochs, or the first prefix
        samples of epoch 1's order as a one-epoch run."""
        X, Y = self.inputs(impl, data)
        config = workload.config
        orders = epoch_orders(data.n_train, config)
        if prefix is None:
            return X, Y, config, self.orders_as(impl, orders)
        index = orders[0][:prefix]
        if impl == "python":
            X, Y = [X[i] for i in index], [Y[i] for i in index]
        else:
            X, Y = X[index], Y[index]
        return (X, Y, dataclasses.replace(config, epochs=1),
                self.orders_as(impl, [list(range(prefix))]))

    def python_plan(self, cls, workload, data, impl="python"):
        """(status, prefix samples or None, reason) for pure Python (or another implementation
        in BUDGETED) within the pure-Python budget."""
        settings = self.settings
        label = BUDGETED.get(impl, impl)
        X, Y = self.inputs(impl, data)
        init = init_params(workload.spec, workload.seed)
        per_sample = measure.calibrate_per_sample(cls, workload.spec, init, X, Y,
                                                  workload.config)
        epoch = per_sample * data.n_train
        rounds = settings.min_rounds + settings.warmup_rounds
        estimate = epoch * (workload.config.epochs + rounds)
        budget = settings.python_budget_seconds
        if estimate <= budget:
            return "ok", None, None
        size = workload.config.batch_size
        batch = per_sample * size
        n_batches = workload.n_batches(data.n_train)
        if batch * (1 + settings.partial_rounds) > budget:
            return "skipped", None, (
                f"{label} is estimated at {batch:.3g} s per batch of {size} "
                f"({epoch:.3g} s per epoch, from a calibration of {per_sample * 1e3:.3g} ms "
                f"per sample): even one batch, run once untimed and timed "
                f"{settings.partial_rounds} times, is over its budget of {budget:g} s per "
                "workload")
        round_budget = min(budget / (1 + settings.partial_rounds),
                           settings.max_partial_round_seconds)
        timed = max(1, min(n_batches - 1, int(round_budget / batch)))
        return "partial", timed * size, None

    def prepare_network(self, impl, workload, more_threads=False):
        """A Network implementation (or the PyTorch peer) on one workload (more_threads: a
        case of the more_threads section, whose untimed run is compared with the reference's
        at the run's own thread count, NumPy's included)."""
        cls = self.classes[impl]
        data = wl.dataset(workload)
        spec, config = workload.spec, workload.config
        init = init_params(spec, workload.seed)
        status, prefix, reason = "ok", None, None
        started = time.perf_counter()
        if impl == "numpy-loop" and workload.config.batch_size == 1:
            return Prepared(self.base(impl, workload, "skipped", peers.PER_SAMPLE_SKIP))
        if impl in BUDGETED:
            status, prefix, reason = self.python_plan(cls, workload, data, impl)
            if status == "skipped":
                return Prepared(self.base(impl, workload, "skipped", reason))
        phases = {"calibration": time.perf_counter() - started}
        X, Y, run_config, run_orders = self.training_set(workload, data, impl, prefix)
        run = measure.train_run(cls, spec, init, X, Y, run_config, run_orders)
        phases["untimed_run"] = run.seconds
        reference = impl == registry.REFERENCE and not more_threads
        if reference and prefix is None:
            self.references[(workload.name, None)] = run
        notes = []
        if reference:
            agreement = measure.agreement(run, run, note="the reference implementation itself")
        else:
            note = None
            if prefix is not None:
                note = (f"compared over the timed prefix only: the first {prefix} samples of "
                        f"epoch 1 ({prefix // config.batch_size} batches), trained by both "
                        "from the same initial parameters")
            agreement = measure.agreement(run, self.reference(workload, prefix), note=note)
        result = self.base(impl, workload, status)
        n_batches = workload.n_batches(data.n_train)
        if status == "partial":
            timed_batches = prefix // config.batch_size
            result["timed_batches"] = timed_batches
            notes.append(f"timed {timed_batches} of {n_batches} batches per epoch "
                         f"({prefix} of {data.n_train} samples); per-epoch figures scaled by "
                         f"{data.n_train / prefix:.4g}; loss and history are of that prefix; "
                         "accuracies not measured")
            epoch_estimate = run.seconds * data.n_train / prefix
        else:
            epoch_estimate = run.seconds / config.epochs
        # the timing
        if status == "partial":
            epochs_per_round = 1
            rounds, warmup = self.settings.partial_rounds, 0
            scale = data.n_train / prefix
            timed_config, timed_orders = run_config, run_orders
        else:
            epochs_per_round, rounds, warmup = measure.timing_plan(epoch_estimate, self.settings)
            scale = 1.0 / epochs_per_round
            timed_config = dataclasses.replace(config, epochs=epochs_per_round)
            timed_orders = self.orders_as(impl, epoch_orders(data.n_train, timed_config))

        net = cls(spec, params=init)

        def setup():
            net.set_params(init)
            return (), {}

        def target():
            net.train(X, Y, timed_config, timed_orders)

        phases["reference_and_agreement"] = (time.perf_counter() - started
                                             - sum(phases.values()))
        if workload.name == LIMIT_WORKLOAD and self.doc["environment"].get("dgemm", {}).get(
                "measured") != LIMIT_WHEN:
            # next to the first timing of the workload whose efficiency is a target, so that
            # rate and limit are measured under the same load
            self.measure_limit(LIMIT_WHEN)
        if impl == "python" and workload.name == floor.WORKLOAD:
            # the floor under python's per-step time, measured next to python's own timing
            # so that the two are compared under the same load
            self.doc["environment"]["python_floor"] = floor.measure(self.settings.dgemm_rounds)
        result.update({
            "phase_seconds": phases,
            "final_loss": run.history[-1],
            "train_accuracy": None, "test_accuracy": None,
            "agreement": agreement,
            "peak_memory_bytes": run.peak_memory,
            "peak_memory_method": run.memory_method,
            "history": run.history,
            "notes": notes,
        })
        if status == "ok":
            result["train_accuracy"] = measure.accuracy(run.net.forward(X), data.labels_train)
            if data.X_test is not None:
                X_test = data.X_test.tolist() if impl == "python" else data.X_test
                result["test_accuracy"] = measure.accuracy(run.net.forward(X_test),
                                                           data.labels_test)
        return Prepared(result, target, setup, rounds, warmup, epochs_per_round, scale,
                        {"status": status, "scale_to_epoch": scale})

    def prepare_sklearn(self, workload):
        """scikit-learn's MLP on one workload, or skipped with the reason it cannot."""
        reason = peers.sklearn_unsupported(workload)
        if reason:
            return Prepared(self.base("sklearn", workload, "skipped", reason))
        data = wl.dataset(workload)
        config = workload.config
        y = peers.sklearn_targets(workload, data.Y_train, data.labels_train)
        estimator = peers.sklearn_estimator(workload, config.epochs, workload.seed)
        with measure.PeakMemory() as memory:
            start = time.perf_counter()
            peers.sklearn_fit(estimator, data.X_train, y)
            seconds = time.perf_counter() - start
        history = [float(v) for v in estimator.loss_curve_]
        epochs_per_round, rounds, warmup = measure.timing_plan(seconds / config.epochs,
                                                               self.settings)

        def setup():
            return (peers.sklearn_estimator(workload, epochs_per_round, workload.seed),), {}

        def target(fresh):
            peers.sklearn_fit(fresh, data.X_train, y)

        result = self.base("sklearn", workload, "ok")
        classifier = workload.spec.output_activation != "linear"
        result.update({
            "final_loss": history[-1],
            "train_accuracy": (float(estimator.score(data.X_train, data.labels_train))
                               if classifier else None),
            "test_accuracy": (float(estimator.score(data.X_test, data.labels_test))
                              if classifier and data.X_test is not None else None),
            "agreement": None,
            "agreement_note": peers.SKLEARN_NOTE,
            "peak_memory_bytes": memory.peak,
            "peak_memory_method": memory.method,
            "history": history,
            "notes": [peers.SKLEARN_NOTE, "timed: fit() from scratch (its own input checks "
                      "and initialisation included) for epochs_per_round epochs"],
        })
        return Prepared(result, target, setup, rounds, warmup, epochs_per_round,
                        1.0 / epochs_per_round, {"status": "ok"})


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


def build_report(results_file, out_path):
    """The merged PDF report of one run, from its saved results file alone (so that the
    report made by the run and one rebuilt later by `bench report` are the same bytes)."""
    import reports  # noqa: PLC0415

    return reports.build_report([results.load(results_file)], out_path)


def execute(runner, progress=None):
    """Run everything; return the process exit code (0, or 1 if an agreement is outside
    tolerance, a benchmark failed or the report failed). KeyboardInterrupt propagates after
    the results so far are saved. progress(line) defaults to printing on the standard output
    as it is now (pytest's output is redirected while the benchmarks run)."""
    if progress is None:
        stream = sys.stdout

        def progress(line):
            print(line, file=stream, flush=True)

    runner.load_classes()
    runner.start()
    progress(f"results: {runner.results_file}")
    try:
        runner.once_per_run()
        runner.run_all(progress)
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
    report = runner.out_dir / "report.pdf"
    start = time.perf_counter()
    try:
        build_report(runner.results_file, report)
    except Exception as error:  # noqa: BLE001 - the results are saved; say what failed
        progress(f"\nreport: FAILED ({type(error).__name__}: {error}); the results are saved; "
                 f"retry with: python -m bench report {runner.out_dir} -o {report}")
        return 1
    progress(f"\nreport: {report} ({time.perf_counter() - start:.1f} s)")
    progress(f"results: {runner.results_file}")
    return code
