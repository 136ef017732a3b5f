"""One timed round of a prepared case: what pytest-benchmark's pedantic mode does for one
round of one iteration, done here so that the schedule (bench/schedule.py) decides which
round runs next and this module only reads the clock.

setup() runs first, untimed (it gives the network fresh initial parameters); then the
target, the public `net.train(X, Y, config)`, is timed with time.perf_counter, with any
tracer (a debugger, coverage) switched off for the call as pytest-benchmark's round runner
switches it off; the garbage collector is left as a user's program has it (enabled; the
objects imported before the run are frozen, bench.runner).
"""

from __future__ import annotations

import sys
import time


def time_round(prepared, clock=time.perf_counter):
    """Seconds per epoch of one round of prepared (a bench.prepare.Prepared): its setup
    untimed, then its target timed, scaled by prepared.scale (round time x scale = time per
    epoch)."""
    args, kwargs = prepared.setup()
    tracer = sys.gettrace()
    sys.settrace(None)
    try:
        start = clock()
        prepared.target(*args, **kwargs)
        seconds = clock() - start
    finally:
        sys.settrace(tracer)
    return seconds * prepared.scale
