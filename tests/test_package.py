"""The project as a user gets it: a wheel, installed in a fresh virtual environment, run as
`backprop-bench` from another folder, gives a complete report (the Fortran backward pass
read from the installed .f90, the project's version, no commit outside a checkout).
About half a minute: it builds the wheel (compiling the Fortran) and installs it."""

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from bench import results

ROOT = Path(__file__).resolve().parents[1]


def run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False,
                          **kwargs)
    assert done.returncode == 0, " ".join(map(str, command)) + "\n" + done.stdout[-3000:] \
        + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "--disable-pip-version-check", "-q", "-w", str(out), str(ROOT)], env=env)
    (path,) = out.glob("backprop_bench-*.whl")
    return path


def test_the_wheel_holds_the_sources_data_and_licence(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("fortran_impl/backprop.f90", "bench/data/iris.csv", "bench/data/digits.csv.gz",
                 "python_impl/pure.py", "reports/build.py"):
        assert name in names, name
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text and "tqdm" not in text
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "backprop-bench = bench.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_a_run_from_the_installed_wheel_gives_a_complete_report(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         str(wheel)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([str(env_dir / "bin" / "backprop-bench"), "run", "--quick", "--impl", "numpy,fortran",
         "--workload", "xor", "--no-peers", "--also-threads", "0", "--out", "out"],
        cwd=elsewhere, env=clean)
    doc = results.load(elsewhere / "out")
    env = doc["environment"]
    assert env["version"] == version("backprop-bench")
    assert env["packages"]["backprop-bench"] == env["version"]
    assert env["git_commit"] is None                # not a checkout: no foreign commit
    assert doc["run"]["command"].startswith("backprop-bench run --quick")
    fortran = doc["sources"]["fortran"]
    assert "error" not in fortran and "call output_delta" in fortran["text"]
    text = run(["pdftotext", "-layout", str(elsewhere / "out" / "report.pdf"), "-"]).stdout
    assert "call output_delta" in text and "source not available" not in text
    assert f"backprop-bench {env['version']}" in text
