"""Workloads the user defines: one TOML file per workload, its keys named as in the contract.

Required: `name`, `layer_sizes`, `epochs`, `learning_rate`, and a `[data]` table with exactly
one source. Optional, with the contract's defaults (NetworkSpec, TrainConfig): the activations,
`loss`, `batch_size`, `momentum`, `l2`, `shuffle` and `seed` (of the sample orders); and
`init_seed` (of the initial parameters, 0) and `description` (made from the network and data).
Sources:

- `csv = "file.csv"` (relative to the TOML file): a header row, `label_column` (default
  "label") names the labels, every other column is a numeric feature; labels are integers or
  strings, the classes their sorted distinct values; `test_fraction` in [0, 1) (default 0.2)
  is held out, stratified, as the built-in sets are.
- `synthetic = "clusters"`, `n_samples` (required), `seed` (0), `test_fraction` (0.2):
  Gaussian class clusters with layer_sizes[0] features and layer_sizes[-1] classes.
- `builtin = NAME`: a shipped data set of bench.workloads.DATA_SOURCES, as the built-ins use it.

Features are standardised by the training split; targets are one-hot, or one 0/1 column for two
classes and one output unit. Every fault is a WorkloadFileError, one line naming the file and
the key or the CSV row, raised before anything runs; nothing is written. The definition is
saved in the results (bench.workloads.results_entry, "user") and `from_definition` rebuilds the
workload from it. See docs/workload-files.md.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import math
import os
import re
import tomllib
from dataclasses import dataclass, field

import numpy as np

from bench.workloads import (
    DATA_SOURCES,
    SPLIT_SEED,
    SYNTHETIC_LICENCE,
    TEST_FRACTION,
    WORKLOADS,
    Dataset,
    Workload,
    _clusters,
    load_data,
    one_hot,
    standardise,
    stratified_split,
)
from python_impl.spec import MAX_COUNT, NetworkSpec, TrainConfig

__all__ = ["WorkloadFileError", "UserSource", "load", "load_all", "from_definition"]

SPEC_KEYS = ("layer_sizes", "hidden_activation", "output_activation", "loss")
CONFIG_KEYS = ("epochs", "learning_rate", "batch_size", "momentum", "l2", "shuffle", "seed")
KEYS = ("name", "description", *SPEC_KEYS, *CONFIG_KEYS, "init_seed", "data")
REQUIRED = ("name", "layer_sizes", "epochs", "learning_rate", "data")
# Each source of [data] and the keys it takes (its own first).
SOURCES = {"csv": ("csv", "label_column", "test_fraction"),
           "synthetic": ("synthetic", "n_samples", "seed", "test_fraction"),
           "builtin": ("builtin",)}
DATA_KEYS = tuple(dict.fromkeys(key for keys in SOURCES.values() for key in keys))
SYNTHETIC = ("clusters",)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
RESERVED = ("all", "sweep")          # what --workload reads as groups
LABEL_COLUMN = "label"
MAX_SYNTHETIC_VALUES = 10 ** 8       # features x samples of a synthetic set: 800 MB of float64
USER_LICENCE = "the user's (not known to this project)"


class WorkloadFileError(Exception):
    """A workload file that cannot be used; str() is one line: 'file: key or row: problem'."""

    def __init__(self, file, where, problem):
        self.file, self.where = str(file), where
        self.problem = " ".join(str(problem).splitlines())
        super().__init__(": ".join(part for part in (self.file, where, self.problem) if part))


@dataclass(frozen=True)
class UserSource:
    """What a user's workload carries: its definition, where its data comes from, and the data
    itself (loaded while the file was checked)."""

    definition: dict             # the TOML's contents, data.csv an absolute path
    data_sha256: str | None      # of the CSV file; None for a synthetic or built-in set
    source: tuple                # (description, licence, synthetic?), as in DATA_SOURCES
    dataset: Dataset = field(compare=False, repr=False)
    file: str | None = field(default=None, compare=False)   # the TOML file, absolute

    def entry(self):
        """The "user" entry of the workload in a results file."""
        return {"file": self.file, "definition": copy.deepcopy(self.definition),
                "data_sha256": self.data_sha256}


def load(path):
    """The Workload that the TOML file at path defines, checked and its data loaded (not
    registered: see bench.workloads.register). Raises WorkloadFileError."""
    file = os.path.abspath(path)
    return _build(str(path), _read_toml(path), os.path.dirname(file), file, None)


def load_all(paths):
    """The Workloads of several files, each checked, their names distinct; WorkloadFileError
    at the first fault."""
    workloads, files = [], {}
    for path in paths:
        workload = load(path)
        if workload.name in files:
            _fail(path, "name", f"{workload.name!r} is also the name of the workload of "
                                f"{files[workload.name]}")
        files[workload.name] = path
        workloads.append(workload)
    return workloads


def from_definition(definition, data_sha256, file=None):
    """The Workload of a saved "user" entry (bench.workloads.results_entry): the same as load gave,
    without the TOML file. The CSV must still have the sha256 data_sha256. Raises
    WorkloadFileError naming "<file> (as saved)" (the TOML it came from) or "saved definition"."""
    label = f"{file} (as saved)" if file else "saved definition"
    return _build(label, definition, "", file, data_sha256)


def _build(label, definition, folder, file, saved_sha256):
    """The Workload of a definition (a dict as TOML reads it); data.csv relative to folder."""
    _check_keys(label, definition)
    name = _name(label, definition["name"])
    spec = _contract(label, NetworkSpec, definition, SPEC_KEYS)
    config = _contract(label, TrainConfig, definition, CONFIG_KEYS)
    init_seed = _integer(label, "init_seed", definition.get("init_seed", 0), 0, MAX_COUNT)
    description = definition.get("description")
    if description is not None:
        _text(label, "description", description)
    data = _data_table(label, definition["data"])
    data_name, source, dataset, sha256 = _load_data(label, data, folder, spec, saved_sha256)
    saved = copy.deepcopy(definition)
    if "csv" in data:
        saved["data"]["csv"] = _csv_path(folder, data["csv"])
    user = UserSource(saved, sha256, source, dataset, file)
    return Workload(name, description or _description(spec, data_name), spec, config,
                    data_name, seed=init_seed, user=user)


def _fail(label, where, problem):
    raise WorkloadFileError(label, where, problem)


def _kind(value):
    """A TOML value's type in TOML's words."""
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"),
             (list, "an array"), (dict, "a table"))
    return next((f"{words} ({value!r})" for kind, words in kinds if isinstance(value, kind)),
                f"a {type(value).__name__} ({value})")


def _read_toml(path):
    """The TOML file's contents as a dict."""
    try:
        with open(path, "rb") as stream:
            return tomllib.load(stream)
    except OSError as error:
        _fail(path, None, f"cannot read it: {error.strerror}")
    except UnicodeDecodeError as error:
        _fail(path, None, f"not UTF-8 text (byte {error.start})")
    except tomllib.TOMLDecodeError as error:
        _fail(path, None, f"not valid TOML: {error}")


