"""Agreement: how closely the implementations' trained parameters match the reference, the
gradient checks, and the learning curves overlaid (saying plainly where they do not lie on
one line)."""

from __future__ import annotations

import math

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Table, TableStyle

from bench.results import TIMED_STATUSES, impl_key
from reports import fmt
from reports.charts import line_chart
from reports.data import curve_difference
from reports.style import (
    BAD_BG,
    BODY,
    COND,
    WIDTH,
    Mark,
    esc,
    h1,
    h2,
    h3,
    impl_style,
    note,
    para,
    space,
    sym,
    table,
)

TITLE = "Agreement"
BLURB = "parameter differences after training, gradient checks, learning curves"
BESIDE = ParagraphStyle("beside", parent=BODY, fontSize=8, leading=10)   # under a curve
ONE_LINE = 1e-6     # curves closer than this (relative) are drawn on top of one another


def _tolerance(run):
    return next((result["agreement"]["tolerance"] for result in run.results
                 if result["status"] in TIMED_STATUSES and result["agreement"]), None)


def parameter_table(run):
    reference = run.reference()
    impls = [i for i in run.implementations() if i != reference]
    rows = [["Workload", *impls]]
    shade = {}
    tick, cross = sym("\u2713", "ok"), sym("\u2717", "NO")
    for w in run.main_workloads() + run.sweep_workloads():
        row = [w]
        for impl in impls:
            result = run.result(impl, w)
            if result is None:
                row.append(fmt.MISSING)
            elif result["status"] == "skipped":
                row.append("skipped")
            elif not result["agreement"]:
                row.append("not compared")
            else:
                a = result["agreement"]
                ok = a["within_tolerance"]
                epochs = a["epochs_compared"]
                text = f"{fmt.sci(a['max_rel_param_diff'])} {tick if ok else cross}"
                if epochs != run.workloads[w]["config"]["epochs"]:
                    text += f" ({epochs} ep.)"
                row.append(text)
                if not ok:
                    shade[(len(row) - 1, len(rows))] = BAD_BG
        rows.append(row)
    return table(rows, [70] + [None] * len(impls), right=tuple(range(1, len(impls) + 1)),
                 shade=shade, keep=False)


def gradient_table(run):
    checks = run.doc["gradient_checks"]
    rows = [["Implementation", "Max relative error", "Tolerance", "Step h", "Cases", "Result"]]
    shade = {}
    for impl in sorted(checks, key=lambda i: (run.implementations() + [i]).index(i)):
        c = checks[impl]
        rows.append([impl, fmt.sci(c["max_rel_error"]), fmt.sci(c["tolerance"]),
                     fmt.sci(c["step"]), fmt.MISSING if c["cases"] is None else str(c["cases"]),
                     "passed" if c["passed"] else "FAILED"])
        if not c["passed"]:
            shade[(5, len(rows) - 1)] = BAD_BG
    return table(rows, [80, 80, 60, 50, 40, None], right=(1, 2, 3, 4), shade=shade)


