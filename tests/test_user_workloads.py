"""Workloads the user defines, end to end through the command line (issue 20, item 3): a
--workload-file with a CSV data set and one with a synthetic set run, report and resume after
their files are deleted; a malformed file is exit 2 and one line, and nothing is written.
(bench/workload_files.py's own checks are in tests/test_workload_files.py.)"""

import json
import os
import shutil
from pathlib import Path

import pytest
from test_bench import bench

from bench import cli, results
from bench.workloads import QUICK

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "workloads"
RUN = ["run", "--quick", "--impl", "numpy,fortran", "--no-peers", "--also-threads", "0",
       "--dtype", "float64"]


@pytest.fixture
def files(tmp_path):
    """The two example workload files (and tiny's CSV) copied into a folder of their own."""
    folder = tmp_path / "mine"
    folder.mkdir()
    for name in ("tiny.toml", "tiny.csv", "clusters.toml"):
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def test_csv_and_synthetic_workloads_run_report_and_resume_without_their_files(files,
                                                                                tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, BACKPROP_BENCH_KILL_AFTER="2")      # killed after tiny's results
    done = bench([*RUN, "--workload-file", str(files / "tiny.toml"), "--workload-file",
                  str(files / "clusters.toml"), "--workload", "tiny,clusters-16", "--out",
                  str(out)], cwd=tmp_path, env=env)
    assert done.returncode != 0                                # it was killed
    doc = results.load(out)
    assert doc["run"]["options"]["workloads"] == ["tiny", "clusters-16"]
    assert {r["workload"] for r in doc["results"]} == {"tiny"}
    saved = doc["workloads"]["tiny"]["user"]
    assert saved["data_sha256"] and saved["definition"]["name"] == "tiny"
    (files / "tiny.toml").unlink()
    (files / "clusters.toml").unlink()
    resumed = bench(["run", "--resume", str(out)], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-2000:]
    doc = results.load(out)
    assert doc["run"]["complete"]
    by_workload = {}
    for result in doc["results"]:
        by_workload.setdefault(result["workload"], []).append(result)
    assert set(by_workload) == {"tiny", "clusters-16"}
    assert all(r["status"] == "ok" and r["agreement"]["within_tolerance"]
               for rows in by_workload.values() for r in rows)
    report = bench(["report", str(out), "-o", str(tmp_path / "again.pdf")], cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "again.pdf").stat().st_size > 10_000


def test_a_changed_csv_stops_the_resume_naming_it(files, tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, BACKPROP_BENCH_KILL_AFTER="1")
    bench([*RUN, "--workload-file", str(files / "tiny.toml"), "--workload", "tiny", "--out",
           str(out)], cwd=tmp_path, env=env)
    with open(files / "tiny.csv", "a", encoding="utf-8") as csv:
        csv.write("0.1,0.2,0.3,0.4,red\n")
    before = (out / "results.json").read_bytes()
    done = bench(["run", "--resume", str(out)], cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "tiny.csv" in lines[0] and "Traceback" not in done.stderr
    assert (out / "results.json").read_bytes() == before


# Twenty malformed files: (what is changed in tiny.toml, what the one line names)
MALFORMED = [
    ("name = \"tiny\"", "name = \"xor\"", "name"),
    ("name = \"tiny\"", "name = 7", "name"),
    ("layer_sizes = [4, 8, 3]", "layer_sizes = [5, 8, 3]", "layer_sizes"),
    ("layer_sizes = [4, 8, 3]", "layer_sizes = [4, 8, 4]", "layer_sizes"),
    ("layer_sizes = [4, 8, 3]", "layer_sizes = [4, 0, 3]", "layer_sizes"),
    ("layer_sizes = [4, 8, 3]", "layer_sizes = \"4-8-3\"", "layer_sizes"),
    ("hidden_activation = \"tanh\"", "hidden_activation = \"swish\"", "hidden_activation"),
    ("loss = \"cross_entropy\"", "loss = \"hinge\"", "loss"),
    ("epochs = 3", "epochs = 0", "epochs"),
    ("epochs = 3", "epochs = 3.5", "epochs"),
    ("batch_size = 8", "batch_size = -8", "batch_size"),
    ("learning_rate = 0.05", "learning_rate = \"fast\"", "learning_rate"),
    ("momentum = 0.9", "momentum = 1.5", "momentum"),
    ("seed = 1", "seed = -1", "seed"),
    ("seed = 1", "seed = 1\ncolour = \"blue\"", "colour"),
    ("csv = \"tiny.csv\"", "csv = \"missing.csv\"", "missing.csv"),
    ("label_column = \"label\"", "label_column = \"species\"", "species"),
    ("test_fraction = 0.2", "test_fraction = 1.5", "test_fraction"),
    ("csv = \"tiny.csv\"", "csv = \"tiny.csv\"\nbuiltin = \"iris\"", "data"),
    ("[data]", "[data]\nrows = 3", "rows"),
    ("epochs = 3", "epochs = [3]", "epochs"),
    ("name = \"tiny\"", "name = \"tiny", "TOML"),               # not TOML
]


@pytest.mark.parametrize("old, new, named", MALFORMED,
                         ids=[f"{k}-{named}" for k, (_, _, named) in enumerate(MALFORMED)])
def test_a_malformed_workload_file_is_exit_2_and_one_line_and_nothing_is_written(
        old, new, named, files, tmp_path):
    text = (files / "tiny.toml").read_text()
    assert old in text
    (files / "bad.toml").write_text(text.replace(old, new, 1))
    out = tmp_path / "run"
    done = bench([*RUN, "--workload-file", str(files / "bad.toml"), "--out", str(out)],
                 cwd=tmp_path)
    assert done.returncode == 2, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"bench run: argument --workload-file: {files / 'bad.toml'}: ")
    assert named in lines[0] and "Traceback" not in done.stderr
    assert not out.exists() and done.stdout == ""


def test_the_saved_definition_is_json_and_names_its_data(files, tmp_path):
    out = tmp_path / "run"
    done = bench([*RUN, "--workload-file", str(files / "clusters.toml"), "--workload",
                  "clusters-16", "--out", str(out)], cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    entry = json.loads((out / "results.json").read_text())["workloads"]["clusters-16"]
    assert entry["user"]["definition"]["data"] == {"synthetic": "clusters", "n_samples": 300,
                                                   "seed": 7}
    assert entry["user"]["data_sha256"] is None and entry["data"]["synthetic"]


def test_without_workload_the_files_workloads_run_after_the_built_in_ones(files):
    args = cli.build_parser().parse_args(["run", "--quick", "--workload-file",
                                          str(files / "tiny.toml")])
    assert cli.plan_options(args)["workloads"] == [*QUICK, "tiny"]
    args = cli.build_parser().parse_args(["run", "--quick", "--workload-file",
                                          str(files / "tiny.toml"), "--workload", "xor"])
    assert cli.plan_options(args)["workloads"] == ["xor"]
