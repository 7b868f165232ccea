# newsflow - the commands people actually run. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: help install prism demo up down status init test chaos test-unit test-integration lint format bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install newsflow with its dev tools

prism: $(STAMP) ## build Beam's Prism runner with go into NEWSFLOW_HOME/cache (once; ~10 min on 2 cores)
	$(BIN)/newsflow pipeline prism

demo: $(STAMP) ## the main job: stack up, init, ingest the seed feeds end to end, search "Peskov"
	$(BIN)/newsflow demo

up: $(STAMP) ## start the local Kafka + Elasticsearch (no Docker)
	$(BIN)/newsflow stack up

down: $(STAMP) ## stop them
	$(BIN)/newsflow stack down

status: $(STAMP) ## are they healthy?
	$(BIN)/newsflow stack status

init: $(STAMP) ## create topics, index templates, indices and aliases
	$(BIN)/newsflow init

test: $(STAMP) prism ## all tests: unit, then integration (real stack, FnApiRunner and Prism)
	$(BIN)/pytest -q tests

chaos: $(STAMP) ## the whole fault matrix (tests/chaos, ~12 min); `make test` runs its faster half
	NEWSFLOW_CHAOS=all $(BIN)/pytest -q -rA tests/chaos

test-unit: $(STAMP) ## unit tests only (no servers)
	$(BIN)/pytest -q tests/unit

test-integration: $(STAMP) prism ## integration tests only
	$(BIN)/pytest -q tests/integration

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP) ## benchmarks: print figures (needs the stack: make up)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean: ## remove the virtualenv (NEWSFLOW_HOME with data and downloads stays)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
