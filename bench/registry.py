"""Which implementations and peers the benchmark can run, and why not when it cannot.

`load` imports each implementation asked for from its module (MODULES), so that when one
cannot be imported (say the Fortran extension is not built) the others still load and the
error names the one that is missing and why. (`bench.implementations` is the contract's
name for the three classes, built from MODULES too.)
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
from pathlib import Path

# The one vocabulary: every implementation, peer and the reference are named here; the rest of
# the project imports these names (bench.results re-exports them for the reports).
# The three implementations and where each one's Network class lives (bench.implementations
# imports them from here).
MODULES = {"python": ("python_impl.pure", "Network"),
           "numpy": ("python_impl.vectorized", "Network"),
           "fortran": ("fortran_impl", "Network")}
IMPLEMENTATIONS = tuple(MODULES)
PEERS = ("torch", "sklearn", "numpy-loop", "torch-cuda")
ALL = IMPLEMENTATIONS + PEERS
REFERENCE = "numpy"
DISTRIBUTION = "backprop-bench"   # this project, as pip knows it
# Where Linux shows a loaded NVIDIA driver: `bench list` looks for CUDA there instead of
# importing PyTorch (a run asks PyTorch itself, bench.peers.cuda_unavailable).
NVIDIA_DRIVER = Path("/proc/driver/nvidia/version")
# The peers' packages: (module to find, distribution to install, label).
PEER_PACKAGES = {"torch": ("torch", "torch", "PyTorch"),
                 "torch-cuda": ("torch", "torch", "PyTorch"),
                 "sklearn": ("sklearn", "scikit-learn", "scikit-learn")}


class ImplementationError(RuntimeError):
    """An implementation or peer that was asked for cannot be imported."""

    def __init__(self, name, reason):
        super().__init__(f"implementation {name!r} is not available: {reason}")
        self.name = name
        self.reason = reason


def kind(name):
    """'implementation' or 'peer'."""
    return "peer" if name in PEERS else "implementation"


def install_hint(distribution):
    """The pip command that installs a peer's distribution, as this installation of the
    project requires it (its 'peers' extra), so that it works wherever the project is
    installed: `pip install 'torch==2.13.0'`."""
    try:
        requirements = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        requirements = []
    for requirement in requirements:
        spec, _, marker = requirement.partition(";")
        name = re.split(r"[\s<>=!~\[]", spec.strip(), maxsplit=1)[0]
        if name.lower() == distribution.lower() and "peers" in marker:
            return f"pip install '{spec.strip()}'"
    return f"pip install {distribution}"


def _not_installed(name):
    module, distribution, label = PEER_PACKAGES[name]
    if importlib.util.find_spec(module) is None:
        return f"{label} is not installed ({install_hint(distribution)})"
    return None


def _import_one(name):
    if name in PEER_PACKAGES:
        reason = _not_installed(name)
        if reason:
            raise ImplementationError(name, reason)
        from bench import peers  # noqa: PLC0415

        if name == "torch":
            importlib.import_module("torch")
            return peers.TorchNetwork
        if name == "torch-cuda":
            reason = peers.cuda_unavailable()
            if reason:
                raise ImplementationError(name, reason)
            return peers.TorchCudaNetwork
        importlib.import_module("sklearn.neural_network")
        return None  # run through bench.peers' scikit-learn adapter, not a Network class
    if name == "numpy-loop":
        try:
            from bench import peers  # noqa: PLC0415
        except Exception as error:  # noqa: BLE001 - NumPy or python_impl missing
            raise ImplementationError(name, f"import failed: {type(error).__name__}: "
                                            f"{error}") from error
        return peers.NumpyLoopNetwork
    try:
        module, attribute = MODULES[name]
    except KeyError:
        raise ImplementationError(name, f"unknown; known: {', '.join(ALL)}") from None
    try:
        return getattr(importlib.import_module(module), attribute)
    except Exception as error:  # ImportError, or a build failure raised while importing
        raise ImplementationError(name, f"import of {module} failed: "
                                        f"{type(error).__name__}: {error}") from error


def load(names):
    """{name: Network class (None for sklearn)} for names; ImplementationError if one fails."""
    return {name: _import_one(name) for name in names}


def availability():
    """{name: (available, reason-if-not)} for every implementation and peer. The three
    implementations are imported (a broken build shows here); the peers are only looked up
    (importlib.util.find_spec), never imported: they are imported only to run them."""
    status = {}
    for name in ALL:
        try:
            if name in PEER_PACKAGES:
                reason = _not_installed(name)
                if reason:
                    raise ImplementationError(name, reason)
                if name == "torch-cuda" and not NVIDIA_DRIVER.exists():
                    raise ImplementationError(name, f"no CUDA device is visible (no NVIDIA "
                                                    f"driver: {NVIDIA_DRIVER} is missing)")
            elif name == "numpy-loop":
                if importlib.util.find_spec("numpy") is None:
                    raise ImplementationError(name, "NumPy is not installed")
            else:
                _import_one(name)
        except ImplementationError as error:
            status[name] = (False, error.reason)
        else:
            status[name] = (True, "available")
    return status
