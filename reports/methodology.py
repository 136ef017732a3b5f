"""Methodology: how the timing was done, the noise seen, what was skipped or partial and why,
the workloads and their data, and the exact command that reproduces the run."""

from __future__ import annotations

from bench.model import TIMED_STATUSES, impl_key
from reports import fmt
from reports.data import blas_libraries
from reports.style import WARN_BG, esc, h1, h2, h3, note, para, sentence, space, table
from reports.scaling import sweep_shape
from reports.summary import missing_notes

TITLE = "Methodology"
BLURB = "how the timing was done, the noise, what was skipped and why, how to reproduce"
NOISY = 0.10     # IQR above this share of the median is called out


def timing_text(run):
    timing = run.timing()
    rounds = [r["time_per_epoch"]["rounds"] for r in run.results
              if r["status"] in TIMED_STATUSES]
    parts = ["Each result is timed by pytest-benchmark: one benchmarked call per implementation "
             "and workload, the training of the workload's network from the same initial "
             "parameters, data and sample orders, so that every implementation does the same "
             "arithmetic."]
    if timing.get("inside_timed_region"):
        parts.append(f"<b>Inside the timed region</b>: {sentence(timing['inside_timed_region'])}")
    else:
        parts.append("Inside the timed region: training only; the time per epoch is the "
                     "round's time divided by the epochs it trained.")
    if timing.get("outside_timed_region"):
        parts.append(f"<b>Outside it</b>: {sentence(timing['outside_timed_region'])}")
    else:
        parts.append("Outside it: the data, the initial parameters (fresh for every round) and "
                     "the sample orders.")
    for key, label in (("timer", "Timer"), ("schedule", "Schedule"),
                       ("intervals", "Intervals"), ("calibration", "Calibration"),
                       ("pure_python", "Pure Python"), ("gc", "Garbage collector"),
                       ("interference", "Interference")):
        if timing.get(key):
            parts.append(f"<b>{label}</b>: {sentence(timing[key])}")
    if rounds:
        parts.append(f"Rounds per result: {min(rounds)} to {max(rounds)} (the median of those "
                     f"rounds reported, with its 95% interval where the run saved one, else "
                     f"with the interquartile range as the noise).")
    parts.append(interval_text(run))
    details = []
    if timing.get("warmup_rounds") is not None:
        details.append(f"{timing['warmup_rounds']} warm-up round(s) before timing")
    if timing.get("min_time_per_round") is not None:
        shortest = fmt.time(timing["min_time_per_round"])
        details.append(f"rounds calibrated to last at least {shortest} so that short "
                       f"workloads are not timer-bound")
    if timing.get("min_rounds") is not None:
        details.append(f"at least {timing['min_rounds']} cycles")
    if timing.get("max_rounds") is not None:
        details.append(f"at most {timing['max_rounds']} cycles")
    if timing.get("target_seconds_per_benchmark") is not None:
        per_case = fmt.duration(timing["target_seconds_per_benchmark"])
        details.append(f"a workload's budget of {per_case} per implementation timed")
    if timing.get("budget_seconds") is not None:
        details.append(f"a pure-Python budget of {fmt.duration(timing['budget_seconds'])} per "
                       f"workload, beyond which it is timed over a bounded number of batches "
                       f"(partial)")
    if details:
        parts.append("Settings of this run: " + "; ".join(details) + ".")
    threads = run.env.get("threads")
    blas_text = "; ".join(blas_libraries(run))
    result_threads = sorted({r.get("threads") for r in run.results if r.get("threads")})
    parts.append(f"Threads: {threads if threads is not None else 'not recorded'} (the --threads "
                 f"value; BLAS, OpenMP and PyTorch pinned to it)"
                 + (f"; results ran with {fmt.names([str(t) for t in result_threads])} "
                    f"thread(s)" if result_threads else "")
                 + (f"; BLAS libraries loaded: {esc(blas_text)}" if blas_text else "") + ".")
    more_threads, more = run.more_threads()
    if more:
        pairs = sorted({f"{r['implementation']} on {r['workload']}" for r in more})
        parts.append(f"<b>More threads.</b> After the main timings, {esc(fmt.names(pairs))} were "
                     f"each timed again, at the run's thread count and with every loaded BLAS "
                     f"library limited to {more_threads} threads (threadpoolctl, set outside "
                     f"the timed region), the rounds of both counts interleaved in the same "
                     f"cycles; the gain is the paired ratio, with its interval, and each "
                     f"untimed run is compared with the reference's at the run's own thread "
                     f"count. The gains are in Efficiency, Speed targets.")
    memory = timing.get("memory")
    used = sorted({r.get("peak_memory_method") for r in run.results
                   if r.get("peak_memory_method")})
    if isinstance(memory, dict) and used:
        parts.append("<b>Peak memory growth</b> (in the Agreement section's tables; 0 B: "
                     "training fitted in memory the process already held): " + "; ".join(
            f"{esc(method)}: {esc(memory.get(method, 'no description saved'))}"
            for method in used) + ".")
    build = run.env.get("fortran_build") or {}
    if build:
        parts.append(f"The Fortran extension was built with {esc(build.get('compiler', '?'))}, "
                     f"flags <font face='ReportMono'>{esc(build.get('flags', ''))}</font>, using "
                     f"<b>{esc(build.get('blas', '?'))}</b> for its matrix products.")
    return parts


