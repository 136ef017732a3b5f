"""Compare two runs: the ratio of medians per implementation x workload, marked where the
change is larger than the noise, as rows (for the terminal) and as a PDF.

A change is `significant` when |new median - old median| is larger than the IQR of the old
run and larger than the IQR of the new run: larger than the noise of either run.
"""

from __future__ import annotations

import math

from reportlab.graphics.shapes import Drawing, Line, Rect
from reportlab.platypus import KeepTogether

from reports import fmt
from reports.build import assemble
from reports.charts import Axis, _text, _width, log_ticks
from reports.data import Run, impl_key, order_workloads
from reports.style import (BAD, BAD_BG, COND_BOLD, GOOD, GOOD_BG, GREY, INK, RULE,
                           WIDTH, cell, esc, h1, h2, note, para, space, table)
from reports.summary import environment_rows


def _pair_runs(old_doc, new_doc):
    old, new = Run(old_doc, 0, multi=True), Run(new_doc, 1, multi=True)
    return old, new


def compare_rows(old_doc, new_doc):
    """One dict per implementation x workload found in either run.

    Keys: implementation, workload, kind, presence ("both", "old", "new": where it has a
    timing, or "neither"), old_status, new_status, old_median, new_median, old_iqr, new_iqr
    (seconds or None), ratio (new / old median, None unless timed in both), significant
    (bool), change ("faster", "slower", "within noise" or None), note (why a side is missing).
    """
    old, new = _pair_runs(old_doc, new_doc)
    workloads = dict(old.workloads)
    for name, wl in new.workloads.items():
        workloads.setdefault(name, wl)
    impls = sorted(set(old.implementations()) | set(new.implementations()), key=impl_key)
    rows = []
    for workload in order_workloads(workloads):
        for impl in impls:
            r_old, r_new = old.result(impl, workload), new.result(impl, workload)
            if r_old is None and r_new is None:
                continue
            t_old, t_new = old.median(impl, workload), new.median(impl, workload)
            i_old, i_new = old.stat(impl, workload, "iqr"), new.stat(impl, workload, "iqr")
            presence = ("both" if t_old and t_new else "old" if t_old else "new" if t_new
                        else "neither")
            ratio = t_new / t_old if presence == "both" else None
            significant = False
            change = None
            if ratio is not None:
                noise = max(i_old or 0.0, i_new or 0.0)
                significant = abs(t_new - t_old) > noise
                change = ("within noise" if not significant else
                          "faster" if t_new < t_old else "slower")
            notes = []
            if (r_old and r_new and r_old.get("status") == r_new.get("status") == "skipped"
                    and r_old.get("reason") == r_new.get("reason")):
                notes.append(f"skipped in both runs: {r_old.get('reason')}")
                r_old = r_new = {"status": "noted"}
            for side, result in (("old", r_old), ("new", r_new)):
                if result is None:
                    notes.append(f"not in the {side} run")
                elif result.get("status") == "skipped":
                    notes.append(f"skipped in the {side} run: {result.get('reason')}")
                elif result.get("status") == "partial":
                    notes.append(f"partial in the {side} run")
            kind = (new.result(impl, workload) or old.result(impl, workload)).get(
                "kind", "implementation")
            rows.append({
                "implementation": impl, "workload": workload, "kind": kind,
                "presence": presence,
                "old_status": (old.result(impl, workload) or {}).get("status"),
                "new_status": (new.result(impl, workload) or {}).get("status"),
                "old_median": t_old, "new_median": t_new, "old_iqr": i_old, "new_iqr": i_new,
                "ratio": ratio, "significant": significant, "change": change,
                "note": "; ".join(notes) or None,
            })
    return rows


def ratio_chart(items, width=WIDTH):
    """Diverging bars on a log axis from 1x to each ratio (new / old): left is faster."""
    values = [it["ratio"] for it in items if it["ratio"]]
    if not values:
        return None
    span = max(abs(math.log10(v)) for v in values)
    decades = max(math.ceil(span * 10 + 1e-9) / 10, 0.1)
    lo, hi = 10 ** -decades, 10 ** decades
    label_w = max(_width(it["label"], 8, COND_BOLD) for it in items) + 8
    row, axis_h = 14, 34
    height = row * len(items) + axis_h + 8
    drawing = Drawing(width, height)
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
        x = axis(min(max(it["ratio"], lo), hi))
        colour = (GOOD if it["ratio"] < 1 else BAD) if it["significant"] else GREY
        drawing.add(Rect(min(one, x), yc - 4.5, max(abs(x - one), 0.8), 9, fillColor=colour,
                         strokeColor=None))
        text = fmt.ratio(it["ratio"]) + ("" if it["significant"] else " (noise)")
        if x >= one:
            drawing.add(_text(x + 3, yc - 3, text, 7.5))
        elif x - 3 - _width(text, 7.5) > label_w:
            drawing.add(_text(x - 3, yc - 3, text, 7.5, "end"))
        else:
            drawing.add(_text(one + 3, yc - 3, text, 7.5))
    return drawing


