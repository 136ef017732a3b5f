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


# ---- bench/ and reports/: no import cycle; reports read bench through bench.results only ----

LAYERED = ("bench", "reports")


def module_names(root):
    """{dotted module name: file} of every Python file under root's bench/ and reports/."""
    found = {}
    for package in LAYERED:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(name, known):
    """The known module that importing name loads last: name, or its nearest known parent."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(root):
    """{module: {project modules it imports, anywhere in the file}} over bench/ and
    reports/ (from package import module counts as importing the module)."""
    known = module_names(root)
    graph = {}
    for name, path in known.items():
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(_resolve(alias.name, known) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    imported.add(_resolve(f"{node.module}.{alias.name}", known))
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", "") ==
                  "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
                imported.add(_resolve(node.args[0].value, known))
        graph[name] = {module for module in imported if module and module != name}
    return graph


def cycles(graph):
    """The import cycles of graph: its strongly connected components of more than one module
    (Tarjan's algorithm), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def layering_problems(root):
    """What breaks the house's layering: reports importing anything of bench but the results
    package (or an implementation, or a numerical library), and bench importing reports
    anywhere but in its command line, the one place the two meet."""
    problems = []
    for module, path in module_names(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [f"{node.module}.{alias.name}" for alias in node.names]
                     if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                top = name.split(".")[0]
                if module.startswith("reports") and (
                        top in ("python_impl", "fortran_impl", "numpy", "torch", "sklearn")
                        or top == "bench" and not name.startswith("bench.results")):
                    problems.append(f"{module} imports {name}")
                if module.startswith("bench") and top == "reports" and module != "bench.cli":
                    problems.append(f"{module} imports {name}")
    return problems


def test_bench_and_reports_have_no_import_cycle():
    assert cycles(import_graph(REPO)) == []


def test_reports_read_bench_through_the_results_package_only():
    assert layering_problems(REPO) == []


def test_the_cycle_and_layering_checks_can_fail(tmp_path):
    for folder, files in {"bench": {"__init__.py": "", "a.py": "from bench import b\n",
                                    "b.py": "def f():\n    import bench.a\n",
                                    "c.py": "import reports.x\n",
                                    "results/__init__.py": "from bench.results import model\n",
                                    "results/model.py": "import bench.a\n"},
                          "reports": {"__init__.py": "", "x.py": "from bench import files\n",
                                      "y.py": "from bench.results import Run\n"}}.items():
        for name, text in files.items():
            (tmp_path / folder / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / folder / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["bench.results"] == {"bench.results.model"}
    assert graph["reports.x"] == {"bench"} and graph["reports.y"] == {"bench.results"}
    assert cycles(graph) == [["bench.a", "bench.b"]]
    assert layering_problems(tmp_path) == ["bench.c imports reports.x",
                                           "reports.x imports bench.files"]
