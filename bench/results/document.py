"""A results document built up and looked into: the empty document of a run that starts, a
result, ratio or gain put in (replacing the one it supersedes), and a result or ratio found.
Standard library only."""

from __future__ import annotations

from bench.results.estimate import Estimate
from bench.results.schema import FLOAT64, MORE_THREADS, SCHEMA, SCHEMA_VERSION


def new_results(run, environment):
    """An empty results document for a run that is starting."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "environment": environment,
        "workloads": {},
        "results": [],
        "worked_example": None,
        "gradient_checks": {},
        "sources": {},
        "profiles": {},
        "ratios": [],
        "sampling": {},
    }


def _key(result, section):
    """A result's identity: (implementation, workload[, threads], dtype); a section (such as
    more_threads) has one result per thread count."""
    return ((result["implementation"], result["workload"])
            + ((result["threads"],) if section else ()) + (result["dtype"],))


def section_results(doc, section=None):
    """The result list of doc ("results"), or of the optional section "more_threads"."""
    if section is None:
        return doc["results"]
    holder = doc.get(section)
    return holder["results"] if holder else []


def put_result(doc, result, section=None):
    """Add result to doc (or to section, e.g. MORE_THREADS, which must exist, where a pair
    has one result per thread count), replacing an earlier result for the same key."""
    holder = doc if section is None else doc[section]
    key = _key(result, section)
    holder["results"] = [r for r in holder["results"] if _key(r, section) != key] + [result]


def _sides(ratio):
    """A ratio's two sides as {(implementation, dtype), ...}."""
    return {(ratio["numerator"], ratio["numerator_dtype"]),
            (ratio["denominator"], ratio["denominator_dtype"])}


def put_ratio(doc, ratio):
    """Add a paired ratio to doc["ratios"], replacing an earlier one of the same workload and
    the same two implementation x dtype sides (in either orientation)."""
    pair = _sides(ratio)
    doc["ratios"] = [r for r in doc["ratios"]
                     if (r["workload"], _sides(r)) != (ratio["workload"], pair)] + [ratio]


def put_gain(doc, gain):
    """Add a more-threads gain to doc["more_threads"]["gains"], replacing an earlier one of
    the same implementation and workload."""
    section = doc[MORE_THREADS]
    key = (gain["implementation"], gain["workload"])
    section["gains"] = [g for g in section.get("gains", [])
                        if (g["implementation"], g["workload"]) != key] + [gain]


def find_ratio(doc, workload, numerator, denominator, numerator_dtype=FLOAT64,
               denominator_dtype=FLOAT64):
    """The Estimate of time(numerator) / time(denominator) on workload from the saved paired
    ratios (each side in its dtype), inverted when saved the other way round; None when not
    saved (low and high None when there were too few cycles for an interval)."""
    wanted = ((numerator, numerator_dtype), (denominator, denominator_dtype))
    for entry in doc["ratios"]:
        if entry["workload"] != workload:
            continue
        sides = ((entry["numerator"], entry["numerator_dtype"]),
                 (entry["denominator"], entry["denominator_dtype"]))
        estimate = Estimate(entry["ratio"], entry["ci_low"], entry["ci_high"])
        if sides == wanted:
            return estimate
        if sides == wanted[::-1]:
            return estimate.inverted()
    return None


def find_result(doc, implementation, workload, section=None, threads=None, dtype=FLOAT64):
    """The result for (implementation, workload) in dtype in doc (or in section, with
    threads), or None."""
    for result in section_results(doc, section):
        if (result["implementation"], result["workload"], result["dtype"]) == (
                implementation, workload, dtype) and (
                threads is None or result["threads"] == threads):
            return result
    return None
