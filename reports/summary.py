"""Summary: the verdict per workload, a reading of the results written from the numbers, what
is missing, and the environment of the run (environment_rows also serves the comparison)."""

from __future__ import annotations

from bench.results import kind, marked
from reports import fmt
from reports.data import blas_libraries, crossovers
from reports.style import BAD_BG, WIDTH, esc, h1, h2, note, para, table

TITLE = "Summary"
BLURB = "the verdict per workload, what the numbers say, what is missing, the environment"


def agreement_status(run, workload):
    """(short text, ok flag or None) for the agreement of a workload's implementations."""
    entries = run.agreements(workload)
    if not entries:
        return "not compared", None
    tolerance = entries[0][1]["tolerance"]
    bad = [(impl, a["max_rel_param_diff"]) for impl, a in entries if not a["within_tolerance"]]
    if bad:
        return ("beyond tolerance: " + ", ".join(f"{impl} {fmt.sci(diff)}" for impl, diff in bad),
                False)
    worst = max(a["max_rel_param_diff"] for _, a in entries)
    return f"within {fmt.sci(tolerance)} (max {fmt.sci(worst)})", True


def missing_notes(run):
    """Flowables saying plainly what this run lacks."""
    out = []
    if not run.run["complete"]:
        done = len(run.results)
        out.append(note(f"<b>This run did not finish</b> (complete = false"
                        f"{', no finish time' if not run.run['finished'] else ''}): the report "
                        f"shows the {done} result{'s' if done != 1 else ''} saved before it "
                        f"stopped. <font face='ReportMono'>python -m bench run --resume DIR</font> "
                        f"completes it."))
    missing = run.missing()
    if missing:
        out.append(note(f"<b>No results for {esc(fmt.names(missing))}</b>, although the "
                        f"run asked for {'it' if len(missing) == 1 else 'them'}."))
    skipped_impl = run.not_requested()
    if skipped_impl:
        out.append(note(f"Not part of this run (not requested with --impl): "
                        f"{esc(fmt.names(skipped_impl))}."))
    if not run.peers():
        why = ("peers were turned off (--no-peers)" if run.options.get("peers") is False
               else "PyTorch and scikit-learn were not installed or not run")
        out.append(note(f"No peers in this run: {why}; the tables show the three "
                        f"implementations alone."))
    empty = run.workloads_without_results()
    if empty:
        out.append(note(f"Workloads defined but without any result: "
                        f"{esc(fmt.names(empty))}."))
    return out


def _winners(run, workloads, own):
    """Who is fastest on how many workloads, and by how much over the project's others."""
    winners = {}
    for w in workloads:
        best, _ = run.fastest(w)
        winners.setdefault(best, []).append(w)
    sentences = []
    for best, names in sorted(winners.items(), key=lambda item: -len(item[1])):
        parts = []
        for w in names:
            margins = [f"{fmt.ratio_ci(*run.ratio(w, other, best))} faster than {other}"
                       for other in own if other != best and run.ratio(w, other, best)]
            parts.append(f"<b>{esc(w)}</b>" + (f" ({', '.join(margins)})" if margins else ""))
        mark = {"peer": " (a peer)", "external": " (from outside this project)"}.get(
            kind(best), "")
        count = "every" if len(names) == len(workloads) else f"{len(names)} of {len(workloads)}"
        sentences.append(f"<b>{esc(best)}</b>{mark} is the fastest on {count} workload"
                         f"{'s' if count != 'every' and len(workloads) != 1 else ''}: "
                         f"{fmt.names(parts)}.")
    return sentences


def _python_gap(run, workloads, own):
    """How much slower pure Python is than the fastest, from least to most."""
    if "python" not in own:
        return []
    gaps = []
    for w in workloads:
        best, _ = run.fastest(w)
        found = run.ratio(w, "python", best) if best != "python" else None
        if found:
            gaps.append((found[0], w))
    if not gaps:
        return []
    lo, hi = min(gaps), max(gaps)
    partial = [w for w in workloads if run.timed("python", w)
               and run.timed("python", w)["status"] == "partial"]
    text = (f"Pure Python is {fmt.ratio(lo[0])} ({esc(lo[1])}) to {fmt.ratio(hi[0])} "
            f"({esc(hi[1])}) slower than the fastest"
            if lo != hi else f"Pure Python is {fmt.ratio(lo[0])} slower than the fastest "
            f"on {esc(lo[1])}")
    if partial:
        text += (f"; on {esc(fmt.names(partial))} it was timed over a few batches and "
                 f"scaled to an epoch")
    return [text + "."]


