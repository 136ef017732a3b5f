"""Each case made ready to time, untimed: `Preparer.prepare(case)` gives a bench.plan.Prepared
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

from bench import adapters, environment, measure, peers, precision, registry
from bench import workloads as wl
from bench.plan import Prepared
from python_impl.spec import epoch_orders, init_params


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
        with the float64 reference within the float32 tolerance)."""
        kwargs = precision.network_kwargs(dtype)
        cls = self.classes[impl]
        data = wl.dataset(workload)
        spec, config = workload.spec, workload.config
        init = init_params(spec, workload.seed)
        status, prefix, reason = "ok", None, None
        started = time.perf_counter()
        adapter = adapters.get(impl)
        if adapter.budgeted:
            status, prefix, reason = self.python_plan(cls, workload, data, adapter)
            if status == "skipped":
                return Prepared(self.base(impl, workload, "skipped", reason))
        phases = {"calibration": time.perf_counter() - started}
        X, Y, run_config, run_orders = self.training_set(workload, data, impl, prefix, dtype)
        run = measure.train_run(cls, spec, init, X, Y, run_config, run_orders, **kwargs)
        phases["untimed_run"] = run.seconds
        reference = (impl == registry.REFERENCE and not more_threads
                     and dtype == precision.DEFAULT)
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
            if dtype != precision.DEFAULT:
                note = (f"{dtype} against the float64 reference, within the contract's "
                        f"{dtype} tolerance")
            agreement = measure.agreement(run, self.reference(workload, prefix), note=note,
                                          tolerance=precision.TOLERANCES[dtype])
        result = self.base(impl, workload, status, dtype=dtype)
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
        batch_seconds = epoch_estimate / n_batches
        round_target = self.settings.max_partial_round_seconds
        if status == "ok" and adapter.budgeted and epoch_estimate > round_target > 0 \
                and n_batches > 1:
            # whole epochs untimed, but a round of a budgeted implementation is a prefix of
            # epoch 1's batches as long as the others' rounds, so that the rounds of a cycle
            # stay close together in time (one long round would part the others')
            timed_batches = max(1, min(n_batches - 1, int(round_target / batch_seconds)))
            prefix = timed_batches * config.batch_size
            result["timed_batches"] = timed_batches
            notes.append(f"timed {timed_batches} of {n_batches} batches per round (the first "
                         f"{prefix} samples of epoch 1), scaled to an epoch by "
                         f"{data.n_train / prefix:.4g}; the untimed run, agreement, loss and "
                         "accuracies are of whole epochs")
            timed_X, timed_Y, timed_config, _ = self.training_set(workload, data, impl, prefix,
                                                                   dtype)
            epochs_per_round = 1
            scale = data.n_train / prefix
        elif status == "partial":
            epochs_per_round = 1
            scale = data.n_train / prefix
            timed_X, timed_Y, timed_config = X, Y, run_config
        else:
            timed_X, timed_Y = X, Y
            epochs_per_round = measure.epochs_per_round(epoch_estimate, self.settings)
            scale = 1.0 / epochs_per_round
            timed_config = dataclasses.replace(config, epochs=epochs_per_round)
        setup, target = timed_call(cls(spec, params=init, **kwargs), init, timed_X, timed_Y,
                                   timed_config)
        phases["reference_and_agreement"] = (time.perf_counter() - started
                                             - sum(phases.values()))
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
                X_test, _ = precision.inputs(adapter.test_inputs(data), None, dtype)
                result["test_accuracy"] = measure.accuracy(run.net.forward(X_test),
                                                           data.labels_test)
        return Prepared(result, target, setup, epochs_per_round, scale,
                        {"status": status, "scale_to_epoch": scale})

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
