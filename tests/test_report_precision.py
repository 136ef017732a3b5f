"""The report's Precision section (reports/precision.py) from saved results: float32 rows with
their paired speed-ups, GFLOP/s against the saved sgemm limit, the loss and accuracy change,
the torch-cuda row skipped with its reason or compared with the Fortran; and results without
float32 (older files) still report."""

import copy

import pypdf
import pytest
import report_fixture

import reports
from bench import results as bench_results
from bench.results import Run
from reports import precision

GPU_REASON = "no CUDA device is visible to PyTorch (torch.cuda.is_available() is False)"


def with_float32(doc, *, gpu=False):
    """doc with float32 results of numpy and fortran on digits (faster by 2x and 3x), their
    paired ratios, the sgemm limit, and a torch-cuda row (skipped, or timed when gpu)."""
    doc = copy.deepcopy(doc)
    doc["environment"]["sgemm"] = dict(doc["environment"]["dgemm"],
                                       gflops_median=2 * doc["environment"]["dgemm"][
                                           "gflops_median"])
    for impl, factor in (("numpy", 2.0), ("fortran", 3.0)):
        double = bench_results.find_result(doc, impl, "digits")
        single = copy.deepcopy(double)
        single["dtype"] = "float32"
        for stat in ("median", "min", "max", "mean", "ci_low", "ci_high"):
            single["time_per_epoch"][stat] /= factor
        single["time_per_epoch"]["samples"] = [
            t / factor for t in single["time_per_epoch"]["samples"]]
        single["gflops"] *= factor
        single["final_loss"] *= 1 + 3e-6
        single["agreement"] = {"reference": "numpy", "max_rel_param_diff": 2.5e-6,
                               "max_rel_history_diff": 1e-6, "within_tolerance": True,
                               "epochs_compared": len(single["history"]), "tolerance": 1e-3,
                               "note": "float32 against the float64 reference"}
        bench_results.put_result(doc, single)
        bench_results.put_ratio(doc, {
            "workload": "digits", "numerator": impl, "denominator": impl,
            "numerator_dtype": "float64", "denominator_dtype": "float32", "ratio": factor,
            "ci_low": factor * 0.9, "ci_high": factor * 1.1, "cycles": 9})
    for workload in ("digits", "width-8"):
        if gpu:
            gpu_result = copy.deepcopy(bench_results.find_result(doc, "fortran", workload))
            gpu_result.update(implementation="torch-cuda", kind="peer")
            scale = 4 if workload == "width-8" else 0.25
            for stat in ("median", "min", "max", "mean", "ci_low", "ci_high"):
                gpu_result["time_per_epoch"][stat] *= scale
            gpu_result["time_per_epoch"]["samples"] = [
                t * scale for t in gpu_result["time_per_epoch"]["samples"]]
            bench_results.put_ratio(doc, {
                "workload": workload, "numerator": "fortran", "denominator": "torch-cuda",
                "numerator_dtype": "float64", "denominator_dtype": "float64",
                "ratio": 1 / scale, "ci_low": 0.9 / scale, "ci_high": 1.1 / scale,
                "cycles": 9})
        else:
            gpu_result = {"implementation": "torch-cuda", "kind": "peer",
                          "workload": workload, "status": "skipped", "reason": GPU_REASON,
                          "timed_batches": None, "threads": 1, "dtype": "float64"}
        bench_results.put_result(doc, gpu_result)
    return bench_results.validate(doc, "with_float32")


def section_text(doc, tmp_path):
    path = reports.build_report([doc], tmp_path / "report.pdf")
    reader = pypdf.PdfReader(path)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    start = text.index("Precision The same training")
    return text[start:text.index("Agreement", start + 200)]


@pytest.fixture(scope="module")
def doc():
    return report_fixture.results_doc()


def test_float32_rows_speed_ups_limits_and_loss(doc, tmp_path):
    text = section_text(with_float32(doc), tmp_path)
    assert "2.00\u00d7 [1.80\u20132.20]" in text and "3.00\u00d7 [2.70\u20133.30]" in text
    assert "sgemm" in text and "(2.00\u00d7)" in text       # the saved sgemm / dgemm limits
    assert "+3.0e-06" in text                               # the final loss change
    assert "2.5e-06 (within 1.0e-03)" in text or "2.5e-6 (within 1.0e-3)" in text
    assert GPU_REASON in text
    assert Run(with_float32(doc)).float32_speedup("numpy", "digits") == (2.0, 1.8, 2.2)


def test_gpu_rows_and_crossover(doc, tmp_path):
    gpu = with_float32(doc, gpu=True)
    text = section_text(gpu, tmp_path)
    assert "fortran / torch-cuda" in text
    assert precision.crossover_width(Run(gpu)) == ("The Fortran is faster than the GPU at every "
                                              "swept width (up to 8).")


def test_results_without_float32_still_report(doc, tmp_path):
    path = reports.build_report([doc], tmp_path / "old.pdf")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(path).pages).split())
    assert "These results hold no float32 timing" in text
    assert "could not be drawn" not in text