def _against_peers(run, workloads):
    """For each peer: on how many workloads the project's fastest beats it."""
    sentences = []
    for peer in run.peers():
        wins, ratios = 0, []
        for w in workloads:
            own_best, _ = run.fastest(w, "implementation")
            found = run.ratio(w, peer, own_best) if own_best else None
            if found:
                ratios.append(found[0])
                wins += found[0] > 1
        if ratios:
            sentences.append(
                f"Against <b>{esc(peer)}</b>, the fastest of the project's implementations wins "
                f"on {wins} of {len(ratios)} workloads (ratios {fmt.ratio(min(ratios))} to "
                f"{fmt.ratio(max(ratios))}, above 1\u00d7 meaning the project is faster).")
    return sentences


def _agreement(run):
    """Whether every compared pair agrees, or which do not."""
    beyond, worst, _ = run.agreement_summary()
    if beyond:
        bad = [f"{impl} on {w} ({fmt.sci(diff)})" for impl, w, diff in beyond]
        return [f"<font color='#b2182b'><b>Agreement fails"
                f"</b></font> for {esc(fmt.names(bad))}: beyond the tolerance."]
    if worst:
        return [f"Every compared pair agrees with {esc(run.reference())} within the "
                f"tolerance; the largest relative parameter difference is "
                f"{fmt.sci(worst[0])} ({esc(worst[1])} on {esc(worst[2])})."]
    return []


def _machine_use(run, workloads, own):
    """The best share of the measured dgemm limit."""
    limit = run.dgemm()
    if not limit:
        return []
    best = max(((run.efficiency(i, w) or 0.0, i, w) for w in workloads for i in own),
               default=(0.0, None, None))
    if not best[1]:
        return []
    above = "; above 100% is within the noise of that measurement" if best[0] > 1 else ""
    return [f"The best use of the machine is {esc(best[1])} on {esc(best[2])} "
            f"at {fmt.percent(best[0])} of the measured dgemm limit "
            f"({fmt.gflops(limit)} GFLOP/s{above})."]


def _more_threads(run):
    """What more BLAS threads gained on the large workloads."""
    threads, more = run.more_threads()
    gains = [f"{esc(r['implementation'])} {fmt.ratio_ci(*run.thread_gain(r))} on "
             f"{esc(r['workload'])}" for r in more if run.thread_gain(r)]
    if not gains:
        return []
    one = run.env["threads"]
    return [f"With {threads} BLAS threads instead of {one}, the speed-ups on the "
            f"large workloads (time with {one} over time with {threads}; below "
            f"1\u00d7 a slowdown) were {fmt.names(gains)}; the speed targets, in "
            f"Efficiency, also check their agreement."]


def _sweep(run, own):
    """Where one implementation overtakes another as the hidden width grows."""
    sweep = run.sweep_workloads()
    if not sweep:
        return []
    found = []
    for i, a in enumerate(own):
        for b in own[i + 1:]:
            pa = [(run.sweep_value(w), run.median(a, w)) for w in sweep]
            pb = [(run.sweep_value(w), run.median(b, w)) for w in sweep]
            for lo, hi, est, after in crossovers(pa, pb):
                winner, loser = (a, b) if after == "a" else (b, a)
                found.append(f"{winner} overtakes {loser} at a hidden width of about "
                             f"{fmt.sig(est, 2)} (between {lo} and {hi})")
    if found:
        return ["In the width sweep, " + fmt.names(found) + "."]
    return [f"In the width sweep the order of {esc(fmt.names(own))} does "
            f"not change between the smallest and the largest width."]


def reading(run):
    """Sentences reading the run's results: who wins where and by how much, pure Python's
    gap, the peers, the agreement, the use of the machine, more threads, the sweep."""
    workloads = [w for w in run.main_workloads() if run.timed_rows(w)]
    if not workloads:
        return ["This run holds no timed results yet, so there is nothing to compare."]
    own = run.own()
    return (_winners(run, workloads, own) + _python_gap(run, workloads, own)
            + _against_peers(run, workloads) + _agreement(run)
            + _machine_use(run, workloads, own) + _more_threads(run) + _sweep(run, own))


