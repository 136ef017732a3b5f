"""Speed: per workload a table of the saved timings of every implementation and peer (the
figure on page 1 draws them)."""

from __future__ import annotations

from bench.results import marked
from reports import fmt
from reports.style import SMALL, esc, h1, h2, note, para, space, table

TITLE = "Speed"
BLURB = "per workload: time per epoch with its interval, noise, throughput, GFLOP/s, speed-ups"


def describe_workload(wl):
    """One paragraph: what the workload is, its network, training and data."""
    cfg = wl["config"]
    data = wl.get("data")
    loss = wl["loss"].replace("_", "-")
    batch = cfg["batch_size"]
    parts = [
        f"{esc(wl['description'])}",
        f"Network {fmt.network(wl['layer_sizes'])}, {esc(wl['hidden_activation'])} "
        f"hidden, {esc(wl['output_activation'])} output, {esc(loss)} loss; "
        f"{'per-sample SGD' if batch == 1 else f'batches of {batch}'}, "
        f"{cfg['epochs']} epochs, learning rate {cfg['learning_rate']}"
        f"{', momentum ' + str(cfg.get('momentum')) if cfg.get('momentum') else ''}; "
        f"{fmt.count(wl['n_train'])} training samples"
        f"{', ' + fmt.count(wl['n_test']) + ' held out' if wl['n_test'] else ''}; "
        f"{fmt.operations(wl['flops_per_epoch'])} per epoch.",
    ]
    if data:
        parts.append(f"Data: {esc(data['name'])}"
                     f"{' (synthetic)' if data['synthetic'] else ''}.")
    user = wl.get("user")
    if user:
        parts.append(f"<i>A workload of the user's</i>, defined by "
                     f"{esc(user['file'] or 'a workload file')} (saved with the results)"
                     + (f"; its data file's sha256 {user['data_sha256'][:12]}\u2026"
                        if user["data_sha256"] else "") + ".")
    return " ".join(parts)


def externals_text(run):
    """Where the implementations from outside this project came from, or None."""
    externals = run.externals()
    if not externals:
        return None
    return para("Marked <i>external</i>: implementations from outside this project, timed and "
                "compared as its own are: " + fmt.names(
                    [f"<b>{esc(name)}</b> from {esc(origin)}"
                     for name, origin in externals.items()]) + ".")


def _iqr_text(result):
    stats = result["time_per_epoch"]
    return f"{fmt.time(stats['iqr'])} ({fmt.percent(stats['iqr'] / stats['median'])})"


def _note(result):
    status = result["status"]
    if status == "skipped":
        return "skipped: " + result["reason"]
    if status == "partial":
        n = result["timed_batches"]
        return f"partial: {n} batch{'' if n == 1 else 'es'} timed, scaled to an epoch"
    return ""


def _vs(run, impl, other, workload):
    if impl == other:
        return "itself"
    found = run.ratio(workload, other, impl)
    return fmt.ratio_ci(*found) if found else fmt.MISSING


def single_table(run, workload):
    """The workload's timings, one row per implementation or peer (skipped ones say why)."""
    rows = [["Implementation", "Median time / epoch [95% interval]", "IQR (% of median)",
             "Rounds", "Samples / s", "GFLOP/s", "vs python", "vs numpy"]]
    spans = []
    for result in run.rows(workload):
        impl = result["implementation"]
        name = marked(impl, result["kind"])
        if result["status"] == "skipped":
            rows.append([name, _note(result)] + [""] * 6)
            spans.append((1, len(rows) - 1, 7))
            continue
        stats = result["time_per_epoch"]
        rows.append([
            name + (" *" if result["status"] == "partial" else ""),
            fmt.time_of(run.interval(impl, workload)), _iqr_text(result),
            str(stats["rounds"]), fmt.rate(result["samples_per_second"]),
            fmt.gflops(result["gflops"]), _vs(run, impl, "python", workload),
            _vs(run, impl, "numpy", workload)])
    return table(rows, [66, 76, 64, 36, 40, 38, None, None], right=(1, 2, 3, 4, 5, 6, 7),
                 spans=spans, font_size=7.4)


def partial_note(run, workload):
    """'* partial: ...' under the table, for the results timed over part of an epoch."""
    partial = [r for r in run.rows(workload) if r["status"] == "partial"]
    if not partial:
        return None
    return para("* " + "; ".join(f"{esc(r['implementation'])}: {esc(_note(r))}"
                                 for r in partial) + ".", SMALL)


def sampling_text(run, workload):
    """How the workload was sampled (interleaved cycles, why it stopped), or ''."""
    saved = run.sampling(workload)
    if not saved:
        return ("No interval saved: the spread of the rounds (IQR) stands in for the "
                "precision of the medians.")
    why = {"precision": "the precision goal was reached",
           "budget": "the time budget ran out first",
           "max_cycles": "the largest number of cycles was reached first"}[saved["stopped"]]
    return (f"Timed in {saved['cycles']} interleaved cycles (every implementation once per "
            f"cycle); {why}: the widest 95% interval is \u00b1"
            f"{fmt.percent(saved['worst_half_width'])} of its median against a goal of "
            f"\u00b1{fmt.percent(saved.get('precision_goal'))}.")


def build(run):
    story = [h1(TITLE)]
    story.append(para(
        "For each workload: the median time of one training epoch with its 95% confidence "
        "interval in brackets (where the run saved one), the interquartile range (IQR) of the "
        "rounds as the noise, the samples trained per second, the achieved GFLOP/s (the "
        "workload's matrix-product operations per epoch divided by the median time), and how "
        "many times faster it is than pure Python and than NumPy (the paired ratio per "
        "interleaved cycle, with its interval; above 1\u00d7 is faster). The figure on the "
        "first page draws these medians as dots and their intervals as whiskers on a log "
        "axis, so that implementations a thousand times apart fit on one chart. Results marked "
        "<i>partial</i> were timed over a bounded number of batches and scaled to an epoch."))
    externals = externals_text(run)
    if externals is not None:
        story.append(externals)
    workloads = run.main_workloads()
    sweep = run.sweep_workloads()
    if sweep:
        story.append(para(f"The {len(sweep)} members of the hidden-width sweep "
                          f"({esc(sweep[0])} \u2026 {esc(sweep[-1])}) are shown together in the "
                          f"Scaling section."))
    if not workloads:
        story.append(note("These results hold no workloads outside the sweep."))
    for workload in workloads:
        story.append(h2(workload))
        story.append(para(describe_workload(run.workloads[workload]) + " "
                          + sampling_text(run, workload)))
        if not run.rows(workload):
            story.append(note(f"No implementation has a result for {esc(workload)}."))
            continue
        story.append(single_table(run, workload))
        footnote = partial_note(run, workload)
        if footnote is not None:
            story.append(footnote)
        story.append(space(4))
    return story
