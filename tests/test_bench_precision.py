"""The benchmark's precision axis (bench/precision.py) and the GPU peer: --dtype, the cases
per (implementation, workload, threads, dtype), results and paired ratios that carry their
dtype (a schema-1 file without it is migrated to float64), and the torch-cuda code path
run on the CPU device here (no GPU needed), skipped with its reason where no CUDA device is
visible. The quick run end to end (tests/test_bench.py) checks the float32 rows of a real run."""

import numpy as np
import pytest
import torch
from test_bench import minimal_doc

from bench import adapters, cli, peers, precision, registry, results, summary
from bench.prepare import Case
from bench.results import Run
from python_impl.arrays import history_diff, layer_diffs
from python_impl.spec import (
    AGREEMENT_TOLERANCE,
    FLOAT32_AGREEMENT_TOLERANCE,
    NetworkSpec,
    TrainConfig,
    epoch_orders,
    init_params,
)
from python_impl.vectorized import Network as NumpyNetwork


def test_dtype_option_defaults_to_both_and_rejects_unknown_names():
    parser = cli.build_parser()
    options = cli.plan_options(parser.parse_args(["run", "--quick"]))
    assert options["dtypes"] == ["float64", "float32"]
    options = cli.plan_options(parser.parse_args(["run", "--dtype", "float32"]))
    assert options["dtypes"] == ["float32"]
    options = cli.plan_options(parser.parse_args(["run", "--dtype", "float32,float64"]))
    assert options["dtypes"] == ["float64", "float32"]
    with pytest.raises(cli.UsageError, match="argument --dtype: unknown dtype 'float16'"):
        cli.plan_options(parser.parse_args(["run", "--dtype", "float16"]))


def test_float32_cases_are_the_batched_workloads_of_the_float32_implementations():
    both = ["float64", "float32"]
    assert precision.case_dtypes("numpy", "digits", both) == both
    assert precision.case_dtypes("sklearn", "wide", both) == both
    assert precision.case_dtypes("torch-cuda", "mnist-shaped", both) == both
    assert precision.case_dtypes("numpy", "xor", both) == ["float64"]        # batch 1
    assert precision.case_dtypes("python", "digits", both) == ["float64"]    # a double
    assert precision.case_dtypes("numpy-loop", "digits", both) == ["float64"]
    assert precision.case_dtypes("fortran", "wide", ["float32"]) == ["float32"]
    assert Case("numpy", "digits", dtype="float32").id == "numpy-digits-float32"
    assert Case("numpy", "digits").id == "numpy-digits"


def _result(impl, workload, dtype="float64", median=1.0):
    return {"implementation": impl, "kind": registry.kind(impl), "workload": workload,
            "status": "ok", "time_per_epoch": {"median": median}, "dtype": dtype}


def test_results_and_ratios_are_keyed_by_dtype_found_in_float64_by_default():
    doc = {"results": [], "ratios": []}
    old = _result("numpy", "digits", median=2.0)
    results.put_result(doc, old)
    results.put_result(doc, _result("numpy", "digits", "float32", median=1.0))
    assert len(doc["results"]) == 2                          # not replaced
    assert results.find_result(doc, "numpy", "digits") is old
    assert results.find_result(doc, "numpy", "digits", dtype="float32")["dtype"] == "float32"
    assert results.find_result(doc, "fortran", "digits", dtype="float32") is None
    results.put_result(doc, _result("numpy", "digits", "float64", median=3.0))
    assert results.find_result(doc, "numpy", "digits")["time_per_epoch"]["median"] == 3.0
    assert len(doc["results"]) == 2
    # a paired ratio of the same implementation in two precisions, and one in float64
    results.put_ratio(doc, {"workload": "digits", "numerator": "numpy", "denominator": "numpy",
                            "numerator_dtype": "float64", "denominator_dtype": "float32",
                            "ratio": 2.0, "ci_low": 1.8, "ci_high": 2.2, "cycles": 9})
    results.put_ratio(doc, {"workload": "digits", "numerator": "numpy",
                            "denominator": "fortran", "numerator_dtype": "float64",
                            "denominator_dtype": "float64", "ratio": 4.0, "ci_low": 3.0,
                            "ci_high": 5.0, "cycles": 9})
    assert results.find_ratio(doc, "digits", "numpy", "numpy", "float64", "float32") == \
        (2.0, 1.8, 2.2)
    assert results.find_ratio(doc, "digits", "numpy", "numpy", "float32", "float64") == \
        pytest.approx((0.5, 1 / 2.2, 1 / 1.8))
    assert results.find_ratio(doc, "digits", "numpy", "numpy") is None
    assert results.find_ratio(doc, "digits", "numpy", "fortran") == (4.0, 3.0, 5.0)
    assert results.find_ratio(doc, "digits", "numpy", "fortran", "float32", "float32") is None
    results.put_ratio(doc, {"workload": "digits", "numerator": "numpy", "denominator": "numpy",
                            "numerator_dtype": "float32", "denominator_dtype": "float64",
                            "ratio": 0.4, "ci_low": 0.3, "ci_high": 0.5, "cycles": 9})
    assert len(doc["ratios"]) == 2                           # replaced, either orientation


