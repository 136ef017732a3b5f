"""The look of every report page: fonts, colours and line styles per implementation, paragraph
styles, tables, headings that become bookmarks, and the page template with its footer."""

from __future__ import annotations

import os

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Preformatted,
    Spacer,
    Table,
    TableStyle,
)

PAGE = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 50, 52, 58
WIDTH = PAGE[0] - 2 * MARGIN_X                      # usable text width in points (495)
TITLE = "Backpropagation in pure Python, NumPy and Fortran 95"

# ---------------------------------------------------------------------------------- fonts
# DejaVu (Debian's fonts-dejavu-core, pulled in by poppler-utils) has the Greek and the
# mathematical signs the equations need; without it the report falls back to the PDF base
# fonts and writes the symbols out in ASCII.
_DEJAVU_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/TTF",
                "/usr/share/fonts/dejavu", "/usr/local/share/fonts")
_FONT_FILES = {
    "Sans": "DejaVuSans.ttf", "Sans-Bold": "DejaVuSans-Bold.ttf",
    "Sans-Oblique": "DejaVuSans-Oblique.ttf", "Sans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
    "Cond": "DejaVuSansCondensed.ttf", "Cond-Bold": "DejaVuSansCondensed-Bold.ttf",
    "Cond-Oblique": "DejaVuSansCondensed-Oblique.ttf",
    "Cond-BoldOblique": "DejaVuSansCondensed-BoldOblique.ttf",
    "Mono": "DejaVuSansMono.ttf", "Mono-Bold": "DejaVuSansMono-Bold.ttf",
}


def _find_fonts():
    for folder in _DEJAVU_DIRS:
        paths = {key: os.path.join(folder, name) for key, name in _FONT_FILES.items()}
        if all(os.path.isfile(path) for path in paths.values()):
            return paths
    return None


def _register():
    paths = _find_fonts()
    if paths is None:
        if "ReportMono" not in pdfmetrics.getRegisteredFontNames():   # <font face=ReportMono>
            pdfmetrics.registerFont(pdfmetrics.Font("ReportMono", "Courier", "WinAnsiEncoding"))
        return {"Sans": "Helvetica", "Sans-Bold": "Helvetica-Bold",
                "Sans-Oblique": "Helvetica-Oblique", "Cond": "Helvetica",
                "Cond-Bold": "Helvetica-Bold", "Mono": "Courier", "Mono-Bold": "Courier-Bold"
                }, False
    fonts = {}
    for key, path in paths.items():
        name = "Report" + key
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path))
        fonts[key] = name
    for family in ("Sans", "Cond"):
        pdfmetrics.registerFontFamily(
            fonts[family], normal=fonts[family], bold=fonts[family + "-Bold"],
            italic=fonts[family + "-Oblique"], boldItalic=fonts[family + "-BoldOblique"])
    pdfmetrics.registerFontFamily(fonts["Mono"], normal=fonts["Mono"], bold=fonts["Mono-Bold"],
                                  italic=fonts["Mono"], boldItalic=fonts["Mono-Bold"])
    return fonts, True


FONTS, UNICODE = _register()

# Every character beyond ASCII that the report prints, in a fixed order. Each section's PDF
# gives these the same codes in the same font subset before it draws anything (prime_fonts),
# so that every section embeds byte-identical subsets and the merge keeps one copy of each
# face. A character not listed still prints; it only costs that section its own subset.
GLYPHS = ("\u00b1\u00b5\u00b7\u00bd\u00d7\u03a3\u03b4\u03b7\u03c3\u2013\u2014\u2026"
          "\u2032\u2190\u21aa\u2207\u2212\u2264\u2265\u2299\u2713\u2717\u00b2\u00b0\u00e9"
          "\u2192")


# The faces the report sets (the others only if markup asks for them: bold italic, ...).
PRIMED = ("Sans", "Sans-Bold", "Sans-Oblique", "Cond", "Cond-Bold", "Mono")


def prime_fonts(canvas):
    """Give every embedded font of canvas's document its internal name, and GLYPHS their
    codes, in a fixed order: the same font objects in every section."""
    for key in PRIMED:
        font = pdfmetrics.getFont(FONTS[key])
        if isinstance(font, TTFont):
            font.getSubsetInternalName(0, canvas._doc)
            font.splitString(GLYPHS, canvas._doc)
