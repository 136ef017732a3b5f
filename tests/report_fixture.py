"""A realistic results document for the report tests: test data, not a measurement.

`results_doc()` returns a dict that passes `bench.results.validate`, shaped like a default
`python -m bench run`: the five named workloads and the width-8 ... width-1024 sweep, the three
implementations and the peers (PyTorch, scikit-learn, numpy-loop), partial and skipped results,
learning curves, the 2-2-2 worked example traced with Mazur's numbers, gradient checks,
backward-pass excerpts and profiles. The timings follow the orientation figures of the speed
issue but are invented (seeded), so nothing read from this file is a result. Variants (an
interrupted run, a missing implementation, no peers) are made from it by the helpers at the end.
"""

from __future__ import annotations

import copy
import math
import random

from bench import results as bench_results

IMPLS = ("python", "numpy", "fortran")
PEERS = ("torch", "sklearn", "numpy-loop")
SWEEP_WIDTHS = (8, 16, 32, 64, 128, 256, 512, 1024)


def _flops(layer_sizes, n_samples):
    """Operation count of one epoch, as python_impl.spec.flops defines it."""
    per_sample = 0
    for layer, (n_in, n_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:])):
        per_sample += (4 if layer == 0 else 6) * n_in * n_out
    return per_sample * n_samples


def _workload(description, sizes, hidden, output, loss, epochs, lr, batch, n_train, n_test,
              n_classes, data, sweep=None, momentum=0.0):
    return {
        "description": description,
        "layer_sizes": list(sizes), "hidden_activation": hidden, "output_activation": output,
        "loss": loss,
        "config": {"epochs": epochs, "learning_rate": lr, "batch_size": batch,
                   "momentum": momentum, "l2": 0.0, "shuffle": True, "seed": 0},
        "n_train": n_train, "n_test": n_test, "n_classes": n_classes, "data": data,
        "flops_per_epoch": _flops(sizes, n_train),
        "sweep": sweep,
    }


DIGITS_DATA = {"name": "UCI optical recognition of handwritten digits (8x8)",
               "source": "https://archive.ics.uci.edu/dataset/80", "licence": "CC BY 4.0",
               "synthetic": False}


def workloads():
    """The workload definitions of a default run."""
    defs = {
        "xor": _workload("XOR of two bits: the smallest network that needs a hidden layer.",
                         (2, 4, 1), "sigmoid", "sigmoid", "mse", 500, 0.5, 1, 4, 0, None,
                         {"name": "XOR truth table", "source": "defined in bench/workloads.py",
                          "licence": "public domain", "synthetic": True}),
        "iris": _workload("Fisher's Iris flowers: 4 measurements, 3 species, per-sample SGD.",
                          (4, 16, 3), "tanh", "softmax", "cross_entropy", 50, 0.05, 1, 120, 30,
                          3, {"name": "Iris (Fisher 1936)",
                              "source": "https://archive.ics.uci.edu/dataset/53",
                              "licence": "CC BY 4.0", "synthetic": False}),
        "digits": _workload("Handwritten digits, 8x8 pixels, mini-batches of 32.",
                            (64, 64, 10), "relu", "softmax", "cross_entropy", 20, 0.1, 32,
                            1437, 360, 10, DIGITS_DATA, momentum=0.9),
        "mnist-shaped": _workload("MNIST-sized layers (784-128-10) on synthetic data.",
                                  (784, 128, 10), "relu", "softmax", "cross_entropy", 3, 0.1,
                                  64, 10000, 2000, 10,
                                  {"name": "synthetic MNIST-shaped blobs",
                                   "source": "generated from seed 0 in bench/workloads.py",
                                   "licence": "none needed", "synthetic": True}),
        "wide": _workload("One wide hidden layer of 1024 units, mini-batches of 256.",
                          (1024, 1024, 10), "relu", "softmax", "cross_entropy", 2, 0.05, 256,
                          10000, 2000, 10,
                          {"name": "synthetic 1024-feature blobs",
                           "source": "generated from seed 0 in bench/workloads.py",
                           "licence": "none needed", "synthetic": True}),
    }
    for width in SWEEP_WIDTHS:
        defs[f"width-{width}"] = _workload(
            f"Scaling sweep: the digits data through a hidden layer of {width} units.",
            (64, width, 10), "relu", "softmax", "cross_entropy", 3, 0.1, 32, 1437, 360, 10,
            DIGITS_DATA, sweep={"name": "hidden_width", "value": width})
    return defs


