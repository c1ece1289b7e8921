# The commands the README gives. Each makes (or refreshes) its own virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: venv run init-db test lint bench format clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# Development: SQLite in instance/, mail written to the log, a throw-away SECRET_KEY
# (FLASK_DEBUG=1) unless you set MFA_SECRET_KEY or config.py.
init-db: venv
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi init-db

run: init-db
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# MariaDB tests run when MFA_TEST_MYSQL_URL is set (.ci/run sets it); SQLite ones always.
test: lint
	$(BIN)/python -m pytest -q

# Ratios against bcrypt and a trivial request, on SQLite and MariaDB (bench/legacy_face.py).
bench: venv
	$(BIN)/python -m bench.legacy_face --db sqlite
	$(BIN)/python -m bench.legacy_face --db mysql

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
