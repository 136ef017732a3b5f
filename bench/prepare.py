"""Each case made ready to time, untimed: `Preparer.prepare(case)` gives a Prepared
with the result so far (status, untimed run's learning curve, final loss, accuracies, peak
memory, agreement with the reference's untimed run from the same start and orders) and the
timed call with its set-up.

For pure Python (and the other budgeted implementations, bench.adapters) a calibration
decides first between whole epochs ("ok"), a bounded prefix of batches ("partial", per-epoch
figures scaled up) and "skipped" (even one batch is over the budget).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from bench import adapters, environment, measure, peers, precision, registry
from bench import workloads as wl
from python_impl.spec import epoch_orders, init_params


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
        """The case's name in the records and the progress lines: numpy-digits-float32."""
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


class Preparer:
    """Prepares the cases of one run: the classes it imported, the peers it could not, the
    timing settings, the run's thread count; the reference's untimed runs are kept."""

    def __init__(self, classes, unavailable, settings, threads):
        self.classes = classes
        self.unavailable = unavailable
        self.settings = settings
        self.threads = threads
        self.references = {}

    def base(self, impl, workload, status, reason=None, dtype=precision.DEFAULT):
        return {"implementation": impl, "kind": registry.kind(impl), "workload": workload.name,
                "status": status, "reason": reason, "timed_batches": None,
                "threads": self.threads, "dtype": dtype}

    def prepare(self, case):
        """Called by the benchmark test, untimed: a Prepared case (errors propagate and are
        recorded as the pair's failure)."""
        impl, workload, dtype = case.implementation, wl.get(case.workload), case.dtype
        if impl in self.unavailable:
            return Prepared(self.base(impl, workload, "skipped", self.unavailable[impl], dtype))
        reason = adapters.get(impl).unsupported(workload)
        if reason:
            return Prepared(self.base(impl, workload, "skipped", reason, dtype))
        if not adapters.get(impl).network:
            return self.prepare_sklearn(workload, dtype)
        if case.threads:
            prepared = self.prepare_network(impl, workload, more_threads=True)
            prepared.result["threads"] = case.threads
            return prepared
        return self.prepare_network(impl, workload, dtype=dtype)

    def reference(self, workload, prefix=None):
        """NumPy's untimed run on the workload (or on the first prefix samples of epoch 1)."""
        key = (workload.name, prefix)
        if key not in self.references:
            data = wl.dataset(workload)
            init = init_params(workload.spec, workload.seed)
            X, Y, config, orders = self.training_set(workload, data, registry.REFERENCE,
                                                     prefix)
            with environment.thread_limit(self.threads):  # even when asked for by a case
                self.references[key] = measure.train_run(   # with more threads
                    self.classes[registry.REFERENCE], workload.spec, init, X, Y, config,
                    orders)
        return self.references[key]

    def training_set(self, workload, data, impl, prefix=None, dtype=precision.DEFAULT):
        """(X, Y, config, orders) of a training call (X, Y in dtype, as the implementation
        takes them): all epochs, orders None (the implementation computes the contract's
        own, as in a user's call); or the first prefix samples of epoch 1's order as a
        one-epoch run, with their orders given (in that order), so that the untimed runs of
        two implementations on a prefix train on the same samples in the same order."""
        adapter = adapters.get(impl)
        X, Y = precision.inputs(*adapter.inputs(data), dtype)
        config = workload.config
        if prefix is None:
            X, Y = adapter.place(self.classes[impl], workload.spec, X, Y, dtype)
            return X, Y, config, None
        index = epoch_orders(data.n_train, dataclasses.replace(config, epochs=1))[0][:prefix]
        X, Y = adapter.place(self.classes[impl], workload.spec, adapter.rows(X, index),
                             adapter.rows(Y, index), dtype)
        return X, Y, dataclasses.replace(config, epochs=1), [list(range(prefix))]

    def python_plan(self, cls, workload, data, adapter):
        """(status, prefix samples or None, reason) for pure Python (or another budgeted
        implementation) within the pure-Python budget."""
        settings = self.settings
        label = adapter.label
        X, Y = adapter.inputs(data)
        init = init_params(workload.spec, workload.seed)
        per_sample = measure.calibrate_per_sample(cls, workload.spec, init, X, Y,
                                                  workload.config)
        epoch = per_sample * data.n_train
        rounds = settings.min_rounds + settings.warmup_rounds   # the fewest cycles
        estimate = epoch * (workload.config.epochs + rounds)
        budget = settings.python_budget_seconds
        if estimate <= budget:
            return "ok", None, None
        size = workload.config.batch_size
        batch = per_sample * size
        n_batches = workload.n_batches(data.n_train)
        if batch * (1 + rounds) > budget:
            return "skipped", None, (
                f"{label} is estimated at {batch:.3g} s per batch of {size} "
                f"({epoch:.3g} s per epoch, from a calibration of {per_sample * 1e3:.3g} ms "
                f"per sample): even one batch, run once untimed and timed "
                f"{rounds} times, is over its budget of {budget:g} s per "
                "workload")
        round_budget = min(budget / (1 + rounds),
                           settings.max_partial_round_seconds)
        timed = max(1, min(n_batches - 1, int(round_budget / batch)))
        return "partial", timed * size, None

    def prepare_network(self, impl, workload, more_threads=False, dtype=precision.DEFAULT):
        """A Network implementation (or the PyTorch peer) on one workload in dtype
        (more_threads: a case of the more_threads section, whose untimed run is compared with
        the reference's at the run's own thread count, NumPy's included; float32: compared
        with the float64 reference within the float32 tolerance). Its steps: the budget
        (pure Python), the untimed run and its agreement, the shape of a timed round, and
        the result so far."""
        cls, adapter, data = self.classes[impl], adapters.get(impl), wl.dataset(workload)
        started = time.perf_counter()
        status, prefix = "ok", None
        if adapter.budgeted:
            status, prefix, reason = self.python_plan(cls, workload, data, adapter)
            if status == "skipped":
                return Prepared(self.base(impl, workload, "skipped", reason))
        phases = {"calibration": time.perf_counter() - started}
        X, Y, run, agreement = self.untimed_run(impl, workload, data, prefix, dtype,
                                                more_threads)
        phases["untimed_run"] = run.seconds
        result = dict(self.base(impl, workload, status, dtype=dtype), notes=[])
        timed = self.round_shape(impl, workload, data, status, prefix, run, dtype, result)
        net = cls(workload.spec, params=init_params(workload.spec, workload.seed),
                  **precision.network_kwargs(dtype))
        setup, target = timed_call(net, init_params(workload.spec, workload.seed), *timed[:3])
        phases["reference_and_agreement"] = (time.perf_counter() - started
                                             - sum(phases.values()))
        result.update(self.outcome(run, agreement, phases, status, X, data, adapter, dtype))
        epochs_per_round, scale = timed[3:]
        return Prepared(result, target, setup, epochs_per_round, scale,
                        {"status": status, "scale_to_epoch": scale})

    def untimed_run(self, impl, workload, data, prefix, dtype, more_threads):
        """(X, Y, the untimed run, its agreement with the reference's run from the same start
        and orders): all epochs, or the prefix's one-epoch run of a partial case."""
        X, Y, config, orders = self.training_set(workload, data, impl, prefix, dtype)
        run = measure.train_run(self.classes[impl], workload.spec,
                                init_params(workload.spec, workload.seed), X, Y, config, orders,
                                **precision.network_kwargs(dtype))
        reference = (impl == registry.REFERENCE and not more_threads
                     and dtype == precision.DEFAULT)
        if reference:
            if prefix is None:
                self.references[(workload.name, None)] = run
            return X, Y, run, measure.agreement(run, run,
                                                note="the reference implementation itself")
        note = None
        if prefix is not None:
            note = (f"compared over the timed prefix only: the first {prefix} samples of "
                    f"epoch 1 ({prefix // workload.config.batch_size} batches), trained by both "
                    "from the same initial parameters")
        if dtype != precision.DEFAULT:
            note = (f"{dtype} against the float64 reference, within the contract's "
                    f"{dtype} tolerance")
        return X, Y, run, measure.agreement(run, self.reference(workload, prefix), note=note,
                                            tolerance=precision.TOLERANCES[dtype])

    def round_shape(self, impl, workload, data, status, prefix, run, dtype, result):
        """(X, Y, config, epochs_per_round, scale) of a timed round (round time x scale =
        time per epoch): epochs_per_round whole epochs; or, for pure Python, one epoch over a
        prefix of the data (a partial case's, or a prefix as long as the others' rounds when
        its whole epoch is longer). Notes what a round times in result."""
        config, n_batches = workload.config, workload.n_batches(data.n_train)
        epoch_estimate = run.seconds / config.epochs
        round_target = self.settings.max_partial_round_seconds
        if status == "partial":
            timed_batches = prefix // config.batch_size
            note = (f"timed {timed_batches} of {n_batches} batches per epoch "
                    f"({prefix} of {data.n_train} samples); per-epoch figures scaled by "
                    f"{data.n_train / prefix:.4g}; loss and history are of that prefix; "
                    "accuracies not measured")
        elif (adapters.get(impl).budgeted and epoch_estimate > round_target > 0
              and n_batches > 1):
            # whole epochs untimed, but a round of a budgeted implementation is a prefix of
            # epoch 1's batches as long as the others' rounds, so that the rounds of a cycle
            # stay close together in time (one long round would part the others')
            batch_seconds = epoch_estimate / n_batches
            timed_batches = max(1, min(n_batches - 1, int(round_target / batch_seconds)))
            prefix = timed_batches * config.batch_size
            note = (f"timed {timed_batches} of {n_batches} batches per round (the first "
                    f"{prefix} samples of epoch 1), scaled to an epoch by "
                    f"{data.n_train / prefix:.4g}; the untimed run, agreement, loss and "
                    "accuracies are of whole epochs")
        else:
            epochs_per_round = measure.epochs_per_round(epoch_estimate, self.settings)
            X, Y, _, _ = self.training_set(workload, data, impl, None, dtype)
            return (X, Y, dataclasses.replace(config, epochs=epochs_per_round),
                    epochs_per_round, 1.0 / epochs_per_round)
        result["timed_batches"] = timed_batches
        result["notes"] = [note]
        X, Y, prefix_config, _ = self.training_set(workload, data, impl, prefix, dtype)
        return X, Y, prefix_config, 1, data.n_train / prefix

    def outcome(self, run, agreement, phases, status, X, data, adapter, dtype):
        """The result's fields from the untimed run: loss, history, memory, agreement, and
        the accuracies of whole-epoch runs."""
        fields = {"phase_seconds": phases, "final_loss": run.history[-1],
                  "train_accuracy": None, "test_accuracy": None, "agreement": agreement,
                  "peak_memory_bytes": run.peak_memory,
                  "peak_memory_method": run.memory_method, "history": run.history}
        if status == "ok":
            fields["train_accuracy"] = measure.accuracy(run.net.forward(X), data.labels_train)
            if data.X_test is not None:
                X_test, _ = precision.inputs(adapter.test_inputs(data), None, dtype)
                fields["test_accuracy"] = measure.accuracy(run.net.forward(X_test),
                                                           data.labels_test)
        return fields

    def prepare_sklearn(self, workload, dtype=precision.DEFAULT):
        """scikit-learn's MLP on one workload, or skipped with the reason it cannot (float32:
        given float32 input, which scikit-learn keeps in float32)."""
        data = wl.dataset(workload)
        if dtype != precision.DEFAULT:
            data = dataclasses.replace(
                data, X_train=data.X_train.astype(dtype), Y_train=data.Y_train.astype(dtype),
                X_test=None if data.X_test is None else data.X_test.astype(dtype), lists={})
        config = workload.config
        y = peers.sklearn_targets(workload, data.Y_train, data.labels_train)
        estimator = peers.sklearn_estimator(workload, config.epochs, workload.seed)
        with measure.PeakMemory() as memory:
            start = time.perf_counter()
            peers.sklearn_fit(estimator, data.X_train, y)
            seconds = time.perf_counter() - start
        history = [float(v) for v in estimator.loss_curve_]
        epochs_per_round = measure.epochs_per_round(seconds / config.epochs, self.settings)

        def setup():
            return (peers.sklearn_estimator(workload, epochs_per_round, workload.seed),), {}

        def target(fresh):
            peers.sklearn_fit(fresh, data.X_train, y)

        result = self.base("sklearn", workload, "ok", dtype=dtype)
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
        return Prepared(result, target, setup, epochs_per_round, 1.0 / epochs_per_round,
                        {"status": "ok"})


def timed_call(net, init, X, Y, config):
    """(setup, target) of a round: setup gives the network fresh initial parameters, untimed;
    target is the public call a user makes, net.train(X, Y, config), with no sample orders,
    so that the implementation computes its own inside the timed region."""

    def setup():
        net.set_params(init)
        return (), {}

    def target():
        net.train(X, Y, config)

    return setup, target