def _model_seconds(impl, wl):
    """Invented time per epoch of impl on workload wl: overhead per step + flops / rate."""
    steps = math.ceil(wl["n_train"] / wl["config"]["batch_size"])
    flops = wl["flops_per_epoch"]
    overhead, rate = {
        "python": (1.0e-6 * (wl["layer_sizes"][1] + 2), 3.0e7),
        "numpy": (17e-6 if wl["config"]["batch_size"] == 1 else 40e-6, 2.5e10),
        "fortran": (0.1e-6 if wl["config"]["batch_size"] == 1 else 1e-6, 1.5e10),
        "torch": (90e-6 if wl["config"]["batch_size"] == 1 else 150e-6, 2.2e10),
        "sklearn": (110e-6 if wl["config"]["batch_size"] == 1 else 180e-6, 1.8e10),
        "numpy-loop": (17e-6 * wl["config"]["batch_size"], 1.0e9),
    }[impl]
    if wl["sweep"] is None and wl["layer_sizes"][1] >= 1024:
        rate = {"fortran": 5.46e10, "numpy": 4.5e10}.get(impl, rate)   # dgemm-bound
    return steps * overhead + flops / rate


def _history(wl, impl, rng):
    """A learning curve: the same curve for the three implementations and torch (to rounding),
    a visibly different one for scikit-learn (its own initialisation and order)."""
    epochs = wl["config"]["epochs"]
    start, end, tau = 0.70, 0.02, max(epochs / 4, 1.0)
    if impl == "sklearn":
        start, end, tau = 0.74, 0.035, max(epochs / 3, 1.0)
    wobble = {"python": 3e-16, "numpy": 0.0, "fortran": 5e-16, "torch": 2e-14, "sklearn": 0.0,
              "numpy-loop": 4e-16}
    return [(end + (start - end) * math.exp(-e / tau)) * (1 + wobble[impl] * rng.uniform(-1, 1))
            for e in range(epochs)]


def _timed(impl, name, wl, rng, *, partial_batches=None):
    median = _model_seconds(impl, wl) * rng.uniform(0.95, 1.05)
    iqr = median * rng.uniform(0.01, 0.08)
    rounds = max(3, min(200, int(2.0 / median)))
    kind = "peer" if impl in PEERS else "implementation"
    history = [] if partial_batches else _history(wl, impl, rng)
    agreement = None
    if impl in ("python", "fortran", "torch", "numpy-loop"):
        diff = {"python": 2.2e-16, "fortran": 4.4e-16, "torch": 1.3e-15,
                "numpy-loop": 3.3e-16}[impl]
        diff *= rng.uniform(1.0, 40.0) * math.sqrt(wl["config"]["epochs"])
        epochs = 1 if partial_batches else wl["config"]["epochs"]
        agreement = {"reference": "numpy", "max_rel_param_diff": diff,
                     "max_rel_history_diff": None if partial_batches else diff / 3,
                     "within_tolerance": diff <= 1e-9, "epochs_compared": epochs,
                     "tolerance": 1e-9,
                     "note": "compared over 1 epoch (timed over a bounded number of batches)"
                     if partial_batches else None}
    classified = wl["n_classes"] is not None
    result = {
        "implementation": impl, "kind": kind, "workload": name,
        "status": "partial" if partial_batches else "ok", "reason": None,
        "timed_batches": partial_batches,
        "time_per_epoch": {"median": median, "iqr": iqr, "min": median - iqr,
                           "max": median + 3 * iqr, "mean": median + iqr / 4,
                           "stddev": iqr * 0.74, "rounds": rounds},
        "samples_per_second": wl["n_train"] / median,
        "gflops": wl["flops_per_epoch"] / median / 1e9,
        "final_loss": history[-1] if history else None,
        "train_accuracy": (0.97 if impl != "sklearn" else 0.95) if classified else None,
        "test_accuracy": (0.94 if impl != "sklearn" else 0.93)
        if classified and wl["n_test"] else None,
        "agreement": agreement,
        "peak_memory_bytes": int(4096 + 8 * wl["flops_per_epoch"] ** 0.5 * 40),
        "history": history,
        "threads": 1,
        "dtype": "float64",
    }
    if partial_batches:
        who = "the per-sample loop" if impl == "numpy-loop" else "pure Python"
        result["reason"] = (f"{who} would need about {median:.0f} s per epoch; "
                            f"timed over {partial_batches} batches and scaled to an epoch")
    return result


