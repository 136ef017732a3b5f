"""Precision: single beside double. The float32 over float64 speed-up per implementation and
workload (the paired ratio the run saved, with its 95% interval), GFLOP/s against the sgemm
and dgemm limits measured in the run, what float32 does to the final loss and the accuracy,
and, when the run has a torch-cuda row, where the GPU overtakes the Fortran per epoch.

Reads the results model (bench.results.Run, its look-ups with their dtype keywords); every
figure here was computed and saved by the run."""

from __future__ import annotations

from bench.results import FLOAT32, TIMED_STATUSES
from reports import fmt
from reports.style import esc, h1, h2, note, para, space, table

TITLE = "Precision"
BLURB = "float32 beside float64: speed-ups, GFLOP/s against sgemm, loss and accuracy, the GPU"

GPU = "torch-cuda"


def float32_pairs(run):
    """[(impl, workload)] with a float32 result, in the order the run saved them."""
    seen = []
    for result in run.all_results:
        key = (result["implementation"], result["workload"])
        if result["dtype"] == FLOAT32 and key not in seen:
            seen.append(key)
    return seen


def _ratio_text(estimate):
    if estimate is None:
        return fmt.MISSING
    value, low, high = estimate
    text = fmt.ratio(value)
    if low is not None and high is not None:
        text += f" [{fmt.sig(low, 3)}\u2013{fmt.sig(high, 3)}]"
    return text


def _share(result, limit):
    if result is None or result["gflops"] is None or not limit:
        return fmt.MISSING
    return f"{fmt.gflops(result['gflops'])} ({fmt.percent(result['gflops'] / limit)})"


def _rel_change(new, old):
    if new is None or old is None or not old:
        return fmt.MISSING
    return f"{(new - old) / abs(old):+.1e}"


def _accuracy_change(single, double, key):
    new, old = single[key], double[key] if double else None
    if new is None or old is None:
        return fmt.MISSING
    return f"{fmt.accuracy(old)} \u2192 {fmt.accuracy(new)}"


def speed_table(run, pairs):
    """The timed float32 pairs: both times and the speed-up."""
    rows = [["Implementation", "Workload", "float64 / epoch", "float32 / epoch",
             "Speed-up (float64 / float32) [95%]"]]
    for impl, workload in pairs:
        rows.append([impl, workload, fmt.time(run.median(impl, workload)),
                     fmt.time(run.median(impl, workload, FLOAT32)),
                     _ratio_text(run.float32_speedup(impl, workload))])
    return table(rows, [80, 70, 70, 70, None], right=(2, 3, 4))


def gflops_table(run, pairs):
    rows = [["Implementation", "Workload", "float64 GFLOP/s (% of dgemm)",
             "float32 GFLOP/s (% of sgemm)"]]
    for impl, workload in pairs:
        rows.append([impl, workload, _share(run.timed(impl, workload), run.dgemm()),
                     _share(run.timed(impl, workload, FLOAT32), run.sgemm())])
    return table(rows, [80, 70, None, None], right=(2, 3))


def accuracy_table(run, pairs):
    rows = [["Implementation", "Workload", "Final loss, float64", "float32 change (rel.)",
             "Train accuracy", "Held-out accuracy", "Parameters vs float64 reference"]]
    for impl, workload in pairs:
        single = run.timed(impl, workload, FLOAT32)
        if single is None:
            continue
        double = run.timed(impl, workload)
        agreement = single["agreement"]
        agreement_text = (f"{fmt.sci(agreement['max_rel_param_diff'])} "
                          f"({'within' if agreement['within_tolerance'] else 'OUTSIDE'} "
                          f"{fmt.sci(agreement['tolerance'])})" if agreement
                          else "not compared (own initialisation)")
        loss = double["final_loss"] if double else None
        rows.append([impl, workload, fmt.loss(loss), _rel_change(single["final_loss"], loss),
                     _accuracy_change(single, double, "train_accuracy"),
                     _accuracy_change(single, double, "test_accuracy"), agreement_text])
    return table(rows, [66, 56, 50, 50, 58, 58, None], right=(2, 3))


