"""Speed: per workload a table of the saved timings and a bar chart on a log axis with every
implementation and peer."""

from __future__ import annotations

from reportlab.platypus import KeepTogether

from reports import fmt
from reports.charts import hbar_chart
from reports.data import all_implementations, all_workloads, workload_def
from reports.style import cell, esc, h1, h2, impl_style, note, para, space, table

TITLE = "Speed"
BLURB = "per workload: time per epoch, noise, throughput, GFLOP/s, speed-ups; bar charts"


def describe_workload(wl):
    """One paragraph: what the workload is, its network, training and data."""
    cfg = wl.get("config") or {}
    data = wl.get("data") or {}
    loss = (wl.get("loss") or "?").replace("_", "-")
    batch = cfg.get("batch_size")
    parts = [
        f"{esc(wl.get('description', ''))}",
        f"Network {fmt.network(wl.get('layer_sizes', []))}, {esc(wl.get('hidden_activation'))} "
        f"hidden, {esc(wl.get('output_activation'))} output, {esc(loss)} loss; "
        f"{'per-sample SGD' if batch == 1 else f'batches of {batch}'}, "
        f"{cfg.get('epochs')} epochs, learning rate {cfg.get('learning_rate')}"
        f"{', momentum ' + str(cfg.get('momentum')) if cfg.get('momentum') else ''}; "
        f"{fmt.count(wl.get('n_train'))} training samples"
        f"{', ' + fmt.count(wl.get('n_test')) + ' held out' if wl.get('n_test') else ''}; "
        f"{fmt.operations(wl.get('flops_per_epoch'))} per epoch.",
    ]
    if data:
        parts.append(f"Data: {esc(data.get('name', '?'))}"
                     f"{' (synthetic)' if data.get('synthetic') else ''}.")
    return " ".join(parts)


def _iqr_text(result):
    stats = result.get("time_per_epoch") or {}
    median, iqr = fmt.number(stats.get("median")), fmt.number(stats.get("iqr"))
    if iqr is None:
        return fmt.MISSING
    share = f" ({fmt.percent(iqr / median)})" if median else ""
    return fmt.time(iqr) + share


def _note(result):
    status = result.get("status")
    if status == "skipped":
        return "skipped: " + (result.get("reason") or "no reason saved")
    if status == "partial":
        return (f"partial: {result.get('timed_batches')} batches timed, scaled to an epoch")
    return ""


def single_table(run, workload):
    rows = [["Implementation", "Median time / epoch", "IQR (% of median)", "Rounds",
             "Samples / s", "GFLOP/s", "vs python", "vs numpy", "Note"]]
    spans = []
    for result in run.rows(workload):
        impl = result["implementation"]
        name = impl + (" (peer)" if result.get("kind") == "peer" else "")
        if result.get("status") == "skipped":
            rows.append([name, cell(_note(result))] + [""] * 7)
            spans.append((1, len(rows) - 1, 8))
            continue
        stats = result.get("time_per_epoch") or {}
        rows.append([
            name, fmt.time(stats.get("median")), _iqr_text(result),
            str(stats.get("rounds", fmt.MISSING)), fmt.rate(result.get("samples_per_second")),
            fmt.gflops(result.get("gflops")), fmt.ratio(run.speedup(impl, "python", workload)),
            fmt.ratio(run.speedup(impl, "numpy", workload)), _note(result)])
    return table(rows, [72, 50, 72, 40, 42, 42, 46, 46, None], right=(1, 2, 3, 4, 5, 6, 7),
                 spans=spans)


def multi_table(runs, workload):
    """Implementations down, runs across: median (IQR share) per run, and each run / run A."""
    first = runs[0]
    header = ["Implementation"] + [f"Run {r.label}: median (IQR)" for r in runs]
    header += [f"{r.label} / {first.label}" for r in runs[1:]]
    rows = [header]
    for impl in all_implementations(runs):
        if not any(r.result(impl, workload) for r in runs):
            continue
        row = [impl]
        for run in runs:
            row.append(fmt.result_cell(
                run.result(impl, workload),
                lambda result: f"{fmt.time(run.median(impl, workload))} ({_iqr_text(result)})"
                + (" partial" if result.get("status") == "partial" else ""), "not run"))
        for run in runs[1:]:
            a, b = first.median(impl, workload), run.median(impl, workload)
            row.append(fmt.ratio(b / a) if a and b else fmt.MISSING)
        rows.append(row)
    n = len(runs)
    widths = [76] + [None] * n + [48] * (n - 1)
    return table(rows, widths, right=tuple(range(1, 2 * n)))


def chart(runs, workload):
    items = []
    multi = len(runs) > 1
    for impl in all_implementations(runs):
        for run in runs:
            result = run.result(impl, workload)
            if result is None:
                continue
            label = f"{impl} \u00b7 {run.label}" if multi else impl
            value = run.median(impl, workload)
            status = result.get("status")
            items.append({"label": label, "value": value, "colour": impl_style(impl)[0],
                          "note": "skipped" if status == "skipped" else
                          "partial" if status == "partial" else None})
    if not items:
        return None
    return hbar_chart(items, axis_title="median time per training epoch (log scale; shorter "
                                        "is faster)",
                      tick_label=fmt.time_axis, value_label=fmt.time)


def build(runs):
    story = [h1(TITLE)]
    story.append(para(
        "For each workload: the median time of one training epoch over the timed rounds, the "
        "interquartile range (IQR) of those rounds as the noise, the samples trained per "
        "second, the achieved GFLOP/s (the workload's matrix-product operations per epoch "
        "divided by the median time), and the speed-up over pure Python and over NumPy "
        "(their median divided by this one: above 1\u00d7 is faster). The bars use a log axis, "
        "so that implementations a thousand times apart fit on one chart. Results marked "
        "<i>partial</i> were timed over a bounded number of batches and scaled to an epoch."))
    workloads = all_workloads(runs, sweep=False)
    sweep = all_workloads(runs, sweep=True)
    if sweep:
        story.append(para(f"The {len(sweep)} members of the hidden-width sweep "
                          f"({esc(sweep[0])} \u2026 {esc(sweep[-1])}) are shown together in the "
                          f"Scaling section."))
    if not workloads:
        story.append(note("These results hold no workloads outside the sweep."))
    for workload in workloads:
        story.append(h2(workload))
        story.append(para(describe_workload(workload_def(runs, workload))))
        if not any(run.rows(workload) for run in runs):
            story.append(note(f"No implementation has a result for {esc(workload)}."))
            continue
        block = [single_table(runs[0], workload) if len(runs) == 1 else
                 multi_table(runs, workload), space(6)]
        drawing = chart(runs, workload)
        if drawing is not None:
            block.append(drawing)
        story.append(KeepTogether(block))
        story.append(space(4))
    return story

