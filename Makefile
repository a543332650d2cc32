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

# uv installs the locked dependencies (uv.lock, with hashes); it is itself pinned and installed
# once into its own folder under the user's cache (decision 057).
UV_VERSION := 0.13.9
UV_DIR := $(HOME)/.cache/knooppunt/tools/uv-$(UV_VERSION)
UV := $(UV_DIR)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# The packaging test builds a wheel with the same uv.
export UV

# Front-end assets (Swagger UI, ReDoc) from npm with frontend/package-lock.json, copied into
# api/static/vendor/, and the workbench bundled by esbuild from frontend/ui/ into api/static/ui/
# (both git-ignored, shipped in the wheel); vendor/manifest.json is written last.
ASSETS := api/static/vendor/manifest.json
UI_SOURCES := $(shell find frontend/ui -type f)

.PHONY: help venv assets lock docs demo demo-stop test lint typecheck unit integration clean

help:
	@echo "make demo   start Neo4j, generate, ingest, analyse, write pages, serve the API"
	@echo "make test   ruff, import contracts, mypy --strict, unit and integration tests (starts and stops Neo4j)"
	@echo "make lock   re-resolve uv.lock after changing the dependencies in pyproject.toml"
	@echo "make docs   regenerate docs/graph-model.md from graph/data/graph-model.yaml"

$(UV):
	$(PYTHON) -m venv $(UV_DIR)
	$(UV_DIR)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# The venv is synced to the lock file (exactly: packages not in it are removed) whenever
# uv.lock or pyproject.toml changes. --locked refuses a lock that no longer matches pyproject.
$(STAMP): uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --extra dev --python $(PYTHON) --quiet
	@touch $(STAMP)

lock: | $(UV)
	$(UV) lock

# docs/graph-model.md is generated from graph/data/graph-model.yaml (a unit test fails when stale).
docs: venv
	$(BIN)/python -m graph.model_doc

$(ASSETS): frontend/package.json frontend/package-lock.json frontend/.npmrc frontend/build.mjs $(UI_SOURCES)
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

assets: $(ASSETS)

venv: $(STAMP) $(ASSETS)

lint: venv
	@echo "== ruff"; $(BIN)/ruff check graph ingest api knooppunt tests benchmarks
	@echo "== import contracts"; $(BIN)/lint-imports --no-logo

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
	echo "== ruff"; $(BIN)/ruff check graph ingest api knooppunt tests benchmarks; \
	echo "== import contracts"; $(BIN)/lint-imports --no-logo; \
	echo "== mypy --strict"; $(BIN)/mypy; \
	echo "== pytest"; KNOOPPUNT_TEST_INSTANCE=$(TEST_INSTANCE) $(BIN)/pytest tests

demo: venv
	$(BIN)/python -m knooppunt.demo

demo-stop: venv
	$(BIN)/python -m knooppunt.demo --stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache artifacts frontend/node_modules api/static/vendor
