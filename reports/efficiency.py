"""Efficiency: achieved GFLOP/s of each implementation against the machine's measured
single-thread dgemm GFLOP/s (saved with the run), as a percentage; and the project's speed
targets checked against the saved medians."""

from __future__ import annotations

from reportlab.platypus import KeepTogether

from bench.results import THREADED_IMPLEMENTATIONS, THREADED_WORKLOADS

from reports import fmt
from reports.charts import hbar_chart
from reports.data import IMPLEMENTATIONS, TIMED
from reports.style import (BAD_BG, GOOD_BG, WARN_BG, esc, h1, h2, impl_style, note, para,
                           space, table)

TITLE = "Efficiency"
BLURB = "GFLOP/s as a share of the machine's measured dgemm limit; the speed targets"

# The speed goals of the project (ratios from one run, one thread): checked, never asserted.
TINY = ("xor", "iris")
PYTHON_STEP_TARGET = 4.4e-6   # seconds: "about 4 us" per SGD step on xor, with 10% slack


def efficiency_table(run):
    impls = run.implementations()
    rows = [["Workload", *impls]]
    for w in run.main_workloads() + run.sweep_workloads():
        row = [w]
        for impl in impls:
            row.append(fmt.result_cell(
                run.result(impl, w), lambda result: f"{fmt.gflops(result.get('gflops'))} "
                f"({fmt.percent(run.efficiency(impl, w))})"))
        rows.append(row)
    return table(rows, [62] + [None] * len(impls), right=tuple(range(1, len(impls) + 1)),
                 keep=False, font_size=7.4)


def chart(run):
    items = []
    for w in run.main_workloads():
        timed = run.timed_rows(w)
        if not timed:
            continue
        items.append({"label": w, "header": True})
        for result in timed:
            impl = result["implementation"]
            share = run.efficiency(impl, w)
            items.append({"label": impl, "value": None if share is None else 100 * share,
                          "colour": impl_style(impl)[0],
                          "note": "partial" if result.get("status") == "partial" else None})
    if not items:
        return None
    return hbar_chart(items, axis_title="achieved GFLOP/s as % of the measured dgemm limit "
                                        "(log scale; longer is better)",
                      tick_label=lambda v: fmt.axis_number(v) + "%",
                      value_label=lambda v: fmt.percent(v / 100),
                      refs=[(100.0, "dgemm limit")])


def python_step(run):
    """python's median time per SGD step on xor, or None."""
    median, steps = run.median("python", "xor"), run.steps_per_epoch("xor")
    return median / steps if median and steps else None


def python_floor(run):
    """The saved time per step of the hand-written xor step (bench/floor.py), or None."""
    return fmt.number((run.env.get("python_floor") or {}).get("seconds_per_step_median"))


def python_reason(run):
    """Why python is above the per-step target, from this run's floor and profile (or None
    when it meets the target or the run saved neither)."""
    per_step, floor = python_step(run), python_floor(run)
    if not per_step or per_step <= PYTHON_STEP_TARGET or not floor:
        return None
    saved = run.env["python_floor"]
    text = (f"<b>python per SGD step.</b> The target is about the interpreter's floor: a step "
            f"written by hand for the 2-4-1 network alone (bench/floor.py: every parameter a "
            f"local variable, no loops; the same floating-point operations in the same order "
            f"as python_impl/pure.py, and the tests check that it trains to the same numbers) "
            f"took {fmt.time(floor)} per step in this run (median of {saved.get('rounds')} "
            f"rounds of {saved.get('steps_per_round')} steps, IQR "
            f"{fmt.time(saved.get('seconds_per_step_iqr'))}). python takes "
            f"{fmt.time(per_step)}, {fmt.ratio(per_step / floor)} as long: the cost of "
            f"generality in the interpreter (loops over layers and units, a list built per "
            f"vector, the activation, output and loss looked up by name), which a general "
            f"implementation cannot shed without becoming the hand-written one.")
    profile = (run.profiles().get("python") or {}).get("xor") or {}
    top = [item for item in profile.get("top") or [] if fmt.number(item.get("share"))]
    if profile.get("status") == "ok" and top:
        text += (" Where python's time goes on xor (cProfile, own time, which inflates "
                 "call-heavy code): " + ", ".join(
                     f"{esc(item['function'].split(':', 1)[-1])} "
                     f"{fmt.percent(item['share'])}" for item in top[:4]) + ".")
    return text


