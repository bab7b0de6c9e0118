# Pledge: two commands do everything on a fresh machine with Python 3.11, make and apt.
#   make run    install, prepare instance/, migrate, seed the demo, serve on 127.0.0.1:$(PORT) with a mail
#               sink on 8025 (or a free port if 8025 is taken); `make run` does not reinstall when up to date
#   make test   install the test dependencies (Debian's chromium and postgresql included) and run every
#               test on SQLite, then every test that touches a database on a throwaway PostgreSQL cluster
#   make test-quick  the inner loop: SQLite only, no browser and no slow tests
#   make bench  measure the platform against its floors and print the table

PORT ?= 5000
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
FLASK := PLEDGE_ENV=development PLEDGE_PUBLIC_URL=http://127.0.0.1:$(PORT) $(BIN)/flask --app pledge

.PHONY: run test test-quick lint bench install install-test chromium postgresql redis help

help:
	@echo "make run    serve the demo site on http://127.0.0.1:$(PORT)"
	@echo "make test   lint, then the whole test suite (SQLite, then the database tests on PostgreSQL)"
	@echo "make test-quick  the fast inner loop: SQLite, no browser and no slow tests"
	@echo "make lint   ruff and mypy over the sources"
	@echo "make bench  measure the platform against its floors and print the table"

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3-venv is missing; installing it with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); }
	@$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The second run of the suite needs PostgreSQL's server binaries (Debian's postgresql package);
# .ci/with-postgres starts a throwaway cluster from them and removes it afterwards.
postgresql:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
	  echo "Installing Debian's postgresql for the PostgreSQL run of the tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; }

# The Redis rate-limit tests start a throwaway redis-server (Debian's redis-server package).
redis:
	@command -v redis-server >/dev/null || { \
	  echo "Installing Debian's redis-server for the rate-limit tests"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server; }

run: install
	$(BIN)/python -m pledge.instance init
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Open http://127.0.0.1:$(PORT)  (staff login at /login with the demo organizer above; mail the site sends: /dev/mail)"
	$(FLASK) dev serve --port $(PORT)

test: lint install-test chromium postgresql redis
	@echo "== the suite on SQLite =="
	$(BIN)/python -m pytest
	@echo "== the tests that touch a database, on PostgreSQL =="
	.ci/with-postgres $(BIN)/python -m pytest -m db

# The markers are set at collection (tests/kit/markers.py): browser, slow, db.
test-quick: install-test redis
	$(BIN)/python -m pytest -m "not browser and not slow"

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: install-test chromium redis
	$(BIN)/python -m bench
