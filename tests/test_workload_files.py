"""Workloads the user defines in TOML files (bench/workload_files.py) and their hooks in
bench/workloads.py: loading, the data, a catalogue of malformed files, the saved definition."""

import json
from pathlib import Path

import numpy as np
import pytest

from bench import workload_files as wf
from bench import workloads as wl
from python_impl.spec import NetworkSpec, TrainConfig

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "workloads"
GOLDEN = Path(__file__).resolve().parent / "data" / "workloads" / "builtin_describe.json"

TOML = """\
name = "tiny"
layer_sizes = [4, 8, 3]
hidden_activation = "tanh"
output_activation = "softmax"
loss = "cross_entropy"
epochs = 3
batch_size = 8
learning_rate = 0.05
momentum = 0.9
l2 = 0.0
seed = 1

[data]
csv = "tiny.csv"
label_column = "label"
test_fraction = 0.2
"""
# 15 samples, 5 per class; row r of the file is sample r - 2 (row 1 is the header).
ROWS = [f"{i * 0.5:.1f},{(i * 7) % 5:.1f},{i % 4 - 1.5:.2f},{(i * i) % 11:.1f},{'abc'[i % 3]}"
        for i in range(15)]
CSV = "x1,x2,x3,x4,label\n" + "\n".join(ROWS) + "\n"


def write(folder, toml=TOML, table=CSV):
    """tiny.toml (and tiny.csv when table is not None) in folder -> the TOML's path."""
    (folder / "tiny.toml").write_text(toml, encoding="utf-8")
    if table is not None:
        (folder / "tiny.csv").write_text(table, encoding="utf-8")
    return folder / "tiny.toml"


def edit(old, new):
    """A change to the TOML text: old (which must occur once) replaced by new."""
    def change(toml, table):
        assert toml.count(old) == 1, old
        return toml.replace(old, new), table
    return change


def rows(change_rows):
    """A change to the CSV: change_rows(list of its lines) -> the new lines."""
    return lambda toml, table: (toml, "\n".join(change_rows(table.splitlines())) + "\n")


def row(number, text):
    """The CSV with its row `number` (the header is row 1) replaced by text."""
    return rows(lambda lines: lines[:number - 1] + [text] + lines[number:])


