# supakit — two commands on a fresh machine: `make audit` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: audit test test-slow lint typecheck bench setup postgres clean docs docs-screenshot

setup: $(STAMP) postgres

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,diff]"
	@touch $(STAMP)

# PostgreSQL server binaries: installed with apt-get as root on Debian/Ubuntu, else explained.
postgres: $(STAMP)
	@$(BIN)/python -m toolkit.engine.ensure

audit: setup
	$(BIN)/supakit audit --project-dir .

test: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadfile

# Only the long fuzzing runs (marked slow, bounded example counts); CI runs them after `make test`.
test-slow: setup
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --slow -m slow

lint: $(STAMP)
	$(BIN)/ruff check toolkit tests
	$(BIN)/mypy toolkit

bench: setup
	$(BIN)/python -m tests.bench

# Rule pages' headers, the rule index and the squawk table come from the registry; a test fails
# when they are stale (docs/contributing.md).
docs: $(STAMP)
	$(BIN)/python -m toolkit.rule_pages

# docs/img/html-report.png: the HTML report of tests/fixtures/report_demo in the system Chromium.
docs-screenshot: setup
	$(BIN)/python -m tests.docs_screenshot

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
