"""The kinds of field a results file holds, the words the schema (bench.results.schema) is
written in. Each kind checks a value, raising ResultsError that names the file and the field
("results[0].time_per_epoch.median must be a finite number, got NaN"), and says in words what
it holds, for docs/results.md. Standard library only.

A field is required unless `optional` (it may then be absent or null); `null` lets a required
field be null ("not known", "not measured").
"""

from __future__ import annotations

import math
from datetime import datetime

MAX_INT = 2 ** 53                  # integers beyond this do not survive a float; none is real
TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"
# How save writes a float that is not finite (the file stays strict JSON), and back.
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
NON_FINITE_WORDS = {"nan": "NaN", "inf": "inf", "-inf": "-inf"}


class ResultsError(ValueError):
    """A results file that cannot be used: names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def show(value):
    """A value as an error message quotes it: its repr, cut at 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def member(at, name):
    """The name of a field inside the one at `at`: run.options, or run at the top."""
    return f"{at}.{name}" if at else name


class Context:
    """One validation: the file it names and the document it checks (rules that look across
    fields, such as a workload named in a result, read the document)."""

    def __init__(self, path, doc):
        self.path = path
        self.doc = doc

    def fail(self, at, problem):
        raise ResultsError(self.path, f"{at} {problem}" if at else problem)

    def require(self, condition, at, problem):
        if not condition:
            self.fail(at, problem)

    def workloads(self):
        """The workloads the document defines ({} before they are checked)."""
        workloads = self.doc.get("workloads")
        return workloads if isinstance(workloads, dict) else {}

    def externals(self):
        """The implementations from outside this project the document says it ran, by name
        ({} when it ran none)."""
        externals = self.doc.get("implementations")
        return externals if isinstance(externals, dict) else {}


class Field:
    """A field of some kind: `about` says what it means, `words` what it holds."""

    words = "anything"

    def __init__(self, about="", *, optional=False, null=False):
        self.about = about
        self.optional = optional
        self.null = null

    def check(self, value, at, ctx):
        """Raise ResultsError (through ctx) unless value is of this kind."""

    def restore(self, value):
        """value with the non-finite numbers save wrote as text turned back into floats,
        where this field allows them."""
        return value

    def describe(self):
        """What the field holds, in words."""
        return self.words

    def children(self):
        """[(name, field, when)] of the fields inside this one, for the documentation."""
        return []


def check_member(ctx, holder, name, field, at):
    """holder[name] by field's rules: present unless optional, null only if allowed."""
    if name not in holder:
        if field.optional:
            return
        if not at:
            ctx.fail("", f"missing top-level field {name!r}")
        ctx.fail(member(at, name), "is missing")
    value = holder[name]
    if value is None and (field.optional or field.null):
        return
    field.check(value, member(at, name), ctx)


class Anything(Field):
    """A field let through unread: the writer's notes and telemetry."""


class Const(Field):
    def __init__(self, value, about=""):
        super().__init__(about)
        self.value = value
        self.words = f"`{value!r}`".replace("'", '"')


class Text(Field):
    def __init__(self, about="", *, choices=None, **kwargs):
        super().__init__(about, **kwargs)
        self.choices = choices
        self.words = ("one of " + ", ".join(f'"{c}"' for c in choices) if choices
                      else "text")

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, str), at, f"must be text, got {show(value)}")
        if self.choices is not None:
            ctx.require(value in self.choices, at,
                        f"must be one of {', '.join(self.choices)}, got {show(value)}")


class Boolean(Field):
    words = "true or false"

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, bool), at, f"must be true or false, got {show(value)}")


class Timestamp(Field):
    words = "UTC time (2026-11-28T04:30:00Z)"

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, str), at, f"must be text, got {show(value)}")
        try:
            datetime.strptime(value, TIMESTAMP)
        except ValueError:
            ctx.fail(at, f"must be a UTC time like 2026-11-28T04:30:00Z, got {show(value)}")


