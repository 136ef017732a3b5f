"""The comparison of runs as a PDF: the runs' environments side by side, then per later run
and workload the change new / old of each implementation with its 95% interval, called
"slower" or "faster" only when significant and beyond the minimum effect.

A pure layout of the comparison that `bench compare` computed (bench/compare.py) from the
runs' saved per-round samples; nothing here is computed from the timings.
"""

from __future__ import annotations

import math

from reportlab.graphics.shapes import Circle, Line
from reportlab.platypus import KeepTogether

from bench.results import Run, marked
from reports import fmt
from reports.charts import Axis, _text, _width, canvas_for, log_ticks
from reports.data import label
from reports.document import assemble
from reports.style import (
    BAD,
    BAD_BG,
    COND_BOLD,
    GOOD,
    GOOD_BG,
    GREY,
    INK,
    RULE,
    WIDTH,
    esc,
    h1,
    h2,
    note,
    para,
    space,
    table,
)
from reports.summary import environment_rows


def ratio_chart(items, width=WIDTH):
    """Each change new / old as a dot with its 95% interval on a log axis around 1x (left:
    the new run is faster); coloured where a change is called."""
    values = [v for it in items if it["ratio"]
              for v in (it["ratio"], it.get("low"), it.get("high")) if v]
    if not values:
        return None
    span = max(abs(math.log10(v)) for v in values)
    decades = max(math.ceil(span * 10 + 1e-9) / 10, 0.1)
    lo, hi = 10 ** -decades, 10 ** decades
    label_w = max(_width(it["label"], 8, COND_BOLD) for it in items) + 8
    row, axis_h = 14, 34
    height = row * len(items) + axis_h + 8
    drawing = canvas_for(width, height)
    axis = Axis(lo, hi, label_w, width - label_w - 60, log=True)
    y_top = height - 4
    candidates = [(v, t) for v, t in log_ticks(10 ** -math.ceil(decades),
                                               10 ** math.ceil(decades), fmt.ratio)
                  if t and lo <= v <= hi]
    candidates += [(f, fmt.ratio(f)) for f in (0.5, 2 / 3, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
                   if lo <= f <= hi]
    ticks = []
    for value, text in sorted(candidates, key=lambda c: abs(math.log10(c[0]))):
        if all(abs(axis(value) - axis(v)) > 28 for v, _ in ticks):
            ticks.append((value, text))
    for value, text in ticks:
        x = axis(value)
        drawing.add(Line(x, axis_h, x, y_top, strokeColor=RULE, strokeWidth=0.4))
        drawing.add(_text(x, axis_h - 11, text, 7, "middle"))
    one = axis(1.0)
    drawing.add(Line(one, axis_h, one, y_top, strokeColor=INK, strokeWidth=0.8))
    drawing.add(Line(label_w, axis_h, axis.start + axis.length, axis_h, strokeColor=INK,
                     strokeWidth=0.6))
    drawing.add(_text(axis.start + axis.length / 2, 4, "new median / old median (log scale; "
                      "left of 1\u00d7 the new run is faster)", 8, "middle"))
    for k, it in enumerate(items):
        yc = y_top - (k + 0.5) * row
        drawing.add(_text(label_w - 5, yc - 3, it["label"], 8, "end", COND_BOLD))
        if not it["ratio"]:
            drawing.add(_text(label_w + 4, yc - 3, it.get("note") or "no ratio", 8,
                              colour=GREY))
            continue
        colour = {"faster": GOOD, "slower": BAD}.get(it["verdict"], GREY)
        x = axis(min(max(it["ratio"], lo), hi))
        right = x
        if it.get("low") is not None:
            x0, x1 = axis(min(max(it["low"], lo), hi)), axis(min(max(it["high"], lo), hi))
            drawing.add(Line(x0, yc, x1, yc, strokeColor=colour, strokeWidth=1.2))
            for end in (x0, x1):
                drawing.add(Line(end, yc - 3, end, yc + 3, strokeColor=colour,
                                 strokeWidth=1.2))
            right = max(right, x1)
        drawing.add(Circle(x, yc, 2.6, fillColor=colour, strokeColor=None))
        text = fmt.ratio(it["ratio"]) + ("" if it["verdict"] in ("faster", "slower")
                                         else f" ({it['verdict']})")
        drawing.add(_text(min(right + 5, axis.start + axis.length + 2), yc - 3, text, 7.5))
    return drawing


def _runs_section(runs):
    story = [h1("Runs compared")]
    story.append(para("; ".join(f"<b>{label(i)}</b>: {esc(run.describe())}"
                                for i, run in enumerate(runs))
                      + ". The first is the baseline. Rows where the environments differ are "
                        "shaded: a difference there can explain a change in speed."))
    for i, run in enumerate(runs):
        if not run.run["complete"]:
            story.append(note(f"Run {label(i)} did not finish (complete = false): it is "
                              f"compared on the results it saved."))
    rows = [[""] + [f"Run {label(i)}" for i in range(len(runs))]]
    shade = {}
    for field, values in environment_rows(runs):
        rows.append([field, *values])
        if len(set(map(str, values))) > 1 and field not in ("Started", "Finished", "Status"):
            shade[(0, len(rows) - 1)] = GOOD_BG
    story.append(table(rows, [70] + [None] * len(runs), shade=shade, keep=False))
    return story


def _changes_section(comparison, runs):
    story = [h1("Changes")]
    story.append(para(
        f"Each later run against the baseline (run {label(0)}), per implementation and "
        f"workload: new / old time per epoch with its {comparison['confidence']:.0%} "
        f"interval. {esc(comparison['method'])} (minimum effect "
        f"{comparison['min_effect']:.0%})."))
    for index, c in enumerate(comparison["comparisons"], start=1):
        rows = c["rows"]
        called = [r for r in rows if r["verdict"] in ("faster", "slower")]
        story.append(h2(f"Run {label(index)} against run {label(0)}"))
        undecided = sum(1 for r in rows if r["verdict"] == "undecided")
        text = (f"{sum(1 for r in rows if r['verdict'])} comparisons: "
                f"{sum(1 for r in called if r['verdict'] == 'faster')} faster, "
                f"{sum(1 for r in called if r['verdict'] == 'slower')} slower, "
                f"{undecided} undecided (measured under interference or while the machine "
                f"itself changed speed, or timed in one run only), the others no change that "
                f"can be told from the noise.")
        for r in called:
            text += (f" {esc(r['case'])} on {esc(r['workload'])}: "
                     f"{fmt.ratio(r['ratio'])} [{fmt.ratio(r['ci_low'])}, "
                     f"{fmt.ratio(r['ci_high'])}] ({r['verdict']}).")
        story.append(para(text))
        for warning in c["warnings"]:
            story.append(note(f"The runs differ: {esc(warning)}."))
        workloads = []
        for r in rows:
            if r["workload"] not in workloads:
                workloads.append(r["workload"])
        for workload in workloads:
            mine = [r for r in rows if r["workload"] == workload]
            table_rows = [["Implementation", "Old median", "New median", "New / old [95%]",
                           "p", "Change", "Why"]]
            shade = {}
            for r in mine:
                ratio = fmt.MISSING
                if r["ratio"]:
                    ratio = fmt.ratio(r["ratio"])
                    if r["ci_low"] is not None:
                        ratio += f" [{fmt.ratio(r['ci_low'])}, {fmt.ratio(r['ci_high'])}]"
                table_rows.append([
                    marked(r["case"], r["kind"]),
                    fmt.time(r["old_median"]), fmt.time(r["new_median"]), ratio,
                    fmt.MISSING if r["p_value"] is None else f"{r['p_value']:.2g}",
                    r["verdict"] or fmt.MISSING, r["why"] or ""])
                colour = {"faster": GOOD_BG, "slower": BAD_BG}.get(r["verdict"])
                if colour:
                    shade[(5, len(table_rows) - 1)] = colour
            block = [h2(workload), table(table_rows, [62, 52, 52, 92, 30, 44, None],
                                         right=(1, 2, 3, 4), shade=shade)]
            chart = ratio_chart([{"label": r["case"], "ratio": r["ratio"],
                                  "low": r["ci_low"], "high": r["ci_high"],
                                  "verdict": r["verdict"], "note": "not timed in both"}
                                 for r in mine])
            if chart is not None:
                block += [space(4), chart]
            story.append(KeepTogether(block))
        if not rows:
            story.append(note("The runs have no implementation \u00d7 workload pair at all."))
    return story


def build_compare_report(docs, comparison, out_path):
    """Write the PDF of a comparison (bench.compare.compare) of the loaded documents docs."""
    runs = [Run(doc) for doc in docs]
    sections = [("Runs compared", _runs_section(runs),
                 "the environments side by side, differences shaded"),
                ("Changes", _changes_section(comparison, runs),
                 "new / old per implementation and workload, with 95% intervals")]
    title = ("Backpropagation benchmark comparison: "
             + " vs ".join(run.describe() for run in runs))
    subject = "Changes in time per epoch between benchmark runs, with confidence intervals"
    heading = ("Comparison of benchmark runs: each later run against the first, the change "
               "in time per epoch per implementation and workload with its 95% interval, "
               "called only when significant and beyond the minimum effect.")
    return assemble(sections, runs, out_path, title=title, subject=subject,
                    heading=heading, keywords="backpropagation, benchmark, comparison")