def _skipped(impl, name, reason):
    return {"implementation": impl, "kind": "peer" if impl in PEERS else "implementation",
            "workload": name, "status": "skipped", "reason": reason, "timed_batches": None,
            "threads": 1, "dtype": "float64"}


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def mazur_trace(learning_rate=0.5):
    """The 2-2-2 network of Matt Mazur's worked example, traced once (one SGD step)."""
    x, y = [0.05, 0.10], [0.01, 0.99]
    W1, b1 = [[0.15, 0.25], [0.20, 0.30]], [0.35, 0.35]
    W2, b2 = [[0.40, 0.50], [0.45, 0.55]], [0.60, 0.60]
    z1 = [sum(x[i] * W1[i][j] for i in range(2)) + b1[j] for j in range(2)]
    a1 = [_sigmoid(v) for v in z1]
    z2 = [sum(a1[i] * W2[i][j] for i in range(2)) + b2[j] for j in range(2)]
    a2 = [_sigmoid(v) for v in z2]
    loss = sum(0.5 * (a - t) ** 2 for a, t in zip(a2, y))
    d2 = [(a - t) * a * (1 - a) for a, t in zip(a2, y)]
    d1 = [sum(d2[k] * W2[j][k] for k in range(2)) * a1[j] * (1 - a1[j]) for j in range(2)]
    dW2 = [[a1[i] * d2[j] for j in range(2)] for i in range(2)]
    dW1 = [[x[i] * d1[j] for j in range(2)] for i in range(2)]

    def step(M, G):
        return [[m - learning_rate * g for m, g in zip(r, s)] for r, s in zip(M, G)]

    def vstep(v, g):
        return [p - learning_rate * q for p, q in zip(v, g)]

    trace = {"z": [z1, z2], "a": [x, a1, a2], "loss": loss, "delta": [d1, d2],
             "nabla_w": [dW1, dW2], "nabla_b": [list(d1), list(d2)],
             "updated_params": [[step(W1, dW1), vstep(b1, d1)], [step(W2, dW2), vstep(b2, d2)]]}
    example = {"layer_sizes": [2, 2, 2], "hidden_activation": "sigmoid",
               "output_activation": "sigmoid", "loss": "mse", "learning_rate": learning_rate,
               "x": [x], "y": [y], "params": [[W1, b1], [W2, b2]], "errors": {}}
    return example, trace


def _nudge(value, ulps):
    """value moved by a few units in the last place (a Fortran trace differs at rounding)."""
    if isinstance(value, list):
        return [_nudge(v, ulps) for v in value]
    return value + ulps * math.ulp(value)


SOURCES = {
    "python": {"path": "python_impl/pure.py", "first_line": 141, "language": "python", "text": (
        "delta = output_delta(zs[-1], activations[-1], y, n)\n"
        "nabla_w = [None] * n_layers\n"
        "nabla_b = [None] * n_layers\n"
        "for l in range(n_layers - 1, -1, -1):\n"
        "    # layer l of the code is layer l+1 of the equations\n"
        "    a_prev = activations[l]\n"
        "    nabla_w[l] = [[sum(a_prev[s][i] * delta[s][j] for s in range(n))\n"
        "                   for j in range(cols)] for i in range(rows)]\n"
        "    nabla_b[l] = [sum(col) for col in zip(*delta)]\n"
        "    if l > 0:\n"
        "        W = params[l][0]\n"
        "        back = [[sum(d * w for d, w in zip(row, W[i])) for i in range(rows)]\n"
        "                for row in delta]\n"
        "        delta = [[b * p for b, p in zip(brow, prow)] for brow, prow in\n"
        "                 zip(back, activate_prime(zs[l - 1], activations[l], hidden))]\n")},
    "numpy": {"path": "python_impl/vectorized.py", "first_line": 97, "language": "python", "text": (
        "delta = output_delta(zs[-1], activations[-1], y, n)\n"
        "nabla_w = [None] * n_layers\n"
        "nabla_b = [None] * n_layers\n"
        "for l in range(n_layers - 1, -1, -1):\n"
        "    nabla_w[l] = activations[l].T @ delta\n"
        "    nabla_b[l] = delta.sum(axis=0)\n"
        "    if l > 0:\n"
        "        delta = (delta @ params[l][0].T) * activate_prime(zs[l - 1], activations[l],\n"
        "                                                          hidden)\n")},
    "fortran": {"path": "fortran_impl/backprop.f90", "first_line": 212, "language": "fortran",
                "text": (
        "call output_delta(z(o_out), a(o_out), y, n, n_out, out_code, loss_code, delta)\n"
        "do l = n_layers, 1, -1\n"
        "   ! nabla_w = a_{l-1}^T delta  (W(l) is sizes(l) x sizes(l+1))\n"
        "   call dgemm('T', 'N', sizes(l), sizes(l+1), n, 1d0, a(o_a(l)), n, &\n"
        "              delta, n, 0d0, nabla_w(o_w(l)), sizes(l))\n"
        "   nabla_b(o_b(l):o_b(l)+sizes(l+1)-1) = sum(delta_m, dim=1)\n"
        "   if (l > 1) then\n"
        "      call dgemm('N', 'T', n, sizes(l), sizes(l+1), 1d0, delta, n, &\n"
        "                 w(o_w(l)), sizes(l), 0d0, back, n)\n"
        "      call activate_prime(z(o_z(l-1)), a(o_a(l)), hidden_code, back)\n"
        "      delta(1:n*sizes(l)) = back(1:n*sizes(l))\n"
        "   end if\n"
        "end do\n")},
}


