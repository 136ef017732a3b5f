"""Prose kept in text files beside the sections that print it (reports/methodology.txt):
blocks headed `[name]`, each one paragraph or phrase whose lines are joined by spaces, with
`$field` places that the section fills from the results (string.Template). Lines starting
with `#` are comments."""

from __future__ import annotations

from pathlib import Path
from string import Template


class Texts:
    """The blocks of one text file, filled by name."""

    def __init__(self, path):
        self.blocks = {}
        name = None
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                name = line[1:-1]
                self.blocks[name] = []
            elif line.strip():
                self.blocks[name].append(line.strip())

    def __call__(self, name, **fields):
        """Block `name` with its $fields filled in (KeyError naming a field not given)."""
        return Template(" ".join(self.blocks[name])).substitute(fields)
