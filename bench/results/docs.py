"""docs/results.md, written from the schema: `python -m bench.results.docs > docs/results.md`.
tests/test_results_docs.py checks that the file is what this prints, so that the prose and
the schema cannot drift apart."""

from __future__ import annotations

from bench.results.fields import List, Map, Object
from bench.results.migrate import HISTORY
from bench.results.schema import RESULTS, SCHEMA, SCHEMA_VERSION

INTRO = f"""\
# The results file

<!-- Written by `python -m bench.results.docs` from bench/results/schema.py; do not edit. -->

{RESULTS.about} It is the one interface between `bench` and `reports`: the reports read it
through the package `bench.results` and nothing else of bench.

- `"schema": "{SCHEMA}"`, `"schema_version": {SCHEMA_VERSION}`. An older file is migrated as it
  is loaded (`bench/results/migrate.py`, one `update_to_N` per version), so that every reader
  sees this version; a newer one is refused, naming its version and the versions this
  program reads.
- A field is **required** unless marked *optional* (then it may be absent or null); *or null*
  marks a required field that may be null (not known, not measured yet). Fields not named
  here may be present and are ignored.
- A number that is not finite (a training that diverged) is written as the text `"nan"`,
  `"inf"` or `"-inf"`, so that the file stays strict JSON; where the schema allows a
  non-finite number it is read back as one, anywhere else the text stays text.
- Every problem is reported as one line naming the file and the field:
  `results.json: results[0].time_per_epoch.median must be a finite number, got NaN`.
"""


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def _requirement(field):
    if field.optional:
        return "optional"
    return "required, or null" if field.null else "required"


class _Writer:
    """The sections of the document, one per object of the schema, each written once."""

    def __init__(self):
        self.sections = []
        self.named = {}          # id(object) -> the path it is documented under

    def holds(self, field, path):
        """What field holds, in words, and the object sections it leads to."""
        if isinstance(field, Object):
            return f"object: see `{self.section(field, path)}`"
        if isinstance(field, List) and isinstance(field.item, Object):
            return f"list of objects: see `{self.section(field.item, path + '[]')}`"
        if isinstance(field, Map) and isinstance(field.value, Object):
            inner = self.section(field.value, f"{path}[<{field.key.words}>]")
            return f"object: {field.key.words} -> see `{inner}`"
        if isinstance(field, Map) and isinstance(field.value, Map):
            inner = self.section(field.value.value, f"{path}[<{field.key.words}>]"
                                                    f"[<{field.value.key.words}>]")
            return (f"object: {field.key.words} -> {field.value.key.words} -> see "
                    f"`{inner}`")
        return field.describe()

    def section(self, node, path):
        """Document an object (once) under path; return the path it is documented under."""
        if id(node) in self.named:
            return self.named[id(node)]
        self.named[id(node)] = path
        index = len(self.sections)
        self.sections.append(None)           # its place, before the objects inside it
        rows = []
        for name, field, when in node.children():
            where = f"{path}.{name}" if path != "results file" else name
            rules = [rule.words for rule in (field.rules if isinstance(field, List) else ())]
            meaning = field.about + (f" ({'; '.join(rules)})" if rules else "")
            shown = f"`{name}`" + (f" ({when})" if when else "")
            rows.append(f"| {shown} | {_cell(self.holds(field, where))} | "
                        f"{_requirement(field)} | {_cell(meaning)} |")
        text = [f"## `{path}`" if path != "results file" else "## The top level", "",
                node.about, "", "| field | holds | | meaning |", "| --- | --- | --- | --- |",
                *rows]
        if node.rules:
            text += ["", "Rules: " + "; ".join(rule.words for rule in node.rules) + "."]
        self.sections[index] = "\n".join(text)
        return path


def markdown():
    """The text of docs/results.md."""
    writer = _Writer()
    writer.section(RESULTS, "results file")
    history = "\n".join(f"- {version}: {text}" for version, text in sorted(HISTORY.items()))
    return f"{INTRO}\n## Versions\n\n{history}\n\n" + "\n\n".join(writer.sections) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
