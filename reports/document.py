"""A report's document: each section rendered as its own PDF with reportlab, then merged with
pypdf behind a front page into one document with a contents table, bookmarks, page labels
and metadata (the single run's report, reports.build, and the comparison, reports.compare).

The same results give the same bytes: reportlab runs in invariant mode, pypdf writes no file
identifier, and every date in the file is taken from the results (never from the clock)."""

from __future__ import annotations

import io

import pypdf
import reportlab
from pypdf import PdfReader, PdfWriter
from reportlab import rl_config

from bench import results
from reports import fmt
from reports.data import label
from reports.style import (
    CODE_FONT,
    COVER,
    H1,
    TITLE,
    SectionDoc,
    esc,
    glue,
    note,
    para,
    space,
    table,
)

rl_config.invariant = 1


def render(story, *, section, first_page, title, subject, label_style="D"):
    """(pdf bytes, marks [(level, title, page)], page count) of one section."""
    buffer = io.BytesIO()
    doc = SectionDoc(buffer, section=section, first_page_label=first_page, title=title,
                     subject=subject, label_style=label_style)
    doc.build(glue(story))
    return buffer.getvalue(), doc.marks, doc.page


def creation_date(runs):
    """The latest finish (or start) time among the runs, as a PDF date."""
    return fmt.pdf_date(max(run.run["finished"] or run.run["started"] for run in runs))


def cover(runs, contents, *, heading, lines, front=None):
    """The front page. With `front` (a single run's report): the title, what was run, the
    answer (page 1's figure and sentences) and the contents. Without it: the title, the runs
    in a table and the contents."""
    contents_rows = [["Section", "What it shows", "Page"]] + [list(item) for item in contents]
    if front is not None:
        story = [para(esc(TITLE), COVER)]
        run = runs[0]
        story.append(para(f"{esc(heading)} This run: {esc(run.describe())}, "
                          f"<font face='{CODE_FONT}'>{esc(run.run['command'])}</font>"
                          f"{'' if run.run['complete'] else ' (INTERRUPTED)'}."))
        story.extend(lines)
        story.extend(front)
        story.append(space(6))
        story.append(table(contents_rows, [90, None, 30], right=(2,)))
        return story
    story = [para(esc(TITLE), H1), para(esc(heading))]
    story.extend(lines)
    story.append(space(6))
    rows = [["Run", "Started", "Machine", "Commit", "Status", "Command"]]
    for index, run in enumerate(runs):
        commit = run.env["git_commit"]
        rows.append([label(index), fmt.when(run.run["started"]),
                     f"{run.env['cpu_model'] or '?'}, {run.env['cpu_count'] or '?'} CPUs",
                     (commit[:7] + (" (modified)" if run.env["git_dirty"] else ""))
                     if commit else fmt.MISSING,
                     "complete" if run.run["complete"] else "INTERRUPTED",
                     run.run["command"] or fmt.MISSING])
    story.append(table(rows, [42, 66, 120, 56, 52, None]))
    story.append(space(14))
    story.append(para("<b>Contents</b>"))
    story.append(table(contents_rows, [110, None, 36], right=(2,)))
    return story


def _reading_guide(runs):
    return [note(f"<b>Run {label(index) + ' ' if len(runs) > 1 else ''}did not finish</b>: "
                 f"this report shows the results saved before it stopped.")
            for index, run in enumerate(runs) if not run.run["complete"]]


def assemble(sections, runs, out_path, *, title, subject, heading, keywords, front=None):
    """Render (title, story, one-line description) sections; merge them behind a cover
    (which holds `front`, the answer, in a single run's report); write the PDF to out_path
    whole or not at all (bench.results.write_file) and return its path."""
    rendered, page = [], 1
    blurbs = {}
    for section_title, story, blurb in sections:
        blurbs[section_title] = blurb
        pdf, marks, count = render(story, section=section_title, first_page=page, title=title,
                                   subject=subject)
        rendered.append((section_title, pdf, marks, page, count))
        page += count
    contents = [(t, blurbs[t], str(first)) for t, _, _, first, _ in rendered]
    front, _, front_pages = render(
        cover(runs, contents, heading=heading, lines=_reading_guide(runs),
              front=front(contents) if callable(front) else front),
        section="Contents", first_page=1, title=title, subject=subject, label_style="r")

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(front)), import_outline=False)
    writer.add_outline_item(title="Contents", page_number=0)
    for section_title, pdf, marks, _, _ in rendered:
        start = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)
        parent = writer.add_outline_item(title=section_title, page_number=start)
        for level, mark_title, mark_page in marks:
            if level >= 1:
                writer.add_outline_item(title=mark_title, page_number=start + mark_page - 1,
                                        parent=parent)
    total = len(writer.pages)
    writer.set_page_label(0, front_pages - 1, style="/r", start=1)
    if total > front_pages:
        writer.set_page_label(front_pages, total - 1, style="/D", start=1)
    writer.page_mode = "/UseOutlines"
    metadata = {
        "/Title": title, "/Subject": subject, "/Author": "backprop-bench",
        "/Creator": "python -m bench report (reports package)",
        "/Producer": f"reportlab {reportlab.Version}, pypdf {pypdf.__version__}",
        "/Keywords": keywords,
    }
    metadata["/CreationDate"] = metadata["/ModDate"] = creation_date(runs)
    writer.add_metadata(metadata)
    # the sections embed identical font subsets (style.prime_fonts): keep one of each. A
    # font's dictionary becomes identical to its twins only once the objects it refers to
    # (descriptor, font file, ToUnicode map) are merged, so repeat until nothing changes.
    for _ in range(4):
        before = len(writer._objects) - writer._objects.count(None)
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        if len(writer._objects) - writer._objects.count(None) == before:
            break
    buffer = io.BytesIO()
    writer.write(buffer)
    return results.write_file(out_path, buffer.getvalue())
