# Two commands: `make run` (install, migrate, seed, serve on SQLite) and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install gettext browser messages migrate seed run test test-fast lint schema check-schema clean

help:
	@echo "make run    install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   install and run the whole suite (unit, API, worker, browser)"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# System packages from Debian: gettext (compiled translations), and for the tests Chromium (driven
# by Playwright, never downloaded by it), redis-server (throwaway brokers in the worker tests) and
# pgbouncer (the tests that run through a transaction-mode pooler in CI).
APT_INSTALL = if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq

gettext:
	@command -v msgfmt >/dev/null 2>&1 || { $(APT_INSTALL) gettext >/dev/null; }

browser:
	@[ -x $(CHROMIUM) ] || { $(APT_INSTALL) chromium >/dev/null; }
	@command -v redis-server >/dev/null 2>&1 || { $(APT_INSTALL) redis-server >/dev/null; }
	@command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || { $(APT_INSTALL) pgbouncer >/dev/null; }
	@$(CHROMIUM) --version

messages: install gettext
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

migrate: install messages
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install browser messages
	$(PY) -m pytest

test-fast: install messages
	$(PY) -m pytest -m "not e2e and not worker" -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo --no-cache
	$(VENV)/bin/mypy monusco gender can
	$(VENV)/bin/djlint --lint templates */templates
	git ls-files -z '*.py' ':!:*/migrations/*' | xargs -0 $(VENV)/bin/django-upgrade --target-version 5.2 --check

schema: install
	$(PY) manage.py spectacular --file openapi.yaml --validate --fail-on-warn

check-schema: install
	$(PY) manage.py spectacular --file /tmp/openapi-check.yaml --validate --fail-on-warn
	diff -u openapi.yaml /tmp/openapi-check.yaml

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
