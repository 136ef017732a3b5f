"""Terminal output: the progress line per benchmark, the sampling line per workload, and the
summary table at the end of a run, read from the results model (bench.results.Run); the
table helpers serve bench.compare's terminal output too. Standard library only."""

from __future__ import annotations

import math

from bench import precision, results
from bench.results import units

TIMED = results.TIMED_STATUSES


def fmt_time(seconds):
    """A duration as the reports write it (bench.results.units.time), "-" for none."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    return units.time(seconds)


def fmt_clock(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


def fmt_ratio(value):
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.3g}x" if value < 1000 else f"{value:.0f}x"


def fmt_interval(value, low, high, fmt):
    """value [low, high] with fmt for each ("-" parts where missing)."""
    text = fmt(value)
    if low is not None and high is not None and text != "-":
        text += f" [{fmt(low)}, {fmt(high)}]"
    return text


def fmt_ratio_interval(estimate):
    """A ratio (value, low, high) as '2.63x [2.51-2.77]' (the 95% interval), or '-'."""
    if estimate is None:
        return "-"
    value, low, high = estimate
    text = fmt_ratio(value)
    if low is not None and high is not None and text != "-":
        text += f" [{low:.3g}-{high:.3g}]"
    return text


def agreement_text(result):
    agreement = result["agreement"]
    if not agreement:
        return "n/a"
    mark = "ok" if agreement["within_tolerance"] else "OUTSIDE"
    return f"{mark} {agreement['max_rel_param_diff']:.1e}"


def progress_line(done, total, result, elapsed, left, threads=0):
    """One line per finished benchmark, with elapsed time and an estimate of time left
    (threads: the BLAS threads of a more_threads case, 0 for the run's own count)."""
    name = precision.label(result["implementation"], result["dtype"])
    head = f"[{done:>{len(str(total))}}/{total}] {name:<8} {result['workload']:<13}"
    if threads:
        head += f" ({threads} thread{'s' if threads != 1 else ''})"
    tail = f"elapsed {fmt_clock(elapsed)}, ~{fmt_clock(left)} left"
    status = result["status"]
    if status == "skipped":
        reason = result["reason"]
        reason = reason if len(reason) <= 70 else reason[:67] + "..."
        return f"{head} skipped: {reason}  ({tail})"
    stats = result["time_per_epoch"]
    partial = f" (partial, {result['timed_batches']} batches)" if status == "partial" else ""
    interval = ""
    if stats["ci_low"] is not None:
        interval = f" [{fmt_time(stats['ci_low'])}, {fmt_time(stats['ci_high'])}]"
    return (f"{head} {fmt_time(stats['median']):>9}/epoch{interval}"
            f"  {stats['rounds']:>2} rounds  agreement {agreement_text(result)}{partial}"
            f"  ({tail})")


def sampling_line(workload, sampling, section=None):
    """One line per timed workload: how many cycles, why it stopped, the widest interval."""
    where = f"{workload} (more threads)" if section else workload
    width = sampling["worst_half_width"]
    width = f"+-{width:.1%}" if width != float("inf") else "no interval"
    line = (f"    {where}: {sampling['cycles']} interleaved cycles, stopped by "
            f"{sampling['stopped']} (widest ratio interval {width}, goal "
            f"+-{sampling['precision_goal']:.0%}) in {sampling['seconds']:.1f} s")
    if sampling.get("heavy"):
        line += (f"; HEAVY INTERFERENCE: other processes took {sampling['other_cores']:.2f} "
                 "cores meanwhile")
    return line


def table(header, rows):
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * width for width in widths))
    for row in rows:
        lines.append("  ".join(str(cell).ljust(width)
                               for cell, width in zip(row, widths)).rstrip())
    return "\n".join(lines)


