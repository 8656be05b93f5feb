# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app tracker
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev translations db browser-deps clean

run: install translations db
	$(FLASK) run --host $(HOST) --port $(PORT)

# ruff first (rules in ruff.toml); pytest-randomly shuffles the tests and prints the seed in
# pytest's header: repeat an order with PYTEST_ARGS="--randomly-seed=N".
test: install-dev translations browser-deps
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Compile the Danish/English message catalogues (.po -> .mo).
translations: install
	$(BIN)/pybabel compile --statistics -d tracker/translations

# Migrate the database (SQLite in instance/ unless DATABASE_URL says otherwise)
# and load the demo data set when it is empty.
db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty

# Chromium for the browser tests: installed from Debian's packages when missing
# and we may (root); otherwise the browser tests report themselves skipped.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium and poppler-utils (Debian packages) for the browser and PDF tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null) \
	      || echo "Could not install chromium; browser tests will be skipped"; \
	  else echo "chromium not found and cannot be installed here; browser tests will be skipped"; fi; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache
