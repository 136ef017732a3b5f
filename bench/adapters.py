"""How the benchmark drives each implementation and peer: one adapter per name, so that the
runner and the profiler ask an adapter instead of branching on names.

An adapter says what input form the implementation takes (nested lists for pure Python,
float64 arrays otherwise), whether it is timed within the pure-Python budget, which
workloads it cannot run and why, whether it is a Network class that the worked example and
the gradient checks trace, and how it is profiled. An implementation from outside the project
(bench.registry) takes the default adapter, `get`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench import peers, registry


@dataclass(frozen=True)
class Adapter:
    name: str
    label: str                   # in sentences: "pure Python"
    lists: bool = False          # takes nested lists, not arrays
    budgeted: bool = False       # timed within the pure-Python budget (whole, partial, skipped)
    per_sample_skip: bool = False  # skips batch-1 workloads (it would time another one)
    network: bool = True         # a Network class (False: scikit-learn's estimator)
    traced: bool = True          # in the worked example and the gradient checks
    profiler: str | None = None  # "cprofile", "fortran" (the f2py call timed), None: not
    device: bool = False         # computes on a device: its data is put there untimed

    def inputs(self, data):
        """(X_train, Y_train) as this implementation takes them."""
        if self.lists:
            return data.as_lists()
        return data.X_train, data.Y_train

    def test_inputs(self, data):
        """X_test as this implementation takes it."""
        return data.X_test.tolist() if self.lists else data.X_test

    def rows(self, X, index):
        """The rows of X (or Y) at index, in this implementation's form."""
        return [X[i] for i in index] if self.lists else X[index]

    def place(self, cls, spec, X, Y, dtype):
        """(X, Y) where the implementation computes: on its device for a device adapter
        (tensors made by cls's to_device, outside the timed region), else as they are."""
        if not self.device:
            return X, Y
        kwargs = {} if dtype == "float64" else {"dtype": dtype}
        return cls(spec, **kwargs).to_device(X, Y)

    def unsupported(self, workload):
        """Why this implementation does not run the workload, or None."""
        if self.per_sample_skip and workload.config.batch_size == 1:
            return peers.PER_SAMPLE_SKIP
        if not self.network:
            return peers.sklearn_unsupported(workload)
        return None


ADAPTERS = {adapter.name: adapter for adapter in (
    # the reference first: the others are compared with its untimed run
    Adapter(registry.REFERENCE, "NumPy", profiler="cprofile"),
    Adapter("python", "pure Python", lists=True, budgeted=True, profiler="cprofile"),
    Adapter("fortran", "Fortran", profiler="fortran"),
    Adapter("torch", "PyTorch"),
    Adapter("sklearn", "scikit-learn", network=False, traced=False),
    Adapter("numpy-loop", "the per-sample NumPy loop", budgeted=True,
            per_sample_skip=True, traced=False, profiler="cprofile"),
    Adapter("torch-cuda", "PyTorch on CUDA", device=True),
)}
ORDER = tuple(ADAPTERS)
assert set(ORDER) == set(registry.ALL), "every implementation and peer needs an adapter"


def get(name):
    """The adapter of name; an external implementation's (registered by another package, or
    named MODULE:CLASS) takes arrays as the contract allows, is timed within the pure-Python
    budget (it may be slow: calibrated first, like pure Python), traced by the worked
    example and the gradient checks, and not profiled."""
    if name in ADAPTERS:
        return ADAPTERS[name]
    return Adapter(name, name, budgeted=True)


def order(names):
    """names in the order their cases run: the reference first, the project's own, then the
    external ones as given, then the peers."""
    own = [name for name in ORDER if name in names and registry.kind(name) == "implementation"]
    peers = [name for name in ORDER if name in names and registry.kind(name) == "peer"]
    return own + [name for name in names if name not in ORDER] + peers
