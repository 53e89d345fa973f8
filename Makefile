# Strategy Tracker. Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PIP_INSTALL := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: run test lint format migrations-check bench venv dev-venv clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Strategy Tracker needs Python 3.11 or newer (found: $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)

# `make run` leaves a .env turning on development mode, so `python manage.py ...` works in a
# developer's checkout without exports. No other target writes it: a host set up with
# `make venv` for production never gets one (and refuses to start if it finds one while
# SECRET_KEY is set; see strategy_tracker/settings.py).
.env:
	@printf '# Local development settings (not committed). The environment wins over this file.\nDEBUG=true\n' > .env

$(VENV)/.installed-run: requirements.txt constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt constraints.txt | $(BIN)/python
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-run

venv: $(VENV)/.installed-run
dev-venv: $(VENV)/.installed-dev

## run: set up and serve the app on the embedded default (SQLite, eager Celery) with demo data
run: venv .env
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: the whole suite on SQLite, then on PostgreSQL when it can be reached (required on CI)
test: dev-venv
	PYTHON=$(BIN)/python scripts/test.sh

## lint: ruff (lint + format check) and mypy
lint: dev-venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/mypy .

format: dev-venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## bench: import throughput and memory against raw loads, on SQLite and PostgreSQL
bench: dev-venv
	LOG_LEVEL=$${LOG_LEVEL:-WARNING} $(BIN)/python -m bench.run  # figures only: no sign-in log lines

## migrations-check: fail if a model change has no migration
migrations-check: dev-venv
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles
