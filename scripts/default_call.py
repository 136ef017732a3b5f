"""What a user's call costs (issue 18): the public `net.train(X, Y, config)`, timed as a user
makes it, in alternation with another call in one process, one BLAS thread.

Two tables, each a median of paired ratios over cycles with its 95% order-statistic interval
(bench.stats.paired_ratio; each cycle times both calls once, in alternating order):

1. default / given: NumPy's and Fortran's default call over the same call given the orders
   it computes (precomputed, untimed): what computing the shuffle inside the call costs;
2. the implementations against each other through the default call.

    .venv/bin/python scripts/default_call.py [--cycles N] [workload ...]

A workload is a name of bench/workloads.py, or `sigmoid-digits`: the digits workload with
sigmoid hidden units (the 64-64-10 network of the issue). Pure Python runs on xor only.
"""

import argparse
import dataclasses
import time

from threadpoolctl import threadpool_limits

from bench import stats
from bench import workloads as wl
from bench.implementations import IMPLEMENTATIONS
from python_impl.spec import epoch_orders, init_params

DEFAULT_WORKLOADS = ("xor", "digits", "sigmoid-digits", "mnist-shaped", "wide", "nielsen")
# one round of the default call lasts at least this long (whole epochs)
ROUND_SECONDS = 0.05


def workload_of(name):
    """A workload of bench/workloads.py, or digits with sigmoid hidden units."""
    if name == "sigmoid-digits":
        digits = wl.get("digits")
        return dataclasses.replace(digits, name=name, spec=dataclasses.replace(
            digits.spec, hidden_activation="sigmoid"))
    return wl.get(name)


def round_of(Network, workload, data, orders_given):
    """A timed round: fresh network, then train(X, Y, config[, orders]); -> seconds."""
    spec, config = workload.spec, workload.config
    init = init_params(spec, workload.seed)
    X, Y = (data.X_train.tolist(), data.Y_train.tolist()) if Network is IMPLEMENTATIONS[
        "python"] else (data.X_train, data.Y_train)
    orders = epoch_orders(data.n_train, config) if orders_given else None
    if orders is not None and Network is not IMPLEMENTATIONS["python"]:
        import numpy as np  # noqa: PLC0415 - with the orders it converts

        orders = np.array(orders, dtype=np.intc if Network is IMPLEMENTATIONS["fortran"]
                          else np.intp)
    net = Network(spec, params=init)

    def timed():
        net.set_params(init)
        start = time.perf_counter()
        if orders is None:
            net.train(X, Y, config)
        else:
            net.train(X, Y, config, orders)
        return time.perf_counter() - start
    return timed


def scaled(workload, data):
    """The workload with as many epochs as make a NumPy round last ROUND_SECONDS."""
    probe = round_of(IMPLEMENTATIONS["numpy"], workload, data, False)
    probe()
    seconds = probe() / workload.config.epochs
    epochs = max(1, round(ROUND_SECONDS / seconds))
    return dataclasses.replace(workload, config=dataclasses.replace(workload.config,
                                                                     epochs=epochs))


def paired(first, second, cycles):
    """(first times, second times) over cycles, the order alternating, 2 warm-up cycles."""
    a, b = [], []
    for cycle in range(cycles + 2):
        if cycle % 2:
            t2, t1 = second(), first()
        else:
            t1, t2 = first(), second()
        if cycle >= 2:
            a.append(t1)
            b.append(t2)
    return a, b


def show(label, estimate):
    print(f"  {label:34} {estimate.value:8.3g}  [{estimate.low:.3g}-{estimate.high:.3g}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=DEFAULT_WORKLOADS)
    parser.add_argument("--cycles", type=int, default=15)
    args = parser.parse_args()
    with threadpool_limits(limits=1):
        for name in args.workloads:
            workload = workload_of(name)
            data = wl.dataset(workload)
            workload = scaled(workload, data)
            print(f"{name}: {workload.config.epochs} epochs per round, {args.cycles} cycles")
            rounds = {}
            for impl in ("numpy", "fortran"):
                Network = IMPLEMENTATIONS[impl]
                default, given = paired(round_of(Network, workload, data, False),
                                        round_of(Network, workload, data, True), args.cycles)
                rounds[impl] = default
                show(f"{impl}: default / orders given", stats.paired_ratio(default, given))
            numpy, fortran = paired(round_of(IMPLEMENTATIONS["numpy"], workload, data, False),
                                    round_of(IMPLEMENTATIONS["fortran"], workload, data, False),
                                    args.cycles)
            show("numpy / fortran (default calls)", stats.paired_ratio(numpy, fortran))
            if name == "xor":
                python, fortran = paired(
                    round_of(IMPLEMENTATIONS["python"], workload, data, False),
                    round_of(IMPLEMENTATIONS["fortran"], workload, data, False), args.cycles)
                show("python / fortran (default calls)", stats.paired_ratio(python, fortran))


if __name__ == "__main__":
    main()
