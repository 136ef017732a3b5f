"""Results files on disk: load (read, migrate, restore non-finite numbers where the schema
allows them, validate) and save, and the one way the project writes a file it produces
(bench.files: whole or absent)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from bench import files
from bench.results.fields import ResultsError
from bench.results.migrate import migrate
from bench.results.schema import RESULTS, RESULTS_FILE
from bench.results.validate import validate


def results_path(path):
    """The results file for path: path itself, or results.json inside a run folder."""
    path = Path(path)
    return path / RESULTS_FILE if path.is_dir() else path


def load(path):
    """Read a results file (or a run folder holding one) as the current version: migrated if
    it is older, validated; ResultsError naming the file and the problem if it cannot be
    used, whatever is in it."""
    path = results_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ResultsError(path, "no such results file") from None
    except OSError as error:
        raise ResultsError(path, f"cannot be read ({error.strerror or error})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsError(path, f"is not UTF-8 text ({error})") from None
    if not text.strip():
        raise ResultsError(path, "is empty")
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ResultsError(path, "is not a results file (JSON nested too deeply)") from None
    except ValueError as error:  # JSONDecodeError, and integers too long to convert
        raise ResultsError(path, f"is not valid JSON, truncated or corrupt ({error})") from None
    return validate(RESULTS.restore(migrate(doc, path)), path)


def dumps(doc):
    """The text save writes: strict JSON, a non-finite float written as "nan", "inf" or
    "-inf" (load restores those where the schema allows a non-finite number)."""
    return json.dumps(_json_safe(doc), indent=1, sort_keys=True, allow_nan=False) + "\n"


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def save(doc, path):
    """Write doc to path atomically (bench.files: temporary file, sync, rename, folder
    sync): the file on disk is the previous version or this one, never half of one. A
    failure raises bench.files.WriteError naming the file; the previous version stays."""
    path = results_path(path)
    text = dumps(doc)
    files.make_folder(path.parent)
    files.atomic_write_text(path, text)


def write_file(path, data):
    """Write bytes to path whole or not at all, making its folder (bench.files): how the
    reports write their PDF. Returns path; bench.files.WriteError naming it on failure."""
    path = Path(path)
    files.make_folder(path.parent)
    return files.atomic_write_bytes(path, data)
