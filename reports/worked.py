"""The algorithm, worked: the 2-2-2 network traced step by step with the numbers the
implementations computed, the equations of backpropagation in matrix form beside them, and the
backward pass of each implementation as saved from its source file, one after another."""

from __future__ import annotations

import textwrap

from reportlab.graphics.shapes import Circle, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Preformatted, Table, TableStyle

from bench.results import impl_key
from reports import fmt
from reports.charts import canvas_for
from reports.data import nested_difference
from reports.style import (
    BODY,
    CELL,
    CODE,
    CODE_TITLE,
    COND,
    COND_BOLD,
    INK,
    LIGHT,
    MONO,
    RULE,
    WIDTH,
    esc,
    h1,
    h2,
    note,
    para,
    space,
    sym,
    table,
)

TITLE = "The algorithm, worked"
BLURB = "the 2-2-2 network traced number by number beside the equations; the code"
L_MINUS_1 = "l\u22121"
LOOSE = ParagraphStyle("loose", parent=BODY, leading=18)
# an equation in a table cell: room below for subscripts, which would otherwise reach the rule
EQUATION = ParagraphStyle("equation", parent=CELL, leading=11, spaceAfter=2)
MAZUR = {"x": [[0.05, 0.10]], "y": [[0.01, 0.99]]}

# Symbols, with ASCII stand-ins when the fonts lack them.
DELTA, NABLA, HAD = sym("\u03b4", "delta"), sym("\u2207", "grad "), sym("\u2299", "*")
SIGMA, ETA, ARROW = sym("\u03c3", "sigma"), sym("\u03b7", "eta"), sym("\u2190", "<-")
PRIME, SUM, ONE = sym("\u2032", "'"), sym("\u03a3", "sum"), "1"


def sup(text):
    return f"<super>{text}</super>"


def sub(text):
    return f"<sub>{text}</sub>"


def W(l):
    return f"<i>W</i>{sup(l)}"


def v(name, l):
    return f"<i>{name}</i>{sup(l)}"


def d(l):
    return f"{DELTA}{sup(l)}"


def matrix(value):
    """A vector or matrix as rows of nine-significant-figure numbers in a monospaced font."""
    if not isinstance(value, list):
        return f"<font face='{MONO}'>{fmt.value(value)}</font>"
    rows = value if value and isinstance(value[0], list) else [value]
    lines = ["&nbsp;&nbsp;".join(fmt.value(x).rjust(12).replace(" ", "&nbsp;") for x in row)
             for row in rows]
    return f"<font face='{MONO}' size='7.3'>" + "<br/>".join(lines) + "</font>"


def _trace_steps(example, reference):
    """[(group, step, equation, value, key)]: the trace as rows; key picks the same quantity
    out of every implementation's trace for the agreement column."""
    trace = example["traces"][reference]
    n_layers = len(example["layer_sizes"]) - 1
    hidden = example["hidden_activation"]
    output = example["output_activation"]
    loss = example["loss"]
    f_hidden = SIGMA if hidden == "sigmoid" else hidden
    f_out = SIGMA if output == "sigmoid" else output
    rows = []
    rows.append(("Forward", "input", f"{v('a', 0)} = <i>x</i>", trace["a"][0], ("a", 0)))
    for l in range(1, n_layers + 1):
        f = f_out if l == n_layers else f_hidden
        rows.append(("Forward", f"layer {l}", f"{v('z', l)} = {v('a', l - 1)}{W(l)} + "
                     f"{v('b', l)}", trace["z"][l - 1], ("z", l - 1)))
        rows.append(("Forward", "", f"{v('a', l)} = {f}({v('z', l)})", trace["a"][l], ("a", l)))
    L = n_layers
    if loss == "mse":
        eq = (f"<i>C</i> = \u00bd {SUM}{sub('k')} ({v('a', L)}{sub('k')} \u2212 "
              f"<i>y</i>{sub('k')}){sup(2)}")
    else:
        eq = f"<i>C</i> = cross-entropy({v('a', L)}, <i>y</i>)"
    rows.append(("Forward", "loss", eq, trace["loss"], ("loss",)))
    if loss == "mse" and output == "sigmoid":
        out_eq = (f"{d(L)} = ({v('a', L)} \u2212 <i>y</i>) {HAD} {SIGMA}{PRIME}({v('z', L)}), "
                  f"{SIGMA}{PRIME}(<i>z</i>) = <i>a</i>(1 \u2212 <i>a</i>)")
    else:
        out_eq = f"{d(L)} = {NABLA}{sub('a')}<i>C</i> {HAD} <i>f</i>{PRIME}({v('z', L)})"
    for l in range(L, 0, -1):
        if l == L:
            rows.append(("Backward", "output delta", out_eq, trace["delta"][l - 1],
                         ("delta", l - 1)))
        else:
            rows.append(("Backward", f"delta {l}", f"{d(l)} = ({d(l + 1)} ({W(l + 1)}){sup('T')}) "
                         f"{HAD} {f_hidden}{PRIME}({v('z', l)})", trace["delta"][l - 1],
                         ("delta", l - 1)))
        rows.append(("Backward", f"gradient {l}", f"{NABLA}{W(l)} = ({v('a', l - 1)}){sup('T')}"
                     f" {d(l)}", trace["nabla_w"][l - 1], ("nabla_w", l - 1)))
        rows.append(("Backward", "", f"{NABLA}{v('b', l)} = {ONE}{sup('T')} {d(l)}  (column "
                     f"sums)", trace["nabla_b"][l - 1], ("nabla_b", l - 1)))
    eta = example["learning_rate"]
    for l in range(1, L + 1):
        rows.append(("Update", f"layer {l}", f"{W(l)} {ARROW} {W(l)} \u2212 {ETA} {NABLA}{W(l)}"
                     f"  ({ETA} = {eta})", trace["updated_params"][l - 1][0],
                     ("updated_params", l - 1, 0)))
        rows.append(("Update", "", f"{v('b', l)} {ARROW} {v('b', l)} \u2212 {ETA} "
                     f"{NABLA}{v('b', l)}", trace["updated_params"][l - 1][1],
                     ("updated_params", l - 1, 1)))
    return rows