SANS, BOLD, COND, COND_BOLD, MONO = (FONTS["Sans"], FONTS["Sans-Bold"], FONTS["Cond"],
                                     FONTS["Cond-Bold"], FONTS["Mono"])
CODE_FONT = "ReportMono"    # for <font face=...> in paragraphs: embedded like the rest


def sym(unicode_text, ascii_text):
    """unicode_text when the fonts have its glyphs, else ascii_text."""
    return unicode_text if UNICODE else ascii_text


# ------------------------------------------------------------------------- implementations
# Okabe-Ito hues picked so that their grey levels are spread out (dark to light), and each
# also has its own dash pattern and marker, so that lines stay apart in greyscale print.
INK = colors.HexColor("#222222")
GREY = colors.HexColor("#777777")
LIGHT = colors.HexColor("#e9ecef")
RULE = colors.HexColor("#adb5bd")
GOOD = colors.HexColor("#1b7837")
BAD = colors.HexColor("#b2182b")
BAD_BG = colors.HexColor("#f6d3d3")
WARN_BG = colors.HexColor("#fff1d6")
GOOD_BG = colors.HexColor("#d9eedf")

IMPL_STYLE = {
    # name: (colour, dash pattern, marker)
    "python": (colors.HexColor("#1d2f6f"), None, "FilledSquare"),
    "torch": (colors.HexColor("#8c2d04"), (7, 2, 2, 2), "Diamond"),
    "fortran": (colors.HexColor("#009e73"), (2, 2), "FilledTriangle"),
    "numpy": (colors.HexColor("#e69f00"), (6, 3), "FilledCircle"),
    "sklearn": (colors.HexColor("#7fc4ee"), (3, 1.5), "Cross"),
    "numpy-loop": (colors.HexColor("#cc79a7"), (1, 1.5), "Circle"),
}
_EXTRA = [(colors.HexColor("#56b4e9"), (1, 1), "Circle"),
          (colors.HexColor("#555555"), (9, 3), "Square"),
          (colors.HexColor("#f0e442"), (4, 2, 1, 2), "Triangle")]


def impl_style(name):
    """(colour, dash, marker) of an implementation or peer; unknown names get spare styles."""
    if name in IMPL_STYLE:
        return IMPL_STYLE[name]
    return _EXTRA[sum(map(ord, name)) % len(_EXTRA)]


# ------------------------------------------------------------------------ paragraph styles
def _style(name, **kw):
    base = dict(fontName=SANS, fontSize=9.5, leading=13, textColor=INK, alignment=TA_LEFT)
    base.update(kw)
    return ParagraphStyle(name, **base)


BODY = _style("body", spaceAfter=5)
SMALL = _style("small", fontSize=8, leading=10.2, textColor=GREY, spaceAfter=4)
NOTE = _style("note", fontSize=8.5, leading=11, spaceAfter=4, leftIndent=8,
              borderPadding=(4, 6, 4, 6), backColor=colors.HexColor("#fff4e0"),
              borderColor=colors.HexColor("#e69f00"), borderWidth=0.5, spaceBefore=4)
CELL = _style("cell", fontName=COND, fontSize=8, leading=9.6)
CELL_BOLD = _style("cellbold", fontName=COND_BOLD, fontSize=8, leading=9.6)
CELL_BOLD_RIGHT = _style("cellboldright", fontName=COND_BOLD, fontSize=8, leading=9.6,
                         alignment=2)