def results_doc(*, peers=True):
    """The full fixture document (validates with bench.results.validate)."""
    rng = random.Random(20261128)
    defs = workloads()
    results = []
    impls = IMPLS + (PEERS if peers else ())
    for name, wl in defs.items():
        for impl in impls:
            if impl == "python" and name in ("mnist-shaped", "wide"):
                results.append(_timed(impl, name, wl, rng, partial_batches=4))
            elif impl == "python" and name in ("width-512", "width-1024"):
                results.append(_timed(impl, name, wl, rng, partial_batches=8))
            elif impl == "sklearn" and name == "xor":
                results.append(_skipped(impl, name, "scikit-learn's MLPRegressor cannot train "
                                        "with batches of one sample in a fixed given order"))
            elif impl == "numpy-loop" and wl["config"]["batch_size"] == 1:
                results.append(_skipped(impl, name, "per-sample workloads (batch size 1) are "
                                        "already one sample at a time"))
            elif impl == "numpy-loop" and name in ("mnist-shaped", "wide"):
                results.append(_timed(impl, name, wl, rng, partial_batches=12))
            elif impl == "sklearn" and name == "wide":
                results.append(_skipped(impl, name, "one scikit-learn epoch was estimated at "
                                        "14 s, over the 10 s budget for peers"))
            else:
                results.append(_timed(impl, name, wl, rng))
    example, trace = mazur_trace()
    traces = {impl: copy.deepcopy(trace) for impl in IMPLS}
    traces["fortran"]["nabla_w"] = _nudge(trace["nabla_w"], 1)
    traces["fortran"]["updated_params"][0][0] = _nudge(trace["updated_params"][0][0], 1)
    example["traces"] = traces
    blas = [{"user_api": "blas", "internal_api": "openblas", "version": "0.3.29",
             "architecture": "Haswell", "num_threads": 1,
             "filepath": "/work/main/.venv/lib/python3.11/site-packages/numpy.libs/"
                         "libscipy_openblas64_-ff651d7f.so"}]
    doc = {
        "schema": "backprop-bench-results", "schema_version": 2,
        "run": {
            "started": "2026-11-28T04:30:00Z", "finished": "2026-11-28T04:34:12Z",
            "wall_seconds": 252.4, "command": "python -m bench run",
            "argv": ["-m", "bench", "run"], "complete": True,
            "options": {"quick": False, "threads": 1, "also_threads": 2, "peers": peers,
                        "implementations": list(IMPLS), "workloads": list(defs),
                        "dtypes": ["float64"], "out": "results/20261128T043000Z"},
            "methodology": {"timing": {
                "min_time_per_round": 0.05, "warmup_rounds": 1, "max_rounds": 200,
                "budget_seconds": 10.0,
                "profiling": "after the timings, untimed: cProfile for python, numpy and "
                             "numpy-loop; the raw f2py call against the whole Network.train "
                             "call for fortran"}},
            "sessions": [],
        },
        "environment": {
            "cpu_model": "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "cpu_count": 2,
            "os": "Linux-6.1.0-28-cloud-amd64-x86_64-with-glibc2.36", "python": "3.11.7",
            "numpy": "2.4.6", "blas": blas, "threads": 1,
            "gfortran": "GNU Fortran (Debian 12.2.0-14) 12.2.0",
            "fortran_build": {"blas": "openblas dgemm", "flags": "-O3 -march=x86-64",
                              "compiler": "gfortran 12.2.0"},
            "packages": {"numpy": "2.4.6", "torch": "2.13.0" if peers else None,
                         "scikit-learn": "1.9.1" if peers else None, "reportlab": "5.1.0",
                         "pypdf": "7.1.1", "pytest-benchmark": "5.3.1"},
            "version": "0.1.0",
            "git_commit": "1a852db5c0ffee0123456789abcdef0123456789", "git_dirty": False,
            "dgemm": {"n": 1024, "gflops_median": 60.12, "gflops_iqr": 1.3, "rounds": 15},
            "python_floor": {"workload": "xor", "seconds_per_step_median": 4.12e-6,
                             "seconds_per_step_iqr": 0.08e-6, "rounds": 15,
                             "steps_per_round": 800, "what": "a hand-written xor step"},
        },
        "workloads": defs,
        "results": results,
        "worked_example": example,
        "gradient_checks": {
            impl: {"max_rel_error": err, "tolerance": 1e-6, "step": 1e-5, "cases": 12,
                   "passed": err < 1e-6}
            for impl, err in (("python", 3.1e-9), ("numpy", 2.9e-9), ("fortran", 3.4e-9))},
        "sources": copy.deepcopy(SOURCES),
        "profiles": profiles(peers),
        "more_threads": {"threads": 2, "results": more_threads(defs, results, rng)},
    }
    return with_intervals(doc)