def _pick(trace, key):
    value = trace[key[0]]
    for index in key[1:]:
        if not isinstance(value, list) or index >= len(value):
            return None
        value = value[index]
    return value


def _agreement(example, reference, key):
    traces = example["traces"]
    base = _pick(traces[reference], key)
    others = []
    for impl in sorted(traces, key=impl_key):
        if impl == reference:
            continue
        diff = nested_difference(_pick(traces[impl], key), base)
        others.append((impl, diff))
    if not others:
        return "only one trace saved"
    differing = [(i, diff) for i, diff in others if diff]
    if not differing:
        return f"identical in all {len(traces)}"
    same = [i for i, diff in others if not diff]
    text = "; ".join(f"{i}: {fmt.sci(diff)}" for i, diff in differing)
    return text + (f"; identical: {fmt.names(same)}" if same else "")


# Mazur's names for the 2-2-2 network: w1..w4 from the inputs (w1: i1->h1, w2: i2->h1,
# w3: i1->h2, w4: i2->h2), w5..w8 from the hidden units; W[l][i][j] is unit i -> unit j.
_MAZUR_WEIGHTS = {1: (0, 0, 0), 2: (0, 1, 0), 3: (0, 0, 1), 4: (0, 1, 1),
                  5: (1, 0, 0), 6: (1, 1, 0), 7: (1, 0, 1), 8: (1, 1, 1)}
_MAZUR_UNITS = {"h1": (1, 0), "h2": (1, 1), "o1": (2, 0), "o2": (2, 1)}


def published_key(name):
    """Where a published quantity of Mazur's example sits in a trace, or None."""
    if name in ("E_total", "loss"):
        return ("loss",)
    if name.startswith("w") and name.endswith("_updated") and name[1:-8].isdigit():
        spot = _MAZUR_WEIGHTS.get(int(name[1:-8]))
        return None if spot is None else ("updated_params", spot[0], 0, spot[1], spot[2])
    kind, _, unit = name.partition("_")
    if kind in ("out", "net") and unit in _MAZUR_UNITS:
        layer, index = _MAZUR_UNITS[unit]
        return ("a", layer, index) if kind == "out" else ("z", layer - 1, index)
    return None


def published_story(example, reference):
    published = example.get("published")
    if not published:
        return []
    trace = example["traces"][reference]
    rows = [["Quantity", "Published", f"Computed ({reference})", "Difference"]]
    for name, value in published.items():
        key = published_key(name)
        mine = fmt.number(_pick(trace, key)) if key else None
        ref = fmt.number(value)
        diff = abs(mine - ref) if mine is not None and ref is not None else None
        rows.append([name, fmt.value(ref), fmt.value(mine), fmt.sci(diff)])
    source = example.get("source") or "the published example"
    return [para(f"Against the values published in {esc(source)} (which prints them rounded "
                 f"to nine digits or fewer):"), table(rows, [90, 90, 110, None], right=(1, 2, 3))]


