"""Validation read from the schema: a document is checked field by field against
bench.results.schema.RESULTS, and the first problem raises ResultsError naming the file and
the field. Standard library only."""

from __future__ import annotations

from bench.results.fields import Context, ResultsError, show
from bench.results.schema import RESULTS, SCHEMA, SCHEMA_VERSION


def version_of(doc, path):
    """The schema_version of a document that says it is a results file; ResultsError if it
    does not, or names no version this program knows of."""
    if not isinstance(doc, dict):
        raise ResultsError(path, "not a results file (top level is not an object)")
    if doc.get("schema") != SCHEMA:
        raise ResultsError(path, f"not a backprop-bench results file (schema is "
                                 f"{show(doc.get('schema'))})")
    version = doc.get("schema_version")
    if type(version) is not int or version < 1:         # true == 1 in Python
        raise ResultsError(path, f"schema_version {show(version)} is not supported (this "
                                 f"program reads 1 to {SCHEMA_VERSION})")
    if version > SCHEMA_VERSION:
        raise ResultsError(path, f"schema_version {version} is newer than this program, which "
                                 f"reads 1 to {SCHEMA_VERSION}: read it with the "
                                 f"backprop-bench that wrote it, or a later one")
    return version


def validate(doc, path):
    """Check a results document of the current version; return it, or raise ResultsError
    naming the file and the field. (An older file is migrated by load, not here.)"""
    version = version_of(doc, path)
    if version != SCHEMA_VERSION:
        raise ResultsError(path, f"schema_version {version} is not supported here (this "
                                 f"program reads {SCHEMA_VERSION}; results.load migrates "
                                 f"older files)")
    RESULTS.check(doc, "", Context(path, doc))
    return doc