class Integer(Field):
    def __init__(self, about="", *, lo=0, hi=MAX_INT, **kwargs):
        super().__init__(about, **kwargs)
        self.lo, self.hi = lo, hi
        self.words = (f"integer >= {lo}" if hi == MAX_INT else f"integer {lo} to {hi}")

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, int) and not isinstance(value, bool), at,
                    f"must be an integer, got {show(value)}")
        ctx.require(self.lo <= value <= self.hi, at,
                    f"must be between {self.lo} and {self.hi}, got {show(value)}")


class Number(Field):
    """A JSON number (not true/false) within [lo, hi] (and above `above`); finite unless
    finite=False, when NaN and the infinities are results too (a training that diverged)."""

    def __init__(self, about="", *, lo=None, hi=None, above=None, finite=True, **kwargs):
        super().__init__(about, **kwargs)
        self.lo, self.hi, self.above, self.finite = lo, hi, above, finite

    def describe(self):
        bounds = []
        if self.above is not None:
            bounds.append(f"> {self.above:g}")
        elif self.lo is not None:
            bounds.append(f">= {self.lo:g}")
        if self.hi is not None:
            bounds.append(f"<= {self.hi:g}")
        words = "number" + (" " + ", ".join(bounds) if bounds else "")
        return words + ("; NaN and infinities allowed" if not self.finite else "")

    def restore(self, value):
        if not self.finite and isinstance(value, str):
            return NON_FINITE.get(value, value)
        return value

    def check(self, value, at, ctx):
        if self.finite and isinstance(value, str) and value in NON_FINITE:  # saved as text
            ctx.fail(at, f"must be a finite number, got {NON_FINITE_WORDS[value]}")
        ctx.require(isinstance(value, (int, float)) and not isinstance(value, bool), at,
                    f"must be a number, got {show(value)}")
        if isinstance(value, int):
            ctx.require(abs(value) <= MAX_INT, at, f"is out of range ({show(value)})")
            value = float(value)
        if math.isnan(value):
            ctx.require(not self.finite, at, "must be a finite number, got NaN")
            return
        if self.finite:
            ctx.require(math.isfinite(value), at, f"must be a finite number, got {show(value)}")
        if self.lo is not None:
            ctx.require(value >= self.lo, at, f"must be at least {self.lo:g}, got {show(value)}")
        if self.hi is not None:
            ctx.require(value <= self.hi, at, f"must be at most {self.hi:g}, got {show(value)}")
        if self.above is not None:
            ctx.require(value > self.above, at,
                        f"must be above {self.above:g}, got {show(value)}")


class Seconds(Number):
    """A duration within `span` (0 allowed when zero=True)."""

    def __init__(self, about="", *, span=(1e-12, 1e7), zero=False, **kwargs):
        super().__init__(about, lo=span[0], hi=span[1], **kwargs)
        self.zero = zero

    def describe(self):
        return (f"seconds, {self.lo:g} to {self.hi:g}" + (" or 0" if self.zero else ""))

    def check(self, value, at, ctx):
        if self.zero and value == 0 and not isinstance(value, bool):
            return
        super().check(value, at, ctx)


class Tree(Field):
    """A number, or nested lists of numbers (finite), at most `depth` deep."""

    def __init__(self, about="", *, depth=6, **kwargs):
        super().__init__(about, **kwargs)
        self.depth = depth
        self.words = f"numbers in nested lists (at most {depth} deep)"

    def check(self, value, at, ctx, depth=None):
        depth = self.depth if depth is None else depth
        if isinstance(value, list):
            ctx.require(depth > 0, at, "is nested too deeply")
            for position, item in enumerate(value):
                self.check(item, f"{at}[{position}]", ctx, depth - 1)
        else:
            Number().check(value, at, ctx)


class Name(Field):
    """A name from a vocabulary: `known(name, ctx)` says whether it is in it, `problem(name)`
    what to say when it is not."""

    def __init__(self, about, known, problem, words, **kwargs):
        super().__init__(about, **kwargs)
        self.known, self.problem, self.words = known, problem, words

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, str), at, f"must be text, got {show(value)}")
        ctx.require(self.known(value, ctx), at, self.problem(value))


