# Knooppunt: the two commands a newcomer needs are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KNP := $(BIN)/knooppunt
STAMP := $(VENV)/.installed
TEST_INSTANCE ?= test

.PHONY: help venv demo demo-stop test lint typecheck unit integration clean

help:
	@echo "make demo   start Neo4j, generate, ingest, analyse, write pages, serve the API"
	@echo "make test   ruff, mypy --strict, unit and integration tests (starts and stops Neo4j)"

# The venv is (re)installed when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

lint: venv
	$(BIN)/ruff check graph ingest api tests benchmarks

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest tests/unit

# Starts the project's own `test` instance unless NEO4J_URI points elsewhere, and stops it
# again only if this target started it.
test: venv
	@started=""; \
	if [ -z "$${NEO4J_URI:-}" ] && ! $(KNP) db status --instance $(TEST_INSTANCE) >/dev/null 2>&1; then \
	  $(KNP) db start --instance $(TEST_INSTANCE); started=1; \
	fi; \
	stop() { if [ -n "$$started" ]; then $(KNP) db stop --instance $(TEST_INSTANCE) || true; fi; }; \
	trap stop EXIT; \
	echo "== ruff"; $(BIN)/ruff check graph ingest api tests benchmarks; \
	echo "== mypy --strict"; $(BIN)/mypy; \
	echo "== pytest"; KNOOPPUNT_TEST_INSTANCE=$(TEST_INSTANCE) $(BIN)/pytest tests

demo: venv
	$(BIN)/python -m graph.demo

demo-stop: venv
	$(BIN)/python -m graph.demo --stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache artifacts