def threads_reason(run):
    """Why a pair gained nothing from more threads (None if every pair gained): only its
    matrix products use them, and this run's profile says how much of the time they take."""
    threads, more = run.more_threads()
    parts = []
    for result in more:
        gain = run.thread_gain(result)
        if gain is None or gain > 1:
            continue
        impl, w = result["implementation"], result["workload"]
        text = (f"{esc(impl)} on {esc(w)} was {fmt.ratio(gain)} as fast with {threads} threads: "
                f"only its matrix products (BLAS dgemm) use the extra threads")
        profile = (run.profiles().get(impl) or {}).get(w) or {}
        share = sum(fmt.number(item.get("share")) or 0.0 for item in profile.get("top") or []
                    if item.get("function") == "numpy:matmul")
        if profile.get("status") == "ok" and share:
            bound = 1.0 / ((1.0 - share) + share / threads)
            text += (f", which take {fmt.percent(share)} of its time in this run's profile "
                     f"(cProfile, whose cost inflates the Python around them: a low estimate), "
                     f"so {threads} threads can make it at most {fmt.ratio(bound)} as fast "
                     f"(Amdahl's law); for the size of the noise, the main timing's IQR was "
                     f"{fmt.time(run.stat(impl, w, 'iqr'))} of a median of "
                     f"{fmt.time(run.median(impl, w))}")
        else:
            text += f"; how {esc(impl)}'s time splits between them and the rest is not measured"
        parts.append(text + ".")
    if not parts:
        return None
    return "<b>More threads.</b> " + " ".join(parts)


def _status(ok):
    return {True: "met", False: "not met", None: "not measured"}[ok]


