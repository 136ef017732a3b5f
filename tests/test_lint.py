"""The code keeps the rules it is written to (pyproject.toml's [tool.ruff]): ruff finds nothing,
and every `# noqa` left says why the rule does not apply there."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOLDERS = ("bench", "reports", "python_impl", "fortran_impl", "tests", "scripts", "examples")


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=REPO,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_every_noqa_says_why():
    # a noqa comment names its codes, then " - " and the reason
    unexplained = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found = re.search(r"(?<!`)#\s*noqa\b(.*)$", line)
                if found and not re.match(r":\s*[A-Z]+\d+(,\s*[A-Z]+\d+)*\s+-\s+\S", found[1]):
                    unexplained.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not unexplained, "\n".join(unexplained)
