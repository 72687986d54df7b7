# The two commands of the README: `make podcast` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: podcast test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py src/radiocast/locale/vi/LC_MESSAGES/radiocast.po
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Build this repository's podcast from seeds/ and serve it. Offline, the article is read by the
# machine voice (podcast.toml: narrate = true); an episode that still fails is reported, the rest served.
podcast: $(VENV)/.installed
	-$(BIN)/radiocast publish
	$(BIN)/radiocast serve

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest
