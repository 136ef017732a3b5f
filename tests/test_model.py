"""The results model (bench.results.Run): the one reading of a results document that the
terminal summary and the reports share. Known documents in, known figures out."""

import copy

import pytest
from test_bench import minimal_doc

from bench import results, summary
from bench.results import Run


def _with(doc, impl, median, **fields):
    """doc with a copy of its numpy xor result as impl, median seconds per epoch."""
    result = copy.deepcopy(doc["results"][0])
    result.update(implementation=impl, kind=results.kind(impl), **fields)
    result["time_per_epoch"].update(median=median, min=median, max=median, mean=median)
    doc["results"].append(result)
    return doc


@pytest.fixture
def doc():
    doc = _with(minimal_doc(), "python", 5e-3)
    return _with(doc, "torch", 2e-5, agreement=None)


def test_the_model_reads_only_a_valid_document_of_the_current_version(doc):
    broken = copy.deepcopy(doc)
    broken["results"][1]["time_per_epoch"]["median"] = "fast"
    with pytest.raises(results.ResultsError, match=r"results\[1\].time_per_epoch.median"):
        Run(broken)
    newer = dict(copy.deepcopy(doc), schema_version=results.SCHEMA_VERSION + 1)
    with pytest.raises(results.ResultsError, match="schema_version 3 is newer"):
        Run(newer)
    older = dict(copy.deepcopy(doc), schema_version=1)     # results.load migrates it
    with pytest.raises(results.ResultsError, match="schema_version 1 is not supported here"):
        Run(older)


def test_fastest_and_speed_ups_are_read_once_for_every_reader(doc):
    run = Run(doc)
    assert run.fastest("xor") == ("torch", 2e-5)
    assert run.fastest("xor", "implementation") == ("numpy", 1e-4)
    assert run.speedup("numpy", "python", "xor") is None          # no ratio saved
    assert run.speedup("numpy", "numpy", "xor") == (1.0, 1.0, 1.0)
    assert run.speedup("numpy", "fortran", "xor") is None          # fortran not timed
    results.put_ratio(doc, {"workload": "xor", "numerator": "numpy", "denominator": "python",
                            "numerator_dtype": "float64", "denominator_dtype": "float64",
                            "ratio": 0.02, "ci_low": 0.018, "ci_high": 0.025, "cycles": 9})
    run = Run(doc)
    assert run.speedup("numpy", "python", "xor") == pytest.approx((50.0, 40.0, 1 / 0.018))
    [row] = summary.summary_rows(run)                # the terminal reads the same figures
    assert row["fastest"] == "torch" and row["vs_numpy"] == run.speedup("torch", "numpy", "xor")


def test_agreement_is_summarised_once(doc):
    doc["results"][1]["agreement"] = dict(doc["results"][0]["agreement"],
                                          max_rel_param_diff=3e-15, within_tolerance=True)
    run = Run(doc)
    beyond, worst, uncompared = run.agreement_summary()
    # minimal_doc's numpy result is compared with itself and saved as outside the tolerance
    assert beyond == [("numpy", "xor", 0.0)]
    assert worst == (3e-15, "python", "xor") and uncompared == ["torch"]
    assert [impl for impl, _ in run.agreements("xor")] == ["python", "numpy"]


def test_a_more_threads_gain_is_the_saved_one(doc):
    more = copy.deepcopy(doc["results"][0])
    more["threads"] = 2
    more["time_per_epoch"].update(median=5e-5, min=5e-5, max=5e-5, mean=5e-5)
    doc["more_threads"] = {"threads": 2, "results": [more]}
    run = Run(doc)
    threads, [result] = run.more_threads()
    assert threads == 2 and run.thread_gain(result) is None        # no gain saved yet
    results.put_gain(doc, {"implementation": "numpy", "workload": "xor", "ratio": 1.9,
                           "ci_low": 1.7, "ci_high": 2.1, "cycles": 8})
    assert Run(doc).thread_gain(result) == (1.9, 1.7, 2.1)
