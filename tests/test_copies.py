"""A network is a value a user can keep (docs/contract.md): pickled and unpickled, deep-copied,
copied, or sent to and back from a worker process, it is an independent network that trains
exactly as the original would, and training it leaves the original as it was. Every
implementation, both precisions (pure Python: float64 only)."""

import concurrent.futures
import copy
import multiprocessing
import pickle

import pytest
from conftest import load, params_as_lists

from python_impl.spec import NetworkSpec, TrainConfig

SPEC = NetworkSpec((3, 5, 2), "tanh", "sigmoid", "mse")
X = [[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [-0.7, 0.8, 0.9], [0.5, 0.5, -0.5], [0.0, 1.0, 0.25]]
Y = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], [0.0, 0.0]]
CONFIG = TrainConfig(epochs=3, learning_rate=0.3, batch_size=2, momentum=0.9, l2=1e-3, seed=4)
CASES = [("python", "float64"), ("numpy", "float64"), ("numpy", "float32"),
         ("fortran", "float64"), ("fortran", "float32")]
WAYS = {"pickle": lambda net: pickle.loads(pickle.dumps(net)),
        "deepcopy": copy.deepcopy,
        "copy": copy.copy}


def trained(name, dtype):
    """A network of implementation `name` that has trained once (its state after train)."""
    net = load(name)(SPEC, seed=1, dtype=dtype)
    net.train(X, Y, CONFIG)
    return net


def state(net):
    """Everything a network shows: its parameters and its outputs, as nested lists."""
    return params_as_lists(net.get_params()), [list(map(float, row)) for row in net.forward(X)]


def trains_to(name, dtype, params):
    """(history, state after) of a fresh network of these parameters trained once."""
    net = load(name)(SPEC, params=params, dtype=dtype)
    return net.train(X, Y, CONFIG), state(net)


@pytest.mark.parametrize("way", sorted(WAYS))
@pytest.mark.parametrize("name, dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_a_copy_is_an_independent_network_that_trains_as_the_original(name, dtype, way):
    original = trained(name, dtype)
    before = state(original)
    expected = trains_to(name, dtype, original.get_params())
    duplicate = WAYS[way](original)
    assert state(duplicate) == before
    assert (duplicate.train(X, Y, CONFIG), state(duplicate)) == expected
    assert state(original) == before                  # training the copy left it alone
    assert (original.train(X, Y, CONFIG), state(original)) == expected
    assert state(duplicate) == expected[1]            # and training it left the copy alone


def train_in_worker(net):
    """Run in a worker process: train the network it was sent; return it and its history."""
    history = net.train(X, Y, CONFIG)
    return net, history


def test_networks_sent_to_and_back_from_a_process_pool_train_as_the_originals():
    originals = {case: trained(*case) for case in CASES}
    before = {case: state(net) for case, net in originals.items()}
    # spawn: a fresh interpreter, whose networks arrive and return by pickle only
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = {case: pool.submit(train_in_worker, net) for case, net in originals.items()}
        returned = {case: future.result(timeout=600) for case, future in futures.items()}
    for (name, dtype), (net, history) in returned.items():
        expected = trains_to(name, dtype, originals[name, dtype].get_params())
        assert (history, state(net)) == expected, (name, dtype)
        assert state(originals[name, dtype]) == before[name, dtype]
        # the returned network trains on, as a network of its parameters would here
        again = trains_to(name, dtype, net.get_params())
        assert (net.train(X, Y, CONFIG), state(net)) == again, (name, dtype)