def diagram(example, trace):
    """The network drawn: units with their activations, edges labelled with initial weights."""
    sizes = example["layer_sizes"]
    if max(sizes) > 4 or len(sizes) > 4:
        return None
    width, height = 470, 150
    drawing = canvas_for(width, height)
    xs = [40 + i * (width - 120) / (len(sizes) - 1) for i in range(len(sizes))]
    names = ["x"] + ["h"] * (len(sizes) - 2) + ["o"]

    def ys(n):
        gap = 70
        top = height / 2 + (n - 1) * gap / 2
        return [top - i * gap for i in range(n)]

    params = example["params"]
    radius = 17
    labels = []
    for l in range(len(sizes) - 1):
        W_l = params[l][0]
        for i, y0 in enumerate(ys(sizes[l])):
            for j, y1 in enumerate(ys(sizes[l + 1])):
                x0, x1 = xs[l] + radius, xs[l + 1] - radius
                drawing.add(Line(x0, y0, x1, y1, strokeColor=RULE, strokeWidth=0.8))
                t = 0.22 if i == j else 0.34
                labels.append((x0 + t * (x1 - x0), y0 + t * (y1 - y0), fmt.value(W_l[i][j])))
    for lx, ly, text in labels:     # on a white ground over the edges, so no line crosses one
        w = stringWidth(text, COND, 7)
        drawing.add(Rect(lx - w / 2 - 1.5, ly - 2.2, w + 3, 8.4, fillColor=colors.white,
                         strokeColor=None, strokeWidth=0))
        drawing.add(String(lx, ly, text, fontName=COND, fontSize=7, textAnchor="middle",
                           fillColor=INK))
    for l, n in enumerate(sizes):
        for i, y in enumerate(ys(n)):
            drawing.add(Circle(xs[l], y, radius, fillColor=LIGHT, strokeColor=INK,
                               strokeWidth=0.7))
            drawing.add(String(xs[l], y + 1, f"{names[l]}{i + 1}", fontName=COND_BOLD,
                               fontSize=8, textAnchor="middle"))
            a = trace["a"][l][i]
            drawing.add(String(xs[l], y - 8, f"{a:.4f}", fontName=COND, fontSize=6.5,
                               textAnchor="middle"))
            if l > 0:
                b = params[l - 1][1][i]
                drawing.add(String(xs[l], y - radius - 9, f"b = {fmt.value(b)}", fontName=COND,
                                   fontSize=6.5, textAnchor="middle", fillColor=INK))
        if l == len(sizes) - 1:
            for i, y in enumerate(ys(n)):
                target = example["y"][0][i]
                drawing.add(String(xs[l] + radius + 6, y - 3, f"target {fmt.value(target)}",
                                   fontName=COND, fontSize=7.5))
    return drawing


def code_lines(src, width):
    """The lines of one excerpt, numbered as in the source file, long lines wrapped to fit
    width points at the code size."""
    chars = max(int((width - 8) / (CODE.fontSize * 0.602)), 20)
    if not src["text"]:
        reason = src.get("error") or "no text saved"
        return textwrap.wrap(f"(source not available: {reason})", chars)
    first = src["first_line"] or 1
    lines = []
    for k, line in enumerate(src["text"].rstrip("\n").split("\n")):
        number = f"{first + k:4d} "
        indent = line[:len(line) - len(line.lstrip())]
        pieces = textwrap.wrap(line, chars - 5, subsequent_indent=indent + sym("\u21aa ", "> "),
                               replace_whitespace=False, break_on_hyphens=False) or [""]
        lines.append(number + pieces[0])
        lines.extend("     " + piece for piece in pieces[1:])
    return lines


def code_story(run):
    """Each implementation's excerpt in a ruled block the width of the page, one after the
    other in the order of the tables (a block may break between chunks of lines)."""
    sources = run.doc["sources"]
    impls = sorted(sources, key=impl_key)
    if not impls:
        return [note("No source excerpts were saved with these results.")]
    out = []
    for impl in impls:
        src = sources[impl]
        count = len(src["text"].rstrip("\n").split("\n"))
        first = src["first_line"] or 1
        lines = (f", lines {first}\u2013{first + count - 1}" if src["text"] else "")
        header = Paragraph(f"{esc(impl)} \u2014 {esc(src['path'])}{lines} "
                           f"({esc(src['language'])})", CODE_TITLE)
        text = code_lines(src, WIDTH)
        chunk = 12
        data = [[header]] + [[Preformatted("\n".join(text[i:i + chunk]), CODE)]
                             for i in range(0, len(text), chunk)]
        t = Table(data, colWidths=[WIDTH], repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), COND),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK), ("LINEBELOW", (0, 0), (-1, 0), 0.5, INK),
            ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK), ("BACKGROUND", (0, 0), (-1, 0), LIGHT),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 1), (-1, -1), 0), ("BOTTOMPADDING", (0, 1), (-1, -1), 0),
            ("TOPPADDING", (0, 1), (-1, 1), 3), ("BOTTOMPADDING", (0, -1), (-1, -1), 4),
        ]))
        out += [t, space(8)]
    return out


def build(run):
    story = [h1(TITLE)]
    example = run.doc["worked_example"]
    traces = example["traces"] if example else {}
    if not example:
        story.append(note("No worked example was saved with these results (the run stopped "
                          "first): there are no traced numbers to show."))
    if example and traces:
        reference = run.reference() if run.reference() in traces else \
            sorted(traces, key=impl_key)[0]
        sizes = fmt.network(example["layer_sizes"])
        mazur = (example["x"] == MAZUR["x"] and example["y"] == MAZUR["y"])
        intro = (f"One step of gradient descent on a {sizes} network "
                 f"({esc(example['hidden_activation'])} hidden and "
                 f"{esc(example['output_activation'])} output units, "
                 f"{esc(example['loss'])} loss, learning rate {example['learning_rate']}) "
                 f"for one sample x = {example['x'][0]} with target y = {example['y'][0]}")
        if example.get("source"):
            intro += f": the example published in {esc(example['source'])}. "
        elif mazur:
            intro += ", the numbers of Matt Mazur's well-known step-by-step example. "
        else:
            intro += ". "
        intro += (f"Every number below was computed by the implementations when the results "
                  f"were saved ({esc(fmt.names(sorted(traces, key=impl_key)))}); the values "
                  f"shown are {esc(reference)}'s, and the last column says whether the others "
                  f"computed exactly the same bits or by how much (relative) they differ.")
        story.append(para(intro))
        story.append(para(
            f"Notation: one row per sample, so a layer computes <i>z</i> = <i>a</i><i>W</i> + "
            f"<i>b</i> with <i>W</i> of shape n{sub('in')} \u00d7 n{sub('out')}; {HAD} is the "
            f"elementwise product, {sup('T')} the transpose. For <i>L</i> layers the backward "
            f"pass is {d('L')} = {NABLA}{sub('a')}<i>C</i> {HAD} <i>f</i>{PRIME}({v('z', 'L')}), "
            f"then {d('l')} = ({d('l+1')} ({W('l+1')}){sup('T')}) {HAD} <i>f</i>{PRIME}"
            f"({v('z', 'l')}) going down, with {NABLA}{W('l')} = ({v('a', L_MINUS_1)}){sup('T')} "
            f"{d('l')} and {NABLA}{v('b', 'l')} = the column sums of {d('l')}.", LOOSE))
        trace = traces[reference]
        picture = diagram(example, trace)
        if picture is not None:
            story.append(h2("The network", title="The network"))
            story.append(para("Initial weights on the edges (read from the input side), biases "
                              "under each unit, and each unit's activation after the forward "
                              "pass inside it."))
            story.append(picture)
        errors = example["errors"]
        if errors:
            story.append(note("Tracing failed for " + esc("; ".join(
                f"{impl}: {text}" for impl, text in sorted(errors.items()))) + "."))
        story.extend(published_story(example, reference))
        steps = _trace_steps(example, reference)
        for group, title in (("Forward", "Forward pass"), ("Backward", "Backward pass"),
                             ("Update", "Update (one gradient-descent step)")):
            story.append(h2(title))
            rows = [["Step", "Equation (matrix form)", f"Value ({reference})",
                     "Agreement of the traces"]]
            for g, step, equation, value, key in steps:
                if g != group:
                    continue
                rows.append([step, Paragraph(equation, EQUATION), Paragraph(matrix(value), CELL),
                             _agreement(example, reference, key)])
            story.append(table(rows, [50, 170, 155, None]))
    story.append(h2("The backward pass in code"))
    code_run = run if run.doc["sources"] else None
    story.append(para("The backward pass of each implementation, from the output delta through "
                      "the loop back over the layers, exactly as it stood in the source files "
                      "when the results were saved (between the comment lines "
                      "<font face='ReportMono'>backward pass: begin</font> and "
                      "<font face='ReportMono'>backward pass: end</font>), with the files' line "
                      "numbers."))
    story.extend(code_story(code_run) if code_run else
                 [note("No source excerpts were saved with these results.")])
    story.append(space(4))
    return story

