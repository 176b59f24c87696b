# One-command set-up: every target installs what it needs from the lock files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test setup setup-dev install assets db demo bench dist clean

run: setup db
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Two test workers (pytest-xdist) on the machine's two cores, each with its own database;
# `make test WORKERS=0` runs in one process.
WORKERS ?= 2
test: setup-dev
	$(BIN)/python -m pytest $(if $(filter 0,$(WORKERS)),,-n $(WORKERS)) $(PYTEST_ARGS)

setup: install assets
setup-dev: $(VENV)/.installed-dev assets

# What the server runs (requirements.txt); `make install` is all a server built from
# `make dist` needs: the archive already holds static/vendor/.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# The tests' packages too; re-installed whenever either file changes.
$(VENV)/.installed-dev: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# Third-party front-end files come from package-lock.json, never from the repository.
assets: static/vendor/.installed

static/vendor/.installed: package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	touch $@

# A release archive for a server without Node: the committed tree plus static/vendor/.
dist: assets
	$(PYTHON) deploy/make_dist.py

db: setup
	mkdir -p instance
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

# Synthetic national registry and the measured table (README, "Performance"); not part of
# `make test`. SCALE=0.1 keeps the shape with a tenth of the provinces; DATABASE_URL for
# PostgreSQL (emptied first!), else instance/bench-<scale>.sqlite3.
SCALE ?= 1
BENCH_ARGS ?=
bench: setup
	$(BIN)/python -m bench.run --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/vendor instance/*.sqlite3 dist
