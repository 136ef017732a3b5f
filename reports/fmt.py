"""Every number the reports print goes through one of these functions, so that a figure
looks the same in every table, chart label and sentence (and a duration as in the terminal:
bench.results.units). None (no value) prints as an en dash; non-finite values (a training
that diverged) print as words."""

from __future__ import annotations

import functools
import math
from datetime import datetime

from bench.results import units
from bench.results.fields import TIMESTAMP

MISSING = "\u2013"          # en dash: no value
TIMES = "\u00d7"            # multiplication sign, for ratios: 12.3x


def number(value):
    """A saved number as a float; None stays None."""
    return None if value is None else float(value)


def _nonfinite(x):
    if math.isnan(x):
        return "not a number"
    return "infinite" if x > 0 else "\u2212infinite"


def _saved_number(format_finite):
    """Decorate format_finite(x, ...), which formats a finite float, to take a saved value:
    None prints as MISSING and non-finite values as words."""
    @functools.wraps(format_finite)
    def format_saved(value, *args):
        x = number(value)
        if x is None:
            return MISSING
        if not math.isfinite(x):
            return _nonfinite(x)
        return format_finite(x, *args)
    return format_saved


sig = _saved_number(units.significant)   # 3 significant figures: 0.000123, 1,234, 1.23e+06


def _trim(text):
    """2.50 -> 2.5, 10.0 -> 10."""
    return text.rstrip("0").rstrip(".") if "." in text else text


time = _saved_number(units.time)         # a duration with its unit: 812 ns, 4 min 12 s


def time_axis(seconds):
    """A tick label on a time axis: 1 \u00b5s, 10 ms, 1 s, 2.5 ms."""
    value, unit = units.in_unit(number(seconds))
    return f"{axis_number(value)} {unit}"


def result_cell(result, timed, missing=MISSING):
    """A table cell for a saved result: `missing` without one, "skipped" for a skipped one,
    else timed(result)."""
    if result is None:
        return missing
    if result["status"] == "skipped":
        return "skipped"
    return timed(result)


def axis_number(x):
    """A tick label on a plain or log axis: 0.001, 0.5, 10, 1,000, 1e-5, 1e6."""
    x = number(x)
    if x and math.isfinite(x):
        exponent = math.floor(math.log10(abs(x)) + 1e-9)
        if exponent < -4 or exponent >= 6:
            mantissa = _trim(f"{x / 10 ** exponent:.1f}")
            return f"{mantissa}e{exponent}"
    return _trim(sig(x, 2))


@_saved_number
def ratio(x):
    """A ratio or speed-up: 1,234\u00d7, 123\u00d7, 12.3\u00d7, 1.23\u00d7, 0.456\u00d7."""
    if x >= 100:
        return f"{round(x):,}{TIMES}"
    return f"{sig(x)}{TIMES}"


@_saved_number
def percent(x):
    """A percentage given as a fraction: 0.724 -> 72.4%."""
    return f"{sig(100 * x)}%"


def gflops(value):
    """GFLOP/s as a number (the unit goes in the column head or after it)."""
    return sig(value)


@_saved_number
def rate(x):
    """A rate such as samples per second, with an SI prefix: 812, 45.6 k, 1.23 M."""
    for scale, prefix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if abs(x) >= scale * 0.9995:
            return f"{sig(x / scale)}{prefix}"
    return sig(x)


def operations(n):
    """An operation count: 224 FLOP, 65.3 kFLOP, 4.09 GFLOP."""
    text = rate(n)
    if text == MISSING:
        return text
    return text + "FLOP" if text[-1].isalpha() else text + " FLOP"


@_saved_number
def sci(x):
    """A small relative difference or error: 3.2e-14 (two significant figures), 0 for exact."""
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@_saved_number
def value(x):
    """A value of the worked example: nine significant figures (0.593269992)."""
    return f"{x:.9g}"


@_saved_number
def loss(x):
    """A training loss: four significant figures."""
    return f"{x:.4g}"


def accuracy(x):
    """An accuracy fraction as a percentage with one decimal: 97.2%."""
    x = number(x)
    if x is None:
        return MISSING
    return f"{100 * x:.1f}%"


def count(n):
    """An integer count with thousands separators."""
    if n is None:
        return MISSING
    return f"{int(n):,}"


def nbytes(n):
    """A memory size: 512 B, 12.3 KiB, 45.6 MiB, 1.23 GiB."""
    x = number(n)
    if x is None:
        return MISSING
    for scale, unit in ((2 ** 30, "GiB"), (2 ** 20, "MiB"), (2 ** 10, "KiB")):
        if x >= scale:
            return f"{sig(x / scale)} {unit}"
    return f"{int(x)} B"


def duration(seconds):
    """A wall time: 47.2 s, 4 min 12 s."""
    x = number(seconds)
    if x is None:
        return MISSING
    if x >= 60:
        minutes, rest = divmod(round(x), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{sig(x)} s"


def when(timestamp):
    """A saved UTC time as 2026-11-28 04:30 UTC; None as MISSING."""
    return MISSING if timestamp is None else units.when(timestamp)


def pdf_date(timestamp):
    """A saved UTC time as a PDF date string, D:20261128043000Z."""
    return datetime.strptime(timestamp, TIMESTAMP).strftime("D:%Y%m%d%H%M%SZ")


def names(items, conjunction="and"):
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def network(layer_sizes):
    """[64, 64, 10] -> 64-64-10."""
    return "-".join(str(n) for n in layer_sizes)


def _bare_ratio(x):
    return ratio(x).rstrip(TIMES)


def ratio_ci(x, low=None, high=None):
    """A ratio with its 95% interval: 2.31x [2.25-2.38]; the ratio alone without one."""
    if low is None or high is None:
        return ratio(x)
    return f"{ratio(x)} [{_bare_ratio(low)}\u2013{_bare_ratio(high)}]"


def time_ci(median, low=None, high=None):
    """A time with its 95% interval in the median's unit: 1.23 ms [1.20-1.25]."""
    if low is None or high is None:
        return time(median)
    x = number(median)
    if x is None or not math.isfinite(x):
        return time(median)
    if x >= 60:     # minutes, all three in one unit: 23.0 min [22.4-23.3]
        return (f"{sig(x / 60)} min [{sig(number(low) / 60)}\u2013"
                f"{sig(number(high) / 60)}]")
    text = time(median)
    unit = text.split(" ")[-1]
    scale = {"ns": 1e-9, "\u00b5s": 1e-6, "ms": 1e-3, "s": 1.0}.get(unit)
    if scale is None:
        return text
    return f"{text} [{sig(low / scale)}\u2013{sig(high / scale)}]"


def time_of(found):
    """A Run.interval (median, low, high, saved) as text: the median with its 95% interval
    when the run saved one, else the median alone."""
    if not found:
        return MISSING
    median, low, high, saved = found
    return time_ci(median, low, high) if saved else time(median)