class List(Field):
    """A list of items of one kind; `rules` check it as a whole (no repeats, a length)."""

    def __init__(self, item, about="", *, rules=(), **kwargs):
        super().__init__(about, **kwargs)
        self.item, self.rules = item, rules

    def describe(self):
        return f"list of: {self.item.describe()}"

    def children(self):
        return [("[]", self.item, "")]

    def restore(self, value):
        if isinstance(value, list):
            return [self.item.restore(item) for item in value]
        return value

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, list), at, f"must be a list, got {show(value)}")
        for position, item in enumerate(value):
            where = f"{at}[{position}]"
            if item is None and (self.item.null or self.item.optional):
                continue
            self.item.check(item, where, ctx)
        for rule in self.rules:
            rule(value, at, ctx)


class Names(List):
    """A non-empty list of distinct names, each known (known(name, ctx))."""

    def __init__(self, about, known, words, **kwargs):
        super().__init__(Text(), about, **kwargs)
        self.known = known
        self.words = f"non-empty list of distinct {words}"

    def describe(self):
        return self.words

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, list), at, f"must be a list, got {show(value)}")
        ctx.require(value, at, "must not be empty")
        for position, name in enumerate(value):
            where = f"{at}[{position}]"
            Text().check(name, where, ctx)
            ctx.require(self.known(name, ctx), where, f"is not a known name: {show(name)}")
        ctx.require(len(set(value)) == len(value), at, "names an entry twice")


class Object(Field):
    """A JSON object with named fields (fields it does not name are let through unread).
    `cases`: (key, [(values, {name: field}), ...]), fields that apply when the field `key`
    holds one of `values` (a result's status); `rules`: checks across its fields, run after
    them."""

    words = "object"

    def __init__(self, about, fields, *, cases=None, rules=(), **kwargs):
        super().__init__(about, **kwargs)
        self.fields, self.cases, self.rules = fields, cases, rules

    def fields_of(self, value):
        """The fields that apply to value: its own and those of its cases."""
        if self.cases is None:
            return self.fields
        key, cases = self.cases
        fields = dict(self.fields)
        for values, extra in cases:
            if value.get(key) in values:
                fields.update(extra)
        return fields

    def children(self):
        """[(name, field, when)]: when says in words which case a field belongs to."""
        named = [(name, field, "") for name, field in self.fields.items()]
        if self.cases is not None:
            key, cases = self.cases
            for values, fields in cases:
                named += [(name, field, f"{key} {' or '.join(values)}")
                          for name, field in fields.items()]
        return named

    def restore(self, value):
        if not isinstance(value, dict):
            return value
        fields = self.fields_of(value)
        return {key: fields[key].restore(item) if key in fields else item
                for key, item in value.items()}

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, dict), at, f"must be an object, got {show(value)}")
        for name, field in self.fields_of(value).items():
            check_member(ctx, value, name, field, at)
        for rule in self.rules:
            rule(value, at, ctx)


class Map(Field):
    """A JSON object keyed by names (implementations, workloads): every value of one kind."""

    words = "object"

    def __init__(self, key, value, about="", **kwargs):
        super().__init__(about, **kwargs)
        self.key, self.value = key, value

    def describe(self):
        return f"object: {self.key.words} -> {self.value.describe()}"

    def children(self):
        return [(f"[{self.key.words}]", self.value, "")]

    def restore(self, value):
        if isinstance(value, dict):
            return {key: self.value.restore(item) for key, item in value.items()}
        return value

    def check(self, value, at, ctx):
        ctx.require(isinstance(value, dict), at, f"must be an object, got {show(value)}")
        for key, item in value.items():
            where = f"{at}[{key!r}]"
            ctx.require(self.key.known(key, ctx), where, self.key.problem(key))
            if item is None and (self.value.null or self.value.optional):
                continue
            self.value.check(item, where, ctx)


class Key:
    """The names a Map may be keyed by: known(name, ctx), and problem(name), what to say of
    one that is not."""

    def __init__(self, words, known, problem):
        self.words, self.known, self.problem = words, known, problem


class Rule:
    """A check across fields or items (check(value, at, ctx)), with the words that state it
    in docs/results.md."""

    def __init__(self, words, check):
        self.words, self.check = words, check

    def __call__(self, value, at, ctx):
        self.check(value, at, ctx)