def snapshot(folder):
    """Every file under folder with its size and modification time."""
    return {(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def both(first, second):
    """Two changes, one after the other."""
    return lambda toml, table: second(*first(toml, table))


def same_data(a, b):
    """Two Datasets hold equal arrays."""
    for name in ("X_train", "Y_train", "X_test", "Y_test", "labels_train", "labels_test"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.n_classes == b.n_classes


DATA = "[data]\n" + TOML.split("[data]\n")[1]
# (id, change to the good file, what its message says after "<file>: ")
MALFORMED = [
    # the TOML file itself
    ("not-toml", edit("epochs = 3", "epochs = "), "not valid TOML: "),
    ("unknown-key", edit('name = "tiny"', 'name = "tiny"\ncolour = "red"'),
     "colour: unknown key; known: name, "),
    ("missing-required", edit("epochs = 3\n", ""), "epochs: missing (required)"),
    ("missing-data", edit(DATA, ""), "data: missing (required)"),
    ("data-not-table", both(edit(DATA, ""), edit('name = "tiny"', 'name = "tiny"\ndata = "x"')),
     "data: must be a table ([data]), got a string ('x')"),
    # the network and training keys
    ("name-not-string", edit('name = "tiny"', "name = 3"),
     "name: must be a string, got an integer (3)"),
    ("name-characters", edit('name = "tiny"', 'name = "tiny,2"'), "name: 'tiny,2' must be 1 to 64"),
    ("name-builtin", edit('name = "tiny"', 'name = "iris"'), "name: 'iris' is taken"),
    ("name-reserved", edit('name = "tiny"', 'name = "sweep"'), "name: 'sweep' is taken"),
    ("layer-sizes-string", edit("[4, 8, 3]", '"4,8,3"'),
     "layer_sizes: must be a sequence of integers"),
    ("layer-size-zero", edit("[4, 8, 3]", "[4, 0, 3]"), "layer_sizes: must be >= 1, got 0"),
    ("layer-sizes-one", edit("[4, 8, 3]", "[4]"), "layer_sizes: needs at least 2 entries"),
    ("activation-unknown", edit('"tanh"', '"swish"'), "hidden_activation: must be one of"),
    ("loss-needs-output", edit('"softmax"', '"linear"'),
     "loss: 'cross_entropy' needs output_activation"),
    ("epochs-zero", edit("epochs = 3", "epochs = 0"), "epochs: must be >= 1, got 0"),
    ("rate-string", edit("learning_rate = 0.05", 'learning_rate = "0.05"'),
     "learning_rate: must be a real number"),
    ("rate-negative", edit("learning_rate = 0.05", "learning_rate = -1"),
     "learning_rate: must be >= 0.0"),
    ("rate-infinite", edit("learning_rate = 0.05", "learning_rate = inf"),
     "learning_rate: must be finite"),
    ("momentum-one", edit("momentum = 0.9", "momentum = 1.0"), "momentum: must be < 1.0"),
    ("batch-size-float", edit("batch_size = 8", "batch_size = 8.0"),
     "batch_size: must be an integer"),
    ("shuffle-string", edit("seed = 1", 'seed = 1\nshuffle = "yes"'), "shuffle: must be True"),
    ("seed-negative", edit("seed = 1", "seed = -1"), "seed: must be >= 0"),
    ("init-seed-negative", edit("seed = 1", "seed = 1\ninit_seed = -1"),
     "init_seed: must be in [0, 2147483647], got -1"),
    ("init-seed-bool", edit("seed = 1", "seed = 1\ninit_seed = true"),
     "init_seed: must be an integer, got a boolean (True)"),
    ("description-array", edit('name = "tiny"', 'name = "tiny"\ndescription = ["a"]'),
     "description: must be a string, got an array"),
    # [data]
    ("data-unknown-key", edit('label_column = "label"', 'label_column = "label"\ncolour = 1'),
     "data.colour: unknown key"),
    ("data-no-source", edit('csv = "tiny.csv"\n', ""),
     "data: needs exactly one of csv, synthetic, builtin; got none"),
    ("data-two-sources", edit('csv = "tiny.csv"', 'csv = "tiny.csv"\nbuiltin = "iris"'),
     "data: needs exactly one of csv, synthetic, builtin; got csv, builtin"),
    ("data-other-source-key", edit('csv = "tiny.csv"', 'csv = "tiny.csv"\nn_samples = 10'),
     "data.n_samples: not used with data.csv"),
    ("csv-not-string", edit('csv = "tiny.csv"', "csv = 1"), "data.csv: must be a string"),
    ("label-column-not-string", edit('label_column = "label"', "label_column = 5"),
     "data.label_column: must be a string, got an integer (5)"),
    ("test-fraction-one", edit("test_fraction = 0.2", "test_fraction = 1.0"),
     "data.test_fraction: must be in [0, 1), got 1.0"),
    ("test-fraction-bool", edit("test_fraction = 0.2", "test_fraction = true"),
     "data.test_fraction: must be a number, got a boolean"),
    # the CSV file
    ("csv-missing", edit('csv = "tiny.csv"', 'csv = "nothing.csv"'),
     "data.csv: nothing.csv: cannot read "),
    ("csv-directory", edit('csv = "tiny.csv"', 'csv = "."'), "data.csv: .: cannot read "),
    ("csv-empty", lambda toml, table: (toml, ""), "data.csv: tiny.csv is empty"),
    ("csv-blank-lines", lambda toml, table: (toml, "\n\n"), "data.csv: tiny.csv is empty"),
    ("csv-header-only", rows(lambda lines: lines[:1]),
     "data.csv: tiny.csv has a header row but no data rows"),
    ("csv-not-a-number", row(7, "1.0,abc,0.5,2.0,a"),
     "data.csv: tiny.csv row 7, column 'x2': 'abc' is not a number"),
    ("csv-empty-cell", row(4, "1.0,2.0,,2.0,a"),
     "data.csv: tiny.csv row 4, column 'x3': '' is not a number"),
    ("csv-nan", row(9, "nan,1.0,0.5,2.0,a"),
     "data.csv: tiny.csv row 9, column 'x1': 'nan' is not a finite number"),
    ("csv-overflow", row(9, "1.0,1.0,0.5,1e999,a"),
     "data.csv: tiny.csv row 9, column 'x4': '1e999' is not a finite number"),
    ("csv-ragged", row(5, "1.0,2.0,0.5,a"), "data.csv: tiny.csv row 5: 4 cells, the header has 5"),
    ("csv-long-row", row(5, "1.0,2.0,0.5,1.0,a,"),
     "data.csv: tiny.csv row 5: 6 cells, the header has 5"),
    ("csv-open-quote", row(16, '1.0,"2.0,0.5,1.0,a'),
     "data.csv: tiny.csv row 16: unexpected end of data"),
    ("csv-duplicate-column", row(1, "x1,x1,x3,x4,label"),
     "data.csv: tiny.csv row 1: column 'x1' appears twice"),
    ("csv-no-label-column", edit('label_column = "label"', 'label_column = "class"'),
     "data.label_column: tiny.csv has no column 'class' (its columns: x1, x2, x3, x4, label)"),
    ("csv-no-features", rows(lambda lines: [line.split(",")[-1] for line in lines]),
     "data.csv: tiny.csv has no feature columns (only 'label')"),
    ("csv-empty-label", row(3, "1.0,2.0,0.5,1.0, "),
     "data.csv: tiny.csv row 3, column 'label': the label is empty"),
    ("csv-one-class", rows(lambda lines: lines[:1] + [line[:-1] + "a" for line in lines[1:]]),
     "data.label_column: tiny.csv has one class ('a') in column 'label'"),
    ("csv-too-few-inputs", edit("[4, 8, 3]", "[5, 8, 3]"),
     "layer_sizes: the input layer has 5 units but tiny.csv has 4 features"),
    ("csv-too-many-outputs", edit("[4, 8, 3]", "[4, 8, 4]"),
     "layer_sizes: the output layer has 4 units but tiny.csv has 3 classes (a, b, c) (give 3)"),
    ("csv-split-holds-out-none", rows(lambda lines: lines[:4]),
     "data.test_fraction: a test_fraction of 0.2 holds out none of 3 samples"),
    ("csv-split-class-lost", both(edit("= 0.2\n", "= 0.6\n"), both(
        edit("[4, 8, 3]", "[4, 8, 4]"), rows(lambda lines: lines + ["1.0,2.0,0.5,1.0,d"]))),
     "data.test_fraction: class 'd' has no training sample (16 samples, test_fraction 0.6)"),
    # a synthetic set
    ("synthetic-unknown", edit(DATA, '[data]\nsynthetic = "moons"\nn_samples = 30\n'),
     "data.synthetic: 'moons' is not a synthetic set; known: clusters"),
    ("synthetic-no-samples", edit(DATA, '[data]\nsynthetic = "clusters"\n'),
     "data.n_samples: missing (required with data.synthetic)"),
    ("synthetic-zero-samples", edit(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 0\n'),
     "data.n_samples: must be in [1, 2147483647], got 0"),
    ("synthetic-too-few", edit(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 2\n'),
     "data.n_samples: class 2 has no training sample (2 samples, test_fraction 0.2)"),
    ("synthetic-too-large", edit(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 30000000\n'),
     "data.n_samples: 30000000 samples of 4 features are more than 100000000 values"),
    ("synthetic-label-column", edit(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 30\n'
                                          'label_column = "y"\n'),
     "data.label_column: not used with data.synthetic"),
    # a shipped set
    ("builtin-unknown", edit(DATA, '[data]\nbuiltin = "cifar"\n'),
     "data.builtin: 'cifar' is not a shipped data set; known: xor, iris"),
    ("builtin-not-fitting", edit(DATA, '[data]\nbuiltin = "digits"\n'),
     "layer_sizes: the input layer has 4 units but builtin 'digits' has 64 features"),
    ("builtin-test-fraction", edit(DATA, '[data]\nbuiltin = "iris"\ntest_fraction = 0.5\n'),
     "data.test_fraction: not used with data.builtin (its keys: builtin)"),
]


@pytest.mark.parametrize("change, expected", [pytest.param(c, e, id=i) for i, c, e in MALFORMED])
def test_a_malformed_file_is_one_line_naming_the_file_and_key_and_writes_nothing(
        tmp_path, change, expected):
    toml, table = change(TOML, CSV)
    path = write(tmp_path, toml, table)
    before = snapshot(tmp_path)
    with pytest.raises(wf.WorkloadFileError) as caught:
        wf.load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}"), message
    assert snapshot(tmp_path) == before


def test_the_catalogue_holds_at_least_twenty_cases():
    assert len({case_id for case_id, _, _ in MALFORMED}) == len(MALFORMED) >= 20


def test_a_file_that_is_not_there_or_not_utf8(tmp_path):
    with pytest.raises(wf.WorkloadFileError, match=r"nothing\.toml: cannot read it: No such file"):
        wf.load(tmp_path / "nothing.toml")
    (tmp_path / "latin.toml").write_bytes('name = "tiny\xe9"\n'.encode("latin-1"))
    with pytest.raises(wf.WorkloadFileError, match=r"latin\.toml: not UTF-8 text \(byte 12\)"):
        wf.load(tmp_path / "latin.toml")
    write(tmp_path)
    (tmp_path / "tiny.csv").write_bytes(CSV.encode() + b"1,2,3,4,\xff\n")
    with pytest.raises(wf.WorkloadFileError, match=r"data\.csv: tiny\.csv is not UTF-8 text"):
        wf.load(tmp_path / "tiny.toml")


def test_the_examples_load():
    tiny = wf.load(EXAMPLES / "tiny.toml")
    assert tiny.name == "tiny" and tiny.spec == NetworkSpec((4, 8, 3), "tanh", "softmax",
                                                            "cross_entropy")
    assert tiny.config == TrainConfig(epochs=3, learning_rate=0.05, batch_size=8, momentum=0.9,
                                      seed=1)
    data = wl.dataset(tiny)
    assert (data.n_train, data.n_test, data.n_classes) == (30, 6, 3)
    assert data.Y_train.shape == (30, 3)
    clusters = wf.load(EXAMPLES / "clusters.toml")
    data = wl.dataset(clusters)
    assert (data.n_train, data.n_test, data.n_classes) == (240, 60, 4)
    assert data.X_train.shape == (240, 16)
    assert wl.results_entry(clusters)["data"]["synthetic"] is True


def test_optional_keys_take_the_contracts_defaults(tmp_path):
    minimal = ('name = "least"\nlayer_sizes = [4, 8, 3]\nepochs = 2\nlearning_rate = 0.1\n'
               '[data]\ncsv = "tiny.csv"\n')
    workload = wf.load(write(tmp_path, minimal))
    assert workload.spec == NetworkSpec((4, 8, 3))
    assert workload.config == TrainConfig(epochs=2, learning_rate=0.1)
    assert workload.seed == 0
    assert workload.description == ("A user's workload: 4-8-3 sigmoid network, sigmoid output, "
                                    "mse loss, on tiny.csv.")
    assert wl.dataset(workload).n_test == 3  # test_fraction 0.2 of 5 per class


def test_the_csv_is_relative_to_the_toml_file_not_the_working_folder(tmp_path, monkeypatch):
    folder = tmp_path / "defs"
    folder.mkdir()
    path = write(folder)
    monkeypatch.chdir(tmp_path)
    workload = wf.load(Path("defs") / "tiny.toml")
    entry = wl.results_entry(workload)["user"]
    assert entry["file"] == str(path)
    assert entry["definition"]["data"]["csv"] == str(folder / "tiny.csv")


def test_features_are_standardised_by_the_stratified_training_split(tmp_path):
    data = wl.dataset(wf.load(write(tmp_path)))
    table = np.array([[float(v) for v in line.split(",")[:4]] for line in ROWS])
    labels = np.array(["abc".index(line[-1]) for line in ROWS])
    train, test = wl.stratified_split(labels, 0.2, seed=0)
    mean, std = table[train].mean(axis=0), table[train].std(axis=0)
    np.testing.assert_array_equal(data.X_train, (table[train] - mean) / std)
    np.testing.assert_array_equal(data.X_test, (table[test] - mean) / std)
    np.testing.assert_array_equal(data.labels_train, labels[train])
    np.testing.assert_array_equal(data.Y_test, wl.one_hot(labels[test], 3))
    assert data.X_train.flags.c_contiguous and data.X_test.flags.c_contiguous


def test_spaces_after_commas_and_a_byte_order_mark_change_nothing(tmp_path):
    plain = wl.dataset(wf.load(write(tmp_path)))
    spaced = "\ufeff" + CSV.replace(",", ", ")
    same_data(wl.dataset(wf.load(write(tmp_path, table=spaced))), plain)


@pytest.mark.parametrize("names, classes", [
    ({"a": "10", "b": "9", "c": "-2"}, {"a": 2, "b": 1, "c": 0}),          # as numbers
    ({"a": "setosa", "b": "10", "c": "Iris"}, {"a": 2, "b": 0, "c": 1}),   # as text
], ids=["integers", "strings"])
def test_the_classes_are_the_labels_sorted(tmp_path, names, classes):
    table = CSV
    for letter, name in names.items():
        table = table.replace(f",{letter}\n", f",{name}\n")
    data = wl.dataset(wf.load(write(tmp_path, table=table)))
    labels = np.array([classes[line[-1]] for line in ROWS])
    train, test = wl.stratified_split(labels, 0.2, seed=0)
    np.testing.assert_array_equal(data.labels_train, labels[train])
    np.testing.assert_array_equal(data.labels_test, labels[test])


def test_two_classes_with_one_output_unit_are_one_0_1_column(tmp_path):
    two = "\n".join(line for line in CSV.splitlines() if not line.endswith(",c")) + "\n"
    single = wf.load(write(tmp_path, TOML.replace("[4, 8, 3]", "[4, 8, 1]").replace(
        '"softmax"', '"sigmoid"'), two))
    data = wl.dataset(single)
    assert data.Y_train.shape == (data.n_train, 1) and data.n_classes == 2
    np.testing.assert_array_equal(data.Y_train[:, 0], data.labels_train)
    pair = wl.dataset(wf.load(write(tmp_path, TOML.replace("[4, 8, 3]", "[4, 8, 2]"), two)))
    np.testing.assert_array_equal(pair.Y_train, wl.one_hot(pair.labels_train, 2))


def test_test_fraction_zero_holds_nothing_out(tmp_path):
    data = wl.dataset(wf.load(write(tmp_path, TOML.replace("= 0.2", "= 0"))))
    assert data.n_train == 15 and data.n_test == 0
    assert data.X_test is None and data.Y_test is None and data.labels_test is None
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0.0, atol=1e-12)


def test_a_synthetic_set_is_the_clusters_of_the_built_in_generator(tmp_path):
    toml = TOML.replace(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 60\nseed = 7\n')
    data = wl.dataset(wf.load(write(tmp_path, toml, None)))
    X, labels = wl._clusters(60, 4, 3, seed=7)
    train, test = wl.stratified_split(labels, 0.2, seed=0)
    expected_train, expected_test = wl.standardise(X[train], X[test])
    np.testing.assert_array_equal(data.X_train, expected_train)
    np.testing.assert_array_equal(data.X_test, expected_test)
    np.testing.assert_array_equal(data.labels_test, labels[test])


def test_a_builtin_set_is_the_shipped_one_as_the_built_ins_use_it(tmp_path):
    toml = TOML.replace(DATA, '[data]\nbuiltin = "iris"\n')
    workload = wf.load(write(tmp_path, toml, None))
    assert wl.dataset(workload) is wl.load_data("iris")
    entry = wl.results_entry(workload)
    source, licence, synthetic = wl.DATA_SOURCES["iris"]
    assert entry["data"] == {"name": "iris", "source": source, "licence": licence,
                             "synthetic": synthetic}
    assert entry["user"]["data_sha256"] is None


def test_two_files_may_not_define_the_same_name(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = write(tmp_path / "a"), write(tmp_path / "b")
    with pytest.raises(wf.WorkloadFileError) as caught:
        wf.load_all([first, second])
    assert str(caught.value) == (f"{second}: name: 'tiny' is also the name of the workload of "
                                 f"{first}")
    write(tmp_path / "b", TOML.replace('"tiny"', '"tiny-2"'))
    assert [w.name for w in wf.load_all([first, second])] == ["tiny", "tiny-2"]


@pytest.mark.parametrize("source", ["csv", "synthetic", "builtin"])
def test_the_saved_definition_rebuilds_the_workload_without_the_file(tmp_path, source):
    toml = {"csv": TOML,
            "synthetic": TOML.replace(DATA, '[data]\nsynthetic = "clusters"\nn_samples = 45\n'),
            "builtin": TOML.replace(DATA, '[data]\nbuiltin = "iris"\n')}[source]
    path = write(tmp_path, toml)
    workload = wf.load(path)
    entry = json.loads(json.dumps(wl.results_entry(workload)))  # as results.json keeps it
    path.unlink()
    rebuilt = wf.from_definition(**entry["user"])
    assert rebuilt == workload
    same_data(wl.dataset(rebuilt), wl.dataset(workload))
    assert json.dumps(wl.results_entry(rebuilt)) == json.dumps(wl.results_entry(workload))
    assert wf.from_definition(entry["user"]["definition"], entry["user"]["data_sha256"]) == workload


def test_a_changed_or_missing_data_file_is_named(tmp_path):
    path = write(tmp_path)
    entry = wl.results_entry(wf.load(path))["user"]
    csv_path = tmp_path / "tiny.csv"
    assert entry["data_sha256"] == wl.file_sha256(csv_path)
    csv_path.write_text(CSV.replace("0.5,", "0.6,", 1), encoding="utf-8")
    with pytest.raises(wf.WorkloadFileError) as caught:
        wf.from_definition(**entry)
    assert str(caught.value).startswith(f"{path} (as saved): data.csv: {csv_path} has changed "
                                        "since the workload was saved (sha256 ")
    csv_path.unlink()
    with pytest.raises(wf.WorkloadFileError) as caught:
        wf.from_definition(entry["definition"], entry["data_sha256"])
    assert str(caught.value).startswith(f"saved definition: data.csv: {csv_path}: cannot read ")


def test_a_saved_definition_is_checked_as_a_file_is(tmp_path):
    entry = wl.results_entry(wf.load(write(tmp_path)))["user"]
    entry["definition"]["epochs"] = None
    with pytest.raises(wf.WorkloadFileError,
                       match=r"tiny\.toml \(as saved\): epochs: must be an integer"):
        wf.from_definition(**entry)
    with pytest.raises(wf.WorkloadFileError, match=r"^saved definition: must be a table of keys"):
        wf.from_definition([], None)


@pytest.fixture
def registry(monkeypatch):
    """bench.workloads with no user workloads registered, restored afterwards."""
    monkeypatch.setattr(wl, "USER_WORKLOADS", {})
    return wl


def test_a_registered_workload_is_known_to_get_dataset_and_describe(tmp_path, registry):
    workload = wf.load(write(tmp_path))
    with pytest.raises(KeyError, match="unknown workload 'tiny'"):
        registry.get("tiny")
    registry.register(workload)
    registry.register(wf.load(tmp_path / "tiny.toml"))  # the same again: no change
    assert registry.get("tiny") is workload
    assert registry.dataset(registry.get("tiny")).n_train == 12
    entry = registry.results_entry(registry.get("tiny"))
    assert entry["user"]["file"] == str(tmp_path / "tiny.toml")
    with pytest.raises(KeyError, match=r"known: xor, .*, width-1024, tiny\W*$"):
        registry.get("nothing")
    other = wf.load(write(tmp_path, TOML.replace("epochs = 3", "epochs = 4")))
    with pytest.raises(ValueError, match="workload name 'tiny' is taken"):
        registry.register(other)
    with pytest.raises(ValueError, match="workload name 'iris' is taken"):
        registry.register(registry.get("iris"))


def test_the_built_in_workloads_describe_byte_identically():
    """The built-ins' entries as they were before user workloads existed (the golden file was
    written by bench/workloads.py as of commit 21bdd5a, before its hooks for them)."""
    described = {name: wl.results_entry(workload) for name, workload in wl.WORKLOADS.items()}
    assert json.dumps(described, indent=1) + "\n" == GOLDEN.read_text(encoding="utf-8")
    assert all(workload.user is None for workload in wl.WORKLOADS.values())