def with_intervals(doc):
    """doc with what the interleaved timing saves: each timing's 95% interval of the median
    and its per-round samples, the paired ratios of each workload (half of them saved the
    other way round, so that readers must turn them), the sampling record per workload, and
    the thread gains with their intervals. Its own generator: the figures above stay put."""
    rng = random.Random(11)
    by_workload = {}
    for result in doc["results"] + doc["more_threads"]["results"]:
        if result["status"] == "skipped":
            continue
        stats = result["time_per_epoch"]
        median = stats["median"]
        stats["ci_low"] = median * (1 - rng.uniform(0.005, 0.03))
        stats["ci_high"] = median * (1 + rng.uniform(0.005, 0.03))
        stats["samples"] = [median * (1 + rng.uniform(-0.04, 0.04))
                            for _ in range(stats["rounds"])]
        if result in doc["results"]:
            by_workload.setdefault(result["workload"], []).append(result)
    ratios = []
    for workload, timed in by_workload.items():
        for i, first in enumerate(timed):
            for second in timed[i + 1:]:
                a, b = (second, first) if rng.random() < 0.5 else (first, second)
                ratio = (a["time_per_epoch"]["median"] / b["time_per_epoch"]["median"]
                         * rng.uniform(0.99, 1.01))
                ratios.append({"workload": workload, "numerator": a["implementation"],
                               "numerator_dtype": "float64",
                               "denominator": b["implementation"],
                               "denominator_dtype": "float64", "ratio": ratio,
                               "ci_low": ratio * (1 - rng.uniform(0.005, 0.04)),
                               "ci_high": ratio * (1 + rng.uniform(0.005, 0.04)), "cycles": 9})
    doc["ratios"] = ratios
    doc["sampling"] = {
        workload: {"cycles": 9 if workload != "wide" else 5,
                   "stopped": "precision" if workload != "wide" else "budget",
                   "precision_goal": 0.05,
                   "worst_half_width": 0.03 if workload != "wide" else 0.07}
        for workload in by_workload}
    threads = doc["more_threads"]["threads"]
    gains = []
    for result in doc["more_threads"]["results"]:
        if result["threads"] != threads:
            continue
        impl, workload = result["implementation"], result["workload"]
        one = next(r for r in doc["more_threads"]["results"]
                   if (r["implementation"], r["workload"], r["threads"]) == (impl, workload, 1))
        gain = one["time_per_epoch"]["median"] / result["time_per_epoch"]["median"]
        gains.append({"implementation": impl, "workload": workload, "threads": [1, threads],
                      "ratio": gain, "ci_low": gain * 0.96, "ci_high": gain * 1.04,
                      "cycles": result["time_per_epoch"]["rounds"]})
    doc["more_threads"]["gains"] = gains
    return doc


def version_1(doc):
    """doc as schema 1 files were first written: before the timing saved intervals, samples,
    paired ratios, sampling records and gains, before the precision axis and run.methodology
    (the timing texts in run.timing), sessions and profiles."""
    doc = copy.deepcopy(doc)
    for result in doc["results"] + doc.get("more_threads", {}).get("results", []):
        for key in ("ci_low", "ci_high", "samples"):
            (result.get("time_per_epoch") or {}).pop(key, None)
        result.pop("dtype")
    for key in ("ratios", "sampling", "profiles"):
        doc.pop(key)
    doc.get("more_threads", {}).pop("gains", None)
    run = doc["run"]
    run["timing"] = run.pop("methodology")["timing"]
    for key in ("sessions", "argv"):
        run.pop(key)
    for key in ("dtypes", "also_threads"):
        run["options"].pop(key)
    doc["schema_version"] = 1
    return doc


def without_intervals(doc):
    """doc as results.load reads a file written as version_1 gives it: migrated."""
    return bench_results.migrate(version_1(doc), "version 1")


def more_threads(defs, results, rng):
    """numpy and fortran on the large workloads timed again with 1 thread (5% slower than in
    the main timings), then with 2: 1.8x and 1.4x faster on wide; on mnist-shaped numpy
    1.1x, fortran no faster (so both verdicts appear)."""
    rows = []
    for name in ("mnist-shaped", "wide"):
        for impl in ("numpy", "fortran"):
            main = next(r for r in results
                        if (r["implementation"], r["workload"]) == (impl, name))
            gain = {("numpy", "wide"): 1.8, ("fortran", "wide"): 1.4,
                    ("numpy", "mnist-shaped"): 1.1, ("fortran", "mnist-shaped"): 0.97}[
                        (impl, name)]
            for threads, factor in ((1, 1.05), (2, 1.05 / gain)):
                row = _timed(impl, name, defs[name], rng)
                for key in ("median", "iqr", "min", "max", "mean", "stddev"):
                    row["time_per_epoch"][key] = main["time_per_epoch"][key] * factor
                row["agreement"] = {"reference": "numpy", "max_rel_param_diff": 1.1e-15,
                                    "max_rel_history_diff": 2e-16, "within_tolerance": True,
                                    "epochs_compared": defs[name]["config"]["epochs"],
                                    "tolerance": 1e-9, "note": None}
                row["threads"] = threads
                rows.append(row)
    return rows


def _cprofile(call, shares, modules):
    top = [{"function": name, "share": share, "seconds": share * 0.25, "calls": calls}
           for name, share, calls in shares]
    return {"status": "ok", "reason": None, "method": "cprofile", "call": call,
            "seconds": 0.25, "wall_seconds": 0.5, "top": top,
            "other_share": 1.0 - sum(item["share"] for item in top), "modules": modules,
            "note": None}


def _fortran(call, raw):
    return {"status": "ok", "reason": None, "method": "wrapper-timing", "call": call,
            "seconds": 0.25, "wall_seconds": 0.25, "other_share": 0.0,
            "note": "the split inside the Fortran routine is not measured",
            "top": [{"function": "fortran_impl._backprop:trainer.train (Fortran training loop, "
                                 "f2py call)", "share": raw, "seconds": raw / 4, "calls": 5},
                    {"function": "fortran_impl.network:Network.train (Python wrapper: checks, "
                                 "orders, parameter copies)", "share": 1 - raw,
                     "seconds": (1 - raw) / 4, "calls": 5}]}


