"""How the quantities of a results file are written, the same in the terminal (bench's summary
and compare) and in the PDF (reports.fmt): a duration in its unit, a figure to so many
significant digits, a saved time. Finite numbers and valid times in; what a missing or
non-finite value prints as is the caller's. Standard library only."""

from __future__ import annotations

import math
from datetime import datetime

from bench.results.fields import TIMESTAMP


def significant(x, digits=3):
    """x to `digits` significant figures, without exponent for 1e-4 <= |x| < 1e6."""
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if abs(round(x, digits - 1 - magnitude)) >= 10 ** (magnitude + 1):
        magnitude += 1          # 9.996 rounds up to 10.0
    if magnitude < -4 or magnitude >= 6:
        return f"{x:.{digits - 1}e}"
    decimals = max(digits - 1 - magnitude, 0)
    return f"{x:,.{decimals}f}"


def in_unit(seconds):
    """(value, unit) of a duration in the largest of s, ms, \u00b5s and ns it reaches (ns
    below that)."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "\u00b5s")):
        if seconds >= scale * 0.9995:
            return seconds / scale, unit
    return seconds / 1e-9, "ns"


def time(seconds):
    """A duration with its unit: 812 ns, 3.47 \u00b5s, 12.3 ms, 1.23 s, 4 min 12 s."""
    if seconds < 0:
        return "\u2212" + time(-seconds)
    if seconds >= 600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes / 60:.1f} h"
    value, unit = in_unit(seconds)
    return f"{significant(value)} {unit}"


def when(timestamp):
    """A saved UTC time (2026-11-28T04:30:00Z, as validated) as 2026-11-28 04:30 UTC."""
    return datetime.strptime(timestamp, TIMESTAMP).strftime("%Y-%m-%d %H:%M UTC")
