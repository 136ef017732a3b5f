"""The registry of implementations: name -> Network class, as the contract names them."""

from fortran_impl import Network as FortranNetwork
from python_impl.pure import Network as PureNetwork
from python_impl.vectorized import Network as NumpyNetwork

IMPLEMENTATIONS = {
    "python": PureNetwork,
    "numpy": NumpyNetwork,
    "fortran": FortranNetwork,
}

# The implementation every other one is compared against on each workload.
REFERENCE = "numpy"
