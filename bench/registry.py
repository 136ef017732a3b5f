"""Which implementations and peers the benchmark can run, and why not when it cannot.

Every implementation is found the same way: an entry point in the group
`backprop_bench.implementations` (GROUP), whose name is what `--impl` takes and whose object
is a class that keeps the contract (docs/contract.md; `Network(spec, params=None, seed=0)`,
forward, loss, gradients, train, predict, get_params, set_params). This project registers
its own three and its peers there too (pyproject.toml); another installed package registers
its own ("external" implementations), and `--impl MODULE:CLASS` names a class without
packaging it. A class may declare the precisions it computes in, `dtypes = ("float64",
"float32")`; float64 alone otherwise.

The vocabulary the rest of the project uses (the own three, the peers, the reference) is
named here once. `load` imports what is asked for, each from its entry point, so that when
one cannot be imported (say the Fortran extension is not built) the others still load and
the error names the one that is missing and why. `availability` says, for `bench list`,
what can run: a name that clashes with another, or an entry point that fails to import, is
reported with its reason and left out, never a traceback.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

GROUP = "backprop_bench.implementations"
DISTRIBUTION = "backprop-bench"   # this project, as pip knows it
# The project's own three implementations (their names: bench.implementations.IMPLEMENTATIONS
# maps them to their classes) and its peers, in table order.
OWN = ("python", "numpy", "fortran")
PEERS = ("torch", "sklearn", "numpy-loop", "torch-cuda")
ALL = OWN + PEERS
REFERENCE = "numpy"
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


@dataclass(frozen=True)
class Entry:
    """Where an implementation comes from: its name, its object ("module:attribute"), and
    the distribution that registered it (None for `--impl MODULE:CLASS`)."""

    name: str
    value: str
    distribution: str | None = None
    version: str | None = None

    @property
    def kind(self):
        return kind(self.name)

    def origin(self):
        """Where it comes from, in words: 'backprop-example 0.1.0 (backprop_example:Network)'."""
        if self.distribution is None:
            return f"{self.value} (named on the command line)"
        return f"{self.distribution} {self.version} ({self.value})"


def kind(name):
    """'implementation' (the project's own three), 'peer', or 'external' (any other)."""
    if name in OWN:
        return "implementation"
    return "peer" if name in PEERS else "external"


def is_object_path(name):
    """Whether an --impl name is a MODULE:CLASS path rather than a registered name."""
    return ":" in name


def discover():
    """({name: Entry} of the group's entry points that can be used, {label: reason} of those
    that cannot: a name registered twice (label: the name; both are left out), or a name of
    this project's own registered by another package (label: 'name (package)')."""
    found, clashes = {}, {}
    for point in importlib.metadata.entry_points(group=GROUP):
        dist = getattr(point, "dist", None)
        entry = Entry(point.name, point.value, dist.name if dist else None,
                      dist.version if dist else None)
        if entry.name in ALL and entry.distribution != DISTRIBUTION:
            clashes[f"{entry.name} ({entry.distribution})"] = (
                f"{entry.origin()} registers the name of this project's own "
                f"{kind(entry.name)}; it is left out")
            continue
        if entry.name in found and found[entry.name] != entry:
            clashes[entry.name] = (f"registered twice: by {found.pop(entry.name).origin()} "
                                   f"and by {entry.origin()}; both are left out")
            continue
        if entry.name not in clashes:
            found[entry.name] = entry
    return found, clashes


def entry(name):
    """The Entry of name (a registered name or a MODULE:CLASS path); ImplementationError when
    there is none or it clashes."""
    if is_object_path(name):
        return Entry(name, name)
    found, clashes = discover()
    if name in clashes:
        raise ImplementationError(name, clashes[name])
    if name not in found:
        raise ImplementationError(name, f"unknown; known: {', '.join(names())}")
    return found[name]


def names():
    """Every name --impl takes (without MODULE:CLASS paths): the project's own and peers in
    table order, then the external ones by name."""
    found, _ = discover()
    return list(ALL) + sorted(name for name in found if name not in ALL)


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


def _peer_problem(name, look_for_cuda):
    """Why a peer cannot run here, found without importing it (None if it may): its package
    is not installed, or (torch-cuda, look_for_cuda) no NVIDIA driver is loaded."""
    if name not in PEER_PACKAGES:
        return None
    module, distribution, label = PEER_PACKAGES[name]
    if importlib.util.find_spec(module) is None:
        return f"{label} is not installed ({install_hint(distribution)})"
    if name == "torch-cuda" and look_for_cuda and not NVIDIA_DRIVER.exists():
        return f"no CUDA device is visible (no NVIDIA driver: {NVIDIA_DRIVER} is missing)"
    return None


def _load_object(item):
    """The object an Entry names, imported; ImplementationError with the reason otherwise."""
    module, _, attribute = item.value.partition(":")
    try:
        target = importlib.import_module(module.strip())
        for part in attribute.strip().split("."):
            target = getattr(target, part)
    except Exception as error:  # ImportError, a build failure raised while importing, ...
        raise ImplementationError(item.name, f"import of {item.value} failed: "
                                             f"{type(error).__name__}: {error}") from error
    return target


def load_one(name):
    """The class of name (a registered name or MODULE:CLASS). A peer's package is looked for
    first, and PyTorch imported (a broken install shows here); torch-cuda needs a device."""
    item = entry(name)
    reason = _peer_problem(name, look_for_cuda=False)
    if reason:
        raise ImplementationError(name, reason)
    loaded = _load_object(item)
    if name in ("torch", "torch-cuda"):
        importlib.import_module("torch")
        from bench import peers  # noqa: PLC0415 - imports NumPy

        if name == "torch-cuda" and peers.cuda_unavailable():
            raise ImplementationError(name, peers.cuda_unavailable())
    return loaded


def load(names_asked):
    """{name: class} for the names asked (scikit-learn's: its estimator factory, run through
    bench.peers' adapter); ImplementationError if one cannot be loaded."""
    return {name: load_one(name) for name in names_asked}


def availability():
    """{name: (available, reason-if-not, Entry or None)} for every implementation, peer and
    external one found (the clashes included, as not available). The implementations are
    imported (a broken build shows here); the peers are only looked up, never imported."""
    found, clashes = discover()
    status = {}
    for name in names():
        item = found.get(name)
        if item is None:
            status[name] = (False, "its entry point is not registered (reinstall the project: "
                                   "pip install -e .)", None)
            continue
        reason = _peer_problem(name, look_for_cuda=True)
        if reason is None and name not in PEERS:
            try:
                _load_object(item)
            except ImplementationError as error:
                reason = error.reason
        status[name] = (reason is None, reason or "available", item)
    for name, reason in clashes.items():
        status[name] = (False, reason, None)
    return status
