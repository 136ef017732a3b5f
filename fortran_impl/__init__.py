"""The Fortran 95 trainer (backprop.f90, wrapped by f2py), behind the contract's Network.

`Network` has the same methods as python_impl.pure.Network and python_impl.vectorized.Network;
`build_info()` says how the extension was built (BLAS dgemm or reference loops, flags,
compiler); `set_matmul_path` / `get_matmul_path` switch the matrix products at run time;
`epoch_orders` gives the sample orders that `Network.train` computes when given none;
`timed_calls()` times the raw Fortran calls for profiling (`with timed_calls() as timings:
net.train(...)`, then `timings.seconds["train"]`, `timings.calls["train"]`).
"""

from fortran_impl.network import (
                                  Network,
                                  build_info,
                                  epoch_orders,
                                  get_matmul_path,
                                  set_matmul_path,
                                  timed_calls,
)

__all__ = ["Network", "build_info", "epoch_orders", "get_matmul_path", "set_matmul_path",
           "timed_calls"]
