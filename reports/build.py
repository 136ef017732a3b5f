"""Build the report: each section rendered as its own PDF with reportlab, then merged with
pypdf into one document with a contents page, bookmarks, page labels and metadata.

The same results give the same bytes: reportlab runs in invariant mode, pypdf writes no file
identifier, and every date in the file is taken from the results (never from the clock)."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import reportlab
from pypdf import PdfReader, PdfWriter
from reportlab import rl_config

from bench.files import atomic_write_bytes, make_folder  # every file whole or absent

from reports import (agreement, answer, efficiency, fmt, methodology, precision, scaling,
                     speed, summary, worked)
from bench.model import Run
from reports.data import describe, label
from reports.style import (CODE_FONT, COVER, H1, TITLE, SectionDoc, esc, glue, h1, note, para,
                           space, table)

rl_config.invariant = 1

SECTIONS = (summary, speed, scaling, efficiency, precision, agreement, worked, methodology)


def render(story, *, section, first_page, title, subject, label_style="D"):
    """(pdf bytes, marks [(level, title, page)], page count) of one section."""
    buffer = io.BytesIO()
    doc = SectionDoc(buffer, section=section, first_page_label=first_page, title=title,
                     subject=subject, label_style=label_style)
    doc.build(glue(story))
    return buffer.getvalue(), doc.marks, doc.page


def creation_date(runs):
    """The latest finish (or start) time among the runs, as a PDF date, or None."""
    stamps = [run.run.get("finished") or run.run.get("started") for run in runs]
    stamps = sorted(s for s in stamps if s)
    return fmt.pdf_date(stamps[-1]) if stamps else None


def cover(runs, contents, *, heading, lines, front=None):
    """The front page. With `front` (a single run's report): the title, what was run, the
    answer (page 1's figure and sentences) and the contents. Without it: the title, the runs
    in a table and the contents."""
    if front is not None:
        story = [para(esc(TITLE), COVER)]
        run = runs[0]
        story.append(para(f"{esc(heading)} This run: {esc(describe(run))}, "
                          f"<font face='{CODE_FONT}'>{esc(run.run.get('command') or '')}</font>"
                          f"{'' if run.run.get('complete') else ' (INTERRUPTED)'}."))
        story.extend(lines)
        story.extend(front)
        story.append(space(6))
        rows = [["Section", "What it shows", "Page"]] + [list(item) for item in contents]
        story.append(table(rows, [90, None, 30], right=(2,)))
        return story
    story = [para(esc(TITLE), H1), para(esc(heading))]
    story.extend(lines)
    story.append(space(6))
    rows = [["Run", "Started", "Machine", "Commit", "Status", "Command"]]
    for index, run in enumerate(runs):
        commit = run.env.get("git_commit")
        rows.append([label(index), fmt.when(run.run.get("started")),
                     f"{run.env.get('cpu_model', '?')}, {run.env.get('cpu_count', '?')} CPUs",
                     (commit[:7] + (" (modified)" if run.env.get("git_dirty") else ""))
                     if commit else fmt.MISSING,
                     "complete" if run.run.get("complete") else "INTERRUPTED",
                     run.run.get("command") or fmt.MISSING])
    story.append(table(rows, [42, 66, 120, 56, 52, None]))
    story.append(space(14))
    story.append(para("<b>Contents</b>"))
    rows = [["Section", "What it shows", "Page"]] + [list(item) for item in contents]
    story.append(table(rows, [110, None, 36], right=(2,)))
    return story


def _reading_guide(runs):
    return [note(f"<b>Run {label(index) + ' ' if len(runs) > 1 else ''}did not finish</b>: "
                 f"this report shows the results saved before it stopped.")
            for index, run in enumerate(runs) if not run.run["complete"]]


def assemble(sections, runs, out_path, *, title, subject, heading, keywords, front=None):
    """Render (title, story, one-line description) sections; merge them behind a cover
    (which holds `front`, the answer, in a single run's report)."""
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
    for section_title, pdf, marks, first, count in rendered:
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
    date = creation_date(runs)
    if date:
        metadata["/CreationDate"] = date
        metadata["/ModDate"] = date
    writer.add_metadata(metadata)
    # the sections embed identical font subsets (style.prime_fonts): keep one of each. A
    # font's dictionary becomes identical to its twins only once the objects it refers to
    # (descriptor, font file, ToUnicode map) are merged, so repeat until nothing changes.
    for _ in range(4):
        before = len(writer._objects) - writer._objects.count(None)
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        if len(writer._objects) - writer._objects.count(None) == before:
            break
    out_path = Path(out_path)
    buffer = io.BytesIO()
    writer.write(buffer)
    # whole or absent: a temporary file, synced and renamed over (bench.files)
    make_folder(out_path.parent)
    return atomic_write_bytes(out_path, buffer.getvalue())


def _section_story(module, run):
    """A section's flowables; results that are valid but hold something this section cannot
    read give a page saying so, instead of no report at all."""
    try:
        return module.build(run)
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError,
            AttributeError) as error:
        return [h1(module.TITLE),
                note(f"<b>This section could not be drawn from these results</b>: "
                     f"{esc(type(error).__name__)}: {esc(error)}. The other sections are "
                     f"complete; please report this with the results file.")]


def _front(run):
    """Page 1's answer; if it cannot be drawn, a note saying so (like a section)."""
    def front(contents):
        pages = {title: page for title, _, page in contents}
        try:
            return answer.story(run, efficiency.targets_line(run, pages.get(efficiency.TITLE)))
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError,
                AttributeError) as error:
            return [note(f"<b>The answer could not be drawn from these results</b>: "
                         f"{esc(type(error).__name__)}: {esc(error)}.")]
    return front


def build_report(docs, out_path, comparison=None):
    """Write the merged, bookmarked PDF report of one loaded results document; with more
    than one, the report comparing them (reports.compare), laid out from `comparison`, which
    bench.compare computed from their saved rounds."""
    docs = list(docs)
    if not docs:
        raise ValueError("build_report needs at least one results document")
    if len(docs) > 1:
        if comparison is None:
            raise ValueError("a report of several runs is their comparison: compute it with "
                             "bench.compare.compare and pass it as comparison")
        from reports import compare  # noqa: PLC0415  (compare imports this module)
        return compare.build_compare_report(docs, comparison, out_path)
    run = Run(docs[0])
    sections = [(module.TITLE, _section_story(module, run), module.BLURB)
                for module in SECTIONS]
    title = f"Backpropagation benchmark report: {describe(run)}"
    subject = ("Speed, scaling, efficiency and agreement of one backpropagation algorithm in "
               "pure Python, NumPy and Fortran 95, with PyTorch and scikit-learn as peers")
    heading = ("One multilayer perceptron trained by backpropagation, implemented three "
               "times, timed and cross-checked.")
    keywords = "backpropagation, benchmark, " + ", ".join(run.implementations())
    return assemble(sections, [run], out_path, title=title, subject=subject, heading=heading,
                    keywords=keywords, front=_front(run))
