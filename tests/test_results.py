"""The results contract (bench/results/): the schema as data, validation read from it, load and
save, and the migration of schema-1 files. Known documents in, known answers out."""

import copy
import json
import math

import pytest
import report_fixture
from test_bench import minimal_doc
from test_cli import one_line_error

from bench import cli, results
from bench.results import schema
from bench.results.fields import Anything, List, Map, Object


def saved(doc, folder):
    results.save(doc, folder / results.RESULTS_FILE)
    return folder


# ---- non-finite numbers: restored only where the schema allows them (issue 19) -------------

def test_text_that_reads_like_a_number_stays_text(tmp_path):
    """`bench run --out nan` saved a file its own reader refused ("run.argv[10] must be
    text"): load turned every "nan", "inf" and "-inf" into a float."""
    doc = minimal_doc()
    doc["run"]["argv"] = ["run", "--out", "nan", "--workload", "inf", "-inf"]
    doc["run"]["options"]["out"] = "nan"
    doc["run"]["command"] = "inf"
    doc["results"][0]["notes"] = ["nan"]
    doc["results"][0]["final_loss"] = math.inf              # a training that diverged
    doc["results"][0]["history"] = [0.5, math.nan]
    loaded = results.load(saved(doc, tmp_path))
    assert loaded["run"]["argv"] == ["run", "--out", "nan", "--workload", "inf", "-inf"]
    assert loaded["run"]["options"]["out"] == "nan" and loaded["run"]["command"] == "inf"
    assert loaded["results"][0]["notes"] == ["nan"]
    assert loaded["results"][0]["final_loss"] == math.inf
    assert math.isnan(loaded["results"][0]["history"][1])
    assert cli.main(["report", str(tmp_path), "-o", str(tmp_path / "report.pdf")]) == 0


def test_a_non_finite_number_where_the_schema_wants_a_finite_one_is_named(tmp_path):
    doc = minimal_doc()
    doc["results"][0]["time_per_epoch"]["median"] = math.nan
    with pytest.raises(results.ResultsError,
                       match=r"results\[0\].time_per_epoch.median must be a finite number, "
                             r"got NaN"):
        results.load(saved(doc, tmp_path))


# ---- versions ---------------------------------------------------------------------------------

def test_a_newer_file_is_refused_in_one_line_naming_both_versions(tmp_path, capsys):
    doc = minimal_doc()
    doc["schema_version"] = 3
    folder = saved(doc, tmp_path / "newer")
    assert cli.main(["report", str(folder), "-o", str(tmp_path / "r.pdf")]) == 2
    line = one_line_error(capsys.readouterr().err, f"bench report: {folder}/results.json: ")
    assert "schema_version 3 is newer than this program, which reads 1 to 2" in line
    assert not (tmp_path / "r.pdf").exists()


@pytest.mark.parametrize("version", [0, -1, True, "2", 2.0, None])
def test_a_version_that_is_no_version_is_refused(version, tmp_path):
    doc = minimal_doc()
    doc["schema_version"] = version
    with pytest.raises(results.ResultsError, match="schema_version .* is not supported"):
        results.load(saved(doc, tmp_path))


def test_a_current_document_is_not_migrated():
    doc = minimal_doc()
    assert results.migrate(doc, "current") is doc


def test_version_1_is_migrated_to_one_shape(tmp_path):
    """update_to_2 fills in what early schema-1 files lack with what every reader used to
    assume, and saves the ratios and gains of files without paired ones as the ratios of
    their medians (cycles 0, no interval)."""
    current = report_fixture.results_doc()
    old = report_fixture.version_1(current)
    (tmp_path / results.RESULTS_FILE).write_text(json.dumps(old))
    doc = results.load(tmp_path)
    assert doc["schema_version"] == 2 and old["schema_version"] == 1       # a copy migrated
    assert doc["run"]["methodology"]["timing"] == current["run"]["methodology"]["timing"]
    assert "timing" not in doc["run"] and doc["run"]["sessions"] == []
    assert doc["run"]["options"]["dtypes"] == ["float64"]
    assert doc["run"]["options"]["also_threads"] == 2             # its more_threads count
    assert {r["dtype"] for r in doc["results"]} == {"float64"}
    assert all(r["time_per_epoch"]["ci_low"] is None and r["time_per_epoch"]["samples"] is None
               for r in doc["results"] if r["status"] != "skipped")
    assert doc["profiles"] == {} and doc["sampling"] == {}
    assert {r["cycles"] for r in doc["ratios"]} == {0}
    run = results.Run(doc)
    for a, b in (("numpy", "fortran"), ("python", "numpy"), ("fortran", "torch")):
        assert run.ratio("digits", a, b) == pytest.approx(
            (run.median(a, "digits") / run.median(b, "digits"), None, None))
    threads, more = run.more_threads()
    for result in more:
        again = results.find_result(doc, result["implementation"], result["workload"],
                                    results.MORE_THREADS, 1)
        assert run.thread_gain(result) == pytest.approx((
            again["time_per_epoch"]["median"] / result["time_per_epoch"]["median"], None, None))


def test_a_broken_version_1_file_is_named_by_validation_not_the_migration(tmp_path):
    doc = report_fixture.version_1(report_fixture.results_doc())
    doc["results"] = [3, {"implementation": "numpy"}]
    doc["run"]["options"] = "quick"
    doc["more_threads"] = {"threads": 2, "results": "none"}
    (tmp_path / results.RESULTS_FILE).write_text(json.dumps(doc))
    with pytest.raises(results.ResultsError, match="run.options must be an object, got 'quick'"):
        results.load(tmp_path)


# ---- the schema is the format: it names every field the writer writes --------------------------

def unnamed_fields(value, field, at=""):
    """Paths in value that field (a schema node) does not name, below it."""
    found = []
    if isinstance(field, Object) and isinstance(value, dict):
        fields = field.fields_of(value)
        for key, item in value.items():
            where = f"{at}.{key}" if at else key
            if key not in fields:
                found.append(where)
            elif item is not None:
                found += unnamed_fields(item, fields[key], where)
    elif isinstance(field, Map) and isinstance(value, dict):
        for item in value.values():
            found += unnamed_fields(item, field.value, f"{at}[]")
    elif isinstance(field, List) and isinstance(value, list):
        for item in value:
            found += unnamed_fields(item, field.item, f"{at}[]")
    return sorted(set(found))


def test_the_schema_names_every_field_a_run_writes():
    """The run of b01b8e8 (tests/data, migrated) and the report fixture hold no field the
    schema does not describe: what the writer writes is what docs/results.md says."""
    from test_results_migration import version_1_run

    for doc in (version_1_run(), report_fixture.results_doc()):
        assert unnamed_fields(doc, schema.RESULTS) == []
    stray = dict(minimal_doc(), extra={"x": 1})
    assert unnamed_fields(stray, schema.RESULTS) == ["extra"]       # the check can fail


def test_every_field_kind_says_what_it_holds():
    def walk(field):
        yield field
        for _, inner, _ in field.children():
            yield from walk(inner)

    for field in walk(schema.RESULTS):
        assert field.describe(), field
        assert isinstance(field, Anything) or field.describe() != "anything"


def test_a_document_read_by_its_schema_is_unchanged_but_for_non_finite_numbers():
    doc = report_fixture.results_doc()
    assert schema.RESULTS.restore(copy.deepcopy(doc)) == doc
