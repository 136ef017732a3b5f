"""Methodology: how the timing was done, the noise seen, what was skipped or partial and why,
the workloads and their data, and the exact command that reproduces the run."""

from __future__ import annotations

from pathlib import Path

from bench.results import TIMED_STATUSES, impl_key
from reports import fmt
from reports.data import blas_libraries
from reports.scaling import sweep_shape
from reports.style import WARN_BG, esc, h1, h2, h3, note, para, sentence, space, table
from reports.summary import missing_notes
from reports.texts import Texts

TITLE = "Methodology"
BLURB = "how the timing was done, the noise, what was skipped and why, how to reproduce"
NOISY = 0.10     # IQR above this share of the median is called out
TEXTS = Texts(Path(__file__).with_name("methodology.txt"))
# the timing texts a run saves (run.methodology.timing), printed in this order when present
SAVED_TEXTS = ("timer", "schedule", "intervals", "calibration", "pure_python", "gc",
               "interference")
# the timing settings named under "Settings of this run": (key, its $field, how it is shown)
SETTINGS = (("warmup_rounds", "count", str), ("min_time_per_round", "time", fmt.time),
            ("min_rounds", "count", str), ("max_rounds", "count", str),
            ("target_seconds_per_benchmark", "time", fmt.duration),
            ("budget_seconds", "time", fmt.duration))


def timing_text(run):
    """The paragraphs of "How the timing was done", from methodology.txt and the run."""
    timing = run.timing()
    rounds = [r["time_per_epoch"]["rounds"] for r in run.results
              if r["status"] in TIMED_STATUSES]
    parts = [TEXTS("timed")]
    for key in ("inside_timed_region", "outside_timed_region"):
        parts.append(TEXTS(key, text=sentence(timing[key])) if timing.get(key)
                     else TEXTS(f"{key}_unsaved"))
    parts += [TEXTS(key, text=sentence(timing[key])) for key in SAVED_TEXTS
              if timing.get(key)]
    if rounds:
        parts.append(TEXTS("rounds", fewest=min(rounds), most=max(rounds)))
    parts.append(interval_text(run))
    settings = settings_text(timing)
    if settings:
        parts.append(TEXTS("settings", settings=settings))
    parts.append(threads_text(run))
    more_threads, more = run.more_threads()
    if more:
        pairs = sorted({f"{r['implementation']} on {r['workload']}" for r in more})
        parts.append(TEXTS("more_threads", pairs=esc(fmt.names(pairs)), threads=more_threads))
    memory = timing.get("memory")
    used = sorted({r["peak_memory_method"] for r in run.results
                   if r.get("peak_memory_method")})
    if memory and used:
        parts.append(TEXTS("memory", methods="; ".join(
            f"{esc(method)}: {esc(memory.get(method) or TEXTS('memory_unsaved'))}"
            for method in used)))
    build = run.env["fortran_build"]
    if build:
        parts.append(TEXTS("fortran_build", compiler=esc(build.get("compiler", "?")),
                           flags=esc(build.get("flags", "")), blas=esc(build.get("blas", "?"))))
    return parts


def settings_text(timing):
    """The run's timing settings as phrases joined by semicolons ('' if none was saved)."""
    return "; ".join(TEXTS(key, **{field: shown(timing[key])})
                     for key, field, shown in SETTINGS if timing.get(key) is not None)


def threads_text(run):
    """The run's thread count, the counts its results ran with, the BLAS libraries."""
    counts = sorted({r["threads"] for r in run.results})
    libraries = "; ".join(blas_libraries(run))
    return TEXTS("threads", threads=run.env["threads"],
                 ran=TEXTS("threads_ran", counts=fmt.names([str(t) for t in counts]))
                 if counts else "",
                 libraries=TEXTS("threads_libraries", libraries=esc(libraries))
                 if libraries else "")


def interval_text(run):
    """How precise the medians are: the saved intervals and the sampling, or their absence."""
    sampling = run.sampling_records
    if not sampling:
        return TEXTS("intervals_unsaved")
    stopped = {}
    for workload, record in sampling.items():
        stopped.setdefault(record["stopped"], []).append(workload)
    goal = next(iter(sampling.values())).get("precision_goal")
    heavy = sorted(w for w, record in sampling.items() if record.get("heavy"))
    how = "; ".join(f"{esc(fmt.names(names))} {TEXTS(f'stopped_{reason}')}"
                    for reason, names in stopped.items())
    if heavy:
        how = TEXTS("heavy", workloads=esc(fmt.names(heavy))) + " " + how
    return TEXTS("sampling", goal=fmt.percent(goal), how=how)


def noise_table(run):
    rows = [["Implementation", "Results", "Median IQR / median", "Largest IQR / median",
             "Noisiest workload"]]
    noisy = []
    for impl in run.implementations():
        shares = []
        for r in run.results:
            if r["implementation"] != impl or r["status"] not in TIMED_STATUSES:
                continue
            share = r["time_per_epoch"]["iqr"] / r["time_per_epoch"]["median"]
            shares.append((share, r["workload"]))
            if share > NOISY:
                noisy.append((share, impl, r["workload"]))
        if not shares:
            continue
        ordered = sorted(shares)
        mid = ordered[len(ordered) // 2][0]
        rows.append([impl, str(len(shares)), fmt.percent(mid), fmt.percent(ordered[-1][0]),
                     ordered[-1][1]])
    return rows, sorted(noisy, reverse=True)


def skipped_table(run):
    rows = [["Implementation", "Workload", "Status", "Why"]]
    for w in run.main_workloads() + run.sweep_workloads():
        for r in run.rows(w):
            if r["status"] == "skipped":
                rows.append([r["implementation"], w, "skipped", r["reason"]])
            elif r["status"] == "partial":
                rows.append([r["implementation"], w, "partial",
                             f"{r['timed_batches']} batches timed per round and scaled to an "
                             f"epoch" + (f": {r['reason']}" if r["reason"] else "")])
    for impl in run.requested():
        for w in run.requested_workloads():
            if w in run.workloads and run.result(impl, w) is None and run.results:
                rows.append([impl, w, "missing", "no result saved (the run stopped first)"
                             if not run.run["complete"] else "no result saved"])
    return rows


def result_notes(run):
    """[implementation, workloads, note] rows: each saved note once, with where it applies."""
    where = {}
    for r in run.results:
        for text in r.get("notes") or []:
            key = (r["implementation"], str(text))
            where.setdefault(key, []).append(r["workload"])
    order = {w: i for i, w in enumerate(run.main_workloads() + run.sweep_workloads())}
    rows = []
    for (impl, text), workloads in sorted(where.items(), key=lambda item: (
            impl_key(item[0][0]), min(order.get(w, 99) for w in item[1]))):
        workloads = sorted(set(workloads), key=lambda w: order.get(w, 99))
        rows.append([impl, ", ".join(workloads), text])
    return rows


def _call_text(entry):
    call = entry.get("call") or {}
    epochs, samples = call.get("epochs"), call.get("samples")
    repeats = call.get("repeats") or 1
    text = (f"{fmt.count(epochs)} epoch{'s' if epochs != 1 else ''} of "
            f"{fmt.count(samples)} samples ({fmt.count(call.get('batches'))} batches)")
    if repeats > 1:
        text += f", {repeats} calls"
    return text


def _shares(top, count=3):
    """'18% in numpy:matmul, 10% in numpy:add.reduce and 8% in ...' (the first count)."""
    parts = [f"{fmt.percent(item['share'])} in {item['function']}" for item in top[:count]]
    return fmt.names(parts)


def profile_sentence(impl, entries):
    """One sentence, from the saved shares, on what dominates impl's time; None if no data."""
    done = [(w, e) for w, e in entries.items() if e["status"] == "ok" and e["top"]]
    if not done:
        return None
    if all(e.get("method") == "wrapper-timing" for _, e in done):
        raw = []
        for w, e in done:
            share = sum(item["share"] for item in e["top"]
                        if "wrapper" not in item["function"])
            raw.append((w, share))
        low = min(raw, key=lambda item: item[1])
        text = (f"<b>{esc(impl)}</b>: the compiled Fortran routine takes "
                + fmt.names([f"{fmt.percent(share)} ({esc(w)})" for w, share in raw])
                + " of a train call"
                + "; the rest is the Python wrapper around it (argument checks and "
                  "parameter copies), largest on "
                + f"{esc(low[0])} ({fmt.percent(1 - low[1])}). How the Fortran time splits "
                  "between matrix products and the rest was not measured.")
        return text
    parts = []
    for w, e in done:
        text = f"on {esc(w)}, {esc(_shares(e['top']))}"
        modules = e.get("modules") or {}
        if isinstance(modules, dict) and modules:
            ranked = sorted(modules.items(), key=lambda item: -(fmt.number(item[1]) or 0))[:2]
            text += (" (by module: " + ", ".join(f"{esc(m)} {fmt.percent(v)}"
                                                 for m, v in ranked) + ")")
        parts.append(text)
    return f"<b>{esc(impl)}</b>: " + "; ".join(parts) + " (shares of own time)."


def profile_table(entries):
    rows = [["Workload", "Profiled call", "Function", "Share"]]
    spans = []
    for w, e in entries.items():
        if e["status"] != "ok":
            rows.append([w, f"not profiled: {e['reason']}", "", ""])
            spans.append((1, len(rows) - 1, 3))
            continue
        for i, item in enumerate(e["top"]):
            rows.append([w if i == 0 else "", _call_text(e) if i == 0 else "",
                         item["function"], fmt.percent(item["share"])])
        other = fmt.number(e.get("other_share"))
        if other:
            rows.append(["", "", "everything else", fmt.percent(other)])
    return table(rows, [62, 118, None, 42], right=(3,), keep=False, spans=spans)


def profiles_block(run, suffix=""):
    """Where the time goes: the saved profiles, a sentence and a table per implementation."""
    saved = run.profiles()
    out = [h2("Where the time goes (profiles)" + suffix, title="Profiles" + suffix)]
    if not saved:
        out.append(note("This run saved no profiles (a run without xor, digits, mnist-shaped "
                        "and wide, or made by a version that did not profile)."))
        return out
    method = run.timing().get("profiling")
    out.append(para(f"<b>How</b>: {sentence(method)}" if method else
                    "Profiles made after the timings, untimed."))
    sentences = [profile_sentence(impl, entries) for impl, entries in saved.items()]
    for text in sentences:
        if text:
            out.append(para(text))
    for impl, entries in saved.items():
        out.append(h3(f"{impl}"))
        out.append(profile_table(entries))
        notes = sorted({e.get("note") for e in entries.values() if e.get("note")})
        for text in notes:
            out.append(para(f"Note: {sentence(text)}"))
    return out


def workloads_table(run):
    rows = [["Workload", "Network", "Activations, loss", "Batch", "Epochs", "Train / test",
             "Data (source, licence)"]]
    sweep = run.sweep_workloads()
    groups = [(w, [w]) for w in run.main_workloads()]
    if sweep:
        groups.append((f"{sweep[0]} \u2026 {sweep[-1]}" if len(sweep) > 1 else sweep[0], sweep))
    for label, members in groups:
        wl = run.workloads[members[0]]
        cfg = wl["config"]
        data = wl.get("data")
        network = fmt.network(wl["layer_sizes"])
        if len(members) > 1:
            values = [str(run.sweep_value(m)) for m in members]
            network = f"{sweep_shape(run)[0]}, W = {', '.join(values)}"
        rows.append([
            label, network,
            f"{wl['hidden_activation']}/{wl['output_activation']}, "
            f"{wl['loss'].replace('_', '-')}",
            str(cfg["batch_size"]), str(cfg["epochs"]),
            f"{fmt.count(wl['n_train'])} / {fmt.count(wl['n_test'])}",
            f"{data['name']}{' (synthetic)' if data['synthetic'] else ''}; "
            f"{data['source']}; {data['licence']}" if data else fmt.MISSING])
    return table(rows, [62, 66, 72, 30, 36, 62, None], right=(3, 4, 5), keep=False)


def reproduce(run):
    command = run.run["command"]
    commit = run.env["git_commit"]
    version = run.env["version"]
    lines = []
    if commit:
        lines.append(f"git checkout {commit}")
        lines.append("make setup")
        intro = "The exact command of this run, from a checkout of the same commit:"
    else:
        intro = ("The exact command of this run, made with backprop-bench "
                 + (f"{esc(version)} " if version else "")
                 + "installed as a package (no git checkout, so no commit recorded):")
    lines.append(f"{command}")
    out = [para(intro)]
    out.append(para("<font face='ReportMono' size='8.5'>" + "<br/>".join(esc(x) for x in lines)
                    + "</font>"))
    if run.env["git_dirty"]:
        out.append(note("The working tree had uncommitted changes when this run was made, so "
                        "the commit alone does not reproduce it exactly."))
    out.append(space(4))
    out.append(para("Rebuild this report from the saved results alone: "
                    "<font face='ReportMono'>python -m bench report RESULTS.json -o report.pdf"
                    "</font>. Timings from another machine or another moment will differ; "
                    "compare runs with <font face='ReportMono'>python -m bench compare OLD NEW"
                    "</font>, which marks differences larger than the noise."))
    return out


def build(run):
    story = [h1(TITLE)]
    story.append(h2("How the timing was done"))
    for text in timing_text(run):
        story.append(para(text))
    story.append(h2("Noise"))
    rows, noisy = noise_table(run)
    if len(rows) > 1:
        story.append(para("The interquartile range of the rounds as a share of their median, "
                          "per implementation over all its results. The machine has "
                          f"{run.env['cpu_count'] or '?'} logical CPUs shared with other "
                          "work, so differences smaller than the IQR are not meaningful."))
        story.append(table(rows, [80, 50, 100, 100, None], right=(1, 2, 3)))
        if noisy:
            story.append(space(4))
            story.append(para(f"Results with an IQR above {fmt.percent(NOISY)} of the median: "
                              + esc(", ".join(f"{impl} on {w} ({fmt.percent(share)})"
                                              for share, impl, w in noisy[:12]))
                              + (" and more." if len(noisy) > 12 else ".")))
        else:
            story.append(space(4))
            story.append(para(f"No result has an IQR above {fmt.percent(NOISY)} of its "
                              f"median."))
    else:
        story.append(note("No timed results, so no noise to report."))
    story.append(h2("Skipped, partial and missing",
                    title="Skipped and partial"))
    story.extend(missing_notes(run))
    rows = skipped_table(run)
    if len(rows) > 1:
        story.append(table(rows, [74, 70, 50, None],
                           shade={(2, i): WARN_BG for i in range(1, len(rows))},
                           keep=False))
    else:
        story.append(para("Nothing was skipped: every implementation ran every workload over "
                          "whole epochs."))
    saved = result_notes(run)
    if saved:
        story.append(h3("Notes saved with the results"))
        story.append(table([["Implementation", "Workloads", "Note"]] + saved,
                           [74, 110, None], keep=False))
    story.extend(profiles_block(run))
    story.append(h2("Workloads and data"))
    story.append(workloads_table(run))
    story.append(h2("Reproducing the run", title="Reproduce"))
    story.extend(reproduce(run))
    return story