def interval_text(run):
    """How precise the medians are: the saved intervals and the sampling, or their absence."""
    sampling = run.sampling_records
    if not sampling:
        return ("<b>Intervals</b>: none saved (results written before the interleaved timing); "
                "the report draws the interquartile range of the rounds as the spread and "
                "judges the targets on the medians, saying so where it does.")
    stopped = {}
    for workload, record in sampling.items():
        stopped.setdefault(record.get("stopped"), []).append(workload)
    goal = next(iter(sampling.values())).get("precision_goal")
    why = {"precision": "reached the precision goal", "budget": "ran out of time budget first",
           "max_cycles": "reached the largest number of cycles first"}
    heavy = sorted(w for w, record in sampling.items() if record.get("heavy"))
    return (f"<b>Sampling</b> (precision goal \u00b1{fmt.percent(goal)} on every ratio): "
            + (f"Measured under heavy interference (other processes took CPU from the "
               f"benchmark): {esc(fmt.names(heavy))}. " if heavy else "")
            + "; ".join(f"{esc(fmt.names(names))} {why.get(reason, esc(str(reason)))}"
                        for reason, names in stopped.items()) + ".")


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
                rows.append([r["implementation"], w, "skipped", r.get("reason") or "no reason"])
            elif r["status"] == "partial":
                rows.append([r["implementation"], w, "partial",
                             f"{r.get('timed_batches')} batches timed per round and scaled to an "
                             f"epoch" + (f": {r['reason']}" if r.get("reason") else "")])
    for impl in run.requested():
        for w in run.requested_workloads():
            if w in run.workloads and run.result(impl, w) is None and run.results:
                rows.append([impl, w, "missing", "no result saved (the run stopped first)"
                             if not run.run.get("complete") else "no result saved"])
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
    parts = [f"{fmt.percent(item.get('share'))} in {item.get('function')}"
             for item in top[:count]]
    return fmt.names(parts)


def profile_sentence(impl, entries):
    """One sentence, from the saved shares, on what dominates impl's time; None if no data."""
    done = [(w, e) for w, e in entries.items()
            if e.get("status") == "ok" and e.get("top")]
    if not done:
        return None
    if all(e.get("method") == "wrapper-timing" for _, e in done):
        raw = []
        for w, e in done:
            share = sum(item.get("share") or 0.0 for item in e["top"]
                        if "wrapper" not in item.get("function", ""))
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
        if e.get("status") != "ok":
            rows.append([w, f"not profiled: {e.get('reason') or 'no reason saved'}", "", ""])
            spans.append((1, len(rows) - 1, 3))
            continue
        for i, item in enumerate(e.get("top") or []):
            rows.append([w if i == 0 else "", _call_text(e) if i == 0 else "",
                         item.get("function", "?"), fmt.percent(item.get("share"))])
        other = fmt.number(e.get("other_share"))
        if other:
            rows.append(["", "", "everything else", fmt.percent(other)])
    return table(rows, [62, 118, None, 42], right=(3,), keep=False, spans=spans)


def profiles_block(run, suffix=""):
    """Where the time goes: the saved profiles, a sentence and a table per implementation."""
    saved = run.profiles()
    out = [h2("Where the time goes (profiles)" + suffix, title="Profiles" + suffix)]
    if not saved:
        out.append(note("This run saved no profiles (results written before profiling was "
                        "added, or a run without xor, digits, mnist-shaped and wide)."))
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
        data = wl.get("data") or {}
        network = fmt.network(wl.get("layer_sizes", []))
        if len(members) > 1:
            values = [str(run.sweep_value(m)) for m in members]
            network = f"{sweep_shape(run)[0]}, W = {', '.join(values)}"
        rows.append([
            label, network,
            f"{wl.get('hidden_activation')}/{wl.get('output_activation')}, "
            f"{(wl.get('loss') or '').replace('_', '-')}",
            str(cfg.get("batch_size")), str(cfg.get("epochs")),
            f"{fmt.count(wl.get('n_train'))} / {fmt.count(wl.get('n_test'))}",
            f"{data.get('name', '?')}{' (synthetic)' if data.get('synthetic') else ''}; "
            f"{data.get('source', '?')}; {data.get('licence', '?')}"])
    return table(rows, [62, 66, 72, 30, 36, 62, None], right=(3, 4, 5), keep=False)


def reproduce(run):
    command = run.run.get("command") or "python -m bench run"
    commit = run.env.get("git_commit")
    version = run.env.get("version")
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
    if run.env.get("git_dirty"):
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
                          f"{run.env.get('cpu_count', '?')} logical CPUs shared with other "
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
