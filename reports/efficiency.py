"""Efficiency: achieved GFLOP/s of each implementation against the machine's measured
single-thread dgemm GFLOP/s (saved with the run), as a percentage; and the project's speed
targets (reports/targets.toml) judged on the intervals the run saved: met, not met or
undecided."""

from __future__ import annotations

import tomllib
from pathlib import Path

from reportlab.platypus import KeepTogether

from bench.results import OWN, TIMED_STATUSES, marked
from reports import fmt
from reports.charts import dot_chart
from reports.data import verdict
from reports.style import (
    BAD_BG,
    GOOD_BG,
    WARN_BG,
    esc,
    h1,
    h2,
    impl_style,
    note,
    para,
    space,
    table,
)

TITLE = "Efficiency"
BLURB = "GFLOP/s as a share of the machine's measured dgemm limit; the speed targets"

TARGETS_FILE = Path(__file__).with_name("targets.toml")


def load_targets(path=TARGETS_FILE):
    """The project's speed targets (reports/targets.toml)."""
    with open(path, "rb") as stream:
        return tomllib.load(stream)


TARGETS = load_targets()
VERDICT_SHADE = {"met": GOOD_BG, "not met": BAD_BG, "undecided": WARN_BG, None: WARN_BG}


def efficiency_table(run):
    impls = run.implementations()
    rows = [["Workload", *impls]]
    for w in run.main_workloads() + run.sweep_workloads():
        row = [w]
        for impl in impls:
            row.append(fmt.result_cell(
                run.result(impl, w), lambda result, impl=impl, w=w:
                f"{fmt.gflops(result['gflops'])} ({fmt.percent(run.efficiency(impl, w))})"))
        rows.append(row)
    return table(rows, [62] + [None] * len(impls), right=tuple(range(1, len(impls) + 1)),
                 keep=False, font_size=7.4)


def chart(run):
    """Every main workload's share of the dgemm limit: a dot per implementation and peer, its
    whisker the time's interval turned into a share (GFLOP/s is operations over time)."""
    groups = []
    for w in run.main_workloads():
        items = []
        for result in run.timed_rows(w):
            impl = result["implementation"]
            found = run.efficiency_interval(impl, w)
            if found is None:
                continue
            share, low, high, saved = found
            items.append({"label": marked(impl, result["kind"]),
                          "value": 100 * share, "low": 100 * low, "high": 100 * high,
                          "spread": not saved,
                          "style": impl_style(impl), "hollow": result["kind"] == "peer",
                          "status": result["status"]})
        if items:
            groups.append((w, items))
    if not groups:
        return None

    def label(item):
        text = fmt.percent(item["value"] / 100)
        if not item["spread"]:
            text += (f" [{fmt.percent(item['low'] / 100)}\u2013"
                     f"{fmt.percent(item['high'] / 100)}]")
        return text + (" partial" if item["status"] == "partial" else "")

    return dot_chart(groups, axis_title="achieved GFLOP/s as % of the measured dgemm limit "
                                        "(log scale; right is better)",
                     tick_label=lambda v: fmt.axis_number(v) + "%", value_label=label,
                     refs=[(100.0, "dgemm limit (100%)")])


def _profiled(run, impl, workload):
    """The top functions of impl's saved profile on workload ([] if not profiled)."""
    profile = run.profiles().get(impl, {}).get(workload)
    return profile["top"] if profile and profile["status"] == "ok" else []


