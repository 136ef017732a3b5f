#!/usr/bin/env bash
# Set up everything both README commands need, idempotently:
#   1. Debian packages: gfortran (the Fortran trainer), libopenblas-dev (its dgemm path),
#      pkg-config (meson finds OpenBLAS with it), poppler-utils (pdftoppm, used by the tests);
#   2. the virtual environment .venv/ at the repository root;
#   3. the project installed there in editable mode, with the peers (PyTorch, scikit-learn)
#      and the test tools. meson-python's editable install rebuilds the Fortran on import.
# A second run finds a stamp that matches pyproject.toml and this script, and returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v gfortran >/dev/null || missing+=(gfortran)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if ! pkg-config --exists openblas 2>/dev/null; then missing+=(libopenblas-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them as root:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
stamp=.venv/.setup-stamp
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && .venv/bin/python -c "import fortran_impl" 2>/dev/null; then
  exit 0
fi
export PATH="$PWD/.venv/bin:$PATH"   # the editable build calls meson and ninja from the venv
echo "setup: installing the project into .venv (first time: a minute or two)"
# (this machine kind's pip configuration names package folders that may not exist: pip warns
# once per package about them; those lines alone are dropped, everything else is shown)
quiet_pip() {
  local status=0
  pip install -q --disable-pip-version-check "$@" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || status=${PIPESTATUS[0]}
  return "$status"
}
quiet_pip meson-python meson ninja "numpy>=2.0"
quiet_pip --no-build-isolation -e ".[peers,test]"
echo "$want" > "$stamp"
