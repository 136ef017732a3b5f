"""`bench compare` as a CI gate (issue 21): exit 3 when --fail-above cannot judge every
comparison (disturbed, canary moved, timed in one run only), 1 on a confident slowdown, 0
otherwise, and one last line with the verdict and its counts; float32 and more-threads
timings compared beside float64; a PDF only with -o; Markdown cells whole. Timings are
never tested: the samples are made up."""

import copy
import json

import pytest
from test_bench import minimal_doc, timed_doc

from bench import cli, compare, results

NOISE = [1.00, 1.04, 0.97, 1.02, 0.99, 1.05, 0.96, 1.01, 1.03, 0.98]


def rounds(median):
    return [median * v for v in NOISE]


def with_float32(doc, median):
    """doc with numpy's xor timed in float32 too."""
    result = copy.deepcopy(results.find_result(doc, "numpy", "xor"))
    result["dtype"] = "float32"
    result["time_per_epoch"].update(samples=rounds(median), median=median)
    doc["results"].append(result)
    return doc


def with_more_threads(doc, median, threads=2):
    """doc with numpy's xor timed again with more threads (the more_threads section)."""
    base = results.find_result(doc, "numpy", "xor")
    section = {"threads": threads, "results": []}
    for count, seconds in ((1, base["time_per_epoch"]["median"]), (threads, median)):
        result = copy.deepcopy(base)
        result["threads"] = count
        result["time_per_epoch"].update(samples=rounds(seconds), median=seconds)
        section["results"].append(result)
    doc["more_threads"] = section
    return doc


def rows_by_case(comparison):
    return {(r["implementation"], r["workload"], r["dtype"], r["threads"]): r
            for r in comparison["comparisons"][0]["rows"]}


def test_float32_and_more_threads_timings_are_compared():
    old = with_more_threads(with_float32(timed_doc({"numpy": rounds(1e-3)}), 5e-4), 6e-4)
    new = with_more_threads(with_float32(timed_doc({"numpy": rounds(1e-3)}), 1.5e-3), 1.8e-3)
    rows = rows_by_case(compare.compare([old, new], ["A", "B"]))
    assert rows[("numpy", "xor", "float64", None)]["verdict"] == "no change"
    assert rows[("numpy", "xor", "float32", None)]["verdict"] == "slower"
    assert rows[("numpy", "xor", "float32", None)]["ratio"] == pytest.approx(3.0)
    assert rows[("numpy", "xor", "float64", 2)]["verdict"] == "slower"
    assert rows[("numpy", "xor", "float64", 2)]["ratio"] == pytest.approx(3.0)
    assert len(rows) == 3     # the more-threads pair's own-count timing is not compared again
    table = compare.as_text(compare.compare([old, new], ["A", "B"]))
    assert "numpy float32" in table and "numpy, 2 threads" in table


def test_timed_in_one_run_only_is_undecided_and_skipped_in_both_is_not_compared():
    old = timed_doc({"numpy": rounds(1e-3), "fortran": rounds(1e-4)})
    new = timed_doc({"numpy": rounds(1e-3), "fortran": rounds(1e-4)})
    for doc in (old, new):
        skipped = copy.deepcopy(results.find_result(doc, "numpy", "xor"))
        skipped.update(implementation="sklearn", kind="peer", status="skipped",
                       reason="cannot express it")
        doc["results"].append(skipped)
    results.find_result(new, "fortran", "xor").update(status="skipped", reason="failed")
    comparison = compare.compare([old, new], ["A", "B"])
    rows = rows_by_case(comparison)
    assert rows[("fortran", "xor", "float64", None)]["verdict"] == "undecided"
    assert rows[("sklearn", "xor", "float64", None)]["verdict"] is None
    counts = compare.counts(comparison)
    assert counts["compared"] == 2 and counts["undecided"] == 1
    assert counts["not timed"] == 1


def gate_runs(tmp_path, new_numpy=1e-3, heavy=False):
    """Two saved runs, A and B, of numpy and fortran on xor; B's numpy at new_numpy per epoch,
    its xor measured under heavy interference if heavy."""
    old = timed_doc({"numpy": rounds(1e-3), "fortran": rounds(5e-4)})
    new = timed_doc({"numpy": rounds(new_numpy), "fortran": rounds(5e-4)})
    if heavy:
        results.find_result(new, "fortran", "xor")["interference"] = {"other_cores": 1.3,
                                                                      "heavy": True}
    folders = []
    for name, doc in (("a", old), ("b", new)):
        (tmp_path / name).mkdir()
        results.save(doc, tmp_path / name / "results.json")
        folders.append(str(tmp_path / name))
    return folders


@pytest.mark.parametrize("new_numpy, heavy, code, verdict", [
    (1e-3, False, 0, "pass"),
    (1e-3, True, 3, "undecided"),
    (3e-3, True, 1, "fail"),          # a confident slowdown fails, whatever else is undecided
])
def test_the_gate_exits_0_1_or_3_with_one_last_line(new_numpy, heavy, code, verdict, tmp_path,
                                                    capsys):
    runs = gate_runs(tmp_path, new_numpy, heavy)
    for form in ("text", "json", "markdown"):
        assert cli.main(["compare", *runs, "--fail-above", "1.10", "--format", form]) == code
        out, err = capsys.readouterr()
        last = err.strip().splitlines()[-1]
        assert last.startswith(f"bench compare: {verdict}: "), last
        assert "2 comparisons: " in last
        assert ("1 undecided (1 disturbed)" in last) == heavy, last
        if form == "json":
            json.loads(out)                     # the standard output stays one JSON document
    assert cli.main(["compare", *runs]) == 0    # no gate: no verdict, exit 0
    assert "bench compare:" not in capsys.readouterr().err


def test_the_undecided_exit_code_is_documented():
    help_text = cli.build_parser()._subparsers._group_actions[0].choices["compare"].format_help()
    assert "3" in help_text and "undecided" in help_text
    assert "3 " in cli.__doc__ and "undecided" in cli.__doc__
    assert "exit code 3" in compare.__doc__


def test_a_pdf_only_with_o_and_the_place_is_said(tmp_path, capsys):
    runs = gate_runs(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    assert cli.main(["compare", *runs, "--format", "json"]) == 0
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert "compare.pdf" not in capsys.readouterr().err
    pdf = tmp_path / "c.pdf"
    assert cli.main(["compare", *runs, "--format", "markdown", "-o", str(pdf)]) == 0
    out, err = capsys.readouterr()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert f"compare report: {pdf}" in err and str(pdf) not in out


def test_markdown_keeps_whole_cells():
    old = timed_doc({"numpy": rounds(1e-3)})
    new = timed_doc({"numpy": rounds(1e-3)})
    results.find_result(new, "numpy", "xor")["interference"] = {"other_cores": 1.3,
                                                                 "heavy": True}
    comparison = compare.compare([old, new], ["A", "B"])
    why = comparison["comparisons"][0]["rows"][0]["why"]
    assert len(why) > 90
    assert why in compare.as_markdown(comparison)


def test_a_minimal_document_still_compares():
    comparison = compare.compare([minimal_doc(), minimal_doc()], ["A", "B"])
    (row,) = comparison["comparisons"][0]["rows"]
    assert row["verdict"] == "undecided" and "no per-round samples" in row["why"]


def test_the_compare_rule_is_described_as_stats_decide_applies_it():
    """bench.compare's docstring says the rule stats.decide applies (both runs' median
    intervals apart by more than the effect), not the rejected one (the change's whole
    interval beyond the effect) (issue 19)."""
    from bench import stats

    text = " ".join(compare.__doc__.split())
    assert "the whole interval beyond" not in text
    assert "even at its least" in text and "95% median intervals" in text
    assert "new low / old high above 1 + min_effect" in text
    assert "new low / old high above 1 + min_effect" in " ".join(stats.decide.__doc__.split())
    # and it is the rule compare applies: a shift whose pooled interval lies beyond the effect
    # but whose median intervals overlap is no change
    old = [1.00, 1.02, 1.04, 1.06, 1.08, 1.10, 1.12, 1.14, 1.16, 1.18] * 2
    new = [v * 1.1 for v in old]
    change = stats.decide(old, new, 0.05)
    assert change.p_value < 0.05 and change.ratio.low > 1.05     # the rejected rule: slower
    assert change.bounds[0] < 1.05 and change.verdict == "no change"
