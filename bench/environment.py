"""What a run records once about the machine and the software, and thread pinning.

`pin_thread_env` must run before NumPy (or PyTorch) is first imported: OpenBLAS and OpenMP
read their thread counts when they load. `pin_threads` then limits the loaded BLAS/OpenMP
pools through threadpoolctl and PyTorch through torch.set_num_threads.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

from bench.registry import DISTRIBUTION

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

PACKAGES = (DISTRIBUTION, "numpy", "torch", "scikit-learn", "scipy", "reportlab", "pypdf",
            "pytest", "pytest-benchmark", "threadpoolctl", "meson", "meson-python")

REPO = Path(__file__).resolve().parents[1]


def pin_thread_env(threads):
    """Set the BLAS/OpenMP thread variables (call before NumPy is imported)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


class ThreadsError(RuntimeError):
    """A thread count that a loaded library does not run with (it has a smaller maximum)."""


def check_threads(threads):
    """Raise ThreadsError unless every loaded BLAS/OpenMP library reports (threadpoolctl)
    that it runs with threads threads: what is recorded is what ran."""
    from threadpoolctl import threadpool_info  # noqa: PLC0415 - after the thread variables are set

    for info in threadpool_info():
        if info.get("num_threads") != threads:
            name = info.get("prefix") or info.get("internal_api") or "a library"
            raise ThreadsError(f"{threads} threads asked for, but {name} "
                               f"({info.get('user_api')}) runs with {info.get('num_threads')} "
                               f"(its maximum); ask for at most that many")


def pin_threads(threads, torch_loaded=False):
    """Limit every loaded BLAS/OpenMP pool (and PyTorch) to threads; return the limiter,
    which must be kept alive for the limit to hold. ThreadsError if a library cannot run
    that many."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - after threads are pinned

    limiter = threadpool_limits(limits=threads)
    check_threads(threads)
    if torch_loaded:
        from bench.peers import set_torch_threads  # noqa: PLC0415 - PyTorch only if loaded

        set_torch_threads(threads)
    return limiter


def thread_limit(threads):
    """Context: every loaded BLAS/OpenMP pool limited to threads, the earlier limits restored
    on exit (threadpoolctl raises OpenBLAS's count above the one it was loaded with)."""
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - after threads are pinned

    limiter = threadpool_limits(limits=threads)
    try:
        check_threads(threads)
    except ThreadsError:
        limiter.restore_original_limits()
        raise
    return limiter


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions():
    """{distribution: version or None} for the packages the run may use."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _run(command, cwd=None):
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=20,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def gfortran_version():
    """First line of `gfortran --version`, or None."""
    out = _run(["gfortran", "--version"])
    return out.splitlines()[0].strip() if out else None


def project_version():
    """This project's version, as installed (pip's metadata), or None."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None


def git_state():
    """(commit, dirty) of the source tree, or (None, None) when the code does not run from
    a git checkout (an installed wheel: its folder may lie inside some other repository,
    whose commit would say nothing about this code)."""
    if not (REPO / ".git").exists() or not (REPO / "pyproject.toml").is_file():
        return None, None
    commit = _run(["git", "rev-parse", "HEAD"], cwd=REPO)
    if commit is None:
        return None, None
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO)
    return commit.strip(), (None if status is None else bool(status.strip()))


def blas_info():
    """threadpoolctl's description of every loaded BLAS/OpenMP library."""
    from threadpoolctl import threadpool_info  # noqa: PLC0415 - after the thread variables are set

    keys = ("user_api", "internal_api", "version", "architecture", "num_threads",
            "threading_layer", "prefix", "filepath")
    return [{key: info.get(key) for key in keys if key in info} for info in threadpool_info()]


def fortran_build():
    """fortran_impl.build_info() (blas, flags, compiler), or None if it cannot be imported."""
    try:
        import fortran_impl  # noqa: PLC0415 - the build is read only when a run records it

        return dict(fortran_impl.build_info())
    except Exception as error:  # noqa: BLE001 - recorded, the run goes on
        return {"error": f"{type(error).__name__}: {error}"}


def measure_dgemm(n=1024, rounds=15, threads=1):
    """NumPy float64 matrix multiply C = A B (n x n), GFLOP/s over rounds (2 n^3 each)."""
    return measure_gemm("float64", n, rounds, threads)


def measure_sgemm(n=1024, rounds=15, threads=1):
    """measure_dgemm's sibling in single precision: NumPy float32 C = A B (BLAS sgemm), the
    limit the float32 timings are compared with."""
    return measure_gemm("float32", n, rounds, threads)


def measure_gemm(dtype, n=1024, rounds=15, threads=1):
    """NumPy matrix multiply C = A B (n x n) of dtype, GFLOP/s over rounds (2 n^3 each)."""
    import numpy as np  # noqa: PLC0415 - after the thread variables are set
    from threadpoolctl import threadpool_limits  # noqa: PLC0415 - after threads are pinned

    rng = np.random.default_rng(0)
    A = rng.standard_normal((n, n)).astype(dtype)
    B = rng.standard_normal((n, n)).astype(dtype)
    C = np.empty((n, n), dtype=dtype)
    rates = []
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(A, B, out=C)  # warm-up
        for _ in range(rounds):
            start = time.perf_counter()
            np.matmul(A, B, out=C)
            rates.append(2.0 * n ** 3 / (time.perf_counter() - start) / 1e9)
    median, iqr = median_iqr(rates)
    return {"n": n, "gflops_median": median, "gflops_iqr": iqr, "rounds": rounds,
            "threads": threads}


def median_iqr(values):
    """(median, interquartile range) of repeated measurements (IQR 0 for a single one)."""
    q1, _, q3 = statistics.quantiles(values, n=4) if len(values) > 1 else (values[0],) * 3
    return statistics.median(values), q3 - q1


def collect(threads, settings):
    """The environment entry of a results file (the runner adds the single-thread dgemm
    limit, "dgemm", and the pure-Python floor, "python_floor", next to the timings they are
    compared with)."""
    import numpy as np  # noqa: PLC0415 - after the thread variables are set

    commit, dirty = git_state()
    environment = {
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "threads": threads,
        "thread_variables": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "gfortran": gfortran_version(),
        "fortran_build": fortran_build(),
        "packages": package_versions(),
        "version": project_version(),
        "git_commit": commit,
        "git_dirty": dirty,
    }
    if threads != 1:
        environment["dgemm_threads"] = measure_dgemm(settings.dgemm_n, settings.dgemm_rounds,
                                                     threads=threads)
    return environment
