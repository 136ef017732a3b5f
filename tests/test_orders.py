"""The sample orders (docs/contract.md, "Sample orders"): one generator, written four times.

python_impl.spec holds the contract's reference text; pure.py, vectorized.py and the Fortran
(trainer.inc) each compute the same orders natively inside `train`. These tests hold the
reference to the documented algorithm and its published examples, and every implementation
to the reference, over many (seed, epoch, n), n = 1 and n in the tens of thousands included;
then that `train` without orders trains exactly as `train` given the reference's orders.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import fortran_impl
from bench.implementations import IMPLEMENTATIONS
from python_impl import pure, vectorized
from python_impl import spec as S
from python_impl.spec import MAX_COUNT, NetworkSpec, TrainConfig, init_params

SEEDS = (0, 1, 2, 12, 99991, MAX_COUNT)
SIZES = (1, 2, 3, 4, 5, 10, 17, 64, 150, 1000, 40_000, 65_537)


def config_of(seed, epochs=3, shuffle=True):
    return TrainConfig(epochs=epochs, learning_rate=0.1, seed=seed, shuffle=shuffle)


def mix32_wrapping(x):
    """mix32 as docs/contract.md writes it, in NumPy's wrapping uint32 arithmetic: an oracle
    independent of the reference's masking of Python's unbounded integers."""
    x = np.asarray(x, dtype=np.uint32)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint32(16)
        x *= np.uint32(0x21F0AAAD)
        x ^= x >> np.uint32(15)
        x *= np.uint32(0x735A2D97)
        x ^= x >> np.uint32(15)
    return x


def test_mix32_is_the_documented_32_bit_hash():
    rng = np.random.default_rng(5)
    values = np.concatenate([np.arange(1000), rng.integers(0, 2**32, 10_000),
                             [2**31 - 1, 2**31, 2**32 - 1]]).astype(np.int64)
    expected = mix32_wrapping(values).astype(np.int64)
    assert [S.mix32(int(v)) for v in values] == expected.tolist()
    assert [pure.mix32(int(v)) for v in values] == expected.tolist()
    assert vectorized.mix32(values).tolist() == expected.tolist()


def test_mix32_is_a_bijection_on_a_block():
    # no two samples of an epoch share a key: i -> mix32(i XOR key) is one-to-one
    values = np.arange(2**20, dtype=np.int64) ^ 0x5A5A5A5A
    assert len(np.unique(vectorized.mix32(values))) == 2**20


def test_the_reference_follows_the_documented_steps():
    # docs/contract.md: key = mix32(mix32(seed XOR 0x9E3779B9) XOR e); the order is 0 .. n-1
    # sorted by mix32(i XOR key)
    for seed in SEEDS:
        for epoch in range(4):
            key = int(mix32_wrapping(int(mix32_wrapping(seed ^ 0x9E3779B9)) ^ epoch))
            keys = mix32_wrapping(np.arange(50) ^ key)
            expected = np.argsort(keys, kind="stable").tolist()
            assert S.epoch_order(50, seed, epoch) == expected


def documented_examples():
    """The (seed, epoch) -> order table of docs/contract.md's "Sample orders", printed there
    so that a new implementation can be checked by hand."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "contract.md").read_text()
    table = text[text.index("| seed | epoch | order of 10 samples |"):]
    rows = {}
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        seed, epoch, order = (cell.strip() for cell in line.strip("|").split("|"))
        rows[(int(seed), int(epoch))] = [int(v) for v in order.strip("`[]").split(",")]
    return rows


def test_the_documented_examples():
    examples = documented_examples()
    assert len(examples) >= 4
    for (seed, epoch), order in examples.items():
        assert S.epoch_order(10, seed, epoch) == order
        assert pure.epoch_order(10, seed, epoch) == order
        assert vectorized.epoch_orders(10, seed, epoch, 1)[0].tolist() == order
        config = config_of(seed, epochs=epoch + 1)
        assert fortran_impl.epoch_orders(10, config)[epoch].tolist() == order


@pytest.mark.parametrize("n", SIZES)
def test_the_implementations_compute_the_reference_orders(n):
    for seed in SEEDS:
        config = config_of(seed, epochs=2 if n > 1000 else 5)
        expected = S.epoch_orders(n, config)
        assert [list(order) for order in pure.sample_orders(None, n, config)] == expected
        assert [order.tolist() for order in vectorized.sample_orders(None, n, config)] == expected
        assert fortran_impl.epoch_orders(n, config).tolist() == expected