def verdict_table(run):
    rows = [["Workload", "Network", "Fastest", "Time / epoch", "vs python", "vs numpy",
             "Agreement"]]
    shade = {}
    names = run.main_workloads() + run.sweep_workloads()
    for w in names:
        wl = run.workloads[w]
        best, t = run.fastest(w)
        status, ok = agreement_status(run, w)
        if best is None:
            skipped = [r for r in run.rows(w)]
            rows.append([w, fmt.network(wl["layer_sizes"]),
                         "no timed result" if skipped else "not run", fmt.MISSING,
                         fmt.MISSING, fmt.MISSING, status])
            continue
        rows.append([w, fmt.network(wl["layer_sizes"]),
                     marked(best, kind(best)), fmt.time(t),
                     "itself" if best == "python" else _faster(run, w, best, "python"),
                     "itself" if best == "numpy" else _faster(run, w, best, "numpy"),
                     status])
        if ok is False:
            shade[(6, len(rows) - 1)] = BAD_BG
    return table(rows, [58, 60, 54, 50, 70, 70, None], right=(3, 4, 5), shade=shade,
                 keep=False)


def _faster(run, workload, best, other):
    """How many times faster best is than other, with the interval when saved."""
    found = run.ratio(workload, other, best)
    return fmt.ratio_ci(*found) if found else fmt.MISSING


def environment_rows(runs):
    """(label, [value per run]) rows describing where and how each run ran."""

    def fortran(env):
        build = env["fortran_build"]
        if not build:
            return fmt.MISSING
        return f"{build.get('blas', '?')}; {build.get('compiler', '')} {build.get('flags', '')}"

    def dgemm(env):
        d = env.get("dgemm")
        if not d:
            return "not measured"
        return (f"{fmt.gflops(d['gflops_median'])} GFLOP/s (n = {d['n']}, IQR "
                f"{fmt.gflops(d['gflops_iqr'])}, {d.get('rounds')} rounds)")

    def packages(env):
        pk = env["packages"]
        return ", ".join(f"{k} {v if v else 'not installed'}" for k, v in sorted(pk.items())) \
            or fmt.MISSING

    def commit(env):
        c = env["git_commit"]
        if not c:
            return "unknown (not a git checkout)"
        return c + (" with uncommitted changes" if env["git_dirty"] else "")

    def status(run):
        if run.run["complete"]:
            return f"complete, {fmt.duration(run.run['wall_seconds'])} wall time"
        return "INTERRUPTED (complete = false)"

    spec = [
        ("Started", lambda r: fmt.when(r.run["started"])),
        ("Finished", lambda r: fmt.when(r.run["finished"]) if r.run["finished"]
         else "did not finish"),
        ("Status", status),
        ("Command", lambda r: r.run["command"] or fmt.MISSING),
        ("CPU", lambda r: f"{r.env['cpu_model'] or '?'} ({r.env['cpu_count'] or '?'} "
                          f"logical CPUs)"),
        ("OS", lambda r: r.env["os"] or fmt.MISSING),
        ("Python, NumPy", lambda r: f"Python {r.env['python'] or '?'}, NumPy "
                                    f"{r.env['numpy'] or '?'}"),
        ("BLAS libraries", lambda r: "; ".join(blas_libraries(r)) or fmt.MISSING),
        ("Threads", lambda r: f"{r.env['threads']} (BLAS, OpenMP and PyTorch pinned)"),
        ("gfortran", lambda r: r.env["gfortran"] or fmt.MISSING),
        ("Fortran build", lambda r: fortran(r.env)),
        ("dgemm limit", lambda r: dgemm(r.env)),
        ("Packages", lambda r: packages(r.env)),
        ("Git commit", lambda r: commit(r.env)),
    ]
    return [(label, [get(run) for run in runs]) for label, get in spec]


def environment_table(run):
    rows = [["", "This run"]] + [[label, *values] for label, values in environment_rows([run])]
    return table(rows, [70, WIDTH - 70], keep=False)


def build(run):
    story = [h1(TITLE)]
    story.extend(missing_notes(run))
    story.append(h2("What the results say"))
    for sentence in reading(run):
        story.append(para(sentence))
    story.append(h2("Verdict per workload"))
    story.append(para("Fastest implementation or peer on each workload by median time per "
                      "epoch, how many times faster it is than pure Python and than NumPy "
                      "(the paired ratio saved by the run, with its 95% interval in brackets; "
                      "a ratio of medians in files without one), and whether the trained "
                      "parameters of the implementations agree with the reference."))
    story.append(verdict_table(run))
    if not run.workloads:
        story.append(note("No workloads are defined in these results."))
    story.append(h2("Environment"))
    story.append(environment_table(run))
    return story
