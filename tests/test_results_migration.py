"""A real schema-1 file: the results of a default `python -m bench run` at commit b01b8e8
(tests/data/results-v1-b01b8e8.json.gz, made by a non-editable install of that commit in a
fresh virtual environment, run from outside the repository) migrates to the current version,
validates, reports and compares against a current run document."""

import gzip
import json
from pathlib import Path

import pypdf
import pytest
import report_fixture

from bench import cli, results
from bench import compare as bench_compare

FIXTURE = Path(__file__).parent / "data" / "results-v1-b01b8e8.json.gz"


def version_1_text():
    return gzip.decompress(FIXTURE.read_bytes()).decode("utf-8")


def version_1_run():
    """The fixture as results.load reads it: migrated and validated."""
    return results.migrate(json.loads(version_1_text()), FIXTURE)


@pytest.fixture
def folders(tmp_path):
    """(the schema-1 run's folder, a current run's folder)."""
    old, new = tmp_path / "v1", tmp_path / "current"
    old.mkdir()
    (old / results.RESULTS_FILE).write_text(version_1_text(), encoding="utf-8")
    new.mkdir()
    results.save(report_fixture.results_doc(), new / results.RESULTS_FILE)
    return old, new


def test_the_fixture_is_a_default_run_of_schema_1():
    raw = json.loads(version_1_text())
    assert raw["schema_version"] == 1 and raw["run"]["command"].startswith("python -m bench run")
    assert not raw["run"]["options"]["quick"] and raw["run"]["complete"]
    assert len(raw["results"]) > 100 and "more_threads" in raw


def test_a_schema_1_file_loads_as_the_current_version(folders):
    old, _ = folders
    doc = results.load(old)
    assert doc["schema_version"] == results.SCHEMA_VERSION
    assert results.validate(doc, "migrated") is doc
    assert doc == version_1_run()
    run = results.Run(doc)
    assert run.describe().endswith("AMD EPYC")          # no commit: installed, not a checkout
    assert run.fastest("wide")[0] in ("numpy", "fortran", "torch")


def test_a_schema_1_file_reports(folders, tmp_path):
    old, _ = folders
    pdf = tmp_path / "report.pdf"
    assert cli.main(["report", str(old), "-o", str(pdf)]) == 0
    reader = pypdf.PdfReader(pdf)
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles == ["Contents", "Summary", "Speed", "Scaling", "Efficiency", "Precision",
                      "Agreement", "The algorithm, worked", "Methodology"]
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "mnist-shaped" in text and "float32" in text


def test_a_schema_1_file_compares_with_a_current_one(folders, tmp_path, capsys):
    old, new = folders
    assert cli.main(["compare", str(old), str(new), "-o", str(tmp_path / "c.pdf")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"baseline {old}: ") and "CPU differ" in out
    comparison = bench_compare.compare([results.load(old), results.load(new)], ["old", "new"])
    rows = comparison["comparisons"][0]["rows"]
    decided = [row for row in rows if row["verdict"] in ("slower", "faster", "no change")]
    assert decided and all(row["p_value"] is not None for row in decided)
    assert (tmp_path / "c.pdf").read_bytes()[:5] == b"%PDF-"
