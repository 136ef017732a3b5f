"""Measure float32 agreement on every workload (issue 14, part C): after training, float32
NumPy against float32 Fortran, and each against the float64 reference (NumPy float64): the
per-layer parameter agreement, the history agreement, and how much the final loss and the
accuracy (training split; held-out too when there is one) move.

    .venv/bin/python scripts/float32_agreement.py [workload ...]   (default: every workload)
"""

import sys

import numpy as np
from threadpoolctl import threadpool_limits

from bench.workloads import WORKLOADS, dataset
from fortran_impl import Network as FortranNetwork
from python_impl.arrays import history_diff, layer_diffs
from python_impl.spec import epoch_orders
from python_impl.vectorized import Network as NumpyNetwork


def accuracy(net, X, labels):
    """Fraction of samples whose prediction is their label."""
    return float(np.mean(net.predict(X) == labels))


def main(names):
    print(f"{'workload':15} {'np32-f32 params':>15} {'hist':>9} {'np32-ref':>9} {'f32-ref':>9} "
          f"{'loss64':>10} {'dloss32 rel':>11} {'acc64':>6} {'dacc np32':>9} {'dacc f32':>8} "
          f"{'test64':>6} {'dtest32':>7}")
    for name in names:
        w = WORKLOADS[name]
        data = dataset(w)
        orders = np.array(epoch_orders(data.n_train, w.config), dtype=np.intc)
        runs = {}
        for label, cls, dtype in (("ref", NumpyNetwork, "float64"),
                                  ("np32", NumpyNetwork, "float32"),
                                  ("f32", FortranNetwork, "float32")):
            net = cls(w.spec, seed=w.seed, dtype=dtype)
            history = net.train(data.X_train, data.Y_train, w.config, orders)
            test = (accuracy(net, data.X_test, data.labels_test)
                    if data.X_test is not None else float("nan"))
            runs[label] = (history, net.get_params(),
                           accuracy(net, data.X_train, data.labels_train), test)
        ref, np32, f32 = runs["ref"], runs["np32"], runs["f32"]
        loss64 = ref[0][-1]
        dloss = max(abs(r[0][-1] - loss64) / abs(loss64) for r in (np32, f32))
        print(f"{name:15} {max(layer_diffs(np32[1], f32[1])):15.2e} "
              f"{history_diff(np32[0], f32[0]):9.2e} "
              f"{max(layer_diffs(np32[1], ref[1])):9.2e} {max(layer_diffs(f32[1], ref[1])):9.2e} "
              f"{loss64:10.4g} {dloss:11.2e} {ref[2]:6.3f} {np32[2] - ref[2]:+9.4f} "
              f"{f32[2] - ref[2]:+8.4f} {ref[3]:6.3f} "
              f"{max(abs(np32[3] - ref[3]), abs(f32[3] - ref[3])):7.4f}", flush=True)


if __name__ == "__main__":
    with threadpool_limits(1):
        main(sys.argv[1:] or list(WORKLOADS))
