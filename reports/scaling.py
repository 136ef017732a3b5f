"""Scaling: time per epoch against hidden width on log-log axes, a line per implementation,
the fitted slope of each line, and the widths where one implementation overtakes another."""

from __future__ import annotations

from reports import fmt
from reports.charts import line_chart
from reports.data import crossovers, loglog_slope
from reports.style import esc, h1, h2, impl_style, note, para, space, table

TITLE = "Scaling"
BLURB = "time per epoch against hidden width (log-log), fitted slopes, crossover widths"


def sweep_points(run, impl):
    """[(width, median, status)] of impl across the run's sweep, smallest width first."""
    points = []
    for w in run.sweep_workloads():
        median = run.median(impl, w)
        if median and run.sweep_value(w):
            points.append((run.sweep_value(w), median,
                           run.timed(impl, w)["status"]))
    return points


def sweep_members(run, impl):
    """[(width, workload)] of the sweep members where impl has a timing."""
    return [(run.sweep_value(w), w) for w in run.sweep_workloads()
            if run.median(impl, w) and run.sweep_value(w)]


def sweep_shape(run):
    """'64-W-10' style description of the swept network, and the sweep's common settings."""
    names = run.sweep_workloads()
    sizes = [run.workloads[w]["layer_sizes"] for w in names]
    if not sizes:
        return "", {}
    shape = []
    for column in zip(*sizes):
        shape.append(str(column[0]) if len(set(column)) == 1 else "W")
    return "-".join(shape), run.workloads[names[0]]


def chart(run):
    series = []
    for impl in run.implementations():
        points = sweep_points(run, impl)
        if not points:
            continue
        colour, dash, marker = impl_style(impl)
        series.append({"name": impl + (" (partial at " + ", ".join(
            str(x) for x, _, s in points if s == "partial") + ")" if any(
            s == "partial" for _, _, s in points) else ""),
            "points": [(x, y) for x, y, _ in points], "colour": colour, "dash": dash,
            "marker": marker, "bars": [(x, *run.interval(impl, w)[1:3])
                                       for x, w in sweep_members(run, impl)]})
    if not series:
        return None
    widths = sorted({x for s in series for x, _ in s["points"]})
    return line_chart(series, x_title="hidden width W (units in the hidden layer, log scale)",
                      y_title="median time per epoch (log scale)", x_log=True, y_log=True,
                      x_ticks=[(w, str(w)) for w in widths], y_label=fmt.time_axis,
                      height=300)


def slope_table(run):
    rows = [["Implementation", "Slope, all widths", "Slope, upper half", "Time at smallest",
             "Time at largest", "Largest / smallest"]]
    for impl in run.implementations():
        points = sweep_points(run, impl)
        if not points:
            continue
        pairs = [(x, y) for x, y, _ in points]
        upper = pairs[len(pairs) // 2:] if len(pairs) >= 4 else pairs
        rows.append([impl, fmt.sig(loglog_slope(pairs), 2), fmt.sig(loglog_slope(upper), 2),
                     f"{fmt.time(pairs[0][1])} (W = {pairs[0][0]})",
                     f"{fmt.time(pairs[-1][1])} (W = {pairs[-1][0]})",
                     fmt.ratio(pairs[-1][1] / pairs[0][1])])
    return table(rows, [76, 60, 60, 100, 100, None], right=(1, 2, 3, 4, 5))


def crossover_rows(run):
    impls = [i for i in run.implementations() if sweep_points(run, i)]
    rows = []
    for i, a in enumerate(impls):
        for b in impls[i + 1:]:
            pa = [(x, y) for x, y, _ in sweep_points(run, a)]
            pb = [(x, y) for x, y, _ in sweep_points(run, b)]
            for lo, hi, estimate, after in crossovers(pa, pb):
                winner, loser = (a, b) if after == "a" else (b, a)
                rows.append([f"{winner} overtakes {loser}", f"{lo} \u2013 {hi}",
                             fmt.sig(estimate, 2), f"{winner} faster from here up"])
    return rows


def times_table(run):
    impls = [i for i in run.implementations() if any(run.result(i, w)
                                                      for w in run.sweep_workloads())]
    rows = [["Workload", "W", *impls]]
    for w in run.sweep_workloads():
        row = [w, str(run.sweep_value(w))]
        for impl in impls:
            row.append(fmt.result_cell(
                run.result(impl, w), lambda result, impl=impl, w=w:
                fmt.time_of(run.interval(impl, w))
                + (" (partial)" if result["status"] == "partial" else ""), "not run"))
        rows.append(row)
    return table(rows, [56, 28] + [None] * len(impls), right=tuple(range(1, 2 + len(impls))),
                 font_size=7.4)


def build(run):
    story = [h1(TITLE)]
    if not run.sweep_workloads():
        story.append(note("These results hold no scaling sweep (no workload with a hidden-width "
                          "sweep value), so there is nothing to plot here. A default "
                          "<font face='ReportMono'>python -m bench run</font> includes it."))
        return story
    shape, first = sweep_shape(run)
    cfg = first["config"]
    data = first.get("data")
    story.append(h2("Time against width"))
    widths = [run.sweep_value(w) for w in run.sweep_workloads()]
    story.append(para(
        f"The same training run on a {shape} network for W = "
        f"{fmt.names([str(w) for w in widths])}: "
        f"{esc(data['name'] if data else 'the same data')}, "
        f"{fmt.count(first['n_train'])} samples, batches of {cfg['batch_size']}. "
        f"The work per epoch grows in proportion to W, so a line of slope 1 on these "
        f"log-log axes means the time is all arithmetic; a flatter line means fixed costs "
        f"per batch or per call (interpreter, dispatch, memory allocation) still "
        f"dominate. The bars are the 95% intervals of the medians (the IQR of the rounds "
        f"in files that saved no interval); most are narrower than the markers."))
    drawing = chart(run)
    if drawing is None:
        story.append(note("No implementation has a timed result in the sweep."))
        return story
    story.append(drawing)
    story.append(h2("Fitted slopes and crossovers",
                    title="Slopes and crossovers"))
    story.append(para("Slope: the least-squares slope of log(time) against log(W) over the "
                      "saved medians, over all widths and over the upper half of the "
                      "widths (where the arithmetic should dominate)."))
    story.append(slope_table(run))
    story.append(space(8))
    rows = crossover_rows(run)
    if rows:
        story.append(para("Crossovers: between which neighbouring widths the faster of two "
                          "implementations changes; the estimate interpolates log(time) "
                          "linearly in log(W)."))
        story.append(table([["Crossover", "Between W", "About W", "After it"]] + rows,
                           [170, 70, 60, None], right=(1, 2)))
    else:
        story.append(para("No crossovers: the order of the implementations is the same at "
                          "every width."))
    story.append(h2("Times per width"))
    story.append(para("Median time per epoch with its 95% interval in brackets (where saved)."))
    story.append(times_table(run))
    return story
