"""`bench compare A B [C ...]`: did anything get faster or slower between runs?

Every later run is compared with the first (the baseline), per implementation x workload,
on the raw per-epoch samples each run saved: the change new / old with its 95% interval
(Hodges-Lehmann with Moses' interval) and the Mann-Whitney p-value (bench/stats.py). A
change is called only when it is significant and larger than a minimum effect: the whole
interval beyond 1 + min_effect (slower) or below 1 / (1 + min_effect) (faster). The runs'
differences that can explain a change (options, CPU, thread counts, build flags, BLAS
kernels) are listed as warnings. The comparison is a plain document (JSON-able), written
out as text, JSON or Markdown here and as a PDF by reports/compare.py.
"""

from __future__ import annotations

import json

from bench import results, stats
from bench.summary import _table, fmt_time

DEFAULT_MIN_EFFECT = 0.05
TIMED = results.TIMED_STATUSES


def describe(doc):
    """A run in a few words: when, which commit, which command."""
    run, env = doc["run"], doc["environment"]
    commit = env.get("git_commit")
    commit = f"commit {commit[:7]}" if isinstance(commit, str) else "no commit recorded"
    return f"{run.get('started')} ({commit}; {run.get('command')})"


def _blas_kernels(env):
    return sorted(f"{lib.get('internal_api')} {lib.get('architecture')}"
                  for lib in env.get("blas") or [] if isinstance(lib, dict))


def differences(old, new):
    """What differs between two runs that can change their timings, as sentences."""
    found = []
    checks = (
        ("options", lambda d: {k: d["run"]["options"].get(k) for k in
                               ("quick", "threads", "implementations", "workloads")}),
        ("CPU", lambda d: d["environment"].get("cpu_model")),
        ("CPU count", lambda d: d["environment"].get("cpu_count")),
        ("thread count", lambda d: d["environment"].get("threads")),
        ("Fortran build", lambda d: (d["environment"].get("fortran_build") or {}).get("flags")),
        ("BLAS kernels", lambda d: _blas_kernels(d["environment"])),
        ("NumPy", lambda d: d["environment"].get("numpy")),
        ("Python", lambda d: d["environment"].get("python")),
    )
    for what, read in checks:
        a, b = read(old), read(new)
        if a != b:
            found.append(f"{what} differ: {a} vs {b}")
    return found


def _median(result):
    if result is None or result["status"] not in TIMED:
        return None
    return result["time_per_epoch"]["median"]


def _samples(result):
    """The per-epoch samples of a timed result, or None (files from before they were saved)."""
    if result is None or result["status"] not in TIMED:
        return None
    return result["time_per_epoch"].get("samples") or None


def _heavy(result):
    """The CPU other processes took while result was timed, when they took time from the
    benchmark itself (its workload flagged as measured under heavy interference), or None."""
    interference = (result or {}).get("interference") or {}
    return interference.get("other_cores") if interference.get("heavy") else None


def machine_change(old_doc, new_doc, workload, min_effect):
    """How much faster or slower the machine itself ran while the workload was timed in the
    new run than in the old, when the canary (bench.machine.canary, timed in every cycle)
    moved: significantly, by more than min_effect in its estimate (stats.moved); else None."""
    samples = [((doc.get("sampling") or {}).get(workload) or {}).get("canary") or []
               for doc in (old_doc, new_doc)]
    if min(len(s) for s in samples) < stats.MIN_SAMPLES:
        return None
    ratio = stats.moved(*samples, min_effect)      # the alarm's rule, not decide's
    if ratio is None:
        return None
    return (f"the machine itself ran {ratio:.3g}x as slow in the new run (a fixed "
            f"pure-Python loop timed in the same cycles)")


def _row(impl, workload, old, new, min_effect, machine=None):
    row = {"implementation": impl, "workload": workload,
           "kind": (new or old)["kind"],
           "old_median": _median(old), "new_median": _median(new),
           "ratio": None, "ci_low": None, "ci_high": None, "least": None, "most": None,
           "p_value": None,
           "verdict": None, "why": None, "disturbed": None}
    if row["old_median"] is None or row["new_median"] is None:
        sides = [f"{side}: {r['status']}{': ' + r['reason'] if r.get('reason') else ''}"
                 if r is not None else f"{side}: not run"
                 for side, r in (("old", old), ("new", new))]
        row["why"] = "not timed in both runs (" + "; ".join(sides) + ")"
        return row
    a, b = _samples(old), _samples(new)
    if a is None or b is None:
        row["ratio"] = row["new_median"] / row["old_median"]
        row["verdict"] = "no change"
        row["why"] = "no per-round samples saved (a run from before interleaved timing)"
        return row
    change = stats.decide(a, b, min_effect)
    least, most = change.bounds or (None, None)
    row.update(ratio=change.ratio.value, ci_low=change.ratio.low, ci_high=change.ratio.high,
               least=least, most=most, p_value=change.p_value, verdict=change.verdict,
               why=change.why)
    disturbed = [f"{side} run: other processes took {cores:.2f} cores, more than the run "
                 "left free" for side, cores in (("old", _heavy(old)), ("new", _heavy(new)))
                 if cores is not None] + ([machine] if machine else [])
    if disturbed:
        row["disturbed"] = "; ".join(disturbed)
        if change.verdict != "no change":
            row.update(verdict="no change", why=f"{change.verdict} ({change.why}), but "
                       f"measured under interference ({row['disturbed']}): not called")
    return row


def compare(docs, names, min_effect=DEFAULT_MIN_EFFECT):
    """The comparison of docs[1:] each with docs[0] (names: how to call the runs)."""
    baseline = docs[0]
    comparisons = []
    for name, doc in zip(names[1:], docs[1:]):
        order = list(baseline["workloads"]) + [w for w in doc["workloads"]
                                               if w not in baseline["workloads"]]
        impls = []
        for result in baseline["results"] + doc["results"]:
            if result["implementation"] not in impls:
                impls.append(result["implementation"])
        rows = []
        changed = {}
        for workload in order:
            machine = machine_change(baseline, doc, workload, min_effect)
            if machine:
                changed[workload] = machine
            for impl in impls:
                old = results.find_result(baseline, impl, workload)
                new = results.find_result(doc, impl, workload)
                if old is not None or new is not None:
                    rows.append(_row(impl, workload, old, new, min_effect, machine))
        warnings = differences(baseline, doc)
        for workload, machine in changed.items():
            warnings.append(f"on {workload} {machine}: no change is called there")
        for label, run in (("the baseline", baseline), (name, doc)):
            heavy = [w for w, entry in (run.get("sampling") or {}).items() if entry.get("heavy")]
            if heavy:
                warnings.append(f"{label} was measured under heavy interference (other "
                                f"processes took CPU from it) on {', '.join(heavy)}: no change "
                                "is called there")
        comparisons.append({"new": name, "new_run": describe(doc), "warnings": warnings,
                            "rows": rows})
    return {"baseline": names[0], "baseline_run": describe(baseline),
            "min_effect": min_effect, "confidence": stats.CONFIDENCE,
            "method": "new / old time per epoch: Hodges-Lehmann estimate with Moses' 95% "
                      "interval over the saved per-round samples, and Mann-Whitney U "
                      "two-sided p-value; a change is called only when it is significant and "
                      "even at its least (the nearest ends of the two runs' 95% median "
                      "intervals) beyond the minimum effect",
            "comparisons": comparisons}


def slowdowns_above(comparison, factor):
    """Rows slower by more than factor with confidence: significant, and the change at its
    least (the two median intervals' nearest ends) above factor; among those compared (not
    measured under heavy interference)."""
    return [(c["new"], row) for c in comparison["comparisons"] for row in c["rows"]
            if row["least"] is not None and row["least"] > factor
            and row["p_value"] < 1 - comparison["confidence"] and not row["disturbed"]]


# ---- output ----------------------------------------------------------------------------------

def _interval(row):
    if row["ratio"] is None:
        return "-"
    text = f"{row['ratio']:.3f}"
    if row["ci_low"] is not None:
        text += f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
    return text


def _cells(row):
    verdict = row["verdict"] or "-"
    if verdict in ("slower", "faster"):
        verdict = f"* {verdict}"
    p = "-" if row["p_value"] is None else f"{row['p_value']:.2g}"
    why = row["why"] or ""
    return (row["implementation"], row["workload"], fmt_time(row["old_median"]),
            fmt_time(row["new_median"]), _interval(row), p, verdict,
            why if len(why) <= WHY_WIDTH else why[:WHY_WIDTH - 3] + "...")


WHY_WIDTH = 90      # in the text and Markdown tables (JSON has the whole sentence)
HEADER = ("implementation", "workload", "old/epoch", "new/epoch", "new/old [95%]", "p",
          "change", "why")


def _legend(comparison):
    return (f"* called: significant (Mann-Whitney p < 0.05) and beyond the minimum effect of "
            f"{comparison['min_effect']:.0%} even at its least (the nearest ends of the two "
            f"runs' 95% median intervals)")


def as_text(comparison):
    parts = [f"baseline {comparison['baseline']}: {comparison['baseline_run']}"]
    for c in comparison["comparisons"]:
        parts.append(f"\n{c['new']}: {c['new_run']}")
        for warning in c["warnings"]:
            parts.append(f"warning: {warning}")
        parts.append(_table(HEADER, [_cells(row) for row in c["rows"]]))
    parts.append(_legend(comparison))
    return "\n".join(parts)


def as_markdown(comparison):
    lines = [f"Baseline `{comparison['baseline']}`: {comparison['baseline_run']}"]
    for c in comparison["comparisons"]:
        lines += ["", f"## `{c['new']}` vs the baseline", "", c["new_run"], ""]
        lines += [f"> warning: {w}" for w in c["warnings"]]
        if c["warnings"]:
            lines.append("")
        lines.append("| " + " | ".join(HEADER) + " |")
        lines.append("|" + " --- |" * len(HEADER))
        for row in c["rows"]:
            lines.append("| " + " | ".join(str(cell).replace("|", "\\|")
                                           for cell in _cells(row)) + " |")
    lines += ["", _legend(comparison)]
    return "\n".join(lines)


def as_json(comparison):
    return json.dumps(comparison, indent=1, allow_nan=False)


FORMATS = {"text": as_text, "json": as_json, "markdown": as_markdown}
