# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test portal lint types imports migrations-check pytest schema messages audit-http clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Install, migrate the embedded SQLite database, seed demo data, serve the portal on http://localhost:8000/account/
## (and GraphiQL on /graphql)
run: $(STAMP)
	$(BIN)/customer-accounts migrate
	$(BIN)/customer-accounts seed-demo
	$(BIN)/customer-accounts serve

## Install and run everything CI runs: lint, types, import contract, migrations check, tests
test: lint types imports migrations-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

# Models and migrations must agree: `alembic check` against a freshly migrated scratch database.
migrations-check: $(STAMP)
	@rm -f .migrations-check.db
	DATABASE_URL=sqlite+aiosqlite:///.migrations-check.db $(BIN)/alembic upgrade head >/dev/null
	DATABASE_URL=sqlite+aiosqlite:///.migrations-check.db $(BIN)/alembic check
	@rm -f .migrations-check.db .migrations-check.db-wal .migrations-check.db-shm

# In parallel (pytest-xdist): most tests wait on the database, SMTP or argon2, so more workers than cores pay;
# idle workers steal queued tests from busy ones, so a few long browser scenarios do not leave a lone tail.
PYTEST_WORKERS ?= 4
pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# Rebuild app/static/portal from portal/ (no bundler: a copy with a version hash; `make test` checks it)
portal: $(STAMP)
	$(BIN)/python -m app.portal_build

## Rewrite schema.graphql from the code
schema: $(STAMP)
	$(BIN)/customer-accounts export-schema -o schema.graphql

## Extract the texts of mail, SMS and app/ into app/locale/messages.pot and merge them into every catalogue
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o app/locale/messages.pot .
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale -w 120

## GraphQL-over-HTTP audit (npm graphql-http; needs Node.js): serve on a free port, audit /graphql, stop
audit-http: $(STAMP)
	PYTHON=$(BIN)/python .ci/graphql-http-audit/run.sh

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