def profiles(peers=True):
    """Invented profiles shaped like bench/profiles.py's (shares, not measurements)."""
    xor = {"epochs": 500, "samples": 4, "batches": 2000, "repeats": 3}
    digits = {"epochs": 1, "samples": 1437, "batches": 45, "repeats": 2}
    wide = {"epochs": 1, "samples": 1536, "batches": 6, "repeats": 1}
    out = {
        "python": {
            "xor": _cprofile(xor, [("python_impl.pure:backprop", 0.181, 2000),
                                   ("python_impl.pure:update", 0.152, 2000),
                                   ("python_impl.pure:feedforward", 0.113, 2000)],
                             {"python_impl.pure": 0.83, "builtins": 0.17}),
            "digits": _cprofile({"epochs": 1, "samples": 96, "batches": 3, "repeats": 1},
                                [("builtins:sum", 0.236, 13632),
                                 ("python_impl.pure:backprop.<listcomp> (line 146)", 0.214, 96)],
                                {"python_impl.pure": 0.71, "builtins": 0.29}),
            "wide": {"status": "skipped", "reason": "not timed in this run (one batch is over "
                                                    "the budget)"},
        },
        "numpy": {
            "xor": _cprofile(xor, [("python_impl.vectorized:activate", 0.129, 4000),
                                   ("numpy:matmul", 0.108, 10000)],
                             {"python_impl.vectorized": 0.62, "numpy": 0.38}),
            "digits": _cprofile(digits, [("numpy:matmul", 0.412, 225),
                                         ("python_impl.vectorized:update", 0.223, 45)],
                                {"numpy": 0.61, "python_impl.vectorized": 0.39}),
            "mnist-shaped": _cprofile({"epochs": 1, "samples": 1000, "batches": 16,
                                       "repeats": 2},
                                      [("numpy:matmul", 0.38, 80),
                                       ("python_impl.vectorized:update", 0.21, 16)],
                                      {"numpy": 0.55, "python_impl.vectorized": 0.45}),
            "wide": _cprofile(wide, [("numpy:matmul", 0.873, 30)],
                              {"numpy": 0.93, "python_impl.vectorized": 0.07}),
        },
        "fortran": {"xor": _fortran(xor, 0.654), "digits": _fortran(digits, 0.913),
                    "wide": _fortran(wide, 0.987)},
    }
    if peers:
        out["numpy-loop"] = {
            "digits": _cprofile({"epochs": 1, "samples": 864, "batches": 27, "repeats": 1},
                                [("numpy:matmul", 0.225, 4320),
                                 ("python_impl.vectorized:backprop", 0.109, 864)],
                                {"numpy": 0.52, "python_impl.vectorized": 0.41})}
    return out


# Variants: what partial and interrupted runs look like.

def without_implementation(doc, impl):
    """doc as if impl had not been run (--impl without it)."""
    doc = copy.deepcopy(doc)
    doc["results"] = [r for r in doc["results"] if r["implementation"] != impl]
    if "more_threads" in doc:
        more = doc["more_threads"]
        more["results"] = [r for r in more["results"] if r["implementation"] != impl]
    doc["run"]["options"]["implementations"] = [i for i in IMPLS if i != impl]
    doc["gradient_checks"].pop(impl, None)
    doc["sources"].pop(impl, None)
    if doc["worked_example"]:
        doc["worked_example"]["traces"].pop(impl, None)
    return doc


def interrupted(doc, keep=9):
    """doc as an interrupted run leaves it: the first `keep` results, complete false."""
    doc = copy.deepcopy(doc)
    doc["results"] = doc["results"][:keep]
    doc["run"].update(finished=None, wall_seconds=None, complete=False)
    doc["worked_example"] = None
    doc["gradient_checks"] = {}
    doc["sources"] = {}
    return doc


def second_machine(doc):
    """doc as if run on another machine at a later commit: everything a bit slower."""
    doc = copy.deepcopy(doc)
    rng = random.Random(7)
    doc["run"]["started"] = "2026-11-29T10:00:00Z"
    doc["run"]["finished"] = "2026-11-29T10:04:40Z"
    doc["environment"]["cpu_model"] = "AMD EPYC 7R13 Processor"
    doc["environment"]["git_commit"] = "2b963ec0ffee0123456789abcdef0123456789ab"
    doc["environment"]["dgemm"]["gflops_median"] = 48.7
    for result in doc["results"]:
        if result["status"] != "skipped":
            factor = rng.uniform(1.05, 1.4)
            stats = result["time_per_epoch"]
            for key in ("median", "iqr", "min", "max", "mean", "stddev", "ci_low", "ci_high"):
                if key in stats:
                    stats[key] *= factor
            if "samples" in stats:
                stats["samples"] = [v * factor for v in stats["samples"]]
            result["samples_per_second"] /= factor
            result["gflops"] /= factor
    return doc