def _runs_section(old, new):
    story = [h1("Runs compared")]
    story.append(para(f"<b>Old (A)</b>: {esc(old.describe())}. <b>New (B)</b>: "
                      f"{esc(new.describe())}. Rows where the two environments differ are "
                      f"shaded: a change there can explain a change in speed."))
    for run in (old, new):
        if not run.run.get("complete"):
            story.append(note(f"Run {run.label} did not finish (complete = false): it is "
                              f"compared on the results it saved."))
    rows = [["", "Old (A)", "New (B)"]]
    shade = {}
    for label, (a, b) in environment_rows([old, new]):
        rows.append([label, a, b])
        if a != b and label not in ("Started", "Finished", "Status"):
            shade[(0, len(rows) - 1)] = GOOD_BG
    story.append(table(rows, [70, None, None], shade=shade, keep=False))
    return story


def _ratios_section(rows):
    story = [h1("Ratios")]
    both = [r for r in rows if r["presence"] == "both"]
    faster = [r for r in both if r["change"] == "faster"]
    slower = [r for r in both if r["change"] == "slower"]
    text = (f"{len(both)} implementation \u00d7 workload pairs are timed in both runs: "
            f"{len(faster)} significantly faster in the new run, {len(slower)} significantly "
            f"slower, {len(both) - len(faster) - len(slower)} within the noise. A change counts "
            f"as significant when the difference of the medians is larger than the "
            f"interquartile range of either run.")
    if both:
        best = min(both, key=lambda r: r["ratio"])
        worst = max(both, key=lambda r: r["ratio"])
        if best["ratio"] < 1:
            text += (f" Largest speed-up: {esc(best['implementation'])} on "
                     f"{esc(best['workload'])} (new / old = {fmt.ratio(best['ratio'])}).")
        if worst["ratio"] > 1:
            text += (f" Largest slow-down: {esc(worst['implementation'])} on "
                     f"{esc(worst['workload'])} (new / old = {fmt.ratio(worst['ratio'])}).")
    story.append(para(text))
    workloads = []
    for r in rows:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    for workload in workloads:
        mine = [r for r in rows if r["workload"] == workload]
        story.append(h2(workload))
        table_rows = [["Implementation", "Old median (IQR)", "New median (IQR)", "New / old",
                       "Change", "Note"]]
        shade, spans = {}, []
        for r in mine:
            if not r["old_median"] and not r["new_median"]:
                table_rows.append([r["implementation"] + (" (peer)" if r["kind"] == "peer"
                                                          else ""), cell(r["note"] or "")]
                                  + [""] * 4)
                spans.append((1, len(table_rows) - 1, 5))
                continue
            table_rows.append([
                r["implementation"] + (" (peer)" if r["kind"] == "peer" else ""),
                f"{fmt.time(r['old_median'])} ({fmt.time(r['old_iqr'])})"
                if r["old_median"] else fmt.MISSING,
                f"{fmt.time(r['new_median'])} ({fmt.time(r['new_iqr'])})"
                if r["new_median"] else fmt.MISSING,
                fmt.ratio(r["ratio"]), r["change"] or fmt.MISSING, r["note"] or ""])
            if r["change"] == "faster":
                shade[(4, len(table_rows) - 1)] = GOOD_BG
            elif r["change"] == "slower":
                shade[(4, len(table_rows) - 1)] = BAD_BG
        block = [table(table_rows, [72, 92, 92, 50, 58, None], right=(1, 2, 3), shade=shade,
                       spans=spans)]
        chart = ratio_chart([{"label": r["implementation"], "ratio": r["ratio"],
                              "significant": r["significant"],
                              "note": "timed in one run only" if r["presence"] in ("old", "new")
                              else "not timed"} for r in mine])
        if chart is not None:
            block += [space(4), chart]
        story.append(KeepTogether(block))
    if not rows:
        story.append(note("The two runs have no implementation \u00d7 workload pair at all."))
    return story


def build_compare_report(old_doc, new_doc, out_path):
    """Write the PDF comparing two loaded results documents: environments, ratios, noise."""
    old, new = _pair_runs(old_doc, new_doc)
    rows = compare_rows(old_doc, new_doc)
    sections = [("Runs compared", _runs_section(old, new),
                 "both environments side by side, differences shaded"),
                ("Ratios", _ratios_section(rows),
                 "new / old median per implementation and workload, with noise markers")]
    title = f"Backpropagation benchmark comparison: {old.describe()} vs {new.describe()}"
    subject = "Ratios of median time per epoch between two benchmark runs, with noise markers"
    heading = ("Comparison of two benchmark runs: old (A) and new (B), the ratio of their "
               "medians per implementation and workload, marked where the change is larger "
               "than the noise.")
    return assemble(sections, [old, new], out_path, title=title, subject=subject,
                    heading=heading, keywords="backpropagation, benchmark, comparison")