def test_numpy_computes_its_orders_in_blocks_that_join_exactly():
    # vectorized computes ORDER_BLOCK samples' worth of epochs at once: across the blocks'
    # seams the epochs still count on, as in the reference
    n = 3
    config = config_of(7, epochs=2 * (vectorized.ORDER_BLOCK // n) + 5)
    got = np.array(list(vectorized.sample_orders(None, n, config)))
    keys = [S.epoch_key(7, epoch) for epoch in range(config.epochs)]
    assert len(set(keys)) == config.epochs  # every epoch its own key
    for epoch in (0, 1, vectorized.ORDER_BLOCK // n - 1, vectorized.ORDER_BLOCK // n,
                  config.epochs - 1):
        assert got[epoch].tolist() == S.epoch_order(n, 7, epoch)


def test_without_shuffling_every_epoch_is_in_index_order():
    config = config_of(3, epochs=4, shuffle=False)
    for n in (1, 6):
        identity = [list(range(n))] * 4
        assert S.epoch_orders(n, config) == identity
        assert [list(order) for order in pure.sample_orders(None, n, config)] == identity
        assert [order.tolist() for order in vectorized.sample_orders(None, n, config)] == identity
        assert fortran_impl.epoch_orders(n, config).tolist() == identity


def test_orders_are_permutations_that_differ_by_epoch_and_seed():
    orders = S.epoch_orders(200, config_of(4, epochs=6))
    assert all(sorted(order) == list(range(200)) for order in orders)
    assert len({tuple(order) for order in orders}) == 6
    assert S.epoch_orders(200, config_of(5, epochs=6)) != orders


def test_the_first_sample_is_uniform_over_seeds():
    # a shuffle, not a rotation: over 3,000 seeds each of 10 samples leads epoch 0 about
    # 300 times (chi-square with 9 degrees of freedom, below its 0.1% point, 27.9)
    counts = np.bincount([S.epoch_order(10, seed, 0)[0] for seed in range(3000)],
                         minlength=10)
    chi_square = float(((counts - 300.0) ** 2 / 300.0).sum())
    assert chi_square < 27.9, counts


# every implementation in each precision it computes in (pure Python: float64 only)
PRECISIONS = [(name, "float64") for name in sorted(IMPLEMENTATIONS)] + [
    ("numpy", "float32"), ("fortran", "float32")]


@pytest.mark.parametrize("name, dtype", PRECISIONS)
@pytest.mark.parametrize("shuffle", [True, False])
def test_train_without_orders_trains_on_the_reference_orders(name, dtype, shuffle):
    # the orders each implementation computes inside train are the reference's: training
    # without orders gives exactly the parameters and history of training given them
    spec = NetworkSpec((3, 5, 2), "tanh", "softmax", "cross_entropy")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(23, 3))
    Y = np.eye(2)[rng.integers(0, 2, 23)]
    config = TrainConfig(epochs=4, learning_rate=0.1, batch_size=4, momentum=0.5,
                         seed=31, shuffle=shuffle)
    if name == "python":
        X, Y = X.tolist(), Y.tolist()
    kwargs = {} if dtype == "float64" else {"dtype": dtype}
    Network = IMPLEMENTATIONS[name]
    computed = Network(spec, init_params(spec, 2), **kwargs)
    given = Network(spec, init_params(spec, 2), **kwargs)
    history = computed.train(X, Y, config)
    assert history == given.train(X, Y, config, S.epoch_orders(23, config))
    for (W1, b1), (W2, b2) in zip(computed.get_params(), given.get_params()):
        assert np.array_equal(np.asarray(W1), np.asarray(W2))
        assert np.array_equal(np.asarray(b1), np.asarray(b2))
    # another seed is another training when shuffling, the same one when not
    other = Network(spec, init_params(spec, 2), **kwargs)
    other_history = other.train(X, Y, dataclasses.replace(config, seed=32))
    assert (other_history != history) == shuffle


def test_the_seed_is_a_c_int():
    # the Fortran takes the seed as a C int, as every count of the contract
    assert TrainConfig(1, 0.1, seed=MAX_COUNT).seed == MAX_COUNT
    with pytest.raises(ValueError, match="seed"):
        TrainConfig(1, 0.1, seed=MAX_COUNT + 1)