def curve_story(run, workload, width=WIDTH, style=BODY):
    """The overlaid learning curves of a workload and a sentence on whether they coincide."""
    reference = run.reference()
    curves, prefix = {}, []
    for result in run.timed_rows(workload):
        history = run.history(result["implementation"], workload)
        if result["status"] == "partial":
            prefix.append(result["implementation"])
        elif history:
            curves[result["implementation"]] = history
    missing = [r["implementation"] for r in run.timed_rows(workload)
               if r["implementation"] not in curves and r["implementation"] not in prefix]
    out = []
    prefix_text = (f" {esc(fmt.names(prefix))} {'was' if len(prefix) == 1 else 'were'} timed "
                   f"over part of an epoch only, so {'its' if len(prefix) == 1 else 'their'} "
                   f"saved loss is of that part and is left off this chart." if prefix else "")
    if not curves:
        out.append(para("No learning curve was saved for this workload." + prefix_text))
        return out
    base_name = reference if reference in curves else next(iter(curves))
    base = curves[base_name]
    together, apart = [base_name], []
    for impl, history in curves.items():
        if impl == base_name:
            continue
        diff = curve_difference(history, base)
        if diff is not None and diff <= ONE_LINE and len(history) == len(base):
            together.append(impl)
        else:
            apart.append((impl, diff, history))
    closeness = max((curve_difference(curves[i], base) or 0.0 for i in together), default=0.0)
    n = len(together)
    series = []
    names = list(curves)
    every = max(1, math.ceil(max(len(h) for h in curves.values()) / 12))
    for k, impl in enumerate(names):
        colour, dash, marker = impl_style(impl)
        series.append({"name": impl, "points": [(e + 1, v) for e, v in enumerate(curves[impl])
                                                if v is not None],
                       "colour": colour, "dash": dash, "marker": marker, "marker_every": every,
                       "marker_phase": round(k * every / len(names))})
    values = [v for h in curves.values() for v in h if v is not None and math.isfinite(v)]
    positive = [v for v in values if v > 0]
    y_log = bool(positive) and len(positive) == len(values) and max(values) / min(values) > 20
    epochs = max(len(h) for h in curves.values())
    out.append(line_chart(series, x_title="epoch", y_log=y_log, x_log=False,
                          y_title="training loss" + (" (log scale)" if y_log else ""),
                          height=140, x_integer=True, width=width))
    if n > 1:
        text = (f"On one line: {esc(fmt.names(together))} (their curves differ by at most "
                f"{fmt.sci(closeness)}, relative).")
    else:
        text = f"Only {esc(base_name)}'s curve is on the reference line."
    if apart:
        parts = []
        for impl, diff, history in apart:
            final = history[-1] if history else None
            part = (f"<b>{esc(impl)}</b> (up to {fmt.percent(diff)}" if diff is not None
                    and diff > 1e-3 else f"<b>{esc(impl)}</b> (up to {fmt.sci(diff)}")
            part += (f"; final loss {fmt.loss(final)} against {fmt.loss(base[-1])} for "
                     f"{esc(base_name)})" if final is not None and base else ")")
            parts.append(part)
        text += f" <b>Not on it</b>: {fmt.names(parts)}."
    if missing:
        text += f" No curve saved for {esc(fmt.names(missing))}."
    if prefix:
        text += f" Left off (timed over part of an epoch): {esc(fmt.names(prefix))}."
    if epochs == 1:
        text += " (One epoch: a single point per implementation.)"
    out.append(para(text, style))
    return out


def curves_intro(run):
    """What every learning-curve chart below has in common, said once."""
    text = (f"The training loss after each epoch, as saved. Curves that differ from "
            f"{esc(run.reference())}'s by less than {fmt.sci(ONE_LINE)} (relative) lie on one "
            f"line, so only one is visible; staggered markers show that each is there. Results "
            f"timed over part of an epoch saved the loss of that part only and are left off.")
    uncompared = sorted({r["implementation"] for w in run.main_workloads()
                         for r in run.timed_rows(w) if not r["agreement"]
                         and r["implementation"] != run.reference()}, key=impl_key)
    if uncompared:
        one = len(uncompared) == 1
        text += (f" {esc(fmt.names(uncompared))} {'is' if one else 'are'} not held to the "
                 f"reference (no agreement saved: {'it trains' if one else 'they train'} from "
                 f"{'its' if one else 'their'} own start; see the notes above), so "
                 f"{'its curve is' if one else 'their curves are'} not expected on the line.")
    return para(text)


def outcomes_table(run):
    """What training reached on every main workload, one table."""
    rows = [["Workload", "Implementation", "Final training loss", "Train accuracy",
             "Test accuracy", "Peak memory growth"]]
    for w in run.main_workloads():
        for k, result in enumerate(run.timed_rows(w)):
            partial = result["status"] == "partial"
            rows.append([w if k == 0 else "",
                         result["implementation"] + (" (partial)" if partial else ""),
                         fmt.loss(result["final_loss"]),
                         fmt.accuracy(result["train_accuracy"]),
                         fmt.accuracy(result["test_accuracy"]),
                         fmt.nbytes(result["peak_memory_bytes"])])
    if len(rows) == 1:
        return None
    return table(rows, [66, 90, 80, 70, 70, None], right=(2, 3, 4, 5), keep=False)


