"""The machine's state, as far as it can be read without privileges: what pyperf's
`system show` looks at and is readable here (load average, CPUs, frequency and governor
where exposed, steal time), and the share of CPU that other processes took while a workload
was timed (from the kernel's CPU statistics less this process's own CPU time). Linux /proc
and /sys; every figure is None where the file is missing. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

PROC_STAT = Path("/proc/stat")
CPUINFO = Path("/proc/cpuinfo")
GOVERNOR = Path("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
# Other processes that took more than the cores the benchmark left free (the CPU count less
# its threads) by this margin, on average over a workload's timing, took time from the
# benchmark itself: its results are marked as measured under heavy interference.
HEAVY_MARGIN_CORES = 0.1


def _read(path):
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        return None


def cpu_seconds():
    """(busy, steal) CPU seconds of the whole machine since boot, all CPUs summed, from the
    first line of /proc/stat (busy: user, nice, system, irq, softirq; steal apart), or None."""
    text = _read(PROC_STAT)
    if not text:
        return None
    fields = [int(v) for v in text.splitlines()[0].split()[1:]]
    fields += [0] * (8 - len(fields))
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def own_cpu_seconds():
    """This process's CPU time (all its threads, user and system)."""
    times = os.times()
    return times.user + times.system


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def state():
    """A snapshot: {"load_average": [1, 5, 15 min], "cpu_count", "cpu_mhz": mean of the
    CPUs' current frequency or None, "governor": str or None, "steal_share_since_boot"}."""
    mhz = [float(line.split(":")[1]) for line in (_read(CPUINFO) or "").splitlines()
           if line.startswith("cpu MHz")]
    governor = _read(GOVERNOR)
    seconds = cpu_seconds()
    uptime = _read("/proc/uptime")
    steal_share = None
    if seconds is not None and uptime:
        steal_share = seconds[1] / (float(uptime.split()[0]) * cpu_count())
    return {"load_average": [round(v, 2) for v in os.getloadavg()],
            "cpu_count": cpu_count(),
            "cpu_mhz": round(sum(mhz) / len(mhz), 1) if mhz else None,
            "governor": governor.strip() if governor else None,
            "steal_share_since_boot": steal_share}


def busy_warning(snapshot):
    """A sentence when the machine is busy before the run starts, else None."""
    load = snapshot["load_average"][0]
    if load > snapshot["cpu_count"] / 2:
        return (f"the machine is busy: load average {load:.2f} over the last minute on "
                f"{snapshot['cpu_count']} CPUs; timings will be noisier (ratios within the "
                "run hold better than absolute times)")
    return None


def canary(loops=20_000):
    """Seconds of a fixed piece of pure-Python work (about 2 ms here): timed once in every
    cycle beside the implementations, it shows how fast the machine itself ran, which the
    kernel's counters cannot (a host that throttles or overcommits this virtual machine
    reports no steal time here). bench compare leaves a workload whose canary changed
    undecided. No BLAS, no NumPy: a slower BLAS (OPENBLAS_CORETYPE) leaves it alone."""
    start = time.perf_counter()
    total = 0
    for i in range(loops):
        total += i * i % 7
    return time.perf_counter() - start


# the parallel canary's work: sha256 of this buffer, which hashlib hashes without the GIL
_PARALLEL_CANARY_BYTES = bytes(1 << 20)


def parallel_canary(threads, rounds=4):
    """Seconds of a fixed piece of work done on `threads` threads at once (each hashes a
    megabyte `rounds` times; hashlib lets go of the GIL for it): the canary of the timings
    with more threads. The single-threaded canary cannot see a second virtual CPU that the
    host gives less of (a sibling of the same physical core, a CPU quota): two BLAS threads
    then run no faster than one, and this takes longer. Standard library only."""
    def work():
        for _ in range(rounds):
            hashlib.sha256(_PARALLEL_CANARY_BYTES).digest()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


class OtherLoad:
    """Context: the CPU that other processes took while the block ran, in cores on average
    (the machine's busy CPU time less this process's), this process's own, and the steal
    time, as shares; heavy when the others took more than the cores that a benchmark running
    `threads` threads leaves free, so that they must have taken time from it."""

    def __init__(self, threads=1):
        self.threads = threads

    def __enter__(self):
        self.start = (time.perf_counter(), cpu_seconds(), own_cpu_seconds())
        self.figures = {"other_cores": None, "own_cores": None, "steal_share": None,
                        "heavy": None}
        return self

    def __exit__(self, *exc):
        wall0, machine0, own0 = self.start
        wall = time.perf_counter() - wall0
        machine1 = cpu_seconds()
        if machine0 is None or machine1 is None or wall <= 0:
            return False
        own = (own_cpu_seconds() - own0) / wall
        others = max(0.0, (machine1[0] - machine0[0]) / wall - own)
        free = max(0, cpu_count() - self.threads)
        self.figures = {"other_cores": round(others, 3), "own_cores": round(own, 3),
                        "steal_share": round((machine1[1] - machine0[1]) / (wall * cpu_count()),
                                             4),
                        "heavy": others > free + HEAVY_MARGIN_CORES}
        return False
