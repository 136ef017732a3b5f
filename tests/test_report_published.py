"""A published result beside the run's: the `nielsen` workload carries Nielsen's own test
accuracy for the same network (bench.workloads.NIELSEN_CHAPTER_1), the results file saves it
with the workload, and the Agreement section sets the run's test accuracy beside it, saying
what differs."""

import copy

import pytest
from report_fixture import results_doc

from bench import results
from bench import workloads as wl
from bench.results import Run
from reports import agreement


def doc_with_published():
    """The report fixture with nielsen's published entry on its mnist-shaped workload (any
    workload may carry one)."""
    doc = copy.deepcopy(results_doc())
    doc["workloads"]["mnist-shaped"]["published"] = wl.results_entry(wl.get("nielsen"))["published"]
    return doc


def test_the_nielsen_workload_saves_nielsens_published_accuracy():
    entry = wl.results_entry(wl.get("nielsen"))
    assert entry["published"]["test_accuracy"] == 0.9542
    assert "Epoch 28" in entry["published"]["source"]
    assert "50,000" in entry["published"]["setting"]
    assert "published" not in wl.results_entry(wl.get("digits"))


def test_a_published_entry_is_validated():
    doc = doc_with_published()
    results.validate(copy.deepcopy(doc), "test")
    broken = copy.deepcopy(doc)
    broken["workloads"]["mnist-shaped"]["published"]["test_accuracy"] = 95.42
    with pytest.raises(results.ResultsError, match=r"published\.test_accuracy"):
        results.validate(broken, "test")
    broken = copy.deepcopy(doc)
    del broken["workloads"]["mnist-shaped"]["published"]["setting"]
    with pytest.raises(results.ResultsError, match=r"published"):
        results.validate(broken, "test")


def test_the_agreement_section_sets_the_run_beside_the_published_result():
    run = Run(doc_with_published())
    text = agreement.published_text(run, "mnist-shaped").text
    accuracies = sorted({r["test_accuracy"] for r in run.timed_rows("mnist-shaped")
                         if r["status"] == "ok" and r.get("test_accuracy") is not None})
    assert f"{100 * accuracies[0]:.1f}%" in text
    assert "95.42%" in text and "Epoch 28" in text and "50,000" in text
    assert f"after {run.workloads['mnist-shaped']['config']['epochs']} epochs" in text
    assert agreement.published_text(run, "digits") is None     # nothing published for it
