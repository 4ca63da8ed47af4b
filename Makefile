# Two commands for a fresh machine (README.md): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export SWS_HOME ?= $(CURDIR)/.sws

.PHONY: demo test lint install clean

$(BIN)/sws: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3
	@# deploy: the PostgreSQL instance of the regional deployment, tested by make test
	$(BIN)/pip install --quiet -e '.[dev,deploy]'
	touch $@

install: $(BIN)/sws

# Sample returns for the five Trusts and REGION -> contracts -> warehouse -> outcome marts
# -> the ODB extract pack for the latest sample period -> the cull report -> the period's
# submission status (each recorded in Dagster: `sws ui` shows them).
DEMO_PERIOD := 2025-26-Q4

demo: install
	$(BIN)/sws sample --out $(SWS_HOME)/landing --end-period $(DEMO_PERIOD)
	$(BIN)/sws load
	$(BIN)/sws extract --period $(DEMO_PERIOD)
	$(BIN)/sws cull-report
	$(BIN)/sws status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# the dbt templater compiles against a warehouse: a scratch one, never the real one
	mkdir -p $(SWS_HOME)/lint/work
	SWS_HOME=$(SWS_HOME)/lint $(BIN)/sqlfluff lint dbt_project/models --templater dbt \
		--dialect duckdb --processes 2

test: lint
	$(BIN)/pytest -q

clean:
	rm -rf $(SWS_HOME) dbt_project/target dbt_project/logs