def targets(run):
    """[(target, measured, ok or None)] of the project's speed goals, from saved medians."""
    out = []
    have = set(run.workloads)

    def speed(impl, over, w):
        return run.speedup(impl, over, w)

    for w in TINY:
        if w not in have:
            out.append((f"fortran on {w}: \u2265 30\u00d7 pure Python, \u2265 100\u00d7 NumPy",
                        "workload not in this run", None))
            continue
        for over, goal in (("python", 30), ("numpy", 100)):
            s = speed("fortran", over, w)
            out.append((f"fortran on {w}: \u2265 {goal}\u00d7 faster than {over}",
                        f"{fmt.ratio(s)}" if s else "no timing to compare",
                        None if s is None else s >= goal))
    s = speed("fortran", "numpy", "digits") if "digits" in have else None
    out.append(("fortran on digits: \u2265 2\u00d7 faster than numpy",
                fmt.ratio(s) if s else "no timing to compare", None if s is None else s >= 2))
    s = speed("fortran", "numpy", "wide") if "wide" in have else None
    out.append(("fortran on wide: at least as fast as numpy",
                fmt.ratio(s) if s else "no timing to compare", None if s is None else s >= 1))
    share = run.efficiency("fortran", "wide") if "wide" in have else None
    out.append(("fortran on wide: \u2265 70% of the dgemm limit",
                f"{fmt.percent(share)} of {fmt.gflops(run.dgemm())} GFLOP/s"
                if share is not None else "no timing or no dgemm limit",
                None if share is None else share >= 0.70))
    for peer in ("torch", "sklearn"):
        batched = [w for w in run.main_workloads()
                   if (run.workloads[w].get("config") or {}).get("batch_size", 1) > 1]
        pairs = [(w, speed("numpy", peer, w)) for w in batched]
        pairs = [(w, s) for w, s in pairs if s]
        if not pairs:
            out.append((f"numpy at least as fast as {peer} (batched workloads)",
                        f"no {peer} timings", None))
            continue
        slow = [f"{w} {fmt.ratio(s)}" for w, s in pairs if s < 1]
        out.append((f"numpy at least as fast as {peer} (batched workloads)",
                    ("slower on " + ", ".join(slow)) if slow else
                    f"{len(pairs)} of {len(pairs)}; lowest {fmt.ratio(min(s for _, s in pairs))}",
                    not slow))
    loop = run.result("numpy-loop", "mnist-shaped")
    s = speed("numpy", "numpy-loop", "mnist-shaped")
    if s:
        measured = fmt.ratio(s) + (f" (the loop timed over {loop.get('timed_batches')} "
                                   "batches, scaled to an epoch)"
                                   if loop.get("status") == "partial" else "")
    elif loop is not None and loop.get("status") == "skipped":
        measured = f"numpy-loop skipped: {loop.get('reason')}"
    else:
        measured = "no numpy-loop (per-sample NumPy) timing on mnist-shaped in this run"
    out.append(("numpy \u2265 10\u00d7 faster than a per-sample loop (numpy-loop) on "
                "mnist-shaped", measured, None if s is None else s >= 10))
    per_step, floor = python_step(run), python_floor(run)
    measured = (f"{fmt.time(per_step)} per step ({run.steps_per_epoch('xor')} steps per epoch)"
                if per_step else "no timing")
    if per_step and floor:
        measured += (f"; a step written by hand for this one network: {fmt.time(floor)} "
                     f"(python takes {fmt.ratio(per_step / floor)} as long)")
    out.append(("python: about 4 \u00b5s or less per SGD step on xor", measured,
                None if per_step is None else per_step <= PYTHON_STEP_TARGET))
    wall = fmt.number(run.run.get("wall_seconds"))
    quick = bool(run.options.get("quick"))
    limit = 60 if quick else 300
    chosen = sorted({arg.split("=")[0] for arg in run.run.get("argv") or []} & RESTRICTING)
    if chosen:  # a run restricted by options says nothing of the default run's time
        measured, ok = f"not a {'--quick' if quick else 'default'} run ({', '.join(chosen)})", None
    else:
        measured = fmt.duration(wall) if wall is not None else "run did not finish"
        ok = None if wall is None else wall <= limit
    out.append((f"the {'--quick' if quick else 'default'} run within {fmt.duration(limit)}",
                measured, ok))
    return out


# `bench run` options that make a run other than the default (or --quick) one.
RESTRICTING = {"--impl", "--workload", "--no-peers", "--threads", "--also-threads"}


def threads_rows(run, runs):
    """[(target, measured, ok)] of the thread target: from the run's own more_threads
    section, else from runs side by side that differ in threads."""
    rows = []
    threads, more = run.more_threads()
    for result in more:
        impl, w = result["implementation"], result["workload"]
        target = f"{impl} on {w}: {threads} threads vs {run.env.get('threads', 1)}"
        if result.get("status") not in TIMED:
            rows.append((target, f"skipped: {result.get('reason')}", None))
            continue
        gain, agreement = run.thread_gain(result), result.get("agreement")
        within = agreement["within_tolerance"] if agreement else None
        compared = (f"{'within' if within else 'OUTSIDE'} tolerance "
                    f"({fmt.sci(agreement['max_rel_param_diff'])})" if agreement
                    else "not measured")
        rows.append((target, f"{fmt.ratio(gain)} as fast (timed back to back); agreement "
                     f"{compared}", None if gain is None or within is None
                     else gain > 1 and within))
    if rows:
        return rows
    for a in runs:
        if a is run:
            continue
        ta, tb = run.env.get("threads"), a.env.get("threads")
        if not ta or not tb or ta == tb:
            continue
        one, many = (run, a) if ta < tb else (a, run)
        for w in THREADED_WORKLOADS:
            for impl in THREADED_IMPLEMENTATIONS:
                t1, t2 = one.median(impl, w), many.median(impl, w)
                if t1 and t2:
                    rows.append((f"{impl} on {w}: {many.env.get('threads')} threads (run "
                                 f"{many.label}) vs {one.env.get('threads')} (run "
                                 f"{one.label})", f"{fmt.ratio(t1 / t2)} faster", t1 > t2))
    if not rows:
        rows.append(("more threads: a gain on the large workloads",
                     "not measured: this run timed nothing with more threads (bench run "
                     "--also-threads N, on a machine with more than one CPU)", None))
    return rows


