"""The benchmark times the call a user makes: each timed round is the public
`Network.train(X, Y, config)` as the README shows it (float64 C-ordered arrays for NumPy and
Fortran, nested lists for pure Python, no sample orders, no private entry point).

Checked by structure, not by a timing: the implementation's class is replaced by a spy that
records every `train` call, a case is prepared as `python -m bench run` prepares it, and the
rounds' setup and target are run once.
"""

import numpy as np
import pytest

from bench import settings
from bench import workloads as wl
from bench.implementations import IMPLEMENTATIONS
from bench.prepare import Case, Preparer


def spy_class(Network, calls):
    """Network with its train recorded: (args, kwargs) of every call."""

    class Spy(Network):
        def train(self, *args, **kwargs):
            calls.append((args, kwargs))
            return super().train(*args, **kwargs)

    return Spy


def prepared_with_spy(name, workload, dtype="float64"):
    """(prepared case, the train calls of its timed round): the case prepared with the spy
    as the implementation (and the plain NumPy as the reference), then one round run."""
    calls = []
    classes = dict(IMPLEMENTATIONS)
    classes[name] = spy_class(IMPLEMENTATIONS[name], calls)
    preparer = Preparer(classes, {}, settings.QUICK_SETTINGS, threads=1)
    prepared = preparer.prepare(Case(name, workload, dtype=dtype))
    untimed = len(calls)
    args, kwargs = prepared.setup()
    prepared.target(*args, **kwargs)
    return prepared, calls[untimed:]


@pytest.mark.parametrize("name, workload", [("numpy", "digits"), ("fortran", "digits"),
                                            ("fortran", "xor"), ("python", "xor"),
                                            ("python", "digits")])
def test_the_timed_round_is_the_public_train_call(name, workload):
    prepared, calls = prepared_with_spy(name, workload)
    assert prepared.result["status"] in ("ok", "partial")
    assert len(calls) == 1                               # one train call per round
    args, kwargs = calls[0]
    assert kwargs == {} and len(args) == 3               # train(X, Y, config): no orders
    X, Y, config = args
    data = wl.dataset(wl.get(workload))
    if name == "python":
        assert type(X) is list and type(X[0]) is list and type(X[0][0]) is float
        assert type(Y) is list
    else:
        for array in (X, Y):
            assert isinstance(array, np.ndarray) and array.dtype == np.float64
            assert array.flags.c_contiguous
    spec_config = wl.get(workload).config
    if prepared.result["status"] == "partial" or prepared.result.get("timed_batches"):
        # pure Python's partial round: the same call on the first samples of epoch 1
        assert config.epochs == 1 and len(X) < data.n_train
    else:
        assert len(X) == data.n_train
        assert config.epochs == prepared.epochs_per_round
    for field in ("learning_rate", "batch_size", "momentum", "l2", "shuffle", "seed"):
        assert getattr(config, field) == getattr(spec_config, field)


def test_a_float32_round_gives_float32_c_ordered_arrays():
    _, calls = prepared_with_spy("fortran", "digits", dtype="float32")
    (X, Y, _), kwargs = calls[0]
    assert kwargs == {}
    assert X.dtype == np.float32 and Y.dtype == np.float32
    assert X.flags.c_contiguous and Y.flags.c_contiguous