def summary_rows(run):
    """Per workload of the model run (bench.results.Run): the fastest float64 result, its time,
    the speed-ups over pure Python and NumPy, the agreement (precision_rows has float32's)."""
    rows = []
    for workload in run.workloads_as_asked():
        fastest, median = run.fastest(workload)
        if fastest is None:
            rows.append({"workload": workload, "fastest": None})
            continue
        best = run.timed(fastest, workload)["time_per_epoch"]
        python = run.timed("python", workload)
        compared = [a for impl, a in run.agreements(workload) if impl != run.reference()]
        rows.append({
            "workload": workload,
            "fastest": fastest,
            "median": median,
            "ci": (best["ci_low"], best["ci_high"]),
            "vs_python": run.speedup(fastest, "python", workload),
            "python_partial": python is not None and python["status"] == "partial",
            "vs_numpy": run.speedup(fastest, "numpy", workload),
            "agreement_ok": all(a["within_tolerance"] for a in compared) if compared else None,
            "agreement_worst": max((a["max_rel_param_diff"] for a in compared), default=None),
            "compared": len(compared),
        })
    return rows


def thread_rows(run):
    """Rows of the more_threads results with more threads: time, gain over the same pair's
    time at the run's own thread count (timed in the same cycles), agreement."""
    rows = []
    for result in run.more_threads()[1]:
        impl, workload = result["implementation"], result["workload"]
        if result["status"] not in TIMED:
            rows.append((impl, workload, "-", "-", f"skipped: {result['reason']}"))
            continue
        rows.append((impl, workload, fmt_time(result["time_per_epoch"]["median"]),
                     fmt_ratio_interval(run.thread_gain(result)), agreement_text(result)))
    return rows


def summary_table(doc):
    """The table printed at the end of a run (of the results document doc)."""
    run = results.Run(doc)
    header = ("workload", "fastest", "time/epoch", "vs python", "vs numpy", "agreement")
    rows = []
    for row in summary_rows(run):
        if row["fastest"] is None:
            rows.append((row["workload"], "-", "-", "-", "-", "no timed result"))
            continue
        vs_python = fmt_ratio_interval(row["vs_python"])
        if row["python_partial"] and row["vs_python"]:
            vs_python += " (partial)"
        if row["agreement_ok"] is None:
            agreement = "n/a"
        else:
            agreement = (f"{'ok' if row['agreement_ok'] else 'OUTSIDE'} "
                         f"(worst {row['agreement_worst']:.1e}, {row['compared']} compared)")
        rows.append((row["workload"], row["fastest"],
                     fmt_interval(row["median"], *row["ci"], fmt_time), vs_python,
                     fmt_ratio_interval(row["vs_numpy"]), agreement))
    skipped = [r for r in run.all_results if r["status"] == "skipped"]
    text = ("Summary (median time per epoch; speed-up = other's time / fastest's time, "
            "paired per interleaved cycle; [95% intervals])\n")
    text += table(header, rows)
    threads, more = run.more_threads()
    if more:
        text += (f"\n\nwith {threads} BLAS threads (gain: the time with "
                 f"{run.env['threads']} over this time, paired per "
                 "interleaved cycle):\n")
        text += table(("implementation", "workload", "time/epoch", "gain", "agreement"),
                       thread_rows(run))
    single = precision_rows(run)
    if single:
        text += ("\n\nfloat32 (speed-up: the float64 time over the float32 time, paired per "
                 "interleaved cycle; agreement against the float64 reference):\n")
        text += table(("implementation", "workload", "time/epoch", "speed-up", "agreement"),
                       single)
    if skipped:
        # one line per implementation and reason, its workloads listed (the reason of a peer
        # that cannot run here is the same on every workload)
        grouped = {}
        for r in skipped:
            key = (precision.label(r["implementation"], r["dtype"]), r["reason"])
            grouped.setdefault(key, []).append(r["workload"])
        text += "\n\nskipped:\n" + "\n".join(
            f"  {name} x {', '.join(workloads)}: {reason}"
            for (name, reason), workloads in grouped.items())
    return text


def precision_rows(run):
    """Rows of the timed float32 results: time, float64 time / float32 time, agreement."""
    rows = []
    for result in run.all_results:
        if result["dtype"] != precision.FLOAT32 or result["status"] not in TIMED:
            continue
        impl, workload = result["implementation"], result["workload"]
        rows.append((impl, workload, fmt_time(result["time_per_epoch"]["median"]),
                     fmt_ratio_interval(run.float32_speedup(impl, workload)),
                     agreement_text(result)))
    return rows
