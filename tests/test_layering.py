"""The three implementations stand side by side on the contract layer: none imports another,
each imports only the contract (python_impl.spec, and python_impl.arrays for the two that use
NumPy) and its own modules; and the README's example does what the README says."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PROJECT = ("python_impl", "fortran_impl", "bench", "reports", "tests")

# file -> the project modules it may import
ALLOWED = {
    "python_impl/spec.py": set(),
    "python_impl/arrays.py": {"python_impl.spec"},
    "python_impl/pure.py": {"python_impl.spec"},
    "python_impl/vectorized.py": {"python_impl.spec", "python_impl.arrays"},
    "fortran_impl/__init__.py": {"fortran_impl.network"},
    "fortran_impl/network.py": {"python_impl.spec", "python_impl.arrays",
                                "fortran_impl._build_info", "fortran_impl._backprop"},
}


def project_imports(path):
    """The project modules a Python file imports (import x.y, from x.y import z, and
    importlib.import_module("x.y") with a literal name), as dotted names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            # "from python_impl import spec" imports the module python_impl.spec
            names.update(f"{node.module}.{alias.name}" for alias in node.names
                         if node.module in PROJECT)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)):
            names.add(node.args[0].value)
    return {name for name in names if name.split(".")[0] in PROJECT and name not in PROJECT}


@pytest.mark.parametrize("relative", sorted(ALLOWED))
def test_implementations_import_only_the_contract_layer(relative):
    imported = project_imports(REPO / relative)
    assert imported <= ALLOWED[relative], imported - ALLOWED[relative]


def test_every_implementation_file_is_listed():
    files = {str(path.relative_to(REPO)) for folder in ("python_impl", "fortran_impl")
             for path in (REPO / folder).glob("*.py")}
    assert files == set(ALLOWED) | {"python_impl/__init__.py"}


def test_the_layering_check_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from python_impl.vectorized import Network\nimport fortran_impl.network\n"
                   "from python_impl import pure\n")
    assert project_imports(bad) == {"python_impl.vectorized", "fortran_impl.network",
                                    "python_impl.pure"}


def test_fortran_algorithm_uses_only_its_kernels():
    folder = REPO / "fortran_impl"
    for trainer, kernels in (("backprop.f90", "kernels"), ("backprop32.f90", "kernels32")):
        source = (folder / trainer).read_text() + (folder / "trainer.inc").read_text()
        assert re.findall(r"^\s*use\s+(\w+)", source, re.M | re.I) == [kernels]
        # the kernels use only the BLAS shim's explicit interfaces (blas_shim.f90)
        source = (folder / f"{kernels}.f90").read_text() + (folder / "kernels.inc").read_text()
        assert re.findall(r"^\s*use\s+(\w+)", source, re.M | re.I) == ["blas_shim"]
        assert "external" not in re.sub(r"!.*", "", source)


def test_readme_xor_example_prints_the_truth_table():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = next(code for code in re.findall(r"```python\n(.*?)```", readme, re.S)
                 if "IMPLEMENTATIONS" in code and "predict" in code)
    done = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["python", "numpy", "fortran"]
    assert all(line.endswith("[0, 1, 1, 0]") for line in lines), lines
    assert "[0, 1, 1, 0]" in readme