def gpu_story(run):
    """The torch-cuda rows: skipped with the reason, or against the Fortran per epoch, and
    the smallest width of the sweep from which the GPU is faster."""
    results = [r for r in run.all_results if r["implementation"] == GPU]
    if not results:
        return [note("This run has no torch-cuda row (the peer was not asked for).")]
    timed = [r for r in results if r["status"] in TIMED_STATUSES]
    if not timed:
        reason = next((r["reason"] for r in results if r["reason"]), fmt.MISSING)
        return [para(f"The GPU peer <b>torch-cuda</b> was skipped: {esc(reason)}. On a machine "
                     "with a CUDA device it runs in both precisions, the data on the device "
                     "before the timed region and the device synchronised around each round; "
                     "its crossover with the Fortran then appears here.")]
    rows = [["Workload", "Precision", "torch-cuda / epoch", "fortran / epoch",
             "fortran / torch-cuda"]]
    for result in timed:
        workload, dtype = result["workload"], result["dtype"]
        rows.append([workload, dtype, fmt.time(result["time_per_epoch"]["median"]),
                     fmt.time(run.median("fortran", workload, dtype)),
                     _ratio_text(run.ratio(workload, "fortran", GPU, dtype, dtype))])
    return [table(rows, [90, 60, 90, 90, None], right=(2, 3, 4)), para(crossover_width(run))]


def crossover_width(run):
    """A sentence: the smallest swept width from which torch-cuda is faster per epoch than
    the Fortran (both float64), from the saved ratios (or medians) of the sweep."""
    widths = []
    for name in run.sweep_workloads():
        found = run.ratio(name, "fortran", GPU)
        if found:
            widths.append((run.sweep_value(name), found.value))
    if not widths:
        return "The run has no sweep timed by both torch-cuda and the Fortran: no crossover."
    widths.sort()
    faster = [w for w, ratio in widths if ratio > 1]
    if not faster:
        return (f"The Fortran is faster than the GPU at every swept width (up to "
                f"{widths[-1][0]}).")
    first = faster[0]
    if all(ratio > 1 for w, ratio in widths if w >= first):
        return f"The GPU is faster per epoch from hidden width {first} up (float64, the sweep)."
    return f"The GPU is faster per epoch at widths {fmt.names([str(w) for w in faster])}."


def build(run):
    story = [h1(TITLE)]
    if not float32_pairs(run):
        story.append(note("These results hold no float32 timing: the run was made with "
                          "<font face='ReportMono'>--dtype float64</font>, or by a version "
                          "without the precision axis. "
                          "A default <font face='ReportMono'>python -m bench run</font> times "
                          "float32 on the batched workloads."))
        if any(r["implementation"] == GPU for r in run.results):
            story += gpu_story(run)
        return story
    story.append(para(
        "The same training in single precision: float32 parameters, data and arithmetic "
        "(sgemm instead of dgemm), from the float64 initial parameters rounded once. float32 "
        "is timed on the batched workloads, in the same interleaved cycles as float64, so each "
        "speed-up below is a ratio of paired rounds (the median of the per-cycle ratios) with "
        "its 95% interval. Pure Python has no float32 (its float is a double)."))
    pairs = [(impl, w) for impl, w in float32_pairs(run) if run.timed(impl, w, FLOAT32)]
    skipped = sorted({impl for impl, w in float32_pairs(run) if (impl, w) not in pairs})
    story.append(h2("Speed-up of float32"))
    story.append(speed_table(run, pairs))
    if skipped:
        story.append(para(f"Not timed in float32: {esc(fmt.names(skipped))} (skipped; "
                          "the reasons are in the results, and the GPU's below)."))
    story.append(space(8))
    dgemm, sgemm = run.dgemm(), run.sgemm()
    story.append(h2("GFLOP/s against the sgemm limit"))
    limits = "no limit was measured"
    if sgemm and dgemm:
        limits = (f"NumPy's single-thread sgemm ran at {fmt.gflops(sgemm)} GFLOP/s and "
                  f"dgemm at {fmt.gflops(dgemm)} GFLOP/s "
                  f"({fmt.ratio(sgemm / dgemm)}), measured in this run")
    elif dgemm:
        limits = f"dgemm ran at {fmt.gflops(dgemm)} GFLOP/s; sgemm was not measured"
    story.append(para(f"The limits: {esc(limits)}. Each precision is shown as a share of "
                      "its own limit; a matrix-product-bound workload (wide) should come "
                      "close to both."))
    story.append(gflops_table(run, pairs))
    story.append(space(8))
    story.append(h2("What float32 does to the loss and the accuracy",
                    title="Loss and accuracy"))
    story.append(para("Final training loss in float64 and its relative change in float32; "
                      "accuracy in float64 \u2192 float32; and how far the float32 "
                      "parameters end from the float64 reference's (NumPy, same start "
                      "and sample orders), against the contract's float32 tolerance."))
    story.append(accuracy_table(run, pairs))
    story.append(h2("The GPU"))
    story += gpu_story(run)
    return story