CELL_RIGHT = _style("cellright", fontName=COND, fontSize=8, leading=9.6, alignment=2)
H1 = _style("h1", fontName=BOLD, fontSize=17, leading=21, spaceBefore=0, spaceAfter=8)
COVER = _style("cover", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4)
H2 = _style("h2", fontName=BOLD, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4)
H3 = _style("h3", fontName=BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
CODE = _style("code", fontName=MONO, fontSize=7.5, leading=9.0)
CODE_TITLE = _style("codetitle", fontName=COND_BOLD, fontSize=8, leading=10)


def esc(text):
    """text made safe for Paragraph markup."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def sentence(text):
    """text (escaped) ending in exactly one full stop."""
    text = esc(str(text).strip())
    return text if text.endswith((".", "!", "?")) else text + "."


def para(text, style=BODY):
    """A paragraph of reportlab markup."""
    return Paragraph(text, style)


def note(text):
    """A highlighted remark (something missing, something that does not agree)."""
    return Paragraph(text, NOTE)


def space(height=6):
    return Spacer(1, height)


class Heading(Paragraph):
    """A heading; with outline_level set it becomes a bookmark in the merged report."""

    def __init__(self, text, style, outline_level=None, outline_title=None):
        super().__init__(text, style)
        self.outline_level = outline_level
        self.outline_title = outline_title
        self.keepWithNext = 1


class Mark(Spacer):
    """A bookmark without ink: for headings drawn inside a table (whose cells the document
    template does not see flow by)."""

    def __init__(self, title, level=1):
        super().__init__(0, 0)
        self.outline_level = level
        self.outline_title = title


def h1(text):
    return Heading(esc(text), H1, outline_level=0, outline_title=text)


def h2(text, bookmark=True, title=None):
    return Heading(esc(text), H2, outline_level=1 if bookmark else None,
                   outline_title=title or text)


def h3(text):
    return Heading(esc(text), H3)


# ----------------------------------------------------------------------------------- tables
# The tallest a table cell's text may wrap to: a row never splits, so a longer text (a run
# folder's path of thousands of characters) is shortened in its middle with an ellipsis.
MAX_CELL_HEIGHT = 160
CELL_PADDING = 6                 # left and right, as the table style sets them


def _shortened(text, keep):
    """text with all but `keep` of its characters replaced by an ellipsis in its middle."""
    tail = keep // 2
    return text[:keep - tail] + "\u2026" + (text[len(text) - tail:] if tail else "")


def _text_height(text, style, width):
    return Paragraph(esc(text), style).wrap(width, 1e6)[1]


def _fitted(text, style, width):
    """text, or text shortened in its middle so that it wraps within MAX_CELL_HEIGHT at width."""
    lines = pdfmetrics.stringWidth(text, style.fontName, style.fontSize) / max(width, 1)
    if (lines * 1.5 + 2) * style.leading <= MAX_CELL_HEIGHT or \
            _text_height(text, style, width) <= MAX_CELL_HEIGHT:
        return text
    low, high = 0, len(text)                 # characters kept: low fits, high does not
    while high - low > 1:
        middle = (low + high) // 2
        if _text_height(_shortened(text, middle), style, width) <= MAX_CELL_HEIGHT:
            low = middle
        else:
            high = middle
    return _shortened(text, low)


def cell(value, style=CELL):
    """A table cell: Paragraphs stay, everything else becomes a wrapped Paragraph."""
    if hasattr(value, "wrap"):
        return value
    return Paragraph(esc(value), style)


def table(rows, widths, *, header=1, right=(), bold_rows=(), shade=None, keep=True,
          font_size=None, spans=()):
    """A ruled table: header rows bold on grey, zebra stripes, `right` columns right-aligned.

    rows are lists of strings (escaped and wrapped here) or flowables; widths in points (None
    entries share what is left of the text width). shade: {(col, row): colour}.
    """
    fixed = sum(w for w in widths if w is not None)
    free = [i for i, w in enumerate(widths) if w is None]
    if free:
        share = max((WIDTH - fixed) / len(free), 30)
        widths = [share if w is None else w for w in widths]
    spanned = {(c0, r): sum(widths[c0:c1 + 1]) for c0, r, c1 in spans}
    body = []
    for r, row in enumerate(rows):
        styled = []
        for c, value in enumerate(row):
            if r < header or r in bold_rows:
                style = CELL_BOLD_RIGHT if c in right else CELL_BOLD
            elif c in right:
                style = CELL_RIGHT
            else:
                style = CELL
            if font_size and not hasattr(value, "wrap"):
                style = ParagraphStyle(style.name + "s", parent=style, fontSize=font_size,
                                       leading=font_size * 1.2)
            if not hasattr(value, "wrap"):
                value = _fitted(str(value), style,
                                spanned.get((c, r), widths[c]) - CELL_PADDING)
            styled.append(cell(value, style))
        body.append(styled)
    commands = [
        ("FONTNAME", (0, 0), (-1, -1), COND),       # else reportlab sets Helvetica per cell
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, header - 1), (-1, header - 1), 0.5, INK),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, INK),
        ("BACKGROUND", (0, 0), (-1, header - 1), LIGHT),
    ]
    for r in range(header, len(rows)):
        if (r - header) % 2 == 1:
            commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f7f7f9")))
    for (c, r), colour in (shade or {}).items():
        commands.append(("BACKGROUND", (c, r), (c, r), colour))
    for c0, r, c1 in spans:
        commands.append(("SPAN", (c0, r), (c1, r)))
    result = Table(body, colWidths=widths, repeatRows=header, hAlign="LEFT")
    result.setStyle(TableStyle(commands))
    result.keep_whole = keep and len(rows) < 30
    return result


def _height(flowables):
    """The height flowables take at the text width (with their space before and after)."""
    total = 0.0
    for flowable in flowables:
        total += flowable.wrap(WIDTH, 10000)[1]
        total += flowable.getSpaceBefore() + flowable.getSpaceAfter()
    return total


def glue(story):
    """Keep each heading with what follows it up to its first table or chart (inclusive), and
    short tables whole, so that no heading or table is stranded at the foot of a page."""
    out, i = [], 0
    while i < len(story):
        item = story[i]
        if isinstance(item, Heading):
            j = i + 1
            while j < len(story):
                if isinstance(story[j], Heading):
                    if not all(isinstance(f, Heading) for f in story[i:j]):
                        break           # a new heading after text starts its own group
                elif not isinstance(story[j], (Paragraph, Spacer)):
                    break
                j += 1
            group = story[i:j]
            nxt = story[j] if j < len(story) and not isinstance(story[j], Heading) else None
            if isinstance(nxt, Table) and not getattr(nxt, "keep_whole", False):
                # a long table may split: keep the heading with its first rows only, by
                # starting a new page when fewer than about five rows would follow it
                for flowable in group:
                    if isinstance(flowable, Heading):
                        flowable.keepWithNext = 0
                out.append(CondPageBreak(_height(group) + 70))
                out.append(KeepTogether(group))
                i = j
                continue
            if nxt is not None:
                # a KeepTogether inside a KeepTogether always breaks the page: flatten it
                group += list(nxt._content) if isinstance(nxt, KeepTogether) else [nxt]
                j += 1
            for flowable in group:
                if isinstance(flowable, Heading):
                    flowable.keepWithNext = 0
            out.append(KeepTogether(group))
            i = j
        elif getattr(item, "keep_whole", False):
            out.append(KeepTogether([item]))
            i += 1
        else:
            out.append(item)
            i += 1
    return out


def code(text):
    """A block of source code, as written (no wrapping)."""
    return Preformatted(text, CODE)


# ----------------------------------------------------------------------- document template
class SectionDoc(BaseDocTemplate):
    """One section as its own PDF: footer with the report's page numbers, headings recorded
    (level, title, page) so that the merged report can bookmark them."""

    def __init__(self, stream, *, section, first_page_label, title, subject, label_style="D"):
        super().__init__(stream, pagesize=PAGE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
                         topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, title=title,
                         subject=subject, author="", creator="reports", invariant=1,
                         pageCompression=1, initialFontName=SANS, initialFontSize=9.5)
        self.section = section
        self.first_page_label = first_page_label
        self.label_style = label_style
        self.marks = []
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, PAGE[0] - 2 * MARGIN_X,
                      PAGE[1] - MARGIN_TOP - MARGIN_BOTTOM, id="page", leftPadding=0,
                      rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._footer,
                                            pagesize=PAGE)])

    def page_label(self, page):
        number = self.first_page_label + page - 1
        return roman(number) if self.label_style == "r" else str(number)

    def _footer(self, canvas, doc):
        if doc.page == 1:
            prime_fonts(canvas)
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        y = MARGIN_BOTTOM - 22
        right = canvas._pagesize[0] - MARGIN_X
        canvas.line(MARGIN_X, y + 10, right, y + 10)
        canvas.setFillColor(GREY)
        canvas.setFont(SANS, 7.5)
        canvas.drawString(MARGIN_X, y, f"{TITLE} \u00b7 {self.section}")
        canvas.drawRightString(right, y, f"page {self.page_label(doc.page)}")
        canvas.restoreState()

    def afterFlowable(self, flowable):
        level = getattr(flowable, "outline_level", None)
        if level is not None:
            self.marks.append((level, flowable.outline_title, self.page))


def roman(number):
    """Lower-case roman numeral (page labels of the front matter)."""
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while number >= value:
            out += letters
            number -= value
    return out

