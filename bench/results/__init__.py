"""The results contract: the one file format between `bench` (which writes it) and `reports`
(which reads it through this package and nothing else of bench). Standard library only.

    schema     the format, version 2, stated once as data (docs/results.md is made from it)
    fields     the kinds of field the schema is written in, each checking itself
    validate   a document checked against the schema: errors name the file and the field
    migrate    older files brought to the current version at load (update_to_2)
    store      load and save (atomic, through bench.files), and the reports' file writer
    document   a document built up (new_results, put_*) and looked into (find_*)
    estimate   an estimate with its 95% interval
    model      Run: the one reading of a document, shared by the terminal and the reports
    units      how a duration or a saved time is written, in the terminal and the PDF
    docs       docs/results.md, written from the schema
"""

from bench.registry import OWN, kind
from bench.results.document import (
                                    find_ratio,
                                    find_result,
                                    new_results,
                                    put_gain,
                                    put_ratio,
                                    put_result,
)
from bench.results.estimate import Estimate
from bench.results.fields import ResultsError
from bench.results.migrate import migrate
from bench.results.model import Run, impl_key, marked
from bench.results.schema import (
                                    FLOAT32,
                                    MORE_THREADS,
                                    RESULTS_FILE,
                                    SCHEMA_VERSION,
                                    THREADED_IMPLEMENTATIONS,
                                    THREADED_WORKLOADS,
                                    TIMED_STATUSES,
                                    known_workload,
)
from bench.results.store import dumps, load, results_path, save, write_file
from bench.results.validate import validate

__all__ = [
    "FLOAT32", "MORE_THREADS", "OWN", "RESULTS_FILE", "SCHEMA_VERSION",
    "THREADED_IMPLEMENTATIONS", "THREADED_WORKLOADS", "TIMED_STATUSES", "Estimate",
    "ResultsError", "Run", "dumps", "find_ratio", "find_result", "impl_key", "kind",
    "known_workload", "load", "marked", "migrate", "new_results", "put_gain", "put_ratio",
    "put_result", "results_path", "save", "validate", "write_file",
]
