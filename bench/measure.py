"""Untimed measurements around the benchmark: the training run that gives the learning
curve, the trained parameters (for the agreement with the reference), the accuracies and the
peak memory; the calibration that sizes the timed rounds (bench.settings holds how long).
"""

from __future__ import annotations

import math
import resource
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from python_impl.arrays import history_diff, layer_diffs
from python_impl.spec import AGREEMENT_TOLERANCE, TrainConfig

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def epochs_per_round(seconds_per_epoch, settings):
    """Epochs in one timed round, so that a round lasts at least min_round_seconds."""
    return max(1, math.ceil(settings.min_round_seconds / max(seconds_per_epoch, 1e-7)))


# ---- memory ----------------------------------------------------------------------------------

def _status_bytes(field):
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


class PeakMemory:
    """Peak resident-memory growth over a block: the kernel's high-water mark (VmHWM), reset
    through /proc/self/clear_refs on entry, less the resident size (VmRSS) on entry. Counts
    every allocation that is touched (Python, NumPy, Fortran, PyTorch). Where the reset is
    not allowed, falls back to the growth of getrusage's ru_maxrss (zero unless the block
    sets a new peak for the process)."""

    def __enter__(self):
        try:
            _CLEAR_REFS.write_text("5")
            self.method = "rss-hwm"
            self.start = _status_bytes("VmRSS")
        except OSError:
            self.method = "maxrss"
            self.start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = None
        return self

    def __exit__(self, *exc):
        if self.method == "rss-hwm":
            self.peak = max(0, _status_bytes("VmHWM") - self.start)
        else:
            self.peak = max(0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                            - self.start)
        return False


MEMORY_NOTES = {
    "rss-hwm": "peak resident memory above the level at the start of one untimed training "
               "run (Linux VmHWM, reset through /proc/self/clear_refs): every allocation "
               "that is touched, by Python, NumPy, Fortran or PyTorch; memory reused from "
               "the allocator's free lists is not counted again",
    "maxrss": "growth of the process's peak resident memory (getrusage ru_maxrss) over one "
              "untimed training run: zero unless that run set a new peak for the process",
}


# ---- training runs ---------------------------------------------------------------------------

@dataclass
class TrainRun:
    """The outcome of one untimed training run."""

    params: list          # [(W, b)] as float64 arrays
    history: list         # per-epoch losses
    seconds: float        # wall time of the train call
    epochs: int
    peak_memory: int | None
    memory_method: str
    net: object = None    # the trained network (for accuracies)


def as_arrays(params):
    """[(W, b)] as float64 arrays (from nested lists or arrays)."""
    return [(np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64))
            for W, b in params]


def train_run(cls, spec, init, X, Y, config, orders, **network_kwargs):
    """Train a fresh cls(spec, init, **network_kwargs) once, measuring time and peak memory."""
    net = cls(spec, params=init, **network_kwargs)
    with PeakMemory() as memory:
        start = time.perf_counter()
        history = net.train(X, Y, config, orders)
        seconds = time.perf_counter() - start
    return TrainRun(as_arrays(net.get_params()), [float(v) for v in history], seconds,
                    config.epochs, memory.peak, memory.method, net)


def calibrate_per_sample(cls, spec, init, X, Y, config, target_seconds=0.02):
    """Seconds per training sample, from training on 1, 4, 16, ... samples (one epoch,
    batches of min(batch_size, m)) until one call takes target_seconds (and, unless that call
    took ten times as long, at least 4 samples were used) or all are used. With two or more
    calls, the slope between the last two (at least half the last call's mean), so that a
    call's fixed cost (allocating work arrays for large layers) is not counted per sample."""
    n = len(X)
    m = 1
    previous = None
    while True:
        cfg = TrainConfig(epochs=1, learning_rate=config.learning_rate,
                          batch_size=min(config.batch_size, m), momentum=config.momentum,
                          l2=config.l2, shuffle=False, seed=config.seed)
        net = cls(spec, params=init)
        start = time.perf_counter()
        net.train(X[:m], Y[:m], cfg, [list(range(m))])
        seconds = time.perf_counter() - start
        enough = seconds >= target_seconds and (m >= 4 or seconds >= 10 * target_seconds)
        if enough or m >= n:
            if previous is not None:
                # at least half the mean time per sample: a noisy slope is not trusted below
                slope = (seconds - previous[1]) / (m - previous[0])
                return max(slope, 0.5 * seconds / m)
            return seconds / m
        previous = (m, seconds)
        m = min(n, m * 4)


# ---- agreement and accuracy ------------------------------------------------------------------

def max_rel_param_diff(params, reference):
    """The contract's agreement of trained parameters: the largest over layers of
    python_impl.arrays.layer_diffs (max |P - Q| / max |Q| over each layer's W and b together)."""
    return max(layer_diffs(params, reference), default=0.0)


def max_rel_history_diff(history, reference):
    """The contract's agreement of histories: python_impl.arrays.history_diff."""
    return history_diff(history, reference)


def agreement(run, reference_run, reference="numpy", note=None,
              tolerance=AGREEMENT_TOLERANCE):
    """The agreement entry of a result: run against the reference's run from the same start
    (tolerance: the contract's for the run's precision; the float64 one by default)."""
    param_diff = max_rel_param_diff(run.params, reference_run.params)
    history_diff = max_rel_history_diff(run.history, reference_run.history)
    within = (math.isfinite(param_diff) and param_diff <= tolerance
              and math.isfinite(history_diff) and history_diff <= tolerance)
    return {"reference": reference, "max_rel_param_diff": param_diff,
            "max_rel_history_diff": history_diff, "within_tolerance": within,
            "epochs_compared": len(run.history), "tolerance": tolerance,
            "note": note}


def accuracy(outputs, labels):
    """Fraction of rows whose predicted class is the label (one output: threshold 0.5)."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.shape[1] == 1:
        predicted = (outputs[:, 0] >= 0.5).astype(int)
    else:
        predicted = np.argmax(outputs, axis=1)
    return float(np.mean(predicted == np.asarray(labels)))