def python_reason(run):
    """Why python is above the per-step target, from this run's floor and profile (or None
    when it meets the target or the run saved neither)."""
    per_step, floor = python_step(run), python_floor(run)
    if not per_step or per_step <= TARGETS["python_step"]["at_most_seconds"] or not floor:
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
    top = [item for item in _profiled(run, "python", "xor") if item["share"]]
    if top:
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
        found = run.thread_gain(result)
        if found is None or found[0] > 1:
            continue
        gain = found[0]
        impl, w = result["implementation"], result["workload"]
        text = (f"{esc(impl)} on {esc(w)} was {fmt.ratio(gain)} as fast with {threads} threads: "
                f"only its matrix products (BLAS dgemm) use the extra threads")
        share = sum(item["share"] for item in _profiled(run, impl, w)
                    if item["function"] == "numpy:matmul")
        if share:
            bound = 1.0 / ((1.0 - share) + share / threads)
            text += (f", which take {fmt.percent(share)} of its time in this run's profile "
                     f"(cProfile, whose cost inflates the Python around them: a low estimate), "
                     f"so {threads} threads can make it at most {fmt.ratio(bound)} as fast "
                     f"(Amdahl's law)")
            main = run.timed(impl, w)
            if main:
                text += (f"; for the size of the noise, the main timing's IQR was "
                         f"{fmt.time(main['time_per_epoch']['iqr'])} of a median of "
                         f"{fmt.time(main['time_per_epoch']['median'])}")
        else:
            text += f"; how {esc(impl)}'s time splits between them and the rest is not measured"
        parts.append(text + ".")
    if not parts:
        return None
    return "<b>More threads.</b> " + " ".join(parts)



def _ratio_goal(goal):
    return f"{goal:g}\u00d7"


def _share_goal(goal):
    return f"{100 * goal:g}%"


def judged(value, low, high, goal, *, at_least=True, show=fmt.ratio, show_goal=_ratio_goal):
    """(verdict, why) of a measured value against a goal, from its interval when saved."""
    result = verdict(value, low, high, goal, at_least=at_least)
    if result is None:
        return None, "not measured"
    side = "above" if at_least else "below"
    goal_text = show_goal(goal)
    if low is None or high is None:
        return result, (f"no interval saved: the median {show(value)} is "
                        f"{side if result == 'met' else 'not ' + side} {goal_text}")
    interval = f"the 95% interval [{show(low)}\u2013{show(high)}]"
    if result == "met":
        return result, f"{interval} lies wholly {side} {goal_text}"
    if result == "not met":
        return result, f"{interval} lies wholly {'below' if at_least else 'above'} {goal_text}"
    return result, f"{interval} straddles {goal_text}"


def _workloads_of(run, spec):
    if spec == "batched":
        return [w for w in run.main_workloads()
                if run.workloads[w]["config"]["batch_size"] > 1]
    return list(spec)


def speedup_rows(run, target):
    """[(target, measured, verdict, why)] of one [[speedup]] target of targets.toml."""
    faster, than, goal = target["faster"], target["than"], target["at_least"]
    rows = []
    for w in _workloads_of(run, target["workloads"]):
        text = (f"{faster} on {w}: at least as fast as {than}" if goal == 1 else
                f"{faster} on {w}: \u2265 {goal:g}\u00d7 faster than {than}")
        if w not in run.workloads:
            rows.append((text, "workload not in this run", None, "not measured"))
            continue
        found = run.ratio(w, than, faster)
        if not found:
            result = run.result(than, w) or run.result(faster, w)
            skipped = [r for r in (run.result(than, w), run.result(faster, w))
                       if r and r["status"] == "skipped"]
            measured = (f"{skipped[0]['implementation']} skipped: {skipped[0]['reason']}"
                        if skipped else "no timing to compare" if result else
                        f"no {than} timing on {w} in this run")
            rows.append((text, measured, None, "not measured"))
            continue
        ratio, low, high = found
        measured = fmt.ratio_ci(ratio, low, high)
        partial = [r for r in (run.result(than, w), run.result(faster, w))
                   if r and r["status"] == "partial"]
        if partial:
            measured += (f" ({partial[0]['implementation']} timed over "
                         f"{partial[0]['timed_batches']} batches, scaled to an epoch)")
        rows.append((text, measured, *judged(ratio, low, high, goal)))
    return rows


