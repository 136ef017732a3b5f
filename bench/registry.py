"""Which implementations and peers the benchmark can run, and why not when it cannot.

`bench.implementations` is the registry of the three implementations; it imports all three.
When that import fails (say the Fortran extension is not built), `load` still gives the ones
asked for, importing each one's module as `bench/implementations.py` names it, and the
error names the implementation that is missing and why.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

IMPLEMENTATIONS = ("python", "numpy", "fortran")
PEERS = ("torch", "sklearn", "numpy-loop", "torch-cuda")
ALL = IMPLEMENTATIONS + PEERS
REFERENCE = "numpy"


class ImplementationError(RuntimeError):
    """An implementation or peer that was asked for cannot be imported."""

    def __init__(self, name, reason):
        super().__init__(f"implementation {name!r} is not available: {reason}")
        self.name = name
        self.reason = reason


def kind(name):
    """'implementation' or 'peer'."""
    return "peer" if name in PEERS else "implementation"


def _registry_modules():
    """{name: (module, attribute)} read from bench/implementations.py without importing it."""
    source = Path(__file__).with_name("implementations.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    aliases = {}
    registry = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                aliases[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "IMPLEMENTATIONS" for t in node.targets):
            for key, value in zip(node.value.keys, node.value.values):
                registry[key.value] = aliases[value.id]
    return registry


def _import_one(name):
    if name == "torch":
        from bench import peers  # noqa: PLC0415

        if not peers.installed("torch"):
            raise ImplementationError(name, "PyTorch is not installed (pip install '.[peers]')")
        importlib.import_module("torch")
        return peers.TorchNetwork
    if name == "torch-cuda":
        from bench import peers  # noqa: PLC0415

        if not peers.installed("torch"):
            raise ImplementationError(name, "PyTorch is not installed (pip install '.[peers]')")
        reason = peers.cuda_unavailable()
        if reason:
            raise ImplementationError(name, reason)
        return peers.TorchCudaNetwork
    if name == "sklearn":
        from bench import peers  # noqa: PLC0415

        if not peers.installed("sklearn"):
            raise ImplementationError(name, "scikit-learn is not installed "
                                            "(pip install '.[peers]')")
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
        module, attribute = _registry_modules()[name]
    except KeyError:
        raise ImplementationError(name, f"unknown; known: {', '.join(ALL)}") from None
    try:
        return getattr(importlib.import_module(module), attribute)
    except Exception as error:  # ImportError, or a build failure raised while importing
        raise ImplementationError(name, f"import of {module} failed: "
                                        f"{type(error).__name__}: {error}") from error


def load(names):
    """{name: Network class (None for sklearn)} for names; ImplementationError if one fails."""
    classes = {}
    wanted = [n for n in names if n in IMPLEMENTATIONS]
    if wanted:
        try:
            from bench.implementations import IMPLEMENTATIONS as registry  # noqa: PLC0415
        except Exception:  # noqa: BLE001 - find out below which one is missing
            registry = {}
        for name in wanted:
            classes[name] = registry[name] if name in registry else _import_one(name)
    for name in names:
        if name not in classes:
            classes[name] = _import_one(name)
    return classes


def availability():
    """{name: (available, version-or-reason)} for every implementation and peer."""
    status = {}
    for name in ALL:
        try:
            _import_one(name)
        except ImplementationError as error:
            status[name] = (False, error.reason)
        else:
            status[name] = (True, "available")
    return status
