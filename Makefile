# Data Marketplace — the two commands: `make run` and `make test`.
# Needs only Python 3.11+, make and (on Debian/Ubuntu) apt-get; everything else is installed here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app marketplace
PORT   ?= 5000
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run test lint bench install clean

help:
	@echo "make run    install, migrate, seed, and serve http://$(HOST):$(PORT)"
	@echo "make test   install test needs and run the linters and the whole suite (SQLite, then PostgreSQL)"
	@echo "make bench  run the benchmarks in bench/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version 2>&1)). Set PYTHON=python3.12 or similar."; exit 1; }
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		echo "Installing the venv module (python3-venv)..."; \
		apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && $(PYTHON) -m venv $(VENV); }

# Reinstall only when the dependencies change.
$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed --if-empty
	$(FLASK) search sync
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

test: lint
	$(BIN)/pytest --db sqlite
	$(BIN)/pytest --db postgresql

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