def share_row(run, target):
    impl, w, goal = target["implementation"], target["workload"], target["at_least"]
    text = f"{impl} on {w}: \u2265 {_share_goal(goal)} of the dgemm limit"
    found = run.efficiency_interval(impl, w) if w in run.workloads else None
    if found is None:
        return text, "no timing or no dgemm limit", None, "not measured"
    share, lo, hi, saved = found
    lo, hi = (lo, hi) if saved else (None, None)
    measured = (f"{fmt.percent(share)}" + (f" [{fmt.percent(lo)}\u2013{fmt.percent(hi)}]"
                                           if saved else "")
                + f" of {fmt.gflops(run.dgemm())} GFLOP/s")
    return (text, measured, *judged(share, lo, hi, goal, show=fmt.percent,
                                    show_goal=_share_goal))


def python_step(run):
    """python's median time per SGD step on the target's workload, or None."""
    w = TARGETS["python_step"]["workload"]
    median = run.median("python", w)
    return median / run.steps_per_epoch(w) if median else None


def python_floor(run):
    """The saved time per step of the hand-written xor step (bench/floor.py), or None."""
    floor = run.env.get("python_floor")
    return floor["seconds_per_step_median"] if floor else None


def step_row(run):
    target = TARGETS["python_step"]
    w, goal = target["workload"], target["at_most_seconds"]
    text = f"python: {target['text']} per SGD step on {w}"
    per_step, floor = python_step(run), python_floor(run)
    if per_step is None:
        return text, "no timing", None, "not measured"
    steps = run.steps_per_epoch(w)
    median, low, high, saved = run.interval("python", w)
    lo, hi = (low / steps, high / steps) if saved else (None, None)
    measured = (f"{fmt.time_ci(per_step, lo, hi)} per step ({steps} steps per epoch)")
    if floor:
        measured += (f"; a step written by hand for this one network: {fmt.time(floor)} "
                     f"(python takes {fmt.ratio(per_step / floor)} as long)")
    return (text, measured, *judged(per_step, lo, hi, goal, at_least=False, show=fmt.time,
                                    show_goal=fmt.time))


def wall_row(run):
    target = TARGETS["wall_time"]
    wall = run.run["wall_seconds"]
    quick = run.options["quick"]
    limit = target["quick_seconds"] if quick else target["default_seconds"]
    text = f"the {'--quick' if quick else 'default'} run within {fmt.duration(limit)}"
    chosen = sorted({arg.split("=")[0] for arg in run.run["argv"]}
                    & set(target["restricting_options"]))
    if chosen:  # a run restricted by options says nothing of the default run's time
        return (text, f"not a {'--quick' if quick else 'default'} run ({', '.join(chosen)})",
                None, "not judged: a restricted run")
    if wall is None:
        return text, "run did not finish", None, "not measured"
    result = "met" if wall <= limit else "not met"
    return (text, fmt.duration(wall), result,
            f"one wall time, no interval: {fmt.duration(wall)} is "
            f"{'within' if result == 'met' else 'over'} {fmt.duration(limit)}")


def targets(run):
    """[(target, measured, verdict, why)] of the project's speed goals (targets.toml)."""
    out = []
    for target in TARGETS.get("speedup", []):
        out.extend(speedup_rows(run, target))
    out.extend(share_row(run, target) for target in TARGETS.get("dgemm_share", []))
    out.append(step_row(run))
    out.append(wall_row(run))
    return out


def threads_rows(run):
    """[(target, measured, verdict, why)] of the thread target, from the run's own
    more_threads section."""
    rows = []
    goal = TARGETS["threads"]["gain_above"]
    threads, more = run.more_threads()
    for result in more:
        impl, w = result["implementation"], result["workload"]
        target = f"{impl} on {w}: {threads} threads vs {run.env['threads']}"
        if result["status"] not in TIMED_STATUSES:
            rows.append((target, f"skipped: {result['reason']}", None, "not measured"))
            continue
        gain, agreement = run.thread_gain(result), result["agreement"]
        within = agreement["within_tolerance"] if agreement else None
        compared = (f"{'within' if within else 'OUTSIDE'} tolerance "
                    f"({fmt.sci(agreement['max_rel_param_diff'])})" if agreement
                    else "not measured")
        measured = (f"{fmt.ratio_ci(*gain) if gain else fmt.MISSING} as fast; agreement "
                    f"{compared}")
        result_verdict, why = judged(*gain, goal) if gain else (None, "not measured")
        if within is False:
            result_verdict, why = "not met", "the parameters do not agree"
        elif within is None and result_verdict:
            result_verdict, why = None, "agreement not measured"
        rows.append((target, measured, result_verdict, why))
    if not rows:
        rows.append(("more threads: a gain on the large workloads",
                     "not measured: this run timed nothing with more threads (bench run "
                     "--also-threads N, on a machine with more than one CPU)", None,
                     "not measured"))
    return rows


def targets_table(run):
    rows = [["Target", "Measured [95% interval]", "Verdict", "Why"]]
    shade = {}
    for target, measured, result, why in targets(run) + threads_rows(run):
        rows.append([target, measured, result or "not measured", why])
        shade[(2, len(rows) - 1)] = VERDICT_SHADE[result]
    return table(rows, [150, 130, 46, None], shade=shade, keep=False)


def targets_line(run, page=None):
    """Page 1's sentence on the targets: how many met, not met, undecided."""
    verdicts = [row[2] for row in targets(run) + threads_rows(run)]
    text = (f"Speed targets (judged on the 95% intervals): <b>{verdicts.count('met')} met, "
            f"{verdicts.count('not met')} not met, {verdicts.count('undecided')} undecided"
            f"</b>, {verdicts.count(None)} not measured")
    return text + (f"; which and why in Efficiency, page {page}." if page else ".")


def build(run):
    story = [h1(TITLE)]
    story.append(para(
        "How much of the machine each implementation uses: the achieved GFLOP/s (matrix-product "
        "operations of an epoch over its median time) as a percentage of the single-thread "
        "dgemm rate measured on the same machine during the same run. dgemm is the best a "
        "matrix product does here, so 100% is the practical ceiling for this arithmetic; tiny "
        "networks cannot come near it, because their time goes to calls and loops, not to "
        "arithmetic."))
    limit = run.dgemm()
    story.append(h2("Share of the dgemm limit"))
    if not limit:
        story.append(note("This run saved no dgemm measurement, so no percentage can be "
                          "given; the GFLOP/s themselves are in the Speed section."))
    else:
        d = run.env["dgemm"]
        story.append(para(
            f"Limit: <b>{fmt.gflops(limit)} GFLOP/s</b>, the median of {d.get('rounds')} "
            f"rounds of a {d['n']} \u00d7 {d['n']} dgemm (IQR "
            f"{fmt.gflops(d['gflops_iqr'])} GFLOP/s), {run.env['threads']} "
            f"thread(s)" + (f", measured {esc(d['measured'])}" if d.get("measured") else "")
            + ". The chart first, then every share as a number."))
        drawing = chart(run)
        if drawing is not None:
            story.append(drawing)
            story.append(space(6))
        story.append(para("Cells: GFLOP/s (percentage of the limit)."))
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
                f"{fmt.gflops(d['gflops_iqr'])} GFLOP/s), so a share a little above "
                f"100% means this workload ran at the full dgemm rate, within the noise."))
    story.append(h2("Speed targets"))
    story.append(para(
        f"The project's goals for {esc(fmt.names(list(OWN)))} (one thread, one "
        f"run; the goals are read from reports/targets.toml). Each is judged on the 95% "
        f"interval the run saved: <b>met</b> when the whole interval clears the goal, "
        f"<b>not met</b> when the whole interval misses it, <b>undecided</b> when it "
        f"straddles the goal (more cycles would decide). Results saved without an "
        f"interval are judged on their medians, and the Why column says so. The thread "
        f"targets compare the run's own results with those it timed again with more BLAS "
        f"threads. They are checked here, never asserted by a test."))
    story.append(targets_table(run))
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
