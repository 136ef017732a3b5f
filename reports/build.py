"""The report of one run: its sections, each a plain function from the results model to
flowables, behind page 1's answer (reports.document renders and merges them); given several
runs, their comparison (reports.compare)."""

from __future__ import annotations

from bench.results import Run
from reports import (
    agreement,
    answer,
    compare,
    efficiency,
    methodology,
    precision,
    scaling,
    speed,
    summary,
    worked,
)
from reports.document import assemble

SECTIONS = (summary, speed, scaling, efficiency, precision, agreement, worked, methodology)


def _front(run):
    """Page 1's answer, which names the page of the Efficiency section."""
    def front(contents):
        pages = {title: page for title, _, page in contents}
        return answer.story(run, efficiency.targets_line(run, pages.get(efficiency.TITLE)))
    return front


def build_report(docs, out_path, comparison=None):
    """Write the merged, bookmarked PDF report of one loaded results document; with more
    than one, the report comparing them (reports.compare), laid out from `comparison`, which
    bench.compare computed from their saved rounds."""
    docs = list(docs)
    if not docs:
        raise ValueError("build_report needs at least one results document")
    if len(docs) > 1:
        if comparison is None:
            raise ValueError("a report of several runs is their comparison: compute it with "
                             "bench.compare.compare and pass it as comparison")
        return compare.build_compare_report(docs, comparison, out_path)
    run = Run(docs[0])
    sections = [(module.TITLE, module.build(run), module.BLURB) for module in SECTIONS]
    title = f"Backpropagation benchmark report: {run.describe()}"
    subject = ("Speed, scaling, efficiency and agreement of one backpropagation algorithm in "
               "pure Python, NumPy and Fortran 95, with PyTorch and scikit-learn as peers")
    heading = ("One multilayer perceptron trained by backpropagation, implemented three "
               "times, timed and cross-checked.")
    keywords = "backpropagation, benchmark, " + ", ".join(run.implementations())
    return assemble(sections, [run], out_path, title=title, subject=subject, heading=heading,
                    keywords=keywords, front=_front(run))