def _check_keys(label, definition):
    """Every key known, every required key present."""
    if not isinstance(definition, dict):
        _fail(label, None, f"must be a table of keys, got {_kind(definition)}")
    for key in definition:
        if key not in KEYS:
            _fail(label, key, f"unknown key; known: {', '.join(KEYS)}")
    for key in REQUIRED:
        if key not in definition:
            _fail(label, key, "missing (required)")


def _name(label, name):
    """The workload's name: a new one that --workload can give."""
    _text(label, "name", name)
    if not NAME.fullmatch(name):
        _fail(label, "name", f"{name!r} must be 1 to 64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit")
    if name in WORKLOADS or name in RESERVED:
        _fail(label, "name", f"{name!r} is taken by a built-in workload or group; choose another")
    return name


def _contract(label, kind, definition, keys):
    """A NetworkSpec or TrainConfig from the keys the file gives; its refusal as ours (the
    contract's messages start with the field's name)."""
    try:
        return kind(**{key: definition[key] for key in keys if key in definition})
    except (TypeError, ValueError) as error:
        key, _, problem = str(error).partition(" ")
        _fail(label, key, problem)


def _text(label, key, value):
    if not isinstance(value, str):
        _fail(label, key, f"must be a string, got {_kind(value)}")
    return value


def _integer(label, key, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(label, key, f"must be an integer, got {_kind(value)}")
    if not low <= value <= high:
        _fail(label, key, f"must be in [{low}, {high}], got {value}")
    return value


def _fraction(label, key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(label, key, f"must be a number, got {_kind(value)}")
    if not 0 <= value < 1:
        _fail(label, key, f"must be in [0, 1), got {value}")
    return float(value)


def _data_table(label, data):
    """[data], its keys checked: known, one source, and only that source's keys."""
    if not isinstance(data, dict):
        _fail(label, "data", f"must be a table ([data]), got {_kind(data)}")
    for key in data:
        if key not in DATA_KEYS:
            _fail(label, f"data.{key}", f"unknown key; known: {', '.join(DATA_KEYS)}")
    given = [source for source in SOURCES if source in data]
    if len(given) != 1:
        _fail(label, "data", f"needs exactly one of {', '.join(SOURCES)}; got "
                             f"{', '.join(given) or 'none'}")
    keys = SOURCES[given[0]]
    for key in data:
        if key not in keys:
            _fail(label, f"data.{key}", f"not used with data.{given[0]} (its keys: "
                                        f"{', '.join(keys)})")
    return data


def _csv_path(folder, name):
    """The CSV's absolute path: name relative to folder (the TOML file's)."""
    return os.path.abspath(os.path.join(folder, name))


def _load_data(label, data, folder, spec, saved_sha256):
    """(the data's name, (description, licence, synthetic?), Dataset, sha256 or None)."""
    if "csv" in data:
        return _csv_data(label, data, folder, spec, saved_sha256)
    if "synthetic" in data:
        return _synthetic_data(label, data, spec)
    return _builtin_data(label, data, spec)


def _builtin_data(label, data, spec):
    name = _text(label, "data.builtin", data["builtin"])
    if name not in DATA_SOURCES:
        _fail(label, "data.builtin", f"{name!r} is not a shipped data set; known: "
                                     f"{', '.join(DATA_SOURCES)}")
    dataset = load_data(name)
    _fit(label, spec, dataset.X_train.shape[1], (dataset.Y_train.shape[1],),
         f"builtin {name!r}", f"{dataset.Y_train.shape[1]} target columns")
    return name, DATA_SOURCES[name], dataset, None


def _synthetic_data(label, data, spec):
    kind = _text(label, "data.synthetic", data["synthetic"])
    if kind not in SYNTHETIC:
        _fail(label, "data.synthetic", f"{kind!r} is not a synthetic set; known: "
                                       f"{', '.join(SYNTHETIC)}")
    if "n_samples" not in data:
        _fail(label, "data.n_samples", "missing (required with data.synthetic)")
    n_samples = _integer(label, "data.n_samples", data["n_samples"], 1, MAX_COUNT)
    if n_samples * spec.n_in > MAX_SYNTHETIC_VALUES:
        _fail(label, "data.n_samples", f"{n_samples} samples of {spec.n_in} features are more "
                                       f"than {MAX_SYNTHETIC_VALUES} values")
    seed = _integer(label, "data.seed", data.get("seed", 0), 0, MAX_COUNT)
    fraction = _fraction(label, "data.test_fraction", data.get("test_fraction", TEST_FRACTION))
    n_classes = max(spec.n_out, 2)
    X, labels = _clusters(n_samples, spec.n_in, n_classes, seed)
    name = f"clusters-{n_samples}x{spec.n_in}-seed-{seed}"
    dataset = _split(label, "data.n_samples", name, X, labels, list(range(n_classes)),
                     spec.n_out, fraction)
    source = (f"synthetic: {n_classes} Gaussian class clusters in {spec.n_in} dimensions, "
              f"{n_samples} samples, seed {seed}")
    return name, (source, SYNTHETIC_LICENCE, True), dataset, None


def _csv_data(label, data, folder, spec, saved_sha256):
    shown = _text(label, "data.csv", data["csv"])
    path = _csv_path(folder, shown)
    column = _text(label, "data.label_column", data.get("label_column", LABEL_COLUMN))
    fraction = _fraction(label, "data.test_fraction", data.get("test_fraction", TEST_FRACTION))
    raw = _read_bytes(label, shown, path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if saved_sha256 is not None and sha256 != saved_sha256:
        _fail(label, "data.csv", f"{path} has changed since the workload was saved (sha256 "
                                 f"{sha256}, saved {saved_sha256})")
    header, rows = _csv_rows(label, shown, raw)
    X, values, features = _columns(label, shown, header, rows, column)
    classes, labels = _classes(values)
    if len(classes) < 2:
        _fail(label, "data.label_column", f"{shown} has one class ({classes[0]!r}) in column "
                                          f"{column!r}; a classifier needs two or more")
    outputs = (len(classes), 1) if len(classes) == 2 else (len(classes),)
    _fit(label, spec, len(features), outputs, shown,
         f"{len(classes)} classes ({', '.join(map(str, classes))})")
    name = os.path.basename(path)
    dataset = _split(label, "data.test_fraction", name, X, labels, classes, spec.n_out, fraction)
    return name, (f"the user's file {path}", USER_LICENCE, False), dataset, sha256


def _read_bytes(label, shown, path):
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError as error:
        _fail(label, "data.csv", f"{shown}: cannot read {path}: {error.strerror}")


def _csv_rows(label, shown, raw):
    """(header, [(row number, cells)]) of a CSV file's bytes; blank lines skipped."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        _fail(label, "data.csv", f"{shown} is not UTF-8 text (byte {error.start})")
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=True)
    rows = []
    try:
        for row in reader:
            if row:
                rows.append((reader.line_num, row))
    except csv.Error as error:
        _fail(label, "data.csv", f"{shown} row {reader.line_num}: {error}")
    if not rows:
        _fail(label, "data.csv", f"{shown} is empty (it needs a header row)")
    if len(rows) == 1:
        _fail(label, "data.csv", f"{shown} has a header row but no data rows")
    return rows[0][1], rows[1:]


def _columns(label, shown, header, rows, column):
    """(features n x d float64, labels as strings, feature names) of the CSV's rows."""
    for position, name in enumerate(header):
        if name in header[:position]:
            _fail(label, "data.csv", f"{shown} row 1: column {name!r} appears twice")
    if column not in header:
        _fail(label, "data.label_column", f"{shown} has no column {column!r} (its columns: "
                                          f"{', '.join(header)})")
    where = header.index(column)
    features = header[:where] + header[where + 1:]
    if not features:
        _fail(label, "data.csv", f"{shown} has no feature columns (only {column!r})")
    X, values = [], []
    for line, row in rows:
        if len(row) != len(header):
            _fail(label, "data.csv", f"{shown} row {line}: {len(row)} cells, the header has "
                                     f"{len(header)}")
        values.append(_label(label, shown, line, column, row[where]))
        cells = row[:where] + row[where + 1:]
        X.append([_number(label, shown, line, name, cell) for name, cell in zip(features, cells)])
    return np.array(X, dtype=np.float64), values, features


def _label(label, shown, line, column, cell):
    value = cell.strip()
    if not value:
        _fail(label, "data.csv", f"{shown} row {line}, column {column!r}: the label is empty")
    return value


def _number(label, shown, line, column, cell):
    try:
        value = float(cell)
    except ValueError:
        _fail(label, "data.csv", f"{shown} row {line}, column {column!r}: {cell!r} is not a "
                                 "number")
    if not math.isfinite(value):
        _fail(label, "data.csv", f"{shown} row {line}, column {column!r}: {cell!r} is not a "
                                 "finite number")
    return value


def _classes(values):
    """(the sorted distinct labels, each sample's class index): integers when every label is
    one, else strings."""
    try:
        keys = [int(value) for value in values]
    except ValueError:
        keys = values
    classes = sorted(set(keys))
    index = {value: position for position, value in enumerate(classes)}
    return classes, np.array([index[key] for key in keys])


def _fit(label, spec, n_features, outputs, what, classes):
    """layer_sizes must fit the data: n_features inputs, one of outputs output units."""
    if spec.n_in != n_features:
        _fail(label, "layer_sizes", f"the input layer has {spec.n_in} units but {what} has "
                                    f"{n_features} features")
    if spec.n_out not in outputs:
        _fail(label, "layer_sizes", f"the output layer has {spec.n_out} units but {what} has "
                                    f"{classes} (give {' or '.join(map(str, outputs))})")


def _split(label, key, name, X, labels, classes, n_out, fraction):
    """A Dataset as the built-in sets are made: stratified split, features standardised by the
    training split (no held-out arrays when nothing is held out)."""
    train, test = _indices(label, key, labels, classes, fraction)
    X_train, X_test = standardise(X[train], X[test])
    n_classes, held_out = len(classes), len(test) > 0
    return Dataset(name, np.ascontiguousarray(X_train), _targets(labels[train], n_classes, n_out),
                   np.ascontiguousarray(X_test) if held_out else None,
                   _targets(labels[test], n_classes, n_out) if held_out else None,
                   labels[train], labels[test] if held_out else None, n_classes)


def _indices(label, key, labels, classes, fraction):
    """(train, test) indices of the stratified split; too few samples for it is a fault of key:
    a class with no training sample, or nothing held out of a test_fraction above 0."""
    train, test = (part.astype(np.intp) for part in stratified_split(labels, fraction,
                                                                     SPLIT_SEED))
    counts = np.bincount(labels[train], minlength=len(classes))
    if counts.min() == 0:
        lost = classes[int(counts.argmin())]
        _fail(label, key, f"class {lost!r} has no training sample ({len(labels)} samples, "
                          f"test_fraction {fraction}): too few samples for the split")
    if fraction > 0 and len(test) == 0:
        _fail(label, key, f"a test_fraction of {fraction} holds out none of {len(labels)} "
                          "samples: too few samples for the split")
    return train, test


def _targets(labels, n_classes, n_out):
    """One-hot rows, or one 0/1 column for one output unit."""
    if n_out == 1:
        return labels[:, None].astype(float)
    return one_hot(labels, n_classes)


def _description(spec, data_name):
    sizes = "-".join(map(str, spec.layer_sizes))
    return (f"A user's workload: {sizes} {spec.hidden_activation} network, "
            f"{spec.output_activation} output, {spec.loss} loss, on {data_name}.")
