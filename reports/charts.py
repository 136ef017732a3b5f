"""Vector charts drawn with reportlab.graphics: dots with their intervals on a log axis, and
line charts with log or linear axes. Every chart has labelled axes with units and a legend (or
labelled rows); lines differ in colour, dash pattern and marker, so they stay apart in
greyscale; no text is drawn inside a plot, where a line could cross it."""

from __future__ import annotations

import math

from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from reports import fmt
from reports.style import COND, COND_BOLD, GREY, INK, LIGHT, RULE, WIDTH

TICK_SIZE = 7
LABEL_SIZE = 8
LEGEND_X = 24       # where a line chart's legend rows start
LABEL_GAP = 4       # points between two tick labels, at least


class Axis:
    """Maps data values to positions along `length` points from `start`."""

    def __init__(self, lo, hi, start, length, log):
        self.lo, self.hi, self.start, self.length, self.log = lo, hi, start, length, log

    def __call__(self, v):
        if self.log:
            t = (math.log10(v) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        else:
            t = (v - self.lo) / (self.hi - self.lo)
        return self.start + t * self.length

    def inside(self, v):
        if v is None or not math.isfinite(v) or (self.log and v <= 0):
            return False
        return self.lo * (1 - 1e-9) <= v <= self.hi * (1 + 1e-9) if self.lo > 0 else \
            self.lo - 1e-12 <= v <= self.hi + 1e-12


def log_ticks(lo, hi, label):
    """[(value, text or None)]: labelled decades; 2 and 5 labelled too on short axes."""
    first, last = round(math.log10(lo)), math.floor(math.log10(hi) + 1e-9)
    decades = math.log10(hi) - first
    ticks = []
    for d in range(first, last + 1):
        base = 10.0 ** d
        ticks.append((base, label(base)))
        for m in range(2, 10):
            if m * base > hi * (1 + 1e-9):
                break
            if decades <= 2.2 and m in (2, 5):
                ticks.append((m * base, label(m * base)))
            elif decades <= 7:
                ticks.append((m * base, None))
    return ticks


def linear_ticks(lo, hi, label, target=5, integer=False):
    """Nice round ticks covering [lo, hi] (whole numbers only if integer); (lo, hi, ticks)."""
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / target
    power = 10.0 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = min((m * power for m in steps if m * power >= raw), default=10 * power)
    if integer:
        step = max(step, 1.0)
    lo = math.floor(lo / step + 1e-9) * step
    hi = math.ceil(hi / step - 1e-9) * step
    n = round((hi - lo) / step)
    return lo, hi, [(lo + i * step, label(lo + i * step)) for i in range(n + 1)]


def _power_of_ten(value):
    """The exponent of value when it is a power of ten, else None."""
    if not value > 0:
        return None
    exponent = round(math.log10(value))
    return exponent if math.isclose(value, 10.0 ** exponent, rel_tol=1e-9) else None


def _thinnings(labelled):
    """Ever sparser sets of the labelled ticks, evenly spaced: all of them; then on a log axis
    the powers of ten alone; then every k-th of those (k = 2, 3, ...: powers of ten whose
    exponent k divides, else every k-th label from the first); at last the middle one."""
    yield labelled
    powers = [(v, t) for v, t in labelled if _power_of_ten(v) is not None]
    base = powers if len(powers) >= 2 else labelled
    if base is not labelled:
        yield base
    if base is powers:
        exponents = [_power_of_ten(v) for v, _ in base]
        strides = range(2, max(exponents) - min(exponents) + 1)
        for k in strides:
            kept = [(v, t) for (v, t), e in zip(base, exponents) if e % k == 0]
            if len(kept) >= 2:
                yield kept
    else:
        for k in range(2, len(base)):
            yield base[::k]
    if labelled:
        yield [labelled[len(labelled) // 2]]


def spaced(ticks, place, extent, low, high, gap=LABEL_GAP):
    """ticks with as many labels as fit, evenly thinned (_thinnings): no label within gap of
    the next, or out of [low, high]; the others become unlabelled ticks. place(value) is a
    tick's position along the axis, extent(text) its label's size along it."""
    labelled = [(v, t) for v, t in ticks if t]
    for keep in _thinnings(labelled):
        spans = sorted((place(v) - extent(t) / 2, place(v) + extent(t) / 2, v)
                       for v, t in keep)
        if all(a >= low and b <= high for a, b, _ in spans) and all(
                first[1] + gap <= second[0] for first, second in zip(spans, spans[1:])):
            kept = {v for _, _, v in spans}
            return [(v, t if v in kept else None) for v, t in ticks]
    return [(v, None) for v, _ in ticks]


def canvas_for(width, height):
    """An empty drawing. Its initial font is the report's: reportlab's default, Helvetica, is
    a font the report would otherwise list (unembedded) on every page with a chart."""
    return Drawing(width, height, initialFontName=COND, initialFontSize=LABEL_SIZE)


def _text(x, y, text, size=LABEL_SIZE, anchor="start", font=COND, colour=INK):
    return String(x, y, text, fontName=font, fontSize=size, textAnchor=anchor, fillColor=colour)


def _width(text, size=LABEL_SIZE, font=COND):
    return stringWidth(text, font, size)


def _vertical_text(drawing, x, y, text, size=LABEL_SIZE):
    """Text rotated 90 degrees, centred on (x, y)."""
    from reportlab.graphics.shapes import Group  # noqa: PLC0415 - for rotated labels only
    group = Group(_text(0, 0, text, size, "middle"))
    group.transform = (0, 1, -1, 0, x, y)
    drawing.add(group)


def _fit_title(text, length, size=LABEL_SIZE):
    """(size, lines) of an axis title that must fit `length` points: smaller type down to
    6.5 pt, then two lines."""
    while size > 6.5 and _width(text, size) > length:
        size -= 0.5
    if _width(text, size) <= length or " " not in text:
        return size, [text]
    words = text.split(" ")
    cut = min(range(1, len(words)), key=lambda k: abs(_width(" ".join(words[:k]), size)
                                                       - _width(" ".join(words[k:]), size)))
    return size, [" ".join(words[:cut]), " ".join(words[cut:])]


def _x_axis(xs, log, ticks, label, integer):
    """(lo, hi, ticks) of a line chart's x axis: fitted to the data on a log axis (or spanning
    the ticks given), exactly the data on a linear one with ticks at round values inside."""
    if log:
        if ticks is None:
            lo, hi = fitted_log_range(xs, pad=0.03)
            return lo, hi, _dot_ticks(lo, hi, label)
        lo, hi = min(v for v, _ in ticks), max(v for v, _ in ticks)
        if hi <= lo:                                 # one tick: half a decade around it
            lo, hi = fitted_log_range([lo], pad=0.03)
        return lo, hi, ticks
    lo, hi = min(xs, default=0), max(xs, default=1)
    if hi <= lo:
        hi = lo + 1
    _, _, ticks = linear_ticks(lo, hi, label, integer=integer)
    return lo, hi, [(v, t) for v, t in ticks if lo - 1e-9 <= v <= hi + 1e-9]


def _y_axis(series, log, label):
    """(lo, hi, ticks) of a line chart's y axis, fitted to the points (and their bars)."""
    ys = [y for s in series for _, y in s["points"] if y is not None and math.isfinite(y)]
    if log:
        ys = [y for y in ys if y > 0]
        bars = [v for s in series for _, low, high in s.get("bars") or [] for v in (low, high)]
        lo, hi = fitted_log_range(ys + bars)
        return lo, hi, _dot_ticks(lo, hi, label)
    lo = min(ys, default=0.0)
    return linear_ticks(min(lo, 0.0) if lo >= 0 else lo, max(ys, default=1.0), label)


def _legend_rows(series, width):
    """The legend's entries [(name, series, width)] in rows that fit the chart's width."""
    rows, current, used = [], [], 0
    for s in series:
        w = 34 + _width(s["name"]) + 14
        if current and used + w - 14 > width - LEGEND_X:
            rows.append(current)
            current, used = [], 0
        current.append((s["name"], s, w))
        used += w
    if current:
        rows.append(current)
    return rows


def _draw_frame(drawing, ax, ay, x_ticks, y_ticks, x_title, y_title_lines, title_size):
    """Grid lines and labels of both axes' ticks, the plot's frame and the axis titles."""
    left, bottom, plot_w, plot_h = ax.start, ay.start, ax.length, ay.length
    for value, text in x_ticks:
        if not ax.inside(value):
            continue
        x = ax(value)
        drawing.add(Line(x, bottom, x, bottom + plot_h, strokeColor=LIGHT if text is None else
                         RULE, strokeWidth=0.4))
        drawing.add(Line(x, bottom, x, bottom - 3, strokeColor=INK, strokeWidth=0.5))
        if text is not None:
            drawing.add(_text(x, bottom - 11, text, TICK_SIZE, "middle"))
    for value, text in y_ticks:
        if not ay.inside(value):
            continue
        y = ay(value)
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=LIGHT if text is None else RULE,
                         strokeWidth=0.4))
        drawing.add(Line(left - 3, y, left, y, strokeColor=INK, strokeWidth=0.5))
        if text is not None:
            drawing.add(_text(left - 5, y - 2.5, text, TICK_SIZE, "end"))
    drawing.add(Rect(left, bottom, plot_w, plot_h, fillColor=None, strokeColor=INK,
                     strokeWidth=0.6))
    drawing.add(_text(left + plot_w / 2, bottom - 23, x_title, LABEL_SIZE, "middle"))
    for k, line in enumerate(y_title_lines):
        _vertical_text(drawing, 8 + 9 * k, bottom + plot_h / 2, line, title_size)


def _draw_series(drawing, series, ax, ay):
    """Each series: its line, the interval bar of each point, its (staggered) markers."""
    for s in series:
        pts = [(ax(x), ay(y)) for x, y in s["points"]
               if ax.inside(x) and y is not None and ay.inside(y)]
        if len(pts) >= 2:
            flat = [c for p in pts for c in p]
            drawing.add(PolyLine(flat, strokeColor=s["colour"], strokeWidth=1.3,
                                 strokeDashArray=s.get("dash"), fillColor=None))
        for x, low, high in s.get("bars") or []:     # the interval of each point, if saved
            if ax.inside(x) and ay.inside(low) and ay.inside(high):
                drawing.add(Line(ax(x), ay(low), ax(x), ay(high), strokeColor=s["colour"],
                                 strokeWidth=0.9))
                for yb in (ay(low), ay(high)):
                    drawing.add(Line(ax(x) - 2.5, yb, ax(x) + 2.5, yb, strokeColor=s["colour"],
                                     strokeWidth=0.7))
        every = s.get("marker_every", 1)
        phase = s.get("marker_phase", 0) % max(every, 1)
        for i, (x, y) in enumerate(pts):
            if (i - phase) % every == 0 or len(pts) == 1:
                drawing.add(_marker(s, x, y))


def _draw_legend(drawing, rows, top):
    """The legend's rows below the plot, the first at top: a line, a marker, the name."""
    y = top
    for row in rows:
        x = LEGEND_X
        for name, s, w in row:
            drawing.add(Line(x, y + 3, x + 26, y + 3, strokeColor=s["colour"], strokeWidth=1.3,
                             strokeDashArray=s.get("dash")))
            drawing.add(_marker(s, x + 13, y + 3))
            drawing.add(_text(x + 31, y, name))
            x += w
        y -= 13


def line_chart(series, *, x_title, y_title, x_log=True, y_log=True, width=WIDTH, height=220,
               x_ticks=None, x_label=fmt.axis_number, y_label=fmt.axis_number, caption=None,
               x_integer=False):
    """Lines with markers on log or linear axes, and a legend below the plot.

    series: dicts with name, points [(x, y)], colour, dash, marker, and optional bars
    [(x, low, high)] (each point's interval), marker_every / marker_phase (markers on every
    n-th point, staggered between series so that curves lying on one another still show each
    marker).
    """
    xs = [x for s in series for x, _ in s["points"]]
    x_lo, x_hi, x_ticks = _x_axis(xs, x_log, x_ticks, x_label, x_integer)
    y_lo, y_hi, y_ticks = _y_axis(series, y_log, y_label)
    legend = _legend_rows(series, width)
    legend_h = 13 * len(legend) + 4
    tick_w = max((_width(t, TICK_SIZE) for _, t in y_ticks if t), default=10)
    bottom = legend_h + 30
    top = 8 + (12 if caption else 0)
    title_size, title_lines = _fit_title(y_title, height - bottom - top)
    left = tick_w + 22 + 9 * (len(title_lines) - 1)
    drawing = canvas_for(width, height)
    if caption:
        drawing.add(_text(0, height - 10, caption, 8.5, font=COND_BOLD))
    ax = Axis(x_lo, x_hi, left, width - left - 10, x_log)
    ay = Axis(y_lo, y_hi, bottom, height - bottom - top, y_log)
    x_ticks = spaced([(v, t) for v, t in x_ticks if ax.inside(v)], ax,
                     lambda t: _width(t, TICK_SIZE), 0, width)
    y_ticks = spaced([(v, t) for v, t in y_ticks if ay.inside(v)], ay,
                     lambda t: TICK_SIZE, 0, height, gap=2)
    _draw_frame(drawing, ax, ay, x_ticks, y_ticks, x_title, title_lines, title_size)
    _draw_series(drawing, series, ax, ay)
    _draw_legend(drawing, legend, legend_h - 10)
    return drawing


def _marker(s, x, y, size=5):
    marker = makeMarker(s["marker"])
    marker.x, marker.y, marker.size = x, y, size
    marker.fillColor = s["colour"]
    marker.strokeColor = INK if s["marker"] not in ("Circle", "Square", "Triangle", "Diamond") \
        else s["colour"]
    marker.strokeWidth = 0.5
    if s["marker"] in ("Circle", "Square", "Triangle", "Diamond"):
        marker.fillColor = colors.white
        marker.strokeWidth = 1.0
    return marker


def dot_chart(groups, *, axis_title, tick_label=fmt.axis_number, value_label=None,
              width=WIDTH, refs=(), max_height=560, span=None):
    """Dots with their intervals on a log axis: one row per item, items grouped in bands.

    groups: [(group label or None, [item, ...])]; an item is a dict with label, value (None:
    `note` is written in the plot instead), low and high (the interval drawn as a whisker;
    dashed when item["spread"] is True, i.e. a spread rather than a confidence interval),
    style (colour, dash, marker), hollow (an open marker: a peer), and note. value_label(item)
    gives the text of the column right of the plot (no label ever sits inside the plot).
    refs: [(value, text)] dashed vertical lines, labelled above the plot. Rows get closer
    when there are many, so that the chart stays within max_height points where it can.
    span: (low, high) of the axis, for charts that continue one another (else fitted).
    """
    rows = sum(len(items) for _, items in groups)
    row = max(min(10.0, (max_height - 50) / max(rows, 1)), 7.5)   # many rows: tighter rows
    size = min(LABEL_SIZE, row - 1.5)                                # and smaller labels
    group_w = max((_width(g, LABEL_SIZE, COND_BOLD) for g, _ in groups if g), default=0)
    group_w = group_w + 8 if group_w else 0
    label_w = max((_width(item["label"], size) for _, items in groups for item in items),
                  default=30) + 8
    top = 4 + (12 if refs else 0)
    axis_h = 30
    height = top + row * max(rows, 1) + axis_h
    drawing = canvas_for(width, height)
    x0 = group_w + label_w
    value_width = max((_width(value_label(item), size) for _, items in groups
                       for item in items), default=0) + 8 if value_label else 6
    plot_w = width - x0 - value_width
    values = [v for _, items in groups for item in items
              for v in (item.get("value"), item.get("low"), item.get("high"))]
    values += [v for v, _ in refs]
    lo, hi = span or fitted_log_range(values)
    if span is None:
        pad = 6 / plot_w * math.log10(hi / lo)  # and 6 points clear of the frame: a dot's size
        lo, hi = lo / 10 ** pad, hi * 10 ** pad
    axis = Axis(lo, hi, x0, plot_w, log=True)
    y_axis, y_top = axis_h, height - top
    # bands: every other group on a light ground, so the groups read as blocks
    y = y_top
    for k, (group, items) in enumerate(groups):
        band = row * len(items)
        if k % 2 == 0:
            drawing.add(Rect(0, y - band, x0 + plot_w, band, fillColor=colors.HexColor(
                "#f4f5f7"), strokeColor=None, strokeWidth=0))
        if group:
            drawing.add(_text(0, y - band / 2 - 3, group, LABEL_SIZE, font=COND_BOLD))
        y -= band
    ticks = spaced(_dot_ticks(lo, hi, tick_label), axis, lambda t: _width(t, TICK_SIZE), 0,
                   width)
    for value, text in ticks:
        x = axis(value)
        drawing.add(Line(x, y_axis, x, y_top, strokeColor=LIGHT if text is None else RULE,
                         strokeWidth=0.4))
        drawing.add(Line(x, y_axis, x, y_axis - (2.5 if text is None else 4), strokeColor=INK,
                         strokeWidth=0.5))
        if text is not None:
            drawing.add(_text(x, y_axis - 12, text, TICK_SIZE, "middle"))
    drawing.add(Line(x0, y_axis, x0 + plot_w, y_axis, strokeColor=INK, strokeWidth=0.6))
    drawing.add(_text(x0 + plot_w / 2, 2, axis_title, LABEL_SIZE, "middle"))
    for value, text in refs:
        if not axis.inside(value):
            continue
        x = axis(value)
        drawing.add(Line(x, y_axis, x, y_top, strokeColor=INK, strokeWidth=0.8,
                         strokeDashArray=(3, 2)))
        anchor = "end" if x + _width(text, TICK_SIZE) / 2 > x0 + plot_w else "middle"
        drawing.add(_text(x, y_top + 3, text, TICK_SIZE, anchor))
    y = y_top
    for _, items in groups:
        for item in items:
            yc = y - row / 2
            y -= row
            colour = item["style"][0]
            drawing.add(_text(x0 - 4, yc - 0.35 * size, item["label"], size, "end",
                              colour=GREY if item.get("hollow") else INK))
            if value_label:
                drawing.add(_text(x0 + plot_w + 6, yc - 0.35 * size, value_label(item), size))
            value = item.get("value")
            if value is None or not axis.inside(value):
                continue                    # the value column says why (no text in the plot)
            low, high = item.get("low"), item.get("high")
            if low is not None and high is not None and axis.inside(low) and axis.inside(high):
                xl, xh = axis(low), axis(high)
                dash = (1.5, 1) if item.get("spread") else None
                drawing.add(Line(xl, yc, xh, yc, strokeColor=colour, strokeWidth=1.2,
                                 strokeDashArray=dash))
                for xe in (xl, xh):
                    drawing.add(Line(xe, yc - 2.5, xe, yc + 2.5, strokeColor=colour,
                                     strokeWidth=0.8))
            marker = item["style"][2]
            if item.get("hollow"):
                marker = {"FilledSquare": "Square", "FilledCircle": "Circle",
                          "FilledTriangle": "Triangle", "FilledDiamond": "Diamond"}.get(
                    marker, marker)
            drawing.add(_marker({"marker": marker, "colour": colour}, axis(value), yc,
                                size=6.5 if "Triangle" in marker else 5.5))
    return drawing


def fitted_log_range(values, pad=0.08):
    """Log-axis bounds fitted to the positive values: pad decades beyond the smallest and
    the largest, and at least half a decade in all."""
    positive = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    if not positive:
        positive = [1.0, 10.0]
    lo, hi = min(positive) / 10 ** pad, max(positive) * 10 ** pad
    if math.log10(hi / lo) < 0.5:
        middle = math.sqrt(lo * hi)
        lo, hi = middle / 10 ** 0.25, middle * 10 ** 0.25
    return lo, hi


def _dot_ticks(lo, hi, label):
    """[(value, text or None)] inside [lo, hi]: decades labelled; 2 and 5 labelled too when
    the axis spans under about two decades; at least two labelled ticks."""
    span = math.log10(hi / lo)
    ticks = []
    for d in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        base = 10.0 ** d
        for m in range(1, 10):
            v = m * base
            if not lo <= v <= hi:
                continue
            if m == 1 or (span <= 2.2 and m in (2, 5)) or (span <= 0.8 and m in (3, 4, 6, 8)):
                ticks.append((v, label(v)))
            elif span <= 7:
                ticks.append((v, None))
    return ticks
