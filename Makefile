# domain-scanner: `make run` scans the demo sites end to end, `make test` runs
# the linters, the type checker and the test suite. Both create .venv first.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: install run test lint typecheck pytest bench-extraction pgbouncer clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) -m devstack.demo $(DOMAINS)

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# PgBouncer in transaction mode in front of DATABASE_URL, for trying the pooler
# mode by hand; needs the Debian package pgbouncer.
pgbouncer: install
	$(PY) -m devstack.pgbouncer

bench-extraction: install
	$(PY) bench/extraction_accuracy.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
