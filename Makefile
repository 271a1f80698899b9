# One command to run the app, one to run every test. Each sets itself up on a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test bench lint chromium postgresql oidc nginx clean

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Debian chromium for the browser tests (Playwright drives it; never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }

## Debian PostgreSQL binaries for the store tests (tests/pg_server.py starts throwaway servers of
## its own). No Debian cluster: a fresh install is told not to create (or start) one.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  [ -e /etc/postgresql-common/createcluster.conf ] || { \
	    $$SUDO mkdir -p /etc/postgresql-common && \
	    echo 'create_main_cluster = false' | $$SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null; }; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

## node and the local OpenID Connect provider for the sign-in tests (tests/oidc, npm ci from its lock).
OIDC := tests/oidc
oidc:
	@{ command -v node && command -v npm; } >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	@[ $(OIDC)/node_modules/.installed -nt $(OIDC)/package-lock.json ] || { \
	  npm ci --prefix $(OIDC) --no-audit --no-fund --loglevel=error && \
	  touch $(OIDC)/node_modules/.installed; }

## nginx, to check the deployment's proxy config for real (its service is not started: a
## policy-rc.d refuses it during the install, when none exists already).
nginx:
	@[ -x /usr/sbin/nginx ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  MADE=""; [ -e /usr/sbin/policy-rc.d ] || { \
	    printf '#!/bin/sh\nexit 101\n' | $$SUDO tee /usr/sbin/policy-rc.d >/dev/null && \
	    $$SUDO chmod 755 /usr/sbin/policy-rc.d && MADE=1; }; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; STATUS=$$?; \
	  [ -z "$$MADE" ] || $$SUDO rm -f /usr/sbin/policy-rc.d; exit $$STATUS; }

## Set up and start the playground (Demo mode when no MODELHUNTER_KEY is configured).
run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Set up and run the whole test suite: unit, AppTest and real-browser end-to-end.
test: $(VENV)/.dev chromium postgresql oidc nginx
	$(PY) -m pytest

## Run every benchmark and print the ratio table.
bench: $(VENV)/.dev chromium
	$(PY) -m bench

lint: $(VENV)/.dev
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
