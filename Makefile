# Data Marketplace — the two commands: `make run` and `make test`.
# Needs only Python 3.11+, make and (on Debian/Ubuntu) apt-get; everything else is installed here.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app marketplace
PORT   ?= 5000
HOST   ?= 127.0.0.1
STAMP  := $(VENV)/.installed
# The suite runs in this many processes (pytest-xdist; "auto" is one per core).
TEST_WORKERS ?= auto

.DEFAULT_GOAL := help
.PHONY: help run test lint bench install clean vendor

help:
	@echo "make run    install, migrate, seed, and serve http://$(HOST):$(PORT)"
	@echo "make test   install test needs and run the linters and the whole suite (SQLite, then again on PostgreSQL)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make vendor refresh the committed GOV.UK Frontend and autocomplete files (needs npm; not needed to run)"

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

# The mail sender and the saved-search alert sender run beside the server (with no MAIL_SERVER
# mail is written to instance/mail/*.eml) and are stopped with it, however the server ends.
run: $(STAMP)
	$(FLASK) db upgrade
	$(FLASK) seed --if-empty
	$(FLASK) search sync
	$(FLASK) mail send --loop & sender=$$!; $(FLASK) alerts send --loop & alerts=$$!; \
	trap 'kill $$sender $$alerts 2>/dev/null; wait $$sender $$alerts' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	PORT=$(PORT) $(FLASK) run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

test: lint
	@test -x /usr/bin/chromium || { echo "Installing Debian's chromium for the browser tests..."; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pytest --db sqlite -n $(TEST_WORKERS) --durations=20
	@# The second pass runs what can differ on PostgreSQL: every test that uses the database.
	$(BIN)/pytest --db postgresql --database-tests-only -n $(TEST_WORKERS) --durations=20

bench: $(STAMP)
	$(BIN)/python -m bench

# GOV.UK Frontend's built CSS, JS, fonts and images are committed under $(GOVUK_STATIC) (served at
# /assets), so neither install nor run needs Node. To move to another version, change it here and
# pair it with a matching govuk-frontend-jinja in pyproject.toml.
GOVUK_FRONTEND_VERSION := 6.3.0
GOVUK_STATIC           := marketplace/web/static
# The search box's title completion, vendored the same way (its own folder under /assets).
AUTOCOMPLETE_VERSION   := 3.0.1
# GOV.UK One Login's service header for signed-in pages: its script as published, its styles built
# with Dart Sass against the GOV.UK Frontend above (the package's own CSS is built against 5.x and
# repeats GOV.UK Frontend's base). Its markup is ported by hand to templates/one_login/header.html.
ONE_LOGIN_HEADER_VERSION := 5.0.0
SASS_VERSION             := 1.97.1

vendor:
	@command -v npm >/dev/null || { echo "make vendor needs npm (only to refresh the committed files)."; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		(cd "$$tmp" && npm pack --silent govuk-frontend@$(GOVUK_FRONTEND_VERSION) >/dev/null && \
			tar xzf govuk-frontend-$(GOVUK_FRONTEND_VERSION).tgz) && \
		dist="$$tmp/package/dist/govuk" && \
		rm -rf $(GOVUK_STATIC)/fonts $(GOVUK_STATIC)/images && \
		cp "$$dist/govuk-frontend.min.css" "$$dist/govuk-frontend.min.js" $(GOVUK_STATIC)/ && \
		cp -R "$$dist/assets/." $(GOVUK_STATIC)/ && \
		find $(GOVUK_STATIC) -type f -exec chmod 644 {} + && \
		printf 'govuk-frontend %s\nFrom the npm package govuk-frontend@%s, dist/govuk/ (assets/ flattened here),\nserved at /assets. Refresh with `make vendor` (see the Makefile); init.js and app.css are ours.\n' \
			$(GOVUK_FRONTEND_VERSION) $(GOVUK_FRONTEND_VERSION) > $(GOVUK_STATIC)/VERSION
	@echo "GOV.UK Frontend $(GOVUK_FRONTEND_VERSION) is in $(GOVUK_STATIC)"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		(cd "$$tmp" && npm pack --silent accessible-autocomplete@$(AUTOCOMPLETE_VERSION) >/dev/null && \
			tar xzf accessible-autocomplete-$(AUTOCOMPLETE_VERSION).tgz) && \
		out=$(GOVUK_STATIC)/accessible-autocomplete && rm -rf "$$out" && mkdir -p "$$out" && \
		cp "$$tmp"/package/dist/accessible-autocomplete.min.js "$$tmp"/package/dist/accessible-autocomplete.min.css \
			"$$tmp"/package/LICENSE.txt "$$out"/ && chmod 644 "$$out"/* && \
		printf 'accessible-autocomplete %s\nFrom the npm package accessible-autocomplete@%s, dist/ (a UMD bundle: loaded as a\nmodule it sets window.accessibleAutocomplete). Refresh with `make vendor`.\n' \
			$(AUTOCOMPLETE_VERSION) $(AUTOCOMPLETE_VERSION) > "$$out"/VERSION
	@echo "accessible-autocomplete $(AUTOCOMPLETE_VERSION) is in $(GOVUK_STATIC)/accessible-autocomplete"
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		(cd "$$tmp" && npm init -y >/dev/null && \
			npm install --silent --no-audit --no-fund sass@$(SASS_VERSION) govuk-frontend@$(GOVUK_FRONTEND_VERSION) \
				@govuk-one-login/service-header@$(ONE_LOGIN_HEADER_VERSION) >/dev/null) && \
		pkg="$$tmp/node_modules/@govuk-one-login/service-header" && \
		printf '$$govuk-include-default-font-face: false;\n@import "govuk/base";\n@import "service-header-no-imports";\n' > "$$tmp/entry.scss" && \
		out=$(GOVUK_STATIC)/one-login-header && rm -rf "$$out" && mkdir -p "$$out" && \
		"$$tmp/node_modules/.bin/sass" --no-source-map --style=compressed --quiet-deps --silence-deprecation=import \
			--load-path="$$tmp/node_modules/govuk-frontend/dist" --load-path="$$pkg/dist/styles" \
			"$$tmp/entry.scss" "$$out/service-header.min.css" 2>/dev/null && \
		cp "$$pkg/dist/scripts/service-header.js" "$$out/" && chmod 644 "$$out"/* && \
		printf '@govuk-one-login/service-header %s (ISC licence, as its package.json says)\nFrom the npm package: dist/scripts/service-header.js as published; service-header.min.css\nbuilt by `make vendor` from its dist/styles/service-header-no-imports.scss with sass %s\nagainst govuk-frontend %s. The markup is ported to templates/one_login/header.html.\n' \
			$(ONE_LOGIN_HEADER_VERSION) $(SASS_VERSION) $(GOVUK_FRONTEND_VERSION) > "$$out"/VERSION
	@echo "GOV.UK One Login service header $(ONE_LOGIN_HEADER_VERSION) is in $(GOVUK_STATIC)/one-login-header"

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
