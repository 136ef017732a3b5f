"""PDF reports: a pure function of saved benchmark results.

`build_report(docs, out_path)` turns one loaded results document (bench.results.load) into
one merged, bookmarked PDF whose first page answers the question; given more than one, it
hands them to `reports.compare`, which compares runs. The package reads the results through
the package bench.results only (the model, and the writer of files whole or absent) and imports
no implementation: every figure it prints was saved by a benchmark run.
"""

from reports.build import build_report

__all__ = ["build_report"]
