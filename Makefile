# The two commands of the README. Each sets itself up first (scripts/setup.sh, idempotent).
.PHONY: bench test setup
PY := .venv/bin/python

setup:
	@bash scripts/setup.sh

bench: setup
	$(PY) -m bench run $(ARGS)

test: setup
	$(PY) -m pytest $(ARGS)
