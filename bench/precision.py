"""The benchmark's precision axis: which cases run in float32 beside float64, and the data and
networks of a float32 case. A case is (implementation, workload, threads, dtype); a result
carries its "dtype".

float32 is timed on the batched workloads (their products are sgemm's; per-sample steps are
bound by call overhead, which precision does not change) for the implementations and peers
that compute in float32: NumPy, Fortran, PyTorch (CPU and CUDA) and scikit-learn (which keeps
float32 input in float32). Its agreement is measured against the float64 reference's untimed
run (NumPy) from the same start and orders, within the contract's float32 tolerance.
"""

from __future__ import annotations

from python_impl.spec import AGREEMENT_TOLERANCE, DTYPES, FLOAT32_AGREEMENT_TOLERANCE

DEFAULT = "float64"
FLOAT32 = "float32"
# what `run` times unless --dtype says otherwise: both (float32 where it applies)
DEFAULT_DTYPES = (DEFAULT, FLOAT32)
FLOAT32_WORKLOADS = ("digits", "mnist-shaped", "wide")
FLOAT32_IMPLEMENTATIONS = ("numpy", "fortran", "torch", "torch-cuda", "sklearn")
TOLERANCES = {DEFAULT: AGREEMENT_TOLERANCE, FLOAT32: FLOAT32_AGREEMENT_TOLERANCE}


def parse(values):
    """--dtype values (repeatable, comma-separated) -> the dtypes in DTYPES order; ValueError
    naming the unknown one."""
    names = set()
    for value in values or []:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in DTYPES:
                raise ValueError(f"unknown dtype {name!r}; known: {', '.join(DTYPES)}")
            names.add(name)
    return [name for name in DTYPES if name in names]


def declared_dtypes(cls):
    """The precisions a class says it computes in (its `dtypes`), float64 alone by default."""
    return tuple(getattr(cls, "dtypes", (DEFAULT,)))


def case_dtypes(implementation, workload, dtypes, declared=None):
    """The precisions the run times implementation on workload in, of the run's dtypes:
    float32 on FLOAT32_WORKLOADS for an implementation that computes in it (the project's own
    and peers: FLOAT32_IMPLEMENTATIONS; an external one: its class's `declared` dtypes)."""
    float32 = (implementation in FLOAT32_IMPLEMENTATIONS if declared is None
               else FLOAT32 in declared)
    return [dtype for dtype in dtypes
            if dtype == DEFAULT or (float32 and workload in FLOAT32_WORKLOADS)]


def inputs(X, Y, dtype):
    """The training arrays in the case's precision (converted outside the timed region)."""
    if dtype == DEFAULT or isinstance(X, list):
        return X, Y
    return X.astype(dtype), None if Y is None else Y.astype(dtype)


def network_kwargs(dtype):
    """Keyword arguments that create a network in dtype (none for float64, so that classes
    without a dtype argument keep working)."""
    return {} if dtype == DEFAULT else {"dtype": dtype}


def label(implementation, dtype):
    """'numpy' or 'numpy float32': a case's name in lines and tables."""
    return implementation if dtype == DEFAULT else f"{implementation} {dtype}"
