# The two quick-start commands (`make up`, `make test`) both create .venv on first use,
# on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra flags for `make up`, e.g. make up ARGS="--grpc-port 7300 --ui-port 8300"
ARGS ?=

.PHONY: up worker gateway test lint typecheck unit temporal e2e bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "caseflow needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

up: $(STAMP)
	$(BIN)/caseflow up $(ARGS)

worker: $(STAMP)
	$(BIN)/caseflow worker $(ARGS)

gateway: $(STAMP)
	$(BIN)/caseflow gateway $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

# Fast inner loop: no Temporal server, no subprocess stack.
unit: $(STAMP)
	$(BIN)/pytest -m "not temporal and not e2e"

temporal: $(STAMP)
	$(BIN)/pytest -m "temporal"

e2e: $(STAMP)
	$(BIN)/pytest -m "e2e"

bench: $(STAMP)
	$(BIN)/python -m tests.bench.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