def test_summary_keeps_float64_in_its_table_and_lists_float32_speed_ups():
    doc = minimal_doc()
    double = dict(doc["results"][0], agreement=None)
    double["time_per_epoch"] = dict(double["time_per_epoch"], median=2.0, max=2.0)
    single = dict(double, dtype="float32", agreement=dict(
        doc["results"][0]["agreement"], max_rel_param_diff=1e-6, within_tolerance=True))
    single["time_per_epoch"] = dict(double["time_per_epoch"], median=0.5, max=0.5)
    doc["results"] = [double, single]
    results.put_ratio(doc, {"workload": "xor", "numerator": "numpy", "denominator": "numpy",
                            "numerator_dtype": "float64", "denominator_dtype": "float32",
                            "ratio": 3.9, "ci_low": 3.5, "ci_high": 4.2, "cycles": 9})
    run = Run(doc)
    rows = summary.summary_rows(run)
    assert rows[0]["fastest"] == "numpy" and rows[0]["median"] == 2.0
    assert summary.precision_rows(run) == [("numpy", "xor", "500 ms", "3.9x [3.5-4.2]",
                                            "ok 1.0e-06")]


def test_torch_cuda_is_skipped_with_its_reason_without_a_cuda_device():
    status = registry.availability()
    if torch.cuda.is_available():
        assert status["torch-cuda"][:2] == (True, "available")
        return
    available, reason, _ = status["torch-cuda"]
    assert not available and "no CUDA device" in reason
    with pytest.raises(registry.ImplementationError, match="torch-cuda"):
        registry.load(["torch-cuda"])
    assert adapters.get("torch-cuda").device


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_gpu_peer_code_path_runs_on_the_cpu_device(dtype):
    """TorchCudaNetwork is TorchNetwork on device "cuda": the same class, given the CPU
    device, trains from device tensors put there beforehand and agrees with the reference."""
    spec = NetworkSpec((12, 24, 4), "tanh", "softmax", "cross_entropy")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((40, 12))
    Y = np.eye(4)[rng.integers(0, 4, 40)]
    config = TrainConfig(epochs=3, learning_rate=0.05, batch_size=8, momentum=0.9, l2=1e-4)
    orders = np.array(epoch_orders(40, config))
    init = init_params(spec, 3)
    assert peers.TorchCudaNetwork.DEVICE == "cuda"
    assert issubclass(peers.TorchCudaNetwork, peers.TorchNetwork)
    net = peers.TorchNetwork(spec, init, dtype=dtype, device="cpu")
    # the benchmark's placement (untimed): device tensors of the network's dtype
    x, y = adapters.Adapter("gpu-on-cpu", "test", device=True).place(
        lambda spec, **kwargs: peers.TorchNetwork(spec, device="cpu", **kwargs),
        spec, *precision.inputs(X, Y, dtype), dtype)
    assert isinstance(x, torch.Tensor) and x.dtype == getattr(torch, dtype)
    history = net.train(x, y, config, orders)
    reference = NumpyNetwork(spec, init)
    expected = reference.train(X, Y, config, orders)
    tolerance = precision.TOLERANCES[dtype]
    assert tolerance == (AGREEMENT_TOLERANCE if dtype == "float64"
                         else FLOAT32_AGREEMENT_TOLERANCE)
    params = net.get_params()
    assert all(W.dtype == np.dtype(dtype) for W, _ in params)
    assert max(layer_diffs(params, reference.get_params())) <= tolerance
    assert history_diff(history, expected) <= tolerance
    assert net.forward(x).dtype == np.dtype(dtype)
    # NumPy input is checked and placed by the network itself, to the same numbers
    again = peers.TorchNetwork(spec, init, dtype=dtype, device="cpu")
    assert again.train(X, Y, config, orders) == history
    with pytest.raises(ValueError, match="X, Y"):
        net.train(x[:, :3], y, config, orders)