def targets_table(run, runs):
    rows = [["Target", "Measured (from the saved medians)", "Status"]]
    shade = {}
    for target, measured, ok in targets(run) + threads_rows(run, runs):
        rows.append([target, measured, _status(ok)])
        shade[(2, len(rows) - 1)] = {True: GOOD_BG, False: BAD_BG, None: WARN_BG}[ok]
    return table(rows, [200, None, 60], shade=shade, keep=False)


def build(runs):
    story = [h1(TITLE)]
    story.append(para(
        "How much of the machine each implementation uses: the achieved GFLOP/s (matrix-product "
        "operations of an epoch over its median time) as a percentage of the single-thread "
        "dgemm rate measured on the same machine during the same run. dgemm is the best a "
        "matrix product does here, so 100% is the practical ceiling for this arithmetic; tiny "
        "networks cannot come near it, because their time goes to calls and loops, not to "
        "arithmetic."))
    for run in runs:
        suffix = f" \u2014 run {run.label}" if run.multi else ""
        limit = run.dgemm()
        d = run.env.get("dgemm") or {}
        story.append(h2("Share of the dgemm limit" + suffix))
        if not limit:
            story.append(note("This run saved no dgemm measurement, so no percentage can be "
                              "given; the GFLOP/s themselves are in the Speed section."))
        else:
            story.append(para(
                f"Limit: <b>{fmt.gflops(limit)} GFLOP/s</b>, the median of {d.get('rounds')} "
                f"rounds of a {d.get('n')} \u00d7 {d.get('n')} dgemm (IQR "
                f"{fmt.gflops(d.get('gflops_iqr'))} GFLOP/s), {run.env.get('threads', 1)} "
                f"thread(s)" + (f", measured {esc(d['measured'])}" if d.get("measured") else "")
                + ". Cells: GFLOP/s (percentage of the limit)."))
            story.append(efficiency_table(run))
            over = [(run.efficiency(i, w), i, w) for w in run.main_workloads()
                    + run.sweep_workloads() for i in run.implementations()
                    if (run.efficiency(i, w) or 0) > 1]
            if over:
                share, impl, w = max(over)
                story.append(space(4))
                story.append(para(
                    f"Above 100%: {esc(impl)} on {esc(w)} reached {fmt.percent(share)} of the "
                    f"limit. The limit is itself a measurement on a shared machine (IQR "
                    f"{fmt.gflops(d.get('gflops_iqr'))} GFLOP/s), so a share a little above "
                    f"100% means this workload ran at the full dgemm rate, within the noise."))
            story.append(space(8))
            drawing = chart(run)
            if drawing is not None:
                story.append(drawing)
        story.append(h2("Speed targets" + suffix))
        story.append(para(
            f"The project's goals for {esc(fmt.names(list(IMPLEMENTATIONS)))} (one thread, one "
            f"run, ratios of medians; the thread targets compare the run's own results with "
            f"those it timed again with more BLAS threads). They are checked here, never "
            f"asserted by a test; where a target is not met the measured figure says by how "
            f"much."))
        story.append(targets_table(run, runs))
        reasons = [text for text in (python_reason(run), threads_reason(run)) if text]
        if reasons:
            story.append(space(6))
            story.append(KeepTogether(
                [para("Why targets are not met, from this run's measurements:")]
                + [para(text) for text in reasons]))
        if run.profiles():
            story.append(space(6))
            story.append(para("Where each implementation's time goes, as profiled in this "
                              "run, is in the Methodology section (Profiles)."))
    return story
