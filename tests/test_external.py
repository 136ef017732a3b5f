"""Implementations from outside the source tree (issue 20): found through the entry-point
group backprop_bench.implementations, as the project's own are; checked by `bench check`;
timed and reported like the built-in ones. The example package (examples/backprop-example)
is installed into a temporary folder (not editable) and used from there."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bench import registry

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "backprop-example"


def bench_with(path, args, cwd, timeout=600):
    """`python -m bench ARGS` with path first on the import path (PYTHONPATH)."""
    env = dict(os.environ, PYTHONPATH=str(path))
    return subprocess.run([sys.executable, "-m", "bench", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example package installed into a folder of its own (a copy of its source is built,
    so that nothing is written into the repository)."""
    work = tmp_path_factory.mktemp("external")
    source = work / "source"
    shutil.copytree(EXAMPLE, source)
    target = work / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-build-isolation", "--target", str(target), str(source)],
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert not list(target.glob("*.egg-link")) and (target / "backprop_example").is_dir()
    return target, work


def test_the_projects_own_are_found_through_their_entry_points():
    found, clashes = registry.discover()
    assert not clashes
    for name in registry.ALL:
        assert found[name].distribution == registry.DISTRIBUTION, name
    assert found["fortran"].value == "fortran_impl:Network"


def test_bench_list_shows_the_installed_example_as_external(installed, tmp_path):
    target, _ = installed
    done = bench_with(target, ["list"], tmp_path)
    assert done.returncode == 0, done.stderr
    line = next(line for line in done.stdout.splitlines() if line.startswith("example "))
    assert "external" in line and "yes" in line and "backprop-example 0.1.0" in line


def test_the_example_passes_bench_check(installed, tmp_path):
    target, _ = installed
    done = bench_with(target, ["check", "example"], tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert all(line.startswith("ok") for line in lines[:-1]), done.stdout
    checks = {line.split()[1] for line in lines[:-1]}
    assert checks == {"mazur:", "gradients:", "agreement:", "input", "predict:"}
    assert lines[-1] == f"{len(lines) - 1} of {len(lines) - 1} checks hold"


def test_check_speaks_json_for_machines(installed, tmp_path):
    target, _ = installed
    done = bench_with(target, ["check", "backprop_example:Network", "--format", "json"],
                      tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["failed"] == 0 and report["passed"] == len(report["checks"]) > 30
    assert {"check", "subject", "passed", "figure", "limit", "detail"} <= set(report["checks"][0])


def test_a_broken_copy_fails_check_naming_the_check_and_the_layer(installed, tmp_path):
    # the example with the gradient of its second layer's bias off by a factor of 2
    target, work = installed
    broken = work / "broken" / "broken_example"
    shutil.copytree(target / "backprop_example", broken)
    text = (broken / "__init__.py").read_text()
    line = "        grads[layer] = (activations[layer].T @ delta, delta.sum(axis=0))"
    assert line in text
    text = text.replace(line, "        grads[layer] = (activations[layer].T @ delta, "
                              "delta.sum(axis=0) * (2.0 if layer == 1 else 1.0))")
    (broken / "__init__.py").write_text(text)
    done = bench_with(f"{broken.parent}{os.pathsep}{target}",
                      ["check", "broken_example:Network"], tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAIL")]
    assert any("gradients:" in line and "params[1] b" in line for line in failed), failed
    assert any("mazur:" in line and "params[1] b" in line for line in failed), failed
    assert "failed)" in done.stdout.strip().splitlines()[-1]


def test_an_unknown_implementation_is_a_usage_error(tmp_path):
    done = bench_with(tmp_path, ["check", "no-such-thing"], tmp_path)
    assert done.returncode == 2
    assert "no-such-thing" in done.stderr and "Traceback" not in done.stderr
    done = bench_with(tmp_path, ["check", "no_such_module:Network"], tmp_path)
    assert done.returncode == 2 and "ModuleNotFoundError" in done.stderr


def test_a_run_times_the_example_and_the_report_shows_it(installed, tmp_path):
    target, _ = installed
    out = tmp_path / "run"
    done = bench_with(target, ["run", "--impl", "example,fortran", "--workload", "xor,iris",
                               "--no-peers", "--also-threads", "0", "--quick", "--out",
                               str(out)], tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    doc = json.loads((out / "results.json").read_text())
    rows = [r for r in doc["results"] if r["implementation"] == "example"]
    assert {r["workload"] for r in rows} == {"xor", "iris"}
    assert all(r["kind"] == "external" and r["status"] in ("ok", "partial") for r in rows)
    assert all(r["agreement"]["within_tolerance"] for r in rows)
    assert doc["implementations"] == {"example": {"object": "backprop_example:Network",
                                                  "distribution": "backprop-example",
                                                  "version": "0.1.0"}}
    text = subprocess.run(["pdftotext", "-raw", str(out / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "example (external)" in text
    assert "example from backprop-example 0.1.0 (backprop_example:Network)" in " ".join(
        text.split())
    compared = bench_with(target, ["compare", str(out), str(out), "--format", "markdown"],
                          tmp_path)
    assert compared.returncode == 0 and "| example (external) | xor |" in compared.stdout


# Entry points written by hand into a folder: a package that takes an own name, one that
# cannot be imported, and two that register the same name.
DIST_INFO = {
    "squatter-1.0": "numpy = somewhere:Network\n",
    "broken-1.0": "broken = no_such_module_here:Network\n",
    "first-1.0": "twin = python_impl.vectorized:Network\n",
    "second-1.0": "twin = python_impl.pure:Network\n",
}


def test_clashes_and_failed_imports_are_reported_in_list_and_left_out(tmp_path):
    site = tmp_path / "site"
    for dist, points in DIST_INFO.items():
        info = site / f"{dist}.dist-info"
        info.mkdir(parents=True)
        name, version = dist.rsplit("-", 1)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\n"
                                       f"Version: {version}\n")
        (info / "entry_points.txt").write_text(
            f"[{registry.GROUP}]\n{textwrap.dedent(points)}")
    done = bench_with(site, ["list"], tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert "import of no_such_module_here:Network failed" in lines["broken"]
    assert "registered twice" in lines["twin"] and "no" in lines["twin"].split()
    assert "squatter" in done.stdout and "own implementation" in done.stdout
    numpy_line = next(line for line in done.stdout.splitlines()
                      if line.startswith("numpy ") and "this project" in line)
    assert " yes " in numpy_line                     # the project's own still runs
