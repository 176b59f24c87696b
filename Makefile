# One-command set-up: every target installs what it needs from the lock files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test setup assets db demo bench clean

run: setup db
	$(FLASK) demo --if-empty
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed assets

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Third-party front-end files come from package-lock.json, never from the repository.
assets: static/vendor/.installed

static/vendor/.installed: package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
	touch $@

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
	rm -rf $(VENV) node_modules static/vendor instance/*.sqlite3
