# Every target creates .venv and installs the project when it is missing or pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test lint bench format clean serve

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@echo "compiling the simulator (Numba, cached for later runs; a few minutes once) ..."
	@$(BIN)/beredt run --scenarios 10 --out $(VENV)/warmup --db sqlite:///$(VENV)/warmup.db \
		> $(VENV)/warmup.log 2>&1 || (cat $(VENV)/warmup.log; exit 1)
	@touch $(STAMP)

# The main job on the bundled Norwegian sample: store, scores, scenarios, plan, responses, report.
demo: $(STAMP)
	$(BIN)/beredt run --bundle data/sample-no --out out
	$(BIN)/beredt status --limit 10
	@echo "report: $(CURDIR)/out/report.html (also out/report.xlsx, out/results.json)"

# The API on the sample (./beredt.db, or BEREDT_DATABASE_URL): loads the sample when the store is
# empty, then serves on http://127.0.0.1:8000/api/v1 (docs/server.md; accounts: beredt user add).
serve: $(STAMP)
	@$(BIN)/beredt status --limit 1 > /dev/null 2>&1 || $(BIN)/beredt import bundle data/sample-no
	$(BIN)/beredt serve --host 127.0.0.1 --port 8000

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
