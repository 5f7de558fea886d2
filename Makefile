# Eventscope: `make run` starts the dashboard, `make test` runs every test (installing first), the C kernel's
# AddressSanitizer/UBSan fuzz run included; `make asan` runs that one alone, with its full report.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LOGDIR ?=
STAMP := $(VENV)/.installed

.PHONY: install run lint test browser asan protos bench clean

$(STAMP): pyproject.toml loaders/_fastscan.c
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(PY) -m dashboard $(if $(LOGDIR),--logdir $(LOGDIR),)

# Static checks: lint + format (ruff), types (mypy), the layering contracts (import-linter).
lint: $(STAMP)
	$(VENV)/bin/ruff check loaders dashboard
	$(VENV)/bin/ruff format --check loaders dashboard
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

# The browser tests need Debian's chromium: installed here when this user may, else one line says the command.
browser:
	tools/ensure_chromium.sh

test: browser lint
	$(PY) -m pytest -q

asan: $(STAMP)
	$(PY) tools/asan_fuzz.py

protos: $(STAMP)
	$(PY) tools/regen_protos.py

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build dist *.egg-info artifacts
