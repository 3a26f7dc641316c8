# Kapok: `make demo` to run it, `make test` to test it. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin
KAPOK := $(BIN)/kapok
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL that `make test` runs the suite against a second time.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST := $(BIN)/pytest -p no:cacheprovider

.PHONY: setup demo test test-sqlite test-postgres test-browser lint format bench messages clean

setup: $(VENV)/.synced $(VENV)/.messages

# Idempotent: re-runs only when the dependencies change.
$(VENV)/.synced: pyproject.toml uv.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/uv --version 2>/dev/null | grep -q "uv $(UV_VERSION)" || \
		$(BIN)/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv sync --locked --quiet
	@touch $@

# The compiled catalogues (.mo) are built here, not committed.
$(VENV)/.messages: $(VENV)/.synced $(wildcard kapok/locale/*/LC_MESSAGES/django.po)
	$(KAPOK) compilemessages --verbosity 0 --ignore .venv --ignore var
	@touch $@

demo: setup
	$(KAPOK) init
	$(KAPOK) demo --url http://$(HOST):$(PORT) > var/demo-accounts.txt
	HOST=$(HOST) PORT=$(PORT) scripts/serve-demo

test: setup lint test-sqlite test-postgres test-browser

test-sqlite: setup
	@echo "== tests on SQLite =="
	$(PYTEST) -m "not browser"

test-postgres: setup
	@echo "== tests on PostgreSQL =="
	scripts/ensure-postgres "$(TEST_POSTGRES_URL)"
	KAPOK_DATABASE_URL="$(TEST_POSTGRES_URL)" $(PYTEST) -m "not browser"

test-browser: setup
	@echo "== browser tests (Debian's chromium) =="
	scripts/ensure-browser
	$(PYTEST) -m browser

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(KAPOK) makemigrations --check --dry-run > /dev/null
	scripts/check-messages

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m bench

# Refresh the translation catalogues after changing user-facing strings, then translate the
# new entries in kapok/locale/*/LC_MESSAGES/django.po and run `make messages` again.
messages: setup
	$(KAPOK) makemessages --locale zh_Hans --no-obsolete --add-location file \
		--ignore .venv --ignore var --ignore tests --ignore bench
	$(KAPOK) compilemessages --verbosity 0 --ignore .venv --ignore var

clean:
	rm -rf $(VENV) var/static var/screenshots
