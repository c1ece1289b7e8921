# The commands the README gives. Each makes (or refreshes) its own virtualenv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: venv run init-db test test-cluster lint bench format clean openapi settings-docs newman postman-deps servers

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

# newman (pinned in postman/package-lock.json) for the Postman collection; needs node and npm.
postman/node_modules/.installed: postman/package.json postman/package-lock.json
	npm ci --prefix postman --no-audit --no-fund --loglevel=error
	touch $@

postman-deps: postman/node_modules/.installed

# Debian's nginx, apache2, mod_wsgi, galera-4, haproxy and redis-sentinel, for the tests that
# boot deploy/ and the cluster (installed when missing;
# needs root or sudo then).
servers:
	bash deploy/install-servers.sh

# Development: SQLite in instance/, mail written to the log, a throw-away SECRET_KEY
# (FLASK_DEBUG=1) unless you set MFA_SECRET_KEY or config.py.
init-db: venv
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi init-db

# FLASK_RUN_PORT rather than --port: the passkeys' development origin follows it
# (http://localhost:$(PORT)), so `make run PORT=5601` accepts passkeys too.
run: init-db
	FLASK_DEBUG=1 FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT) $(BIN)/flask --app wsgi run --no-reload

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# MariaDB tests run when MFA_TEST_MYSQL_URL is set (.ci/run sets it); SQLite ones always.
test: lint postman-deps servers
	$(BIN)/python -m pytest -q

# The scale-out topology on this machine (docs/scale-out.md): 3 Galera nodes behind HAProxy,
# Redis with a replica and 3 sentinels, two app hosts, over a minute of load while nodes are
# killed; prints its figures (also part of `make test`). Needs root, as CI has.
test-cluster: venv servers
	$(BIN)/python -m pytest -q -s tests/cluster

# docs/openapi.json, generated from the code (a test checks it is current).
openapi: venv
	FLASK_DEBUG=1 $(BIN)/flask --app wsgi openapi > docs/openapi.json

# config.example.py and the settings tables of docs/api.md, made from mfa_api/settings_table.py
# (a test checks they are current).
settings-docs: venv
	$(BIN)/python -m mfa_api.settings_docs

# The Postman collection against a server already running (make run), e.g. BASE_URL=http://127.0.0.1:5000
BASE_URL ?= http://$(HOST):$(PORT)
newman: postman-deps
	cd postman && node_modules/.bin/newman run mfa-api.postman_collection.json \
		-e local.postman_environment.json --env-var baseUrl=$(BASE_URL)

# The performance figures (docs/performance.md), each as ratios measured in one run. Takes a
# while: P4 seeds a million accounts on each database. One: make bench BENCH=journeys
BENCH ?= all
bench: venv
ifeq ($(BENCH),all)
	$(BIN)/python -m bench.journeys
	$(BIN)/python -m bench.journeys --hash bcrypt --rounds 10
	$(BIN)/python -m bench.cpu_split
	$(BIN)/python -m bench.login_overhead
	$(BIN)/python -m bench.login_overhead --db mysql
	$(BIN)/python -m bench.login_overhead --smtp-rtt-ms 10
	$(BIN)/python -m bench.verify_rate
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.scale --db mysql
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.memory --give-back
	$(BIN)/python -m bench.registrations --db mysql
	$(BIN)/python -m bench.legacy_face --db sqlite
	$(BIN)/python -m bench.legacy_face --db mysql
else
	$(BIN)/python -m bench.$(BENCH)
endif

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
