# Every target creates .venv and installs the project when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test lint bench format clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Until `beredt run` (the national report) lands, the demo loads a bundle and shows its status.
DEMO_BUNDLE ?= $(if $(wildcard data/sample-no/bundle.toml),data/sample-no,tests/data/small)

demo: $(STAMP)
	$(BIN)/beredt import bundle --replace $(DEMO_BUNDLE)
	$(BIN)/beredt status

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

LINT_PATHS = $(wildcard src tests benchmarks scripts)

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format $(LINT_PATHS)
	$(BIN)/ruff check --fix $(LINT_PATHS)

bench: $(STAMP)
	@for script in benchmarks/*_bench.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) beredt.db out .pytest_cache .mypy_cache .ruff_cache
