# Two commands do all setup on a fresh machine:
#   make demo   builds the bundled example into public/ (RSS, Atom, JSON Feed)
#   make test   lint, type-check and the whole test suite
#   make bench  speed and memory against feedgen, feedparser and reader (not a test)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINTED := src tests examples $(wildcard benchmarks)

.PHONY: demo test lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --editable . --group dev
	touch $@

demo: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" examples/publish.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy --strict src

test: lint
	$(BIN)/pytest --cov --cov-branch --cov-report=term -n auto

# The bench group (py-spy) is installed here only: the test suite never needs it.
$(BIN)/.bench-installed: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet --group bench
	touch $@

bench: $(BIN)/.bench-installed
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) public .pytest_cache .mypy_cache .ruff_cache .coverage
