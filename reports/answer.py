"""Page 1: the answer. One figure (every workload's time per epoch for each implementation
and peer, a dot with its 95% interval on a log axis) and the few sentences that matter: who
is fastest where and by how much, whether they agreed, how close to the machine's limit, and
how the speed targets came out."""

from __future__ import annotations

from bench.results import kind, marked
from reports import fmt
from reports.charts import dot_chart, fitted_log_range
from reports.style import SMALL, esc, impl_style, para, space


def never_timed(run):
    """Implementations and peers with no timed result in the run (say, torch-cuda without a
    GPU): left out of the figure, named under it."""
    timed = {r["implementation"] for r in run.results if r["status"] != "skipped"}
    return [impl for impl in run.implementations() if impl not in timed]


def time_items(run, workload):
    """The dot chart's items of one workload: every result, timed or not, in table order,
    but for the implementations the run never timed."""
    items = []
    absent = never_timed(run)
    for result in run.rows(workload):
        impl = result["implementation"]
        if impl in absent:
            continue
        peer = result["kind"] == "peer"
        found = run.interval(impl, workload)
        status = result["status"]
        item = {"label": marked(impl, result["kind"]), "style": impl_style(impl),
                "hollow": peer, "value": None, "status": status,
                "note": "skipped" if status == "skipped" else None}
        if found:
            median, low, high, saved = found
            item.update(value=median, low=low, high=high, spread=not saved,
                        note="partial" if status == "partial" else None)
        items.append(item)
    return items


def time_label(item):
    """The value column of a time chart: median [95% interval], or what is missing."""
    if item["value"] is None:
        return item.get("note") or fmt.MISSING
    text = (fmt.time_ci(item["value"], item["low"], item["high"]) if not item.get("spread")
            else fmt.time(item["value"]))
    return text + (" partial" if item.get("status") == "partial" else "")


def figure(run, rows_per_chart=36):
    """The page-1 figure: [drawing, ...] (one for a default run; a run with many workloads
    gets several, on one axis, so that the figure can continue on the next page)."""
    groups = [(w, time_items(run, w)) for w in run.main_workloads()]
    groups = [(w, items) for w, items in groups if items]
    values = [v for _, items in groups for item in items
              for v in (item["value"], item.get("low"), item.get("high")) if v]
    if not values:
        return []
    lo, hi = fitted_log_range(values, pad=0.15)
    chunks, current = [], []
    for group in groups:
        if current and sum(len(items) for _, items in current + [group]) > rows_per_chart:
            chunks.append(current)
            current = []
        current.append(group)
    chunks.append(current)
    return [dot_chart(chunk, axis_title="time per training epoch (log scale; left is faster)",
                      tick_label=fmt.time_axis, value_label=time_label, span=(lo, hi))
            for chunk in chunks]


def legend_text(run):
    """The key under the page-1 figure (which says when no interval was saved)."""
    whisker = ("whisker: its 95% confidence interval [in brackets]" if run.has_intervals() else
               "dashed whisker: the interquartile range of the rounds (no interval was "
               "saved)")
    absent = never_timed(run)
    skipped = (f" Not timed anywhere in this run, so not drawn: {esc(fmt.names(absent))} "
               f"(why: Methodology)." if absent else "")
    return (f"Dot: median time per epoch (float64); {whisker}. Filled markers: the project's "
            f"implementations; open markers and grey names: peers.{skipped} Every figure in "
            f"this report was saved by the run; nothing was measured while writing it.")


def _faster_text(run, workload, best, other):
    found = run.ratio(workload, other, best)
    if not found:
        return None
    ratio, low, high = found
    if low is not None and low <= 1 <= high:
        return (f"level with {esc(other)} within the interval ({fmt.ratio_ci(ratio, low, high)}"
                f")")
    return f"{fmt.ratio_ci(ratio, low, high)} faster than {esc(other)}"


def sentences(run):
    """The few sentences that matter, from the saved numbers."""
    workloads = [w for w in run.main_workloads() if run.timed_rows(w)]
    if not workloads:
        return ["This run holds no timed results yet, so there is nothing to compare."]
    out = []
    parts = []
    for w in workloads:
        best, _ = run.fastest(w)
        others = [r["implementation"] for r in run.timed_rows(w) if r["implementation"] != best]
        ranked = sorted(others, key=lambda i: run.median(i, w))
        margin = _faster_text(run, w, best, ranked[0]) if ranked else None
        parts.append(f"on <b>{esc(w)}</b> {esc(marked(best, kind(best)))}"
                     + (f", {margin}" if margin else ""))
    out.append("Fastest: " + "; ".join(parts) + ".")
    if "python" in run.own():
        gaps = []
        for w in workloads:
            best, _ = run.fastest(w)
            if best != "python" and run.timed("python", w):
                found = run.ratio(w, "python", best)
                if found:
                    gaps.append((found[0], w))
        if gaps:
            lo, hi = min(gaps), max(gaps)
            out.append(f"Pure Python is {fmt.ratio(lo[0])} ({esc(lo[1])}) to "
                       f"{fmt.ratio(hi[0])} ({esc(hi[1])}) slower than the fastest.")
    out.append(agreement_sentence(run))
    limit = run.dgemm()
    if limit:
        best = max(((run.efficiency(i, w) or 0.0, i, w) for w in workloads for i in run.own()),
                   default=(0.0, None, None))
        if best[1]:
            _, low, high, saved = run.efficiency_interval(best[1], best[2])
            spread = f" [{fmt.percent(low)}\u2013{fmt.percent(high)}]" if saved else ""
            out.append(f"Closest to the machine's limit: {esc(best[1])} on {esc(best[2])} at "
                       f"{fmt.percent(best[0])}{spread} of the single-thread dgemm rate "
                       f"measured in this run ({fmt.gflops(limit)} GFLOP/s).")
    return [s for s in out if s]


def agreement_sentence(run):
    beyond, worst, uncompared = run.agreement_summary()
    tail = (f" {esc(fmt.names(uncompared))} trains from its own start and is not "
            f"compared." if uncompared else "")
    if beyond:
        bad = [f"{impl} on {w} ({fmt.sci(diff)})" for impl, w, diff in beyond]
        return (f"<font color='#b2182b'><b>Agreement fails</b></font> for "
                f"{esc(fmt.names(bad))}: beyond the tolerance." + tail)
    if worst:
        return (f"They agree: every compared implementation's trained parameters match "
                f"{esc(run.reference())}'s within the tolerance (largest relative difference "
                f"{fmt.sci(worst[0])}, {esc(worst[1])} on {esc(worst[2])})." + tail)
    return "No agreement was saved with these results." + tail


def story(run, targets_line=None):
    """The flowables of page 1 below the title."""
    out = []
    drawings = figure(run)
    if drawings:
        out.extend(drawings)
        out.append(space(3))
        out.append(para(legend_text(run), SMALL))
    for text in sentences(run):
        out.append(para(text))
    if targets_line:
        out.append(para(targets_line))
    return out

