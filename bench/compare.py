"""`bench compare A B [C ...]`: did anything get faster or slower between runs?

Every later run is compared with the first (the baseline), per implementation x workload x
precision, and for the more-threads timings too, on the raw per-epoch samples each run saved:
the change new / old with its 95% interval (Hodges-Lehmann with Moses' interval) and the
Mann-Whitney p-value (bench/stats.py). A change is called only when it is significant
(p < 0.05) and larger than a minimum effect even at its least (stats.decide): the two runs'
95% median intervals are apart by more than the effect, new low / old high above
1 + min_effect (slower) or new high / old low below 1 / (1 + min_effect) (faster). The
change's own interval is reported, not used to call it: it pools the rounds of the two runs
as if independent, and two runs differ by more than their rounds do (README, bench compare).
A comparison that cannot be judged is "undecided": measured
under heavy interference, on a machine that itself ran slower or faster (the canary moved),
timed in one run only, or without per-round samples; a pair timed in neither run is not
compared. As a CI gate (`--fail-above`) the command exits 1 on a confident slowdown, else
exit code 3 when any comparison is undecided, else 0 (`verdict`). The runs' differences that
can explain a change (options, CPU, thread counts, build flags, BLAS kernels) are listed as
warnings. The comparison is a plain document (JSON-able), written out as text, JSON or
Markdown here and as a PDF by reports/compare.py.
"""

from __future__ import annotations

import json

from bench import precision, results, stats
from bench.summary import fmt_time, table

DEFAULT_MIN_EFFECT = 0.05
TIMED = results.TIMED_STATUSES


def run_line(doc):
    """A run as the comparison names it: the model's description, then its command."""
    return f"{results.Run(doc).describe()}; {doc['run']['command']}"


def _more_threads(doc):
    """The thread count of doc's more_threads section, or None without one."""
    section = doc.get(results.MORE_THREADS)
    return section["threads"] if section else None


def _blas_kernels(env):
    return sorted(f"{lib.get('internal_api')} {lib.get('architecture')}" for lib in env["blas"])


def differences(old, new):
    """What differs between two runs that can change their timings, as sentences."""
    found = []
    checks = (
        ("options", lambda d: {k: d["run"]["options"][k] for k in
                               ("quick", "threads", "implementations", "workloads", "dtypes")}),
        ("CPU", lambda d: d["environment"]["cpu_model"]),
        ("CPU count", lambda d: d["environment"]["cpu_count"]),
        ("thread count", lambda d: d["environment"]["threads"]),
        ("more-threads count", _more_threads),
        ("Fortran build", lambda d: d["environment"]["fortran_build"].get("flags")),
        ("BLAS kernels", lambda d: _blas_kernels(d["environment"])),
        ("NumPy", lambda d: d["environment"]["numpy"]),
        ("Python", lambda d: d["environment"]["python"]),
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
    """The per-epoch samples of a timed result, or None (none saved)."""
    if result is None or result["status"] not in TIMED:
        return None
    return result["time_per_epoch"]["samples"]


def _heavy(result):
    """The CPU other processes took while result was timed, when they took time from the
    benchmark itself (its workload flagged as measured under heavy interference), or None."""
    interference = result.get("interference") if result else None
    return interference.get("other_cores") if interference and interference.get("heavy") \
        else None


def _sampling(doc, section):
    """The sampling records of doc's main timings (section None) or of its section."""
    if section is None:
        return doc["sampling"]
    holder = doc.get(section)               # more_threads: its sampling, once measured
    return (holder.get("sampling") if holder else None) or {}


def machine_change(old_doc, new_doc, workload, min_effect, section=None):
    """How much faster or slower the machine itself ran while the workload was timed in the
    new run than in the old, when the canary (bench.machine.canary, or parallel_canary on as
    many threads in the more_threads section; timed in every cycle) moved: significantly, by
    more than min_effect in its estimate (stats.moved); else None."""
    samples = [(_sampling(doc, section).get(workload) or {}).get("canary") or []
               for doc in (old_doc, new_doc)]
    if min(len(s) for s in samples) < stats.MIN_SAMPLES:
        return None
    ratio = stats.moved(*samples, min_effect)      # the alarm's rule, not decide's
    if ratio is None:
        return None
    what = ("a fixed pure-Python loop" if section is None
            else "a fixed piece of work on as many threads")
    return (f"the machine itself ran {ratio:.3g}x as slow in the new run ({what} timed in "
            f"the same cycles)")


def case_label(row):
    """How a row's case is named: numpy, numpy float32, numpy, 4 threads."""
    text = precision.label(row["implementation"], row["dtype"])
    return text if row["threads"] is None else f"{text}, {row['threads']} threads"


def _undecided(row, reason, why):
    row.update(verdict="undecided", undecided=reason, why=why)
    return row


def _row(case, old, new, min_effect, machine=None):
    impl, workload, dtype, more = case
    threads = (new or old)["threads"] if more else None
    row = {"implementation": impl, "workload": workload, "dtype": dtype, "threads": threads,
           "kind": (new or old)["kind"],
           "case": case_label({"implementation": impl, "dtype": dtype, "threads": threads}),
           "old_median": _median(old), "new_median": _median(new),
           "ratio": None, "ci_low": None, "ci_high": None, "least": None, "most": None,
           "p_value": None, "verdict": None, "why": None, "disturbed": None,
           "undecided": None}
    if row["old_median"] is None or row["new_median"] is None:
        sides = [f"{side}: {r['status']}{': ' + r['reason'] if r['reason'] else ''}"
                 if r is not None else f"{side}: not run"
                 for side, r in (("old", old), ("new", new))]
        why = "not timed in both runs (" + "; ".join(sides) + ")"
        if row["old_median"] is None and row["new_median"] is None:
            row["why"] = why            # timed in neither: nothing to compare
            return row
        return _undecided(row, "not timed in both", why)
    a, b = _samples(old), _samples(new)
    if a is None or b is None:
        row["ratio"] = row["new_median"] / row["old_median"]
        return _undecided(row, "no samples", "no per-round samples saved")
    change = stats.decide(a, b, min_effect)
    least, most = change.bounds or (None, None)
    row.update(ratio=change.ratio.value, ci_low=change.ratio.low, ci_high=change.ratio.high,
               least=least, most=most, p_value=change.p_value, verdict=change.verdict,
               why=change.why)
    heavy = [f"{side} run: other processes took {cores:.2f} cores, more than the run left "
             "free" for side, cores in (("old", _heavy(old)), ("new", _heavy(new)))
             if cores is not None]
    if heavy or machine:
        row["disturbed"] = "; ".join(heavy + ([machine] if machine else []))
        _undecided(row, "disturbed" if heavy else "canary moved",
                   f"{change.verdict} ({change.why}), but measured under interference "
                   f"({row['disturbed']}): not called")
    return row


def _cases(doc):
    """(implementation, workload, dtype, more) of every result of doc: more is False for the
    main timings, True for the more-threads timings (those at the section's larger count;
    its timings at the run's own count repeat the main ones)."""
    cases = [(r["implementation"], r["workload"], r["dtype"], False) for r in doc["results"]]
    section = doc.get(results.MORE_THREADS)
    if section:
        cases += [(r["implementation"], r["workload"], r["dtype"], True)
                  for r in section["results"] if r["threads"] == section["threads"]]
    return cases


def _find(doc, case):
    impl, workload, dtype, more = case
    if not more:
        return results.find_result(doc, impl, workload, dtype=dtype)
    section = doc.get(results.MORE_THREADS)
    if not section:
        return None
    return results.find_result(doc, impl, workload, results.MORE_THREADS, section["threads"],
                               dtype)


def _ordered(baseline, doc):
    """The cases of both runs, workload by workload (the baseline's order first), the main
    timings in each precision before the more-threads ones."""
    workloads = list(baseline["workloads"]) + [w for w in doc["workloads"]
                                               if w not in baseline["workloads"]]
    cases = []
    for case in _cases(baseline) + _cases(doc):
        if case not in cases:
            cases.append(case)
    return sorted(cases, key=lambda c: (workloads.index(c[1]), c[3], c[2] != precision.DEFAULT))


def _heavy_warnings(label, run):
    """A warning per part of run measured under heavy interference."""
    warnings = []
    for section, what in ((None, ""), (results.MORE_THREADS, " (more threads)")):
        heavy = [w for w, entry in _sampling(run, section).items() if entry.get("heavy")]
        if heavy:
            warnings.append(f"{label} was measured under heavy interference (other processes "
                            f"took CPU from it) on {', '.join(heavy)}{what}: no change is "
                            "called there")
    return warnings


def compare(docs, names, min_effect=DEFAULT_MIN_EFFECT):
    """The comparison of docs[1:] each with docs[0] (names: how to call the runs)."""
    baseline = docs[0]
    comparisons = []
    for name, doc in zip(names[1:], docs[1:]):
        rows, changed = [], {}
        for case in _ordered(baseline, doc):
            section = results.MORE_THREADS if case[3] else None
            key = (case[1], section)
            if key not in changed:
                changed[key] = machine_change(baseline, doc, case[1], min_effect, section)
            rows.append(_row(case, _find(baseline, case), _find(doc, case), min_effect,
                             changed[key]))
        warnings = differences(baseline, doc)
        for (workload, section), machine in changed.items():
            if machine:
                where = workload + (" (more threads)" if section else "")
                warnings.append(f"on {where} {machine}: no change is called there")
        for label, run in (("the baseline", baseline), (name, doc)):
            warnings += _heavy_warnings(label, run)
        comparisons.append({"new": name, "new_run": run_line(doc), "warnings": warnings,
                            "rows": rows})
    return {"baseline": names[0], "baseline_run": run_line(baseline),
            "min_effect": min_effect, "confidence": stats.CONFIDENCE,
            "method": "new / old time per epoch: Hodges-Lehmann estimate with Moses' 95% "
                      "interval over the saved per-round samples, and Mann-Whitney U "
                      "two-sided p-value; a change is called only when it is significant and "
                      "even at its least (the nearest ends of the two runs' 95% median "
                      "intervals) beyond the minimum effect",
            "comparisons": comparisons}


def slowdowns_above(comparison, factor):
    """Rows slower by more than factor with confidence: significant, and the change at its
    least (the two median intervals' nearest ends) above factor; among those decided (not
    measured under heavy interference or while the canary moved)."""
    return [(c["new"], row) for c in comparison["comparisons"] for row in c["rows"]
            if row["least"] is not None and row["least"] > factor
            and row["p_value"] < 1 - comparison["confidence"]
            and row["verdict"] != "undecided"]


VERDICTS = ("slower", "faster", "no change", "undecided")
UNDECIDED = ("disturbed", "canary moved", "not timed in both", "no samples")


def counts(comparison):
    """How the rows came out: "compared" (timed in at least one run), the count of each
    verdict, "not timed" (in neither run), and "why undecided" {reason: count}."""
    rows = [row for c in comparison["comparisons"] for row in c["rows"]]
    found = {verdict: sum(row["verdict"] == verdict for row in rows) for verdict in VERDICTS}
    found["compared"] = sum(row["verdict"] is not None for row in rows)
    found["not timed"] = len(rows) - found["compared"]
    found["why undecided"] = {reason: n for reason in UNDECIDED
                              if (n := sum(row["undecided"] == reason for row in rows))}
    return found


def verdict(comparison, factor):
    """The gate's verdict: (exit code, one line). 1 "fail": a slowdown above factor with
    confidence; else 3 "undecided": a comparison could not be judged; else 0 "pass"."""
    found = counts(comparison)
    failing = slowdowns_above(comparison, factor)
    tally = ", ".join(f"{found[v]} {v}" for v in VERDICTS if found[v])
    if found["undecided"]:
        tally += " (" + ", ".join(f"{n} {reason}" for reason, n in
                                  found["why undecided"].items()) + ")"
    tally = f"{found['compared']} comparisons: {tally or 'none'}"
    if found["not timed"]:
        tally += f"; {found['not timed']} pairs timed in neither run"
    if failing:
        return 1, (f"fail: {len(failing)} slower than {factor:g}x with 95% confidence; "
                   f"{tally}")
    if found["undecided"]:
        return 3, (f"undecided: {found['undecided']} of the comparisons could not be "
                   f"judged; {tally}")
    return 0, f"pass: nothing slower than {factor:g}x with 95% confidence; {tally}"


# ---- output ----------------------------------------------------------------------------------

def _interval(row):
    if row["ratio"] is None:
        return "-"
    text = f"{row['ratio']:.3f}"
    if row["ci_low"] is not None:
        text += f" [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
    return text


def _cells(row, why_width=None):
    """A row's cells; the why column cut at why_width characters (None: whole)."""
    verdict = row["verdict"] or "-"
    if verdict in ("slower", "faster"):
        verdict = f"* {verdict}"
    p = "-" if row["p_value"] is None else f"{row['p_value']:.2g}"
    why = row["why"] or ""
    if why_width is not None and len(why) > why_width:
        why = why[:why_width - 3] + "..."
    return (results.marked(row["case"], row["kind"]), row["workload"],
            fmt_time(row["old_median"]),
            fmt_time(row["new_median"]), _interval(row), p, verdict, why)


WHY_WIDTH = 90      # in the terminal's table (Markdown and JSON have the whole sentence)
HEADER = ("implementation", "workload", "old/epoch", "new/epoch", "new/old [95%]", "p",
          "change", "why")


def _legend(comparison):
    return (f"* called: significant (Mann-Whitney p < 0.05) and beyond the minimum effect of "
            f"{comparison['min_effect']:.0%} even at its least (the nearest ends of the two "
            f"runs' 95% median intervals); undecided: measured under heavy interference or "
            f"while the machine itself changed speed (the canary), timed in one run only, or "
            f"without per-round samples")


def as_text(comparison):
    parts = [f"baseline {comparison['baseline']}: {comparison['baseline_run']}"]
    for c in comparison["comparisons"]:
        parts.append(f"\n{c['new']}: {c['new_run']}")
        for warning in c["warnings"]:
            parts.append(f"warning: {warning}")
        parts.append(table(HEADER, [_cells(row, WHY_WIDTH) for row in c["rows"]]))
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
