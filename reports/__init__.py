"""PDF reports: a pure function of saved benchmark results.

`build_report(docs, out_path)` turns one or more loaded results documents (bench.results.load)
into one merged, bookmarked PDF; `reports.compare` compares two runs. The package reads the
results through bench.results only and imports no implementation: every figure it prints was
saved by a benchmark run.
"""

from reports.build import build_report

__all__ = ["build_report"]
