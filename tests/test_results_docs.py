"""docs/results.md is written from the schema (python -m bench.results.docs): the prose and
the format cannot drift apart."""

from pathlib import Path

from bench.results import docs, schema

DOCS = Path(__file__).resolve().parents[1] / "docs" / "results.md"


def test_docs_results_md_is_the_schema_in_words():
    assert DOCS.read_text(encoding="utf-8") == docs.markdown(), (
        "docs/results.md is out of date: python -m bench.results.docs > docs/results.md")


def test_every_field_of_the_schema_is_in_the_docs():
    text = DOCS.read_text(encoding="utf-8")
    for name in ("time_per_epoch", "ci_low", "numerator_dtype", "published", "worst_half_width",
                 "also_threads", "canary", "agreement_note"):
        assert f"`{name}`" in text, name
    assert f'"schema_version": {schema.SCHEMA_VERSION}' in text
