# The two commands a newcomer needs: `make demo` and `make test`.
# Both create .venv when missing and install the pinned dependencies first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORE_STAMP := $(VENV)/.installed-core
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `make demo` needs only the core; `make test` adds the test tools and the optional
# extras (sentiment is GPL-licensed, so it is never part of the core install).
$(CORE_STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e .
	touch $(CORE_STAMP)

$(TEST_STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev,sentiment,bench]'
	touch $(TEST_STAMP) $(CORE_STAMP)

# The main job on the synthetic demo market and the demo articles, as of the week of
# the Alibaba catalyst; prints where the report is, then where its screenshots are (one
# PNG per section at 1400 and 390 px; a line saying why not when Playwright or a browser
# is missing, which does not fail the target).
demo: $(CORE_STAMP)
	$(BIN)/themelens rally --demo --asof 2025-09-26
	$(BIN)/themelens report --demo --asof 2025-09-26 --db out/demo.duckdb --out out/report.html
	$(BIN)/python -m themelens.report.screenshots out/report.html out/screenshots

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(TEST_STAMP)
	$(BIN)/python bench/bench_rally.py
	$(BIN)/python bench/bench_extract.py

# Re-pin every dependency to what is installed now (run after changing pyproject.toml).
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,sentiment,bench]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^themelens' > requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