def published_text(run, workload):
    """The run's test accuracy on a workload beside the published result of its network (the
    workload's saved `published` entry), saying what differs; None without either."""
    published = run.published(workload)
    reached = [(result["implementation"], result["test_accuracy"])
               for result in run.timed_rows(workload)
               if result["status"] == "ok" and result["test_accuracy"] is not None]
    if not published or not reached:
        return None
    epochs = run.workloads[workload]["config"]["epochs"]
    low = min(value for _, value in reached)
    high = max(value for _, value in reached)
    figure = (fmt.accuracy(low) if fmt.accuracy(low) == fmt.accuracy(high)
              else f"{fmt.accuracy(low)} to {fmt.accuracy(high)}")
    who = fmt.names([esc(name) for name, _ in reached])
    return para(f"<b>{esc(workload)}</b> beside its published result: {who} reached "
                f"{figure} test accuracy after {epochs} epochs here; the published figure is "
                f"{100 * published['test_accuracy']:.2f}% ({esc(published['source'])}), "
                f"{esc(published['setting'])}.")


def curve_grid(run):
    """The learning curves two to a row, each with its heading (a bookmark) and sentence."""
    cells = []
    half = (WIDTH - 12) / 2
    for w in run.main_workloads():
        if not run.rows(w):
            continue
        block = [h3(w)] + curve_story(run, w, width=half, style=BESIDE)
        cells.append((w, block))
    out = []
    for i in range(0, len(cells), 2):
        pair = [block for _, block in cells[i:i + 2]]
        pair += [[]] * (2 - len(pair))
        if i:
            out.append(space(8))
        out.extend(Mark(w) for w, _ in cells[i:i + 2])
        grid = Table([pair], colWidths=[half + 12, half], hAlign="LEFT")
        grid.keep_whole = True          # one row: kept with a heading above it
        grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                  ("FONTNAME", (0, 0), (-1, -1), COND),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (0, -1), 12),
                                  ("RIGHTPADDING", (1, 0), (1, -1), 0),
                                  ("TOPPADDING", (0, 0), (-1, -1), 0),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
        out.append(grid)
    return out


def build(run):
    story = [h1(TITLE)]
    tolerance = _tolerance(run)
    reference = run.reference()
    story.append(h2("Trained parameters"))
    story.append(para(
        f"Each implementation trains from the same initial parameters with the same sample "
        f"orders as {esc(reference)}, the reference; the cell gives the largest relative "
        f"difference between its trained parameters and the reference's (max norm per "
        f"layer), {sym(chr(0x2713), 'ok')} within the tolerance of "
        f"{fmt.sci(tolerance) if tolerance else 'the contract'}, "
        f"{sym(chr(0x2717), 'NO')} beyond it. Where fewer epochs were compared than the "
        f"workload trains (a partial timing), the number compared is given."))
    story.append(parameter_table(run))
    timed = [r for r in run.results if r["status"] in TIMED_STATUSES]
    notes = {(r["implementation"], str(r["agreement"].get("note")))
             for r in timed if r["agreement"] and r["agreement"].get("note")}
    notes |= {(r["implementation"], "not compared: " + str(r["agreement_note"]))
              for r in timed if not r["agreement"] and r.get("agreement_note")}
    if notes:
        story.append(space(4))
        story.append(para("Notes saved with the comparisons: " + "; ".join(
            f"<b>{esc(i)}</b>: {esc(t.rstrip('.'))}"
            for i, t in sorted(notes, key=lambda n: (impl_key(n[0]), n[1]))) + "."))
    story.append(h2("Gradient checks"))
    if run.doc["gradient_checks"]:
        story.append(para("Each implementation's analytic gradient against central finite "
                          "differences, over the saved number of random cases."))
        story.append(gradient_table(run))
    else:
        story.append(note("No gradient checks were saved with this run."))
    outcome = outcomes_table(run)
    if outcome is not None:
        story.append(h2("What training reached"))
        story.append(para("The final training loss, the accuracies and the peak memory growth "
                          "of each timed result (partial results: of the timed prefix)."))
        story.append(outcome)
        for workload in run.main_workloads():
            text = published_text(run, workload)
            if text is not None:
                story.append(space(4))
                story.append(text)
    grid = curve_grid(run)
    if grid:
        story.append(h2("Learning curves"))
        story.append(curves_intro(run))
        story.extend(grid)
    return story
