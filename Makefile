# The two quick-start commands (`make up`, `make test`) both create .venv on first use,
# on a machine with only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Extra flags for `make up`, e.g. make up ARGS="--grpc-port 7300 --ui-port 8300"
ARGS ?=

.PHONY: up worker gateway test lint typecheck unit temporal e2e bench clean lock

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "caseflow needs Python 3.11+; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
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

# Re-resolve the dependency ranges in pyproject.toml into constraints.txt, in a scratch venv
# so that nothing installed by hand leaks into the lock. Run on purpose, review the diff.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	{ echo "# The resolved dependency set that make and .ci/run install from (pip -c)."; \
	  echo "# Refresh on purpose with 'make lock' after changing pyproject.toml, and commit the result."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v -E '^(setuptools|wheel)=='; \
	} > constraints.txt
	rm -rf .lock-venv
